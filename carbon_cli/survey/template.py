"""The blank survey workbook (调研表模板) in the two layouts the reader understands.

*form*: one community per workbook; an instructions sheet, then a sheet per topic with one row
per field and a column each for the baseline-year and the assessment-year value.
*table*: one sheet, one row per community per year, one column per field.

Both can be pre-filled (sample data, round-trip tests). Everything written is a pure function
of the arguments and the data dictionary, so the same call always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from carbon_cli.core.fileio import write_workbook
from carbon_cli.core.i18n import display_width
from carbon_cli.survey.fields import FieldSpec, dictionary
from carbon_cli.survey.values import ValueProblem, unit_factor

LAYOUTS = ("form", "table")

FORM_HEADERS = {
    "zh": ("字段键", "指标", "单位", "必填", "基准年数值", "评价年数值", "数据来源", "备注"),
    "en": (
        "Key",
        "Field",
        "Unit",
        "Required",
        "Baseline-year value",
        "Assessment-year value",
        "Data source",
        "Note",
    ),
}
FORM_WIDTHS = (26, 34, 10, 6, 16, 16, 18, 40)
INSTRUCTIONS_WIDTH = 80
ROW_HEIGHT = 22  # points: room for handwriting
KEY_COL, LABEL_COL, UNIT_COL, REQUIRED_COL, BASELINE_COL, ASSESSMENT_COL, SOURCE_COL, NOTE_COL = range(1, 9)
TABLE_IDENTITY = ("community_id", "community_name", "street", "district")
TABLE_DROPDOWN_ROWS = 500  # a blank table offers its drop-downs this far down

WORDS = {
    "zh": {
        "yes": "是",
        "no": "否",
        "required": "是",
        "year": "年份",
        "table_sheet": "社区汇总",
        "instructions": "填写说明",
        "title": "{topic} — 社区碳排放摸底调研表",
    },
    "en": {
        "yes": "yes",
        "no": "no",
        "required": "yes",
        "year": "Year",
        "table_sheet": "Communities",
        "instructions": "Instructions",
        "title": "{topic} — Community carbon baseline survey",
    },
}

# The instructions sheet, one paragraph per line; "# " marks a heading.
INSTRUCTIONS = {
    "zh": (
        "# 社区碳排放摸底调研表 — 填写说明",
        "",
        "# 这是什么",
        "本表用于近零碳社区试点的碳排放摸底调研。每个社区填写一份工作簿，"
        "数据用于核算社区全年碳排放，并对照近零碳社区评价标准找出差距。",
        "",
        "# 怎么填",
        "1. 后面的工作表按专题分开：{sheets}。每行是一个指标。",
        "2. 在“评价年数值”列填写评价年份（如 2023 年）全年的数据。",
        "3. 只有调研了基准年时，才填写“基准年数值”列：先在“基本信息”表“基准年份”一行的"
        "“评价年数值”列填上年份（如 2021），再在各表的“基准年数值”列填写该年的数据。"
        "没有基准年就让这一列空着。灰色格子不用填。",
        "4. 单位：按“单位”列填写。手头数据是别的单位（如万千瓦时、兆瓦时、万立方米、千克）时，"
        "可以把“单位”列改成那个单位，也可以在格子里连单位一起写，如“1.2万kWh”“35吨”，"
        "会自动换算。",
        "5. 百分比：填 35 或 35% 都可以。",
        "6. 没有数据：填“—”或“不详”（也可以空着），不要填 0。确实为零时（如不用液化气）才填 0 或“无”。",
        "7. 是/否题：从格子的下拉列表中选“是”或“否”。",
        "8. 必填：“必填”列标“是”、名称加粗带底色的行必须填写，缺了就无法核算。",
        "9. 数据来源：在“数据来源”列写明数据从哪里来（如供电局汇总数据、物业台账、抽样估算），方便核查。",
        "10. 不要改动“字段键”列，不要删除工作表；需要补充的情况写在“备注”列。",
        "11. 填完后保存为 .xlsx 文件交回。",
    ),
    "en": (
        "# Community carbon baseline survey — instructions",
        "",
        "# What this is",
        "This workbook collects a community's carbon baseline survey for the near-zero-carbon "
        "community pilots. Fill in one workbook per community; the figures are used to work "
        "out the community's yearly emissions and to compare it with the pilot criteria.",
        "",
        "# How to fill it in",
        "1. The following sheets are one per topic: {sheets}. Each row is one indicator.",
        '2. Enter the figures for the whole assessment year (e.g. 2023) in the "Assessment-year value" column.',
        '3. Fill in the "Baseline-year value" column only when a baseline year was surveyed: '
        'first enter the year (e.g. 2021) on the "Baseline year" row of the "Basic '
        'information" sheet, in the "Assessment-year value" column, then that year\'s figures '
        'in the "Baseline-year value" column of every sheet. Without a baseline year, leave '
        "the column empty. Grey cells need nothing.",
        '4. Units: use the unit in the "Unit" column. If your figure is in another unit (MWh, '
        '万kWh, 万m³, kg …), change the "Unit" cell to that unit or write the unit in the '
        'cell, e.g. "1.2 MWh" or "35 t"; it is converted.',
        "5. Percentages: 35 or 35% both work.",
        '6. No data: write "—" or "n/a" (or leave it empty), never 0. Write 0 only for a real zero (e.g. no LPG used).',
        "7. Yes/no questions: pick yes or no from the cell's drop-down list.",
        '8. Required: rows marked "yes" under "Required", with a bold, shaded name, must be '
        "filled in; without them the inventory cannot be calculated.",
        "9. Data source: say where each figure comes from (grid company summary, property "
        "records, sample-survey estimate …) so it can be checked.",
        '10. Do not change the "Key" column or delete sheets; put any explanation in the "Note" column.',
        "11. Save the finished workbook as .xlsx and send it back.",
    ),
}

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
NOT_APPLICABLE_FILL = PatternFill("solid", fgColor="D9D9D9")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
OPEN = Protection(locked=False)
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _words(lang: str) -> dict[str, str]:
    if lang not in WORDS:
        raise ValueError(f"unknown language {lang!r}; expected one of {sorted(WORDS)}")
    return WORDS[lang]


def unit_text(spec: FieldSpec, lang: str) -> str:
    """The unit as written in a template; one the reader could not parse back (the zh label
    of a field that has none the reader knows) falls back to the canonical unit, so a filled template always reads."""
    label = spec.unit_label(lang)
    try:
        unit_factor(label, spec)
    except ValueProblem:
        return spec.unit
    return label


def table_header(spec: FieldSpec, lang: str) -> str:
    """The label with its unit: 居民生活用电量（千瓦时）, Household electricity (kWh)."""
    unit = unit_text(spec, lang)
    if not unit:
        return spec.label(lang)
    return f"{spec.label(lang)}（{unit}）" if lang == "zh" else f"{spec.label(lang)} ({unit})"


def _cell_value(value: Any, lang: str) -> Any:
    """Booleans as the yes/no words of the drop-down; everything else as given."""
    if isinstance(value, bool):
        return _words(lang)["yes" if value else "no"]
    return value


def _put(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    return cell


def _style_header(cell: Any) -> None:
    cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, HEADER_ALIGN, GRID


def _yes_no(lang: str) -> DataValidation:
    words = _words(lang)
    return DataValidation(type="list", formula1=f'"{words["yes"]},{words["no"]}"', allow_blank=True)


def _instructions(wb: Workbook, lang: str) -> None:
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new Workbook starts with one worksheet, active
    ws.title = _words(lang)["instructions"]
    separator = "、" if lang == "zh" else ", "
    sheets = separator.join(t.label(lang) for t in dictionary().topics)
    # One column only: text spread over several cells could look like a header row to the reader.
    # As wide as an A4 portrait page: LibreOffice does not shrink a single column to fit.
    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    for row, line in enumerate(INSTRUCTIONS[lang], start=1):
        heading = line.startswith("# ")
        cell = _put(ws, row, 1, line.removeprefix("# ").format(sheets=sheets) or None)
        cell.alignment = WRAP
        if heading:
            cell.font = TITLE_FONT if row == 1 else BOLD
        elif cell.value:
            # not every spreadsheet program grows a row to fit wrapped text: size it here
            lines = -(-display_width(str(cell.value)) // (INSTRUCTIONS_WIDTH - 6))
            ws.row_dimensions[row].height = 16 * max(1, lines)
    _print_setup(ws, lang, landscape=False)


def form_workbook(
    lang: str = "zh",
    assessment: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    sources: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
    locked: Iterable[str] = (),
) -> Workbook:
    """The form layout: instructions, then one sheet per topic, optionally pre-filled.

    With `locked` field keys (a form handed out to one community) every sheet is protected:
    those fields' values, the keys, labels and required marks cannot be changed; the unit,
    value, source and note cells stay open.
    """
    locked = frozenset(locked)
    words = _words(lang)
    assessment, baseline = assessment or {}, baseline or {}
    sources, notes = sources or {}, notes or {}
    fields = dictionary()
    wb = Workbook()
    _instructions(wb, lang)
    for topic in fields.topics:
        ws = wb.create_sheet(topic.label(lang))
        # The title starts right of the key column: the key column is left out of print.
        ws.merge_cells(start_row=1, start_column=LABEL_COL, end_row=1, end_column=len(FORM_WIDTHS))
        title = _put(ws, 1, LABEL_COL, words["title"].format(topic=topic.label(lang)))
        title.font = TITLE_FONT
        for col, (text, width) in enumerate(zip(FORM_HEADERS[lang], FORM_WIDTHS, strict=True), 1):
            cell = _put(ws, 2, col, text)
            _style_header(cell)
            ws.column_dimensions[cell.column_letter].width = width
        # the field keys are for carbon-cli, not for the person filling in: grouped and folded
        # away (the "+" above the columns shows them), as they are left out of print
        key_column = get_column_letter(KEY_COL)
        ws.column_dimensions.group(key_column, key_column, outline_level=1, hidden=True)
        ws.freeze_panes = "A3"
        dropdown = _yes_no(lang)
        for row, spec in enumerate(fields.by_topic(topic.key), start=3):
            values = {
                KEY_COL: spec.key,
                LABEL_COL: spec.label(lang),
                UNIT_COL: unit_text(spec, lang) or None,
                REQUIRED_COL: words["required"] if spec.required else None,
                BASELINE_COL: _cell_value(baseline.get(spec.key), lang) if spec.per_year else None,
                ASSESSMENT_COL: _cell_value(assessment.get(spec.key), lang),
                SOURCE_COL: sources.get(spec.key),
                NOTE_COL: notes.get(spec.key, spec.note(lang)) or None,
            }
            for col, value in values.items():
                cell = _put(ws, row, col, value)
                cell.border = GRID
                cell.alignment = WRAP if col in (LABEL_COL, NOTE_COL) else Alignment(vertical="top")
            # rows tall enough to write in by hand on a printed form, and to show wrapped text
            lines = max(_lines(values[LABEL_COL], LABEL_COL), _lines(values[NOTE_COL], NOTE_COL))
            ws.row_dimensions[row].height = max(ROW_HEIGHT, 16 * lines)
            if spec.required:
                for col in (KEY_COL, LABEL_COL, UNIT_COL, REQUIRED_COL):
                    ws.cell(row, col).fill = REQUIRED_FILL
                ws.cell(row, LABEL_COL).font = BOLD
            if not spec.per_year:
                ws.cell(row, BASELINE_COL).fill = NOT_APPLICABLE_FILL
            if spec.type == "bool":
                dropdown.add(ws.cell(row, BASELINE_COL).coordinate)
                dropdown.add(ws.cell(row, ASSESSMENT_COL).coordinate)
        if dropdown.sqref:
            ws.add_data_validation(dropdown)
        if locked:
            _protect(ws, locked)
        _print_form_sheet(ws, lang)
    if locked:
        wb.worksheets[0].protection.sheet = True
    return wb


def _protect(ws: Worksheet, locked: frozenset[str]) -> None:
    """Protect the sheet (no password: it guards against slips, not people), leaving open
    every cell a community fills in, except the values of the `locked` fields."""
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False  # widen and heighten freely
    for row in range(3, ws.max_row + 1):
        key = ws.cell(row, KEY_COL).value
        if key is None:
            continue
        for col in (UNIT_COL, BASELINE_COL, ASSESSMENT_COL, SOURCE_COL, NOTE_COL):
            value_cell = col in (BASELINE_COL, ASSESSMENT_COL)
            if value_cell and (key in locked or ws.cell(row, col).fill == NOT_APPLICABLE_FILL):
                continue
            ws.cell(row, col).protection = OPEN


def _print_setup(ws: Worksheet, lang: str, landscape: bool) -> None:
    """A4, every column on one page width, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    page_setup_pr = ws.sheet_properties.pageSetUpPr
    assert page_setup_pr is not None  # optional in the schema; a new sheet always has one
    page_setup_pr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.8
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3  # the footer sits inside the bottom margin
    ws.print_options.horizontalCentered = True
    footer = ws.oddFooter
    assert footer is not None  # optional in the schema; a new sheet always has one
    footer.center.text = "&A — " + ("第 &P 页，共 &N 页" if lang == "zh" else "page &P of &N")


def _print_form_sheet(ws: Worksheet, lang: str) -> None:
    """Print a topic sheet as a paper form: label to note columns (the key column is for the
    machine), the column headings repeated on every page."""
    _print_setup(ws, lang, landscape=True)
    last = get_column_letter(len(FORM_WIDTHS))
    ws.print_area = f"{get_column_letter(LABEL_COL)}1:{last}{ws.max_row}"
    ws.print_title_rows = "2:2"


def table_columns() -> list[FieldSpec]:
    """The fields of the table layout, in column order (the year column sits after `district`)."""
    fields = dictionary()
    return [fields[k] for k in TABLE_IDENTITY] + [f for f in fields.fields if f.per_year]


def table_workbook(lang: str = "zh", rows: Iterable[dict[str, Any]] | None = None) -> Workbook:
    """The table layout: one row per community per year; a row maps field keys and "year"."""
    words = _words(lang)
    rows = list(rows or [])
    specs = table_columns()
    headers: list[tuple[str, str]] = [(s.key, table_header(s, lang)) for s in specs]
    headers.insert(len(TABLE_IDENTITY), ("year", words["year"]))
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new Workbook starts with one worksheet, active
    ws.title = words["table_sheet"]
    for col, (_, text) in enumerate(headers, start=1):
        cell = _put(ws, 1, col, text)
        _style_header(cell)
        width = display_width(text) // 2 + 2  # headers wrap onto about two lines
        ws.column_dimensions[cell.column_letter].width = min(24, max(10, width))
    ws.freeze_panes = "C2"  # header row, and the ID and name while scrolling right
    by_key = {s.key: s for s in specs}
    for row, record in enumerate(rows, start=2):
        for col, (key, _) in enumerate(headers, start=1):
            _put(ws, row, col, _cell_value(record.get(key), lang))
    last_row = 1 + max(len(rows), TABLE_DROPDOWN_ROWS)
    dropdown = _yes_no(lang)
    for col, (key, _) in enumerate(headers, start=1):
        if key in by_key and by_key[key].type == "bool":
            letter = get_column_letter(col)
            dropdown.add(f"{letter}2:{letter}{last_row}")
    if dropdown.sqref:
        ws.add_data_validation(dropdown)
    # One column per field cannot fit a page width legibly: landscape, pages across, with the
    # header row and the ID and name columns repeated on each.
    _print_setup(ws, lang, landscape=True)
    ws.page_setup.fitToWidth = 0
    ws.print_title_rows, ws.print_title_cols = "1:1", "A:B"
    return wb


def _lines(text: Any, col: int) -> int:
    """Lines a wrapped form cell takes at its column's width."""
    # a CJK character prints a little wider than two digits: allow 15 %
    return -(-display_width(str(text or "")) * 115 // (100 * (FORM_WIDTHS[col - 1] - 2))) or 1


def write_template(path: Path | str, layout: str = "form", lang: str = "zh") -> None:
    """Write a blank survey workbook in `layout` ("form" or "table") and `lang` ("zh"/"en")."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    wb = form_workbook(lang) if layout == "form" else table_workbook(lang)
    write_workbook(Path(path), wb)
