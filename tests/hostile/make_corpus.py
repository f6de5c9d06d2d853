"""Generate hostile and messy survey inputs: every kind of bad file carbon-cli must refuse clearly.

Nothing here is committed as a binary: every file is built from code, deterministically (fixed
seeds, fixed zip timestamps), so the corpus can be regenerated anywhere:

    python tests/hostile/make_corpus.py OUTDIR

`make_corpus(folder)` returns {case name: path}. A few entries are not plain files: `missing`
(a path that does not exist), `empty_folder` (a folder without surveys), `fifo` (a named pipe)
and `no_permission` (a survey with mode 000; root can still read it). The big ones (a ~50 MB
workbook, zip bombs that inflate to GiB) are built in well under a second each.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere
from tests.conftest import FORM_HEADER, complete_values

FIRST_FIELD_ROW = 3  # form sheets: a title in row 1, the header in row 2, one field per row from row 3
FIXED_TIME = (2000, 1, 1, 0, 0, 0)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BIG_MEMBER_MB = 50
ZIP_BOMB_GIB = 4


def survey_values(community_id: str, population: int = 18_000) -> dict[str, Any]:
    """Every required field with plausible values (a fictional community)."""
    return {**complete_values(population), "community_id": community_id, "community_name": f"测试社区{community_id}"}


KEYS = list(survey_values("X"))


def field_row(key: str) -> int:
    """The row of `key` in a form sheet written by `form_book` (the assessment value is in column F)."""
    return FIRST_FIELD_ROW + KEYS.index(key)


def form_book(values: dict[str, Any], sheet: str = "基本信息", first_row: int = 1) -> Workbook:
    """A form workbook: one sheet, title, header, then one row per field (value in column F)."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.cell(first_row, 1, "社区碳排放调研表")
    for c, heading in enumerate(FORM_HEADER, start=1):
        ws.cell(first_row + 1, c, heading)
    for i, (key, value) in enumerate(values.items()):
        ws.cell(first_row + 2 + i, 1, key)
        ws.cell(first_row + 2 + i, 6, value)
    return book


def xlsx_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.properties.created = dt.datetime(2000, 1, 1)
    book.properties.modified = dt.datetime(2000, 1, 1)
    book.save(buffer)
    return _fixed_times(buffer.getvalue())


def _fixed_times(data: bytes) -> bytes:
    members = _members(data)
    return _zip({name: (body, zipfile.ZIP_DEFLATED) for name, body in members.items()})


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _zip(members: dict[str, tuple[bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, (body, method) in members.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            zf.writestr(info, body)
    return buffer.getvalue()


def edit_xlsx(data: bytes, edits: dict[str, Callable[[bytes], bytes] | bytes]) -> bytes:
    """Rewrite members of an .xlsx: a function edits an existing member, bytes add or replace one."""
    members = _members(data)
    for name, edit in edits.items():
        members[name] = edit(members[name]) if callable(edit) else edit
    return _zip({name: (body, zipfile.ZIP_DEFLATED) for name, body in members.items()})


def _raw_zip(members: list[tuple[str, bytes, int, int, int, int]]) -> bytes:
    """A zip written by hand: (name, stored data, method, crc, compressed size, DECLARED size).

    Lets a member claim an uncompressed size (and CRC) that its data does not have, as a zip
    bomb does to slip past checks that trust the header.
    """
    out = io.BytesIO()
    central = []
    for name, data, method, crc, csize, declared in members:
        offset = out.tell()
        encoded = name.encode("utf-8")
        header = struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, method, 0, 0x21, crc, csize, declared, len(encoded), 0
        )
        out.write(header + encoded + data)
        central.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                0x800,
                method,
                0,
                0x21,
                crc,
                csize,
                declared,
                len(encoded),
                0,
                0,
                0,
                0,
                0o644 << 16,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for entry in central:
        out.write(entry)
    size = out.tell() - start
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0))
    return out.getvalue()


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _honest(name: str, data: bytes) -> tuple[str, bytes, int, int, int, int]:
    packed = _deflated(data)
    return name, packed, zipfile.ZIP_DEFLATED, zlib.crc32(data), len(packed), len(data)


def zeros_stream(gib: float) -> bytes:
    """Raw deflate data that inflates to `gib` GiB of zeros, built in milliseconds.

    A segment (16 MiB of zeros, compressed at level 9, ending in a full flush) refers to nothing
    before it, so segments can be repeated; an empty final block ends the stream.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = c.compress(bytes(16 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return segment * int(gib * 64) + b"\x03\x00"


def _ole(stream_names: list[str], size: int = 4096) -> bytes:
    """Bytes that start like an OLE compound file and hold directory entries with these names."""
    header = OLE_MAGIC + bytes(16) + struct.pack("<HHH", 0x3E, 3, 0xFFFE) + bytes(512 - 30)
    body = bytearray(size - 512)
    for i, name in enumerate(stream_names):
        entry = name.encode("utf-16-le")
        body[i * 128 : i * 128 + len(entry)] = entry
    return header + bytes(body)


def _encrypted(plain: bytes) -> bytes:
    """A password-protected workbook: a real one with msoffcrypto-tool when installed."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return _ole(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"], 8192)
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("secret", out)
    return out.getvalue()


def _table_rows(ids: list[str]) -> tuple[list[str], list[list[Any]]]:
    from carbon_cli.survey.fields import dictionary

    fields = dictionary()
    keys = [k for k in KEYS if k != "assessment_year"]
    header = [fields[k].zh for k in keys[:2]] + ["年份"] + [fields[k].zh for k in keys[2:]]
    rows = []
    for community in ids:
        values = survey_values(community)
        row = [values[k] for k in keys]
        rows.append([*row[:2], 2023, *row[2:]])
    return header, rows


def _csv_text(ids: list[str]) -> str:
    import csv

    header, rows = _table_rows(ids)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["是" if v is True else v for v in row])
    return buffer.getvalue()


def _sheet_edit(pattern: bytes, replacement: bytes) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        new, count = re.subn(pattern, replacement, xml)
        assert count, pattern
        return new

    return edit


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
)


def make_corpus(folder: Path | str) -> dict[str, Path]:
    """Write every hostile case into `folder`; return {case: path}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Path] = {}

    def put(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    valid = xlsx_bytes(form_book(survey_values("HX-VALID")))
    cases["valid"] = put("valid.xlsx", valid)

    # --- not a workbook at all -------------------------------------------------------------
    cases["not_a_zip"] = put("not_a_zip.xlsx", b"hello, this is not a workbook\n" * 20)
    cases["empty_file"] = put("empty_file.xlsx", b"")
    cases["truncated"] = put("truncated.xlsx", valid[: len(valid) // 2])
    corrupt = bytearray(valid)
    with zipfile.ZipFile(io.BytesIO(valid)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + info.compress_size // 3, start + info.compress_size // 3 + 64):
        corrupt[i] ^= 0x5A
    cases["corrupt_member"] = put("corrupt_member.xlsx", bytes(corrupt))
    cases["fake_ole"] = put("fake_ole.xls", _ole(["Workbook", "\x05SummaryInformation"]))
    # an .xls saved by LibreOffice (tests/fixtures/make_formats.py): read; with a FILEPASS record
    # (an opening password) in place of its INTERFACEHDR, encrypted; with BIFF5's version, too old
    xls = (Path(__file__).resolve().parent.parent / "fixtures" / "legacy_form.xls").read_bytes()
    cases["xls_form"] = put("legacy_form.xls", xls)
    filepass, bof95 = (
        (bytes.fromhex("e1000200b004"), bytes.fromhex("2f000200b004")),
        (b"\x09\x08\x10\0\0\x06", b"\x09\x08\x10\0\0\x05"),
    )
    cases["encrypted_xls"] = put("encrypted.xls", xls.replace(*filepass))
    cases["excel95_xls"] = put("excel95.xls", xls.replace(*bof95))
    cases["encrypted"] = put("encrypted.xlsx", _encrypted(xlsx_bytes(form_book(survey_values("HX-ENC")))))
    cases["html_as_xls"] = put(
        "html_export.xls",
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>社区编码</td><td>常住人口</td>"
        "</tr><tr><td>HX-HTML</td><td>18000</td></tr></table></body></html>".encode(),
    )
    cases["xlsx_named_xls"] = put("misnamed.xls", xlsx_bytes(form_book(survey_values("HX-MISNAMED"))))
    cases["ods"] = put(
        "survey.ods",
        _zip(
            {
                "mimetype": (b"application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED),
                "content.xml": (b'<?xml version="1.0"?><office:document-content/>', zipfile.ZIP_DEFLATED),
                "META-INF/manifest.xml": (b'<?xml version="1.0"?><manifest:manifest/>', zipfile.ZIP_DEFLATED),
            }
        ),
    )
    cases["ods_named_xlsx"] = put("ods_inside.xlsx", (folder / "survey.ods").read_bytes())
    ods = (Path(__file__).resolve().parent.parent / "fixtures" / "legacy_form.ods").read_bytes()
    packed = zeros_stream(ZIP_BOMB_GIB)  # as zip_bomb.xlsx below: 1 KiB declared, 4 GiB inflated
    cases["ods_zip_bomb"] = put(
        "zip_bomb.ods",
        _raw_zip(
            [
                *(_honest(n, b) for n, b in _members(ods).items()),
                ("Pictures/image1.png", packed, zipfile.ZIP_DEFLATED, 0, len(packed), 1024),
            ]
        ),
    )
    cases["numbers"] = put(
        "survey.numbers",
        _zip(
            {
                "Index/Document.iwa": (bytes(range(256)) * 4, zipfile.ZIP_DEFLATED),
                "Metadata/Properties.plist": (b"bplist00", zipfile.ZIP_DEFLATED),
            }
        ),
    )
    cases["docx_named_xlsx"] = put(
        "report.xlsx",
        _zip(
            {
                "[Content_Types].xml": (b'<?xml version="1.0"?><Types/>', zipfile.ZIP_DEFLATED),
                "word/document.xml": (b'<?xml version="1.0"?><w:document/>', zipfile.ZIP_DEFLATED),
            }
        ),
    )

    # --- CSV ------------------------------------------------------------------------------------
    cases["csv_utf8"] = put("district_utf8.csv", _csv_text(["CSV-U1", "CSV-U2"]).encode("utf-8-sig"))
    cases["csv_gb18030"] = put("district_gb18030.csv", _csv_text(["CSV-G1", "CSV-G2"]).encode("gb18030"))
    cases["csv_binary"] = put("binary.csv", random.Random(7).randbytes(4096) + bytes(16))
    long_field = '社区编码,年份,常住人口\r\nCSV-L,2023,"' + "9" * 200_000 + '"\r\n'
    cases["csv_huge_field"] = put("huge_field.csv", long_field.encode())

    # --- workbooks without a survey ---------------------------------------------------------
    cases["empty_workbook"] = put("empty_workbook.xlsx", xlsx_bytes(Workbook()))
    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(["随便", "写点", "东西"])
    book.create_sheet("数据").append([1, 2, 3])
    cases["no_header"] = put("no_header.xlsx", xlsx_bytes(book))
    header, _ = _table_rows([])
    book = Workbook()
    book.active.title = "社区汇总"
    book.active.append(header)
    cases["header_only_table"] = put("header_only_table.xlsx", xlsx_bytes(book))
    cases["header_only_form"] = put("header_only_form.xlsx", xlsx_bytes(form_book({})))

    # --- cells that cannot be read ----------------------------------------------------------------
    book = form_book(survey_values("HX-DUP"))
    book.active.append(["elec_residential_kwh", None, None, None, None, 9_999_999])
    cases["duplicate_field"] = put("duplicate_field.xlsx", xlsx_bytes(book))
    text = {k: "abc" for k in KEYS}
    text["community_id"] = "HX-TEXT"
    cases["text_everywhere"] = put("text_everywhere.xlsx", xlsx_bytes(form_book(text)))
    bad = survey_values("HX-NUM")
    bad.update(
        elec_residential_kwh=-5,
        elec_public_area_kwh="NaN",
        gas_pipeline_m3="inf",
        water_supply_m3=1e300,
        msw_total_t="1e300",
    )
    cases["bad_numbers"] = put("bad_numbers.xlsx", xlsx_bytes(form_book(bad)))
    dated = survey_values("HX-DATE")
    dated.update(elec_residential_kwh=dt.datetime(2023, 5, 1), gas_pipeline_m3=dt.date(2023, 1, 1))
    cases["dates"] = put("dates.xlsx", xlsx_bytes(form_book(dated)))
    formulas = survey_values("HX-FORMULA")
    formulas.update(elec_residential_kwh="=SUM(1,2)", gas_pipeline_m3="=720000*1", elec_public_area_kwh="=1+1")
    gas, public = field_row("gas_pipeline_m3"), field_row("elec_public_area_kwh")
    cases["formula_no_value"] = put(
        "formula_no_value.xlsx",
        edit_xlsx(
            xlsx_bytes(form_book(formulas)),
            {
                # a formula Excel computed (cached 720000) and one whose computed result is empty text
                "xl/worksheets/sheet1.xml": lambda xml: _sheet_edit(
                    rb'<c r="F%d"><f>720000\*1</f><v\s*/></c>' % gas,
                    b'<c r="F%d"><f>720000*1</f><v>720000</v></c>' % gas,
                )(
                    _sheet_edit(
                        rb'<c r="F%d"><f>1\+1</f><v\s*/></c>' % public,
                        b'<c r="F%d" t="str"><f>IF(1,"","")</f><v></v></c>' % public,
                    )(xml)
                ),
            },
        ),
    )
    errors = survey_values("HX-ERR")
    errors.update(elec_residential_kwh="#DIV/0!", gas_pipeline_m3="#REF!", water_supply_m3="#N/A")
    book = form_book(errors)
    assert book.active.cell(field_row("gas_pipeline_m3"), 6).data_type == "e"
    cases["error_cells"] = put("error_cells.xlsx", xlsx_bytes(book))

    # --- layout mess ----------------------------------------------------------------------------
    first, last = field_row("elec_residential_kwh"), field_row("gas_pipeline_m3")
    cases["merged_over_values"] = put(
        "merged_over_values.xlsx",
        edit_xlsx(
            xlsx_bytes(form_book(survey_values("HX-MERGE"))),
            {
                "xl/worksheets/sheet1.xml": _sheet_edit(
                    rb"</sheetData>",
                    (b'</sheetData><mergeCells count="1"><mergeCell ref="F%d:F%d"/></mergeCells>' % (first, last)),
                )
            },
        ),
    )
    book = Workbook()
    ws = book.active
    ws.title = "社区汇总"
    header, rows = _table_rows(["HX-MT", "HX-MT"])
    ws.append(header)
    rows[0][2] = 2021
    for row in rows:
        ws.append(row)
    ws["A3"] = None
    ws.merge_cells("A2:A3")  # one community ID over its two year rows
    cases["merged_table"] = put("merged_table.xlsx", xlsx_bytes(book))
    book = form_book(survey_values("HX-HIDDEN"))
    cover = book.create_sheet("封面", 0)
    cover["A1"] = "社区碳排放调研"
    book["基本信息"].sheet_state = "hidden"
    cases["hidden_sheet"] = put("hidden_sheet.xlsx", xlsx_bytes(book))
    book = form_book(survey_values("HX-BLANK"), first_row=10_001)
    for r in range(1, 10_001):
        book.active.cell(r, 1).font = Font(bold=True)  # formatted but empty: written as real blank rows
    cases["blank_rows"] = put("blank_rows.xlsx", xlsx_bytes(book))
    # a stray cell in the last column (XFD) of 5,000 rows: each row reads as 16,384 cells
    far_cells = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (r, r) for r in range(100, 5100))
    cases["wide_rows"] = put(
        "wide_rows.xlsx",
        edit_xlsx(
            xlsx_bytes(form_book(survey_values("HX-WIDE"))),
            {"xl/worksheets/sheet1.xml": _sheet_edit(rb"</sheetData>", far_cells + b"</sheetData>")},
        ),
    )
    # a row numbered past Excel's last row (1,048,576): only a forged file has one
    cases["row_past_excel"] = put(
        "row_past_excel.xlsx",
        edit_xlsx(
            xlsx_bytes(form_book(survey_values("HX-FAR"))),
            {
                "xl/worksheets/sheet1.xml": _sheet_edit(
                    rb"</sheetData>", b'<row r="1000000000"><c r="A1000000000"><v>1</v></c></row></sheetData>'
                )
            },
        ),
    )

    # --- big and hostile packages ----------------------------------------------------------------
    noise = random.Random(50).randbytes(BIG_MEMBER_MB << 20)
    big = _members(xlsx_bytes(form_book(survey_values("HX-BIG"))))
    members = {name: (body, zipfile.ZIP_DEFLATED) for name, body in big.items()}
    members["xl/media/image1.png"] = (noise, zipfile.ZIP_STORED)
    cases["big_50mb"] = put("big_50mb.xlsx", _zip(members))

    def with_entities(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return BILLION_LAUGHS + body.replace(b"<t>HX-LOL</t>", b"<t>&lol9;</t>", 1)

    lol = xlsx_bytes(form_book(survey_values("HX-LOL")))
    cases["entity_bomb_sheet"] = put(
        "entity_bomb_sheet.xlsx", edit_xlsx(lol, {"xl/worksheets/sheet1.xml": with_entities})
    )
    shared = BILLION_LAUGHS + (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>&lol9;</t></si></sst>"
    )
    cases["entity_bomb_shared"] = put(
        "entity_bomb_shared.xlsx",
        edit_xlsx(
            lol,
            {
                "xl/sharedStrings.xml": shared,
                "xl/_rels/workbook.xml.rels": _sheet_edit(
                    rb"</Relationships>",
                    (
                        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
                        b' Target="/xl/sharedStrings.xml" Id="rIdSS" /></Relationships>'
                    ),
                ),
                "[Content_Types].xml": _sheet_edit(
                    rb"</Types>",
                    (
                        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                        b'officedocument.spreadsheetml.sharedStrings+xml" /></Types>'
                    ),
                ),
                "xl/worksheets/sheet1.xml": _sheet_edit(
                    rb'<c r="F3" t="inlineStr"><is><t>HX-LOL</t></is></c>', b'<c r="F3" t="s"><v>0</v></c>'
                ),
            },
        ),
    )

    base = [_honest(n, b) for n, b in _members(xlsx_bytes(form_book(survey_values("HX-BOMB")))).items()]
    bomb = zeros_stream(ZIP_BOMB_GIB)
    # The header says 1 KiB; the data inflates to 4 GiB. Only counting while inflating catches it.
    cases["zip_bomb"] = put(
        "zip_bomb.xlsx", _raw_zip([*base, ("xl/media/image1.png", bomb, zipfile.ZIP_DEFLATED, 0, len(bomb), 1024)])
    )
    honest = zeros_stream(1)
    cases["zip_bomb_declared"] = put(
        "zip_bomb_declared.xlsx",
        _raw_zip([*base, ("xl/media/image1.png", honest, zipfile.ZIP_DEFLATED, 0, len(honest), (1 << 30) - 1)]),
    )
    noise = random.Random(8).randbytes(8 << 20)
    packed = _deflated(noise)
    cases["lying_size"] = put(
        "lying_size.xlsx",
        _raw_zip([*base, ("xl/media/image1.png", packed, zipfile.ZIP_DEFLATED, zlib.crc32(noise), len(packed), 100)]),
    )

    # --- paths that are not readable files ----------------------------------------------------------
    cases["missing"] = folder / "does_not_exist.xlsx"
    empty = folder / "empty_folder"
    empty.mkdir(exist_ok=True)
    (empty / "notes.txt").write_text("no surveys here\n", encoding="utf-8")
    cases["empty_folder"] = empty
    locked = put("no_permission.xlsx", xlsx_bytes(form_book(survey_values("HX-LOCKED"))))
    locked.chmod(0)
    cases["no_permission"] = locked
    fifo = folder / "fifo.xlsx"
    if hasattr(os, "mkfifo") and not fifo.exists():
        os.mkfifo(fifo)
    cases["fifo"] = fifo
    return cases


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for case, path in make_corpus(target).items():
        print(f"{case:22} {path}")
