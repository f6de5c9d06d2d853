"""Batch results as CSV, XLSX and JSON; safe file names; spreadsheet formula-injection guard."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from carbon_cli.serialize import dumps

# A cell starting with one of these is run as a formula by Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]|[\ud800-\udfff]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9]|conin\$|conout\$|clock\$)(\..*)?$", re.IGNORECASE)
_LEADING_BLANKS = " \u3000\u00a0\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
MAX_NAME_BYTES = 120


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would evaluate gets a leading apostrophe; numbers pass unchanged.

    Leading spaces and control characters do not protect a formula (some importers strip
    them), so they are looked past.
    """
    if isinstance(value, str) and value.lstrip(_LEADING_BLANKS).startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_filename(name: str, fallback: str = "community") -> str:
    """A file name from a community id or name that cannot leave its folder on any system."""
    text = unicodedata.normalize("NFKC", name)
    text = _UNSAFE.sub("_", text).strip(" .")
    text = re.sub(r"_{2,}", "_", text)
    if not text or set(text) <= {"_", "."}:
        text = fallback
    if _RESERVED.match(text):
        text = "_" + text
    text = text.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore")  # cut at a character boundary
    return text.rstrip(" .") or fallback


def unique_names(names: list[str]) -> list[str]:
    """Make names unique case-insensitively (for case-insensitive file systems): a, a-2, a-3."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name}-{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def csv_bytes(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM so Excel and WPS open Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell_text(neutralise(row.get(c))) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Sheet:
    """A sheet of results.xlsx: `rows` (dicts) under `columns` (keys), shown under `headers`.

    `formats`: Excel number format per column (the value stays unrounded, only its display is
    rounded); `links`: columns holding a relative path, written as a working link; `freeze`: the
    top-left cell that stays in view (header row, and the columns left of it).
    """

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    headers: list[str] | None = None
    formats: dict[str, str] = field(default_factory=dict)
    links: tuple[str, ...] = ()
    freeze: str = "A2"
    autofilter: bool = False


def xlsx_bytes(sheets: list[Sheet | tuple[str, list[str], list[dict[str, Any]]]]) -> bytes:
    """Sheets (or (title, columns, rows)); strings neutralised, bytes identical across runs.
    Written in openpyxl's write-only mode: rows stream out instead of living as cell objects."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from carbon_cli.fileio import workbook_bytes
    from carbon_cli.outputs import display_width

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6E8")
    wrap = Alignment(vertical="top", wrap_text=True)
    link_font = Font(color="1F4E5A", underline="single")
    for spec in sheets:
        if not isinstance(spec, Sheet):
            spec = Sheet(*spec)
        columns, rows = spec.columns, spec.rows
        headers = spec.headers or columns
        sheet = book.create_sheet(spec.title)
        sheet.freeze_panes = spec.freeze
        for i, (column, header) in enumerate(zip(columns, headers, strict=True), start=1):
            shown = [_shown(r.get(column), spec.formats.get(column)) for r in rows[:200]]
            width = max([display_width(header) / (2 if len(header) > 16 else 1), *map(display_width, shown)])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(7, width + 2))
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font, cell.fill, cell.alignment = bold, fill, wrap
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            cells: list[Any] = []
            for column in columns:
                value = neutralise(_xlsx_value(row.get(column)))
                number_format = spec.formats.get(column)
                if (number_format and isinstance(value, int | float)) or (column in spec.links and value):
                    cell = WriteOnlyCell(sheet, value=value)
                    if number_format:
                        cell.number_format = number_format
                    if column in spec.links and isinstance(value, str) and not value.startswith("'"):
                        cell.hyperlink = value
                        cell.font = link_font
                    value = cell
                cells.append(value)
            sheet.append(cells)
        if spec.autofilter and columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    return workbook_bytes(book)


# The people's sheet of results.xlsx: how each number is shown (tCO2e to 0.1, per capita to
# 0.01, scores to 0.1); grades, verdicts and feasibility in words; the report as a link.
RESULT_FORMATS = {
    "rank": "0",
    "assessment_year": "0",
    "baseline_year": "0",
    "net_tco2e": "#,##0.0",
    "per_capita_tco2e": "0.00",
    "score": "0.0",
    "pathway_effort": "0",
    "pathway_upfront_yuan": "#,##0",
    "pathway_subsidy_yuan": "#,##0",
    "pathway_annual_net_yuan": "#,##0",
    "pathway_tco2e_reduced": "#,##0.0",
    "score_after_pathway": "0.0",
}


def people_sheets(
    columns: list[str],
    rows: list[dict[str, Any]],
    failure_columns: list[str],
    failures: list[dict[str, Any]],
    lang: str,
    grades: dict[str, str],
) -> list[Sheet]:
    """The results and the failures as people read them: headings, grades (the criteria set's
    own names, `grades`), verdicts and feasibility in `lang`, numbers formatted, a filter on
    every column, the header and the community's rank, ID and name kept in view."""
    from carbon_cli.i18n import column_label, term

    def shown(row: dict[str, Any]) -> dict[str, Any]:
        feasibility = row.get("feasibility")
        return {
            **row,
            "grade": grades.get(row.get("grade") or "", row.get("grade")),
            "verdict": term(str(row.get("verdict")), lang),
            "feasibility": column_label("feasibility.unknown", lang)
            if feasibility == "unknown"
            else term(str(feasibility), lang),
        }

    return [
        Sheet(
            column_label("sheet.results", lang),
            columns,
            [shown(r) for r in rows],
            [column_label(c, lang) for c in columns],
            RESULT_FORMATS,
            links=("report",),
            freeze="D2",
            autofilter=True,
        ),
        Sheet(
            column_label("sheet.failures", lang),
            failure_columns,
            failures,
            [column_label(c, lang) for c in failure_columns],
            autofilter=True,
        ),
    ]


def _shown(value: Any, number_format: str | None) -> str:
    """Roughly what Excel shows for `value` (to size the column)."""
    if value is None:
        return ""
    if isinstance(value, float) and number_format:
        decimals = len(number_format.split(".")[1]) if "." in number_format else 0
        return f"{value:,.{decimals}f}"
    return str(value)


def _xlsx_value(value: Any) -> Any:
    """A value openpyxl can store; neutralised after this, so a removed character cannot
    uncover a formula."""
    if isinstance(value, list | tuple | dict):
        return dumps(value).strip()
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
