"""The worked examples of method.md and criteria.md, and properties of inventory and scoring."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.accounting.inventory import SOURCES, compute_inventory
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.evaluation import item_points
from carbon_cli.survey.model import Survey
from tests.conftest import complete_values

REL = 1e-9

# method.md, "Worked example"
WORKED = {
    "elec_residential_kwh": 18_000_000,
    "elec_public_area_kwh": 2_000_000,
    "green_power_kwh": 500_000,
    "gas_pipeline_m3": 600_000,
    "lpg_kg": 20_000,
    "water_supply_m3": 1_000_000,
    "residual_t": 4_000,
    "tree_green_m2": 50_000,
    "resident_population": 18_000,
}


def test_method_worked_example(factors):
    inv = compute_inventory(WORKED, factors)
    expected = {
        "electricity": 7881.9,
        "natural_gas": 1297.32,
        "lpg": 62.026,
        "diesel": 0.0,
        "gasoline": 0.0,
        "water": 389.0,
        "waste": 1200.0,
    }
    for key, value in expected.items():
        assert inv.sources[key] == pytest.approx(value, rel=REL, abs=1e-12), key
    assert inv.gross_tco2e == pytest.approx(10830.246, rel=REL)
    assert inv.sinks_tco2e == pytest.approx(44.95, rel=REL)
    assert inv.net_tco2e == pytest.approx(10785.296, rel=REL)
    assert inv.per_capita_tco2e == pytest.approx(10785.296 / 18000, rel=REL)
    assert round(inv.per_capita_tco2e, 4) == 0.5992
    assert "wastewater_m3" in inv.not_surveyed and "diesel_l" in inv.not_surveyed
    assert "wastewater_share_of_supply" in inv.factors_used


def test_other_factor_sets_change_only_the_grid_factor():
    national = load_factor_set("cn-national-2022")
    inv = compute_inventory(WORKED, national)
    assert national.value("EF_grid") == 0.5366
    assert inv.sources["electricity"] == pytest.approx(19_500_000 * 0.5366 / 1000, rel=REL)
    assert inv.sources["natural_gas"] == pytest.approx(1297.32, rel=REL)
    assert national["EF_grid"].status == "seen" and national["EF_residual_waste"].status == "assumed"


def test_fallback_formulas(factors):
    inv = compute_inventory(
        {
            "fuel_vehicle_km": 1_000_000,
            "msw_total_t": 5000,
            "recyclables_t": 1000,
            "kitchen_waste_t": 1500,
            "hazardous_t": 10,
            "tree_count": 1000,
            "water_supply_m3": 100,
            "wastewater_m3": 90,
        },
        factors,
    )
    assert inv.sources["gasoline"] == pytest.approx(1_000_000 * 0.08 * 0.737 * 2.9251 / 1000, rel=REL)
    assert inv.sources["waste"] == pytest.approx((5000 - 1000 - 1500 - 10) * 0.30, rel=REL)
    assert inv.sinks_tco2e == pytest.approx(30.0, rel=REL)
    assert inv.sources["water"] == pytest.approx(100 * 0.168 / 1000 + 90 * 0.26 / 1000, rel=REL)


def test_criteria_worked_example(criteria, factors):
    s1 = next(i for i in criteria.items if i.key == "S1")
    per_capita = 10785.296 / 18000
    assert item_points(s1, per_capita) == pytest.approx(18 * (1.50 - per_capita) / (1.50 - 0.40), rel=REL)
    assert round(item_points(s1, per_capita), 2) == 14.74
    # without a baseline year S2 (9) and S5 (4) are n/a: the applicable maximum is 87
    a = assess(Survey("t", "form", complete_values()), factors, criteria)
    na = {i.criterion.key for i in a.evaluation.items if i.status == "na"}
    assert na == {"S2", "S5"}
    assert a.evaluation.applicable_max == pytest.approx(87)
    assert a.evaluation.score == pytest.approx(100 * a.evaluation.earned / 87, rel=REL)
    assert pytest.approx(60.0) == 100 * 52.2 / 87


def test_verdicts(criteria, factors):
    values = complete_values()
    a = assess(Survey("t", "form", values), factors, criteria)
    assert [c.status for c in a.evaluation.controls] == ["pass", "pass", "na", "pass"]
    failing = {**values, "buildings_with_sorting_points": 100}
    b = assess(Survey("t", "form", failing), factors, criteria)
    c4 = b.evaluation.controls[3]
    assert (c4.status, b.verdict) == ("fail", "not_eligible")
    assert c4.gap.distance == pytest.approx(100 - 100 * 100 / 120)
    missing = {k: v for k, v in values.items() if k != "gas_pipeline_m3"}
    c = assess(Survey("t", "form", missing), factors, criteria)
    assert c.verdict == "incomplete"
    assert c.evaluation.controls[0].status == "missing"
    assert "gas_pipeline_m3" in c.evaluation.fields_to_collect


def test_baseline_controls_and_items(criteria, factors):
    values = complete_values()
    baseline = {
        k: v
        for k, v in values.items()
        if k not in ("community_id", "community_name", "street", "district", "assessment_year")
    }
    baseline["elec_residential_kwh"] *= 1.5
    baseline["elec_public_area_kwh"] *= 1.1
    s = Survey("t", "form", {**values, "baseline_year": 2021}, baseline)
    a = assess(s, factors, criteria)
    by_key = {i.criterion.key: i for i in a.evaluation.items}
    pc_now, pc_base = a.inventory.per_capita_tco2e, a.baseline_inventory.per_capita_tco2e
    assert by_key["S2"].value == pytest.approx(100 * (pc_base - pc_now) / pc_base, rel=REL)
    assert by_key["S5"].value == pytest.approx(100 * (1 - 1 / 1.1), rel=REL)
    assert by_key["S5"].points == pytest.approx(4 * (100 * (1 - 1 / 1.1)) / 15, rel=REL)
    assert a.evaluation.applicable_max == pytest.approx(100)
    assert a.evaluation.controls[2].status == "pass"


amounts = st.floats(min_value=0, max_value=1e8, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            k: amounts
            for k in (
                "elec_residential_kwh",
                "elec_public_area_kwh",
                "elec_commercial_kwh",
                "green_power_kwh",
                "gas_pipeline_m3",
                "lpg_kg",
                "diesel_l",
                "gasoline_l",
                "water_supply_m3",
                "msw_total_t",
                "recyclables_t",
            )
        }
    )
)
def test_sources_sum_to_gross(values):
    inv = compute_inventory(values, load_factor_set())
    assert set(inv.sources) == set(SOURCES)
    assert sum(inv.sources.values()) == pytest.approx(inv.gross_tco2e, rel=1e-12, abs=1e-9)
    assert inv.net_tco2e == pytest.approx(max(0.0, inv.gross_tco2e - inv.sinks_tco2e), rel=1e-12, abs=1e-9)


HIGHER_IS_BETTER = {
    "green_trip_share": (0, 100),
    "outreach_events_per_year": (0, 52),
    "charging_spaces": (0, 3000),
    "nev_count": (0, 3000),
    "households_with_saving_fixtures": (0, 7000),
    "green_power_kwh": (0, 5e6),
    "recyclables_t": (0, 3000),
    "efficient_fixtures": (0, 1000),
    "green_certified_gfa_m2": (0, 9e5),
}


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(HIGHER_IS_BETTER)), st.floats(0, 1), st.floats(0, 1))
def test_raising_a_higher_is_better_metric_never_lowers_the_score(key, a, b):
    from carbon_cli.scoring.criteria_files import load_criteria

    low, high = HIGHER_IS_BETTER[key]
    lo, hi = sorted((a, b))
    values = {**complete_values(), "parking_spaces": 3000, "vehicles_total": 3000, "public_fixtures": 1000}
    factors, criteria = load_factor_set(), load_criteria()
    first = assess(Survey("t", "form", {**values, key: low + lo * (high - low)}), factors, criteria)
    second = assess(Survey("t", "form", {**values, key: low + hi * (high - low)}), factors, criteria)
    assert second.score >= first.score - 1e-9


@settings(max_examples=60, deadline=None)
@given(
    st.sets(
        st.sampled_from(
            ["usable_roof_area_m2", "parking_spaces", "vehicles_total", "kitchen_waste_t", "public_fixtures"]
        ),
        max_size=5,
    ),
    st.booleans(),
)
@pytest.mark.slow
def test_na_rescaling_never_exceeds_100(zero_fields, with_baseline):
    from carbon_cli.scoring.criteria_files import load_criteria

    values = {
        **complete_values(),
        "green_trip_share": 100,
        "has_reuse_facility": True,
        "has_energy_metering_platform": True,
        "outreach_events_per_year": 12,
    }
    for key in zero_fields:
        values[key] = 0  # a zero denominator makes its item n/a
    baseline = {k: v for k, v in values.items() if isinstance(v, float)} if with_baseline else None
    if with_baseline:
        values["baseline_year"] = 2020
    a = assess(Survey("t", "form", values, baseline), load_factor_set(), load_criteria())
    assert 0 <= a.evaluation.score <= 100 + 1e-9
    assert a.evaluation.earned <= a.evaluation.applicable_max + 1e-9
