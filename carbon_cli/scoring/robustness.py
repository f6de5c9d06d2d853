"""Whether a community's verdict holds over the ranges of the figures it rests on (the figures,
their ranges and the community as a function of them: `figures.py`).

Every figure a verdict depends on, a scored item's `zero` / `full` / `points` / step thresholds,
a control item's `target`, the pass band and every emission factor the inventory used, has a
low / high range: its own from its data file (`ranges` of a criterion, `low`/`high` of a factor)
or the default of its status (`data/ranges.toml`). A *corner* sets each figure to its low or its
high end, independently. The verdict is **robust** when every corner gives the nominal verdict.

How it is computed (no sampling):

* For fixed factors the score is 100 × Σ pᵢ·sᵢ / Σ pᵢ, sᵢ an item's share of its points. sᵢ is
  monotone in each of the item's thresholds, so its extremes are at the corners of the item's own
  thresholds (at most 4 for a linear item); the extremes of the ratio over the points' box are
  found exactly by Dinkelbach's iteration (take pᵢ high when sᵢ is below the current ratio, low
  otherwise; it stops at the optimal corner in a few steps). Controls are independent of items.
* Factors change the inventory, hence the metrics that read it. Each factor is used by one
  inventory line, and every line rises with each of its factors. Without a baseline year the
  metrics of the inventory (per capita, per m², the sinks' share) are monotone in every factor
  and the items reading them agree in direction, so the two coherent corners (every emission
  factor high and every sink factor low, and the reverse) are the extreme ones: exact. With a
  baseline year (the per-capita reduction is a ratio of two years) each line is taken at its
  low and at its high end, every combination of lines (2^lines corners); exact when each line has
  one factor that moves, else the corners mixing the ends of one line's factors are not
  evaluated and the result says so (`exact: false`).
* When the verdict can change, the smallest set of figures whose change flips it is searched:
  every single figure and every pair (both ends of each), then, when none flips, the flipping
  corner found above reduced figure by figure to a set none of whose members can be dropped.
  The value at which it flips is found by bisection on the way from the nominal figures to that
  corner (the verdict is a step function of it; 32 halvings, to 1e-9 of the way).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from carbon_cli.scoring.criteria import Criterion
from carbon_cli.scoring.evaluation import (
    EPS,
    MetricValue,
    control_result,
    earned_and_applicable,
)
from carbon_cli.scoring.figures import (
    FALLING,
    RISING,
    SINK_FACTORS,
    Assessment,
    Figure,
    Model,
    figures,
    line_of,
    moved_criterion,
    range_rules,
)

PAIR_CANDIDATES = 12  # pairs are searched among the figures that move the score most alone
BISECTIONS = 32


# --- every corner at once ---------------------------------------------------------------------


@dataclass
class _Box:
    verdicts: dict[str, dict[Figure, float]]  # each verdict some corner gives, with that corner
    score_low: float
    score_high: float
    exact: bool


def _ratio_extreme(shares: list[float], lows: list[float], highs: list[float], lowest: bool) -> tuple[float, list[int]]:
    """min (or max) of Σ pᵢsᵢ / Σ pᵢ over pᵢ ∈ [lowᵢ, highᵢ] (Dinkelbach), and the corner: the
    indexes taking their high end."""
    n = len(shares)
    high: list[int] = []
    pick = [(lows[i] + highs[i]) / 2 for i in range(n)]
    total = sum(pick)
    ratio = sum(p * s for p, s in zip(pick, shares, strict=True)) / total if total > 0 else 0.0
    for _ in range(4 * n + 8):
        high = [i for i in range(n) if (shares[i] < ratio) == lowest and shares[i] != ratio]
        hs = set(high)
        pick = [highs[i] if i in hs else lows[i] for i in range(n)]
        total = sum(pick)
        new = sum(p * s for p, s in zip(pick, shares, strict=True)) / total if total > 0 else 0.0
        if abs(new - ratio) <= 1e-15:
            return new, high
        ratio = new
    return ratio, high


def _item_corners(figs: list[Figure]) -> Iterator[dict[Figure, float]]:
    thresholds = [f for f in figs if f.kind in ("zero", "full", "step", "target") and f.moves]
    for ends in itertools.product((0, 1), repeat=len(thresholds)):
        yield {f: (f.high if e else f.low) for f, e in zip(thresholds, ends, strict=True)}


def _direction(c: Criterion, control: bool) -> int | None:
    """+1 when `c` (reading a monotone inventory metric) gets worse as emissions rise, -1 when it
    gets better, None when its metric is not one of those."""
    rising = c.metric.kind in RISING
    if not rising and c.metric.kind not in FALLING:
        return None
    if control:
        worse_high = c.rule == "at_most"
    elif c.rule == "linear":
        worse_high = c.lower_is_better
    else:  # steps: more is better
        worse_high = False
    return 1 if worse_high == rising else -1


def _coherent(factor_figs: list[Figure]) -> tuple[dict[Figure, float], dict[Figure, float]]:
    up = {f: (f.low if f.owner in SINK_FACTORS else f.high) for f in factor_figs}
    down = {f: (f.high if f.owner in SINK_FACTORS else f.low) for f in factor_figs}
    return up, down


def _factor_corners(model: Model, factor_figs: list[Figure]) -> tuple[list[dict[Figure, float]] | _LineCorners, bool]:
    """The factor corners to evaluate, and whether they are every one that matters."""
    if not factor_figs:
        return [{}], True
    up, down = _coherent(factor_figs)
    directions: set[int | None] = set()
    for group, control, idx, mvs in (
        (model.items, False, model.inv_items, model.item_mv),
        (model.controls, True, model.inv_controls, model.control_mv),
    ):
        for i in idx:
            if mvs[i].status == "na" and mvs[i].reason == "no_baseline":
                continue  # n/a whatever the factors
            directions.add(_direction(group[i], control))
    if None not in directions and len(directions) <= 1:
        return [up, down], True
    lines: dict[str, list[Figure]] = {}
    owner = line_of(model.a)
    for f in factor_figs:
        lines.setdefault(owner.get(f.owner, f.owner), []).append(f)
    groups = list(lines.values())
    corners = _LineCorners(groups)
    return corners, all(len(g) == 1 for g in groups)


class _LineCorners:
    """Every corner of the lines (each line's factors all low or all high), made when iterated."""

    def __init__(self, groups: list[list[Figure]]) -> None:
        self.groups = groups

    def __len__(self) -> int:
        return 2 ** len(self.groups)

    def __iter__(self) -> Iterator[dict[Figure, float]]:
        for ends in itertools.product((0, 1), repeat=len(self.groups)):
            yield {f: (f.high if e else f.low) for group, e in zip(self.groups, ends, strict=True) for f in group}


def _share_extremes(
    c: Criterion, mv: MetricValue, own: list[Figure]
) -> tuple[tuple[float, dict[Figure, float]], tuple[float, dict[Figure, float]]]:
    """An item's lowest and highest share of its points over the corners of its thresholds, each
    with the corner that gives it (the share is monotone in each threshold)."""
    best: tuple[float, dict[Figure, float]] = (float("inf"), {})
    worst: tuple[float, dict[Figure, float]] = (float("-inf"), {})
    for ends in _item_corners(own) if mv.status != "missing" else iter([{}]):
        moved = moved_criterion(c, list(ends.items())) if ends else c
        share = earned_and_applicable(moved, mv)[0] / c.points
        if share < best[0]:
            best = (share, ends)
        if share > worst[0]:
            worst = (share, ends)
    return best, worst


def _points_corner(
    p_fig: list[Figure | None], high_set: list[int], at: list[dict[Figure, float]]
) -> dict[Figure, float]:
    """The corner of the items' figures that gives an extreme score: points high for `high_set`,
    the thresholds of `at`."""
    out: dict[Figure, float] = {}
    hs = set(high_set)
    for j, fig in enumerate(p_fig):
        if fig is not None:
            out[fig] = fig.high if j in hs else fig.low
        out.update(at[j])
    return out


def _joined(corner: dict[Figure, float], *parts: dict[Figure, float] | None) -> dict[Figure, float]:
    out: dict[Figure, float] = dict(corner)
    for part in parts:
        out.update(part or {})
    return out


@dataclass
class _Scenario:
    """Factor figures at one corner (`corner`), or an outer box of every corner (`corner` None):
    the metric values each criterion reading the inventory may take there."""

    corner: dict[Figure, float] | None
    controls: dict[int, list[MetricValue]]
    items: dict[int, list[MetricValue]]


def _scenario(model: Model, corner: dict[Figure, float]) -> _Scenario:
    inv_c, inv_i = model.factor_metrics({f.owner: x for f, x in corner.items()}) if corner else ([], [])
    return _Scenario(
        corner,
        {i: [mv] for i, mv in zip(model.inv_controls, inv_c, strict=True)},
        {i: [mv] for i, mv in zip(model.inv_items, inv_i, strict=True)},
    )


def _outer(model: Model, factor_figs: list[Figure]) -> _Scenario:
    """The metric values of the criteria reading the inventory at the corners of the factors where
    each takes its extremes, each criterion on its own: a box holding every corner. Each line rises
    with every one of its factors, so the net, gross and sinks of a year are lowest and highest at
    the two coherent corners; the ratio of the two years' per-capita figures (the reduction) is
    lowest and highest where Dinkelbach's iteration over each line's two ends puts it, and their
    difference where each line takes the end that lowers (raises) it."""
    groups: dict[str, list[Figure]] = {}
    owner = line_of(model.a)
    for f in factor_figs:
        groups.setdefault(owner.get(f.owner, f.owner), []).append(f)
    corners = list(_coherent(factor_figs))
    a = model.a
    base_inv = a.baseline_inventory
    pop_now = a.inventory.resident_population
    pop_base = base_inv.resident_population if base_inv else None
    if base_inv is not None and model.baseline is not None and pop_now and pop_base:
        # each line's (now, base) tCO2e per person at its low and its high end (sinks count minus)
        ends: list[tuple[list[Figure], tuple[float, float], tuple[float, float]]] = []
        for key, figs in groups.items():
            pair = []
            for end in ("low", "high"):
                factors = {f.owner: getattr(f, end) for f in figs}
                now = model._inventory(a.inventory, model.values, factors, "now")
                base = model._inventory(base_inv, model.baseline, factors, "base")
                sign = -1.0 if key == "sinks" else 1.0
                value_now = now.sinks_tco2e if key == "sinks" else now.sources[key]
                value_base = base.sinks_tco2e if key == "sinks" else base.sources[key]
                pair.append((sign * value_now / pop_now, sign * value_base / pop_base))
            ends.append((figs, pair[0], pair[1]))

        def corner_of(choice: list[int]) -> dict[Figure, float]:
            return {f: (f.high if c else f.low) for (figs, _, _), c in zip(ends, choice, strict=True) for f in figs}

        rest_now = a.inventory.net_tco2e / pop_now - sum(lo[0] for _, lo, _ in ends)  # lines that do not move
        rest_base = base_inv.net_tco2e / pop_base - sum(lo[1] for _, lo, _ in ends)
        for lowest in (True, False):
            ratio = (a.inventory.net_tco2e / pop_now) / (base_inv.net_tco2e / pop_base or 1.0)
            choice: list[int] = []
            for _ in range(2 * len(ends) + 4):
                choice = [int(((hi[0] - ratio * hi[1]) < (lo[0] - ratio * lo[1])) == lowest) for _, lo, hi in ends]
                num = rest_now + sum((hi if c else lo)[0] for (_, lo, hi), c in zip(ends, choice, strict=True))
                den = rest_base + sum((hi if c else lo)[1] for (_, lo, hi), c in zip(ends, choice, strict=True))
                new = num / den if den else ratio
                if abs(new - ratio) <= 1e-15:
                    break
                ratio = new
            corners.append(corner_of(choice))
            diff = [int(((hi[0] - hi[1]) < (lo[0] - lo[1])) == lowest) for _, lo, hi in ends]
            corners.append(corner_of(diff))
    scenarios = [_scenario(model, c) for c in corners]
    return _Scenario(
        None,
        {i: [mv for sc in scenarios for mv in sc.controls[i]] for i in model.inv_controls},
        {i: [mv for sc in scenarios for mv in sc.items[i]] for i in model.inv_items},
    )


def _box(model: Model, figs: list[Figure], scenarios: list[_Scenario]) -> _Box:
    moving = [f for f in figs if f.moves]
    by_owner: dict[str, list[Figure]] = {}
    for f in moving:
        by_owner.setdefault(f.owner, []).append(f)
    band = next((f for f in figs if f.kind == "band"), None)
    band_lo, band_hi = (band.low, band.high) if band else (model.band, model.band)
    verdicts: dict[str, dict[Figure, float]] = {}
    score_low, score_high = float("inf"), float("-inf")
    fixed: dict[int, tuple[tuple[float, dict[Figure, float]], tuple[float, dict[Figure, float]]]] = {}
    for scenario in scenarios:
        corner = scenario.corner or {}
        control_mv: list[list[MetricValue]] = [[mv] for mv in model.control_mv]
        item_mv: list[list[MetricValue]] = [[mv] for mv in model.item_mv]
        for i, mvs in scenario.controls.items():
            control_mv[i] = mvs
        for i, mvs in scenario.items.items():
            item_mv[i] = mvs
        # each control's possible statuses, with a target that gives each
        control_options: list[dict[str, dict[Figure, float]]] = []
        for c, mvs in zip(model.controls, control_mv, strict=True):
            options: dict[str, dict[Figure, float]] = {}
            target = [f for f in by_owner.get(c.key, []) if f.kind == "target"]
            choices: list[dict[Figure, float]] = [{}]
            if target:
                choices += [{target[0]: target[0].low}, {target[0]: target[0].high}]
            for end in choices:
                moved = moved_criterion(c, list(end.items())) if end else c
                for mv in mvs:
                    options.setdefault(control_result(moved, mv).status, end)
            control_options.append(options)
        # each item's lowest and highest share of its points, with the thresholds that give it
        lo_share: list[float] = []
        hi_share: list[float] = []
        lo_at: list[dict[Figure, float]] = []
        hi_at: list[dict[Figure, float]] = []
        p_lo: list[float] = []
        p_hi: list[float] = []
        p_fig: list[Figure | None] = []
        for i, (c, mvs) in enumerate(zip(model.items, item_mv, strict=True)):
            if mvs[0].status == "na":
                continue
            own = by_owner.get(c.key, [])
            points = next((f for f in own if f.kind == "points"), None)
            if i in fixed:
                best, worst = fixed[i]
            else:
                extremes = [_share_extremes(c, mv, own) for mv in mvs]
                best = min((e[0] for e in extremes), key=lambda t: t[0])
                worst = max((e[1] for e in extremes), key=lambda t: t[0])
                if i not in scenario.items:
                    fixed[i] = (best, worst)
            lo_share.append(best[0])
            lo_at.append(best[1])
            hi_share.append(worst[0])
            hi_at.append(worst[1])
            p_lo.append(points.low if points else c.points)
            p_hi.append(points.high if points else c.points)
            p_fig.append(points)
        low, low_high = _ratio_extreme(lo_share, p_lo, p_hi, True)
        high, high_high = _ratio_extreme(hi_share, p_lo, p_hi, False)
        low, high = 100 * low, 100 * high
        score_low, score_high = min(score_low, low), max(score_high, high)

        can_fail = [o["fail"] for o in control_options if "fail" in o]
        ok = [next((o[s] for s in ("pass", "na") if s in o), None) for o in control_options]
        fine = all(x is not None for x in ok)
        missing = any("missing" in o for o in control_options)
        no_fail = [next((o[s] for s in ("pass", "na", "missing") if s in o), None) for o in control_options]

        if can_fail:
            verdicts.setdefault("not_eligible", _joined(corner, can_fail[0]))
        if fine and not missing:
            controls_ok: dict[Figure, float] = {}
            for part in ok:
                controls_ok.update(part or {})
            if low < band_hi - EPS:
                verdicts.setdefault(
                    "not_eligible",
                    _joined(
                        corner, controls_ok, _points_corner(p_fig, low_high, lo_at), {band: band_hi} if band else None
                    ),
                )
            if high >= band_lo - EPS:
                verdicts.setdefault(
                    "eligible",
                    _joined(
                        corner, controls_ok, _points_corner(p_fig, high_high, hi_at), {band: band_lo} if band else None
                    ),
                )
        if missing and all(x is not None for x in no_fail):
            controls_nf: dict[Figure, float] = {}
            for part in no_fail:
                controls_nf.update(part or {})
            verdicts.setdefault("incomplete", _joined(corner, controls_nf))
    return _Box(verdicts, score_low, score_high, True)


VERDICT_NAMES = {
    "eligible": ("符合", "eligible"),
    "not_eligible": ("不符合", "not eligible"),
    "incomplete": ("数据不足", "incomplete"),
}


def _num(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 10 else f"{x:.1f}"


# --- the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flip:
    """The smallest change found that flips the verdict: the figures, the ends they are moved to,
    and the values (on the way there, all together) at which the verdict changes."""

    figures: tuple[Figure, ...]
    ends: tuple[float, ...]
    at: tuple[float, ...]
    verdict: str  # what it flips to
    minimal: bool  # no smaller set flips it (checked exhaustively)

    def to_dict(self) -> dict[str, Any]:
        return {
            "figures": [
                {**f.to_dict(), "moved_to": end, "flips_at": at}
                for f, end, at in zip(self.figures, self.ends, self.at, strict=True)
            ],
            "verdict": self.verdict,
            "minimal": self.minimal,
        }


@dataclass(frozen=True)
class Robustness:
    verdict: str
    robust: bool
    verdicts: tuple[str, ...]  # every verdict a corner gives
    score_low: float
    score_high: float
    figures: int  # how many figures move
    exact: bool  # every corner that matters was evaluated
    flip: Flip | None

    def flips_on(self) -> str:
        """The flip as `figure=value` pairs ("S1.zero=1.7615; S3.full=8.257"), for results files."""
        if self.flip is None:
            return ""
        return "; ".join(f"{f.key}={_num(x)}" for f, x in zip(self.flip.figures, self.flip.at, strict=True))

    def describe(self, lang: str = "zh", most: int = 3) -> str:
        """One sentence: robust, or the figures whose change flips the verdict and where."""
        zh = lang == "zh"
        span = f"{self.score_low:.1f}–{self.score_high:.1f}"
        if self.flip is None:
            if zh:
                return f"稳健：{self.figures} 个假设取值在各自区间内任意组合，结论不变（得分 {span}）"
            return f"robust: the verdict holds at every corner of the ranges of {self.figures} figures (score {span})"
        flip = self.flip
        order = sorted(
            zip(flip.figures, flip.at, strict=True),
            key=lambda t: (-round(abs(t[1] - t[0].nominal) / (t[0].high - t[0].low), 6), t[0].key),
        )
        parts = [f"{f.label(lang)} {_num(f.nominal)} → {_num(x)}" for f, x in order[:most]]
        more = len(order) - most
        to = VERDICT_NAMES[flip.verdict][0 if zh else 1]
        if zh:
            extra = f" 等 {len(order)} 项同时变动" if more > 0 else ""
            return f"取决于假设：{'；'.join(parts)}{extra}，结论即变为“{to}”（得分 {span}）"
        extra = f" and {more} more, all together," if more > 0 else ""
        return f"depends on assumptions: {'; '.join(parts)}{extra} turns it {to} (score {span})"

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "robust": self.robust,
            "verdict": self.verdict,
            "verdicts": list(self.verdicts),
            "score_low": self.score_low,
            "score_high": self.score_high,
            "figures": self.figures,
            "exact": self.exact,
            "flip": self.flip.to_dict() if self.flip else None,
            "text": self.describe(lang),
            "rule": range_rules().describe(lang),
        }


def _flip_at(model: Model, start: str, moves: dict[Figure, float]) -> dict[Figure, float]:
    """The values on the way from the nominal figures to `moves` where the verdict changes."""
    return _nearest(model, start, [("", moves)])[1]


def _nearest(
    model: Model, start: str, candidates: list[tuple[str, dict[Figure, float]]]
) -> tuple[dict[Figure, float], dict[Figure, float]]:
    """Of `candidates` (key, moves), the one whose verdict flips nearest the nominal figures (the
    largest share of a figure's range moved, then the key), and the values where it flips.

    Each is bisected on the way from the nominal figures to its moves; they are halved side by
    side and a candidate is dropped once it can no longer be the nearest, which gives the result
    of bisecting every one in full with fewer evaluations."""
    lows = [0.0] * len(candidates)
    highs = [1.0] * len(candidates)
    weight = [max(abs(x - f.nominal) / (f.high - f.low) for f, x in moves.items()) for _, moves in candidates]
    alive = list(range(len(candidates)))
    for _ in range(BISECTIONS):
        for i in alive:
            mid = (lows[i] + highs[i]) / 2
            verdict, _ = model.at({f: f.nominal + mid * (x - f.nominal) for f, x in candidates[i][1].items()})
            if verdict == start:
                lows[i] = mid
            else:
                highs[i] = mid
        bound = min(highs[i] * weight[i] for i in alive) * (1 + 1e-9)
        alive = [i for i in alive if lows[i] * weight[i] <= bound]
    found = []
    for i in alive:
        at = {f: f.nominal + highs[i] * (x - f.nominal) for f, x in candidates[i][1].items()}
        found.append((max(abs(at[f] - f.nominal) / (f.high - f.low) for f in at), candidates[i][0], i, at))
    _, _, best, at = min(found, key=lambda t: (t[0], t[1]))
    return candidates[best][1], at


def _ends(f: Figure) -> list[float]:
    return [x for x in (f.low, f.high) if abs(x - f.nominal) > EPS * max(1.0, abs(f.nominal))]


def _smallest(
    model: Model, start: str, moving: list[Figure], witness: dict[Figure, float] | None, searched: bool = False
) -> tuple[dict[Figure, float], bool, dict[Figure, float] | None]:
    """The smallest set of figures (at one end each) found to flip the verdict, whether no
    smaller one can (checked exhaustively), and where it flips when that was found on the way;
    {} when no one or two figures flip it and there is no flipping corner (`witness`) to reduce.
    `searched`: the ones and twos were tried already."""
    if searched:
        assert witness is not None
        return _reduce(model, start, witness, {}), False, None
    singles: list[tuple[float, str, dict[Figure, float]]] = []
    impact: dict[Figure, float] = {}
    alone: dict[tuple[Figure, float], float] = {}  # the score with one figure moved
    _, nominal_score = model.at({})
    for f in moving:
        for end in _ends(f):
            verdict, score = model.at({f: end})
            alone[f, end] = score
            impact[f] = max(impact.get(f, 0.0), abs(score - nominal_score))
            if verdict != start:
                singles.append((-abs(score - nominal_score), f.key, {f: end}))
    if singles:  # the one flipping nearest its nominal value, of the few that move the score most
        near = [(key, moves) for _, key, moves in sorted(singles, key=lambda t: (t[0], t[1]))[:4]]
        moves, at = _nearest(model, start, near)
        return moves, True, at
    ranked = sorted(moving, key=lambda f: (-impact.get(f, 0.0), f.key))[:PAIR_CANDIDATES]
    pairs: list[tuple[float, str, dict[Figure, float]]] = []
    decided = _score_decides(model)
    for f, g in itertools.combinations(ranked, 2):
        apart = f.owner != g.owner and _threshold_of_item(model, f) and _threshold_of_item(model, g)
        for x, y in itertools.product(_ends(f), _ends(g)):
            if apart and not decided(alone[f, x] + alone[g, y] - nominal_score):
                continue  # two items' thresholds add their changes of points: it cannot flip
            verdict, score = model.at({f: x, g: y})
            if verdict != start:
                pairs.append((-abs(score - nominal_score), " ".join(sorted((f.key, g.key))), {f: x, g: y}))
    if pairs:
        near = [(keys, moves) for _, keys, moves in sorted(pairs, key=lambda t: (t[0], t[1]))[:4]]
        moves, at = _nearest(model, start, near)
        return moves, len(ranked) == len(moving), at
    if witness is None:
        return {}, False, None
    moves = _reduce(model, start, witness, impact)
    return moves, len(moves) == 3 and len(ranked) == len(moving), None


def _threshold_of_item(model: Model, f: Figure) -> bool:
    """Whether `f` changes only the points its item earns (not what it can earn, nor a control)."""
    return f.kind in ("zero", "full", "step", "target") and f.owner in model.item_index


def _score_decides(model: Model) -> Callable[[float], bool]:
    """Whether a score (with the controls as they are) might give another verdict than the
    nominal one; a margin covers the rounding of a score found by adding changes."""
    statuses = model.statuses
    if "fail" in statuses or "missing" in statuses:
        return lambda score: False
    line = model.band - EPS
    nominal = model.at({})[1] < line
    margin = 1e-6 * max(1.0, abs(line))
    return lambda score: abs(score - line) <= margin or (score < line) != nominal


def _reduce(model: Model, start: str, witness: dict[Figure, float], impact: dict[Figure, float]) -> dict[Figure, float]:
    """A flipping corner's figures taken in order of effect until it flips, then reduced: no
    figure of the set can be left at its nominal value."""
    corner = {f: x for f, x in witness.items() if f.moves and abs(x - f.nominal) > 0}
    moves: dict[Figure, float] = {}
    for f in sorted(corner, key=lambda f: (-impact.get(f, 0.0), f.key)):
        moves[f] = corner[f]
        if model.at(moves)[0] != start:
            break
    for f in sorted(moves, key=lambda f: (impact.get(f, 0.0), f.key)):
        trial = {g: x for g, x in moves.items() if g is not f}
        if trial and model.at(trial)[0] != start:
            moves = trial
    return moves


def robustness(a: Assessment, figs: Iterable[Figure] | None = None) -> Robustness:
    """Whether the verdict of `a` holds at every corner of its figures' ranges (`figs`: by default
    every figure, `figures(a)`)."""
    figs = list(figures(a) if figs is None else figs)
    model = Model(a)
    start = a.verdict
    moving = [f for f in figs if f.moves]
    factor_figs = [f for f in moving if f.kind == "factor"]
    corners, exact = _factor_corners(model, factor_figs)
    coherent = len(corners) <= 2  # the factors' extreme corners are known: every score extreme is exact
    # an outer box of every corner; when it holds only the nominal verdict, the verdict is robust
    box = _box(model, figs, [_scenario(model, c) for c in corners] if coherent else [_outer(model, factor_figs)])
    flip = None
    if set(box.verdicts) - {start}:
        witness = next(w for v, w in box.verdicts.items() if v != start) if coherent else None
        moves, minimal, at = _smallest(model, start, moving, witness)
        if not moves and not coherent:  # no one or two figures flip it: the coherent corners,
            for group in (_coherent(factor_figs), corners):  # then every corner of the lines
                box = _box(model, figs, [_scenario(model, c) for c in group])
                others = [w for v, w in box.verdicts.items() if v != start]
                if others:
                    moves, minimal, at = _smallest(model, start, moving, others[0], searched=True)
                    break
        else:
            exact = True
        to = model.at(moves)[0] if moves else start
        if to != start:
            at = at or _flip_at(model, start, moves)  # found on the way to `moves`, or now
            order = sorted(moves, key=lambda f: f.key)
            flip = Flip(tuple(order), tuple(moves[f] for f in order), tuple(at[f] for f in order), to, minimal)
            exact = True  # a corner that flips it proves it
    else:
        exact = True  # the outer box proves it
    return Robustness(
        verdict=start,
        robust=flip is None,
        verdicts=tuple(sorted({start, flip.verdict} if flip else {start})),
        score_low=min(box.score_low, a.score),
        score_high=max(box.score_high, a.score),
        figures=len(moving),
        exact=exact,
        flip=flip,
    )


A = TypeVar("A", bound=Assessment)


def with_robustness(a: A) -> A:
    """`a` with `robustness(a)` over every figure: what the commands show and the batch keeps
    (the pathway search never needs it, so `assess` does not make it)."""
    return replace(a, robustness=robustness(a))  # type: ignore[type-var]
