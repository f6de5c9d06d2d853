"""An OpenDocument spreadsheet (.ods) looked at before calamine reads it.

`survey.container` inflates every part of the package under its limits first; this module then
streams content.xml once and reads, per table, what calamine does not give or needs to be
bounded first: the extent of the cells that hold something (repeated rows and columns counted
as written: LibreOffice pads every sheet with a million empty ones), error values (calamine reads
#DIV/0! as a blank), merged ranges and hidden state. A formula with no stored value is not told apart: LibreOffice
writes a formula whose result is empty text the same way, so both read as blank.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def _t(name: str) -> str:
    return f"{_TABLE} {name}"


class OdfError(Exception):
    """content.xml is not what an .ods holds; `zh`/`en` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class Unsafe(Exception):
    """content.xml declares a DOCTYPE or entities."""


@dataclass
class OdsSheet:
    name: str
    hidden: bool = False
    rows: int = 0
    columns: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)  # merged: r0, c0, r1, c1


def _count(attrs: dict[str, str], name: str) -> int:
    value = attrs.get(_t(name), "1")
    if not value.isdigit() or not 1 <= int(value) <= 1 << 24:
        raise OdfError(f"{name} 的值无效：{value[:20]}", f"invalid {name}: {value[:20]}")
    return int(value)


def scan(stream: IO[bytes], max_marks: int, on_too_many: Callable[[str], Exception]) -> list[OdsSheet]:
    """The tables of content.xml read from `stream`, in their order."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    hidden_styles: set[str] = set()
    sheets: list[OdsSheet] = []
    state: dict[str, Any] = {"style": None, "row": 0, "col": 0, "rows_rep": 1, "depth": 0}
    # the open cell: [row, first column, repeat, has content, is an error, the error's text]
    cell: list[Any] | None = None

    def refuse(*_: Any) -> None:
        raise Unsafe

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal cell
        if cell is not None:
            cell[3] = True  # any element inside a cell (text:p …) is content
            return
        if name == f"{_STYLE} style" and attrs.get(f"{_STYLE} family") == "table":
            state["style"] = attrs.get(f"{_STYLE} name")
        elif name == f"{_STYLE} table-properties" and attrs.get(_t("display")) == "false" and state["style"]:
            hidden_styles.add(state["style"])
        elif name == _t("table"):
            if state["depth"]:
                raise OdfError("表格中嵌套了表格", "a table nested in a table")
            state["depth"] = 1
            sheets.append(OdsSheet(attrs.get(_t("name"), ""), attrs.get(_t("style-name")) in hidden_styles))
            state["row"] = 0
        elif name == _t("table-row") and sheets:
            state["rows_rep"] = _count(attrs, "number-rows-repeated")
            state["col"] = 0
            state["row"] += 1
        elif name in (_t("table-cell"), _t("covered-table-cell")) and sheets:
            repeat = _count(attrs, "number-columns-repeated")
            content = _t("formula") in attrs or f"{_OFFICE} value-type" in attrs
            error = attrs.get(f"{_CALCEXT} value-type") == "error"
            cell = [state["row"], state["col"] + 1, repeat, content, error, []]
            sheet = sheets[-1]
            rows, columns = _count(attrs, "number-rows-spanned"), _count(attrs, "number-columns-spanned")
            if name == _t("table-cell") and (rows > 1 or columns > 1):
                r, c = state["row"], state["col"] + 1
                sheet.spans.append((r, c, r + rows - 1, c + columns - 1))
                if len(sheet.spans) > max_marks:
                    raise on_too_many(sheet.name)

    def end(name: str) -> None:
        nonlocal cell
        if cell is not None and name in (_t("table-cell"), _t("covered-table-cell")):
            row, col, repeat, content, error, text = cell
            sheet = sheets[-1]
            last = col + repeat - 1
            if content:
                sheet.columns = max(sheet.columns, last)
                sheet.rows = max(sheet.rows, row + state["rows_rep"] - 1)
                for r in range(row, row + min(state["rows_rep"], max_marks + 1) if error else row):
                    for c in range(col, min(last, col + max_marks) + 1):
                        if error:
                            sheet.errors[(r, c)] = "".join(text).strip()[:32] or "#N/A"
                    if len(sheet.errors) > max_marks:
                        raise on_too_many(sheet.name)
            state["col"] = last
            cell = None
        elif name == _t("table-row") and sheets:
            state["row"] += state["rows_rep"] - 1
            state["rows_rep"] = 1
        elif name == _t("table"):
            state["depth"] = 0
        elif name == f"{_STYLE} style":
            state["style"] = None

    def text(data: str) -> None:
        if cell is not None and cell[4] and len(cell[5]) < 8:
            cell[5].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        while chunk := stream.read(1 << 20):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        why = expat.ErrorString(exc.code)
        zh = f"content.xml 不是合法的 XML（第 {exc.lineno} 行：{why}）"
        raise OdfError(zh, f"content.xml is not valid XML (line {exc.lineno}: {why})") from None
    return sheets
