"""The typed survey record of one community: assessment-year and optional baseline-year values."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from carbon_cli.issues import Issue, Location

ASSESSMENT = "assessment"
BASELINE = "baseline"
# Who and when: a prefilled form carries these before anyone has surveyed anything.
IDENTITY = ("community_id", "community_name", "street", "district", "assessment_year", "baseline_year")


@dataclass(frozen=True)
class Survey:
    """One community as surveyed. Values are in canonical units; an absent key is not surveyed.

    `assessment` holds every field of the assessment year (identity fields included);
    `baseline` the per-year fields of the baseline year, or None when none was surveyed.
    `sources` maps "assessment.<key>" / "baseline.<key>" to where the value was read.
    """

    file: str
    layout: str
    assessment: dict[str, Any]
    baseline: dict[str, Any] | None = None
    sources: dict[str, Location] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()

    @property
    def community_id(self) -> str:
        return str(self.assessment.get("community_id") or self.assessment.get("community_name") or "?")

    @property
    def name(self) -> str:
        return str(self.assessment.get("community_name") or self.community_id)

    @property
    def assessment_year(self) -> int | None:
        return self.assessment.get("assessment_year")

    @property
    def baseline_year(self) -> int | None:
        return self.assessment.get("baseline_year") if self.baseline is not None else None

    @property
    def is_blank(self) -> bool:
        """Nothing surveyed for the assessment year: no value beyond who the community is and
        which years (a baseline carried over from last year is not this year's survey), and no
        cell that held something unreadable."""
        return not any(key not in IDENTITY for key in self.assessment) and not any(
            i.location.cell and i.field not in IDENTITY for i in self.issues
        )

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def blocking_errors(self) -> list[Issue]:
        """Errors that make an assessment meaningless; missing data instead gives "incomplete"."""
        return [i for i in self.issues if i.is_error and i.code != "missing_required"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    def source(self, role: str, key: str) -> Location | None:
        return self.sources.get(f"{role}.{key}")

    def with_values(self, changes: dict[str, Any], origin: str) -> Survey:
        """A copy with assessment-year values changed (what-if and measures); inputs untouched."""
        assessment = {**self.assessment, **changes}
        sources = {**self.sources}
        for key in changes:
            sources[f"{ASSESSMENT}.{key}"] = Location(origin)
        return replace(self, assessment=assessment, sources=sources)

    def with_issues(self, issues: list[Issue]) -> Survey:
        return replace(self, issues=(*self.issues, *issues))
