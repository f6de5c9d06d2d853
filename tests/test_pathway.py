"""Pathways: the evaluator equals `assess`, the search equals brute force (also with measures that
lower the score and with any weights), pathways replay through `assess --set`, and the measures'
arithmetic and declared fields."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from carbon_cli.accounting.factors import available, load_factor_set
from carbon_cli.cli.app import app
from carbon_cli.planning.measures import Library, load_measures
from carbon_cli.planning.objective import EFFORT, Objective
from carbon_cli.planning.pathway import TARGETS, _Search, find_pathway, with_pathways
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.survey.reader import read_survey
from tests.conftest import SAMPLES

LIBRARY = load_measures()
KEYS = [m.key for m in LIBRARY.measures]
CRITERIA = load_criteria()
FACTOR_SETS = sorted(available())
SAMPLE_PATHS = sorted((SAMPLES / "communities").glob("*.xlsx"))
# The pathways the engine found before the fast search, on every sample with every factor set.
BEFORE = json.loads((Path(__file__).parent / "pathways_before.json").read_text(encoding="utf-8"))

# A user's measures file where some measures lower the score or raise emissions.
LOWERING = """
[[measures]]
key = "X1"
zh = "电采暖"
action = "set"
effort = "low"
changes = [{ field = "elec_residential_kwh", scale = 1.25 }]

[[measures]]
key = "X2"
zh = "拆除回收站"
action = "set"
effort = "low"
changes = [{ field = "has_reuse_facility", to = false }]

[[measures]]
key = "X3"
zh = "扩建住宅"
action = "set"
effort = "medium"
changes = [{ field = "households", scale = 1.3 }, { field = "green_trip_share", to = 80 }]

[[measures]]
key = "X4"
zh = "加装充电桩并多用电"
action = "set"
effort = "low"
changes = [{ field = "charging_spaces", share_of = "parking_spaces", share = 0.4 },
           { field = "elec_ev_charging_kwh", scale = 3 }]

[[measures]]
key = "X5"
zh = "撤销碳管理小组"
action = "set"
effort = "low"
changes = [{ field = "has_carbon_mgmt_team", to = false }, { field = "outreach_events_per_year", to = 12 }]
"""


@cache
def sample_survey(name: str):
    return read_survey(SAMPLES / "communities" / f"{name}.xlsx")


@cache
def factor_set(name: str):
    return load_factor_set(name)


@cache
def lowering_library(tmp: str) -> Library:
    path = Path(tmp) / "lowering.toml"
    path.write_text(LOWERING, encoding="utf-8")
    return load_measures(path)


@pytest.fixture(scope="module")
def library_with_lowering(tmp_path_factory) -> Library:
    return lowering_library(str(tmp_path_factory.mktemp("measures")))


def generated(seed: int, spread: float = 0.5, flip: float = 0.3):
    """A community made from a sample: every number times 1 ± `spread`, yes/no answers flipped
    with probability `flip` (relations between fields are not kept: the engine must not care)."""
    rnd = random.Random(seed)
    survey = sample_survey(SAMPLE_PATHS[seed % len(SAMPLE_PATHS)].stem)
    changes = {}
    for key, value in survey.assessment.items():
        if isinstance(value, bool):
            if rnd.random() < flip:
                changes[key] = not value
        elif isinstance(value, int | float) and key not in ("assessment_year", "baseline_year"):
            factor = rnd.uniform(1 - spread, 1 + spread)
            changes[key] = value * factor if isinstance(value, float) else round(value * factor)
    return survey.with_values(changes, origin="generated")


def assessed_outcome(search: _Search, keys: frozenset[str]):
    """What `assess` says of the community with `keys` taken, from scratch."""
    changes = search.outcome(keys).changes
    base = search.base
    return assess(base.survey.with_values(changes, origin="measures"), base.factors, base.criteria, detail=False)


def assert_same(outcome, a) -> None:
    ev = outcome.score
    assert ev.score == pytest.approx(a.evaluation.score, abs=1e-9)
    assert ev.earned == pytest.approx(a.evaluation.earned, abs=1e-9)
    assert ev.applicable_max == pytest.approx(a.evaluation.applicable_max, abs=1e-9)
    assert ev.verdict == a.verdict
    assert ev.grade == a.evaluation.grade
    assert ev.control_statuses == tuple(c.status for c in a.evaluation.controls)
    assert [p for p, _ in ev.scored] == pytest.approx([i.points for i in a.evaluation.items], abs=1e-9)
    assert [m for _, m in ev.scored] == [i.max_points for i in a.evaluation.items]
    assert outcome.net_tco2e == pytest.approx(a.inventory.net_tco2e, rel=1e-12, abs=1e-9)
    assert outcome.inventory.to_dict() == a.inventory.to_dict()  # every line, made the same way


# --- the evaluator equals assess ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("factors", ["cn-south-2023", "cn-national-2022"])
def test_evaluator_equals_assess_on_every_sample(factors):
    """Every sample, every single measure and pair of measures, and sets grown one measure at a
    time in a random order (the incremental path the search takes)."""
    rnd = random.Random(7)
    for path in SAMPLE_PATHS:
        base = assess(sample_survey(path.stem), factor_set(factors), CRITERIA)
        search = _Search(base, LIBRARY)
        keys = [m.key for m in search.applicable]
        for size in (0, 1, 2):
            for combo in itertools.combinations(keys, size):
                outcome = search.outcome(frozenset(combo))
                assert_same(outcome, assessed_outcome(search, frozenset(combo)))
        order = keys[:]
        rnd.shuffle(order)
        chosen: frozenset[str] = frozenset()
        outcome = search.outcome(chosen)
        for key in order:
            measure = next(m for m in search.applicable if m.key == key)
            outcome = search.evaluator.extend(outcome, chosen, measure)
            chosen = chosen | {key}
            assert_same(outcome, assessed_outcome(search, chosen))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(FACTOR_SETS), st.lists(st.sampled_from(KEYS), max_size=9))
def test_evaluator_equals_assess_on_generated_communities(seed, factors, order):
    base = assess(generated(seed), factor_set(factors), CRITERIA)
    search = _Search(base, LIBRARY)
    measures = {m.key: m for m in search.order}
    chosen: frozenset[str] = frozenset()
    outcome = search.outcome(chosen)
    for key in order:
        outcome = search.evaluator.extend(outcome, chosen, measures[key])
        chosen = chosen | {key}
        assert_same(outcome, assessed_outcome(search, chosen))
    assert_same(search.evaluator._outcome(chosen), assessed_outcome(search, chosen))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(FACTOR_SETS), st.integers(0, 2**17 - 1))
def test_the_search_tables_score_like_assess(seed, factors, bits):
    """The search scores sets from its per-criterion tables when it can: the same numbers."""
    base = assess(
        generated(seed, 0.3, 0.2) if seed % 3 else sample_survey(SAMPLE_PATHS[seed % 13].stem),
        factor_set(factors),
        CRITERIA,
    )
    search = _Search(base, LIBRARY)
    relaxation = search.relaxation
    if not relaxation.tabulated:
        return
    mask = bits & ((1 << len(search.searchable)) - 1)
    keys = frozenset(m.key for i, m in enumerate(search.searchable) if mask >> i & 1)
    tabled, a = relaxation.exact(mask), assessed_outcome(search, keys)
    assert tabled.score.score == pytest.approx(a.evaluation.score, abs=1e-9)
    assert tabled.score.control_statuses == tuple(c.status for c in a.evaluation.controls)
    assert tabled.score.verdict == a.verdict
    assert [p for p, _ in tabled.score.scored] == pytest.approx([i.points for i in a.evaluation.items], abs=1e-9)
    assert tabled.net_tco2e == pytest.approx(a.inventory.net_tco2e, rel=1e-12, abs=1e-9)


def test_the_samples_are_scored_from_tables():
    tabled = [
        _Search(assess(sample_survey(p.stem), factor_set("cn-south-2023"), CRITERIA), LIBRARY) for p in SAMPLE_PATHS
    ]
    assert all(search.relaxation.tabulated for search in tabled)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(0, 10_000),
    st.sampled_from(FACTOR_SETS),
    st.sets(st.sampled_from([*KEYS, "X1", "X2", "X3", "X4", "X5"]), min_size=1, max_size=10),
    st.integers(0, 2**10 - 1),
    st.integers(0, 2**10 - 1),
    st.integers(0, 2**10 - 1),
    st.sampled_from([0.6, 0.85]),
)
def test_the_bounds_hold_for_every_set_between(library_with_lowering, seed, factors, keys, a, b, c, slope):
    """For a node (taken ⊆ S ⊆ allowed), every item's slack in any S is at most its bound, and a
    node called hopeless (None) has no S passing every control."""
    base = assess(generated(seed, 0.3, 0.2), factor_set(factors), CRITERIA)
    search = _Search(base, small_library(library_with_lowering, sorted(keys)))
    relaxation = search.relaxation
    full = (1 << len(search.searchable)) - 1
    must, allowed = a & b & full, (a | c) & full
    inside = must | (b & allowed)  # a set between the two
    bound = relaxation.bound(must, allowed, slope)
    keys_inside = frozenset(m.key for i, m in enumerate(search.searchable) if inside >> i & 1)
    outcome = assessed_outcome(search, keys_inside)
    if bound is None:
        assert not outcome.evaluation.controls_pass
        return
    for item, best in zip(outcome.evaluation.items, bound, strict=True):
        assert item.points - slope * item.max_points <= best + 1e-9, item.criterion.key


def test_the_inventory_fields_are_the_lines_fields():
    from carbon_cli.accounting.inventory import INVENTORY_FIELDS, LINE_FIELDS

    assert frozenset().union(*LINE_FIELDS.values()) | {"resident_population", "gfa_total_m2"} == INVENTORY_FIELDS


# --- the search equals brute force ----------------------------------------------------------------


def brute_force(base, library: Library, target: str, objective: Objective = EFFORT):
    """Every subset of the applicable measures, each re-assessed from scratch: the best by weight,
    then larger reduction, then fewer measures, then sorted keys."""
    search = _Search(base, library, objective)
    measures = [m for m in search.applicable if search.weights[m.key] < math.inf]
    best = None
    for size in range(len(measures) + 1):
        for combo in itertools.combinations(measures, size):
            keys = frozenset(m.key for m in combo)
            a = assessed_outcome(search, keys)
            if not a.evaluation.reaches(target):
                continue
            rank = (sum(search.weights[k] for k in keys), a.inventory.net_tco2e)
            if best is None or _better(rank, keys, best):
                best = (rank, keys)
    return None if best is None else best[1]


def _better(rank, keys, best) -> bool:
    (weight, net), (best_rank, best_keys) = rank, best
    if abs(weight - best_rank[0]) > 1e-9:
        return weight < best_rank[0]
    if abs(net - best_rank[1]) > 1e-9:
        return net < best_rank[1]
    return (len(keys), sorted(keys)) < (len(best_keys), sorted(best_keys))


def small_library(library: Library, keys: list[str]) -> Library:
    return Library(tuple(m for m in library.measures if m.key in keys), library.efforts)


def found(base, library, target, objective=EFFORT):
    pathway = find_pathway(base, library, target, objective=objective)
    if pathway.status == "not_feasible":
        return None
    return frozenset(s.measure.key for s in pathway.steps)


def with_pass_line(score: float):
    """The criteria set with 通过 at `score` (so that small libraries reach it often)."""
    grades = tuple(dataclasses.replace(g, min_score=score) if g.key == "pass" else g for g in CRITERIA.grades)
    return dataclasses.replace(CRITERIA, grades=grades)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(0, 10_000),
    st.sampled_from(FACTOR_SETS),
    st.sets(st.sampled_from([*KEYS, "X1", "X2", "X3", "X4", "X5"]), min_size=1, max_size=8),
    st.sampled_from(TARGETS),
    st.floats(30, 84),
)
@pytest.mark.slow
def test_search_equals_brute_force_with_measures_that_lower_the_score(
    library_with_lowering, seed, factors, keys, target, pass_line
):
    base = assess(generated(seed, 0.1, 0.0), factor_set(factors), with_pass_line(pass_line))
    library = small_library(library_with_lowering, sorted(keys))
    expected = brute_force(base, library, target)
    if base.evaluation.reaches(target):
        assert find_pathway(base, library, target).status == "ready"
    else:
        assert found(base, library, target) == expected


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(0, 10_000),
    st.sets(st.sampled_from([*KEYS, "X1", "X3", "X4", "X5"]), min_size=1, max_size=7),
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 7.0, math.inf]), min_size=24, max_size=24),
)
def test_search_equals_brute_force_for_any_weights(library_with_lowering, seed, keys, weights):
    """Objective-agnostic: zero weights, ties, and measures left out (infinite weight)."""
    base = assess(generated(seed, 0.1, 0.0), factor_set("cn-national-2023"), with_pass_line(50 + seed % 20))
    library = small_library(library_with_lowering, sorted(keys))
    by_key = {m.key: weights[i] for i, m in enumerate(library_with_lowering.measures)}
    objective = Objective("test", lambda m: by_key[m.key])
    if not base.evaluation.reaches("pass"):
        assert found(base, library, "pass", objective) == brute_force(base, library, "pass", objective)


def test_a_measure_that_fails_a_control_does_not_hide_a_pathway(library_with_lowering):
    """Taking every measure fails control C2 (X5 disbands the carbon team), yet M15 alone passes:
    a search that judged a branch by "every remaining measure" would call it not feasible."""
    base = assess(sample_survey("FT-SH-03"), factor_set("cn-south-2023"), CRITERIA)
    library = small_library(library_with_lowering, ["M15", "M17", "X5"])
    everything = _Search(base, library).outcome(frozenset(["M15", "M17", "X5"]))
    assert not everything.reaches("pass")
    assert found(base, library, "pass") == frozenset(["M15"]) == brute_force(base, library, "pass")


def test_some_measures_do_lower_the_score(library_with_lowering):
    """The brute-force tests above can fail on a search that assumes measures only help: on a
    coal-heavy grid electric kitchens raise emissions, and the user's measures lower the score."""
    lowered = set()
    for factors in ("cn-national-2022", "cn-south-2023"):
        for path in SAMPLE_PATHS:
            base = assess(sample_survey(path.stem), factor_set(factors), CRITERIA)
            search = _Search(base, library_with_lowering)
            for m in search.applicable:
                after = search.outcome(frozenset([m.key]))
                if after.score.score < base.score - 1e-6:
                    lowered.add(m.key)
                if m.key == "M3" and after.net_tco2e > base.inventory.net_tco2e + 1e-6:
                    lowered.add("M3 raises emissions")
    assert {"X1", "X2", "M3 raises emissions"} <= lowered


@pytest.mark.slow
@pytest.mark.parametrize("max_table", [0, 2])
def test_search_without_tables_equals_brute_force(monkeypatch, library_with_lowering, max_table):
    """With tables too small for most criteria the search bounds with full points and scores sets
    with the evaluator: still exact."""
    from carbon_cli.planning import relaxation

    monkeypatch.setattr(relaxation, "MAX_TABLE", max_table)
    reached = 0
    for seed in (3, 8, 11, 16):
        survey, factors = generated(seed, 0.1, 0.0), factor_set("cn-national-2022")
        line = min(84.0, assess(survey, factors, CRITERIA).score + 6)  # a few measures away
        base = assess(survey, factors, with_pass_line(line))
        library = small_library(library_with_lowering, ["M2", "M3", "M4", "M8", "M11", "M15", "M17", "X1", "X5"])
        assert not _Search(base, library).relaxation.tabulated
        pathway = found(base, library, "pass")
        assert pathway == brute_force(base, library, "pass")
        reached += pathway is not None
    assert reached >= 2


@pytest.mark.slow
def test_search_exact_on_samples_against_brute_force():
    """Two samples whose pathways are short, over every subset of their applicable measures."""
    for name in ("FT-SH-03", "FT-SH-04"):
        base = assess(sample_survey(name), factor_set("cn-national-2022"), CRITERIA)
        search = _Search(base, LIBRARY)
        keys = sorted(m.key for m in search.applicable)[:10]
        library = small_library(LIBRARY, keys)
        assert found(base, library, "pass") == brute_force(base, library, "pass")


# --- nothing else changes -------------------------------------------------------------------------


@pytest.mark.parametrize("factors", FACTOR_SETS)
def test_every_pathway_found_before_is_found_again(factors):
    for path in SAMPLE_PATHS:
        base = with_pathways(assess(sample_survey(path.stem), factor_set(factors), CRITERIA), LIBRARY)
        for target, pathway in base.pathways.items():
            before = BEFORE[f"{factors}/{path.stem}/{target}"]
            assert pathway.status == before["status"]
            assert [s.measure.key for s in pathway.steps] == before["measures"]
            assert pathway.effort == before["effort"]
            assert pathway.score_after == pytest.approx(before["score_after"], abs=1e-9)
            assert pathway.verdict_after == before["verdict_after"]
            assert pathway.tco2e_reduced == pytest.approx(before["tco2e_reduced"], abs=1e-9)
            assert list(pathway.blockers) == before["blockers"]


@pytest.mark.slow
def test_pathway_replays_through_assess_set():
    """`carbon assess --set` with a pathway's changes gives the score and verdict it promised."""
    runner = CliRunner()
    replayed = 0
    for name in ("FT-SH-03", "FT-SH-05", "FT-SH-09", "FT-SH-13"):
        path = SAMPLES / "communities" / f"{name}.xlsx"
        plan = json.loads(runner.invoke(app, ["plan", str(path), "-f", "json"]).stdout)
        pathway = plan["pathway"]
        if pathway["status"] != "reachable":
            continue
        changes: dict = {}
        for step in pathway["steps"]:
            changes.update(step["changes"])
        settings_ = [f"{k}={str(v).lower() if isinstance(v, bool) else repr(v)}" for k, v in changes.items()]
        args = ["assess", str(path), "-f", "json", *itertools.chain.from_iterable(("--set", s) for s in settings_)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["score"] == pytest.approx(pathway["score_after"], abs=1e-9)
        assert data["verdict"] == pathway["verdict_after"] == "eligible"
        replayed += 1
    assert replayed >= 3


def test_steps_add_up():
    base = assess(sample_survey("FT-SH-09"), factor_set("cn-south-2023"), CRITERIA)
    pathway = find_pathway(base, LIBRARY, "pass")
    assert pathway.status == "reachable"
    assert sum(s.points_gained for s in pathway.steps) == pytest.approx(pathway.score_after - base.score)
    assert sum(s.tco2e_reduced for s in pathway.steps) == pytest.approx(pathway.tco2e_reduced)
    assert pathway.steps[-1].score_after == pathway.score_after
    assert pathway.objective == "effort" and pathway.weight == pathway.effort == 11


# --- the objective --------------------------------------------------------------------------------


def test_objective_weights_are_checked():
    assert EFFORT.weights(list(LIBRARY.measures[:3])) == {"M1": 9.0, "M2": 3.0, "M3": 3.0}
    assert Objective("pays", lambda m: -1.0).weights([LIBRARY.measures[0]]) == {"M1": -1.0}  # issue 23
    with pytest.raises(ValueError, match="not a number"):
        Objective("broken", lambda m: math.nan).weights([LIBRARY.measures[0]])


def test_a_cost_objective_changes_the_pathway():
    """Weights from the community's own survey: here each measure costs what it changes."""
    base = assess(sample_survey("FT-SH-09"), factor_set("cn-south-2023"), CRITERIA)
    values = base.survey.assessment
    cost = Objective("fields", lambda m: float(len(m.apply(values))))
    pathway = find_pathway(base, LIBRARY, "pass", objective=cost)
    assert pathway.objective == "fields"
    assert pathway.weight == sum(len(m.apply(values)) for m in pathway.measures)
    assert pathway.to_dict()["weight"] == pathway.weight
    library = small_library(LIBRARY, sorted(pathway.to_dict()["applicable_measures"])[:9])
    assert found(base, library, "pass", cost) == brute_force(base, library, "pass", cost)


# --- the measures ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(KEYS), st.floats(0.3, 3.0))
def test_measures_change_only_what_they_declare(seed, key, factor):
    """`apply` writes only `writes`, and a written value depends only on its declared fields:
    the pathway search's bounds rely on it."""
    measure = LIBRARY.get(key)
    values = generated(seed).assessment
    change = measure.apply(values)
    assert set(change) <= measure.writes
    for field in values.keys() - measure.reads:
        value = values[field]
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        other = measure.apply({**values, field: value * factor + 1})
        assert other == change, field
    for written, reads in measure.depends.items():
        for field in values.keys() - reads:
            value = values[field]
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            other = measure.apply({**values, field: value * factor + 1})
            assert other.get(written) == change.get(written), (written, field)


def test_measure_changes_follow_the_library():
    base = sample_survey("FT-SH-09").assessment
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
    assert library.get("X1").writes == {"outreach_events_per_year"}
