"""Costs, subsidies and the appraisal, checked by hand from data/costs/sz-2025.toml (costs.md)."""

from __future__ import annotations

import math

import pytest

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.core.errors import CarbonError
from carbon_cli.planning.costs import Range, StepChange, load_cost_set, set_cost, terms_for
from carbon_cli.planning.measures import load_measures
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria import load_criteria
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
    # the range: cheapest case = low capex (300) and high subsidy share (20 %), dearest = high capex
    assert close(m3.upfront.low, converted * 300 - min(0.20 * converted * 5000, 1500 * converted))
    assert close(m3.upfront.high, converted * 5000 - 0.15 * converted * 300)

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
