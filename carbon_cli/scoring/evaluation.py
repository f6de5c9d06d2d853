"""Scoring one community against a criteria set: controls, points, grade, verdict and gaps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from carbon_cli.accounting.inputs import ELECTRICITY_USE
from carbon_cli.scoring.criteria import CriteriaSet, Criterion, Grade, Metric
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.model import Survey

if TYPE_CHECKING:
    from carbon_cli.accounting.inventory import Inventory

EPS = 1e-9

# The records made for every criterion of every community (MetricValue, Gap, ItemResult,
# ControlResult) are plain slotted dataclasses, never changed once made: frozen ones cost five
# times as much to make, a fifth of assessing a community.


@dataclass(slots=True)
class MetricValue:
    value: float | bool | None
    status: str  # ok | missing | na
    missing_fields: tuple[str, ...] = ()
    reason: str = ""  # why n/a: no_baseline | zero_denominator
    false_fields: tuple[str, ...] = ()  # yes/no inputs answered "no"


def _missing(*fields: str) -> MetricValue:
    return MetricValue(None, "missing", tuple(fields))


def _na(reason: str) -> MetricValue:
    return MetricValue(None, "na", (), reason)


def _number(values: dict[str, Any], key: str) -> float | None:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _sum(values: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    """The sum of the numbers among `keys` (as `_number` reads each), None when there is none."""
    total, seen = 0.0, False
    for key in keys:
        value = values.get(key)
        if (
            type(value) is float
            or type(value) is int
            or (isinstance(value, int | float) and not isinstance(value, bool))
        ):
            total += float(value)
            seen = True
    return total if seen else None


def metric_value(
    metric: Metric, values: dict[str, Any], baseline: dict[str, Any] | None, now: Inventory, base: Inventory | None
) -> MetricValue:
    """The metric of the assessment-year `values` (inventory `now`) against the `baseline` year."""
    kind = metric.kind  # the most common kinds first: the pathway search calls this a lot
    if kind == "ratio":
        total = _sum(values, metric.denominator)
        if total is None:
            return _missing(*metric.denominator)
        part = _sum(values, metric.numerator)
        if part is None:
            return _missing(*metric.numerator)
        if total <= 0:
            return _na("zero_denominator")
        return MetricValue(100 * part / total, "ok")
    if kind == "field":
        key = metric.fields[0]
        value = values.get(key)
        if value is None:
            return _missing(key)
        return MetricValue(value if isinstance(value, bool) else float(value), "ok")
    if metric.needs_baseline and (baseline is None or base is None):
        return _na("no_baseline")
    if kind == "required_fields":
        absent = tuple(k for k in required_keys() if k not in values)
        return MetricValue(not absent, "ok", absent)
    if kind in ("per_capita_tco2e", "per_capita_change_tco2e", "per_capita_reduction_pct"):
        inventories = [now] if kind == "per_capita_tco2e" else [now, base]
        absent = tuple(k for inv in inventories if inv for k in inv.missing_required)
        if absent:
            return _missing(*dict.fromkeys(absent))
        pc_now = now.per_capita_tco2e
        if kind == "per_capita_tco2e":  # no per-capita figure of a population of 0
            return MetricValue(pc_now, "ok") if pc_now is not None else _missing("resident_population")
        pc_base = base.per_capita_tco2e if base else None
        if pc_now is None or pc_base is None:
            return _missing("resident_population")
        if kind == "per_capita_change_tco2e":
            return MetricValue(pc_now - pc_base, "ok")
        if pc_base <= 0:
            return _na("zero_denominator")
        return MetricValue(100 * (pc_base - pc_now) / pc_base, "ok")
    if kind == "per_m2_kgco2e":
        if now.missing_required:
            return _missing(*now.missing_required)
        return MetricValue(now.per_m2_kgco2e, "ok") if now.per_m2_kgco2e is not None else _missing("gfa_total_m2")
    if kind == "renewable_electricity_pct":
        pv, green = _number(values, "pv_generation_kwh"), _number(values, "green_power_kwh")
        if pv is None and green is None:
            return _missing("pv_generation_kwh", "green_power_kwh")
        grid = sum(_number(values, k) or 0.0 for k in ELECTRICITY_USE)
        if grid + (pv or 0) <= 0:
            return _na("zero_denominator")
        return MetricValue(100 * ((pv or 0) + (green or 0)) / (grid + (pv or 0)), "ok")
    if kind == "public_elec_reduction_pct":
        now_kwh = _number(values, "elec_public_area_kwh")
        base_kwh = _number(baseline or {}, "elec_public_area_kwh")
        if now_kwh is None or base_kwh is None:
            return _missing("elec_public_area_kwh")
        if base_kwh <= 0:
            return _na("zero_denominator")
        return MetricValue(100 * (1 - now_kwh / base_kwh), "ok")
    if kind == "sinks_share_pct":
        if not now.sinks.factors:
            return _missing("tree_green_m2", "shrub_lawn_m2", "tree_count")
        if now.gross_tco2e <= 0:
            return _na("zero_denominator")
        return MetricValue(100 * now.sinks_tco2e / now.gross_tco2e, "ok")
    if kind == "all_true":
        known = [values[k] for k in metric.fields if k in values]
        absent = tuple(k for k in metric.fields if k not in values)
        if known and not all(known):
            return MetricValue(
                False, "ok", absent, false_fields=tuple(k for k in metric.fields if values.get(k) is False)
            )
        return _missing(*absent) if absent else MetricValue(True, "ok")
    raise AssertionError(f"unknown metric {kind}")


@dataclass(slots=True)
class Gap:
    """How far a criterion is from its target, in the metric's own unit."""

    target: float | bool | None  # value that passes the control / earns full points
    distance: float | None  # |target − value|; None for yes/no and missing data
    direction: str  # increase | decrease | set_true | collect
    points_recoverable: float = 0.0  # item points (the criterion's own scale)
    score_recoverable: float = 0.0  # the same on the 0–100 score scale (after n/a rescaling)
    target_for_pass: float | bool | None = None  # this item alone lifts the score to 通过
    target_for_excellent: float | bool | None = None
    fields: tuple[str, ...] = ()  # fields to collect, or yes/no fields that are "no"


@dataclass(slots=True)
class ControlResult:
    criterion: Criterion
    status: str  # pass | fail | missing | na
    value: float | bool | None
    reason: str = ""
    gap: Gap | None = None


@dataclass(slots=True)
class ItemResult:
    criterion: Criterion
    status: str  # scored | missing | na
    value: float | bool | None
    points: float
    max_points: float  # 0 when n/a
    reason: str = ""
    gap: Gap | None = None


@dataclass(frozen=True)
class Evaluation:
    criteria: CriteriaSet
    controls: tuple[ControlResult, ...]
    items: tuple[ItemResult, ...]
    earned: float
    applicable_max: float
    score: float
    grade: Grade
    verdict: str  # eligible | not_eligible | incomplete
    points_to_pass: float  # score points (0–100 scale) still needed
    points_to_excellent: float

    @property
    def controls_pass(self) -> bool:
        return all(c.status in ("pass", "na") for c in self.controls)

    @property
    def failed_controls(self) -> list[ControlResult]:
        return [c for c in self.controls if c.status == "fail"]

    @property
    def missing_controls(self) -> list[ControlResult]:
        return [c for c in self.controls if c.status == "missing"]

    @property
    def gaps(self) -> list[ItemResult]:
        """Scored items short of full points, the most points to recover first."""
        short = [i for i in self.items if i.gap is not None]
        # every gap is set (filtered above): mypy does not carry that narrowing into the lambda
        return sorted(short, key=lambda i: (-i.gap.points_recoverable, i.criterion.key))  # type: ignore[union-attr]

    @property
    def fields_to_collect(self) -> list[str]:
        keys: dict[str, None] = {}
        results: tuple[ControlResult | ItemResult, ...] = (*self.controls, *self.items)
        for result in results:
            if result.status == "missing" and result.gap:
                keys.update(dict.fromkeys(result.gap.fields))
        return list(keys)

    def reaches(self, grade_key: str) -> bool:
        grade = self.criteria.grade(grade_key)
        return self.controls_pass and self.score >= grade.min_score - EPS


def control_result(criterion: Criterion, mv: MetricValue) -> ControlResult:
    if mv.status == "na":
        return ControlResult(criterion, "na", None, mv.reason)
    if mv.status == "missing":
        return ControlResult(criterion, "missing", None, gap=Gap(None, None, "collect", fields=mv.missing_fields))
    value = mv.value
    rule = criterion.rule
    if rule == "complete":
        if value:
            return ControlResult(criterion, "pass", True)
        return ControlResult(criterion, "missing", False, gap=Gap(True, None, "collect", fields=mv.missing_fields))
    if rule == "is_true":
        if value:
            return ControlResult(criterion, "pass", True)
        return ControlResult(criterion, "fail", False, gap=Gap(True, None, "set_true", fields=mv.false_fields))
    target = criterion.target
    assert target is not None and isinstance(value, float)
    if rule == "at_least":
        ok = value >= target - EPS
        gap = None if ok else Gap(target, target - value, "increase")
    else:
        ok = value <= target + EPS
        gap = None if ok else Gap(target, value - target, "decrease")
    return ControlResult(criterion, "pass" if ok else "fail", value, gap=gap)


def item_points(criterion: Criterion, value: float | bool) -> float:
    if criterion.rule == "boolean":
        return criterion.points if value else 0.0
    if criterion.rule == "met":
        return criterion.points if target_met(criterion, value) else 0.0
    assert not isinstance(value, bool)
    if criterion.rule == "steps":
        return next((p for threshold, p in criterion.steps if value >= threshold - EPS), 0.0)
    zero, full = criterion.zero, criterion.full
    assert zero is not None and full is not None
    share = min(1.0, max(0.0, (value - zero) / (full - zero)))
    return criterion.points * share


def target_met(criterion: Criterion, value: float | bool) -> bool:
    """Whether `value` reaches the target of a `met` item (a yes/no metric: whether it is yes)."""
    if criterion.comparison == "is_true" or isinstance(value, bool):
        return bool(value)
    target = criterion.target
    assert target is not None
    return value >= target - EPS if criterion.comparison == "at_least" else value <= target + EPS


def _value_for_points(criterion: Criterion, points: float) -> float | bool | None:
    """The metric value at which `criterion` earns `points` (None when it cannot)."""
    if points > criterion.points + EPS:
        return None
    if criterion.rule == "boolean" or (criterion.rule == "met" and criterion.comparison == "is_true"):
        return True
    if criterion.rule == "met":
        return criterion.target
    if criterion.rule == "steps":
        reachable = [t for t, p in criterion.steps if p >= points - EPS]
        return min(reachable) if reachable else None
    zero, full = criterion.zero, criterion.full
    assert zero is not None and full is not None
    return zero + (points / criterion.points) * (full - zero)


def earned_and_applicable(criterion: Criterion, mv: MetricValue) -> tuple[float, float]:
    """(points earned, points available) of one item: n/a leaves the maximum, missing earns 0."""
    if mv.status == "na":
        return 0.0, 0.0
    if mv.status == "missing":
        return 0.0, criterion.points
    assert mv.value is not None
    return item_points(criterion, mv.value), criterion.points


@dataclass(slots=True)
class _Needs:
    """What the whole evaluation knows when an item's gap is written: the applicable maximum and
    the raw points still needed for 通过 and for 优秀."""

    applicable: float
    to_pass: float
    to_excellent: float


def _item(criterion: Criterion, mv: MetricValue, points: float, needs: _Needs | None) -> ItemResult:
    """One item's result; with `needs`, the gap too (how far from full points, and the value this
    item alone would need to lift the score to each grade)."""
    if mv.status == "na":
        return ItemResult(criterion, "na", None, 0.0, 0.0, mv.reason)
    status = "missing" if mv.status == "missing" else "scored"
    short = criterion.points - points
    if needs is None or short <= EPS:
        return ItemResult(criterion, status, mv.value, points, criterion.points)
    share = 100 * short / needs.applicable
    if status == "missing":
        gap = Gap(None, None, "collect", short, share, fields=mv.missing_fields)
        return ItemResult(criterion, status, None, points, criterion.points, gap=gap)
    for_pass = _value_for_points(criterion, points + needs.to_pass) if needs.to_pass > EPS else None
    for_top = _value_for_points(criterion, points + needs.to_excellent) if needs.to_excellent > EPS else None
    target = _value_for_points(criterion, criterion.points)
    if isinstance(target, bool) or target is None:
        gap = Gap(True, None, "set_true", short, share, target_for_pass=for_pass, target_for_excellent=for_top)
    else:
        direction = "decrease" if criterion.lower_is_better else "increase"
        # status "scored" with a numeric target: the value is a number (MetricValue cannot say so)
        amount = abs(target - float(mv.value))  # type: ignore[arg-type]
        gap = Gap(target, amount, direction, short, share, target_for_pass=for_pass, target_for_excellent=for_top)
    return ItemResult(criterion, status, mv.value, points, criterion.points, gap=gap)


def evaluate(
    criteria: CriteriaSet, survey: Survey, now: Inventory, base: Inventory | None, detail: bool = True
) -> Evaluation:
    """Score `survey`; `detail=False` skips the gap analysis (for the pathway search)."""
    values, baseline = survey.assessment, survey.baseline
    controls = tuple(control_result(c, metric_value(c.metric, values, baseline, now, base)) for c in criteria.controls)
    metrics = [(c, metric_value(c.metric, values, baseline, now, base)) for c in criteria.items]
    scored = [earned_and_applicable(c, mv) for c, mv in metrics]
    earned, applicable, score = _total(scored)
    pass_min, top_min = criteria.pass_grade.min_score, criteria.top_grade.min_score
    # raw item points still needed for each grade
    need_pass = max(0.0, pass_min * applicable / 100 - earned)
    need_top = max(0.0, top_min * applicable / 100 - earned)
    needs = _Needs(applicable, need_pass, need_top) if detail and applicable > 0 else None
    items = [_item(c, mv, p, needs) for (c, mv), (p, _) in zip(metrics, scored, strict=True)]
    verdict = _verdict([c.status for c in controls], score, pass_min)
    return Evaluation(
        criteria=criteria,
        controls=controls,
        items=tuple(items),
        earned=earned,
        applicable_max=applicable,
        score=score,
        grade=criteria.grade_for(score),
        verdict=verdict,
        points_to_pass=max(0.0, pass_min - score),
        points_to_excellent=max(0.0, top_min - score),
    )


_EARNED, _APPLICABLE = itemgetter(0), itemgetter(1)


def _total(scored: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(points earned, points applicable, score 0–100) of the items' (earned, applicable)."""
    earned = sum(map(_EARNED, scored))  # left to right, as `sum` over a generator
    applicable = sum(map(_APPLICABLE, scored))
    return earned, applicable, 100 * earned / applicable if applicable > 0 else 0.0


def _verdict(control_statuses: list[str], score: float, pass_min: float) -> str:
    if "fail" in control_statuses:
        return "not_eligible"
    if "missing" in control_statuses:
        return "incomplete"  # a score made on missing data cannot decide eligibility
    return "not_eligible" if score < pass_min - EPS else "eligible"


@cache
def required_keys() -> tuple[str, ...]:
    return tuple(s.key for s in dictionary().required)


@dataclass(frozen=True)
class Score:
    """What the pathway search needs of one evaluation: the same numbers `evaluate` gives
    (controls' statuses, items' points), without the result objects and gaps."""

    criteria: CriteriaSet
    control_statuses: tuple[str, ...]
    scored: tuple[tuple[float, float], ...]  # each item's (points earned, points applicable)
    earned: float
    applicable_max: float
    score: float
    verdict: str

    @property
    def controls_pass(self) -> bool:
        return all(s in ("pass", "na") for s in self.control_statuses)

    @property
    def grade(self) -> Grade:
        return self.criteria.grade_for(self.score)

    def reaches(self, grade_key: str) -> bool:
        grade = self.criteria.grade(grade_key)
        return self.controls_pass and self.score >= grade.min_score - EPS

    @classmethod
    def of(cls, criteria: CriteriaSet, statuses: list[str], scored: list[tuple[float, float]]) -> Score:
        """The score of the controls' `statuses` and the items' (earned, applicable) points."""
        earned, applicable, score = _total(scored)
        verdict = _verdict(statuses, score, criteria.pass_grade.min_score)
        return cls(criteria, tuple(statuses), tuple(scored), earned, applicable, score, verdict)


class Scorer:
    """A criteria set compiled for one community: each criterion with the assessment-year fields
    its value depends on, so a changed survey is scored by re-computing only the criteria that
    read a changed field. `score(values, changed, now)` equals `evaluate` on the changed survey."""

    def __init__(self, criteria: CriteriaSet, survey: Survey, now: Inventory, base: Inventory | None) -> None:
        self.criteria = criteria
        self.baseline = survey.baseline
        self.base_inventory = base
        self.controls = criteria.controls
        self.items = criteria.items
        self._controls_reading: dict[str, list[int]] = {}
        self._items_reading: dict[str, list[int]] = {}
        for criteria_reading, group in ((self._controls_reading, self.controls), (self._items_reading, self.items)):
            for i, c in enumerate(group):
                for key in c.metric.reads:
                    criteria_reading.setdefault(key, []).append(i)
        self.initial = self.score(survey.assessment, None, now)

    def touched(self, changed: frozenset[str] | set[str]) -> tuple[set[int], set[int]]:
        """Indexes of the controls and of the items that read a field of `changed`."""
        controls: set[int] = set()
        items: set[int] = set()
        for key in changed:
            controls.update(self._controls_reading.get(key, ()))
            items.update(self._items_reading.get(key, ()))
        return controls, items

    def score(
        self,
        values: dict[str, Any],
        changed: frozenset[str] | set[str] | None,
        now: Inventory,
        before: Score | None = None,
    ) -> Score:
        """Score `values` (inventory `now`); `changed` lists the fields that differ from the
        values `before` was scored on (by default the community's own survey; None: score
        everything)."""
        baseline, base = self.baseline, self.base_inventory
        if changed is None:
            controls: Iterable[int] = range(len(self.controls))
            items: Iterable[int] = range(len(self.items))
            statuses = [""] * len(self.controls)
            scored: list[tuple[float, float]] = [(0.0, 0.0)] * len(self.items)
        else:
            controls, items = self.touched(changed)
            before = before or self.initial
            statuses = list(before.control_statuses)
            scored = list(before.scored)
        for i in controls:
            c = self.controls[i]
            statuses[i] = control_result(c, metric_value(c.metric, values, baseline, now, base)).status
        for i in items:
            c = self.items[i]
            scored[i] = earned_and_applicable(c, metric_value(c.metric, values, baseline, now, base))
        return Score.of(self.criteria, statuses, scored)
