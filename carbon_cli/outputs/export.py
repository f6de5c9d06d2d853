"""Batch results as CSV, XLSX and JSON; safe file names; spreadsheet formula-injection guard."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from carbon_cli.core.jsonio import dumps

# A cell starting with one of these is run as a formula by Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_LEADING_BLANKS = " \u3000\u00a0\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would evaluate gets a leading apostrophe; numbers pass unchanged.

    Leading spaces and control characters do not protect a formula (some importers strip
    them), so they are looked past.
    """
    if isinstance(value, str) and value.lstrip(_LEADING_BLANKS).startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(columns: list[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
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
    top-left cell that stays in view (header row, and the columns left of it); `note`: what the
    sheet is for, as a comment on its first heading (and a grey tab). `wrap`: a column of longer
    text is this wide, its text wrapped, and a heading wraps to three lines (whole words), so more
    columns fit a page; `fit`: printed this many pages wide and tall (0: as many as it takes).
    """

    title: str
    columns: list[str]
    rows: Sequence[Mapping[str, Any]]
    headers: list[str] | None = None
    formats: dict[str, str] = field(default_factory=dict)
    links: tuple[str, ...] = ()
    freeze: str = "A2"
    autofilter: bool = False
    note: str | None = None
    wrap: int | None = None
    fit: tuple[int, int] = (0, 0)


def xlsx_bytes(sheets: Sequence[Sheet | tuple[str, list[str], Sequence[Mapping[str, Any]]]]) -> bytes:
    """Sheets (or (title, columns, rows)); strings neutralised, bytes identical across runs.

    Written with XlsxWriter in its constant-memory mode (rows stream to a temporary file), at
    two to three times openpyxl's speed: results.xlsx is most of a large table batch's output.
    Every value is written by its type, so no text is ever taken for a formula or a link."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    import xlsxwriter

    from carbon_cli.core.fileio import FIXED_TIME
    from carbon_cli.core.i18n import display_width

    with tempfile.TemporaryDirectory(prefix="carbon-xlsx-") as folder:
        path = Path(folder) / "results.xlsx"
        book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": folder,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        book.set_properties({"author": "carbon-cli", "created": dt.datetime(*FIXED_TIME)})
        header = book.add_format(
            {"bold": True, "bg_color": "#DCE6E8", "pattern": 1, "valign": "top", "text_wrap": True}
        )
        link = book.add_format({"font_color": "#1F4E5A", "underline": 1, "valign": "top"})
        linked = False
        cell_formats: dict[tuple[str | None, bool], Any] = {}
        for spec in sheets:
            if not isinstance(spec, Sheet):
                spec = Sheet(*spec)
            columns, rows = spec.columns, spec.rows
            headers = spec.headers or columns
            sheet = book.add_worksheet(spec.title)
            formats = {}
            widths: list[float] = []
            wrapped_columns: list[int] = []
            for i, (column, title) in enumerate(zip(columns, headers, strict=True)):
                code, wrapped = spec.formats.get(column), False
                shown = max((display_width(_shown(r.get(column), code)) for r in rows[:200]), default=0)
                if spec.wrap:
                    wrapped = shown > spec.wrap
                    width = max(5, min(shown, spec.wrap), _heading_width(title)) + 1.5
                    if wrapped:
                        wrapped_columns.append(i)
                else:
                    width = max(7, display_width(title) / (2 if len(title) > 16 else 1) + 2, shown + 2)
                widths.append(min(60, width))
                key = (code, wrapped)
                if key not in cell_formats:  # a cell's format: its number format, at the top, wrapped
                    props: dict[str, Any] = {"num_format": code} if code else {}
                    if spec.wrap:
                        props |= {"valign": "top", "text_wrap": wrapped}
                    cell_formats[key] = book.add_format(props) if props else None
                formats[column] = cell_formats[key]
                sheet.set_column(i, i, widths[-1], formats[column] if spec.wrap else None)
            frozen_row, frozen_col = _cell_index(spec.freeze)
            sheet.freeze_panes(frozen_row, frozen_col)
            # printed as the table template prints: A4 landscape across pages, the header row and
            # the columns kept in view (rank, ID, name) on every page, page numbers in the footer
            sheet.set_paper(9)
            sheet.set_landscape()
            if spec.fit != (0, 0):
                sheet.fit_to_pages(*spec.fit)
            else:
                sheet.set_print_scale(80)
            sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
            sheet.set_footer("&C&P / &N", {"margin": 0.25})
            sheet.repeat_rows(0)
            if frozen_col:
                sheet.repeat_columns(0, frozen_col - 1)
            if spec.autofilter and columns:
                sheet.autofilter(0, 0, len(rows), len(columns) - 1)
            if spec.wrap:  # rows as tall as their wrapped text (a spreadsheet may not work it out)
                sheet.set_row(0, LINE * max(_lines(t, w - 1) for t, w in zip(headers, widths, strict=True)))
            for i, title in enumerate(headers):
                sheet.write_string(0, i, title, header)
            if spec.note:
                sheet.write_comment(0, 0, spec.note, {"x_scale": 3, "y_scale": 1.5})
                sheet.set_tab_color("#BFBFBF")
            for r, row in enumerate(rows, start=1):
                if wrapped_columns:
                    texts = ((row.get(columns[i]), widths[i] - 1) for i in wrapped_columns)
                    # a text of n characters is at most 2n wide: most fit their line, unmeasured
                    lines = max(
                        _lines(v, w) if isinstance(v, str) and (2 * len(v) > w or "\n" in v) else 1 for v, w in texts
                    )
                    if lines > 1:
                        sheet.set_row(r, LINE * lines)
                for i, column in enumerate(columns):
                    value = row.get(column)
                    kind = type(value)
                    if kind is float or kind is int:  # most cells: nothing to neutralise
                        sheet.write_number(r, i, value, formats.get(column))
                        continue
                    value = neutralise(_xlsx_value(value))
                    if value is None or value == "":
                        continue
                    if isinstance(value, bool):
                        sheet.write_boolean(r, i, value)
                    elif isinstance(value, int | float):
                        sheet.write_number(r, i, value, formats.get(column))
                    elif column in spec.links and not value.startswith("'"):
                        sheet.write_url(r, i, f"external:{value}", link, value)
                        linked = True
                    else:
                        sheet.write_string(r, i, str(value))
        book.close()
        return _forward_slashes(path.read_bytes()) if linked else path.read_bytes()


LINE = 15  # points a line of 11-point text takes in a spreadsheet row
LATIN = 0.9  # a Latin letter's width, in digits (the unit of column widths), on average


def _lines(text: str, width: float) -> int:
    """About how many lines `text` takes wrapped at `width` character widths (of a digit): Latin
    words whole (broken only when longer than a line) and a little narrower than digits, a space
    half a digit, Chinese two, broken between any two characters. Rather one too many than one
    too few (a cut-off line is worse than some space)."""
    from carbon_cli.core.i18n import display_width

    lines, used = 1, 0.0
    for token in re.findall(r"\n|[!-~]+ *| +|.", text):
        if token == "\n":
            lines, used = lines + 1, 0.0
            continue
        bare = token.rstrip(" ")
        word = LATIN * len(bare) if bare.isascii() else float(display_width(bare))
        if used and used + word > width:
            lines, used = lines + 1, 0.0
        while word > width:  # a word longer than the line
            lines, word = lines + 1, word - width
        used += word + 0.5 * (len(token) - len(bare))
    return lines


def _heading_width(title: str) -> int:
    """How wide a column must be for `title` to wrap to three lines at most, words whole."""
    from carbon_cli.core.i18n import display_width

    words = re.findall(r"[!-~]+", title)  # Latin words, numbers and units; Chinese breaks anywhere
    return max(-(-display_width(title) // 3), *map(len, words), 0)


def _cell_index(ref: str) -> tuple[int, int]:
    """ "D2" → (1, 3): the zero-based row and column of an A1 reference."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref)
    return row - 1, column_index_from_string(letters) - 1


def _forward_slashes(data: bytes) -> bytes:
    """XlsxWriter writes a relative file link Windows-style (reports\\x.md); every spreadsheet
    program reads reports/x.md, so the links' targets are rewritten with forward slashes."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/_rels/"):
                part = re.sub(rb'Target="([^"]*)"', lambda m: b'Target="' + m[1].replace(b"\\", b"/") + b'"', part)
            dst.writestr(info, part)
    return out.getvalue()


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
    "pathway_net_cost_yuan": "#,##0",
    "appraisal_years": "0",
    "pathway_tco2e_reduced": "#,##0.0",
    "score_after_pathway": "0.0",
    "compare_score": "0.0",
}


PEOPLE_WRAP = 16  # a column of longer text on the people's sheets: this wide, wrapped


def people_sheets(
    columns: list[str],
    rows: Sequence[Mapping[str, Any]],
    failure_columns: list[str],
    failures: list[dict[str, Any]],
    lang: str,
    grades: dict[str, str],
    report_format: str = "md",
) -> list[Sheet]:
    """The results and the failures as people read them: headings, grades (the criteria set's
    own names, `grades`), verdicts and feasibility in `lang`, numbers formatted, a filter on
    every column, the header and the community's rank, ID and name kept in view; the report
    linked in `report_format` (the most readable one written)."""
    from carbon_cli.core.i18n import column_label, term
    from carbon_cli.outputs.markdown import retarget

    def shown(row: dict[str, Any]) -> dict[str, Any]:
        feasibility = row.get("feasibility")
        report = row.get("report")
        compared = {"compare_verdict": term(str(row["compare_verdict"]), lang)} if "compare_verdict" in row else {}
        return {
            **row,
            "report": retarget(report, report_format) if report else report,
            "grade": grades.get(row.get("grade") or "", row.get("grade")),
            "verdict": term(str(row.get("verdict")), lang),
            "feasibility": column_label("feasibility.unknown", lang)
            if feasibility == "unknown"
            else term(str(feasibility), lang),
            **compared,
            # 是 / 否, not TRUE / FALSE (LibreOffice prints a false as 0)
            **{k: term("yes" if v else "no", lang) for k, v in row.items() if isinstance(v, bool)},
        }

    return [
        Sheet(
            column_label("sheet.results", lang),
            columns,
            Mapped(rows, shown),
            [column_label(c, lang) for c in columns],
            RESULT_FORMATS,
            links=("report",),
            freeze="D2",
            autofilter=True,
            wrap=PEOPLE_WRAP,
            fit=(2, 0),  # two pages wide (the rank, ID and name repeated on each), as tall as it takes
        ),
        Sheet(
            column_label("sheet.failures", lang),
            failure_columns,
            failures,
            [column_label(c, lang) for c in failure_columns],
            autofilter=True,
            wrap=2 * PEOPLE_WRAP,
            fit=(1, 0),
        ),
    ]


class Mapped(Sequence[Any]):
    """`fn` over `items`, each made when asked for: rows shown differently, not copied."""

    def __init__(self, items: Sequence[Any], fn: Callable[[Any], Any]) -> None:
        self.items, self.fn = items, fn

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.fn(item) for item in self.items[index]]
        return self.fn(self.items[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self.fn, self.items)


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
    if isinstance(value, str) and not value.isprintable():  # most text is: no search needed
        return _ILLEGAL_XML.sub("", value)
    return value


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
