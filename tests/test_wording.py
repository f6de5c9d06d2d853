"""How validation problems read (issue 24, item 5): ranges name their unit, a date typed in a CSV
is a date, dates print as dates, keys stay whole in the terminal table, 说明 does not repeat 字段,
problems come in the workbook's sheet order, and kWp is written as the data dictionary writes it."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook
from rich.console import Console

from carbon_cli.cli.console import issues_table
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.issues import Issue, Location
from carbon_cli.survey.reader import read_workbook
from carbon_cli.survey.template import unit_text
from carbon_cli.survey.values import parse_value
from tests.conftest import complete_values, write_form, write_table


def _ratio(key: str, per: str) -> Issue:
    params = {"per_field": per, "ratio": "5", "low": "700", "high": "1,300"}
    return Issue("per_out_of_range", Location("f.xlsx", "能源", "F12"), key, None, "5", params)


@pytest.mark.parametrize(
    ("key", "per", "zh", "en"),
    [
        ("pv_generation_kwh", "pv_capacity_kwp", "每kWp 700 – 1,300 千瓦时", "700 – 1,300 kWh per kWp"),
        ("elec_residential_kwh", "resident_population", "每人 700 – 1,300 千瓦时", "700 – 1,300 kWh per person"),
    ],
)
def test_a_ratio_range_names_its_units(key, per, zh, en):
    issue = _ratio(key, per)
    assert (issue.expected("zh"), issue.expected("en")) == (zh, en)


def test_kwp_is_written_as_the_data_dictionary_writes_it():
    spec = dictionary()["pv_capacity_kwp"]
    assert spec.unit_label("zh") == "kWp"
    assert spec.name("zh") == "光伏装机容量（kWp）"
    assert unit_text(spec, "zh") == "kWp"
    assert parse_value("420千瓦（峰值）", spec).value == 420  # still read as people write it


@pytest.mark.parametrize("text", ["2023/7/1", "2023-07-01", "2023.7.1", "2023年7月1日", "7/1/2023", "2023/7/1 9:30"])
def test_a_date_typed_as_text_is_a_date(text, tmp_path):
    spec = dictionary()["elec_residential_kwh"]
    with pytest.raises(Exception) as err:
        parse_value(text, spec)
    assert getattr(err.value, "code", None) == "date_not_number"


def test_a_date_in_a_csv_is_named_a_date_not_an_unknown_unit(tmp_path):
    path = tmp_path / "district.csv"
    path.write_text("社区编码,社区名称,年份,常住人口,居民生活用电量\nA,甲,2023,18000,2023/7/1\n", encoding="utf-8")
    [issue] = [i for i in read_workbook(path).all_issues if i.code == "date_not_number"]
    assert (issue.code, issue.found, issue.location.cell) == ("date_not_number", "2023/7/1", "E2")
    assert issue.message("zh") == "居民生活用电量（千瓦时）：单元格是日期，不是数值"


def test_a_date_cell_is_quoted_as_a_date(tmp_path):
    header = ["社区编码", "社区名称", "年份", "常住人口", "居民生活用电量"]
    row = ["A", "甲", 2023, dt.datetime(2023, 7, 1, 9, 30), dt.datetime(2023, 7, 1)]
    book = read_workbook(write_table(tmp_path / "t.xlsx", header, [row]))
    found = {i.field: i.found for i in book.all_issues if i.code == "date_not_number"}
    assert set(found.values()) == {"2023-07-01", "2023-07-01 09:30"}


def _rendered(issues: list[Issue], lang: str = "zh") -> str:
    console = Console(width=80, record=True, color_system=None, legacy_windows=False)
    console.print(issues_table(issues, lang))
    return console.export_text()


def test_keys_are_never_broken_in_the_terminal_table():
    issues = [
        Issue(
            "out_of_range",
            Location("f.xlsx", "水资源", "F4"),
            "water_supply_m3",
            None,
            "9e9",
            {"low": "0", "high": "1"},
        ),
        _ratio("elec_residential_kwh", "resident_population"),
    ]
    text = _rendered(issues)
    assert "(water_supply_m3)" in text
    assert "(elec_residential_kwh)" in text


def test_the_message_column_does_not_repeat_the_field():
    issue = Issue("negative_value", Location("f.xlsx", "能源", "F12"), "elec_residential_kwh", None, "-5")
    assert issue.message("zh").startswith("居民生活用电量（千瓦时）")
    shown = issue.message("zh", beside_field=True)
    assert "居民生活用电量" not in shown and shown
    assert _rendered([issue]).count("居民生活") == 1  # in 字段 only


def test_problems_are_listed_in_the_workbook_sheet_order(tmp_path):
    """A bad cell on the second sheet (found while reading) and an implausible value on the
    first (found by the checks after it): the first sheet's problem is listed first."""
    book = Workbook()
    first = book.active
    first.title = "基本信息"
    first.append(["调研表"])
    first.append(["字段键", "指标", "单位", "必填", "基准年数值", "评价年数值", "数据来源", "备注"])
    values = complete_values()
    for key in ("community_id", "community_name", "assessment_year"):
        first.append([key, None, None, None, None, values[key], None, None])
    first.append(["resident_population", None, None, None, None, 10**8, None, None])
    second = book.create_sheet("能源")
    second.append(["调研表"])
    second.append(["字段键", "指标", "单位", "必填", "基准年数值", "评价年数值", "数据来源", "备注"])
    second.append(["elec_residential_kwh", None, None, None, None, "abc", None, None])
    path = tmp_path / "form.xlsx"
    book.save(path)
    sheets = [i.location.sheet for i in read_workbook(path).all_issues if i.location.sheet]
    assert sheets == sorted(sheets, key=["基本信息", "能源"].index)
    assert "基本信息" in sheets and "能源" in sheets


def test_form_problems_on_one_sheet_come_row_by_row(tmp_path):
    path = write_form(
        tmp_path / "f.xlsx",
        [
            ["elec_residential_kwh", None, None, None, None, "abc", None, None],
            ["gas_pipeline_m3", None, None, None, None, -3, None, None],
        ],
    )
    cells = [i.location.cell for i in read_workbook(path).all_issues if i.location.sheet == "能源" and i.location.cell]
    rows = [int("".join(ch for ch in c if ch.isdigit())) for c in cells]
    assert rows == sorted(rows)


@pytest.mark.parametrize(
    ("low", "high", "lang", "text"),
    [
        (-2_294_677, -1_188_628, "zh", "-229.5 至 -118.9 万元"),
        (-2_294_677, -1_188_628, "en", "-2,294,677 to -1,188,628 yuan"),
        (-5_000, 12_000, "zh", "-0.5 至 1.2 万元"),
        (3_000, 9_000, "zh", "3,000–9,000 元"),
        (300_000, 600_000, "en", "300,000–600,000 yuan"),
    ],
)
def test_a_money_range_with_a_negative_end_says_to(low, high, lang, text):
    from carbon_cli.core.i18n import money_range

    assert money_range(low, high, lang) == text
