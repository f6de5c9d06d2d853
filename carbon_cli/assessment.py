"""Survey → Assessment: the one result object every output (terminal, JSON, Markdown, batch)
renders. It holds the inventories, the evaluation, the factors used and the survey's issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carbon_cli.criteria import CriteriaSet
from carbon_cli.evaluation import Evaluation, evaluate
from carbon_cli.factors import FactorSet
from carbon_cli.inventory import Inventory, compute_inventory
from carbon_cli.issues import UsageError
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.model import Survey
from carbon_cli.survey.values import MISSING, ValueProblem, parse_value


@dataclass(frozen=True)
class Assessment:
    survey: Survey
    factors: FactorSet
    inventory: Inventory
    baseline_inventory: Inventory | None
    evaluation: Evaluation
    changes: dict[str, Any] = field(default_factory=dict)  # what-if values from --set
    pathways: dict[str, Any] = field(default_factory=dict)  # target → Pathway, when planned

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
        from carbon_cli.serialize import assessment_dict

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
            from carbon_cli.i18n import message

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
