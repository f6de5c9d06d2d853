"""A pilot's years against its plan: per measure done / partly done / not started, judged from the
survey changes each year shows; the score and emissions per year beside the planned trajectory;
whether the pilot is on course for acceptance, and what is still missing if it is not.

Progress of a measure is the share of its planned change to its evidence fields (data/
monitoring.toml) that a year's survey shows: (observed − before) / (planned − before), held to
0–1, averaged over the fields; a yes/no field counts 1 when it reads as planned. A field several
measures of the plan change (public-area electricity) is credited to a measure judged on it alone
with what the other measures' own evidence does not explain.

Verdict at the latest year surveyed: *reached* when that year already reaches the plan's target
grade with every control passing; else *missed* from the acceptance year on; else *on course*
when the planned work done (mean progress of the measures) keeps pace with the time elapsed,
*behind* when it does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from carbon_cli.monitoring.rules import Rules, load_rules
from carbon_cli.scoring.assessment import Assessment, assess

if TYPE_CHECKING:
    from carbon_cli.accounting.factors import FactorSet
    from carbon_cli.monitoring.history import CommunityHistory
    from carbon_cli.planning.plan_file import Plan, PlannedMeasure, YearTarget
    from carbon_cli.scoring.criteria import CriteriaSet

STATUSES = ("done", "partly", "not_started", "no_data")
VERDICTS = ("reached", "on_course", "behind", "missed", "no_data")
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class FieldProgress:
    field: str
    before: Any  # the value the plan started from
    planned: Any  # the value the plan expects once the measure is done
    observed: Any  # the year's surveyed value (None: not surveyed)
    share: float | None  # 0–1 of the planned change shown; None without data
    shared: bool = False  # credited after the other measures that change it

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "from": self.before,
            "planned": self.planned,
            "observed": self.observed,
            "share": self.share,
            "shared": self.shared,
        }


@dataclass(frozen=True, slots=True)
class MeasureProgress:
    measure: PlannedMeasure
    status: str  # done | partly | not_started | no_data
    share: float | None
    fields: tuple[FieldProgress, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure.key,
            "name": self.measure.zh,
            "name_en": self.measure.en,
            "status": self.status,
            "share": self.share,
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class Emissions:
    """The totals of a year's inventory that a tracking shows (its lines are let go)."""

    net_tco2e: float
    per_capita_tco2e: float | None


@dataclass(frozen=True, slots=True)
class YearAssessment:
    """What a tracking keeps of one year's assessment: the figures it shows (score, grade,
    emissions, failed controls, the survey's file and problem counts). The assessment itself —
    every indicator's result, the survey's values and where each was read — is let go once the
    year is judged: 10,000 pilots × 4 years held whole took 3.5 GB."""

    file: str
    baseline_year: int | None
    inventory: Emissions  # the year's inventory's totals
    criteria: CriteriaSet  # the set judged by (shared by every year), for its grades
    score: float
    verdict: str
    grade: str  # the grade reached
    failed_controls: tuple[str, ...]  # their criterion keys
    errors: int
    warnings: int

    @classmethod
    def of(cls, a: Assessment) -> YearAssessment:
        ev = a.evaluation
        return cls(
            a.survey.file,
            a.survey.baseline_year,
            Emissions(a.inventory.net_tco2e, a.inventory.per_capita_tco2e),
            ev.criteria,
            ev.score,
            ev.verdict,
            ev.grade.key,
            tuple(c.criterion.key for c in ev.failed_controls),
            len(a.survey.errors),
            len(a.survey.warnings),
        )


@dataclass(frozen=True, slots=True)
class YearResult:
    year: int
    assessment: YearAssessment
    expected: YearTarget | None  # the plan's trajectory for this year (None outside it)
    measures: tuple[MeasureProgress, ...]
    work_share: float  # mean progress of the measures (no data counts 0)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        a = self.assessment
        return {
            "year": self.year,
            "baseline_year": a.baseline_year,
            "file": a.file,
            "score": a.score,
            "grade": a.grade,
            "verdict": a.verdict,
            "net_tco2e": a.inventory.net_tco2e,
            "per_capita_tco2e": a.inventory.per_capita_tco2e,
            "planned_score": self.expected.score if self.expected else None,
            "planned_net_tco2e": self.expected.net_tco2e if self.expected else None,
            "work_share": self.work_share,
            "measures": [m.to_dict() for m in self.measures],
            "failed_controls": list(a.failed_controls),
            "errors": a.errors,
            "warnings": a.warnings,
        }


@dataclass(frozen=True)
class Missing:
    """What stands between the latest year and the target grade."""

    measures: tuple[MeasureProgress, ...]  # not done yet, in plan order
    controls: tuple[Any, ...]  # scoring ControlResult failing or missing data
    points: float  # score points still short of the target grade (0 when reached)
    target_score: float

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "measures": [m.measure.key for m in self.measures],
            "controls": [
                {"key": c.criterion.key, "name": c.criterion.label(lang), "status": c.status, "value": c.value}
                for c in self.controls
            ],
            "points_short": self.points,
            "target_score": self.target_score,
        }


@dataclass(frozen=True)
class Tracking:
    plan: Plan
    history: CommunityHistory
    years: tuple[YearResult, ...]  # the plan's base year and later, in order
    verdict: str  # reached | on_course | behind | missed | no_data
    missing: Missing | None
    elapsed_share: float | None  # of the build period, at the latest year
    rules: Rules

    @property
    def latest(self) -> YearResult | None:
        return self.years[-1] if self.years else None

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        plan = self.plan
        latest = self.latest
        return {
            "community": {"id": plan.community_id, "name": self.history.name},
            "plan": {
                "file": plan.file,
                "made_on": plan.made_on,
                "base_year": plan.base_year,
                "acceptance_year": plan.acceptance_year,
                "target": plan.target,
                "target_score": self.missing.target_score if self.missing else _target_score(latest, plan),
                "measures": [m.key for m in plan.measures],
                "score_after": plan.score_after,
                "tco2e_reduced": plan.tco2e_reduced,
            },
            "years_surveyed": self.history.years,
            "verdict": self.verdict,
            "latest_year": latest.year if latest else None,
            "elapsed_share": self.elapsed_share,
            "work_share": latest.work_share if latest else None,
            "measures": [m.to_dict() for m in latest.measures] if latest else [],
            "years": [y.to_dict(lang) for y in self.years],
            "missing": self.missing.to_dict(lang) if self.missing else None,
            "warnings": [f.to_dict(lang) for f in self.history.findings],
            "rules": {k: v.to_dict() for k, v in self.rules.thresholds().items()},
        }


def _target_score(latest: YearResult | None, plan: Plan) -> float | None:
    if latest is None:
        return plan.bands.get(plan.target)
    grade = next((g for g in latest.assessment.criteria.grades if g.key == plan.target), None)
    return grade.min_score if grade else plan.bands.get(plan.target)


def _number(value: Any) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def _share(before: Any, planned: Any, observed: Any) -> float | None:
    if observed is None:
        return None
    if isinstance(planned, bool):
        return 1.0 if observed is planned or observed == planned else 0.0
    start, goal, now = _number(before) or 0.0, _number(planned), _number(observed)
    if goal is None or now is None:
        return None
    if abs(goal - start) <= _EPS * max(1.0, abs(goal)):
        return 1.0 if abs(now - goal) <= _EPS * max(1.0, abs(goal)) else 0.0
    return min(1.0, max(0.0, (now - start) / (goal - start)))


def _status(share: float | None, rules: Rules) -> str:
    if share is None:
        return "no_data"
    if share >= rules.done_share.value - _EPS:
        return "done"
    if share >= rules.started_share.value - _EPS:
        return "partly"
    return "not_started"


_COSTS_SHOWN = ("upfront_yuan", "annual_net_yuan")  # of a measure's cost: what still missing shows, the district sums


def tracked_part(plan: Plan) -> Plan:
    """What a tracking uses of `plan`: all of it but the costs, of which each measure keeps its
    upfront and yearly net cost (the plan's own cost and each measure's ranges, subsidies and
    terms are three quarters of a plan in memory: 10,000 plans held whole took 290 MB)."""

    def kept(cost: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if cost is None else {k: cost[k] for k in _COSTS_SHOWN if k in cost}

    return replace(plan, cost=None, measures=tuple(replace(m, cost=kept(m.cost)) for m in plan.measures))


def evidence_fields(measure: PlannedMeasure, rules: Rules) -> tuple[str, ...]:
    """The fields that show `measure` was carried out: the rules' for its action that it changes,
    else every field it changes."""
    changed = [c.field for c in measure.changes]
    listed = [f for f in rules.evidence.get(measure.action, ()) if f in changed]
    return tuple(listed or changed)


def measure_progress(plan: Plan, values: dict[str, Any], rules: Rules) -> tuple[MeasureProgress, ...]:
    """Each measure of `plan` as the surveyed `values` of one year show it."""
    writers: dict[str, list[PlannedMeasure]] = {}
    for m in plan.measures:
        for c in m.changes:
            writers.setdefault(c.field, []).append(m)
    start = {f: ms[0].change(f).before for f, ms in writers.items()}  # type: ignore[union-attr]
    evidence = {m.key: evidence_fields(m, rules) for m in plan.measures}
    results: dict[str, MeasureProgress] = {}

    def judge(m: PlannedMeasure, shares: list[FieldProgress]) -> MeasureProgress:
        known = [f.share for f in shares if f.share is not None]
        share = sum(known) / len(known) if known else None
        return MeasureProgress(m, _status(share, rules), share, tuple(shares))

    later = []
    for m in plan.measures:  # first: measures with a field of their own
        own = [f for f in evidence[m.key] if len(writers[f]) == 1]
        if not own:
            later.append(m)
            continue
        shares = []
        for f in evidence[m.key]:
            change = m.change(f)
            assert change is not None
            shared = len(writers[f]) > 1
            share = None if shared else _share(start[f], change.after, values.get(f))
            shares.append(FieldProgress(f, start[f], change.after, values.get(f), share, shared))
        results[m.key] = judge(m, [s for s in shares if not s.shared] + [s for s in shares if s.shared])
    for m in later:  # then those judged only on fields others change too
        shares = []
        for f in evidence[m.key]:
            change = m.change(f)
            assert change is not None
            observed = _number(values.get(f))
            share = None
            if observed is not None and _number(change.after) is not None:
                explained = 0.0
                for other in writers[f]:
                    if other.key == m.key:
                        continue
                    done = results.get(other.key)
                    step = other.change(f)
                    if done is not None and done.share is not None and step is not None:
                        explained += done.share * ((_number(step.after) or 0.0) - (_number(step.before) or 0.0))
                own_before = _number(change.before) or 0.0
                own_delta = (_number(change.after) or 0.0) - own_before
                shown = observed - (_number(start[f]) or 0.0) - explained
                share = 1.0 if abs(own_delta) <= _EPS else min(1.0, max(0.0, shown / own_delta))
            elif values.get(f) is not None:
                share = _share(change.before, change.after, values.get(f))
            shares.append(FieldProgress(f, change.before, change.after, values.get(f), share, True))
        results[m.key] = judge(m, shares)
    return tuple(results[m.key] for m in plan.measures)


def track(
    plan: Plan,
    history: CommunityHistory,
    factors: FactorSet,
    criteria: CriteriaSet,
    rules: Rules | None = None,
    until: int | None = None,
) -> Tracking:
    """`history` (one community's years) judged against its `plan`, up to the year `until`
    (default: the latest surveyed)."""
    rules = rules or load_rules()
    results = []
    last: Assessment | None = None  # the latest year's assessment whole, for the verdict
    for year in history.years:
        if year < plan.base_year or (until is not None and year > until):
            continue
        survey = history.survey(year)
        last = assess(survey, factors, criteria)
        measures = measure_progress(plan, survey.assessment, rules)
        work = sum(m.share or 0.0 for m in measures) / len(measures) if measures else 1.0
        results.append(YearResult(year, YearAssessment.of(last), plan.expected(year), measures, work))
    if not results or last is None:
        return Tracking(plan, history, (), "no_data", None, None, rules)
    latest = results[-1]
    grade = next((g for g in criteria.grades if g.key == plan.target), criteria.pass_grade)
    span = plan.acceptance_year - plan.base_year
    elapsed = min(1.0, (latest.year - plan.base_year) / span) if span > 0 else 1.0
    ev = last.evaluation
    if ev.reaches(grade.key):
        verdict = "reached"
    elif latest.year >= plan.acceptance_year:
        verdict = "missed"
    elif latest.work_share >= elapsed - rules.on_course_margin.value - _EPS:
        verdict = "on_course"
    else:
        verdict = "behind"
    missing = None
    if verdict != "reached":
        missing = Missing(
            tuple(m for m in latest.measures if m.status != "done"),
            tuple(c for c in ev.controls if c.status in ("fail", "missing")),
            max(0.0, grade.min_score - ev.score),
            grade.min_score,
        )
    return Tracking(plan, history, tuple(results), verdict, missing, elapsed, rules)
