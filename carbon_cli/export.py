"""Batch results as CSV, XLSX and JSON; safe file names; spreadsheet formula-injection guard."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
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


def xlsx_bytes(sheets: list[tuple[str, list[str], list[dict[str, Any]]]]) -> bytes:
    """Sheets of (title, columns, rows); strings neutralised, bytes identical across runs.
    Written in openpyxl's write-only mode: rows stream out instead of living as cell objects."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from carbon_cli.fileio import workbook_bytes

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        for i, column in enumerate(columns, start=1):
            width = max([len(str(column))] + [len(str(r.get(column) or "")) for r in rows[:200]])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([neutralise(_xlsx_value(row.get(c))) for c in columns])
    return workbook_bytes(book)


def _xlsx_value(value: Any) -> Any:
    """A value openpyxl can store; neutralised after this, so a removed character cannot
    uncover a formula."""
    if isinstance(value, list | tuple | dict):
        return dumps(value).strip()
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
