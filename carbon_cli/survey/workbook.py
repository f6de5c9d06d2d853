"""Opening survey files safely and presenting every sheet as rows of raw cell values.

A file is judged by its content, not its name: an OLE container (legacy .xls, or any
password-protected workbook), a zip package (.xlsx, or an .ods/.numbers/.docx in disguise), a web
page saved as ".xls", or CSV text. Before the xlsx reader sees a package, every part is inflated
here from its raw bytes under limits that do not trust the zip header (declared sizes can lie): a
total budget, a compression-ratio ceiling against zip bombs, the sizes and checksums the header
claims. XML entity declarations are refused. Per sheet, hidden state, merged ranges, the extent
of the cells (the reader lays a sheet out as a full grid), error values and the formulas that
have no stored result are read. Only then does calamine read the cached values.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from carbon_cli.core.i18n import Bilingual
from carbon_cli.survey.issues import InputError, Issue, Location

SURVEY_SUFFIXES = (".xlsx", ".xlsm", ".csv")
# Spreadsheets carbon-cli cannot read: found in a folder they are reported, never silently skipped.
OTHER_SPREADSHEETS = (".xls", ".xlsb", ".et", ".ods", ".numbers")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")

_MB = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAMS = tuple(name.encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage"))
_ENTITY = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# Each pattern starts with literal text, which the regex engine skips to: a search through a
# chunk holding none of them costs little (an alternation or a class in front would try every byte).
_FORMULAS = (re.compile(rb"<f[ >/]"), re.compile(rb":f[ >/]"))  # <f>, or <x:f> with a prefix
_MERGE = re.compile(rb"mergeCell[ >/]")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")
# An error value: t="e" as writers put it, or its cached text (#DIV/0!, #N/A …) however written.
_ERROR_CELLS = (re.compile(rb't="e"'), re.compile(rb"<v>#"), re.compile(rb":v>#"))
# Cells as Excel, WPS, LibreOffice and openpyxl write them: `<c r="F12"`, the reference first.
# Their extent is read from the references alone; any other cell (no reference, another
# attribute first, a namespace prefix, quotes or spaces written otherwise) sends the sheet
# through the full XML parse instead.
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_ODD_CELLS = (re.compile(rb"<c[\t\r\n>/]"), re.compile(rb":c[\s/>]"))
_IN_CHUNK = 64 * 1024  # compressed bytes read at a time: a bomb is caught within a few MB
_OUT_CHUNK = _MB
_OVERLAP = 64  # bytes kept between chunks so a tag split across two chunks is still seen
_KEPT_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
# Pictures no reader parses as XML: an SVG logo may well carry a <!DOCTYPE>, harmless there.
_MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".wdp", ".bin")
_MAX_KEPT_BYTES = 16 * _MB
_MAX_PARTS = 10_000
_RATIO_FLOOR_MB = 32  # below this a part may compress as well as it likes (blank rows, styles)
_MAX_UNCOMPUTED = 100_000
_MAX_MERGED_CELLS = 200_000
_MAX_MERGE_AREA = 10_000  # a merge over a whole block of a sheet carries no survey value
_MAX_ROW = 1_048_576  # Excel's last row
_MAX_COLUMN = 16_384  # Excel's last column, XFD
# Cells of one sheet's grid (rows x columns up to its farthest cell, blanks included): a district
# table has about a million; a forged sheet (a stray cell in column XFD of every row, or one far
# cell) would otherwise make the reader lay out billions.
_MAX_CELLS = 20_000_000
# Which library reads the cached values of an xlsx: calamine (fast); openpyxl is kept as the
# reference the tests compare calamine's results with.
XLSX_READER = "calamine"


@dataclass(frozen=True)
class Limits:
    """How much a single survey file may cost to open. Configurable from the CLI."""

    max_file_mb: float = 100.0
    max_inflated_mb: float = 512.0
    # Once a part inflates past _RATIO_FLOOR_MB, inflated/compressed above this is a zip bomb
    # (real xlsx parts compress 5-20:1; a bomb of zeros 1000:1).
    max_ratio: float = 100.0


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
class SheetInfo:
    name: str
    hidden: bool = False
    member: str = ""
    uncomputed: set[tuple[int, int]] = field(default_factory=set)  # formulas with no stored result
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # Excel error values ("#DIV/0!")
    rows: int = 0  # the farthest cell's row and column
    columns: int = 0


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


def _fail(file: Path, code: str, sheet: str | None = None, **params: Any) -> InputError:
    return InputError(Issue(code, Location(str(file), sheet), params=params))


def _mb(size: float) -> str:
    return f"{size / _MB:,.1f}"


# --- the file as a whole --------------------------------------------------------------------


def check_readable(path: Path, limits: Limits) -> int:
    """The file's size, once it is known to be a regular, readable file under the size limit."""
    try:
        if not path.exists():
            raise _fail(path, "file_not_found", path=str(path))
        if path.is_dir():
            raise _fail(path, "is_directory", path=str(path))
        if not path.is_file():
            raise _fail(path, "not_a_file", path=str(path))  # a pipe or a device would hang or never end
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except PermissionError:
        raise _fail(path, "permission_denied", path=str(path)) from None
    except OSError as exc:
        raise _fail(path, "read_failed", detail=exc.strerror or type(exc).__name__) from None
    if size == 0:
        raise _fail(path, "empty_file")
    if size > limits.max_file_mb * _MB:
        raise _fail(path, "file_too_large", size_mb=_mb(size), limit_mb=f"{limits.max_file_mb:g}")
    return size


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(512)


def _ole_is_encrypted(path: Path) -> bool:
    """Whether an OLE container holds the streams of an encrypted OOXML package."""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(_MB):
            buffer = tail + chunk
            if any(name in buffer for name in _ENCRYPTION_STREAMS):
                return True
            tail = buffer[-40:]
    return False


def _looks_like_markup(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<")


@contextlib.contextmanager
def opened(path: Path | str, limits: Limits | None = None) -> Iterator[list[SheetGrid]]:
    """Every sheet of a survey file as a grid of raw values, closed on exit.

    Raises InputError, naming the file (and sheet), when the file cannot be used.
    """
    path = Path(path)
    limits = limits or Limits()
    check_readable(path, limits)
    try:
        head = _head(path)
    except OSError as exc:
        raise _fail(path, "read_failed", detail=exc.strerror or type(exc).__name__) from None
    suffix = path.suffix.lower()
    if head.startswith(_OLE_MAGIC):
        raise _fail(path, "encrypted_workbook" if _ole_is_encrypted(path) else "legacy_xls", suffix=suffix)
    if head.startswith(b"PK"):
        infos = inspect_package(path, limits)
        with path.open("rb") as stream:  # a stream: a reader given a path named .xls reads it as .xls
            read = _calamine_grids if XLSX_READER == "calamine" else _openpyxl_grids
            book, grids = read(path, stream, infos)
            try:
                yield grids
            finally:
                book.close()
        return
    if suffix in TEXT_SUFFIXES:
        yield [_csv_grid(path)]
        return
    if _looks_like_markup(head):
        raise _fail(path, "html_table", suffix=suffix or "(none)")
    if suffix in OTHER_SPREADSHEETS:
        raise _fail(path, "legacy_xls" if suffix in (".xls", ".et") else "unsupported_format", suffix=suffix)
    raise _fail(path, "not_a_workbook")


# --- the zip package --------------------------------------------------------------------------


class _Scan:
    """What the inflated bytes of one part reveal, looked at chunk by chunk."""

    def __init__(self, keep: bool, xml: bool = True) -> None:
        self.keep = keep
        self.xml = xml  # a part that may be a sheet: its cells are looked at
        self.parts: list[bytes] = []
        self.kept = 0
        self.tail = b""
        self.entity = self.formula = self.merge = self.error = self.odd = False
        self.merge_refs: set[bytes] = set()  # sets: a tag seen again in the overlap counts once
        self.columns: set[bytes] = set()
        self.rows: set[bytes] = set()

    def feed(self, chunk: bytes, last: bool = False) -> None:
        buffer = self.tail + chunk
        if self.xml:  # looked at up to the last complete tag, so that each tag is counted once
            cut = len(buffer) if last else buffer.rfind(b">") + 1
            if len(buffer) - cut > _MB:  # a megabyte without a tag end: no sheet has one, so the
                self.odd = True  # full parse measures it; overlapping chunks still show every tag
                self.tail = buffer[-_OVERLAP:]
            else:
                self.tail, buffer = buffer[cut:], buffer[:cut]
        else:
            self.tail = buffer[-_OVERLAP:]
        self.entity = self.entity or bool(_ENTITY.search(buffer))
        if self.xml:
            self.error = self.error or any(p.search(buffer) for p in _ERROR_CELLS)
            columns = _CELL_COLUMN.findall(buffer)
            self.odd = self.odd or len(columns) != buffer.count(b"<c ")
            self.columns.update(columns)
            self.rows.update(_CELL_ROW.findall(buffer))
            self.formula = self.formula or any(p.search(buffer) for p in _FORMULAS)
            self.odd = self.odd or any(p.search(buffer) for p in _ODD_CELLS)
            if _MERGE.search(buffer):
                self.merge = True
                self.merge_refs.update(_MERGE_REF.findall(buffer))
        if self.keep:
            self.kept += len(chunk)
            if self.kept <= _MAX_KEPT_BYTES:
                self.parts.append(chunk)

    def extent(self) -> tuple[int, int]:
        """(rows, columns) up to the farthest cell, from the references seen."""
        rows = max((int(r) for r in self.rows), default=0)
        columns = max((split_coordinate(c.decode() + "1") or (0, 0))[1] for c in self.columns) if self.columns else 0
        return rows, columns


class _TooLarge(Exception):
    pass


class _Bomb(Exception):
    def __init__(self, inflated: int, packed: int) -> None:
        self.inflated, self.packed = inflated, packed


class _Corrupt(Exception):
    def __init__(self, zh: str, en: str) -> None:
        self.detail = Bilingual(zh, en)


TRUNCATED = Bilingual(
    "文件不完整：末尾缺失，可能是下载、复制或保存附件时中断",
    "the file is incomplete: its end is missing (an interrupted download, copy or attachment save?)",
)


class _Truncated(Exception):
    pass


class _Encrypted(Exception):
    pass


def _inflate(raw: IO[bytes], info: zipfile.ZipInfo, budget: int, limits: Limits, scan: _Scan) -> int:
    """Inflate one part from its raw bytes, counting what comes out; return its true size.

    zipfile stops at the size the header declares; a bomb declares a small size, so the header
    is checked against what the data really holds, and the budget is enforced while inflating.
    """
    if info.flag_bits & 0x1:
        raise _Encrypted
    raw.seek(info.header_offset)
    local = raw.read(30)
    if len(local) < 30:
        raise _Truncated
    if local[:4] != b"PK\x03\x04":
        raise _Corrupt(f"{info.filename} 的文件头已损坏", f"the header of {info.filename} is damaged")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflater: Any = zlib.decompressobj(-15)
    elif info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    else:
        raise _Corrupt(
            f"{info.filename} 使用了压缩方法 {info.compress_type}（Excel 只用 deflate）",
            f"{info.filename} uses compression method {info.compress_type} (Excel uses deflate)",
        )
    total = crc = packed = 0
    floor = _RATIO_FLOOR_MB * _MB

    def emit(out: bytes) -> None:
        nonlocal total, crc
        if not out:
            return
        total += len(out)
        if total > budget:
            raise _TooLarge
        if total > floor and total > limits.max_ratio * max(packed, 1):
            raise _Bomb(total, packed)
        crc = zlib.crc32(out, crc)
        scan.feed(out)

    left = info.compress_size
    while left > 0:
        data = raw.read(min(_IN_CHUNK, left))
        if not data:
            raise _Truncated
        left -= len(data)
        packed += len(data)
        if inflater is None:
            emit(data)
            continue
        try:
            emit(inflater.decompress(data, _OUT_CHUNK))
            while inflater.unconsumed_tail:
                emit(inflater.decompress(inflater.unconsumed_tail, _OUT_CHUNK))
        except zlib.error:
            raise _Corrupt(*_damaged(info.filename)) from None
        if inflater.eof:
            break
    if inflater is not None:
        try:
            emit(inflater.flush())
        except zlib.error:
            raise _Corrupt(*_damaged(info.filename)) from None
        if not inflater.eof:
            raise _Truncated
    scan.feed(b"", last=True)
    if total != info.file_size:
        raise _Corrupt(
            f"{info.filename} 解压后有 {total} 字节，与文件头记录的 {info.file_size} 字节不符",
            f"{info.filename} inflates to {total} bytes, its header says {info.file_size}",
        )
    if crc != info.CRC:
        raise _Corrupt(f"{info.filename} 的校验和 (CRC-32) 不符", f"{info.filename}: checksum (CRC-32) mismatch")
    return total


def _damaged(part: str) -> tuple[str, str]:
    return f"{part} 的压缩数据已损坏", f"the compressed data of {part} is damaged"


def _kind_of_package(names: set[str], zf: zipfile.ZipFile) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return ".xlsb"
    if "mimetype" in names:
        with zf.open("mimetype") as f:
            if b"opendocument" in f.read(200):
                return ".ods"
    if any(n.startswith("Index/") or n.endswith(".iwa") for n in names):
        return ".numbers"
    return "zip"


def inspect_package(path: Path, limits: Limits) -> list[SheetInfo]:
    """Check an .xlsx package part by part and describe its sheets, trusting no declared size."""
    budget = int(limits.max_inflated_mb * _MB)
    try:
        with path.open("rb") as raw, zipfile.ZipFile(raw) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > _MAX_PARTS:
                count = len(infos)
                raise _Corrupt(f"包含 {count} 个部件，远超任何工作簿", f"{count} parts, far more than any workbook")
            names = {i.filename for i in infos}
            if len(names) < len(infos):  # readers differ on which copy they take: the one measured may not be read
                raise _Corrupt("同一部件出现两次", "a part appears twice in the package")
            kind = _kind_of_package(names, zf)
            if kind == "zip":
                raise _fail(path, "zip_not_workbook")
            if kind != "xlsx":
                raise _fail(path, "unsupported_format", suffix=kind)
            if sum(i.file_size for i in infos) > budget:  # an honest bomb says so up front
                raise _TooLarge
            kept: dict[str, bytes] = {}
            flags: dict[str, _Scan] = {}
            for info in infos:
                media = info.filename.lower().endswith(_MEDIA_SUFFIXES)
                scan = _Scan(keep=info.filename in _KEPT_PARTS, xml=not media)
                budget -= _inflate(raw, info, budget, limits, scan)
                if scan.entity and not media:
                    raise _fail(path, "unsafe_xml", part=info.filename)
                if scan.keep:
                    if scan.kept > _MAX_KEPT_BYTES:
                        raise _Corrupt(
                            f"{info.filename} 大得异常（{scan.kept} 字节）",
                            f"{info.filename} is abnormally large ({scan.kept} bytes)",
                        )
                    kept[info.filename] = b"".join(scan.parts)
                flags[info.filename] = scan
            sheets = _sheets(path, kept)
            for sheet in sheets:
                if sheet.member not in flags:
                    raise _Corrupt(f"缺少工作表部件 {sheet.member}", f"the sheet part {sheet.member} is missing")
                scan = flags[sheet.member]
                if scan.entity:  # a "picture" that a sheet points to, read as XML
                    raise _fail(path, "unsafe_xml", part=sheet.member)
                if scan.formula or scan.error or scan.odd or not scan.xml:
                    _read_cell_facts(path, zf, sheet)  # a full parse, only where the tags do not tell
                else:
                    sheet.rows, sheet.columns = scan.extent()
                    if scan.merge:
                        collect, merges = _merge_collector(path, sheet)
                        for ref in sorted(scan.merge_refs):
                            collect(ref.decode())
                        sheet.merges = merges
                _check_extent(path, sheet)
            return sheets
    except InputError:
        raise
    except _TooLarge:
        raise _fail(path, "workbook_too_large", limit_mb=f"{limits.max_inflated_mb:g}") from None
    except _Bomb as bomb:
        raise _fail(path, "zip_bomb", inflated_mb=_mb(bomb.inflated), packed_mb=f"{bomb.packed / _MB:,.2f}") from None
    except _Encrypted:
        raise _fail(path, "encrypted_workbook") from None
    except _Truncated:
        raise _fail(path, "corrupt_workbook", detail=TRUNCATED) from None
    except _Corrupt as exc:
        raise _fail(path, "corrupt_workbook", detail=exc.detail) from None
    except zipfile.BadZipFile as exc:
        if str(exc) == "File is not a zip file":  # no central directory: the end of the file is missing
            raise _fail(path, "corrupt_workbook", detail=TRUNCATED) from None
        raise _fail(path, "corrupt_workbook", detail=str(exc)) from None
    except Exception as exc:  # zipfile and struct raise many types for a mangled package
        raise _fail(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None


def _sheets(path: Path, xml: dict[str, bytes]) -> list[SheetInfo]:
    from defusedxml import ElementTree

    try:
        book = ElementTree.fromstring(xml["xl/workbook.xml"])
        rels = ElementTree.fromstring(xml.get("xl/_rels/workbook.xml.rels", b"<r/>"))
    except Exception as exc:  # defusedxml and expat raise several types for bad XML
        raise _Corrupt(
            f"xl/workbook.xml 不是合法的 XML（{exc}）", f"xl/workbook.xml is not valid XML ({exc})"
        ) from None
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = posixpath.normpath(target)
    sheets = []
    for node in book.iter():
        if not node.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in node.attrib.items() if k.endswith("}id")), None)
        sheets.append(
            SheetInfo(
                name=node.get("name", ""), hidden=node.get("state", "visible") != "visible", member=targets.get(rid, "")
            )
        )
    return sheets


def _read_cell_facts(path: Path, zf: zipfile.ZipFile, sheet: SheetInfo) -> None:
    """Formulas without a stored result and merged ranges of one sheet, by streaming its XML.

    openpyxl gives None both for a formula never computed and for one whose result is empty
    text; only the XML tells them apart (`<v/>` versus t="str" with an empty `<v></v>`).
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state: dict[str, Any] = {"row": 0, "col": 0, "t": None, "f": False, "v": None, "in_v": False, "text": []}
    collect, merges = _merge_collector(path, sheet)
    extent = [0, 0]

    def refuse(*_: Any) -> None:
        raise _fail(path, "unsafe_xml", sheet.name, part=sheet.member)

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            ref = split_coordinate(attrs.get("r", "")) if attrs.get("r") else None
            if ref:
                state["row"], state["col"] = ref
            else:
                state["col"] += 1
            state.update(t=attrs.get("t"), f=False, v=None, text=[])
            extent[0] = max(extent[0], state["row"])
            extent[1] = max(extent[1], state["col"])
        elif local == "row":
            r = attrs.get("r", "")
            state["row"] = int(r) if r.isdigit() else state["row"] + 1
            state["col"] = 0
        elif local == "f":
            state["f"] = True
        elif local == "v":
            state["v"], state["in_v"] = False, True
        elif local == "mergeCell":
            collect(attrs.get("ref", ""))

    def end(name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "v":
            state["in_v"] = False
        elif local == "c" and state["t"] == "e" and state["v"]:
            sheet.errors[(state["row"], state["col"])] = "".join(state["text"]).strip()[:32]
            if len(sheet.errors) > _MAX_UNCOMPUTED:
                raise _fail(path, "formulas_not_computed", sheet.name, count=f"{_MAX_UNCOMPUTED:,}")
        elif local == "c" and state["f"]:
            computed = state["v"] is True or (state["v"] is False and state["t"] == "str")
            if not computed:
                sheet.uncomputed.add((state["row"], state["col"]))
                if len(sheet.uncomputed) > _MAX_UNCOMPUTED:
                    raise _fail(path, "formulas_not_computed", sheet.name, count=f"{_MAX_UNCOMPUTED:,}")

    def text(data: str) -> None:
        if state["in_v"]:
            if not state["v"] and data.strip():
                state["v"] = True
            if state["t"] == "e" and len(state["text"]) < 8:
                state["text"].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        with zf.open(sheet.member) as stream:
            while chunk := stream.read(_MB):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        why = expat.ErrorString(exc.code)
        detail = Bilingual(
            f"{sheet.member} 不是合法的 XML（第 {exc.lineno} 行：{why}）",
            f"{sheet.member} is not valid XML (line {exc.lineno}: {why})",
        )
        raise _fail(path, "corrupt_workbook", sheet.name, detail=detail) from None
    sheet.merges = merges
    sheet.rows, sheet.columns = extent


def _check_extent(path: Path, sheet: SheetInfo) -> None:
    """Refuse a sheet whose grid the reader could not lay out in bounded memory."""
    if sheet.rows > _MAX_ROW:  # only a forged file numbers rows past Excel's last one
        detail = Bilingual(f"行号超过 Excel 的上限 {_MAX_ROW:,}", f"a row number past Excel's last row, {_MAX_ROW:,}")
        raise _fail(path, "corrupt_workbook", sheet.name, detail=detail)
    if sheet.columns > _MAX_COLUMN:
        detail = Bilingual("列号超过 Excel 的最后一列 XFD", "a column past Excel's last column, XFD")
        raise _fail(path, "corrupt_workbook", sheet.name, detail=detail)
    if sheet.rows * sheet.columns > _MAX_CELLS:
        row = _MAX_CELLS // sheet.columns + 1
        raise _fail(path, "sheet_too_large", sheet.name, row=f"{row:,}", limit=f"{_MAX_CELLS:,}")


def _merge_collector(path: Path, sheet: SheetInfo) -> tuple[Callable[[str], None], list[tuple[int, int, int, int]]]:
    """A function taking merged-range refs ("A1:H1") that keeps the ones worth reading, and the
    list it keeps them in."""
    merges: list[tuple[int, int, int, int]] = []
    area = 0

    def collect(ref: str) -> None:
        nonlocal area
        first, _, last = ref.partition(":")
        a, b = split_coordinate(first), split_coordinate(last or first)
        if not (a and b):
            return
        (r0, c0), (r1, c1) = a, b
        size = (abs(r1 - r0) + 1) * (abs(c1 - c0) + 1)
        if 1 < size <= _MAX_MERGE_AREA:
            area += size
            if area > _MAX_MERGED_CELLS:
                raise _fail(path, "too_many_merged_cells", sheet.name, limit=f"{_MAX_MERGED_CELLS:,}")
            merges.append((min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))

    return collect, merges


# --- the workbook through calamine -------------------------------------------------------------


def _calamine_grids(path: Path, stream: IO[bytes], infos: list[SheetInfo]) -> tuple[Any, list[SheetGrid]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_filelike(stream)
        names = [sheet.name for sheet in book.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet]
    except BaseException as exc:  # calamine raises its own types for a broken package
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise _fail(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None
    by_name = {info.name: info for info in infos}
    grids = []
    for name in names:
        info = by_name.get(name)
        if info is None:  # every sheet was measured before calamine lays it out
            raise _fail(path, "corrupt_workbook", detail=f"sheet {name!r} not in xl/workbook.xml")
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
            raise _fail(path, "corrupt_workbook", info.name, detail=f"{type(exc).__name__}: {exc}") from None

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
        raise _fail(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None
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
                if r > _MAX_ROW or cells > _MAX_CELLS:
                    raise _too_large(path, ws.title, r)
                if uncomputed or covered:
                    values = _patch(r, values, uncomputed, covered.get(r, ()), anchors, shown)
                yield r, tuple(values)
        except InputError:
            raise
        except Exception as exc:  # openpyxl parsing hostile XML: any type, never a traceback
            raise _fail(path, "corrupt_workbook", ws.title, detail=f"{type(exc).__name__}: {exc}") from None

    return rows


def _too_large(path: Path, sheet: str, row: int) -> InputError:
    if row > _MAX_ROW:  # only a forged file numbers rows past Excel's last one
        detail = Bilingual(f"行号超过 Excel 的上限 {_MAX_ROW:,}", f"a row number past Excel's last row, {_MAX_ROW:,}")
        return _fail(path, "corrupt_workbook", sheet, detail=detail)
    return _fail(path, "sheet_too_large", sheet, row=f"{row:,}", limit=f"{_MAX_CELLS:,}")


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
        raise _fail(path, "csv_encoding")
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
                if cells > _MAX_CELLS:
                    raise _too_large(path, path.stem, r)
                yield r, tuple(v if v.strip() else None for v in values)
        except csv.Error as exc:
            raise _fail(path, "bad_csv", path.stem, line=reader.line_num, detail=str(exc)) from None

    return SheetGrid(path.stem, False, rows)


# --- many paths -------------------------------------------------------------------------------------


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Issue]]:
    """Files named, and survey files found (recursively, sorted) in folders named.

    Spreadsheets in other formats (.xls, .ods …) are listed too, so each is reported rather
    than silently left out; Excel/WPS lock files, macOS resource forks and earlier batch
    outputs are skipped.
    """
    wanted = SURVEY_SUFFIXES + OTHER_SPREADSHEETS
    files: list[Path] = []
    problems: list[Issue] = []
    for path in paths:
        if path.is_dir():
            outputs = {p.parent for p in path.rglob(".carbon-cli.json")}  # earlier batch outputs
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in wanted
                and not p.is_dir()
                and not p.name.startswith(("~$", ".~", "._"))
                and not any(folder in p.parents for folder in outputs)
            )
            if not found:
                problems.append(Issue("no_workbooks", Location(str(path)), params={"path": str(path)}))
            files.extend(found)
        else:
            files.append(path)
    return files, problems
