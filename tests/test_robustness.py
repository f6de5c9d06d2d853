"""Robustness of a verdict (scoring/robustness.py) against brute force over the corners.

The brute force rebuilds the criteria set and the factor set at every corner and runs the plain
`assess`: it shares no code with the robustness module but the evaluation itself.
"""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.scoring.figures import Figure, figures, range_rules
from carbon_cli.scoring.robustness import robustness
from tests.conftest import complete_values
from tests.test_criteria_workbook import generated_surveys, sample_surveys

SEED = 18_3
FIGURES = 6  # figures moved per community: 2^6 corners, 3^6 nominal-or-end choices


def _moved_sets(criteria, factors, values: dict[Figure, float]):
    """The criteria set and factor set with each figure of `values` set (the slow, plain way)."""
    controls, items = list(criteria.controls), list(criteria.items)
    grades = list(criteria.grades)
    fs = dict(factors.factors)
    for fig, x in values.items():
        if fig.kind == "factor":
            fs[fig.owner] = dataclasses.replace(fs[fig.owner], value=x)
        elif fig.kind == "band":
            grades = [dataclasses.replace(g, min_score=x) if g.key == fig.owner else g for g in grades]
        else:
            group = controls if any(c.key == fig.owner for c in controls) else items
            i = next(i for i, c in enumerate(group) if c.key == fig.owner)
            c = group[i]
            if fig.kind == "points":
                steps = tuple((t, p * x / c.points) for t, p in c.steps)
                group[i] = dataclasses.replace(c, points=x, steps=steps)
            elif fig.kind == "step":
                steps = list(c.steps)
                steps[fig.index] = (x, steps[fig.index][1])
                group[i] = dataclasses.replace(c, steps=tuple(sorted(steps, reverse=True)))
            else:
                group[i] = dataclasses.replace(c, **{fig.kind: x})
    crit = dataclasses.replace(criteria, controls=tuple(controls), items=tuple(items), grades=tuple(grades))
    return crit, dataclasses.replace(factors, factors=fs)


def _brute(a, values: dict[Figure, float]):
    crit, fs = _moved_sets(a.criteria, a.factors, values)
    # the moved figures are set one by one (a step's index is its place in the nominal order)
    result = assess(a.survey, fs, crit, detail=False)
    return result.verdict, result.score


def _pick(a, rng: random.Random, n: int = FIGURES) -> list[Figure]:
    """`n` moving figures of `a` (at least one factor and one threshold when there are), the others
    pinned at their nominal value."""
    moving = [f for f in figures(a) if f.moves]
    factors = [f for f in moving if f.kind == "factor"]
    rest = [f for f in moving if f.kind != "factor"]
    chosen = rng.sample(factors, min(2, len(factors))) if factors else []
    # one factor per inventory line keeps the factor corners those of the lines (exact)
    lines = {}
    for f in chosen:
        lines.setdefault(f.owner[:6], f)
    chosen = list(lines.values())[:2]
    chosen += rng.sample(rest, n - len(chosen))
    return chosen


def _corners(figs: list[Figure]):
    for ends in itertools.product((0, 1), repeat=len(figs)):
        yield {f: (f.high if e else f.low) for f, e in zip(figs, ends, strict=True)}


def _check(a, figs: list[Figure]) -> None:
    r = robustness(a, figs)
    results = [_brute(a, corner) for corner in _corners(figs)]
    verdicts = {v for v, _ in results}
    assert r.robust == (verdicts == {a.verdict}), (a.survey.community_id, r, verdicts)
    scores = [s for _, s in results]
    # every corner's score lies within the range reported; without factors of two years it is exact
    assert r.score_low <= min(scores) + 1e-9 and r.score_high >= max(scores) - 1e-9
    if a.baseline_inventory is None or not any(f.kind == "factor" for f in figs):
        assert r.score_low == pytest.approx(min(min(scores), a.score), abs=1e-9)
        assert r.score_high == pytest.approx(max(max(scores), a.score), abs=1e-9)
    if r.robust:
        assert r.flip is None
        return
    flip = r.flip
    assert flip is not None and r.exact
    ends = dict(zip(flip.figures, flip.ends, strict=True))
    assert _brute(a, ends)[0] == flip.verdict != a.verdict  # the set named flips it
    at = dict(zip(flip.figures, flip.at, strict=True))
    assert _brute(a, at)[0] != a.verdict  # at the value named it has flipped ...
    before = {f: f.nominal + (x - f.nominal) * (1 - 1e-6) for f, x in at.items()}
    if any(abs(x - f.nominal) > 1e-6 * (f.high - f.low) for f, x in at.items()):  # (not at the nominal value)
        assert _brute(a, before)[0] == a.verdict  # ... and just before it, not yet
    # the smallest set: no set of fewer figures (each at nominal, low or high) flips it
    smallest = min(
        sum(1 for f, x in zip(figs, choice, strict=True) if x != f.nominal)
        for choice in itertools.product(*[(f.nominal, f.low, f.high) for f in figs])
        if _brute(a, {f: x for f, x in zip(figs, choice, strict=True) if x != f.nominal})[0] != a.verdict
    )
    assert len(flip.figures) >= smallest
    if flip.minimal:
        assert len(flip.figures) == smallest


@pytest.fixture(scope="module")
def sets():
    return load_factor_set(), load_criteria()


def test_default_range_rule_is_data():
    rules = range_rules()
    assert (rules.by_status["assumed"].low_pct, rules.by_status["assumed"].high_pct) == (-20, 20)
    assert (rules.by_status["derived"].low_pct, rules.by_status["derived"].high_pct) == (-10, 10)
    assert (rules.by_status["seen"].low_pct, rules.by_status["seen"].high_pct) == (0, 0)


def test_figures_carry_their_ranges(sets):
    factors, criteria = sets
    from carbon_cli.survey.model import Survey

    a = assess(Survey("t.xlsx", "form", complete_values()), factors, criteria)
    by_key = {f.key: f for f in figures(a)}
    grid = by_key["EF_grid"]
    assert grid.published and (grid.low, grid.high) == (0.3840, 0.4648)  # the published spread
    assert by_key["EF_gas"].low == pytest.approx(2.1622 * 0.9)  # derived: ±10 %
    assert by_key["S1.full"].published and not by_key["S1.full"].moves  # 0.40 t as printed
    assert by_key["S1.zero"].high == pytest.approx(1.8)  # assumed: ±20 %
    assert by_key["C4.target"].high == 100  # a share stays within 100 %
    assert by_key["S10.zero"].high == pytest.approx(84) and by_key["S10.full"].low == pytest.approx(85)  # no crossing
    assert not by_key["band.pass"].moves  # the published band


@pytest.mark.slow
def test_robustness_equals_brute_force_on_generated_communities(sets):
    factors, criteria = sets
    rng = random.Random(SEED)
    samples = sample_surveys()
    surveys = samples[:6] + generated_surveys(samples, 24, seed=SEED)
    outcomes = set()
    for survey in surveys:
        a = assess(survey, factors, criteria)
        figs = _pick(a, rng)
        _check(a, figs)
        outcomes.add(robustness(a, figs).robust)
    assert outcomes == {True, False}  # both kinds were met


def test_exactly_at_a_threshold(sets):
    """A community scoring exactly the pass band (the band moved onto its score) and with C4
    exactly at its 100 % target: any figure that lowers the score flips it, at once."""
    factors, criteria = sets
    from carbon_cli.survey.model import Survey

    a0 = assess(Survey("t.xlsx", "form", complete_values()), factors, criteria)
    grades = tuple(
        dataclasses.replace(g, min_score=a0.score, status="assumed") if g.key == "pass" else g for g in criteria.grades
    )
    at_band = dataclasses.replace(criteria, grades=grades)
    a = assess(a0.survey, factors, at_band)
    assert a.verdict == "eligible" and a.score == a0.score
    rng = random.Random(SEED)
    figs = [f for f in figures(a) if f.key in ("band.pass", "C4.target", "S1.zero", "EF_grid")]
    figs += rng.sample([f for f in figures(a) if f.moves and f.kind == "points"], 2)
    _check(a, figs)
    r = robustness(a, figs)
    assert not r.robust and len(r.flip.figures) == 1
    assert r.flip.at[0] == pytest.approx(r.flip.figures[0].nominal, abs=1e-6 * max(1, r.flip.figures[0].nominal))


def test_far_above_every_threshold_is_robust(sets):
    factors, criteria = sets
    from carbon_cli.survey.model import Survey

    values = complete_values()
    p = values["resident_population"]
    values.update(
        elec_residential_kwh=100.0 * p,
        elec_public_area_kwh=10.0 * p,
        gas_pipeline_m3=1.0 * p,
        water_supply_m3=10.0 * p,
        msw_total_t=0.1 * p,
        recyclables_t=0.05 * p,
        kitchen_waste_t=0.04 * p,
        kitchen_waste_onsite_t=0.04 * p,
        pv_generation_kwh=80.0 * p,
        green_power_kwh=50.0 * p,
        pv_roof_area_m2=90_000.0,
        usable_roof_area_m2=100_000.0,
        households_electric_cooking=7000,
        green_certified_gfa_m2=900_000.0,
        retrofitted_gfa_m2=900_000.0,
        public_fixtures=1000,
        efficient_fixtures=1000,
        residents_within_500m_stop=p,
        green_trip_share=95.0,
        parking_spaces=1000,
        charging_spaces=900,
        vehicles_total=1000,
        nev_count=900,
        has_reuse_facility=True,
        households_with_saving_fixtures=7000,
        nontraditional_water_m3=5.0 * p,
        green_cover_m2=500_000.0,
        land_area_m2=600_000.0,
        tree_green_m2=300_000.0,
        outreach_events_per_year=12,
        participating_residents=p,
        has_energy_metering_platform=True,
    )
    a = assess(Survey("t.xlsx", "form", values), factors, criteria)
    assert a.verdict == "eligible" and a.score > 99
    r = robustness(a)
    assert r.robust and r.exact and r.flip is None and r.score_low > 95
    _check(a, _pick(a, random.Random(SEED)))


def test_robustness_equals_brute_force_with_a_met_set(sets):
    """A set judged by targets met (`met` items, one passing band): the targets are figures too."""
    factors, _ = sets
    criteria = load_criteria("ndrc-2014-pilot-targets")
    rng = random.Random(SEED)
    samples = sample_surveys()
    for survey in samples[:5] + generated_surveys(samples, 10, seed=SEED + 1):
        a = assess(survey, factors, criteria)
        moving = [f for f in figures(a) if f.moves]
        _check(a, rng.sample(moving, min(FIGURES, len(moving))))
