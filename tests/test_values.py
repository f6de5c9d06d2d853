"""Every value form of survey-fields.md, read into canonical units, and the cell errors."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.values import MISSING, ValueProblem, parse_value

F = dictionary()


def read(raw, key, unit=None):
    return parse_value(raw, F[key], unit).value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,345", 12345),
        ("1.2万", 12000),
        ("3.4亿", 3.4e8),
        ("约500", 500),
        (" 1 234 ", 1234),
        ("１２３", 123),
        ("1.2万kWh", 12000),
        ("12 MWh", 12000),
        ("2.5万度", 25000),
        (12.5, 12.5),
        ("0", 0),
        ("无", 0),
        ("5e3", 5000),
        ("1,234.5", 1234.5),
        ("500余", 500),
    ],
)
def test_numbers_as_text(raw, expected):
    assert read(raw, "elec_residential_kwh") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("raw", [None, "", "—", "-", "/", "无数据", "不详", "N/A", "n/a", "——"])
def test_no_data_is_missing_never_zero(raw):
    assert read(raw, "elec_residential_kwh") is MISSING


@pytest.mark.parametrize(
    ("raw", "unit", "key", "expected"),
    [
        (1.2, "万千瓦时", "elec_residential_kwh", 12000),
        (3, "万立方米", "gas_pipeline_m3", 30000),
        (5, "吨", "lpg_kg", 5000),
        ("20吨", None, "lpg_kg", 20000),
        ("2000千克", None, "msw_total_t", 2),
        ("35t", None, "msw_total_t", 35),
        (12, "万吨", "water_supply_m3", 120000),
        (2, "公顷", "land_area_m2", 20000),
        ("1.5万平方米", None, "gfa_total_m2", 15000),
        (1.2, "MWp", "pv_capacity_kwp", 1200),
        (3, "立方米", "diesel_l", 3000),
        ("2.3万人", None, "resident_population", 23000),
    ],
)
def test_units_in_cell_or_label_are_converted(raw, unit, key, expected):
    assert read(raw, key, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("raw", "expected"), [("35%", 35), (0.35, 35), (35, 35), ("35", 35), ("0.35", 35), ("100%", 100)]
)
def test_percentages(raw, expected):
    assert read(raw, "green_trip_share", "%") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("√", True),
        ("×", False),
        ("Y", True),
        ("N", False),
        ("TRUE", True),
        ("false", False),
        (1, True),
        (0, False),
        (True, True),
        ("yes", True),
    ],
)
def test_yes_no(raw, expected):
    assert read(raw, "has_reuse_facility") is expected


def test_whole_numbers_and_years():
    assert read("1.2万", "resident_population") == 12000
    assert isinstance(read(18000.0, "resident_population"), int)
    assert read("2023年", "assessment_year") == 2023


@pytest.mark.parametrize(
    ("raw", "key", "code"),
    [
        ("abc", "elec_residential_kwh", "unreadable_number"),
        ("-5", "elec_residential_kwh", "negative_value"),
        ("1e300", "elec_residential_kwh", "absurd_value"),
        ("#DIV/0!", "elec_residential_kwh", "excel_error"),
        ("#REF!", "gas_pipeline_m3", "excel_error"),
        (dt.datetime(2023, 5, 1), "elec_residential_kwh", "date_not_number"),
        ("12.5", "resident_population", "not_whole_number"),
        ("1,23,456", "elec_residential_kwh", "ambiguous_number"),
        ("12 furlongs", "elec_residential_kwh", "unknown_unit"),
        ("maybe", "has_reuse_facility", "bad_bool"),
        ("NaN", "elec_residential_kwh", "unreadable_number"),
        (float("nan"), "elec_residential_kwh", "absurd_value"),
        ("1899", "assessment_year", "bad_year"),
    ],
)
def test_unreadable_values_name_the_problem(raw, key, code):
    with pytest.raises(ValueProblem) as err:
        parse_value(raw, F[key])
    assert err.value.code == code


def test_approximate_value_is_read_and_flagged():
    parsed = parse_value("约500", F["lpg_kg"])
    assert parsed.value == 500
    assert parsed.warnings[0][0] == "approximate_value"


@given(st.text(max_size=40))
def test_parser_never_fails_unexpectedly(text):
    for key in (
        "elec_residential_kwh",
        "resident_population",
        "has_reuse_facility",
        "green_trip_share",
        "community_name",
        "assessment_year",
    ):
        with contextlib.suppress(ValueProblem):
            parse_value(text, F[key])


@given(st.floats(min_value=0, max_value=1e11, allow_nan=False))
def test_number_round_trips_through_text(number):
    assert read(repr(number), "elec_residential_kwh") == pytest.approx(number, rel=1e-12)
    assert read(f"{number / 1e4!r}万", "elec_residential_kwh") == pytest.approx(number, rel=1e-9, abs=1e-9)


@given(st.text(max_size=30))
def test_field_matcher_never_fails(text):
    match = F.match(text)
    assert match is None or match.field.key in {f.key for f in F.fields}


@pytest.mark.parametrize(
    ("header", "key", "unit"),
    [
        ("居民生活用电量（万千瓦时）", "elec_residential_kwh", "万千瓦时"),
        ("elec_residential_kwh", "elec_residential_kwh", None),
        ("Household electricity (kWh)", "elec_residential_kwh", "kWh"),
        ("天然气（万立方米）", "gas_pipeline_m3", "万立方米"),
        ("常住人口*", "resident_population", None),
        ("ＲＥＳＩＤＥＮＴ_ＰＯＰＵＬＡＴＩＯＮ", "resident_population", None),
        ("公共区域用电量（电梯/水泵/照明/物业）", "elec_public_area_kwh", None),
        ("公共区域用电量（MWh）", "elec_public_area_kwh", "MWh"),
        ("  社区 名称 ", "community_name", None),
    ],
)
def test_headers_people_write_match_fields(header, key, unit):
    match = F.match(header)
    assert match is not None and match.field.key == key and match.unit == unit


def test_every_label_and_alias_is_unambiguous():
    for spec in F.fields:
        for name in (spec.key, spec.zh, spec.en, *spec.aliases):
            assert F.match(name).field.key == spec.key, name
