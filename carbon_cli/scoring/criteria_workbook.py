"""Writing a criteria set as a workbook people edit in Excel, WPS or LibreOffice, and checking one.

`write_criteria_workbook` lays a `CriteriaSet` out as sheets: instructions, the set's id and
names, one row per control or scored item, the grade bands, the categories, and the closed lists
(metrics with their formulas, comparisons, scoring rules, statuses, survey fields) that the
drop-downs offer. `check_criteria_workbook` reads one back (`criteria_sheets.read_tables`) and
returns the set, or every problem with its sheet, cell and column. `--criteria FILE.xlsx` is read
by `criteria.load_criteria` through the same tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbon_cli.core.datafiles import Malformed
from carbon_cli.scoring.criteria import CriteriaSet, Criterion, build_criteria
from carbon_cli.scoring.criteria_cells import Problem, WorkbookTables, shown_number
from carbon_cli.scoring.criteria_layout import (
    APPLIES,
    CATEGORY_COLUMNS,
    COMPARISONS,
    DROPDOWN_ROWS,
    GRADE_COLUMNS,
    ITEM_COLUMNS,
    NOT_ASSESSABLE_COLUMNS,
    SCALES,
    SET_ROWS,
    SET_VALUE_COL,
    SHEET_ABOUT,
    SHEET_CATEGORIES,
    SHEET_GRADES,
    SHEET_ITEMS,
    SHEET_LISTS,
    SHEET_NOT_ASSESSABLE,
    SHEET_SET,
    STATUS_LABELS,
    TYPES,
    Column,
)
from carbon_cli.scoring.criteria_sheets import read_tables
from carbon_cli.scoring.metrics import metric_names, metric_rows
from carbon_cli.survey.cells import coordinate
from carbon_cli.survey.container import Limits
from carbon_cli.survey.fields import dictionary


@dataclass
class WorkbookCheck:
    """What `carbon criteria check` reports: the set when the workbook is usable, else problems."""

    file: str
    problems: list[Problem]
    criteria: CriteriaSet | None = None

    @property
    def renamed_builtin(self) -> bool:
        """The set is a built-in one edited but still under the built-in id: reports would name
        it as the built-in set."""
        from carbon_cli.scoring.criteria import edited_builtin

        return self.criteria is not None and edited_builtin(self.criteria)

    def notes(self, lang: str = "zh") -> list[str]:
        if not self.renamed_builtin:
            return []
        assert self.criteria is not None
        if lang == "zh":
            return [
                f"注意：此标准与内置标准 {self.criteria.id} 不同，却仍用其编号；报告会把它写成内置标准。"
                f"请在“{SHEET_SET}”表改编号和名称（如 {self.criteria.id}-edited）"
            ]
        return [
            f"note: this set differs from the built-in set {self.criteria.id} but keeps its id, so reports "
            f"would name it as the built-in one. Change the id and names on the {SHEET_SET} sheet "
            f"(e.g. {self.criteria.id}-edited)"
        ]

    @property
    def ok(self) -> bool:
        return not self.problems and self.criteria is not None

    def summary(self, lang: str = "zh") -> str:
        c = self.criteria
        if c is None:
            n = len(self.problems)
            return f"{self.file}：{n} 个问题" if lang == "zh" else f"{self.file}: {n} problem{'s' * (n != 1)}"
        total = sum(i.points for i in c.items)
        bands = "、".join(f"{g.zh} ≥ {shown_number(g.min_score)}" for g in c.grades[:-1])
        if lang == "zh":
            return (
                f"{self.file}：评价标准 {c.id}（{c.zh}）可用：{len(c.controls)} 项控制项，"
                f"{len(c.items)} 项评分项，合计 {shown_number(total)} 分；等级 {bands}"
            )
        bands = ", ".join(f"{g.en} ≥ {shown_number(g.min_score)}" for g in c.grades[:-1])
        return (
            f"{self.file}: criteria set {c.id} ({c.en}) is usable: {len(c.controls)} control items, "
            f"{len(c.items)} scored items, {shown_number(total)} points in all; grades {bands}"
        )

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        c = self.criteria
        return {
            "file": self.file,
            "ok": self.ok,
            "criteria_set": c.id if c else None,
            "controls": len(c.controls) if c else None,
            "items": len(c.items) if c else None,
            "total_points": sum(i.points for i in c.items) if c else None,
            "problems": [p.to_dict(lang) for p in self.problems],
            "notes": self.notes(lang),
        }


# --- writing ----------------------------------------------------------------------------------


def _cell_number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else float(value)


def _pick(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    zh, en = table[code]
    return zh if lang == "zh" else en


def steps_text(steps: Iterable[tuple[float, float]]) -> str:
    return "; ".join(f"{shown_number(threshold)} → {shown_number(points)}" for threshold, points in steps)


def item_row(c: Criterion, control: bool, lang: str = "zh") -> dict[str, Any]:
    """The cells of one item's row, by column key."""
    m = c.metric
    if c.rule in ("at_least", "at_most", "is_true", "complete"):
        comparison = c.rule
    elif c.rule == "met":
        comparison = c.comparison
    elif c.rule == "linear":
        comparison = "at_most" if c.lower_is_better else "at_least"
    elif c.rule == "steps":
        comparison = "at_least"
    else:
        comparison = "is_true"
    return {
        "id": c.key,
        "type": _pick(TYPES, "control" if control else "scored", lang),
        "category": c.category,
        "zh": c.zh,
        "en": c.en,
        "metric": m.kind,
        "fields": ", ".join(m.fields),
        "numerator": " + ".join(m.numerator),
        "denominator": " + ".join(m.denominator),
        "comparison": _pick(COMPARISONS, comparison, lang),
        "scale": "" if control else _pick(SCALES, c.rule, lang),
        "target": _cell_number(c.target),
        "zero": _cell_number(c.zero) if c.rule == "linear" else None,
        "full": _cell_number(c.full) if c.rule == "linear" else None,
        "points": None if control else _cell_number(c.points),
        "steps": steps_text(c.steps) if c.rule == "steps" else "",
        "unit": c.unit,
        "unit_zh": c.unit_zh,
        "applies": _pick(APPLIES, "baseline" if m.needs_baseline else "always", lang),
        "source": c.source,
        "status": _pick(STATUS_LABELS, c.status, lang),
    }


def _width(text: str) -> float:
    """Columns a text takes in a spreadsheet (as LibreOffice renders CJK: about 1.6 columns)."""
    return sum(1.6 if ord(c) >= 0x2E80 else 1.0 for c in text)


def _fit_rows(ws: Any, first: int = 2) -> None:
    """Row heights for the wrapped text (LibreOffice and WPS keep a row's stored height)."""
    from openpyxl.styles import Alignment

    widths = {letter: dim.width for letter, dim in ws.column_dimensions.items() if dim.width}
    for row in ws.iter_rows(min_row=first):
        lines = 1
        for cell in row:
            if cell.value is not None and not cell.alignment.wrap_text:
                cell.alignment = Alignment(vertical="top")  # in line with the wrapped cells beside it
            if isinstance(cell.value, str) and cell.alignment.wrap_text:
                width = max(4.0, (widths.get(cell.column_letter) or 10) - 1)
                lines = max(lines, sum(max(1, math.ceil(_width(part) / width)) for part in cell.value.split("\n")))
        ws.row_dimensions[row[0].row].height = 15 * lines + 2


def _print_setup(ws: Any, lang: str, landscape: bool = True) -> None:
    """A4, every column on one page width, the header row on every page, page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if ws.max_row > 1 and landscape:
        ws.print_title_rows = "1:1"
    ws.oddFooter.center.text = "&A — " + ("第 &P 页，共 &N 页" if lang == "zh" else "page &P of &N")


def criteria_workbook(criteria: CriteriaSet, lang: str = "zh") -> Any:
    """The openpyxl workbook of `criteria`, in `lang` (the sheets' names are in both)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    wb = Workbook()
    about = wb.worksheets[0]
    about.title = SHEET_ABOUT
    _instructions(about, criteria, lang)

    def header(ws: Any, columns: tuple[Column, ...]) -> None:
        for i, col in enumerate(columns, 1):
            cell = ws.cell(1, i, col.label(lang))
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            if col.help(lang):
                cell.comment = Comment(col.help(lang), "carbon-cli", width=320, height=110)
            ws.column_dimensions[cell.column_letter].width = col.width
        ws.freeze_panes = "B2"

    def dropdown(ws: Any, formula: str, area: str, strict: bool = True) -> None:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
        if not strict:  # offers the list, accepts anything (several fields joined by commas)
            dv.errorStyle, dv.showErrorMessage = "information", False
        ws.add_data_validation(dv)
        dv.add(area)

    # the set
    ws = wb.create_sheet(SHEET_SET)
    for i, text in enumerate((("键", "名称", "内容") if lang == "zh" else ("key", "entry", "value")), 1):
        cell = ws.cell(1, i, text)
        cell.font, cell.fill = header_font, header_fill
    values = {
        "id": criteria.id,
        "zh": criteria.zh,
        "en": criteria.en,
        "description_zh": criteria.description_zh,
        "description_en": criteria.description_en,
        "source": criteria.source,
        "status": _pick(STATUS_LABELS, criteria.status, lang),
        "total_points": _cell_number(sum(i.points for i in criteria.items)),
    }
    for r, (key, zh, en) in enumerate(SET_ROWS, 2):
        ws.cell(r, 1, key)
        ws.cell(r, 2, zh if lang == "zh" else en)
        ws.cell(r, SET_VALUE_COL, values[key]).alignment = wrap
    for letter, width in (("A", 16), ("B", 22), ("C", 90)):
        ws.column_dimensions[letter].width = width
    status_row = 2 + [k for k, _, _ in SET_ROWS].index("status")
    lists = _lists_layout()
    dropdown(ws, lists["status"], f"C{status_row}")

    # the items
    ws = wb.create_sheet(SHEET_ITEMS)
    header(ws, ITEM_COLUMNS)
    rows = [item_row(c, True, lang) for c in criteria.controls] + [item_row(c, False, lang) for c in criteria.items]
    for r, row in enumerate(rows, 2):
        for i, col in enumerate(ITEM_COLUMNS, 1):
            value = row[col.key]
            cell = ws.cell(r, i, value if value != "" else None)
            if col.key in ("source", "zh", "en"):
                cell.alignment = wrap
    last = max(DROPDOWN_ROWS, len(rows) + 100)
    letters = {col.key: coordinate(1, i)[:-1] for i, col in enumerate(ITEM_COLUMNS, 1)}
    for key in ("type", "metric", "comparison", "scale", "applies", "status", "category"):
        dropdown(ws, lists[key], f"{letters[key]}2:{letters[key]}{last}")
    for key in ("fields", "numerator", "denominator"):
        dropdown(ws, lists["field"], f"{letters[key]}2:{letters[key]}{last}", strict=False)

    # grade bands
    ws = wb.create_sheet(SHEET_GRADES)
    header(ws, GRADE_COLUMNS)
    for r, g in enumerate(criteria.grades, 2):
        band = (g.key, g.zh, g.en, _cell_number(g.min_score), g.source, _pick(STATUS_LABELS, g.status, lang))
        for i, value in enumerate(band, 1):
            ws.cell(r, i, value if value != "" else None).alignment = wrap
    dropdown(ws, lists["status"], "F2:F50")

    # categories
    ws = wb.create_sheet(SHEET_CATEGORIES)
    header(ws, CATEGORY_COLUMNS)
    for r, cat in enumerate(criteria.categories, 2):
        for i, value in enumerate((cat.key, cat.zh, cat.en), 1):
            ws.cell(r, i, value)

    # indicators of the source the survey cannot assess (listed in reports, never scored)
    ws = wb.create_sheet(SHEET_NOT_ASSESSABLE)
    header(ws, NOT_ASSESSABLE_COLUMNS)
    for r, x in enumerate(criteria.not_assessable, 2):
        cells = (
            x.key,
            x.zh,
            x.en,
            x.requirement_zh,
            x.requirement_en,
            x.reason_zh,
            x.reason_en,
            x.source,
            _pick(STATUS_LABELS, x.status, lang),
        )
        for i, value in enumerate(cells, 1):
            ws.cell(r, i, value if value != "" else None).alignment = wrap
    dropdown(ws, lists["status"], "I2:I100")

    _lists_sheet(wb.create_sheet(SHEET_LISTS), lang, header_font, header_fill)
    for ws in wb.worksheets:
        _fit_rows(ws, 1 if ws.title == SHEET_ABOUT else 2)
        _print_setup(ws, lang, landscape=ws.title != SHEET_ABOUT)
    wb.active = 0
    return wb


# The Lists sheet: each closed list in a column of its own, from row 2.
_LIST_COLUMNS = {
    "metric": "A",
    "type": "G",
    "comparison": "H",
    "scale": "I",
    "status": "J",
    "applies": "K",
    "field": "M",
}


def _lists_layout() -> dict[str, str]:
    """Drop-down formula of each closed list (the ranges of the Lists sheet)."""
    sizes = {
        "metric": len(metric_names()),
        "type": len(TYPES),
        "comparison": len(COMPARISONS),
        "scale": len(SCALES),
        "status": len(STATUS_LABELS),
        "applies": len(APPLIES),
        "field": len(_numeric_fields()),
    }
    out = {key: f"'{SHEET_LISTS}'!${col}$2:${col}${1 + sizes[key]}" for key, col in _LIST_COLUMNS.items()}
    out["category"] = f"'{SHEET_CATEGORIES}'!$A$2:$A$200"
    return out


def _numeric_fields() -> list[Any]:
    return [s for s in dictionary().fields if s.type in ("int", "number", "bool")]


def _lists_sheet(ws: Any, lang: str, font: Any, fill: Any) -> None:
    from openpyxl.styles import Alignment

    zh = lang == "zh"
    heads = {
        "A": "指标量" if zh else "metric",
        "B": "单位" if zh else "unit",
        "C": "数值或是/否" if zh else "number or yes/no",
        "D": "需要基准年" if zh else "needs a baseline year",
        "E": "公式" if zh else "formula",
        "G": "类型" if zh else "type",
        "H": "比较" if zh else "comparison",
        "I": "计分方式" if zh else "scoring",
        "J": "状态" if zh else "status",
        "K": "适用条件" if zh else "applies",
        "M": "调研字段键" if zh else "survey field",
        "N": "字段" if zh else "label",
        "O": "单位" if zh else "unit",
        "P": "类型" if zh else "type",
    }
    widths = {"A": 26, "B": 13, "C": 10, "D": 10, "E": 70, "G": 9, "H": 9, "I": 9, "J": 10, "K": 16, "M": 32}
    widths.update({"N": 30, "O": 12, "P": 8})
    for letter, text in heads.items():
        cell = ws[f"{letter}1"]
        cell.value, cell.font, cell.fill = text, font, fill
        ws.column_dimensions[letter].width = widths[letter]
    yes, no = ("是", "否") if zh else ("yes", "no")
    for r, row in enumerate(metric_rows(), 2):
        kind = {"bool": "是/否" if zh else "yes/no", "number": "数值" if zh else "number"}[row.kind]
        if row.name == "field":
            kind = "字段的" if zh else "the field's"
        for letter, value in zip(
            "ABCDE", (row.name, row.unit, kind, yes if row.needs_baseline else no, row.formula(lang)), strict=True
        ):
            ws[f"{letter}{r}"] = value or None
        ws[f"E{r}"].alignment = Alignment(wrap_text=True, vertical="top")
    for key, table in (
        ("type", TYPES),
        ("comparison", COMPARISONS),
        ("scale", SCALES),
        ("status", STATUS_LABELS),
        ("applies", APPLIES),
    ):
        for r, code in enumerate(table, 2):
            ws[f"{_LIST_COLUMNS[key]}{r}"] = _pick(table, code, lang)
    for r, spec in enumerate(_numeric_fields(), 2):
        ws[f"M{r}"], ws[f"N{r}"] = spec.key, spec.label(lang)
        ws[f"O{r}"], ws[f"P{r}"] = spec.unit_label(lang) or None, spec.type
    ws.freeze_panes = "A2"


def _instructions(ws: Any, criteria: CriteriaSet, lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    ws.column_dimensions["A"].width = 80
    if lang == "zh":
        lines = [
            ("title", f"评价标准：{criteria.zh}（{criteria.id}）"),
            ("", "这个工作簿就是一套评价标准。可以在 Excel、WPS 或 LibreOffice 中修改后保存，再交给 carbon-cli 使用："),
            ("code", "carbon criteria check 本文件.xlsx        （逐个单元格检查，指出每个错误的位置）"),
            ("code", "carbon batch 调研表文件夹 -o 输出 --criteria 本文件.xlsx"),
            ("", "assess、plan、batch、criteria show 都接受 --criteria 本文件.xlsx，与 TOML 标准文件等同。"),
            ("head", "工作表"),
            ("", f"· {SHEET_SET}：标准的编号、名称、说明、来源、状态，以及评分项总分（须等于各评分项分值之和）。"),
            ("", f"· {SHEET_ITEMS}：每行一项指标。类型为控制项的须全部满足；评分项按计分方式得分。"),
            ("", f"· {SHEET_GRADES}：分级。得分 = 100 × 已得分 ÷ 适用项满分；最低一档（未通过）须从 0 分起。"),
            ("", f"· {SHEET_CATEGORIES}：评分项的分类。"),
            ("", f"· {SHEET_LISTS}：下拉框的选项：指标量（含单位和公式）、比较、计分方式、状态、调研字段。"),
            ("head", "计分规则"),
            (
                "",
                "· 线性：分值 × clamp((值 − 零分值) ÷ (满分值 − 零分值), 0, 1)。"
                "比较为 ≥ 时满分值大于零分值，≤ 时相反。",
            ),
            ("", "· 阶梯：达到的最高一档的分，写作 “6 → 3; 2 → 1”。是否：“是”得满分，“否”得 0。"),
            (
                "",
                "· 达标：达到“控制值”列的目标（≥ 或 ≤；是/否指标为“是”）得满分，否则 0 分。"
                "出处只列目标而无分值时，每项 1 分，得分即已达标目标的比例，等级表写明须达标多少项。",
            ),
            (
                "",
                f"· {SHEET_NOT_ASSESSABLE}：出处中调研不能计量的指标及原因；报告列出它们，不计分。",
            ),
            ("", "· 缺数据得 0 分并列出要补的字段；不适用（如无基准年）的项不计入满分，总分按比例折算。"),
            ("", "· 百分数类指标量（ratio 及以 _pct 结尾者）取 0–100：40% 写 40。"),
            ("head", "每列的含义（表头单元格的批注里也有）"),
            *[("", f"· {col.zh}：{col.help_zh}") for col in ITEM_COLUMNS],
            ("head", "注意"),
            ("", "· 每个数字都保留来源和状态：改了阈值或分值，请同时改“来源”并把状态设为相应的值。"),
            ("", "· 要新增一行，复制一行再改；编号不能重复。"),
            ("", f"· 改过的标准请在“{SHEET_SET}”表改用新的编号和名称，报告会写明所用的标准。"),
        ]
    else:
        lines = [
            ("title", f"Criteria set: {criteria.en} ({criteria.id})"),
            (
                "",
                "This workbook is a criteria set. Edit it in Excel, WPS or LibreOffice, save it, "
                "and give it to carbon-cli:",
            ),
            ("code", "carbon criteria check this.xlsx        (checks every cell and names each mistake's place)"),
            ("code", "carbon batch surveys/ -o out --criteria this.xlsx"),
            ("", "assess, plan, batch and criteria show take --criteria this.xlsx just as a TOML set file."),
            ("head", "Sheets"),
            (
                "",
                f"· {SHEET_SET}: the set's id, names, description, source, status and the scored items' total points.",
            ),
            ("", f"· {SHEET_ITEMS}: one row per item. Control items must all pass; scored items earn points."),
            (
                "",
                f"· {SHEET_GRADES}: the bands. Score = 100 × earned ÷ applicable maximum; the lowest band starts at 0.",
            ),
            ("", f"· {SHEET_CATEGORIES}: the scored items' categories."),
            (
                "",
                f"· {SHEET_LISTS}: what the drop-downs offer: metrics (unit, formula), comparisons, statuses, fields.",
            ),
            ("head", "Scoring"),
            (
                "",
                "· linear: points × clamp((value − zero) ÷ (full − zero), 0, 1); "
                "with ≥ full is above zero, with ≤ below.",
            ),
            (
                "",
                "· steps: the points of the highest step reached, written “6 → 3; 2 → 1”. boolean: all points if yes.",
            ),
            (
                "",
                "· met: all points when the value reaches the target column (≥ or ≤; a yes/no metric: yes), else 0. "
                "A source with targets and no points: 1 point each, so the score is the share of targets met, "
                "and the Grades sheet says how many must be met.",
            ),
            (
                "",
                f"· {SHEET_NOT_ASSESSABLE}: the source's indicators the survey cannot measure, with why; "
                "reports list them, nothing scores them.",
            ),
            (
                "",
                "· Missing data earns 0 and names the fields to collect; an n/a item (no baseline) leaves the maximum.",
            ),
            ("", "· Percent metrics (ratio, and names ending in _pct) run 0–100: 40 % is written 40."),
            ("head", "The columns (also in each header cell's comment)"),
            *[("", f"· {col.en}: {col.help_en}") for col in ITEM_COLUMNS],
            ("head", "Note"),
            ("", "· Every figure keeps its source and status: when you change a threshold or points, update both."),
            ("", "· To add a row, copy one and edit it; ids must be unique."),
            ("", f"· Give an edited set a new id and names on the {SHEET_SET} sheet: reports name the set used."),
        ]
    for r, (kind, text) in enumerate(lines, 1):
        cell = ws.cell(r, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "title":
            cell.font = Font(bold=True, size=14)
        elif kind == "head":
            cell.font = Font(bold=True)
        elif kind == "code":
            cell.font = Font(name="Courier New")


def write_criteria_workbook(criteria: CriteriaSet, path: Path | str, lang: str = "zh") -> None:
    from carbon_cli.core.fileio import write_workbook

    write_workbook(Path(path), criteria_workbook(criteria, lang))


# --- reading ----------------------------------------------------------------------------------


def check_criteria_workbook(path: Path | str, limits: Limits | None = None) -> WorkbookCheck:
    """Every problem of a criteria workbook, and its set when there is none."""
    tables = read_tables(path, limits)
    if tables.problems or tables.data is None:
        return WorkbookCheck(tables.file, tables.problems)
    try:
        return WorkbookCheck(tables.file, [], build_criteria(tables.origin, tables.data))
    except Malformed as exc:
        return WorkbookCheck(tables.file, [tables.malformed(str(exc))])


def read_criteria_workbook(path: Path | str, limits: Limits | None = None) -> CriteriaSet:
    """The set a criteria workbook holds (as `--criteria FILE.xlsx` reads it)."""
    from carbon_cli.scoring.criteria_files import load_criteria

    if limits is None:
        return load_criteria(str(path))
    check = check_criteria_workbook(path, limits)
    if check.criteria is None:
        raise WorkbookTables(check.file, None, check.problems, {}).error()
    return check.criteria
