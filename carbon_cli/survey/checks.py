"""Checks across fields of one survey: required values, contradictions, plausible ranges."""

from __future__ import annotations

import functools
from typing import Any

from carbon_cli.core.i18n import Bilingual, term
from carbon_cli.survey.fields import Dictionary, FieldSpec
from carbon_cli.survey.issues import Issue, Location
from carbon_cli.survey.model import ASSESSMENT, BASELINE, Survey

ELECTRICITY_FIELDS = ("elec_residential_kwh", "elec_public_area_kwh", "elec_commercial_kwh", "elec_ev_charging_kwh")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


@functools.cache
def _checked(fields: Dictionary) -> tuple[FieldSpec, ...]:
    """The quantities with a check against other fields or a range, in survey order."""
    return tuple(f for f in fields.fields if f.is_quantity and (f.not_above or f.warn_above or f.range or f.per))


def check_survey(survey: Survey, fields: Dictionary) -> list[Issue]:
    issues: list[Issue] = []
    community = survey.community_id

    def where(role: str, key: str) -> Location:
        return survey.source(role, key) or Location(survey.file)

    if survey.is_blank:  # one finding, not a list of every field: nothing was filled in
        return [Issue("blank_survey", Location(survey.file), community=community)]
    for spec in fields.required:
        if spec.key not in survey.assessment:
            issues.append(
                Issue(
                    "missing_required",
                    where(ASSESSMENT, spec.key),
                    spec.key,
                    community,
                    params={"year_role": Bilingual(term(ASSESSMENT, "zh"), term(ASSESSMENT, "en"))},
                )
            )
    if survey.baseline is not None:
        for spec in fields.required:
            if spec.per_year and spec.key not in survey.baseline:
                issues.append(Issue("baseline_incomplete", where(BASELINE, spec.key), spec.key, community))
        base, now = survey.assessment.get("baseline_year"), survey.assessment.get("assessment_year")
        if base is not None and now is not None and base >= now:
            issues.append(
                Issue(
                    "baseline_not_before",
                    where(ASSESSMENT, "baseline_year"),
                    "baseline_year",
                    community,
                    found=str(base),
                    params={"assessment_year": now},
                )
            )
    roles = [(ASSESSMENT, survey.assessment)]
    if survey.baseline is not None:
        roles.append(
            (
                BASELINE,
                {
                    **survey.baseline,
                    "resident_population": survey.baseline.get(
                        "resident_population", survey.assessment.get("resident_population")
                    ),
                },
            )
        )
    for role, values in roles:
        for spec in _checked(fields):
            value = values.get(spec.key)
            if value is None or (role == BASELINE and not spec.per_year):
                continue
            # above a field it cannot exceed (an error), or should not (a warning)
            for code, others in (("contradiction", spec.not_above), ("exceeds_other", spec.warn_above)):
                for other in others:
                    if other in values and value > values[other]:
                        params = {"other_field": other, "other_value": _fmt(values[other])}
                        issues.append(Issue(code, where(role, spec.key), spec.key, community, _fmt(value), params))
            if spec.range and not spec.range[0] <= value <= spec.range[1]:
                issues.append(
                    Issue(
                        "out_of_range",
                        where(role, spec.key),
                        spec.key,
                        community,
                        _fmt(value),
                        {"low": _fmt(spec.range[0]), "high": _fmt(spec.range[1])},
                    )
                )
            per = spec.per
            if per and values.get(per.field):
                ratio = value / values[per.field]
                low = per.min if per.min is not None else float("-inf")
                high = per.max if per.max is not None else float("inf")
                if not low <= ratio <= high:
                    issues.append(
                        Issue(
                            "per_out_of_range",
                            where(role, spec.key),
                            spec.key,
                            community,
                            _fmt(value),
                            {
                                "per_field": per.field,
                                "ratio": _fmt(ratio),
                                "low": _fmt(per.min) if per.min is not None else "–",
                                "high": _fmt(per.max) if per.max is not None else "–",
                            },
                        )
                    )
        green = values.get("green_power_kwh")
        total = sum(values.get(k, 0) for k in ELECTRICITY_FIELDS)
        if green is not None and green > total > 0:
            issues.append(
                Issue(
                    "green_power_exceeds_use",
                    where(role, "green_power_kwh"),
                    "green_power_kwh",
                    community,
                    _fmt(green),
                    {"other_value": _fmt(total)},
                )
            )
    return issues
