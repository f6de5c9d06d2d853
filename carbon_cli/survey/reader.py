"""Survey files → one typed `Survey` per community, with every problem located."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from carbon_cli.core.errors import UsageError
from carbon_cli.survey.cells import SheetGrid, split_coordinate
from carbon_cli.survey.checks import check_survey
from carbon_cli.survey.container import Limits
from carbon_cli.survey.fields import Dictionary, dictionary
from carbon_cli.survey.issues import InputError, Issue, Location
from carbon_cli.survey.layouts import CellRead, Records, TableRow, find_header, read_form, read_table
from carbon_cli.survey.model import ASSESSMENT, BASELINE, RowCells, RowSources, Survey
from carbon_cli.survey.values import MISSING
from carbon_cli.survey.workbook import opened


@dataclass
class WorkbookRead:
    """What one file held: its layout, its communities and the file-level issues."""

    file: str
    layout: str
    surveys: list[Survey]
    issues: list[Issue] = field(default_factory=list)
    sheets: tuple[str, ...] = ()  # the workbook's sheets, in its order

    @property
    def all_issues(self) -> list[Issue]:
        # A form's file-level issues are also its survey's, there tagged with the community:
        # one finding is listed once, in its community-tagged form, where it was first found.
        tagged: dict[tuple[Any, ...], list[Issue]] = {}
        for survey in self.surveys:
            for issue in survey.issues:
                versions = tagged.setdefault(_finding(issue), [])
                if issue not in versions:
                    versions.append(issue)
        out: dict[Issue, None] = {}
        for issue in self.issues:
            out.update(dict.fromkeys(tagged.get(_finding(issue), [issue])))
        for versions in tagged.values():
            out.update(dict.fromkeys(versions))
        return in_workbook_order(list(out), self.sheets)


def in_workbook_order(issues: list[Issue], sheets: tuple[str, ...]) -> list[Issue]:
    """`issues` as the workbook holds them: the file's own first, then sheet by sheet in the
    workbook's order, row by row, column by column; otherwise in the order found."""
    order = {name: i for i, name in enumerate(sheets)}

    def place(issue: Issue) -> tuple[int, int, int]:
        where = issue.location
        if where.sheet is None:
            return (-1, 0, 0)
        cell = split_coordinate(where.cell) if where.cell else None
        row, column = cell or (0, 0)
        return (order.get(where.sheet, len(order)), row, column)

    return sorted(issues, key=place)


def _finding(issue: Issue) -> tuple[Any, ...]:
    return issue.code, issue.location, issue.field, issue.found


def read_workbook(path: Path | str, *, year: int | None = None, limits: Limits | None = None) -> WorkbookRead:
    """Read every community of a survey file. Raises InputError when the file is unusable."""
    stream = stream_workbook(path, year=year, limits=limits)
    return WorkbookRead(stream.file, stream.layout, list(stream), stream.issues, stream.sheets)


@dataclass
class WorkbookStream:
    """A file read, its communities' surveys made one at a time as they are iterated (once).

    The file is read whole first (every problem with it is known before the first survey), then
    held as compact table rows; each survey is made when asked for, its rows let go, so a batch
    that assesses and drops surveys as they come never holds a table's surveys all at once."""

    file: str
    layout: str
    issues: list[Issue]  # the file's own: complete before the first survey
    count: int  # communities
    surveys: Iterator[Survey]
    sheets: tuple[str, ...] = ()  # the workbook's sheets, in its order

    def __iter__(self) -> Iterator[Survey]:
        return self.surveys


def stream_workbook(path: Path | str, *, year: int | None = None, limits: Limits | None = None) -> WorkbookStream:
    """As read_workbook, the surveys made as they are iterated. Raises InputError when the file
    is unusable."""
    path = Path(path)
    file = str(path)
    fields = dictionary()
    records, file_issues, sheets = _records(path, limits, fields)
    if records.layout == "form":
        form = _form_survey(file, records.rows.get("", {}), fields, file_issues)
        return WorkbookStream(file, "form", file_issues, 1, iter([form]), sheets)
    if not records.rows and not any(i.code == "no_data_rows" for i in file_issues):
        file_issues.append(Issue("no_data_rows", Location(file)))
    own: dict[str, list[Issue]] = {}
    for issue in records.issues:
        if issue.community is not None:
            own.setdefault(issue.community, []).append(issue)

    def surveys() -> Iterator[Survey]:
        rows = records.rows
        for key in list(rows):
            by_year = rows.pop(key)  # each community's rows let go once its survey is made
            with _no_collection_pauses():
                survey = _table_survey(file, key, by_year, year, fields, file_issues, own.pop(key, []))
            del by_year
            yield survey

    return WorkbookStream(file, "table", file_issues, len(records.rows), surveys(), sheets)


def _records(path: Path, limits: Limits | None, fields: Dictionary) -> tuple[Records, list[Issue], tuple[str, ...]]:
    """Every sheet of the file read into records (all years of a table), the file's own issues,
    and its sheets' names in the workbook's order."""
    with _no_collection_pauses(), opened(path, limits) as grids:
        records, file_issues = _read_sheets(grids, fields, str(path))
        sheets = tuple(grid.name for grid in grids)
    file_issues.extend(i for i in records.issues if i.community is None)
    return records, file_issues, sheets


@dataclass(frozen=True)
class YearRecord:
    """One community's values for one year, as a file holds them: a table row, or one value
    column of a form (`carried`: the baseline column, a year reported again by a later form).

    `values` holds identity fields too; `sources` maps a field key to its cell (a table row's
    as `RowCells`, made when asked for)."""

    community: str
    year: int | None
    values: dict[str, Any]
    sources: Mapping[str, Location]
    file: str
    layout: str
    carried: bool = False


@dataclass
class YearsRead:
    """Every year of every community one file holds, and the problems found reading it."""

    file: str
    layout: str
    records: list[YearRecord]
    issues: list[Issue]  # the file's own, and each community's (tagged with it)


def read_years(path: Path | str, *, limits: Limits | None = None) -> YearsRead:
    """Every year of every community of a survey file, each year on its own (no year is chosen as
    assessment or baseline: see monitoring/history.py). Raises InputError when the file is unusable.

    A table gives one record per row; a form one for its assessment column and, when it names a
    baseline year, one (carried) for its baseline column, holding the identity fields too."""
    path = Path(path)
    file = str(path)
    fields = dictionary()
    records, file_issues, _ = _records(path, limits, fields)
    issues = file_issues + [i for i in records.issues if i.community is not None]
    out: list[YearRecord] = []
    if records.layout == "form":
        cells = records.rows.get("", {})
        sources: dict[str, Location] = {}
        now = _values(cells.get(ASSESSMENT), ASSESSMENT, sources)
        then_sources: dict[str, Location] = {}
        then = _values(cells.get(BASELINE), BASELINE, then_sources)
        own = {k.partition(".")[2]: v for k, v in sources.items()}
        key = str(now.get("community_id") or now.get("community_name") or file)
        out.append(YearRecord(key, now.get("assessment_year"), now, own, file, "form"))
        if now.get("baseline_year") is not None and then:
            identity = {k: v for k, v in now.items() if not fields[k].per_year and k != "assessment_year"}
            carried_sources = {k: own[k] for k in identity if k in own}
            carried_sources.update({k.partition(".")[2]: v for k, v in then_sources.items()})
            values = {**identity, **then}
            out.append(YearRecord(key, now["baseline_year"], values, carried_sources, file, "form", carried=True))
        return YearsRead(file, "form", out, issues)
    if not records.rows and not any(i.code == "no_data_rows" for i in issues):
        issues.append(Issue("no_data_rows", Location(file)))
    for key, by_year in records.rows.items():
        for year, row in by_year.items():
            values = {k: v for k, v in zip(row.keys, row.values, strict=True) if v is not MISSING}
            where = RowCells(row.file, row.sheet, row.row, row.letters)
            if year is not None:
                values["assessment_year"] = year
            out.append(YearRecord(key, year, values, where, file, "table"))
    return YearsRead(file, "table", out, issues)


@contextlib.contextmanager
def _no_collection_pauses() -> Iterator[None]:
    """Reading a table makes millions of objects and no reference cycles; left on, the cycle
    collector walks all of them again and again (40 % of reading 10,000 communities)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_sheets(grids: list[SheetGrid], fields: Dictionary, file: str) -> tuple[Records, list[Issue]]:
    """The survey records of every sheet that holds some; InputError when none does."""
    records: Records | None = None
    file_issues: list[Issue] = []
    any_data = False
    for grid in grids:
        rows = grid.rows()  # one pass over the sheet: the header search, then its reader
        found, saw_data = find_header(rows, fields)
        if found is None:
            any_data = any_data or saw_data or any(_row_has_data(values) for _, values in rows)
            continue
        any_data = True
        layout, header_row, header = found
        if grid.hidden:
            file_issues.append(Issue("hidden_sheet", Location(file, grid.name), params={"sheet": grid.name}))
        if records is None:
            records = Records(layout)
        elif records.layout != layout:
            continue  # a table beside form sheets: the first layout found decides
        if layout == "form":
            read_form(grid, rows, header_row, header, fields, file, records)
        else:
            read_table(grid, rows, header_row, header, fields, file, records)
    if records is None:
        code = "no_survey_sheet" if any_data else "empty_workbook"
        names = "、".join(g.name for g in grids)
        raise InputError(Issue(code, Location(file), params={"sheets": names}))
    return records, file_issues


def _row_has_data(values: tuple[Any, ...]) -> bool:
    return any(v is not None and str(v).strip() for v in values)


class _SourceKeys(dict):
    """ "role.key" for each field key: one shared string per field, not one per community (a
    10,000-row table holds 1.2 million)."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role

    def __missing__(self, key: str) -> str:
        self[key] = text = f"{self.role}.{key}"
        return text


_SOURCE_KEYS = {ASSESSMENT: _SourceKeys(ASSESSMENT), BASELINE: _SourceKeys(BASELINE)}


def _values(cells: dict[str, CellRead] | None, role: str, sources: dict) -> dict[str, Any]:
    values = {}
    keys = _SOURCE_KEYS[role]
    for key, read in (cells or {}).items():
        value = read.value
        if value is not MISSING:
            values[key] = value
        sources[keys[key]] = read.location
    return values


def _form_survey(file: str, cells: dict[str, dict[str, CellRead]], fields: Dictionary, issues: list[Issue]) -> Survey:
    sources: dict[str, Location] = {}
    assessment = _values(cells.get(ASSESSMENT), ASSESSMENT, sources)
    baseline_values = _values(cells.get(BASELINE), BASELINE, sources)
    own: list[Issue] = []
    baseline: dict[str, Any] | None = None
    if assessment.get("baseline_year") is not None:
        baseline = baseline_values
    elif baseline_values:
        first = _SOURCE_KEYS[BASELINE][sorted(baseline_values)[0]]
        own.append(Issue("baseline_values_without_year", sources[first]))
    community = assessment.get("community_id")
    located = tuple(replace(i, community=i.community or community) for i in issues + own)
    survey = Survey(file, "form", assessment, baseline, sources, located)
    return survey.with_issues(check_survey(survey, fields))


def _table_survey(
    file: str,
    key: str,
    by_year: dict[Any, TableRow],
    year: int | None,
    fields: Dictionary,
    file_issues: list[Issue],
    own: list[Issue],
) -> Survey:
    years = sorted((y for y in by_year if y is not None), key=int)
    if year is not None and year in by_year:
        current = year
    elif years:
        current = years[-1]
    else:
        current = None
    rows: list[tuple[str, str, str, int, dict[str, str]]] = []
    assessment: dict[str, Any] = {}
    row = by_year.get(current)
    if row is not None:
        assessment = {k: v for k, v in zip(row.keys, row.values, strict=True) if v is not MISSING}
        rows.append((ASSESSMENT, row.file, row.sheet, row.row, row.letters))
    if current is not None:
        assessment["assessment_year"] = current
    earlier = [y for y in years if current is not None and y < current]
    baseline = None
    if earlier:
        row = by_year[earlier[0]]
        per_year = row.baseline_letters
        baseline = {k: v for k, v in zip(row.keys, row.values, strict=True) if v is not MISSING and k in per_year}
        rows.append((BASELINE, row.file, row.sheet, row.row, row.baseline_letters))
        assessment["baseline_year"] = earlier[0]
    extra: dict[str, Location] = {}
    sources = RowSources(tuple(rows), extra)
    for role_key in ("assessment_year", "baseline_year"):
        if role_key in assessment:
            row_source = sources.get(f"{ASSESSMENT}.community_id") or sources.get(f"{ASSESSMENT}.community_name")
            if row_source:
                extra[f"{ASSESSMENT}.{role_key}"] = row_source
    survey = Survey(file, "table", assessment, baseline, sources, tuple(file_issues + own))
    return survey.with_issues(check_survey(survey, fields))


def read_survey(
    path: Path | str, *, community: str | None = None, year: int | None = None, limits: Limits | None = None
) -> Survey:
    """The one community to assess from a file: a form workbook, or a table with `community`."""
    book = read_workbook(path, year=year, limits=limits)
    surveys = book.surveys
    if not surveys:
        issue = next((i for i in book.issues if i.is_error), Issue("no_data_rows", Location(book.file)))
        raise InputError(issue)
    if community is not None:
        chosen = [s for s in surveys if community in (s.community_id, s.name)]
        if not chosen:
            raise UsageError("community_not_found", community=community, choices=_choices(surveys))
        return chosen[0]
    if len(surveys) > 1:
        raise UsageError("community_required", count=len(surveys), choices=_choices(surveys))
    return surveys[0]


def _choices(surveys: list[Survey]) -> str:
    ids = [s.community_id for s in surveys]
    return ", ".join(ids[:12]) + (" …" if len(ids) > 12 else "")
