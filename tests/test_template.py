"""The blank survey workbook: layout, round trips through the reader and LibreOffice, samples."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from carbon_cli.core.fileio import write_workbook
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.reader import read_workbook
from carbon_cli.survey.template import (
    FORM_HEADERS,
    form_workbook,
    table_columns,
    table_workbook,
    write_template,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
LANGS = ("zh", "en")


def filled_values(seed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """A value for every field (assessment) and every per-year field (baseline), by type.

    The numbers only have to survive the round trip, not be plausible. Percentages stay above
    1: the reader takes 0 < x <= 1 under a % unit as a fraction (0.35 means 35 %).
    """
    assessment: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    for i, spec in enumerate(dictionary().fields):
        n = seed * 1000 + i
        if spec.type == "text":
            value: Any = f"{spec.key}-{seed}" if spec.key != "community_name" else f"测试社区{seed}"
        elif spec.type == "bool":
            value = (i + seed) % 2 == 0
        elif spec.dimension == "year":
            value = 2023 if spec.key == "assessment_year" else 2021
        elif spec.dimension == "percent":
            value = 12.5 + i
        elif spec.type == "int":
            value = 1_000 + n * 7
        else:
            value = 1_234.5 + n * 11.25
        assessment[spec.key] = value
        if spec.per_year:
            baseline[spec.key] = (not value) if isinstance(value, bool) else value * 2
    return assessment, baseline


def per_year(values: dict[str, Any]) -> dict[str, Any]:
    fields = dictionary()
    return {k: v for k, v in values.items() if fields[k].per_year}


def read_one(path: Path) -> Any:
    read = read_workbook(path)
    assert len(read.surveys) == 1
    return read.surveys[0]


# --- layout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_form_sheets_and_headers(lang: str) -> None:
    wb = form_workbook(lang)
    topics = [t.label(lang) for t in dictionary().topics]
    assert wb.sheetnames[1:] == topics
    assert wb.sheetnames[0] == ("填写说明" if lang == "zh" else "Instructions")
    for topic in dictionary().topics:
        ws = wb[topic.label(lang)]
        assert "B1:H1" in ws.merged_cells
        assert tuple(c.value for c in ws[2]) == FORM_HEADERS[lang]
        keys = [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)]
        assert keys == [f.key for f in dictionary().by_topic(topic.key)]


def test_form_marks_required_identity_and_yes_no() -> None:
    wb = form_workbook("zh")
    basic, waste = wb["基本信息"], wb["废弃物"]
    row = {basic.cell(r, 1).value: r for r in range(3, basic.max_row + 1)}
    assert basic.cell(row["community_id"], 4).value == "是"
    assert basic.cell(row["community_id"], 2).font.b
    assert basic.cell(row["service_population"], 4).value is None
    assert basic.cell(row["community_id"], 5).fill.fgColor.rgb.endswith("D9D9D9")
    (validation,) = waste.data_validations.dataValidation
    assert validation.formula1 == '"是,否"'
    reuse = next(r for r in range(3, waste.max_row + 1) if waste.cell(r, 1).value == "has_reuse_facility")
    assert str(validation.sqref) == f"E{reuse} F{reuse}"


@pytest.mark.parametrize("lang", LANGS)
def test_table_headers(lang: str) -> None:
    ws = table_workbook(lang).active
    headers = [c.value for c in ws[1]]
    assert headers[4] == ("年份" if lang == "zh" else "Year")
    keys = [s.key for s in table_columns()]
    assert "assessment_year" not in keys and "baseline_year" not in keys
    matched = [dictionary().match(h) for h in headers[:4] + headers[5:]]
    assert [m.field.key for m in matched if m] == keys
    assert ("居民生活用电量（千瓦时）" if lang == "zh" else "Household electricity (kWh)") in headers


# --- blank templates read back ----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_blank_form_reads_back(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "form.xlsx"
    write_template(path, "form", lang)
    read = read_workbook(path)
    assert read.layout == "form"
    codes = {i.code for i in read.all_issues}
    assert codes == {"blank_survey"}  # nothing unknown, nothing unreadable: just empty


@pytest.mark.parametrize("lang", LANGS)
def test_blank_table_reads_back(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "table.xlsx"
    write_template(path, "table", lang)
    read = read_workbook(path)
    assert read.layout == "table"
    assert {i.code for i in read.all_issues} == {"no_data_rows"}


def test_unknown_layout_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layout"):
        write_template(tmp_path / "x.xlsx", "wide")


# --- filled templates round-trip --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_filled_form_round_trips(tmp_path: Path, lang: str) -> None:
    assessment, baseline = filled_values()
    path = tmp_path / "filled.xlsx"
    write_workbook(path, form_workbook(lang, assessment=assessment, baseline=baseline))
    survey = read_one(path)
    assert survey.assessment == assessment
    assert survey.baseline == baseline
    assert not [i for i in survey.issues if i.code in ("unknown_field", "unknown_unit")]


def test_form_writes_sources_notes_and_yes_no_words(tmp_path: Path) -> None:
    wb = form_workbook(
        "en",
        assessment={"has_creation_plan": False, "has_carbon_mgmt_team": True},
        sources={"has_creation_plan": "street office"},
        notes={"has_creation_plan": "=not a formula"},
    )
    ws = wb["Management"]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "has_creation_plan")
    assert [ws.cell(row, c).value for c in (6, 7, 8)] == ["no", "street office", "=not a formula"]
    assert ws.cell(row, 8).data_type == "s"
    other = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "has_carbon_mgmt_team")
    assert ws.cell(other, 6).value == "yes"
    assert ws.cell(other, 8).value == dictionary()["has_carbon_mgmt_team"].note("en")


@pytest.mark.parametrize("lang", LANGS)
def test_filled_table_round_trips(tmp_path: Path, lang: str) -> None:
    communities = [filled_values(seed) for seed in (1, 2)]
    rows = []
    for assessment, baseline in communities:
        identity = {k: assessment[k] for k in ("community_id", "community_name", "street", "district")}
        rows.append({**identity, **baseline, "year": assessment["baseline_year"]})
        rows.append({**assessment, "year": assessment["assessment_year"]})
    path = tmp_path / "table.xlsx"
    write_workbook(path, table_workbook(lang, rows))
    read = read_workbook(path)
    assert not [i for i in read.all_issues if i.code in ("unknown_field", "unknown_unit")]
    by_id = {s.community_id: s for s in read.surveys}
    for assessment, baseline in communities:
        survey = by_id[assessment["community_id"]]
        assert survey.assessment == assessment
        assert per_year(survey.baseline) == baseline


# --- determinism ------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["form", "table"])
@pytest.mark.parametrize("lang", LANGS)
def test_same_bytes_every_time(tmp_path: Path, layout: str, lang: str) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(first, layout, lang)
    write_template(second, layout, lang)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.slow
def test_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    script = (
        "import sys; from carbon_cli.survey.template import write_template; "
        "write_template(sys.argv[1], 'form'); write_template(sys.argv[2], 'table')"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        paths = [tmp_path / f"form-{seed}.xlsx", tmp_path / f"table-{seed}.xlsx"]
        subprocess.run([sys.executable, "-c", script, *map(str, paths)], env=env, check=True)
        outputs.append([p.read_bytes() for p in paths])
    assert outputs[0] == outputs[1]


# --- LibreOffice ------------------------------------------------------------------------------


def _libreoffice_resave(source: Path, tmp_path: Path) -> Path:
    out = tmp_path / "resaved"
    profile = (tmp_path / "lo-profile").as_uri()
    command = [
        "soffice", f"-env:UserInstallation={profile}", "--headless",
        "--convert-to", "xlsx", "--outdir", str(out), str(source),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=240)
    resaved = out / source.name
    assert resaved.exists(), f"LibreOffice wrote nothing for {source.name}"
    return resaved


def _yes_no(value: Any) -> Any:
    return ("是" if value else "否") if isinstance(value, bool) else value


needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")


@pytest.mark.slow
@needs_soffice
def test_libreoffice_round_trip_form(tmp_path: Path) -> None:
    """Fill a blank form the way a script would, let LibreOffice re-save it, read it back."""
    assessment, baseline = filled_values()
    blank = tmp_path / "form.xlsx"
    write_template(blank, "form", "zh")
    wb = openpyxl.load_workbook(blank)
    for ws in wb.worksheets[1:]:
        for row in range(3, ws.max_row + 1):
            key = ws.cell(row, 1).value
            ws.cell(row, 5).value = _yes_no(baseline.get(key))
            ws.cell(row, 6).value = _yes_no(assessment.get(key))
    filled = tmp_path / "filled-form.xlsx"
    wb.save(filled)
    survey = read_one(_libreoffice_resave(filled, tmp_path))
    assert survey.assessment == assessment
    assert survey.baseline == baseline


@pytest.mark.slow
@needs_soffice
def test_libreoffice_round_trip_table(tmp_path: Path) -> None:
    assessment, baseline = filled_values()
    blank = tmp_path / "table.xlsx"
    write_template(blank, "table", "zh")
    wb = openpyxl.load_workbook(blank)
    ws = wb.active
    keys = [s.key for s in table_columns()]
    keys.insert(4, "year")
    for row, (values, year) in enumerate(((baseline, 2021), (assessment, 2023)), start=2):
        record = {**assessment, **values, "year": year}
        for col, key in enumerate(keys, start=1):
            ws.cell(row, col).value = _yes_no(record.get(key))
    filled = tmp_path / "filled-table.xlsx"
    wb.save(filled)
    survey = read_one(_libreoffice_resave(filled, tmp_path))
    assert survey.assessment == assessment
    assert per_year(survey.baseline) == baseline


# --- sample data ------------------------------------------------------------------------------


def _sample_files() -> list[Path]:
    return [*sorted((SAMPLES / "communities").glob("*.xlsx")), SAMPLES / "district_table.xlsx"]


def _make_samples() -> Any:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_samples_read_without_errors() -> None:
    files = _sample_files()
    assert len(files) >= 13
    messy = {f"{c['id']}.xlsx" for c in _make_samples().COMMUNITIES if c.get("mess")}
    for path in files:
        read = read_workbook(path)
        errors = [i for i in read.all_issues if i.is_error]
        assert not errors, f"{path.name}: {[(i.code, i.location.describe()) for i in errors]}"
        if path.name not in messy:  # only the hand-typed ones may carry warnings
            assert not read.all_issues, f"{path.name}: {[i.code for i in read.all_issues]}"


def _assert_same(where: str, got: dict[str, Any], want: dict[str, Any]) -> None:
    """Exactly equal: `carbon batch` merges a community found twice only when its data is ==."""
    assert got.keys() == want.keys(), f"{where}: {sorted(got.keys() ^ want.keys())}"
    different = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert not different, f"{where}: {different}"


def test_district_table_matches_community_workbooks() -> None:
    table = {s.community_id: s for s in read_workbook(SAMPLES / "district_table.xlsx").surveys}
    forms = {s.community_id: s for s in map(read_one, sorted((SAMPLES / "communities").glob("*.xlsx")))}
    assert table.keys() == forms.keys()
    for community_id, form in forms.items():
        row = table[community_id]
        _assert_same(community_id, form.assessment, row.assessment)
        assert (form.baseline is None) == (row.baseline is None), community_id
        if form.baseline is not None:
            _assert_same(f"{community_id} baseline", form.baseline, per_year(row.baseline))


def test_samples_match_their_profiles() -> None:
    make_samples = _make_samples()
    for community in make_samples.COMMUNITIES:
        assessment, baseline = make_samples.years(community)
        survey = read_one(SAMPLES / "communities" / f"{community['id']}.xlsx")
        _assert_same(community["id"], survey.assessment, assessment)
        if baseline is not None:
            _assert_same(f"{community['id']} baseline", survey.baseline, baseline)


@pytest.mark.slow
def test_samples_are_up_to_date_and_reproducible(tmp_path: Path) -> None:
    _make_samples().main(tmp_path)
    for path in [*_sample_files(), SAMPLES / "roster.txt"]:
        fresh = tmp_path / path.relative_to(SAMPLES)
        assert fresh.read_bytes() == path.read_bytes(), f"{path.name}: run sample_data/make_samples.py"


# --- printing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_form_sheets_print_on_a4_one_page_wide(lang: str) -> None:
    wb = form_workbook(lang)
    for ws in wb.worksheets[1:]:
        setup = ws.page_setup
        assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "landscape", 1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$2:$2"  # the column headings on every page
        assert ws.print_area.endswith(f"$B$1:$H${ws.max_row}")  # the key column is not printed
    instructions = wb.worksheets[0]
    assert instructions.page_setup.orientation == "portrait" and instructions.page_setup.fitToWidth == 1


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) or pdftotext (poppler-utils) not installed",
)
@pytest.mark.slow
def test_printed_form_has_every_column_and_no_keys(tmp_path: Path) -> None:
    """LibreOffice prints the form: one page per sheet, label to note on one line, no keys."""
    form = tmp_path / "form.xlsx"
    write_template(form, "form", "zh")
    profile = (tmp_path / "lo-profile").as_uri()
    command = [
        "soffice", f"-env:UserInstallation={profile}", "--headless",
        "--convert-to", "pdf", "--outdir", str(tmp_path), str(form),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "form.pdf"
    pages = []
    for page in range(1, 1 + len(dictionary().topics) + 1):
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
        ).stdout
        pages.append(text)
    assert "填写说明" in pages[0] and "11. 填完后保存为 .xlsx 文件交回。" in pages[0]  # the last line: not cut
    for topic, text in zip(dictionary().topics, pages[1:], strict=True):
        assert f"{topic.label('zh')} — 社区碳排放摸底调研表" in text
        heading = next(line for line in text.splitlines() if "指标" in line)
        assert all(word in heading for word in ("单位", "必填", "基准年数值", "评价年数值", "数据来源", "备注"))
        assert not any(f.key in text for f in dictionary().by_topic(topic.key))
    basic = next(line for line in pages[1].splitlines() if line.startswith("社区编码"))
    assert "每个社区唯一的编码" in basic  # label and note on one line: one page wide
