"""Opening a survey file and presenting every sheet as rows of raw cell values.

`opened` first has `survey.container` judge the file by its content and, for an .xlsx or .ods,
check every part of its zip package (limits, zip bombs, XML entities), for an .xls every record
of its Workbook stream, and read what each sheet holds beyond its values (hidden state, merged
ranges, extent, errors, formulas never computed). Only then does calamine (or, for an .xlsx,
openpyxl, the reference the tests compare it with) read the cached values; CSV text is decoded
and read here. Each sheet is a `SheetGrid` of raw values (`survey.cells`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from carbon_cli.core.i18n import Bilingual
from carbon_cli.survey.cells import FORMULA_WITHOUT_VALUE, Merged, SheetGrid, coordinate
from carbon_cli.survey.container import (
    MAX_CELLS,
    MAX_ROW,
    Limits,
    SheetInfo,
    input_error,
    kind_of_file,
)
from carbon_cli.survey.issues import InputError
from carbon_cli.survey.package import inspect_package, inspect_xls

# Which library reads the cached values of an xlsx: calamine (fast); openpyxl is kept as the
# reference the tests compare calamine's results with.
XLSX_READER = "calamine"


@contextlib.contextmanager
def opened(path: Path | str, limits: Limits | None = None) -> Iterator[list[SheetGrid]]:
    """Every sheet of a survey file as a grid of raw values, closed on exit.

    Raises InputError, naming the file (and sheet), when the file cannot be used.
    """
    path = Path(path)
    limits = limits or Limits()
    kind = kind_of_file(path, limits)
    if kind in ("package", "ole"):
        infos = inspect_package(path, limits) if kind == "package" else inspect_xls(path, limits)
        with path.open("rb") as stream:  # a stream: the reader judges the content, not the name
            xlsx = all(info.format == "xlsx" for info in infos) and kind == "package"
            read = _openpyxl_grids if XLSX_READER == "openpyxl" and xlsx else _calamine_grids
            book, grids = read(path, stream, infos)
            try:
                yield grids
            finally:
                book.close()
        return
    yield [_csv_grid(path)]


# --- the workbook through calamine -------------------------------------------------------------


def _calamine_grids(path: Path, stream: IO[bytes], infos: list[SheetInfo]) -> tuple[Any, list[SheetGrid]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_filelike(stream)
        names = [sheet.name for sheet in book.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet]
    except BaseException as exc:  # calamine raises its own types for a broken package
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise input_error(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None
    by_name = {info.name: info for info in infos}
    grids = []
    for name in names:
        info = by_name.get(name)
        if info is None:  # every sheet was measured before calamine lays it out
            raise input_error(path, "corrupt_workbook", detail=f"sheet {name!r} was not measured")
        grids.append(SheetGrid(name, info.hidden, _calamine_rows(path, book, info)))
    return book, grids


def _calamine_rows(path: Path, book: Any, info: SheetInfo) -> Any:
    covered, anchors = _covered(info)
    uncomputed, errors = info.uncomputed, info.errors
    date = dt.date

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        shown: dict[tuple[int, int], Any] = {}
        try:
            sheet = book.get_sheet_by_name(info.name)
            end = sheet.end
            if end is None:
                return
            last, width = end[0] + 1, end[1] + 1
            r = 0
            for raw in sheet.iter_rows():
                r += 1
                lead = [None] * (width - len(raw))  # calamine's rows start at the first column with a cell
                # As openpyxl gives them: whole numbers as int, no "" for an empty cell, dates as datetime.
                values = lead + [
                    (int(v) if v.is_integer() and -1e16 < v < 1e16 else v)
                    if type(v) is float
                    else (v or None)
                    if type(v) is str
                    else (dt.datetime(v.year, v.month, v.day) if type(v) is date else v)
                    for v in raw
                ]
                if uncomputed or covered or errors:
                    values = _patch(r, values, uncomputed, covered.get(r, ()), anchors, shown, errors)
                yield r, tuple(values)
            if r != last:  # a calamine release laying out rows differently: never misplace a cell
                raise RuntimeError(f"calamine gave {r} rows, the sheet ends at row {last}")
        except InputError:
            raise
        except RuntimeError:
            raise
        except BaseException as exc:  # calamine parsing hostile XML: any type, never a traceback
            if not isinstance(exc, Exception) and not _is_panic(exc):
                raise  # KeyboardInterrupt, SystemExit
            raise input_error(path, "corrupt_workbook", info.name, detail=f"{type(exc).__name__}: {exc}") from None

    return rows


def _is_panic(exc: BaseException) -> bool:
    """A panic inside calamine's Rust code reaches Python as pyo3's PanicException, a BaseException."""
    return type(exc).__name__ == "PanicException"


# --- the workbook through openpyxl --------------------------------------------------------------


def _openpyxl_grids(path: Path, stream: IO[bytes], infos: list[SheetInfo]) -> tuple[Any, list[SheetGrid]]:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True, keep_links=False)
        sheets = list(book.worksheets)
    except Exception as exc:  # openpyxl raises many types for a broken package
        raise input_error(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None
    by_name = {info.name: info for info in infos}
    grids = []
    for ws in sheets:
        info = by_name.get(ws.title, SheetInfo(ws.title))
        # The declared dimension can lie: too small drops rows, too large pads every row to
        # 16,384 columns. Rows are read as the XML holds them instead.
        ws.reset_dimensions()
        grids.append(SheetGrid(ws.title, info.hidden, _xlsx_rows(path, ws, info)))
    return book, grids


def _covered(info: SheetInfo) -> tuple[dict[int, list[tuple[int, int, int, str]]], set[tuple[int, int]]]:
    """Cells under merged ranges, by row: (column, anchor row, anchor column, range); and the anchors."""
    covered: dict[int, list[tuple[int, int, int, str]]] = {}
    for r0, c0, r1, c1 in info.merges:
        area = f"{coordinate(r0, c0)}:{coordinate(r1, c1)}"
        for r in range(r0, r1 + 1):
            covered.setdefault(r, []).extend((c, r0, c0, area) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    return covered, {(r0, c0) for r0, c0, _, _ in info.merges}


def _xlsx_rows(path: Path, ws: Any, info: SheetInfo) -> Any:
    covered, anchors = _covered(info)
    uncomputed = info.uncomputed

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        shown: dict[tuple[int, int], Any] = {}  # anchor → its value, shown across its range
        cells = 0
        try:
            for r, values in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), 1):
                cells += len(values)
                if r > MAX_ROW or cells > MAX_CELLS:
                    raise _too_large(path, ws.title, r)
                if uncomputed or covered:
                    values = _patch(r, values, uncomputed, covered.get(r, ()), anchors, shown)
                yield r, tuple(values)
        except InputError:
            raise
        except Exception as exc:  # openpyxl parsing hostile XML: any type, never a traceback
            raise input_error(path, "corrupt_workbook", ws.title, detail=f"{type(exc).__name__}: {exc}") from None

    return rows


def _too_large(path: Path, sheet: str, row: int) -> InputError:
    if row > MAX_ROW:  # only a forged file numbers rows past Excel's last one
        detail = Bilingual(f"行号超过 Excel 的上限 {MAX_ROW:,}", f"a row number past Excel's last row, {MAX_ROW:,}")
        return input_error(path, "corrupt_workbook", sheet, detail=detail)
    return input_error(path, "sheet_too_large", sheet, row=f"{row:,}", limit=f"{MAX_CELLS:,}")


def _patch(
    r: int,
    values: Any,
    uncomputed: set[tuple[int, int]],
    covered: Any,
    anchors: set[tuple[int, int]],
    shown: dict[tuple[int, int], Any],
    errors: dict[tuple[int, int], str] | None = None,
) -> list[Any]:
    out = list(values)
    for c, value in enumerate(values, start=1):
        if value is None and (r, c) in uncomputed:
            out[c - 1] = value = FORMULA_WITHOUT_VALUE
        elif value is None and errors and (r, c) in errors:
            out[c - 1] = value = errors[(r, c)]
        if (r, c) in anchors:
            shown[(r, c)] = value
    for c, r0, c0, area in covered:
        hidden = out[c - 1] if c <= len(out) else None
        value = shown.get((r0, c0))
        if value is None and hidden is None:
            continue
        if c > len(out):
            out.extend([None] * (c - len(out)))
        out[c - 1] = Merged(value, coordinate(r0, c0), r0, c0, area, hidden)
    return out


# --- CSV ------------------------------------------------------------------------------------------


def _decode(raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(encoding)
    return None


def _csv_grid(path: Path) -> SheetGrid:
    text = _decode(path.read_bytes())
    if text is None or "\x00" in text:
        raise input_error(path, "csv_encoding")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        reader = csv.reader(io.StringIO(text), dialect)
        cells = 0
        try:
            for r, values in enumerate(reader, start=1):
                cells += len(values)
                if cells > MAX_CELLS:
                    raise _too_large(path, path.stem, r)
                yield r, tuple(v if v.strip() else None for v in values)
        except csv.Error as exc:
            raise input_error(path, "bad_csv", path.stem, line=reader.line_num, detail=str(exc)) from None

    return SheetGrid(path.stem, False, rows)
