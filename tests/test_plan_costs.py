"""`carbon plan` in yuan: the cost objective, the priced pathway in JSON, replay through assess."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from typer.testing import CliRunner

from carbon_cli.cli.app import app
from carbon_cli.planning.costs import load_cost_set
from carbon_cli.planning.pathway import _Search, find_pathway
from carbon_cli.planning.pricing import load_planning, objective_for
from carbon_cli.scoring.assessment import assess
from carbon_cli.survey.reader import read_survey
from tests.conftest import SAMPLES

runner = CliRunner()
ON = "2026-11-30"
COST_KEYS = {
    "upfront_yuan",
    "capex_yuan",
    "subsidy_yuan",
    "annual_net_yuan",
    "net_cost_yuan",
    "years",
    "yuan_per_tco2e",
}


def plan_json(*args: str) -> dict:
    result = runner.invoke(app, ["plan", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_pathway_cost_contract():
    data = plan_json(str(SAMPLES / "communities" / "FT-SH-05.xlsx"))
    cost = data["pathway"]["cost"]
    assert set(cost) >= COST_KEYS
    for key in ("upfront_yuan", "capex_yuan", "subsidy_yuan", "annual_net_yuan", "net_cost_yuan", "yuan_per_tco2e"):
        r = cost["range"][key]
        assert r["low"] <= cost[key] <= r["high"], key
    assert data["pathway"]["objective"] == "lifecycle"
    steps = data["pathway"]["steps"]
    assert all("cost" in s for s in steps)
    assert sum(s["cost"]["upfront_yuan"] for s in steps) == pytest.approx(cost["upfront_yuan"])
    assert data["pilot_award_yuan"] == 1_000_000
    assert cost["upfront_yuan"] > 0 and cost["years"] == 10


def test_years_and_discount_rate_change_the_appraisal():
    path = str(SAMPLES / "communities" / "FT-SH-05.xlsx")
    # the upfront objective keeps the pathway; by life-cycle cost the period can change it
    ten = plan_json(path, "--objective", "upfront")["pathway"]["cost"]
    five = plan_json(path, "--objective", "upfront", "--years", "5", "--discount-rate", "0.05")["pathway"]["cost"]
    assert five["years"] == 5 and five["upfront_yuan"] == ten["upfront_yuan"]
    flows = ten["annual_net_yuan"]
    assert five["net_cost_yuan"] == pytest.approx(five["upfront_yuan"] + sum(flows / 1.05**t for t in range(1, 6)))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["FT-SH-02", "FT-SH-05", "FT-SH-07", "FT-SH-08", "FT-SH-11"])
def test_cost_pathway_is_the_cheapest_by_brute_force(name, factors, criteria):
    """Every subset of the applicable measures, assessed in full: none reaching 通过 with every
    control passing has a smaller total weight than the pathway's."""
    survey = read_survey(SAMPLES / "communities" / f"{name}.xlsx")
    base = assess(survey, factors, criteria)
    planning = load_planning(on=ON)
    values = survey.assessment
    objective = objective_for("lifecycle", planning.costs, planning.terms(values), values)
    # the search's pathway (`planned` then drops steps that, priced in order, no longer pay)
    pathway = find_pathway(base, planning.library, "pass", objective=objective)
    if pathway.status == "ready":
        return
    applicable = [m for m in planning.library.measures if m.apply(values)]
    order = [m for m in planning.library.measures if m.action != "green_power"] + [
        m for m in planning.library.measures if m.action == "green_power"
    ]
    # the objective's weights as the search takes them: a measure that pays for itself but does
    # nothing for eligibility alone is left out (objective.py)
    weights = _Search(base, planning.library, objective).weights
    applicable = [m for m in applicable if weights[m.key] < float("inf")]
    best = None
    # only subsets no dearer than the pathway need checking; enumerate by size
    for size in range(len(applicable) + 1):
        for chosen in itertools.combinations(applicable, size):
            weight = sum(weights[m.key] for m in chosen)
            if best is not None and weight >= best - 1e-6:
                continue
            keys = {m.key for m in chosen}
            changed = dict(values)
            for m in order:
                if m.key in keys:
                    changed.update(m.apply(changed))
            diff = {k: v for k, v in changed.items() if values.get(k) != v}
            after = assess(survey.with_values(diff, "measures"), factors, criteria, detail=False)
            if after.evaluation.reaches("pass"):
                best = weight
    if pathway.status == "not_feasible":
        assert best is None
    else:
        assert pathway.weight == pytest.approx(best, abs=1e-6)


def test_replaying_the_cost_pathway_gives_its_score(factors, criteria):
    path = SAMPLES / "communities" / "FT-SH-05.xlsx"
    data = plan_json(str(path))
    merged: dict = {}
    for step in data["pathway"]["steps"]:
        merged.update(step["changes"])
    args = ["assess", str(path), "-f", "json"]
    for key, value in merged.items():
        args += ["--set", f"{key}={'是' if value is True else value}"]
    replay = json.loads(runner.invoke(app, args).stdout)
    assert replay["score"] == pytest.approx(data["pathway"]["score_after"], abs=1e-9)
    assert replay["verdict"] == data["pathway"]["verdict_after"] == "eligible"


def test_terminal_plan_shows_cost_award_and_extras():
    result = runner.invoke(app, ["plan", str(SAMPLES / "communities" / "FT-SH-05.xlsx"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    for text in ("Upfront", "Pilot award after acceptance", "not netted", "least life-cycle cost"):
        assert text in result.output


def test_cost_set_is_listed():
    result = runner.invoke(app, ["costs", "sz-2025", "--lang", "en"])
    assert result.exit_code == 0 and "M1_capex" in result.output
    assert load_cost_set().award.value.typical == 1_000_000


def test_cost_set_lists_the_settled_quantities_and_running_costs():
    """Issue 25's figures, each on its row with its value(s), status and source."""
    from carbon_cli.cli import console

    console.stdout.width = 400  # one line per row
    try:
        output = runner.invoke(app, ["costs", "sz-2025", "--lang", "en"]).output
    finally:
        console.stdout.width = None
    rows = {line.split("│")[2].strip(): line for line in output.splitlines() if line.count("│") > 6}
    expected = {
        "households_per_lift": ("100 ", "derived", "1,000 households has e.g. 10 lifts"),
        "sorting_points_per_supervisor": ("1 ", "assumed", "buildings_with_sorting_points after the measure"),
        "harvest_m3_per_storage_m3": ("130.8", "derived", "3,923.56 ÷ 30 = 130.8"),
        "M13_upkeep": ("5 / 10 / 15", "assumed", "5–15 yuan/m2/yr"),
        "M10_running": ("0 / 6,000 / 12,000", "assumed", "0–12,000 yuan/yr"),
        "M8_consumables": ("5,000 / 10,000 / 15,000", "assumed", "5,000–15,000 yuan/yr per point"),
        "M8_supervisors": ("18,000 / 22,000 / 26,000", "derived", "one supervisor per sorting point"),
        "M5_lifts": ("8,000 / 15,000 / 25,000", "assumed", "yuan per lift"),
    }
    for key, texts in expected.items():
        assert key in rows, key
        for text in texts:
            assert text in rows[key], (key, text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cost_set_reads_at_80_columns_with_keys_whole(lang):
    """At 80 columns every line fits, no key is split ("electricity_residentia" / "l"), and the
    sources, too wide beside the figures, are listed after them by key, in a column of room."""
    from carbon_cli.cli import console
    from carbon_cli.core.i18n import display_width

    console.stdout.width = 80
    try:
        output = runner.invoke(app, ["costs", "sz-2025", "--lang", lang]).output
    finally:
        console.stdout.width = None
    lines = output.splitlines()
    assert all(display_width(line) <= 80 for line in lines), output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    figures = load_cost_set("sz-2025").figures()
    first = [row[0] for row in cells]
    for f in figures:
        assert first.count(f.key) == 2, f.key  # whole, in the figures' table and in the sources'
    sources = [row for row in cells if len(row) == 2]
    assert {row[0] for row in sources} >= {f.key for f in figures}
    assert min(display_width(line.split("│")[2]) for line in lines if line.count("│") == 3) >= 30
    assert {len(row) for row in cells} == {2, 4}  # the figures' four columns, the sources' two


def test_payback_beyond_the_period_is_shown_as_such():
    """15.8 years with a 10-year period is printed, marked beyond the period, not as never."""
    from carbon_cli.cli.commands.plan import cost_summary
    from carbon_cli.planning.costs import StepChange, set_cost, terms_for

    costs = load_cost_set()
    before = {"households": 1000, "households_with_saving_fixtures": 0, "water_supply_m3": 100000.0}
    change = {"households_with_saving_fixtures": 800, "water_supply_m3": 92000.0}
    cost, _ = set_cost(costs, [StepChange("M11", before, change)], terms_for(costs, before))
    assert "Simple payback: 15.8 years (beyond the period)" in cost_summary(cost, "en", None)
    assert "静态回收期：15.8 年（超过评估期）" in cost_summary(cost, "zh", None)


def _costs_rows(*args: str) -> dict[str, list[str]]:
    """`carbon costs sz-2025` with a wide console: the cells of each figure's first line (its
    key, value, unit, status and source), by the figure's key."""
    from carbon_cli.cli import console

    console.stdout.width = 600
    try:
        output = runner.invoke(app, ["costs", "sz-2025", *args]).output
    finally:
        console.stdout.width = None
    keys = {f.key for f in load_cost_set("sz-2025").figures()}
    rows = [[c.strip() for c in line.split("│")] for line in output.splitlines() if line.count("│") > 6]
    return {cells[2]: cells for cells in rows if cells[2] in keys}


ENGLISH_PROSE = re.compile(r"[A-Za-z]+(?:[ ,;:&'-]+[A-Za-z]+){2,}")  # three English words in a row


def test_cost_sources_are_in_chinese_by_default_and_in_english_with_lang_en():
    figures = load_cost_set("sz-2025").figures()
    zh, en = _costs_rows(), _costs_rows("--lang", "en")
    assert set(zh) == set(en) == {f.key for f in figures}
    for f in figures:
        shown = zh[f.key][6]
        assert shown == f.source_zh and re.search("[\u4e00-\u9fff]", shown), f.key
        # no English sentence left: what stays is references, keys and names as published
        kept = re.sub(r"\b(?:costs-sources|primer)\.md\b|\b[a-z]+(?:_[a-z0-9]+)+\b|issue 25|China Daily", "", shown)
        assert not ENGLISH_PROSE.search(kept), (f.key, ENGLISH_PROSE.search(kept))
        section = r"\S+\.md(?: [A-Z]?[\d.]+)?"  # the same section of costs-sources.md
        assert re.match(section, shown)[0] == re.match(section, f.source)[0]
        assert en[f.key][6] == f.source  # English as before
    assert "（hexun 2024-03-15）" in zh["gas_residential"][6] and "（bkwk.cn）" in zh["water_residential"][6]


def test_a_users_new_source_is_not_described_by_the_old_chinese_words(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('[set]\nid = "mine"\n\n[costs.M1_capex]\ntypical = 3200\nsource = "our tender, 2026"\n')
    figure = load_cost_set(str(mine)).costs["M1_capex"].figure
    assert figure.source_label("zh") == figure.source_label("en") == "our tender, 2026"
    kept = tmp_path / "kept.toml"
    kept.write_text('[set]\nid = "kept"\n\n[costs.M1_capex]\ntypical = 3200\n')
    assert load_cost_set(str(kept)).costs["M1_capex"].figure.source_zh.startswith("costs-sources.md M1：")
