"""A legacy .xls (Excel 97-2003, BIFF8) looked at before calamine reads it.

An .xls is an OLE compound file holding a "Workbook" stream of BIFF records. calamine lays every
sheet out in memory when it opens the file, so the extent of each sheet is read here first, from
the row and column of every cell record (the DIMENSIONS record can lie). The same pass finds
what calamine does not give: the password (a FILEPASS record), error values (calamine reads
#DIV/0! and #N/A as blanks), merged ranges and the sheets' hidden state. A formula's stored
result is read as its value: BIFF has no "not computed" state (a program writing .xls without
calculating, such as xlwt, stores 0), so a formula never computed cannot be told apart.

Only what is needed is parsed; anything malformed raises `BiffError` with a reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE

# BIFF error codes, as Excel shows them.
ERROR_CODES = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}
# Records holding one cell, its row and column first.
_CELL_RECORDS = {0x0006, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6}
_MULTI_CELL_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, …, last column
_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _FORMULA, _BOOLERR = 0x0809, 0x000A, 0x002F, 0x0085, 0x0006, 0x0205
_MERGEDCELLS = 0x00E5


class BiffError(Exception):
    """The file is not a well-formed BIFF8 workbook; `zh`/`en` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class Encrypted(Exception):
    """The workbook has an opening password."""


class TooOld(Exception):
    """A BIFF5 (Excel 5.0/95) workbook or older."""


@dataclass
class BiffSheet:
    """One worksheet of an .xls, as its cell records describe it (rows and columns from 1)."""

    name: str
    hidden: bool
    rows: int = 0
    columns: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 from 1


# --- the OLE compound file ---------------------------------------------------------------------


def _stream(data: bytes, name: str) -> bytes | None:
    """The stream called `name` (case-insensitive) of an OLE compound file, or None."""
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        raise BiffError("OLE 文件头不完整", "the OLE header is incomplete")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise BiffError("OLE 扇区大小无效", "invalid OLE sector size")
    size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<II", data, 44)
    cutoff, first_mini, n_mini, first_difat = struct.unpack_from("<IIII", data, 56)
    sectors = (len(data) - size) // size + 1

    def sector(i: int) -> bytes:
        if i >= sectors:
            raise BiffError("OLE 扇区编号超出文件", "an OLE sector number past the end of the file")
        block = data[size + i * size : size + (i + 1) * size]
        if len(block) < size:
            raise BiffError("文件不完整：末尾缺失", "the file is incomplete: its end is missing")
        return block

    difat = list(struct.unpack_from("<109I", data, 76))
    i, seen = first_difat, 0
    while i not in (_FREE, _END) and seen <= sectors:
        block = struct.unpack(f"<{size // 4}I", sector(i))
        difat.extend(block[:-1])
        i, seen = block[-1], seen + 1
    fat_sectors = [s for s in difat if s not in (_FREE, _END)][:n_fat]
    fat: list[int] = []
    for s in fat_sectors:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(s)))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        out: list[int] = []
        i = start
        while i not in (_FREE, _END):
            if i >= len(table) or len(out) > limit:
                raise BiffError("OLE 扇区链已损坏", "a broken OLE sector chain")
            out.append(i)
            i = table[i]
        return out

    directory = b"".join(sector(s) for s in chain(first_dir, fat, sectors))
    entries = []
    for off in range(0, len(directory) - 127, 128):
        length, kind = struct.unpack_from("<HB", directory, off + 64)
        start, stream_size = struct.unpack_from("<II", directory, off + 116)
        text = directory[off : off + max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
        entries.append((text, kind, start, stream_size))
    if not entries:
        raise BiffError("OLE 目录为空", "the OLE directory is empty")
    wanted = next((e for e in entries if e[1] == 2 and e[0].lower() == name.lower()), None)
    if wanted is None:
        return None
    _, _, start, stream_size = wanted
    if stream_size > len(data):
        raise BiffError("OLE 流的长度超出文件", "an OLE stream longer than the file")
    if stream_size >= cutoff:
        body = b"".join(sector(s) for s in chain(start, fat, sectors))
    else:  # a small stream lives in the mini stream, in 64-byte sectors
        root = entries[0]
        mini_stream = b"".join(sector(s) for s in chain(root[2], fat, sectors))
        minifat: list[int] = []
        for s in chain(first_mini, fat, sectors)[:n_mini]:
            minifat.extend(struct.unpack(f"<{size // 4}I", sector(s)))
        body = b"".join(mini_stream[s * 64 : (s + 1) * 64] for s in chain(start, minifat, len(mini_stream) // 64))
    if len(body) < stream_size:
        raise BiffError("OLE 流不完整", "an OLE stream is incomplete")
    return body[:stream_size]


# --- the BIFF records -----------------------------------------------------------------------------


def _short_string(data: bytes, off: int) -> str:
    """A ShortXLUnicodeString: length in characters, a flags byte, the characters."""
    count, flags = data[off], data[off + 1]
    raw = data[off + 2 :]
    return raw[: count * 2].decode("utf-16-le", "replace") if flags & 1 else raw[:count].decode("latin-1")


def scan(data: bytes) -> list[BiffSheet]:
    """The worksheets of the .xls file `data`, measured from their cell records.

    Raises Encrypted (a password), TooOld (BIFF5 or older) or BiffError (malformed).
    """
    stream = _stream(data, "Workbook")
    if stream is None:
        if _stream(data, "Book") is not None:
            raise TooOld
        if _stream(data, "EncryptedPackage") is not None:  # an encrypted .xlsx inside OLE
            raise Encrypted
        raise BiffError("OLE 文件中没有 Workbook 流（可能不是 Excel 文件）", "no Workbook stream (not an Excel file?)")
    sheets: dict[int, BiffSheet] = {}  # by the offset of the sheet's BOF record
    current: BiffSheet | None = None
    off, end, first = 0, len(stream), True
    while off + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, off)
        body = stream[off + 4 : off + 4 + length]
        if len(body) < length:
            raise BiffError("BIFF 记录不完整", "a BIFF record is incomplete")
        if first:
            if kind != _BOF:
                raise BiffError("Workbook 流不以 BOF 记录开头", "the Workbook stream does not start with BOF")
            if length < 4 or struct.unpack_from("<H", body)[0] != 0x0600:
                raise TooOld
            first = False
        elif kind == _BOF:
            current = sheets.get(off)
        elif kind == _EOF:
            current = None
        elif kind == _FILEPASS:
            raise Encrypted
        elif kind == _BOUNDSHEET and current is None and length >= 8:
            position, state, sheet_type = struct.unpack_from("<IBB", body)
            if sheet_type == 0:  # a worksheet (not a chart or macro sheet)
                sheets[position] = BiffSheet(_short_string(body, 6), (state & 3) != 0)
        elif kind == _MERGEDCELLS and current is not None and length >= 2:
            count = min(struct.unpack_from("<H", body)[0], (length - 2) // 8)
            for i in range(count):
                r0, r1, c0, c1 = struct.unpack_from("<HHHH", body, 2 + 8 * i)
                current.merges.append((r0 + 1, c0 + 1, r1 + 1, c1 + 1))
        elif current is not None and length >= 4 and (kind in _CELL_RECORDS or kind in _MULTI_CELL_RECORDS):
            row, col = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, length - 2)[0] if kind in _MULTI_CELL_RECORDS else col
            current.rows = max(current.rows, row + 1)
            current.columns = max(current.columns, last + 1, col + 1)
            where = (row + 1, col + 1)
            if kind == _BOOLERR and length >= 8 and body[7] == 1:
                current.errors[where] = ERROR_CODES.get(body[6], "#N/A")
            elif kind == _FORMULA and length >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
                current.errors[where] = ERROR_CODES.get(body[8], "#N/A")
        off += 4 + length
    return list(sheets.values())
