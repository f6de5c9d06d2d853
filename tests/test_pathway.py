"""Pathways: exactness against exhaustive search, monotonicity, and the measures' arithmetic."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_cli.assessment import assess
from carbon_cli.planning.measures import load_measures
from carbon_cli.planning.pathway import _Search, find_pathway
from carbon_cli.survey.reader import read_survey
from tests.conftest import SAMPLES

LIBRARY = load_measures()
KEYS = [m.key for m in LIBRARY.measures]


@pytest.fixture(scope="module")
def samples(factors, criteria):
    return {p.stem: assess(read_survey(p), factors, criteria) for p in sorted((SAMPLES / "communities").glob("*.xlsx"))}


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["FT-SH-05", "FT-SH-06", "FT-SH-09", "FT-SH-12"]),
    st.sets(st.sampled_from(KEYS)),
    st.sampled_from(KEYS),
)
def test_adding_a_measure_never_lowers_the_score(samples_cache, name, chosen, extra):
    search = samples_cache(name)
    before = search.assess(frozenset(chosen)).evaluation.score
    after = search.assess(frozenset(chosen) | {extra}).evaluation.score
    assert after >= before - 1e-9


@pytest.fixture(scope="module")
def samples_cache(samples):
    searches = {}

    def get(name):
        if name not in searches:
            searches[name] = _Search(samples[name], LIBRARY)
        return searches[name]

    return get


def test_search_is_exact_against_brute_force(samples_cache):
    """For a community, enumerate every subset of its applicable measures."""
    for name in ("FT-SH-04", "FT-SH-13"):
        search = samples_cache(name)
        pathway = find_pathway(search.base, LIBRARY)
        applicable = [m for m in search.applicable]
        best = None
        for size in range(len(applicable) + 1):
            for combo in itertools.combinations(applicable, size):
                keys = frozenset(m.key for m in combo)
                if search.reaches(keys, "pass"):
                    effort = sum(m.weight for m in combo)
                    if best is None or effort < best:
                        best = effort
        assert pathway.effort == best, name


def test_measure_changes_follow_the_library(samples):
    base = samples["FT-SH-09"].survey.assessment
    m15 = LIBRARY.get("M15").apply(base)
    assert m15 == {"buildings_with_sorting_points": base["buildings_total"]} or m15 == {}
    m5 = LIBRARY.get("M5").apply(base)
    assert m5["elec_public_area_kwh"] == pytest.approx(base["elec_public_area_kwh"] * 0.85)
    m3 = LIBRARY.get("M3").apply({**base, "households_electric_cooking": 0})
    removed = base["gas_pipeline_m3"] - m3["gas_pipeline_m3"]
    assert m3["elec_residential_kwh"] - base["elec_residential_kwh"] == pytest.approx(removed * 6.6)
    assert m3["households_electric_cooking"] == -(-0.3 * base["households"] // 1)
    assert LIBRARY.get("M10").apply({**base, "has_reuse_facility": True}) == {}


def test_user_measures_file_overrides_and_extends(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(
        '[[measures]]\nkey = "M17"\neffort = "high"\n'
        '[[measures]]\nkey = "X1"\nzh = "节能宣传周"\naction = "set"\neffort = "low"\n'
        'changes = [{ field = "outreach_events_per_year", to = 12 }]\n',
        encoding="utf-8",
    )
    library = load_measures(path)
    assert library.get("M17").weight == 9
    assert library.get("X1").apply({"outreach_events_per_year": 2}) == {"outreach_events_per_year": 12}
