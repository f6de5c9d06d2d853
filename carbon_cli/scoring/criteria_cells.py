"""What reading a criteria workbook finds, cell by cell: each `Problem` (sheet, cell, column, what
was found and expected, worded in `data/messages.toml` under `criteria_<code>`), the tables read
(`WorkbookTables`), and one cell's value read as a number or as text."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbon_cli.core import i18n
from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import Bilingual
from carbon_cli.scoring.criteria_layout import (
    ALIASES,
    CATEGORY_COLUMNS,
    GRADE_COLUMNS,
    ITEM_COLUMNS,
    NOT_ASSESSABLE_COLUMNS,
    SET_ROWS,
    SHEET_ABOUT,
    SHEET_CATEGORIES,
    SHEET_GRADES,
    SHEET_ITEMS,
    SHEET_LISTS,
    SHEET_NOT_ASSESSABLE,
    SHEET_SET,
)
from carbon_cli.survey.cells import FormulaWithoutValue, Merged, split_coordinate


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a criteria workbook, at a sheet, cell and column."""

    code: str
    sheet: str
    cell: str = ""
    field: str = ""  # the column's key (metric, zero, …)
    found: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False, compare=False)

    def message(self, lang: str = "zh") -> str:
        return i18n.message(f"criteria_{self.code}", lang, **self.params)

    def expected(self, lang: str = "zh") -> str:
        return i18n.expected(f"criteria_{self.code}", lang, **self.params)

    def field_label(self, lang: str = "zh") -> str:
        if self.sheet == SHEET_SET:
            return next(((zh if lang == "zh" else en) for k, zh, en in SET_ROWS if k == self.field), self.field)
        columns = {
            SHEET_GRADES: GRADE_COLUMNS,
            SHEET_CATEGORIES: CATEGORY_COLUMNS,
            SHEET_NOT_ASSESSABLE: NOT_ASSESSABLE_COLUMNS,
        }.get(self.sheet, ITEM_COLUMNS)
        return next((c.label(lang) for c in columns if c.key == self.field), self.field)

    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def describe(self, lang: str = "zh") -> str:
        """One line: sheet!cell [column]: what is wrong (found …; expected …)."""
        column = f" [{self.field_label(lang)}]" if self.field else ""
        found = f"{'找到' if lang == 'zh' else 'found'} “{self.found}”" if self.found else ""
        expected = self.expected(lang)
        expected = f"{'应为' if lang == 'zh' else 'expected'} {expected}" if expected else ""
        tail = ("；" if lang == "zh" else "; ").join(p for p in (found, expected) if p)
        return f"{self.where()}{column}: {self.message(lang)}" + (
            f"（{tail}）" if lang == "zh" else f" ({tail})"
        ) * bool(tail)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "code": self.code,
            "sheet": self.sheet,
            "cell": self.cell or None,
            "field": self.field or None,
            "field_label": self.field_label(lang) if self.field else None,
            "found": self.found or None,
            "message": self.message(lang),
            "expected": self.expected(lang) or None,
        }


def shown_number(value: float | None) -> Any:
    """A number as exactly as it was (the shortest text that reads back to the same float)."""
    if value is None:
        return ""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class MetricRef:
    """What the checks need to know of a metric: yes/no or a number, and whether it reads a baseline."""

    kind: str
    is_bool: bool
    needs_baseline: bool


@dataclass
class WorkbookTables:
    """A criteria workbook read into the tables of a TOML set (`data`), or its problems."""

    file: str
    data: dict[str, Any] | None
    problems: list[Problem]
    rows_of: dict[str, list[tuple[str, int]]]

    @property
    def origin(self) -> str:
        meta = (self.data or {}).get("set", {})
        return str(meta.get("id") or Path(self.file).stem)

    def malformed(self, detail: str) -> Problem:
        """A problem the workbook checks did not foresee (raised by `build_criteria`), placed at
        its entry's row."""
        m = re.match(r"(controls|items|grades|categories|not_assessable)\[(\d+)\]", detail)
        sheet, cell = SHEET_ITEMS, ""
        if m:
            _, row = self.rows_of[m.group(1)][int(m.group(2))]
            sheet = {
                "grades": SHEET_GRADES,
                "categories": SHEET_CATEGORIES,
                "not_assessable": SHEET_NOT_ASSESSABLE,
            }.get(m.group(1), SHEET_ITEMS)
            cell = f"A{row}"
        return Problem("malformed", sheet, cell, params={"detail": detail})

    def error(self) -> CarbonError:
        """`bad_data_file` naming the first problem, and how many more `criteria check` shows."""
        first = self.problems[0]
        more = len(self.problems) - 1
        zh, en = first.describe("zh"), first.describe("en")
        if more:
            zh += f"；另有 {more} 个问题，运行 carbon criteria check {self.file} 查看全部"
            en += f"; {more} more: run carbon criteria check {self.file} to see them all"
        return CarbonError("bad_data_file", kind="criteria", path=self.file, detail=Bilingual(zh, en))


SHEET_ORDER = (
    SHEET_ABOUT,
    SHEET_SET,
    SHEET_ITEMS,
    SHEET_GRADES,
    SHEET_CATEGORIES,
    SHEET_NOT_ASSESSABLE,
    SHEET_LISTS,
)


def place(problem: Problem) -> tuple[int, int, int]:
    """Problems in the order a person meets them: sheet by sheet, row by row, left to right."""
    sheet = SHEET_ORDER.index(problem.sheet) if problem.sheet in SHEET_ORDER else len(SHEET_ORDER)
    row, col = split_coordinate(problem.cell) or (0, 0)
    return sheet, row, col


def plain(value: Any) -> Any:
    if isinstance(value, Merged):
        return value.value
    return value


def normal(text: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def lookup(table: dict[str, tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, labels in table.items():
        for name in (code, *labels, *ALIASES.get(code, ())):
            out[normal(name)] = code
    return out


SPLIT = re.compile(r"[,，、;；+＋\s]+")


STEP = re.compile(r"^(?:≥|>=|≧)?\s*(\S+?)\s*(?:→|->|=>|:|：)\s*(\S+)$")


class NotNumber(Exception):
    pass


class NoValue(Exception):
    pass


def cell_number(value: Any) -> float | None:
    """A cell as a number; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, FormulaWithoutValue):
        raise NoValue
    if isinstance(value, bool):
        raise NotNumber
    if isinstance(value, int | float):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise NotNumber from None


def cell_text(value: Any) -> str:
    if value is None or isinstance(value, FormulaWithoutValue):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
