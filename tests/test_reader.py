"""Reading workbooks: both layouts, people's headers, and every error with its exact location."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.issues import InputError, Location
from carbon_cli.survey.layouts import cell_reader, read_cell
from carbon_cli.survey.reader import read_survey, read_workbook
from tests.conftest import complete_values, write_form, write_table


def form_rows(values: dict, baseline: dict | None = None) -> list[list]:
    baseline = baseline or {}
    return [[k, None, None, None, baseline.get(k), v, None, None] for k, v in values.items()]


def issues_by_code(book):
    return {(i.code, i.location.sheet, i.location.cell, i.field) for i in book.all_issues}


def test_form_reads_values_and_locations(tmp_path):
    values = complete_values()
    path = write_form(tmp_path / "f.xlsx", form_rows(values))
    book = read_workbook(path)
    assert book.layout == "form"
    survey = book.surveys[0]
    assert survey.assessment == values
    assert survey.baseline is None
    assert not [i for i in book.all_issues if i.is_error]
    loc = survey.source("assessment", "gas_pipeline_m3")
    assert (loc.sheet, loc.cell) == ("能源", f"F{3 + list(values).index('gas_pipeline_m3')}")


def test_form_by_label_with_units_and_baseline(tmp_path):
    rows = [
        [None, "居民生活用电量", "万千瓦时", None, 1500, 1800, "供电局", None],
        [None, "管道天然气用量（万立方米）", None, None, "60", "5.5万立方米", None, None],
        [None, "基准年份", None, None, None, 2021, None, None],
        [None, "评价年份", None, None, None, "2023年", None, None],
    ]
    survey = read_workbook(write_form(tmp_path / "f.xlsx", rows)).surveys[0]
    assert survey.assessment["elec_residential_kwh"] == 18_000_000
    assert survey.baseline["elec_residential_kwh"] == 15_000_000
    assert survey.assessment["gas_pipeline_m3"] == 55_000
    assert survey.baseline["gas_pipeline_m3"] == 600_000
    assert (survey.assessment_year, survey.baseline_year) == (2023, 2021)


def test_cell_errors_are_located(tmp_path):
    rows = [
        ["elec_residential_kwh", None, None, None, None, "很多", None, None],
        ["gas_pipeline_m3", None, None, None, None, "#DIV/0!", None, None],
        ["lpg_kg", None, None, None, None, -3, None, None],
        ["vehicles_total", None, None, None, None, 100, None, None],
        ["nev_count", None, None, None, None, 150, None, None],
        ["mystery_field", "神秘指标", None, None, None, 5, None, None],
    ]
    book = read_workbook(write_form(tmp_path / "f.xlsx", rows))
    found = issues_by_code(book)
    assert ("unreadable_number", "能源", "F3", "elec_residential_kwh") in found
    assert ("excel_error", "能源", "F4", "gas_pipeline_m3") in found
    assert ("negative_value", "能源", "F5", "lpg_kg") in found
    assert ("contradiction", "能源", "F7", "nev_count") in found
    assert ("unknown_field", "能源", "B8", None) in found
    issue = next(i for i in book.all_issues if i.code == "contradiction")
    assert issue.message("zh") == "新能源汽车数量（辆） 大于 居民机动车保有量（辆），这不可能"
    assert issue.message("en") == "New-energy vehicles exceeds Resident motor vehicles, which is impossible"
    assert issue.expected("zh") == "≤ 居民机动车保有量（辆）（100）"
    assert issue.found == "150"
    missing = next(i for i in book.all_issues if i.code == "missing_required" and i.field == "resident_population")
    assert missing.is_error and missing.message("en") == "required field missing: Resident population (persons)"
    assert missing.expected("en") == "a value for the assessment year"


def test_formula_without_stored_value_is_an_error(tmp_path):
    rows = [["elec_residential_kwh", None, None, None, None, "=1+1", None, None]]
    path = write_form(tmp_path / "f.xlsx", rows)  # openpyxl stores the formula, no cached value
    book = read_workbook(path)
    issue = next(i for i in book.all_issues if i.code == "formula_no_value")
    assert (issue.location.sheet, issue.location.cell, issue.field) == ("能源", "F3", "elec_residential_kwh")
    assert "elec_residential_kwh" not in book.surveys[0].assessment


def test_table_latest_year_is_assessed_earliest_is_baseline(tmp_path):
    header = [
        "社区编码",
        "社区名称",
        "年份",
        "常住人口（万人）",
        "居民生活用电量（万千瓦时）",
        "Piped natural gas (m3)",
        "备注列",
    ]
    rows = [
        ["A1", "甲", 2021, 1.8, 1500, 700000, "x"],
        ["A1", "甲", 2023, 1.9, 1800, 650000, None],
        ["A1", "甲", 2022, 1.85, 1700, 680000, None],
        ["B2", "乙", 2023, 2.2, 2000, 900000, None],
    ]
    book = read_workbook(write_table(tmp_path / "t.xlsx", header, rows))
    assert book.layout == "table"
    a1, b2 = book.surveys
    assert (a1.assessment_year, a1.baseline_year) == (2023, 2021)
    assert a1.assessment["resident_population"] == 19000
    assert a1.baseline["elec_residential_kwh"] == 15_000_000
    assert b2.baseline is None
    unknown = [i for i in book.issues if i.code == "unknown_field"]
    assert [(i.location.cell, i.found) for i in unknown] == [("G1", "备注列")]
    picked = read_workbook(tmp_path / "t.xlsx", year=2022).surveys[0]
    assert (picked.assessment_year, picked.baseline_year) == (2022, 2021)
    assert read_survey(tmp_path / "t.xlsx", community="乙").community_id == "B2"


def test_table_needs_a_community(tmp_path):
    from carbon_cli.core.errors import UsageError

    header = ["社区编码", "年份", "常住人口", "户数"]
    path = write_table(tmp_path / "t.xlsx", header, [["A", 2023, 5000, 2000], ["B", 2023, 6000, 2500]])
    with pytest.raises(UsageError) as err:
        read_survey(path)
    assert err.value.code == "community_required"
    with pytest.raises(UsageError):
        read_survey(path, community="Z")


def test_duplicate_rows_in_table(tmp_path):
    header = ["社区编码", "年份", "常住人口", "户数"]
    path = write_table(tmp_path / "t.xlsx", header, [["A", 2023, 5000, 2000], ["A", 2023, 5000, 2000]])
    book = read_workbook(path)
    dup = next(i for i in book.all_issues if i.code == "duplicate_year")
    assert (dup.location.cell, dup.community) == ("B3", "A")


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"hello, this is not a workbook", "x.xlsx", "not_a_workbook"),
        (b"PK\x03\x04truncated", "x.xlsx", "corrupt_workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "x.xls", "corrupt_workbook"),  # no sectors
    ],
)
def test_unusable_files_raise_a_located_error(tmp_path, content, name, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_workbook(path)
    assert err.value.issue.code == code
    assert err.value.issue.location.file == str(path)


def test_empty_and_unrecognised_workbooks(tmp_path):
    Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(InputError) as err:
        read_workbook(tmp_path / "empty.xlsx")
    assert err.value.issue.code == "empty_workbook"
    book = Workbook()
    book.active.append(["随便", "写点", "东西"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError) as err:
        read_workbook(tmp_path / "other.xlsx")
    assert err.value.issue.code == "no_survey_sheet"
    assert "Sheet" in err.value.issue.message("en")


def test_missing_path(tmp_path):
    with pytest.raises(InputError) as err:
        read_workbook(tmp_path / "nope.xlsx")
    assert err.value.issue.code == "file_not_found"


# A table reads each column through one cell reader; it must say exactly what read_cell says.
_RAW = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**13),
    st.sampled_from([0.35, 1, 1.0, 2021, 2021.5, -3, 1e20, 0.0, 0.5]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["是", "否", "不详", "—", "35%", "1.2万", "约500", "#DIV/0!", "abc", " 12 ", "1,234", "0.5"]),
    st.text(max_size=12),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
_KEYS = [f.key for f in dictionary().fields]


@settings(max_examples=400, deadline=None)
@example(key="green_trip_share", unit=None, raws=[0.35, "35%", 35])
@given(
    key=st.sampled_from(_KEYS),
    unit=st.sampled_from([None, "万千瓦时", "吨", "%", "万", "furlongs"]),
    raws=st.lists(_RAW, min_size=1, max_size=6),
)
@pytest.mark.slow
def test_column_reader_reads_as_read_cell(key, unit, raws):
    fields = dictionary()
    spec = fields[key]
    read = cell_reader(fields, spec, unit, "t.xlsx", "表", "C")
    for i, raw in enumerate(raws * 2):  # twice: a remembered text must give the same issues again
        where = Location("t.xlsx", "表", f"C{i + 2}")
        expected_issues: list = []
        found_issues: list = []
        expected = read_cell(fields, spec, raw, unit, where, expected_issues, "A1")
        found = read(raw, str(i + 2), found_issues, "A1")
        assert (type(found), found) == (type(expected), expected) or (found != found and expected != expected)
        assert [(i, i.params) for i in found_issues] == [(i, i.params) for i in expected_issues]


@pytest.mark.slow
def test_table_sources_name_every_cell_read(tmp_path):
    header = ["社区编码", "年份", "常住人口", "居民生活用电量（万千瓦时）", "编制近零碳创建方案"]
    rows = [["A1", 2021, 5000, 1500, "否"], ["A1", 2023, "不详", 1800, "是"]]
    survey = read_workbook(write_table(tmp_path / "t.xlsx", header, rows)).surveys[0]
    cells = {name: (loc.file, loc.sheet, loc.cell) for name, loc in survey.sources.items()}
    where = (str(tmp_path / "t.xlsx"), "社区汇总")
    assert cells == {
        "assessment.community_id": (*where, "A3"),
        "assessment.resident_population": (*where, "C3"),  # read as "no data": still located
        "assessment.elec_residential_kwh": (*where, "D3"),
        "assessment.has_creation_plan": (*where, "E3"),
        "baseline.resident_population": (*where, "C2"),
        "baseline.elec_residential_kwh": (*where, "D2"),
        "baseline.has_creation_plan": (*where, "E2"),
        "assessment.assessment_year": (*where, "A3"),
        "assessment.baseline_year": (*where, "A3"),
    }
    assert "resident_population" not in survey.assessment
    assert survey.source("baseline", "community_id") is None  # identity fields: assessment year only
    assert len(survey.sources) == len(cells) and survey.sources == dict(survey.sources)
    with pytest.raises(KeyError):
        survey.sources["baseline.community_id"]
    import pickle

    assert pickle.loads(pickle.dumps(survey)) == survey
