"""What a workbook file holds, checked before any reader lays it out: an .xls's records
(`survey/biff.py`), and every part of a zip package (.xlsx, .ods) inflated under limits a lying
header cannot get round, XML entities refused, each sheet's extent, merges, errors and formulas
never computed, read from its tags (`survey/container.py` says what the file is)."""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from carbon_cli.core.i18n import Bilingual
from carbon_cli.survey.cells import coordinate, split_coordinate
from carbon_cli.survey.container import (
    _MB,
    _RATIO_FLOOR_MB,
    MAX_CELLS,
    MAX_ROW,
    Limits,
    SheetInfo,
    _mb,
    input_error,
)
from carbon_cli.survey.issues import InputError

_ENTITY = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# Each pattern starts with literal text, which the regex engine skips to: a search through a
# chunk holding none of them costs little (an alternation or a class in front would try every byte).
_FORMULAS = (re.compile(rb"<f[ >/]"), re.compile(rb":f[ >/]"))  # <f>, or <x:f> with a prefix
_MERGE = re.compile(rb"mergeCell[ >/]")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
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
_MAX_UNCOMPUTED = 100_000
_MAX_MERGED_CELLS = 200_000
_MAX_MERGE_AREA = 10_000  # a merge over a whole block of a sheet carries no survey value
_MAX_COLUMN = 16_384  # Excel's last column, XFD


# --- the .xls -----------------------------------------------------------------------------------


def inspect_xls(path: Path, limits: Limits) -> list[SheetInfo]:
    """Check a legacy .xls record by record and describe its worksheets (`survey.biff`)."""
    from carbon_cli.survey import biff

    try:
        found = biff.scan(path.read_bytes())  # under the file-size limit: calamine reads it whole too
    except OSError as exc:
        raise input_error(path, "read_failed", detail=exc.strerror or type(exc).__name__) from None
    except biff.Encrypted:
        raise input_error(path, "encrypted_workbook") from None
    except biff.TooOld:
        raise input_error(path, "legacy_xls", suffix=path.suffix.lower()) from None
    except (biff.BiffError, struct.error, IndexError, ValueError) as exc:
        if path.suffix.lower() == ".et":  # a WPS workbook in its own format, not BIFF8
            raise input_error(path, "unsupported_format", suffix=".et") from None
        if isinstance(exc, biff.BiffError):
            raise input_error(path, "corrupt_workbook", detail=Bilingual(exc.zh, exc.en)) from None
        raise input_error(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None
    sheets = []
    for sheet in found:
        info = SheetInfo(sheet.name, sheet.hidden, format="xls", errors=sheet.errors)
        info.rows, info.columns = sheet.rows, sheet.columns
        if len(info.errors) > _MAX_UNCOMPUTED:
            raise input_error(path, "formulas_not_computed", info.name, count=f"{_MAX_UNCOMPUTED:,}")
        collect, info.merges = _merge_collector(path, info)
        for r0, c0, r1, c1 in sheet.merges:
            collect(f"{coordinate(r0, c0)}:{coordinate(r1, c1)}")
        _check_extent(path, info)
        sheets.append(info)
    return sheets


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
    if "word/document.xml" in names:
        return ".docx"
    if "ppt/presentation.xml" in names:
        return ".pptx"
    return "zip"


_DOCUMENTS = {
    ".docx": Bilingual("Word 文档 (.docx)", "a Word document (.docx)"),
    ".pptx": Bilingual("PowerPoint 演示文稿 (.pptx)", "a PowerPoint presentation (.pptx)"),
}


def inspect_package(path: Path, limits: Limits) -> list[SheetInfo]:
    """Check an .xlsx or .ods package part by part and describe its sheets, trusting no declared
    size."""
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
                raise input_error(path, "zip_not_workbook")
            if kind in (".docx", ".pptx"):
                what = _DOCUMENTS[kind]
                if path.suffix.lower() == kind:
                    raise input_error(path, "office_document", kind=what)
                raise input_error(path, "renamed_document", kind=what, suffix=path.suffix.lower() or "(none)")
            if kind not in ("xlsx", ".ods"):
                raise input_error(path, "unsupported_format", suffix=kind)
            if sum(i.file_size for i in infos) > budget:  # an honest bomb says so up front
                raise _TooLarge
            kept: dict[str, bytes] = {}
            flags: dict[str, _Scan] = {}
            keep = _KEPT_PARTS if kind == "xlsx" else (_ODS_MANIFEST,)
            infos.sort(key=lambda i: i.filename != _ODS_MANIFEST)  # an encrypted .ods says so there
            for info in infos:
                media = info.filename.lower().endswith(_MEDIA_SUFFIXES)
                if kind == ".ods" and info.filename != _ODS_MANIFEST and _ods_encrypted(kept):
                    raise _Encrypted
                scan = _Scan(keep=info.filename in keep, xml=not media and kind == "xlsx")
                budget -= _inflate(raw, info, budget, limits, scan)
                if scan.entity and not media:
                    raise input_error(path, "unsafe_xml", part=info.filename)
                if scan.keep:
                    if scan.kept > _MAX_KEPT_BYTES:
                        raise _Corrupt(
                            f"{info.filename} 大得异常（{scan.kept} 字节）",
                            f"{info.filename} is abnormally large ({scan.kept} bytes)",
                        )
                    kept[info.filename] = b"".join(scan.parts)
                flags[info.filename] = scan
            if kind == ".ods":
                return _ods_sheets(path, zf, names)
            sheets = _sheets(path, kept)
            for sheet in sheets:
                if sheet.member not in flags:
                    raise _Corrupt(f"缺少工作表部件 {sheet.member}", f"the sheet part {sheet.member} is missing")
                scan = flags[sheet.member]
                if scan.entity:  # a "picture" that a sheet points to, read as XML
                    raise input_error(path, "unsafe_xml", part=sheet.member)
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
        raise input_error(path, "workbook_too_large", limit_mb=f"{limits.max_inflated_mb:g}") from None
    except _Bomb as bomb:
        raise input_error(
            path, "zip_bomb", inflated_mb=_mb(bomb.inflated), packed_mb=f"{bomb.packed / _MB:,.2f}"
        ) from None
    except _Encrypted:
        raise input_error(path, "encrypted_workbook") from None
    except _Truncated:
        raise input_error(path, "corrupt_workbook", detail=TRUNCATED) from None
    except _Corrupt as exc:
        raise input_error(path, "corrupt_workbook", detail=exc.detail) from None
    except zipfile.BadZipFile as exc:
        if str(exc) == "File is not a zip file":  # no central directory: the end of the file is missing
            raise input_error(path, "corrupt_workbook", detail=TRUNCATED) from None
        raise input_error(path, "corrupt_workbook", detail=str(exc)) from None
    except Exception as exc:  # zipfile and struct raise many types for a mangled package
        raise input_error(path, "corrupt_workbook", detail=f"{type(exc).__name__}: {exc}") from None


_ODS_MANIFEST = "META-INF/manifest.xml"


def _ods_encrypted(kept: dict[str, bytes]) -> bool:
    return b"encryption-data" in kept.get(_ODS_MANIFEST, b"")


def _ods_sheets(path: Path, zf: zipfile.ZipFile, names: set[str]) -> list[SheetInfo]:
    """The tables of an .ods whose every part has been inflated under the limits (`survey.odf`)."""
    from carbon_cli.survey import odf

    if "content.xml" not in names:
        raise _Corrupt("缺少 content.xml", "content.xml is missing")

    def too_many(sheet: str) -> InputError:
        return input_error(path, "formulas_not_computed", sheet, count=f"{_MAX_UNCOMPUTED:,}")

    try:
        with zf.open("content.xml") as stream:
            found = odf.scan(stream, _MAX_UNCOMPUTED, too_many)
    except odf.Unsafe:
        raise input_error(path, "unsafe_xml", part="content.xml") from None
    except odf.OdfError as exc:
        raise _Corrupt(exc.zh, exc.en) from None
    sheets = []
    for table in found:
        info = SheetInfo(table.name, table.hidden, "content.xml", "ods", errors=table.errors)
        info.rows, info.columns = table.rows, table.columns
        collect, info.merges = _merge_collector(path, info)
        for r0, c0, r1, c1 in table.spans:
            collect(f"{coordinate(r0, c0)}:{coordinate(r1, c1)}")
        _check_extent(path, info)
        sheets.append(info)
    return sheets


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
        raise input_error(path, "unsafe_xml", sheet.name, part=sheet.member)

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
                raise input_error(path, "formulas_not_computed", sheet.name, count=f"{_MAX_UNCOMPUTED:,}")
        elif local == "c" and state["f"]:
            computed = state["v"] is True or (state["v"] is False and state["t"] == "str")
            if not computed:
                sheet.uncomputed.add((state["row"], state["col"]))
                if len(sheet.uncomputed) > _MAX_UNCOMPUTED:
                    raise input_error(path, "formulas_not_computed", sheet.name, count=f"{_MAX_UNCOMPUTED:,}")

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
        raise input_error(path, "corrupt_workbook", sheet.name, detail=detail) from None
    sheet.merges = merges
    sheet.rows, sheet.columns = extent


def _check_extent(path: Path, sheet: SheetInfo) -> None:
    """Refuse a sheet whose grid the reader could not lay out in bounded memory."""
    if sheet.rows > MAX_ROW:  # only a forged file numbers rows past Excel's last one
        detail = Bilingual(f"行号超过 Excel 的上限 {MAX_ROW:,}", f"a row number past Excel's last row, {MAX_ROW:,}")
        raise input_error(path, "corrupt_workbook", sheet.name, detail=detail)
    if sheet.columns > _MAX_COLUMN:
        detail = Bilingual("列号超过 Excel 的最后一列 XFD", "a column past Excel's last column, XFD")
        raise input_error(path, "corrupt_workbook", sheet.name, detail=detail)
    if sheet.rows * sheet.columns > MAX_CELLS:
        row = MAX_CELLS // sheet.columns + 1
        raise input_error(path, "sheet_too_large", sheet.name, row=f"{row:,}", limit=f"{MAX_CELLS:,}")


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
                raise input_error(path, "too_many_merged_cells", sheet.name, limit=f"{_MAX_MERGED_CELLS:,}")
            merges.append((min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))

    return collect, merges
