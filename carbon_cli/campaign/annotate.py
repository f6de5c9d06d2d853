"""Workbooks sent back marked: a copy of each survey with problems, every problem cell highlighted
(errors red, warnings amber) and commented in the filler's language, and a first sheet
(数据问题 / Problems) listing every problem with a link to its cell.

The copy is the user's workbook loaded in full by openpyxl after the same hostile-input
screening as any survey (`survey.workbook.opened`): sheets, values, formulas, formats, merged
cells, drop-downs and conditional formats are kept. What openpyxl cannot carry (pictures without
Pillow, shapes) is counted by comparing the packages, and said. The original is never written.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_cli.core.i18n import display_width, term
from carbon_cli.survey.cells import split_coordinate
from carbon_cli.survey.container import Limits
from carbon_cli.survey.issues import Issue
from carbon_cli.survey.workbook import opened

if TYPE_CHECKING:
    from openpyxl import Workbook

ERROR_FILL = "FFC7CE"  # Excel's "bad" red
WARNING_FILL = "FFEB9C"  # Excel's "neutral" amber
AUTHOR = "carbon-cli"
SHEET_NAME = {"zh": "数据问题", "en": "Problems"}
# Parts of a package openpyxl may not carry into the copy: counted before and after.
_KEPT_KINDS = {
    "xl/media/": ("图片", "pictures"),
    "xl/charts/chart": ("图表", "charts"),
    "xl/drawings/drawing": ("绘图（图形、文本框）", "drawings (shapes, text boxes)"),
    "xl/pivotTables/": ("数据透视表", "pivot tables"),
    "xl/vbaProject": ("宏", "macros"),
}


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class AnnotatedCopy:
    """One marked copy: its bytes, where each problem was marked, and what openpyxl dropped."""

    name: str
    data: bytes
    marked: dict[tuple[str, str], list[Issue]]  # (sheet, cell) → the problems noted there
    listed_only: list[Issue]  # problems with no cell to mark (file- or sheet-level)
    lost: list[tuple[str, str, int]] = field(default_factory=list)  # (zh, en, how many)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def can_annotate(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def comment_text(issues: Iterable[Issue], lang: str) -> str:
    """What a cell's comment says: each problem, what was found and what is expected."""
    parts = []
    for issue in issues:
        lines = [f"{term(issue.severity, lang)}{_t(lang, '：', ': ')}{issue.message(lang)}"]
        if issue.found not in (None, ""):
            lines.append(f"{_t(lang, '发现', 'Found')}{_t(lang, '：', ': ')}{issue.found}")
        expected = issue.expected(lang)
        if expected:
            lines.append(f"{_t(lang, '应为', 'Expected')}{_t(lang, '：', ': ')}{expected}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _anchor(ws: Any, ref: str) -> Any:
    """The cell a comment can go on: a cell inside a merged range is shown by its top-left."""
    cell = ws[ref]
    if type(cell).__name__ == "MergedCell":
        for merged in ws.merged_cells.ranges:
            if ref in merged:
                return ws.cell(merged.min_row, merged.min_col)
    return cell


def annotate(path: Path, issues: list[Issue], lang: str = "zh", limits: Limits | None = None) -> AnnotatedCopy:
    """The marked copy of the workbook at `path` (which has `issues`), as bytes."""
    import warnings

    import openpyxl
    from openpyxl.comments import Comment

    from carbon_cli.core.fileio import workbook_bytes

    with opened(path, limits):  # the hostile-input screening every survey goes through
        pass
    original = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(
            io.BytesIO(original), keep_vba=path.suffix.lower() == ".xlsm", rich_text=True, keep_links=True
        )
    issues = _without_consequences(issues)
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    listed_only: list[Issue] = []
    for issue in issues:
        sheet, ref = issue.location.sheet, issue.location.cell
        if sheet in wb.sheetnames and ref and split_coordinate(ref):
            anchor = _anchor(wb[sheet], ref)
            by_cell.setdefault((sheet, anchor.coordinate), []).append(issue)
        else:
            listed_only.append(issue)
    for (sheet, ref), found in by_cell.items():
        cell = wb[sheet][ref]
        cell.fill = _mark("error" if any(i.is_error for i in found) else "warning")
        text = _ILLEGAL_XML.sub("", comment_text(found, lang))
        if cell.comment is not None and cell.comment.text:  # keep the filler's own note, ours after it
            text = f"{cell.comment.text}\n——\n{text}"
        lines = sum(1 + len(line) // 28 for line in text.splitlines())
        cell.comment = Comment(text, AUTHOR, width=260, height=min(400, 18 * lines + 12))
    for sheet in {sheet for sheet, _ in by_cell}:
        wb[sheet].page_setup.cellComments = "atEnd"  # a printed copy carries its comments too
    _problems_sheet(wb, path.name, _in_sheet_order(issues, by_cell, wb.sheetnames), by_cell, lang)
    data = workbook_bytes(wb)
    return AnnotatedCopy(path.name, data, by_cell, listed_only, _lost(original, data))


def _without_consequences(issues: list[Issue]) -> list[Issue]:
    """Drop "required field missing" where the same cell already says why its value was not
    read (an unreadable number is not also a missing one to the person fixing it)."""
    explained = {(i.location, i.field) for i in issues if i.is_error and i.code != "missing_required"}
    return [i for i in issues if i.code != "missing_required" or (i.location, i.field) not in explained]


def _in_sheet_order(issues: list[Issue], by_cell: dict[tuple[str, str], list[Issue]], sheets: list[str]) -> list[Issue]:
    """Problems as the person fixing them meets them: those with no cell first, then sheet by
    sheet, top to bottom, left to right."""
    cell_of = {id(i): key for key, found in by_cell.items() for i in found}

    def position(issue: Issue) -> tuple[int, int, int]:
        if id(issue) not in cell_of:
            return (-1, 0, 0)
        sheet, ref = cell_of[id(issue)]
        row, col = split_coordinate(ref) or (0, 0)
        return (sheets.index(sheet), row, col)

    return sorted(issues, key=position)


def _mark(severity: str) -> Any:
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=ERROR_FILL if severity == "error" else WARNING_FILL)


def text_cell(ws: Any, row: int, col: int, value: Any) -> Any:
    """A cell holding `value` as written: text that starts with "=" stays text, never a formula."""
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
    cell = ws.cell(row, col, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _lost(original: bytes, copy: bytes) -> list[tuple[str, str, int]]:
    def count(data: bytes) -> dict[str, int]:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
        return {kind: sum(1 for n in names if n.startswith(kind)) for kind in _KEPT_KINDS}

    before, after = count(original), count(copy)
    return [(*_KEPT_KINDS[k], before[k] - after[k]) for k in _KEPT_KINDS if before[k] > after[k]]


def _problems_sheet(
    wb: Workbook, name: str, issues: list[Issue], by_cell: dict[tuple[str, str], list[Issue]], lang: str
) -> None:
    """The first sheet: every problem with a link to its cell."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    title = SHEET_NAME[lang]
    while title in wb.sheetnames:  # a workbook marked before: never clobber a sheet of the user's
        title += "+"
    ws = wb.create_sheet(title, 0)
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0
    errors = sum(1 for i in issues if i.is_error)
    community = next((i.community for i in issues if i.community and i.community != "?"), None)
    about = f"{name}（{community}）" if lang == "zh" and community else f"{name} ({community})" if community else name
    text_cell(ws, 1, 1, _t(lang, f"数据问题 — {about}", f"Problems — {about}"))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = _t(
        lang,
        f"carbon-cli 检查发现 {errors} 个错误、{len(issues) - errors} 个警告。工作表中红色格子是错误（必须修改），"
        "黄色格子是警告（请核实）；鼠标移到格子上可看批注。点击下表“单元格”列可跳到该格子。"
        "改好后重新交回本工作簿即可（本表不影响读取）。",
        f"carbon-cli found {errors} error(s) and {len(issues) - errors} warning(s). In the sheets, red cells are "
        "errors (must be fixed) and amber cells warnings (please check); hover over a cell to read its comment. "
        "Click a cell address below to go there. Fix them and send this workbook back (this sheet is ignored "
        "when it is read).",
    )
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:H2")
    ws.row_dimensions[2].height = 48
    headers = (
        ("#", 5),
        (_t(lang, "级别", "Level"), 8),
        (_t(lang, "工作表", "Sheet"), 12),
        (_t(lang, "单元格", "Cell"), 9),
        (_t(lang, "字段", "Field"), 30),
        (_t(lang, "发现", "Found"), 16),
        (_t(lang, "应为", "Expected"), 30),
        (_t(lang, "说明", "Message"), 50),
    )
    header_row = 4
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, (text, width) in enumerate(headers, 1):
        cell = ws.cell(header_row, col, text)
        cell.font, cell.fill = Font(bold=True), fill
        ws.column_dimensions[cell.column_letter].width = width
    located = {id(i): key for key, found in by_cell.items() for i in found}
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, issue in enumerate(issues, 1):
        row = header_row + n
        where = located.get(id(issue))
        sheet = where[0] if where else issue.location.sheet
        ref = where[1] if where else None
        field = f"{issue.field_name(lang)} ({issue.field})" if issue.field else ""
        values = (
            n,
            term(issue.severity, lang),
            sheet,
            ref,
            field,
            issue.found,
            issue.expected(lang),
            issue.message(lang),
        )
        for col, value in enumerate(values, 1):
            cell = text_cell(ws, row, col, value)
            cell.alignment = wrap
        # not every program grows a row to its wrapped text: size it from the widest cell
        ws.row_dimensions[row].height = 15 * max(
            -(-display_width(str(v)) // (headers[c][1] - 1)) for c, v in enumerate(values) if v not in (None, "")
        )
        ws.cell(row, 2).fill = _mark(issue.severity)
        if sheet in wb.sheetnames:
            target = ref or "A1"
            link = ws.cell(row, 4 if ref else 3)
            quoted = sheet.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{target}", display=str(link.value))
            link.font = Font(color="0563C1", underline="single")
    last = header_row + len(issues)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:H{last}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


@dataclass
class Outcome:
    """What became of one validated file: a marked copy, or why there is none."""

    file: str
    copy: AnnotatedCopy | None = None
    reason: str = ""  # "clean", "untouched", "unreadable" or "csv" when there is no copy
    name: str = ""  # the copy's file name in the output folder


def annotate_report(files: list[Any], lang: str = "zh", limits: Limits | None = None) -> list[Outcome]:
    """A marked copy for every validated file (`validation.FileResult`) that has problems, but
    a form nobody has filled in (there is nothing in it to send back marked)."""
    from carbon_cli.campaign.returned import untouched_files

    untouched = untouched_files(files)
    outcomes = []
    for result in files:
        path = Path(result.file)
        if not result.issues:
            outcomes.append(Outcome(result.file, reason="clean"))
        elif result.file in untouched:
            outcomes.append(Outcome(result.file, reason="untouched"))
        elif result.layout is None or path.is_dir():
            outcomes.append(Outcome(result.file, reason="unreadable"))
        elif not can_annotate(path):
            outcomes.append(Outcome(result.file, reason="csv"))
        else:
            outcomes.append(Outcome(result.file, annotate(path, result.issues, lang, limits)))
    return outcomes


def copy_names(outcomes: list[Outcome]) -> dict[str, Outcome]:
    """File name in the output folder → outcome: the original's name; a second file of the same
    name (from another folder) gets " (2)" before its suffix."""
    from carbon_cli.core.fileio import unique_names

    made = [o for o in outcomes if o.copy is not None]
    stems = unique_names([Path(o.file).stem for o in made])
    return {f"{stem}{Path(o.file).suffix}": o for stem, o in zip(stems, made, strict=True)}
