"""Every year of every community: read from tables (a row per community per year), from forms of
several campaigns, or from a folder per year; checked for consistency across years; made into
one survey per year, each with the community's earliest year as its baseline (the earliest year
against itself, so the baseline items score a reduction of 0 there, as the plan assumed).

A community's id, name and land area do not change between years; any other quantity that moves
by more than the documented factor year on year (data/monitoring.toml) is a warning naming both
cells. The reader of one survey (`read_survey`) is not changed: it still keeps only the
assessment year and the baseline.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon_cli.core import i18n
from carbon_cli.monitoring.rules import Rules, load_rules
from carbon_cli.planning.plan_file import as_judged
from carbon_cli.survey.checks import check_survey
from carbon_cli.survey.container import Limits
from carbon_cli.survey.fields import dictionary, field_name, normalize
from carbon_cli.survey.issues import InputError, Issue, Location
from carbon_cli.survey.model import ASSESSMENT, BASELINE, RowCells, RowSources, Survey
from carbon_cli.survey.paths import expand_paths
from carbon_cli.survey.reader import YearRecord, read_years

_YEAR_FOLDER = re.compile(r"^(?:19|20)\d\d$")


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _cell(location: Location | None) -> str:
    if location is None:
        return "?"
    parts = [Path(location.file).name]
    if location.sheet:
        parts.append(location.sheet)
    if location.cell:
        parts.append(location.cell)
    return " › ".join(parts)


@dataclass(frozen=True)
class Finding:
    """A warning about one field between two years of one community, naming both cells."""

    code: str
    community: str
    field: str
    years: tuple[int, int]
    cells: tuple[Location | None, Location | None]
    values: tuple[Any, Any]
    change: float | None = None  # share (stable fields) or ratio (jumps)
    limit: float | None = None
    rule_status: str = "assumed"
    name: str = ""

    severity = "warning"

    def message(self, lang: str = "zh") -> str:
        if self.code == "stable_field_changed":
            change = f"{self.change:.1%}" if self.change is not None else "?"
            limit = f"{self.limit:.0%}" if self.limit is not None else "?"
        else:
            change = f"{self.change:.1f}" if self.change is not None else "?"
            limit = f"{self.limit:g}" if self.limit is not None else "?"
        return i18n.message(
            self.code,
            lang,
            label=field_name(self.field, lang),
            name=self.name,
            y1=self.years[0],
            y2=self.years[1],
            c1=_cell(self.cells[0]),
            c2=_cell(self.cells[1]),
            v1=_fmt(self.values[0]),
            v2=_fmt(self.values[1]),
            change=change,
            limit=limit,
        )

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        def where(loc: Location | None) -> dict[str, Any] | None:
            return None if loc is None else {"file": loc.file, "sheet": loc.sheet, "cell": loc.cell}

        return {
            "severity": self.severity,
            "code": self.code,
            "community": self.community,
            "field": self.field,
            "years": list(self.years),
            "cells": [where(c) for c in self.cells],
            "values": list(self.values),
            "change": self.change,
            "limit": self.limit,
            "rule_status": self.rule_status,
            "message": self.message(lang),
        }


@dataclass
class CommunityHistory:
    """One community's years, each as surveyed, and what was found comparing them."""

    community_id: str
    records: dict[int, YearRecord]  # year → its record, in year order
    findings: list[Finding] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # reading problems of this community's cells

    @property
    def years(self) -> list[int]:
        return sorted(self.records)

    @property
    def baseline_year(self) -> int | None:
        return self.years[0] if self.records else None

    @property
    def name(self) -> str:
        latest = self.records[self.years[-1]] if self.records else None
        return str(latest.values.get("community_name") or self.community_id) if latest else self.community_id

    def survey(self, year: int) -> Survey:
        """The survey of `year`, with the earliest year as its baseline (none for the earliest):
        made when asked for, not kept (a tracking keeps only each year's figures)."""
        return _year_survey(self, year)

    def surveys(self) -> dict[int, Survey]:
        return {y: self.survey(y) for y in self.years}


def _year_survey(history: CommunityHistory, year: int) -> Survey:
    fields = dictionary()
    record = history.records[year]
    assessment = {**record.values, "assessment_year": year}
    baseline = None
    base = None
    first = history.baseline_year
    if first is not None and first < year:
        base = history.records[first]
        baseline = {k: v for k, v in base.values.items() if (spec := fields.get(k)) is not None and spec.per_year}
        assessment["baseline_year"] = first
    else:
        assessment.pop("baseline_year", None)
    own = [i for i in history.issues if _belongs(i, record)]
    survey = Survey(record.file, record.layout, assessment, baseline, _sources(record, base, baseline), tuple(own))
    survey = survey.with_issues(check_survey(survey, fields))
    return as_judged(survey) if baseline is None else survey  # the earliest year against itself


def _sources(record: YearRecord, base: YearRecord | None, baseline: dict[str, Any] | None) -> Mapping[str, Location]:
    """ "role.key" → cell of a year's survey: its record's cells, and the baseline record's of
    the fields in `baseline`; table rows as a row each (`RowSources`), not a Location a value."""
    now, then = record.sources, base.sources if base is not None else None
    if isinstance(now, RowCells) and (then is None or isinstance(then, RowCells)):
        rows: list[tuple[str, str, str, int, Mapping[str, str]]] = [
            (ASSESSMENT, now.file, now.sheet, now.row, now.letters)
        ]
        if then is not None and baseline is not None:
            kept = {k: letter for k, letter in then.letters.items() if k in baseline}
            rows.append((BASELINE, then.file, then.sheet, then.row, kept))
        return RowSources(tuple(rows), {})
    sources: dict[str, Location] = {f"{ASSESSMENT}.{k}": v for k, v in now.items()}
    if then is not None and baseline is not None:
        sources.update({f"{BASELINE}.{k}": v for k, v in then.items() if k in baseline})
    return sources


def _row(location: Location | None) -> str | None:
    if location is None or not location.cell:
        return None
    return "".join(ch for ch in location.cell if ch.isdigit())


def _belongs(issue: Issue, record: YearRecord) -> bool:
    if issue.location.file != record.file:
        return False
    if record.layout == "form":
        return not record.carried
    anchor = record.sources.get("community_id") or record.sources.get("community_name")
    return anchor is None or (issue.location.sheet == anchor.sheet and _row(issue.location) == _row(anchor))


@dataclass
class History:
    """Every community found in the files, its years, and every problem found."""

    communities: dict[str, CommunityHistory]
    findings: list[Finding]  # all of them, the communities' and those across communities
    issues: list[Issue]  # files that could not be read, and file-level problems
    files: list[str]

    def get(self, community: str) -> CommunityHistory | None:
        found = self.communities.get(community)
        if found is None:
            found = next((h for h in self.communities.values() if h.name == community), None)
        return found


def _year_of_folder(path: Path) -> int | None:
    for parent in path.parents:
        if _YEAR_FOLDER.match(parent.name):
            return int(parent.name)
    return None


def read_history(paths: list[Path], limits: Limits | None = None, rules: Rules | None = None) -> History:
    """Every year of every community in `paths` (files or folders; a folder named for a year
    gives its year to the surveys in it that do not state one)."""
    rules = rules or load_rules()
    files, issues = expand_paths([Path(p) for p in paths])
    gathered: dict[str, dict[int, YearRecord]] = {}
    community_issues: dict[str, list[Issue]] = {}
    for path in files:
        try:
            read = read_years(path, limits=limits)
        except InputError as exc:
            issues.append(exc.issue)
            continue
        hint = _year_of_folder(path)
        by_file_key: dict[str, str] = {}
        for record in read.records:
            year = record.year if record.year is not None else (hint if not record.carried else None)
            if year is None:
                issues.append(Issue("missing_year", Location(record.file), "year", record.community))
                continue
            key = str(record.values.get("community_id") or record.community)
            by_file_key[record.community] = key
            if record.year is None:
                record = YearRecord(
                    record.community,
                    year,
                    {**record.values, "assessment_year": year},
                    record.sources,
                    record.file,
                    record.layout,
                    record.carried,
                )
            years = gathered.setdefault(key, {})
            held = years.get(year)
            if held is None or (held.carried and not record.carried):
                years[year] = record
            elif not record.carried and not held.carried and _differs(held.values, record.values):
                where = record.sources.get("community_id") or Location(record.file)
                issues.append(Issue("duplicate_year", where, "year", key, params={"community": key, "year": year}))
        for issue in read.issues:
            if issue.community is None:
                issues.append(issue)
            else:
                community_issues.setdefault(by_file_key.get(issue.community, issue.community), []).append(issue)
    communities = {
        key: CommunityHistory(key, dict(sorted(years.items())), issues=community_issues.get(key, []))
        for key, years in sorted(gathered.items())
    }
    findings: list[Finding] = []
    for history in communities.values():
        history.findings = consistency(history, rules)
        findings.extend(history.findings)
    findings.extend(_ids_changed(communities))
    return History(communities, findings, issues, [str(f) for f in files])


def _differs(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two reports of one year disagree (the same survey in a form and in a table does not)."""

    def kept(values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v is not None and k != "baseline_year"}

    return kept(a) != kept(b)


def _number(value: Any) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def consistency(history: CommunityHistory, rules: Rules) -> list[Finding]:
    """Year-on-year checks of one community: stable fields keep their value, quantities do not
    jump by more than the rules' factor."""
    fields = dictionary()
    found: list[Finding] = []
    years = history.years
    for y1, y2 in itertools.pairwise(years):
        a, b = history.records[y1], history.records[y2]
        for key, rule in rules.stable.items():
            v1, v2 = a.values.get(key), b.values.get(key)
            if v1 is None or v2 is None:
                continue
            n1, n2 = _number(v1), _number(v2)
            if n1 is not None and n2 is not None:
                change = abs(n2 - n1) / abs(n1) if n1 else (0.0 if n2 == 0 else float("inf"))
                if change > rule.value + 1e-12:
                    found.append(
                        Finding(
                            "stable_field_changed",
                            history.community_id,
                            key,
                            (y1, y2),
                            (a.sources.get(key), b.sources.get(key)),
                            (v1, v2),
                            change,
                            rule.value,
                            rule.status,
                        )
                    )
            elif normalize(str(v1)) != normalize(str(v2)):
                code = "name_changed" if key == "community_name" else "stable_field_changed"
                found.append(
                    Finding(
                        code,
                        history.community_id,
                        key,
                        (y1, y2),
                        (a.sources.get(key), b.sources.get(key)),
                        (v1, v2),
                        None,
                        rule.value,
                        rule.status,
                    )
                )
        factor = rules.jump.value
        for key, v1 in a.values.items():
            spec = fields.get(key)
            if spec is None or not spec.per_year or not spec.is_quantity or key in rules.stable:
                continue
            if key in rules.jump_exempt:
                continue
            n1, n2 = _number(v1), _number(b.values.get(key))
            if n1 is None or n2 is None or n1 <= 0 or n2 <= 0:
                continue
            ratio = max(n1, n2) / min(n1, n2)
            if ratio > factor:
                found.append(
                    Finding(
                        "year_jump",
                        history.community_id,
                        key,
                        (y1, y2),
                        (a.sources.get(key), b.sources.get(key)),
                        (v1, b.values[key]),
                        ratio,
                        factor,
                        rules.jump.status,
                    )
                )
    return found


def _ids_changed(communities: dict[str, CommunityHistory]) -> list[Finding]:
    """Two IDs with the same name in years that do not overlap: most likely one community whose
    ID was retyped."""
    by_name: dict[str, list[CommunityHistory]] = {}
    for history in communities.values():
        by_name.setdefault(normalize(history.name), []).append(history)
    found = []
    for group in by_name.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda h: h.years[0])
        for earlier, later in itertools.pairwise(group):
            if earlier.years[-1] >= later.years[0]:
                continue  # two communities of one name, surveyed in the same years
            y1, y2 = earlier.years[-1], later.years[0]
            a, b = earlier.records[y1], later.records[y2]
            found.append(
                Finding(
                    "id_changed",
                    later.community_id,
                    "community_id",
                    (y1, y2),
                    (a.sources.get("community_id"), b.sources.get("community_id")),
                    (earlier.community_id, later.community_id),
                    name=later.name,
                )
            )
    return found
