"""Costs, subsidies and the appraisal, checked by hand from data/costs/sz-2025.toml (costs.md)."""

from __future__ import annotations

import math

import pytest

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.core.errors import CarbonError
from carbon_cli.planning.costs import Range, StepChange, load_cost_set, set_cost, terms_for
from carbon_cli.planning.measures import load_measures
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.survey.reader import read_survey

SAMPLES = "sample_data/communities"


@pytest.fixture(scope="module")
def ft05():
    return read_survey(f"{SAMPLES}/FT-SH-05.xlsx")


def steps_for(values: dict, keys: list[str]) -> list[StepChange]:
    """The measures applied in library order, each on the survey the previous ones left."""
    library = load_measures()
    steps = []
    for measure in library.measures:
        if measure.key in keys:
            change = measure.apply(values)
            steps.append(StepChange(measure.key, values, change))
            values = {**values, **change}
    return steps


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_worked_example_led_and_electric_kitchens(ft05):
    """FT-SH-05 (fictional) takes M3 (electric kitchens) then M4 (LED), on 2026-11-30.

    Survey: 9,567 households, 1,148 already cook electric, 1,117,800 m³ of piped gas;
    1,500 public fixtures of which 1,200 efficient; 3,402,000 kWh of public-area electricity.
    """
    costs = load_cost_set()
    terms = terms_for(costs, ft05.assessment, on="2026-11-30")
    whole, (m3, m4) = set_cost(costs, steps_for(dict(ft05.assessment), ["M3", "M4"]), terms)

    # M3: to 30 % of households = ceil(2,870.1) = 2,871, i.e. 1,723 more; gas per remaining
    # gas-cooking household 1,117,800 / (9,567 − 1,148); each m³ removed adds 6.6 kWh.
    converted = 2871 - 1148
    gas_removed = converted * 1117800 / (9567 - 1148)
    kwh_added = gas_removed * 6.6
    m3_capex = converted * 2000  # yuan/household, typical
    m3_subsidy = min(0.15 * m3_capex, 1500 * converted)  # trade-in 15 %, ≤ 1,500 per item (2026)
    m3_savings = gas_removed * 3.41 - kwh_added * 0.68  # gas tariff − residential tariff: negative
    assert close(m3.capex.typical, m3_capex)
    assert close(m3.one_off_subsidy.typical, m3_subsidy) and m3_subsidy == 516900
    assert close(m3.savings.typical, m3_savings) and m3_savings < 0
    assert m3.payback_years is None  # it never pays back: it costs more to run
    # the range pairs each subsidy rate with the price it is a share of: cheapest case = the
    # low price (300) less 20 % of it, dearest = the high price (5,000) less 15 % of it
    assert close(m3.upfront.low, 1723 * 300 * (1 - 0.20)) and m3.upfront.low == pytest.approx(413520)
    assert close(m3.upfront.typical, 2929100)  # 3,446,000 − 516,900
    assert close(m3.upfront.high, 1723 * 5000 * (1 - 0.15)) and m3.upfront.high == pytest.approx(7322750)

    # M4: 300 fixtures to LED at 600 yuan; public electricity falls by 30 % (lighting share)
    # × 50 % (LED saving) × 300/1,500 converted, valued at the common-area tariff 0.85.
    m4_capex = 300 * 600
    kwh_saved = 3402000 * 0.3 * 0.5 * 300 / 1500
    assert close(m4.capex.typical, m4_capex)
    assert close(m4.savings.typical, kwh_saved * 0.85)
    assert close(m4.payback_years, m4_capex / (kwh_saved * 0.85))
    assert m4.net_cost.typical == pytest.approx(m4_capex - 10 * kwh_saved * 0.85, rel=1e-12)
    assert m4.no_regret

    # the set: sums, and the appraisal over 10 undiscounted years
    upfront = m3_capex - m3_subsidy + m4_capex
    annual_net = -(m3_savings + kwh_saved * 0.85)
    assert close(whole.upfront.typical, upfront)
    assert close(whole.annual_net.typical, annual_net)
    assert close(whole.net_cost.typical, upfront + 10 * annual_net)
    assert whole.subsidy.typical == m3_subsidy

    # yuan per tonne (tCO2e/yr from cn-south-2023: gas 2.1622 kg/m³, grid 0.4042 kg/kWh). On this
    # grid M3 adds more from power than it removes from gas, so the set avoids nothing: no price.
    m3_t = (gas_removed * 2.1622 - kwh_added * 0.4042) / 1000
    m4_t = kwh_saved * 0.4042 / 1000
    assert m3_t < 0 < m4_t
    steps = steps_for(dict(ft05.assessment), ["M3", "M4"])
    priced, (_, led) = set_cost(
        costs, [StepChange(s.measure, s.before, s.change, t) for s, t in zip(steps, [m3_t, m4_t], strict=True)], terms
    )
    assert priced.yuan_per_tco2e is None
    assert close(led.yuan_per_tco2e.typical, (m4_capex - 10 * kwh_saved * 0.85) / (m4_t * 10))


def test_tonnes_agree_with_the_inventory(ft05):
    """The hand tonnes of the worked example equal the inventory's difference."""
    factors, criteria = load_factor_set(), load_criteria()
    before = assess(ft05, factors, criteria)
    values = dict(ft05.assessment)
    for step in steps_for(values, ["M3", "M4"]):
        values.update(step.change)
    changed = {k: v for k, v in values.items() if ft05.assessment.get(k) != v}
    after = assess(ft05.with_values(changed, "measures"), factors, criteria)
    gas_removed = (2871 - 1148) * 1117800 / (9567 - 1148)
    kwh_saved = 3402000 * 0.3 * 0.5 * 300 / 1500
    tonnes = (gas_removed * 2.1622 - gas_removed * 6.6 * 0.4042 + kwh_saved * 0.4042) / 1000
    assert before.inventory.net_tco2e - after.inventory.net_tco2e == pytest.approx(tonnes, rel=1e-9)


def test_expired_policy_is_shown_not_counted():
    """Futian's PV subsidy lapsed on 2024-12-31: reported as expired, counted only on request."""
    costs = load_cost_set()
    before = {"district": "福田区", "pv_capacity_kwp": 0.0, "pv_generation_kwh": 0.0}
    change = {"pv_capacity_kwp": 500.0, "pv_generation_kwh": 500000.0}
    step = [StepChange("M1", before, change)]
    cost, _ = set_cost(costs, step, terms_for(costs, before, on="2026-11-30"))
    (line,) = cost.subsidy_lines
    assert (line.counted, line.reason) == (False, "expired")
    assert cost.subsidy.typical == 0
    # counted when asked: 0.2 yuan/kWh × 500,000 kWh × 3 years = 300,000, under 20 % of
    # 1,500,000 yuan invested (300,000) and 3,000,000: 100,000 a year for 3 years
    cost, _ = set_cost(costs, step, terms_for(costs, before, on="2026-11-30", include_expired=True))
    assert cost.annual_subsidy.typical == pytest.approx(100000)
    assert cost.subsidy.typical == pytest.approx(300000)
    assert cost.subsidy_in_year(4).typical == 0
    # before it lapsed it counted, but only in Futian and for projects of ≥ 1,000,000 yuan
    assert set_cost(costs, step, terms_for(costs, before, on="2024-06-01"))[0].subsidy.typical == pytest.approx(300000)
    elsewhere = {**before, "district": "南山区"}
    line = set_cost(costs, step, terms_for(costs, elsewhere, on="2024-06-01"))[0].subsidy_lines[0]
    assert (line.counted, line.reason) == (False, "district")
    small = [StepChange("M1", before, {"pv_capacity_kwp": 100.0, "pv_generation_kwh": 100000.0})]
    line = set_cost(costs, small, terms_for(costs, before, on="2024-06-01"))[0].subsidy_lines[0]
    assert (line.counted, line.reason) == (False, "below_min_capex")


def test_discounting_and_range_arithmetic():
    r = Range(1, 2, 4)
    assert (r - Range(0, 1, 3)) == Range(-2, 1, 4)
    assert r.times(-2) == Range(-8, -4, -2)
    costs = load_cost_set()
    before = {"households": 1000}
    step = [StepChange("M17", before, {"outreach_events_per_year": 6})]
    cost, _ = set_cost(costs, step, terms_for(costs, before, years=5, discount_rate=0.05))
    assert cost.net_cost.typical == pytest.approx(sum(100000 / 1.05**t for t in range(1, 6)))
    assert cost.net_cost.low == pytest.approx(sum(50000 / 1.05**t for t in range(1, 6)))


def test_user_cost_file_overrides_one_figure(tmp_path):
    path = tmp_path / "my-costs.toml"
    path.write_text('[costs.M4_led]\ntypical = 450\nsource = "our own tender, 2026"\nstatus = "seen"\n', "utf-8")
    costs = load_cost_set(str(path))
    assert costs.costs["M4_led"].figure.value == Range(300, 450, 2000)
    assert costs.costs["M4_led"].figure.status == "seen"
    assert costs.costs["M1_capex"].figure.value.typical == 3000  # the rest from the default set
    bad = tmp_path / "bad.toml"
    bad.write_text("[costs.M4_led]\nlow = 900\n", "utf-8")
    with pytest.raises(CarbonError) as err:
        load_cost_set(str(bad))
    assert "M4_led" in str(err.value.params.get("detail", ""))


def test_every_figure_has_source_and_status():
    costs = load_cost_set()
    figures = costs.figures()
    assert len(figures) >= 30
    for figure in figures:
        assert figure.source and figure.status in ("seen", "derived", "assumed"), figure.key
        assert figure.value.low <= figure.value.typical <= figure.value.high
    measures = {m.key for m in load_measures().measures}
    assert {c.measure for c in costs.costs.values()} == measures  # every measure is costed


def test_sets_extend_each_other_and_a_loop_is_refused(tmp_path):
    """A user's file extends the default set, or the set its [set] names; a loop is an error."""
    from carbon_cli.accounting.factors import load_factor_set

    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[set]\nid = "mine"\nextends = "cn-national-2023"\n'
        '[factors.EF_gas]\nvalue = 2.0\nunit = "kgCO2/m3"\nsource = "test"\nstatus = "assumed"\n',
        "utf-8",
    )
    factors = load_factor_set(str(mine))
    national = load_factor_set("cn-national-2023")
    assert factors.value("EF_gas") == 2.0 and factors["EF_gas"].origin == "mine"
    assert factors.value("EF_grid") == national.value("EF_grid") != load_factor_set().value("EF_grid")
    loop = tmp_path / "loop.toml"
    loop.write_text(f'[set]\nid = "loop"\nextends = "{loop}"\n', "utf-8")
    for load in (load_factor_set, load_cost_set):
        with pytest.raises(CarbonError) as err:
            load(str(loop))
        assert "loops" in str(err.value.params.get("detail"))


# ---------------------------------------------------------------------------
# Issue 25: the rules an independent reference priced differently, each with a hand example.


def measure_cost_of(key: str, before: dict, change: dict, **terms):
    costs = load_cost_set()
    cost, _ = set_cost(costs, [StepChange(key, before, change)], terms_for(costs, before, **terms))
    return cost


def test_m14_charges_only_the_part_that_changes():
    """A community with a team pays only the plan (400,000 once); one with a plan pays only
    the team (200,000 a year); one with neither pays both."""
    m14 = next(m for m in load_measures().measures if m.key == "M14")
    has_team = {"has_carbon_mgmt_team": True, "has_creation_plan": False}
    cost = measure_cost_of("M14", has_team, m14.apply(has_team))
    assert cost.capex == Range(200000, 400000, 800000) and cost.opex == Range(0, 0, 0)
    assert [line.cost.figure.key for line in cost.lines] == ["M14_plan"]
    has_plan = {"has_carbon_mgmt_team": False, "has_creation_plan": True}
    cost = measure_cost_of("M14", has_plan, m14.apply(has_plan))
    assert cost.capex == Range(0, 0, 0) and cost.opex == Range(100000, 200000, 300000)
    assert cost.net_cost.typical == 10 * 200000
    neither = {"has_carbon_mgmt_team": False, "has_creation_plan": False}
    cost = measure_cost_of("M14", neither, m14.apply(neither))
    assert (cost.capex.typical, cost.opex.typical) == (400000, 200000)
    assert cost.net_cost.typical == 400000 + 10 * 200000


def test_a_one_off_subsidy_never_exceeds_the_price_it_is_paid_on():
    """Nanshan pays 0 / 80 / 100 yuan/m² on a retrofit of 50 / 150 / 500 yuan/m²: 10,000 m²
    cost 500,000 / 1,500,000 / 5,000,000; the cheapest case gets at most its own 500,000."""
    before = {"district": "南山区", "retrofitted_gfa_m2": 0.0}
    cost = measure_cost_of("M6", before, {"retrofitted_gfa_m2": 10000.0}, on="2026-11-30")
    assert cost.capex == Range(500000, 1500000, 5000000)
    assert cost.upfront == Range(0, 1500000 - 800000, 5000000 - 0)
    assert cost.one_off_subsidy == Range(0, 800000, 1000000)  # its own least and most


def test_no_low_upfront_is_below_zero():
    """Every measure on every sample survey, with every subsidy counted (its district, on a
    day the trade-in is valid, expired ones included): no cheapest case is paid to invest."""
    costs = load_cost_set()
    library = load_measures()
    districts = {rule.district for rule in costs.subsidies.values()}
    checked = 0
    for path in sorted(__import__("pathlib").Path(SAMPLES).glob("*.xlsx")):
        values = dict(read_survey(path).assessment)
        for district in districts:
            here = {**values, "district": district}
            terms = terms_for(costs, here, on="2026-06-01", include_expired=True)
            for measure in library.measures:
                change = measure.apply(here)
                if change:
                    cost, _ = set_cost(costs, [StepChange(measure.key, here, change)], terms)
                    assert cost.upfront.low >= 0, (path.name, district, measure.key, cost.upfront)
                    assert cost.upfront.low <= cost.upfront.typical <= cost.upfront.high
                    checked += 1
    assert checked > 13 * 10


def test_a_share_of_price_above_one_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[subsidies.trade_in_hob]\nhigh = 1.2\n", "utf-8")
    with pytest.raises(CarbonError) as err:
        load_cost_set(str(bad))
    assert "at most 1" in str(err.value.params.get("detail", ""))


WATER_FIXTURES = (
    {"households": 1000, "households_with_saving_fixtures": 0, "water_supply_m3": 100000.0},
    {"households_with_saving_fixtures": 800, "water_supply_m3": 92000.0},
)


@pytest.mark.parametrize("years", [5, 10, 30])
def test_payback_past_the_period_is_reported(years):
    """M11 in 800 households: 480,000 yuan of fixtures save 8,000 m³ × 3.80 = 30,400 yuan a
    year: it pays back in 480,000 / 30,400 = 15.79 years, whatever the appraisal period."""
    cost = measure_cost_of("M11", *WATER_FIXTURES, years=years)
    assert cost.capex.typical == 480000 and close(cost.savings.typical, 30400)
    assert cost.payback_years == pytest.approx(480000 / 30400) == pytest.approx(15.789, abs=1e-3)
    assert cost.net_cost.typical == pytest.approx(480000 - years * 30400)


def test_payback_through_a_limited_subsidy_and_never():
    """500 kWp in Futian before the subsidy lapsed: 1,500,000 upfront; O&M 35,000 a year,
    500,000 kWh of common-area power no longer bought (× 0.85 = 425,000) and 100,000 a year of
    subsidy for 3 years: 3 × 490,000 = 1,470,000 paid by year 3, the last 30,000 at 390,000 a
    year: 3 + 30,000 / 390,000 years, also with a 2-year period. Without the savings it never
    pays back (35,000 a year of O&M once the subsidy ends)."""
    before = {"district": "福田区", "pv_capacity_kwp": 0.0, "pv_generation_kwh": 0.0, "elec_public_area_kwh": 9e5}
    change = {"pv_capacity_kwp": 500.0, "pv_generation_kwh": 500000.0, "elec_public_area_kwh": 4e5}
    for years in (2, 10):
        cost = measure_cost_of("M1", before, change, on="2024-06-01", years=years)
        assert cost.upfront.typical == 1500000 and close(cost.annual_net.typical, 35000 - 425000 - 100000)
        assert cost.payback_years == pytest.approx(3 + 30000 / 390000)
    no_savings = {k: v for k, v in change.items() if k != "elec_public_area_kwh"}
    assert measure_cost_of("M1", before, no_savings, on="2024-06-01").payback_years is None


def test_m8_supervisors_and_running_costs_per_sorting_point():
    """12 sorting points after the measure: one supervisor each at 18,000 / 22,000 / 26,000 a
    year plus 5,000 / 10,000 / 15,000 of bags and cleaning per point — households do not count."""
    before = {"households": 5000, "buildings_with_sorting_points": 12, "recyclables_t": 100.0}
    cost = measure_cost_of("M8", before, {"recyclables_t": 300.0})
    assert cost.opex == Range(12 * 23000, 12 * 32000, 12 * 41000)
    assert {line.cost.figure.key: line.quantity for line in cost.lines} == {"M8_supervisors": 12, "M8_consumables": 12}
    assert cost.capex == Range(0, 0, 0)


def test_m8_counts_the_points_the_survey_has_when_it_is_priced():
    """M8 then M15 (library order) on FT-SH-03: M8 is priced on the 133 points surveyed, not
    on the 140 that M15 then gives every building."""
    survey = read_survey(f"{SAMPLES}/FT-SH-03.xlsx")
    values = dict(survey.assessment)
    costs = load_cost_set()
    _, (m8, m15) = set_cost(costs, steps_for(values, ["M8", "M15"]), terms_for(costs, values))
    assert values["buildings_with_sorting_points"] == 133 and values["buildings_total"] == 140
    assert m8.opex.typical == pytest.approx(133 * (22000 + 10000))  # 4,256,000 a year
    assert [(line.cost.figure.key, line.quantity) for line in m15.lines] == [("M15_points", 7)]


def test_m5_lifts_one_per_hundred_households():
    """2,345 households: 23.45 lifts at 8,000 / 15,000 / 25,000 plus controls at 100 / 200 /
    300 yuan per household; public power −15 % of 1,000,000 kWh × 0.85 saves 127,500 a year."""
    before = {"households": 2345, "elec_public_area_kwh": 1000000.0}
    cost = measure_cost_of("M5", before, {"elec_public_area_kwh": 850000.0})
    lifts = next(line for line in cost.lines if line.cost.figure.key == "M5_lifts")
    assert lifts.quantity == pytest.approx(23.45) and lifts.cost.per.status == "derived"
    assert cost.capex.low == pytest.approx(23.45 * 8000 + 2345 * 100)  # 422,100
    assert cost.capex.typical == pytest.approx(23.45 * 15000 + 2345 * 200)  # 820,750
    assert cost.capex.high == pytest.approx(23.45 * 25000 + 2345 * 300)  # 1,289,750
    assert cost.savings.typical == pytest.approx(127500)
    assert cost.payback_years == pytest.approx(820750 / 127500)


def test_m12_storage_is_the_yearly_volume_over_130_8():
    """13,080 m³ a year reused needs 13,080 / 130.8 = 100 m³ of storage: 150,000 / 250,000 /
    400,000 yuan; the 13,080 m³ not bought save 13,080 × 3.80 = 49,704 a year."""
    before = {"nontraditional_water_m3": 0.0, "water_supply_m3": 130800.0}
    cost = measure_cost_of("M12", before, {"nontraditional_water_m3": 13080.0, "water_supply_m3": 117720.0})
    assert cost.lines[0].quantity == pytest.approx(100)
    assert cost.capex == Range(pytest.approx(150000), pytest.approx(250000), pytest.approx(400000))
    assert cost.savings.typical == pytest.approx(49704)


def test_m13_upkeep_and_m10_running_costs():
    """5,000 m² of trees: 1,750,000 to plant, 25,000 / 50,000 / 75,000 a year to keep; a reuse
    point: 10,000 once, 0 / 6,000 / 12,000 a year to run."""
    cost = measure_cost_of("M13", {"tree_green_m2": 1000.0}, {"tree_green_m2": 6000.0})
    assert cost.capex.typical == 1750000 and cost.opex == Range(25000, 50000, 75000)
    cost = measure_cost_of("M10", {"has_reuse_facility": False}, {"has_reuse_facility": True})
    assert cost.capex.typical == 10000 and cost.opex == Range(0, 6000, 12000)
    assert cost.net_cost.typical == 10000 + 10 * 6000


def test_quantities_are_data_with_status_and_source(tmp_path):
    q = load_cost_set().quantities
    assert {k: (f.value.typical, f.status) for k, f in q.items()} == {
        "households_per_lift": (100, "derived"),
        "sorting_points_per_supervisor": (1, "assumed"),
        "harvest_m3_per_storage_m3": (130.8, "derived"),
    }
    assert all(f.source for f in q.values())
    bad = tmp_path / "bad.toml"
    bad.write_text('[costs.M5_lifts]\nper = "lifts_per_block"\n', "utf-8")
    with pytest.raises(CarbonError) as err:
        load_cost_set(str(bad))
    assert "[quantities]" in str(err.value.params.get("detail", ""))
