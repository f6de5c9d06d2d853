"""calamine reads xlsx values for carbon-cli; openpyxl, the reader it replaced, is the reference.

Every workbook of the test corpus (the samples, the hostile corpus, the template's output and a
workbook of awkward cells written here) is read through both, and the results must be identical:
the raw grid of every sheet (types included: 2021 is an int, not 2021.0) and what the survey
reader makes of it (values, the cell each came from, every issue), or the same refusal.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment

from carbon_cli.survey import container, package, workbook
from carbon_cli.survey.cells import FORMULA_WITHOUT_VALUE, Merged
from carbon_cli.survey.issues import InputError
from carbon_cli.survey.reader import read_workbook
from carbon_cli.survey.template import form_workbook, table_workbook
from carbon_cli.survey.values import EXCEL_ERRORS
from tests.conftest import SAMPLES, complete_values, write_form
from tests.hostile.make_corpus import edit_xlsx, make_corpus, xlsx_bytes

NUMBER_FORMATS = (
    "General",
    "0.00",
    "0%",
    "#,##0",
    "[Red]0.00",
    '0.00"天"',
    '"d"0',
    "@",
    "yyyy-mm-dd",
    "yyyy年m月d日",
    "d-mmm",
    "yyyy/m/d h:mm",
    "h:mm:ss",
    "mm:ss",
    "[h]:mm:ss",
    "[$-F800]dddd, mmmm dd, yyyy",
)


def _awkward_book() -> bytes:
    """Cells that tell readers apart: number types, dates by format, errors, formulas, merges."""
    book = Workbook()
    ws = book.active
    ws.title = "值"
    ws.append([2021, 2021.5, 1e20, 0.1, -3, True, False, "text", "  spaced  ", 1.5e-7, 10**15, -0.0])
    ws.append([dt.datetime(2023, 5, 1), dt.date(2023, 1, 1), dt.datetime(2023, 5, 1, 12, 30), dt.time(12, 30)])
    ws.append(sorted(EXCEL_ERRORS)[:7])
    for r, fmt in enumerate(NUMBER_FORMATS, start=5):
        for c, value in enumerate((45000, 45000.75, 0.25), start=1):
            ws.cell(r, c, value).number_format = fmt
    ws["H5"] = "合并"
    ws.merge_cells("H5:J6")
    ws["H7"] = 12
    ws.merge_cells("H7:H9")
    ws["I8"] = "hidden under a merge"
    ws["K30"] = "far"
    ws["K30"].alignment = Alignment(wrap_text=True)
    hidden = book.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["C5"] = 1  # data starting away from A1
    hidden["E7"] = "x"
    book.create_sheet("空")
    data = xlsx_bytes(book)

    def sheet1(xml: bytes) -> bytes:
        extra = (
            b'<row r="40"><c r="A40"><f>1+1</f><v>2</v></c><c r="B40" t="str"><f>"a"</f><v>a</v></c>'
            b'<c r="C40" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D40" t="b"><f>TRUE()</f><v>1</v></c>'
            b'<c r="E40"><f>2+2</f></c><c r="F40" t="str"><f>""</f><v></v></c></row>'
            b'<row r="41"><c t="n" r="B41"><v>7</v></c><c s="0" r="C41"><v>8</v></c>'
            b"<c r='D41' t='e'><v>#N/A</v></c><c r=\"E41\" t=\"d\"><v>2023-05-01T00:00:00</v></c></row>"
        ) + (
            '<row r="42"><c r="A42" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>'
            '<c r="B42" t="inlineStr"><is><t xml:space="preserve"> 两端 </t></is></c></row>'
        ).encode()
        return re.sub(rb"</sheetData>", extra + b"</sheetData>", xml, count=1)

    return edit_xlsx(data, {"xl/worksheets/sheet1.xml": sheet1})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("both-readers")
    files = [*sorted((SAMPLES / "communities").glob("*.xlsx")), SAMPLES / "district_table.xlsx"]
    files += [p for p in make_corpus(folder / "hostile").values() if p.is_file() and p.name != "fifo.xlsx"]
    for layout, lang in (("form", "zh"), ("table", "en")):
        book = form_workbook(lang) if layout == "form" else table_workbook(lang)
        book.save(folder / f"template-{layout}.xlsx")
        files.append(folder / f"template-{layout}.xlsx")
    values = complete_values()
    files.append(
        write_form(
            folder / "form.xlsx",
            [[k, None, None, None, None, v, None, None] for k, v in values.items()],
            extra_sheets=2,
        )
    )
    (folder / "awkward.xlsx").write_bytes(_awkward_book())
    files.append(folder / "awkward.xlsx")
    assert len(files) > 50
    return files


def _typed(value: Any) -> Any:
    if isinstance(value, Merged):
        return ("Merged", _typed(value.value), value.anchor, value.area, _typed(value.hidden))
    return (type(value).__name__, value)


def _grids(path: Path) -> Any:
    """Every sheet's rows as typed values, trailing blanks dropped (openpyxl pads rows unevenly)."""
    try:
        with workbook.opened(path) as grids:
            sheets = []
            for grid in grids:
                rows = []
                for r, values in grid.rows():
                    cells = list(values)
                    while cells and cells[-1] is None:
                        cells.pop()
                    rows.append((r, tuple(_typed(v) for v in cells)))
                while rows and not rows[-1][1]:
                    rows.pop()
                sheets.append((grid.name, grid.hidden, [row for row in rows if row[1]]))
            return sheets
    except InputError as err:
        return ("refused", err.issue.code, err.issue.location, err.issue.params.get("detail") is not None)


def _survey_reading(path: Path) -> Any:
    try:
        book = read_workbook(path)
    except InputError as err:
        return ("refused", err.issue.code, err.issue.location)
    surveys = [
        (s.layout, _typed_dict(s.assessment), s.baseline and _typed_dict(s.baseline), s.sources, s.issues)
        for s in book.surveys
    ]
    return book.layout, surveys, [(i, i.params) for i in book.all_issues]


def _typed_dict(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _typed(v) for k, v in values.items()}


def _with_reader(name: str, monkeypatch: pytest.MonkeyPatch, fn: Any, path: Path) -> Any:
    monkeypatch.setattr(workbook, "XLSX_READER", name)
    return fn(path)


def test_calamine_is_the_reader():
    assert workbook.XLSX_READER == "calamine"


@pytest.mark.slow
def test_both_readers_give_the_same_grids(corpus, monkeypatch):
    differ = []
    for path in corpus:
        theirs = _with_reader("openpyxl", monkeypatch, _grids, path)
        ours = _with_reader("calamine", monkeypatch, _grids, path)
        if theirs != ours:
            differ.append((path.name, theirs, ours))
    assert not differ, differ[0]


@pytest.mark.slow
def test_both_readers_give_the_same_surveys(corpus, monkeypatch):
    differ = []
    for path in corpus:
        theirs = _with_reader("openpyxl", monkeypatch, _survey_reading, path)
        ours = _with_reader("calamine", monkeypatch, _survey_reading, path)
        if theirs != ours:
            differ.append((path.name, theirs, ours))
    assert not differ, differ[0]


@pytest.mark.slow
def test_awkward_cells_read_as_excel_shows_them(corpus):
    path = next(p for p in corpus if p.name == "awkward.xlsx")
    with workbook.opened(path) as grids:
        rows = {r: values for r, values in grids[0].rows()}
    assert rows[1][:5] == (2021, 2021.5, 1e20, 0.1, -3) and type(rows[1][0]) is int
    assert rows[2][:2] == (dt.datetime(2023, 5, 1), dt.datetime(2023, 1, 1))
    assert rows[3][:7] == tuple(sorted(EXCEL_ERRORS)[:7])
    assert rows[40][:6] == (2, "a", "#DIV/0!", True, FORMULA_WITHOUT_VALUE, None)
    assert rows[41][1:4] == (7, 8, "#N/A")
    assert rows[42][:2] == ("富文本", " 两端 ")
    merged = rows[8][8]  # I8: under H7:H9? no, under H5:J6? neither: its own value, shown as is
    assert merged == "hidden under a merge"
    assert rows[6][8] == Merged("合并", "H5", 5, 8, "H5:J6", None)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        # a stray cell in column XFD of 5,000 rows, and one numbered past Excel's last row: the
        # grid calamine would lay out is measured, and refused, before calamine sees the file
        ("wide_rows", "sheet_too_large"),
        ("row_past_excel", "corrupt_workbook"),
    ],
)
@pytest.mark.slow
def test_grids_too_large_to_lay_out_are_refused_first(tmp_path, monkeypatch, case, code):
    path = make_corpus(tmp_path)[case]

    def never(*_: Any) -> None:
        raise AssertionError("calamine saw the file")

    monkeypatch.setattr(workbook, "_calamine_grids", never)
    with pytest.raises(InputError) as err:
        read_workbook(path)
    assert err.value.issue.code == code


def test_extent_is_measured_from_cells_written_any_way(tmp_path):
    """A far cell hidden by writing it unusually (no reference first, single quotes) still counts."""
    data = xlsx_bytes(Workbook())
    far = b"<row r=\"3\"><c t='n' r='XFD1000000'><v>1</v></c></row></sheetData>"
    path = tmp_path / "far.xlsx"
    path.write_bytes(edit_xlsx(data, {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b"</sheetData>", far)}))
    with pytest.raises(InputError) as err:
        read_workbook(path)
    assert err.value.issue.code == "sheet_too_large"


def test_a_part_stored_twice_is_refused(tmp_path):
    """zip readers differ on which copy of a name they take: the pre-scan must measure what is read."""
    import zipfile

    path = tmp_path / "twice.xlsx"
    path.write_bytes(xlsx_bytes(Workbook()))
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning):
        zf.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    with pytest.raises(InputError) as err:
        read_workbook(path)
    assert err.value.issue.code == "corrupt_workbook"


def test_a_lying_dimension_is_ignored(tmp_path):
    """The declared <dimension> (here the whole of Excel's grid) is not what calamine lays out."""
    from tests.hostile.make_corpus import form_book, survey_values

    data = xlsx_bytes(form_book(survey_values("HX-DIM")))
    path = tmp_path / "dimension.xlsx"
    lie = {
        "xl/worksheets/sheet1.xml": lambda xml: re.sub(
            rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml
        )
    }
    path.write_bytes(edit_xlsx(data, lie))
    survey = read_workbook(path).surveys[0]
    assert survey.community_id == "HX-DIM" and not survey.errors


def test_a_tag_split_between_chunks_is_seen_after_a_megabyte_without_a_tag_end():
    """The pre-scan looks at a sheet up to its last complete tag; text with no tag end for over a
    megabyte falls back to overlapping chunks, so a <!DOCTYPE> split across two is still seen."""
    scan = package._Scan(keep=False)
    scan.feed(b"x" * (2 << 20) + b"<!DOC")
    scan.feed(b"TYPE x><worksheet/>")
    scan.feed(b"", last=True)
    assert scan.entity and scan.odd  # odd: the sheet is measured by the full parse


@pytest.mark.slow
def test_a_panic_in_calamine_is_a_corrupt_workbook_not_a_crash(tmp_path):
    """A panic in calamine's Rust code reaches Python as a BaseException (pyo3's PanicException),
    which `except Exception` (the CLI's and the batch's) would not stop."""

    class PanicException(BaseException):
        pass

    class Book:
        def get_sheet_by_name(self, name: str) -> Any:
            raise PanicException("index out of bounds")

    rows = workbook._calamine_rows(tmp_path / "x.xlsx", Book(), container.SheetInfo("表"))
    with pytest.raises(InputError) as err:
        list(rows())
    assert (err.value.issue.code, err.value.issue.location.sheet) == ("corrupt_workbook", "表")

    class Interrupted:
        def get_sheet_by_name(self, name: str) -> Any:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        list(workbook._calamine_rows(tmp_path / "x.xlsx", Interrupted(), container.SheetInfo("表"))())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_workbooks_saved_by_libreoffice_read_alike(corpus, tmp_path, monkeypatch):
    """Another writer's xlsx (its own shared strings, styles and cell attributes) reads the same
    through both readers too."""
    chosen = [p for p in corpus if p.name in ("awkward.xlsx", "FT-SH-12.xlsx", "district_table.xlsx")]
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    subprocess.run(
        ["soffice", "--headless", profile, "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), *map(str, chosen)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    saved = sorted((tmp_path / "lo").glob("*.xlsx"))
    assert len(saved) == 3
    for path in saved:
        theirs = _with_reader("openpyxl", monkeypatch, _grids, path)
        ours = _with_reader("calamine", monkeypatch, _grids, path)
        assert theirs == ours, path.name
        assert _with_reader("openpyxl", monkeypatch, _survey_reading, path) == _with_reader(
            "calamine", monkeypatch, _survey_reading, path
        )
