"""The figures a verdict rests on and their ranges: every threshold, points value and pass band of
the criteria set and every emission factor the inventory used, each with its low / high end (its
own, from its data file, or the default of its status in `data/ranges.toml`), and the community
as a function of them (`Model`), re-scored as figures move. `robustness.py` searches their corners."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from carbon_cli.accounting.inventory import Inventory, Line, line_at
from carbon_cli.core.i18n import term
from carbon_cli.core.resources import load_toml
from carbon_cli.scoring.criteria import Criterion
from carbon_cli.scoring.evaluation import (
    EPS,
    MetricValue,
    _verdict,
    control_result,
    earned_and_applicable,
    metric_value,
)

if TYPE_CHECKING:
    from carbon_cli.accounting.factors import FactorSet as _Factors
    from carbon_cli.scoring.criteria import CriteriaSet
    from carbon_cli.survey.model import Survey


class Assessment(Protocol):
    """What robustness reads of a `scoring.assessment.Assessment` (which imports this module:
    naming it here would make a circle)."""

    @property
    def survey(self) -> Survey: ...
    @property
    def factors(self) -> _Factors: ...
    @property
    def inventory(self) -> Inventory: ...
    @property
    def baseline_inventory(self) -> Inventory | None: ...
    @property
    def criteria(self) -> CriteriaSet: ...
    @property
    def verdict(self) -> str: ...
    @property
    def score(self) -> float: ...


RULES_FILE = "ranges.toml"


def kind_names(kind: str) -> tuple[str, str]:
    """What a figure of `kind` (zero | full | points | step | target | band) is, zh and en
    (data/messages.toml, `figure.KIND`)."""
    return term(f"figure.{kind}", "zh"), term(f"figure.{kind}", "en")


# Metrics of the inventory that rise with every emission factor and fall with every sink factor
# (per capita, per m²), and the one that does the reverse (the sinks' share of gross emissions).
RISING = frozenset(("per_capita_tco2e", "per_m2_kgco2e"))


FALLING = frozenset(("sinks_share_pct",))


SINK_FACTORS = frozenset(("SINK_tree_m2", "SINK_shrub_m2", "SINK_tree"))


@dataclass(frozen=True)
class RangeRule:
    low_pct: float
    high_pct: float
    source: str


@dataclass(frozen=True)
class RangeRules:
    by_status: dict[str, RangeRule]
    percent_min: float
    percent_max: float
    threshold_reach: float
    source: str
    source_zh: str

    def describe(self, lang: str = "zh") -> str:
        return self.source_zh if lang == "zh" else self.source

    def default(self, status: str, nominal: float, percent: bool) -> tuple[float, float]:
        rule = self.by_status.get(status) or self.by_status["assumed"]
        a, b = nominal * (1 + rule.low_pct / 100), nominal * (1 + rule.high_pct / 100)
        low, high = min(a, b), max(a, b)
        if percent:
            low = min(max(low, self.percent_min), nominal)
            high = max(min(high, self.percent_max), nominal)
        return low, high


@cache
def range_rules() -> RangeRules:
    data = load_toml(RULES_FILE)
    return RangeRules(
        {k: RangeRule(float(v["low_pct"]), float(v["high_pct"]), str(v["source"])) for k, v in data["status"].items()},
        float(data["domain"]["percent_min"]),
        float(data["domain"]["percent_max"]),
        float(data["domain"]["threshold_reach"]),
        str(data["set"]["source"]),
        str(data["set"]["source_zh"]),
    )


@dataclass(frozen=True, eq=False)  # compared and hashed as itself: a figure is made once per community
class Figure:
    """One number a verdict rests on, with its range."""

    key: str  # "S1.zero", "S21.steps[0]", "C4.target", "band.pass", "EF_grid"
    kind: str  # zero | full | points | step | target | band | factor
    owner: str  # the criterion's key, the grade's key or the factor's key
    nominal: float
    low: float
    high: float
    status: str
    published: bool  # the range is the file's own (else the default of `status`)
    unit: str = ""
    index: int = -1  # a step's index
    names: tuple[str, str] = ("", "")  # what it is, zh and en ("S1 人均碳排放量 零分值")

    def label(self, lang: str = "zh") -> str:
        return (self.names[0] if lang == "zh" else self.names[1]) or self.key

    @property
    def moves(self) -> bool:
        return self.high - self.low > EPS * max(1.0, abs(self.nominal))

    def to_dict(self) -> dict[str, Any]:
        return {
            "figure": self.key,
            "nominal": self.nominal,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "status": self.status,
            "range": "published" if self.published else "default",
        }


def _criterion_figures(c: Criterion, control: bool, rules: RangeRules) -> Iterator[Figure]:
    own = {name: (lo, hi) for name, lo, hi in c.ranges}
    percent = c.unit == "%"

    def figure(name: str, kind: str, nominal: float, is_pct: bool, index: int = -1) -> Figure:
        zh, en = kind_names(kind)
        step = f" {index + 1}" if kind == "step" else ""
        names = (f"{c.key} {c.zh} {zh}{step}", f"{c.key} {c.en}: {en}{step}")
        published = name in own
        low, high = own[name] if published else rules.default(c.status, nominal, is_pct)
        return Figure(f"{c.key}.{name}", kind, c.key, nominal, low, high, c.status, published, c.unit, index, names)

    if control or c.rule == "met":  # a control's target, or a `met` item's
        if c.target is not None:
            yield figure("target", "target", c.target, percent)
        if control:
            return
    if c.rule == "linear":
        assert c.zero is not None and c.full is not None
        for name, this, other in (("zero", c.zero, c.full), ("full", c.full, c.zero)):
            fig = figure(name, name, this, percent)
            stop = this + rules.threshold_reach * (other - this)  # never past the other threshold
            low, high = (fig.low, min(fig.high, stop)) if other > this else (max(fig.low, stop), fig.high)
            yield replace(fig, low=low, high=high)
    for i, (threshold, _) in enumerate(c.steps):
        yield figure(f"steps[{i}]", "step", threshold, percent, i)
    yield replace(figure("points", "points", c.points, False), unit="pts")


# A criterion's figures depend on it and the range rules only: made once for every community
# (keyed by identity; the objects are kept with their figures, so an id is never reused).
_MADE: dict[tuple[int, int], tuple[Criterion, RangeRules, tuple[Figure, ...]]] = {}


def criterion_figures(c: Criterion, control: bool, rules: RangeRules | None = None) -> tuple[Figure, ...]:
    """The figures of one criterion a verdict rests on (a control's target; a `met` item's target,
    a linear item's two thresholds, each step's threshold, an item's points), with their ranges."""
    rules = rules or range_rules()
    made = _MADE.get((id(c), id(rules)))
    if made is None or made[0] is not c or made[1] is not rules:
        if len(_MADE) >= 4096:
            _MADE.clear()
        made = _MADE[(id(c), id(rules))] = (c, rules, tuple(_criterion_figures(c, control, rules)))
    return made[2]


def figures(a: Assessment, rules: RangeRules | None = None) -> list[Figure]:
    """Every figure the verdict of `a` rests on, with its range."""
    rules = rules or range_rules()
    crit = a.criteria
    out = [f for c in crit.controls for f in criterion_figures(c, True, rules)]
    out += [f for c in crit.items for f in criterion_figures(c, False, rules)]
    band = crit.pass_grade
    low, high = rules.default(band.status, band.min_score, False)
    band_zh, band_en = kind_names("band")
    names = (f"{band.zh}{band_zh}", f"{band_en} ({band.en})")
    out.append(
        Figure(f"band.{band.key}", "band", band.key, band.min_score, low, high, band.status, False, "pts", -1, names)
    )
    used = dict.fromkeys(a.inventory.factors_used)
    if a.baseline_inventory:
        used.update(dict.fromkeys(a.baseline_inventory.factors_used))
    for key in used:
        f = a.factors[key]
        names = (f"{f.label('zh')} {key}", f"{f.label('en')} {key}")
        if f.low is not None and f.high is not None:
            out.append(Figure(key, "factor", key, f.value, f.low, f.high, f.status, True, f.unit, -1, names))
        else:
            low, high = rules.default(f.status, f.value, False)
            out.append(Figure(key, "factor", key, f.value, low, high, f.status, False, f.unit, -1, names))
    return out


def moved_criterion(c: Criterion, moves: list[tuple[Figure, float]]) -> Criterion:
    """`c` with its figures moved (a shallow copy: `dataclasses.replace` costs 25 µs a call)."""
    changes: dict[str, Any] = {}
    steps = list(c.steps)
    for fig, x in moves:
        if fig.kind in ("zero", "full", "target"):
            changes[fig.kind] = x
        elif fig.kind == "step":
            steps[fig.index] = (x, steps[fig.index][1])
        elif fig.kind == "points":
            changes["points"] = x
            scale = x / c.points
            steps = [(t, p * scale) for t, p in steps]
    if steps:
        changes["steps"] = tuple(sorted(steps, reverse=True))
    moved = object.__new__(Criterion)
    moved.__dict__.update(c.__dict__)
    moved.__dict__.update(changes)
    return moved


def line_of(a: Assessment) -> dict[str, str]:
    """Each factor the inventories used → the line (source, or "sinks") that uses it."""
    out: dict[str, str] = {}
    for inv in (a.inventory, a.baseline_inventory):
        for ln in (*inv.lines, inv.sinks) if inv else ():
            out.update(dict.fromkeys(ln.factors, ln.key))
    return out


class Model:
    """One community compiled for re-scoring under changed figures: the metric values, statuses
    and points of its own assessment are kept, and a change re-scores only the criteria it
    touches (the Scorer's approach, for figures rather than survey fields)."""

    def __init__(self, a: Assessment) -> None:
        self.a = a
        crit = a.criteria
        self.values, self.baseline = a.survey.assessment, a.survey.baseline
        self.controls, self.items = crit.controls, crit.items
        self.control_index = {c.key: i for i, c in enumerate(self.controls)}
        self.item_index = {c.key: i for i, c in enumerate(self.items)}
        self.control_mv = [self._mv(c, a.inventory, a.baseline_inventory) for c in self.controls]
        self.item_mv = [self._mv(c, a.inventory, a.baseline_inventory) for c in self.items]
        self.inv_controls = [i for i, c in enumerate(self.controls) if c.metric.uses_inventory]
        self.inv_items = [i for i, c in enumerate(self.items) if c.metric.uses_inventory]
        self.statuses = [control_result(c, mv).status for c, mv in zip(self.controls, self.control_mv, strict=True)]
        self.scored = [earned_and_applicable(c, mv) for c, mv in zip(self.items, self.item_mv, strict=True)]
        self.band = crit.pass_grade.min_score
        self._lines: dict[tuple[str, str, tuple[tuple[str, float], ...]], Line] = {}
        self._inventories: dict[tuple[tuple[str, float], ...], tuple[list[MetricValue], list[MetricValue]]] = {}

    def _mv(self, c: Criterion, now: Inventory, base: Inventory | None) -> MetricValue:
        return metric_value(c.metric, self.values, self.baseline, now, base)

    def factor_metrics(self, factors: dict[str, float]) -> tuple[list[MetricValue], list[MetricValue]]:
        """The metric values of the controls and items that read the inventory, with `factors`
        changed (only the inventory lines using a changed factor are computed again; cached)."""
        key = tuple(sorted(factors.items()))
        found = self._inventories.get(key)
        if found is None:
            a = self.a
            now = self._inventory(a.inventory, self.values, factors, "now")
            base = a.baseline_inventory
            if base is not None and self.baseline is not None:
                base = self._inventory(base, self.baseline, factors, "base")
            found = (
                [self._mv(self.controls[i], now, base) for i in self.inv_controls],
                [self._mv(self.items[i], now, base) for i in self.inv_items],
            )
            if len(self._inventories) < 4096:
                self._inventories[key] = found
        return found

    def _inventory(self, inv: Inventory, values: dict[str, Any], factors: dict[str, float], year: str) -> Inventory:
        """`inv` with `factors` changed: `compute_inventory` of the same values, each line using a
        changed factor computed again (each line's value at given factors is kept)."""
        lines = [*inv.lines, inv.sinks]
        nominal = self.a.factors.value

        def factor(k: str) -> float:
            return factors[k] if k in factors else nominal(k)

        for n, ln in enumerate(lines):
            used = [k for k in ln.factors if k in factors]
            if not used:
                continue
            key = (year, ln.key, tuple((k, factors[k]) for k in used))
            made = self._lines.get(key)
            if made is None:
                made = line_at(ln.key, values, factor)
                if len(self._lines) < 4096:
                    self._lines[key] = made
            lines[n] = made
        return Inventory(
            inv.year, tuple(lines[:-1]), lines[-1], inv.resident_population, inv.gfa_total_m2, inv.missing_required
        )

    def at(self, moves: dict[Figure, float]) -> tuple[str, float]:
        """(verdict, score) with the figures of `moves` set to the values given."""
        by_owner: dict[str, list[tuple[Figure, float]]] = {}
        factors: dict[str, float] = {}
        band = self.band
        for fig, x in moves.items():
            if fig.kind == "factor":
                factors[fig.owner] = x
            elif fig.kind == "band":
                band = x
            else:
                by_owner.setdefault(fig.owner, []).append((fig, x))
        control_mv, item_mv = self.control_mv, self.item_mv
        touched_controls = {self.control_index[k] for k in by_owner if k in self.control_index}
        touched_items = {self.item_index[k] for k in by_owner if k in self.item_index}
        if factors:
            inv_c, inv_i = self.factor_metrics(factors)
            control_mv, item_mv = list(control_mv), list(item_mv)
            for i, mv in zip(self.inv_controls, inv_c, strict=True):
                control_mv[i] = mv
            for i, mv in zip(self.inv_items, inv_i, strict=True):
                item_mv[i] = mv
            touched_controls.update(self.inv_controls)
            touched_items.update(self.inv_items)
        statuses, scored = list(self.statuses), list(self.scored)
        for i in touched_controls:
            c = self.controls[i]
            c = moved_criterion(c, by_owner[c.key]) if c.key in by_owner else c
            statuses[i] = control_result(c, control_mv[i]).status
        for i in touched_items:
            c = self.items[i]
            c = moved_criterion(c, by_owner[c.key]) if c.key in by_owner else c
            scored[i] = earned_and_applicable(c, item_mv[i])
        earned = sum(e for e, _ in scored)
        applicable = sum(p for _, p in scored)
        score = 100 * earned / applicable if applicable > 0 else 0.0
        return _verdict(statuses, score, band), score
