"""What a sheet's cells hold once read, and where they are.

A sheet is a grid of raw values (`SheetGrid`), as `survey.workbook.opened` gives it; two markers
stand for what a value alone cannot say: a formula whose result was never stored
(`FORMULA_WITHOUT_VALUE`) and a cell under a merged range (`Merged`). A1 references convert to and
from (row, column), both 1-based.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


class FormulaWithoutValue:
    """A cell holding a formula whose result was never computed and stored."""

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


@dataclass(frozen=True)
class Merged:
    """A cell covered by a merged range. Excel shows the value of the range's top-left cell
    (`value`, at `anchor` = row, column) across the range; a value stored in the covered cell
    itself is not shown (`hidden`)."""

    value: Any
    anchor: str
    row: int = 0
    col: int = 0
    area: str = ""
    hidden: Any = None

    def __str__(self) -> str:  # what Excel shows in the cell
        return "" if self.value is None else str(self.value)


@dataclass
class SheetGrid:
    """One sheet: yields (row number, values) with 1-based rows; column 1 is values[0]."""

    name: str
    hidden: bool
    _rows: Any

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        return self._rows()


@functools.cache
def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def coordinate(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def split_coordinate(ref: str) -> tuple[int, int] | None:
    """("F12") → (12, 6); None for anything that is not a cell reference."""
    m = _REF.match(ref.strip().upper())
    if m is None:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col
