"""Issue 18, costs for pathways: the pathway chosen again with every cost figure at the cheap and
at the dear end of its range, and what `carbon plan` says of it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.cli.app import app
from carbon_cli.planning.costs import measure_cost
from carbon_cli.planning.pathway import _Search
from carbon_cli.planning.pricing import cost_firmness, lifecycle_objective, load_planning, planned
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.survey.reader import read_survey
from tests.conftest import AS_OF, SAMPLES
from tests.test_lifecycle import brute_force, found

PLANNING = load_planning(on=AS_OF)
FT_SH_03 = SAMPLES / "communities" / "FT-SH-03.xlsx"


def _base(path=FT_SH_03):
    return assess(read_survey(path), load_factor_set(), load_criteria())


def _pass(base, planning):
    return planned(base, planning, ("pass",)).pathways["pass"]


def _net(base, key: str):
    values = base.survey.assessment
    measure = next(m for m in PLANNING.library.measures if m.key == key)
    return measure_cost(PLANNING.costs, key, values, measure.apply(values), PLANNING.terms(values)).net_cost


def test_the_typical_choice_is_the_pathway_shown_and_each_end_moves_what_its_costs_say():
    base = _base()
    shown = planned(base, PLANNING, ("pass",)).pathways["pass"]
    firm = cost_firmness(base, PLANNING, shown)
    assert firm is not None and not firm.holds
    assert firm.measures == tuple(s.measure.key for s in shown.steps) == ("M1", "M4", "M12", "M15")
    # at the cheap end M3, M5 and M11 pay for themselves (M3 and M11 only there) and join
    assert set(firm.cheap) - set(firm.measures) == {"M3", "M5", "M11"}
    assert all(_net(base, key).low < 0 for key in ("M3", "M5", "M11"))
    assert all(_net(base, key).typical > 0 for key in ("M3", "M11"))
    # at the dear end the LED retrofit no longer pays for itself and is not needed to pass
    assert set(firm.measures) - set(firm.dear) == {"M4"}
    assert _net(base, "M4").typical < 0 < _net(base, "M4").high
    assert firm.to_dict()["at_dear_end"] == ["M1", "M12", "M15"]


@pytest.mark.parametrize("end", ["low", "high"])
def test_the_search_at_each_end_of_the_costs_equals_brute_force(end):
    base = _base()
    values = base.survey.assessment
    objective = lifecycle_objective(PLANNING.costs, PLANNING.terms(values), values, end)
    search = _Search(base, PLANNING.library, objective)
    assert found(search, "pass") == brute_force(search, "pass") is not None


def test_an_eligible_community_and_the_effort_objective_have_nothing_to_move():
    eligible = _base(SAMPLES / "communities" / "FT-SH-01.xlsx")
    firm = cost_firmness(eligible, PLANNING, _pass(eligible, PLANNING))
    assert firm is not None and firm.holds and firm.measures == ()
    effort = load_planning(objective="effort", on=AS_OF)
    assert cost_firmness(_base(), effort, _pass(_base(), effort)) is None


def test_plan_says_which_measures_hold_in_both_languages_and_its_json_is_the_librarys():
    runner = CliRunner()
    zh = runner.invoke(app, ["plan", str(FT_SH_03), "--as-of", AS_OF], env={"COLUMNS": "200"})
    assert zh.exit_code == 0, zh.output
    said = "".join(zh.output.split())
    assert "所选措施取决于费用假设" in said and "三种情形都入选：M1、M12、M15" in said
    en = runner.invoke(app, ["plan", str(FT_SH_03), "--as-of", AS_OF, "--lang", "en"], env={"COLUMNS": "200"})
    assert "Chosen in all three: M1, M12, M15" in " ".join(en.output.split())
    data = json.loads(runner.invoke(app, ["plan", str(FT_SH_03), "--as-of", AS_OF, "--format", "json"]).stdout)
    assert data["cost_firmness"] == cost_firmness(_base(), PLANNING, _pass(_base(), PLANNING)).to_dict()
