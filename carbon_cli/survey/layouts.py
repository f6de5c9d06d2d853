"""The two survey layouts and how each is found and read from a sheet grid.

*form*: one community per workbook, a sheet per topic, one row per field with columns for the
key, label, unit, baseline-year value and assessment-year value.
*table*: one sheet, one row per community per year, one column per field, with a year column.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from carbon_cli.survey.cells import (
    FORMULA_WITHOUT_VALUE,
    Merged,
    SheetGrid,
    column_letter,
    coordinate,
)
from carbon_cli.survey.fields import Dictionary, FieldSpec, HeaderMatch, normalize
from carbon_cli.survey.issues import Issue, Location
from carbon_cli.survey.model import ASSESSMENT, BASELINE
from carbon_cli.survey.values import MISSING, ValueProblem, checked_quantity, parse_value, shown, unit_factor

# Column headings of the form layout, as the template writes them and as people retype them.
FORM_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("字段键", "key", "字段代码", "代码", "键", "fieldkey"),
    "label": ("指标", "指标名称", "字段", "字段名称", "项目", "调研内容", "名称", "field", "label", "item"),
    "unit": ("单位", "计量单位", "unit", "units"),
    "baseline": (
        "基准年数值",
        "基准年",
        "基准年值",
        "基准年数据",
        "baseline",
        "baselinevalue",
        "baseline-yearvalue",
        "baselineyear",
    ),
    "assessment": (
        "评价年数值",
        "评价年",
        "评价年值",
        "评价年数据",
        "本年数值",
        "数值",
        "填报值",
        "assessment",
        "assessmentvalue",
        "assessment-yearvalue",
        "assessmentyear",
        "value",
    ),
    "source": ("数据来源", "来源", "source", "datasource"),
    "note": ("备注", "说明", "note", "notes", "remark"),
}
YEAR_HEADERS = frozenset(normalize(h) for h in ("year", "年份", "核算年份", "年度", "统计年份", "数据年份"))
_HEADER_SCAN_ROWS = 60  # non-empty rows searched for a header


def _heading(text: Any) -> str:
    value = unicodedata.normalize("NFKC", str(text))
    value = re.sub(r"[\(\[【].*?[\)\]】]", "", value)
    return normalize(value)


_FORM_LOOKUP = {normalize(h): role for role, names in FORM_COLUMNS.items() for h in names}


@dataclass(slots=True)
class CellRead:
    """A value read for one field and year, or nothing (MISSING) when the cell says no data."""

    value: Any
    location: Location


@dataclass(slots=True)
class TableRow:
    """One community-year row of a table: the value read for each column's field (MISSING where
    the cell says no data), and where the row is; a value's cell is its column on this row.

    `values` line up with `keys`, one tuple of field keys for every row of the sheet: a table of
    100,000 communities is held as these rows until each survey is made, a dict per row would
    double that."""

    values: tuple[Any, ...]
    keys: tuple[str, ...]
    file: str
    sheet: str
    row: int
    letters: dict[str, str]  # field key → column letter, one dict for every row of the sheet
    baseline_letters: dict[str, str]  # the same for the fields surveyed per year


@dataclass
class Records:
    """What a sheet yielded: values per community per year, plus issues found on the way."""

    layout: str
    # form: "" → year role → field key → CellRead; table: community key → year → TableRow
    rows: dict[str, dict[Any, Any]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def read_cell(
    dictionary: Dictionary,
    spec: FieldSpec,
    raw: Any,
    unit: str | None,
    location: Location,
    issues: list[Issue],
    community: str | None = None,
) -> Any:
    """Parse one raw cell for `spec`; problems become issues at `location`, result MISSING."""
    if isinstance(raw, Merged):
        raw = raw.value
    if raw is FORMULA_WITHOUT_VALUE:
        issues.append(Issue("formula_no_value", location, spec.key, community, found="="))
        return MISSING
    try:
        parsed = parse_value(raw, spec, unit, dictionary.max_abs_value)
    except ValueProblem as problem:
        issues.append(Issue(problem.code, location, spec.key, community, shown(raw), problem.params))
        return MISSING
    for code, params in parsed.warnings:
        issues.append(Issue(code, location, spec.key, community, shown(raw), params))
    return parsed.value


CellReader = Callable[[Any, str, list[Issue], "str | None"], Any]
_NOWHERE = Location("")
_MAX_TEXTS = 4096  # distinct texts remembered per column: yes/no, 万/units, "不详" repeat down a table


def cell_reader(
    dictionary: Dictionary, spec: FieldSpec, unit: str | None, file: str, sheet: str, letter: str
) -> CellReader:
    """`read_cell` for every cell of one table column (`letter`), with the same results, given
    the row number as text: the column's unit factor is worked out once, what each distinct
    text reads as is remembered, and a cell's Location is made only for an issue."""
    max_abs = dictionary.max_abs_value
    factor: float | None = None
    if spec.is_quantity:
        with contextlib.suppress(ValueProblem):  # an unknown unit: read_cell reports each number
            factor = unit_factor(unit, spec)
    plain = spec.dimension not in ("percent", "year")
    whole = spec.type == "int"
    texts: dict[str, tuple[Any, tuple[tuple[str, str | None, dict[str, Any]], ...]]] = {}

    def read(raw: Any, row: str, issues: list[Issue], community: str | None = None) -> Any:
        kind = type(raw)
        if raw is None:
            return MISSING
        if factor is not None and (kind is float or kind is int):
            number = float(raw) * factor
            if plain and 0 <= number <= max_abs:  # what checked_quantity finds of most numbers
                if not whole:
                    return number
                if number.is_integer():
                    return int(number)
            try:
                return checked_quantity(number, spec, max_abs)
            except ValueProblem as problem:
                where = Location(file, sheet, letter + row)
                issues.append(Issue(problem.code, where, spec.key, community, str(raw), problem.params))
                return MISSING
        if kind is str:
            outcome = texts.get(raw)
            if outcome is None:
                found: list[Issue] = []
                value = read_cell(dictionary, spec, raw, unit, _NOWHERE, found)
                outcome = (value, tuple((i.code, i.found, i.params) for i in found))
                if len(texts) < _MAX_TEXTS:
                    texts[raw] = outcome
            value, problems = outcome
            if problems:
                where = Location(file, sheet, letter + row)
                for code, text, params in problems:
                    issues.append(Issue(code, where, spec.key, community, text, dict(params)))
            return value
        return read_cell(dictionary, spec, raw, unit, Location(file, sheet, letter + row), issues, community)

    return read


def merged_elsewhere(
    raw: Any,
    row: int,
    col: int,
    by_row: bool,
    location: Location,
    spec: FieldSpec,
    issues: list[Issue],
    community: str | None = None,
) -> bool:
    """Whether `raw` shows the value of a merged range anchored in another field's cell.

    A merge within one field's cells (the same row of a form, the same column of a table) means
    "the same value here"; one across fields cannot say which field the value belongs to.
    """
    if not isinstance(raw, Merged) or (raw.row == row if by_row else raw.col == col):
        return False
    found = raw.hidden if raw.hidden is not None else raw.value
    issues.append(
        Issue("merged_value_cell", location, spec.key, community, str(found), {"area": raw.area, "anchor": raw.anchor})
    )
    return True


Rows = Iterator[tuple[int, tuple[Any, ...]]]


def find_header(rows: Rows, dictionary: Dictionary) -> tuple[tuple[str, int, tuple[Any, ...]] | None, bool]:
    """The layout a sheet is in, from its first header-like row: (("form"|"table", row, cells),
    whether any data was seen). `rows` is left just past the header, for the layout's reader."""
    seen = 0
    for r, values in rows:
        if not any(v is not None and str(v).strip() for v in values):
            continue
        seen += 1
        roles = {_FORM_LOOKUP.get(_heading(v)) for v in values if v is not None}
        if "assessment" in roles and ({"key", "label"} & roles):
            return ("form", r, values), True
        matched = sum(1 for v in values if v is not None and dictionary.match(v))
        if matched >= 3:
            return ("table", r, values), True
        if seen >= _HEADER_SCAN_ROWS:
            break
    return None, seen > 0


def read_form(
    grid: SheetGrid,
    rows: Rows,
    header_row: int,
    header: tuple[Any, ...],
    dictionary: Dictionary,
    file: str,
    records: Records,
) -> None:
    columns: dict[str, int] = {}
    for c, v in enumerate(header):
        role = _FORM_LOOKUP.get(_heading(v)) if v is not None else None
        if role and role not in columns:
            columns[role] = c
    store = records.rows.setdefault("", {})
    for r, values in rows:
        if r <= header_row:
            continue

        def cell(role: str, values: tuple[Any, ...] = values) -> Any:
            c = columns.get(role)
            if c is None or c >= len(values):
                return None
            v = values[c]
            return v.value if isinstance(v, Merged) and role in ("key", "label", "unit") else v

        key_text, label_text = cell("key"), cell("label")
        match: HeaderMatch | None = dictionary.match(key_text) or dictionary.match(label_text)
        value_cells = {role: cell(role) for role in ("baseline", "assessment")}
        if match is None:
            if any(v is not None and str(v).strip() for v in value_cells.values()):
                name = key_text if key_text is not None else label_text
                loc = Location(file, grid.name, coordinate(r, columns.get("label", 0) + 1))
                records.issues.append(Issue("unknown_field", loc, found=str(name)))
            continue
        spec = match.field
        unit_text = cell("unit")
        unit = match.unit
        if unit_text is not None and str(unit_text).strip():
            unit = str(unit_text).strip()
        roles = (
            (("assessment", ASSESSMENT), ("baseline", BASELINE))
            if spec.per_year
            else (("assessment", ASSESSMENT), ("baseline", ASSESSMENT))
        )
        for column_role, year_role in roles:
            raw = value_cells[column_role]
            if column_role not in columns:
                continue
            col = columns[column_role] + 1
            loc = Location(file, grid.name, coordinate(r, col))
            if raw is None:  # no value, but this is where it belongs (a missing one is marked here)
                store.setdefault(year_role, {}).setdefault(spec.key, CellRead(MISSING, loc))
                continue
            held = store.get(ASSESSMENT, {}).get(spec.key)
            if not spec.per_year and held is not None and held.value is not MISSING:
                continue  # identity fields: the assessment column wins over a stray baseline
            if merged_elsewhere(raw, r, col, True, loc, spec, records.issues):
                continue
            _store(dictionary, spec, raw, unit, loc, store.setdefault(year_role, {}), records)


def _store(
    dictionary: Dictionary,
    spec: FieldSpec,
    raw: Any,
    unit: str | None,
    loc: Location,
    target: dict[str, CellRead],
    records: Records,
    community: str | None = None,
) -> None:
    value = read_cell(dictionary, spec, raw, unit, loc, records.issues, community)
    previous = target.get(spec.key)
    if previous is not None:
        if previous.value is MISSING or value is MISSING or previous.value == value:
            if previous.value is MISSING:
                target[spec.key] = CellRead(value, loc)
            return
        records.issues.append(
            Issue(
                "duplicate_field", loc, spec.key, community, found=str(raw), params={"other": _where(previous.location)}
            )
        )
        return
    target[spec.key] = CellRead(value, loc)


def _where(location: Location) -> str:
    return f"{location.sheet}!{location.cell}" if location.sheet else str(location.cell)


def read_table(
    grid: SheetGrid,
    rows: Rows,
    header_row: int,
    header: tuple[Any, ...],
    dictionary: Dictionary,
    file: str,
    records: Records,
) -> None:
    columns: list[tuple[int, HeaderMatch]] = []
    year_col: int | None = None
    seen_keys: dict[str, int] = {}
    for c, v in enumerate(header):
        if v is None or not str(v).strip():
            continue
        if _heading(v) in YEAR_HEADERS or normalize(str(v)) in YEAR_HEADERS:
            year_col = c
            continue
        match = dictionary.match(v)
        loc = Location(file, grid.name, coordinate(header_row, c + 1))
        if match is None:
            records.issues.append(Issue("unknown_field", loc, found=str(v)))
            continue
        if match.field.key in seen_keys:
            records.issues.append(
                Issue(
                    "duplicate_field",
                    loc,
                    match.field.key,
                    found=str(v),
                    params={"other": coordinate(header_row, seen_keys[match.field.key] + 1)},
                )
            )
            continue
        seen_keys[match.field.key] = c
        columns.append((c, match))
    if year_col is None and "assessment_year" in seen_keys:
        year_col = seen_keys["assessment_year"]
        columns = [(c, m) for c, m in columns if m.field.key != "assessment_year"]
    id_col = seen_keys.get("community_id", seen_keys.get("community_name"))
    year_spec = dictionary["assessment_year"]
    sheet = grid.name
    issues = records.issues
    readers = []
    for c, match in columns:
        letter = column_letter(c + 1)
        read = cell_reader(dictionary, match.field, match.unit, file, sheet, letter)
        readers.append((c, match.field, match.field.key, letter, read))
    keys = tuple(key for _, _, key, _, _ in readers)
    letters = {key: letter for _, _, key, letter, _ in readers}
    baseline_letters = {key: letter for key, letter in letters.items() if dictionary[key].per_year}
    data_rows = 0
    for r, values in _after(rows, header_row):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        data_rows += 1
        community = values[id_col] if id_col is not None and id_col < len(values) else None
        if isinstance(community, Merged):
            community = community.value
        community_key = (
            ""
            if community is None
            else str(int(community) if isinstance(community, float) and community.is_integer() else community).strip()
        )
        if not community_key:
            loc = Location(file, sheet, coordinate(r, (id_col or 0) + 1))
            issues.append(Issue("missing_community_id", loc, "community_id"))
            continue
        year: Any = None
        if year_col is not None:
            loc = Location(file, sheet, coordinate(r, year_col + 1))
            raw_year = values[year_col] if year_col < len(values) else None
            year = read_cell(dictionary, year_spec, raw_year, None, loc, issues, community_key)
            if year is MISSING:
                if raw_year is None:
                    issues.append(Issue("missing_year", loc, "year", community_key))
                continue
        by_year = records.rows.setdefault(community_key, {})
        if year in by_year:
            loc = Location(file, sheet, coordinate(r, (year_col or 0) + 1))
            issues.append(
                Issue("duplicate_year", loc, "year", community_key, params={"community": community_key, "year": year})
            )
            continue
        target: list[Any] = []
        width = len(values)
        row = str(r)
        for c, spec, _, letter, read in readers:
            raw = values[c] if c < width else None
            if type(raw) is Merged:
                loc = Location(file, sheet, letter + row)
                if merged_elsewhere(raw, r, c + 1, False, loc, spec, issues, community_key):
                    target.append(MISSING)
                    continue
                raw = raw.value
            target.append(read(raw, row, issues, community_key))
        by_year[year] = TableRow(tuple(target), keys, file, sheet, r, letters, baseline_letters)
    if data_rows == 0:
        records.issues.append(Issue("no_data_rows", Location(file, grid.name)))


def _after(rows: Iterator[tuple[int, tuple[Any, ...]]], header_row: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for r, values in rows:
        if r > header_row:
            yield r, values
