""".xls and .ods surveys: read to the same values as the .xlsx they were saved from, with every
check the .xlsx gets (limits first, error values, cell locations, passwords, bombs).

The committed fixtures (tests/fixtures/legacy_form.xls and .ods, written by
tests/fixtures/make_formats.py) need no LibreOffice; the tests marked slow convert the samples
afresh with soffice and are skipped without it.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from carbon_cli.survey import biff
from carbon_cli.survey.container import Limits
from carbon_cli.survey.issues import InputError
from carbon_cli.survey.paths import expand_paths
from carbon_cli.survey.reader import read_workbook
from carbon_cli.survey.workbook import opened
from tests.conftest import SAMPLES
from tests.fixtures.make_formats import HERE, NAME, source_xlsx
from tests.hostile.make_corpus import _honest, _members, _raw_zip, zeros_stream

XLS, ODS = HERE / f"{NAME}.xls", HERE / f"{NAME}.ods"
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def grids(path: Path, booleans_as_numbers: bool = False) -> list[Any]:
    """Every sheet's non-blank rows as typed values; with `booleans_as_numbers`, True/False as 1/0
    (LibreOffice has no boolean cells: in an .ods it keeps TRUE as the number 1)."""
    out = []
    with opened(path) as sheets:
        for grid in sheets:
            rows = []
            for r, values in grid.rows():
                cells = list(values)
                while cells and cells[-1] is None:
                    cells.pop()
                if cells:
                    if booleans_as_numbers:
                        cells = [int(v) if isinstance(v, bool) else v for v in cells]
                    rows.append((r, [(type(v).__name__, v) for v in cells]))
            out.append((grid.name, grid.hidden, rows))
    return out


def reading(path: Path) -> Any:
    """What the survey reader makes of a file, with the file's own name taken out."""
    try:
        book = read_workbook(path)
    except InputError as err:
        return ("refused", err.issue.code, err.issue.location.sheet, err.issue.location.cell)
    surveys = [
        (s.layout, s.assessment, s.baseline, {k: (v.sheet, v.cell) for k, v in s.sources.items()}) for s in book.surveys
    ]
    issues = [(i.code, i.location.sheet, i.location.cell, i.params) for i in book.all_issues]
    return book.layout, surveys, issues


def refusal(path: Path, limits: Limits | None = None) -> tuple[str, str | None]:
    with pytest.raises(InputError) as err, opened(path, limits) as sheets:
        for grid in sheets:
            list(grid.rows())
    return err.value.issue.code, err.value.issue.location.sheet


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("formats") / f"{NAME}.xlsx"
    path.write_bytes(source_xlsx())
    return path


# --- the committed fixtures ------------------------------------------------------------------------


def test_xls_reads_as_the_xlsx_it_was_saved_from(source):
    assert grids(XLS) == grids(source)
    assert reading(XLS) == reading(source)


def test_ods_reads_as_the_xlsx_it_was_saved_from(source):
    assert grids(ODS) == grids(source, booleans_as_numbers=True)
    assert reading(ODS) == reading(source)


@pytest.mark.parametrize("path", [XLS, ODS], ids=["xls", "ods"])
def test_error_values_and_cell_locations_are_kept(path):
    """#DIV/0! is an error value (calamine alone reads it as a blank) in cell H2, as in the xlsx."""
    with opened(path) as sheets:
        rows = dict(sheets[0].rows())
    assert rows[2][7] == "#DIV/0!"
    assert rows[3][5] == "HX-LEGACY"  # F3
    survey = read_workbook(path).surveys[0]
    assert survey.assessment["community_id"] == "HX-LEGACY"
    where = survey.sources["assessment.community_id"]
    assert (where.file, where.sheet, where.cell) == (str(path), "基本信息", "F3")


def _patched(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1, old.hex()
    return data.replace(old, new)


def test_password_protected_xls_is_named_as_encrypted(tmp_path):
    """An .xls with an opening password carries a FILEPASS record among its first records."""
    path = tmp_path / "locked.xls"
    path.write_bytes(_patched(XLS.read_bytes(), bytes.fromhex("e1000200b004"), bytes.fromhex("2f000200b004")))
    assert refusal(path) == ("encrypted_workbook", None)


def test_excel_95_xls_is_named_as_too_old(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(_patched(XLS.read_bytes(), bytes.fromhex("090810000006"), bytes.fromhex("090810000005")))
    assert refusal(path) == ("legacy_xls", None)


def test_xls_too_large_to_lay_out_is_refused_before_calamine(tmp_path, monkeypatch):
    """A cell record at row 60,000, column 400: 24 million cells, refused from the records."""
    import python_calamine

    data = XLS.read_bytes()
    stream = biff._stream(data, "Workbook")
    assert stream is not None
    at = stream.find(bytes.fromhex("7e020a00"))  # the first RK cell record
    record = stream[at : at + 14]
    forged = record[:4] + (59_999).to_bytes(2, "little") + (399).to_bytes(2, "little") + record[8:]
    path = tmp_path / "far.xls"
    path.write_bytes(_patched(data, record, forged))

    def never(*_: Any) -> None:
        raise AssertionError("calamine was given the file")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    assert refusal(path)[0] == "sheet_too_large"


def test_html_page_saved_as_xls_is_named_as_such(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>社区编码</td></tr></table></body></html>", encoding="utf-8")
    assert refusal(path) == ("html_table", None)


def test_ole_file_without_a_workbook_is_corrupt_not_a_crash(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(XLS.read_bytes()[:600])
    assert refusal(path)[0] == "corrupt_workbook"


def test_zip_bomb_in_an_ods_is_refused_before_calamine(tmp_path):
    base = [_honest(n, b) for n, b in _members(ODS.read_bytes()).items()]
    bomb = zeros_stream(1)
    path = tmp_path / "bomb.ods"
    path.write_bytes(_raw_zip([*base, ("Pictures/x.png", bomb, zipfile.ZIP_DEFLATED, 0, len(bomb), 1024)]))
    assert refusal(path) == ("zip_bomb", None)


def test_ods_too_large_to_lay_out_is_refused_first(tmp_path):
    """A value repeated over 5,000 columns of 5,000 rows: 25 million cells, from eleven bytes."""
    members = _members(ODS.read_bytes())
    content = members["content.xml"].replace(
        b"<table:table-row ",
        b'<table:table-row table:number-rows-repeated="5000"><table:table-cell table:number-columns-repeated='
        b'"5000" office:value-type="float" office:value="1"/></table:table-row><table:table-row ',
        1,
    )
    path = tmp_path / "wide.ods"
    path.write_bytes(_raw_zip([_honest(n, content if n == "content.xml" else b) for n, b in members.items()]))
    assert refusal(path)[0] == "sheet_too_large"


def test_ods_with_an_entity_declaration_is_refused(tmp_path):
    members = _members(ODS.read_bytes())
    content = members["content.xml"].replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)
    path = tmp_path / "entity.ods"
    path.write_bytes(_raw_zip([_honest(n, content if n == "content.xml" else b) for n, b in members.items()]))
    assert refusal(path)[0] == "unsafe_xml"


def test_a_folder_yields_xls_and_ods(tmp_path):
    for path in (XLS, ODS):
        shutil.copy(path, tmp_path)
    (tmp_path / "~$legacy_form.xls").write_bytes(b"lock")
    files, problems = expand_paths([tmp_path])
    assert [p.name for p in files] == [f"{NAME}.ods", f"{NAME}.xls"]
    assert problems == []


# --- saved afresh by LibreOffice ------------------------------------------------------------------------


@pytest.mark.slow
@needs_soffice
def test_samples_saved_as_xls_and_ods_read_alike(source, tmp_path):
    chosen = [SAMPLES / "communities" / "FT-SH-01.xlsx", SAMPLES / "district_table.xlsx", source]
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    for suffix in ("xls", "ods"):
        subprocess.run(
            ["soffice", "--headless", profile, "--convert-to", suffix, "--outdir", str(tmp_path), *map(str, chosen)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    for xlsx in chosen:
        for suffix in ("xls", "ods"):
            saved = tmp_path / f"{xlsx.stem}.{suffix}"
            assert grids(saved) == grids(xlsx, booleans_as_numbers=suffix == "ods"), saved.name
            assert reading(saved) == reading(xlsx), saved.name


def test_a_wps_et_that_is_not_biff8_is_an_unsupported_format(tmp_path):
    path = tmp_path / "survey.et"
    path.write_bytes(XLS.read_bytes()[:600])
    assert refusal(path) == ("unsupported_format", None)
