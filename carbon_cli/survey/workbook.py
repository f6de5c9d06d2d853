"""Opening survey files safely and presenting every sheet as rows of raw cell values.

Before openpyxl sees a file, its zip package is checked: the real format (xlsx, xls, ods,
Numbers, encrypted), every member inflated under a size limit (declared sizes can lie), XML
entity declarations refused, and per sheet: hidden state, merged ranges and whether formulas
are present. Only then is the workbook streamed (read-only, cached values).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from carbon_cli.issues import InputError, Issue, Location

SURVEY_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENTITY = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+):([A-Z]+\d+)"')
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """How much a single survey file may cost to open. Configurable from the CLI."""

    max_file_mb: float = 100.0
    max_inflated_mb: float = 512.0


class FormulaWithoutValue:
    """A cell holding a formula whose result was never computed and stored."""

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


@dataclass(frozen=True)
class Merged:
    """A cell covered by a merged range: it shows the value of the range's top-left cell."""

    value: Any
    anchor: str


@dataclass
class SheetInfo:
    name: str
    hidden: bool = False
    has_formulas: bool = False
    merges: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SheetGrid:
    """One sheet: yields (row number, values) with 1-based rows; column 1 is values[0]."""

    name: str
    hidden: bool
    _rows: Any

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        return self._rows()


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def coordinate(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def _split_coordinate(ref: str) -> tuple[int, int]:
    m = re.match(r"([A-Z]+)(\d+)", ref)
    assert m
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _fail(file: Path, code: str, **params: Any) -> InputError:
    return InputError(Issue(code, Location(str(file)), params=params))


def check_readable(path: Path, limits: Limits) -> None:
    if not path.exists():
        raise _fail(path, "file_not_found", path=str(path))
    if path.is_dir():
        raise _fail(path, "is_directory", path=str(path))
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except PermissionError:
        raise _fail(path, "permission_denied", path=str(path)) from None
    if size > limits.max_file_mb * 1024 * 1024:
        raise _fail(path, "workbook_too_large", limit_mb=f"{limits.max_file_mb:g}")


def _inflate_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> tuple[int, bytes]:
    """Inflate one member under `budget` bytes; return its size and the bytes worth scanning."""
    keep = info.filename.endswith(".xml") or info.filename.endswith(".rels")
    parts: list[bytes] = []
    total = 0
    with zf.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > budget:
                return total, b""
            if keep:
                parts.append(chunk)
    return total, b"".join(parts)


def inspect_package(path: Path, limits: Limits) -> list[SheetInfo]:
    """Check an .xlsx package and describe its sheets, without trusting its declared sizes."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(_OLE_MAGIC):
        data = path.read_bytes()[: 1 << 20]
        encrypted = "EncryptionInfo".encode("utf-16-le") in data
        raise _fail(path, "encrypted_workbook" if encrypted else "legacy_xls")
    if not head.startswith(b"PK"):
        raise _fail(path, "not_a_workbook")
    budget = int(limits.max_inflated_mb * 1024 * 1024)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                if "mimetype" in names and b"opendocument" in zf.read("mimetype")[:200]:
                    raise _fail(path, "unsupported_format", suffix=".ods")
                if any(n.startswith("Index/") or n.endswith(".iwa") for n in names):
                    raise _fail(path, "unsupported_format", suffix=".numbers")
                raise _fail(path, "not_a_workbook")
            xml: dict[str, bytes] = {}
            for info in zf.infolist():
                used, text = _inflate_member(zf, info, budget)
                budget -= used
                if budget < 0:
                    raise _fail(path, "workbook_too_large", limit_mb=f"{limits.max_inflated_mb:g}")
                if text:
                    if _ENTITY.search(text[:4096]) or b"<!ENTITY" in text:
                        raise _fail(path, "unsafe_xml")
                    if info.filename.startswith("xl/"):
                        xml[info.filename] = text
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError) as exc:
        raise _fail(path, "corrupt_workbook", detail=str(exc) or type(exc).__name__) from None
    return _sheets(path, xml)


def _sheets(path: Path, xml: dict[str, bytes]) -> list[SheetInfo]:
    from defusedxml import ElementTree

    try:
        book = ElementTree.fromstring(xml["xl/workbook.xml"])
        rels = ElementTree.fromstring(xml.get("xl/_rels/workbook.xml.rels", b"<r/>"))
    except Exception as exc:  # defusedxml and expat raise several types for bad XML
        raise _fail(path, "corrupt_workbook", detail=str(exc)) from None
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = str(PurePosixPath(target))
    sheets = []
    for node in book.iter():
        if not node.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in node.attrib.items() if k.endswith("}id")), None)
        member = xml.get(targets.get(rid, ""), b"")
        sheets.append(
            SheetInfo(
                name=node.get("name", ""),
                hidden=node.get("state", "visible") != "visible",
                has_formulas=bool(_FORMULA.search(member)),
                merges=[(a.decode(), b.decode()) for a, b in _MERGE.findall(member)],
            )
        )
    return sheets


def open_grids(path: Path, limits: Limits | None = None) -> list[SheetGrid]:
    """Every sheet of a survey file as a grid of raw values; raises InputError when unusable."""
    limits = limits or Limits()
    check_readable(path, limits)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [_csv_grid(path)]
    if suffix in (".xls", ".ods", ".numbers", ".et", ".wps"):
        raise _fail(path, "legacy_xls" if suffix in (".xls", ".et") else "unsupported_format",
                    suffix=suffix)
    infos = inspect_package(path, limits)
    return _xlsx_grids(path, infos)


def _xlsx_grids(path: Path, infos: list[SheetInfo]) -> list[SheetGrid]:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a broken package
        raise _fail(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None
    by_name = {info.name: info for info in infos}
    grids = []
    formula_book = None
    for ws in book.worksheets:
        info = by_name.get(ws.title, SheetInfo(ws.title))
        formulas: set[tuple[int, int]] = set()
        if info.has_formulas:
            if formula_book is None:
                formula_book = openpyxl.load_workbook(path, read_only=True, data_only=False)
            formulas = _formula_cells(formula_book[ws.title])
        grids.append(SheetGrid(ws.title, info.hidden, _xlsx_rows(path, ws, formulas, info.merges)))
    return grids


def _formula_cells(ws: Any) -> set[tuple[int, int]]:
    cells = set()
    for r, row in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str) and value.startswith("="):
                cells.add((r, c))
    return cells


def _xlsx_rows(path: Path, ws: Any, formulas: set, merges: list[tuple[str, str]]) -> Any:
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for first, last in merges:
        r0, c0 = _split_coordinate(first)
        r1, c1 = _split_coordinate(last)
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 10_000:
            continue  # a merge over a whole block of a sheet carries no survey value
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0)
    anchors = set(covered.values())

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        anchor_values: dict[tuple[int, int], Any] = {}
        try:
            for r, values in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), 1):
                if formulas or covered:
                    values = _patch(r, values, formulas, covered, anchors, anchor_values)
                yield r, values
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as exc:
            raise _fail(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None

    return rows


def _patch(r, values, formulas, covered, anchors, anchor_values) -> tuple[Any, ...]:
    out = list(values)
    for c, value in enumerate(values, start=1):
        if (r, c) in anchors:
            anchor_values[(r, c)] = value
        if value is None and (r, c) in formulas:
            out[c - 1] = FORMULA_WITHOUT_VALUE
        elif value is None and (r, c) in covered:
            anchor = covered[(r, c)]
            if anchor_values.get(anchor) is not None:
                out[c - 1] = Merged(anchor_values[anchor], coordinate(*anchor))
    return tuple(out)


def _csv_grid(path: Path) -> SheetGrid:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _fail(path, "corrupt_workbook", detail="not UTF-8 or GB18030 text")
    if "\x00" in text:
        raise _fail(path, "not_a_workbook")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        reader = csv.reader(io.StringIO(text), dialect)
        for r, values in enumerate(reader, start=1):
            yield r, tuple(v if v.strip() else None for v in values)

    return SheetGrid(path.stem, False, rows)


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Issue]]:
    """Files named, and survey files found (recursively, sorted) in folders named."""
    files: list[Path] = []
    problems: list[Issue] = []
    for path in paths:
        if path.is_dir():
            outputs = {p.parent for p in path.rglob(".carbon-cli.json")}  # earlier batch outputs
            found = sorted(
                p for p in path.rglob("*")
                if p.suffix.lower() in SURVEY_SUFFIXES and p.is_file()
                and not p.name.startswith(("~$", ".~"))  # Excel/WPS lock files
                and not any(folder in p.parents for folder in outputs)
            )
            if not found:
                problems.append(Issue("no_workbooks", Location(str(path)), params={"path": str(path)}))
            files.extend(found)
        else:
            files.append(path)
    return files, problems
