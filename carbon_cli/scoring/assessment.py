"""Survey → Assessment: the one result object every output (terminal, JSON, Markdown, batch)
renders. It holds the inventories, the evaluation, the factors used and the survey's issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from carbon_cli.accounting.factors import FactorSet
from carbon_cli.accounting.inventory import Inventory, compute_inventory
from carbon_cli.core.errors import UsageError
from carbon_cli.scoring.criteria import CriteriaSet
from carbon_cli.scoring.evaluation import ControlResult, Evaluation, Gap, ItemResult, evaluate
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.model import Survey
from carbon_cli.survey.values import MISSING, ValueProblem, parse_value

if TYPE_CHECKING:
    from carbon_cli.scoring.robustness import Robustness


@dataclass(frozen=True)
class Assessment:
    survey: Survey
    factors: FactorSet
    inventory: Inventory
    baseline_inventory: Inventory | None
    evaluation: Evaluation
    changes: dict[str, Any] = field(default_factory=dict)  # what-if values from --set
    pathways: dict[str, Any] = field(default_factory=dict)  # target → Pathway, when planned
    robustness: Robustness | None = None  # whether the verdict holds, once asked (`with_robustness`)

    @property
    def criteria(self) -> CriteriaSet:
        return self.evaluation.criteria

    @property
    def verdict(self) -> str:
        return self.evaluation.verdict

    @property
    def score(self) -> float:
        return self.evaluation.score

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The documented JSON contract (numbers unrounded)."""
        return assessment_dict(self, lang)


def assess(
    survey: Survey,
    factors: FactorSet,
    criteria: CriteriaSet,
    changes: dict[str, Any] | None = None,
    detail: bool = True,
) -> Assessment:
    now = compute_inventory(survey.assessment, factors, survey.assessment_year)
    base = None
    if survey.baseline is not None:
        baseline_values = {**survey.baseline}
        base = compute_inventory(baseline_values, factors, survey.baseline_year)
    return Assessment(survey, factors, now, base, evaluate(criteria, survey, now, base, detail), dict(changes or {}))


def parse_settings(assignments: list[str]) -> dict[str, Any]:
    """`--set KEY=VALUE` options → canonical values, read exactly as a workbook cell would be."""
    fields = dictionary()
    changes: dict[str, Any] = {}
    for text in assignments:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise UsageError("bad_set_option", found=text)
        match = fields.match(key.strip())
        if match is None:
            raise UsageError("unknown_set_field", found=key.strip())
        try:
            parsed = parse_value(raw, match.field, match.unit, fields.max_abs_value)
        except ValueProblem as problem:
            from carbon_cli.core.i18n import message

            detail = message(problem.code, "en", label=match.field.key, **problem.params)
            raise UsageError("bad_set_value", found=text, detail=detail) from None
        if parsed.value is MISSING:
            raise UsageError("bad_set_value", found=text, detail="a value is needed")
        changes[match.field.key] = parsed.value
    return changes


def assess_with_changes(
    survey: Survey, factors: FactorSet, criteria: CriteriaSet, changes: dict[str, Any]
) -> Assessment:
    if not changes:
        return assess(survey, factors, criteria)
    changed = survey.with_values(changes, origin="--set")
    return assess(changed, factors, criteria, changes)


# --- the JSON form (the documented contract) ---------------------------------------------

SCHEMA_VERSION = 1


def _gap(gap: Gap | None, unit: str) -> dict[str, Any] | None:
    if gap is None:
        return None
    return {
        "target": gap.target,
        "distance": gap.distance,
        "unit": unit,
        "direction": gap.direction,
        "points_recoverable": gap.points_recoverable,
        "score_recoverable": gap.score_recoverable,
        "target_for_pass": gap.target_for_pass,
        "target_for_excellent": gap.target_for_excellent,
        "fields": list(gap.fields),
    }


def _control(result: ControlResult, lang: str) -> dict[str, Any]:
    c = result.criterion
    return {
        "key": c.key,
        "name": c.label(lang),
        "status": result.status,
        "value": result.value,
        "target": c.target,
        "unit": c.unit,
        "reason": result.reason or None,
        "gap": _gap(result.gap, c.unit),
        "source_status": c.status,
    }


def _item(result: ItemResult, lang: str) -> dict[str, Any]:
    c = result.criterion
    return {
        "key": c.key,
        "name": c.label(lang),
        "category": c.category,
        "status": result.status,
        "value": result.value,
        "unit": c.unit,
        "points": result.points,
        "max_points": result.max_points,
        "rule": c.rule,
        "zero": c.zero,
        "full": c.full,
        "reason": result.reason or None,
        "gap": _gap(result.gap, c.unit),
        "source_status": c.status,
        **({"comparison": c.comparison, "target": c.target} if c.rule == "met" else {}),
    }


def assessment_dict(a: Assessment, lang: str = "zh") -> dict[str, Any]:
    s, ev = a.survey, a.evaluation
    used = dict.fromkeys(a.inventory.factors_used)
    if a.baseline_inventory:
        used.update(dict.fromkeys(a.baseline_inventory.factors_used))
    out = {
        "schema_version": SCHEMA_VERSION,
        "community": {
            "id": s.community_id,
            "name": s.name,
            "street": s.assessment.get("street"),
            "district": s.assessment.get("district"),
            "assessment_year": s.assessment_year,
            "baseline_year": s.baseline_year,
            "file": s.file,
            "layout": s.layout,
        },
        "criteria_set": ev.criteria.id,
        "factor_set": a.factors.id,
        "changes": a.changes,
        "inventory": a.inventory.to_dict(),
        "baseline_inventory": a.baseline_inventory.to_dict() if a.baseline_inventory else None,
        "score": ev.score,
        "earned_points": ev.earned,
        "applicable_points": ev.applicable_max,
        "grade": ev.grade.key,
        "verdict": ev.verdict,
        "points_to_pass": ev.points_to_pass,
        "points_to_excellent": ev.points_to_excellent,
        "controls": [_control(c, lang) for c in ev.controls],
        "indicators": [_item(i, lang) for i in ev.items],
        "fields_to_collect": ev.fields_to_collect,
        "robustness": a.robustness.to_dict(lang) if a.robustness is not None else None,
        "factors": {
            k: {"value": f.value, "unit": f.unit, "status": f.status, "source": f.source}
            for k, f in ((k, a.factors[k]) for k in used)
        },
        "pathways": {k: p.to_dict() for k, p in a.pathways.items()},
        "errors": [i.to_dict(lang) for i in s.issues if i.is_error],
        "warnings": [i.to_dict(lang) for i in s.issues if not i.is_error],
    }
    if ev.criteria.not_assessable:  # the set's indicators no survey field measures: never scored
        out["not_assessable"] = [
            {"key": x.key, "name": x.label(lang), "reason": x.reason(lang), "source_status": x.status}
            for x in ev.criteria.not_assessable
        ]
    return out
