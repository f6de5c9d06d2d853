"""Published indicator systems shipped as criteria sets: a worked example computed by hand from
the quoted table equals the tool's score and verdict; the `met` rule; the not-assessable
indicators are listed (set, `criteria show`, JSON, report) and never scored."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.cli.app import app
from carbon_cli.core.datafiles import Malformed
from carbon_cli.outputs.report import render_assessment
from carbon_cli.scoring.assessment import assess, assess_with_changes
from carbon_cli.scoring.criteria import build_criteria
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.scoring.evaluation import item_points
from carbon_cli.survey.reader import read_workbook
from tests.conftest import SAMPLES

runner = CliRunner()
NDRC = "ndrc-2014-pilot-targets"
FT_SH_04 = SAMPLES / "communities" / "FT-SH-04.xlsx"


def test_ndrc_2014_worked_example_ft_sh_04():
    """NDRC 2014 pilot notice (发改气候〔2014〕489号, criteria-sets.md §1) on FT-SH-04 (芷汀社区),
    by hand from the quoted targets and the community's survey (2023):

    N1 非传统水源利用率 ≥ 40 %: nontraditional_water_m3 29,700 ÷ (water_supply_m3 742,400
       + 29,700) = 29,700 ÷ 772,100 = 3.85 %  → not met, 0 of 1
    N2 垃圾分类收集率 ≥ 30 %: (recyclables_t 1,098.2 + kitchen_waste_t 844.8 + hazardous_t 12.7)
       ÷ msw_total_t 4,224 = 1,955.7 ÷ 4,224 = 46.30 %  → met, 1 of 1
    N3 资源化利用率 ≥ 50 %: (1,098.2 + 844.8) ÷ 4,224 = 1,943.0 ÷ 4,224 = 46.00 %  → not met, 0
    N4 碳排放指标纳入社区规划: has_creation_plan = yes  → met, 1 of 1
    X1 公交分担率, X2 新建住房绿色建筑, X3 既有建筑低碳化改造: not assessable, not counted.

    Score = 100 × 2 met ÷ 4 assessable = 50.0; below the band "all targets met" (100):
    grade not_met, verdict not eligible; N1 needs +36.15 percentage points, N3 +4.00.
    """
    criteria = load_criteria(NDRC)
    survey = read_workbook(FT_SH_04).surveys[0]
    a = assess(survey, load_factor_set(None), criteria)
    ev = a.evaluation
    values = {i.criterion.key: i.value for i in ev.items}
    assert values["N1"] == pytest.approx(100 * 29_700 / 772_100)
    assert values["N2"] == pytest.approx(100 * 1_955.7 / 4_224)
    assert values["N3"] == pytest.approx(100 * 1_943.0 / 4_224)
    assert values["N4"] is True
    assert {i.criterion.key: i.points for i in ev.items} == {"N1": 0, "N2": 1, "N3": 0, "N4": 1}
    assert (ev.earned, ev.applicable_max, ev.score) == (2, 4, 50.0)
    assert ev.grade.key == "not_met" and ev.verdict == "not_eligible"
    gaps = {i.criterion.key: i.gap for i in ev.items if i.gap}
    assert set(gaps) == {"N1", "N3"}
    assert gaps["N1"].target == 40 and gaps["N1"].distance == pytest.approx(40 - 100 * 29_700 / 772_100)
    assert gaps["N3"].distance == pytest.approx(50 - 100 * 1_943.0 / 4_224)
    assert [x.key for x in criteria.not_assessable] == ["X1", "X2", "X3"]


def test_all_targets_met_is_eligible_and_the_rule_is_marked_assumed():
    """Raising N1 to 40 % exactly and N3 to 50 % exactly meets every target: score 100, eligible."""
    criteria = load_criteria(NDRC)
    survey = read_workbook(FT_SH_04).surveys[0]
    # N1: x / (742,400 + x) = 40 % ⇒ x = 494,933.3…; N3: recyclables = 2,112 − 844.8 = 1,267.2
    changed = {"nontraditional_water_m3": 742_400 * 0.4 / 0.6, "recyclables_t": 0.5 * 4_224 - 844.8}
    a = assess_with_changes(survey, load_factor_set(None), criteria, changed)
    assert a.evaluation.score == pytest.approx(100) and a.evaluation.verdict == "eligible"
    assert all(g.status == "assumed" for g in criteria.grades)
    assert {i.key: i.status for i in criteria.items} == {"N1": "seen", "N2": "seen", "N3": "seen", "N4": "assumed"}


def _item(**fields):
    base = {"key": "T1", "metric": "field", "field": "green_trip_share", "rule": "met", "points": 2}
    data = {
        "set": {"id": "t", "status": "assumed"},
        "grades": [{"key": "pass", "min_score": 100}, {"key": "fail", "min_score": 0}],
        "items": [{**base, **fields}],
    }
    return build_criteria("t", data).items[0]


def test_met_rule_at_least_at_most_and_yes_no():
    at_least = _item(comparison="at_least", target=60)
    assert item_points(at_least, 60.0) == 2 and item_points(at_least, 59.99) == 0
    at_most = _item(comparison="at_most", target=60)
    assert at_most.lower_is_better
    assert item_points(at_most, 60.0) == 2 and item_points(at_most, 60.01) == 0
    yes = _item(field="has_reuse_facility", comparison="is_true")
    assert item_points(yes, True) == 2 and item_points(yes, False) == 0
    assert _item(field="has_reuse_facility").comparison == "is_true"  # the default of a yes/no metric
    with pytest.raises(Malformed, match="comparison"):
        _item()  # a numeric metric needs ≥ or ≤
    with pytest.raises(Malformed, match="target"):
        _item(comparison="at_least")
    with pytest.raises(Malformed, match="yes/no"):
        _item(comparison="is_true")


def test_criteria_list_and_show_name_the_set_its_sources_and_what_is_not_assessable():
    listed = runner.invoke(app, ["criteria", "--lang", "en"])
    assert listed.exit_code == 0 and NDRC in listed.stdout
    shown = runner.invoke(app, ["criteria", "show", NDRC, "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    for expected in ("489", "acstyle.com.cn", "(assumed)", "Not assessable", "X1", "X2", "X3", "seen"):
        assert expected in text, expected
    zh = runner.invoke(app, ["criteria", "show", NDRC])
    assert zh.exit_code == 0 and "不可评价" in zh.stdout and "公交分担率" in zh.stdout


def test_assess_json_and_report_list_the_not_assessable_indicators():
    result = runner.invoke(app, ["assess", str(FT_SH_04), "--criteria", NDRC, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["criteria_set"] == NDRC and data["score"] == 50.0 and data["verdict"] == "not_eligible"
    assert [x["key"] for x in data["not_assessable"]] == ["X1", "X2", "X3"]
    assert {i["key"] for i in data["indicators"]} == {"N1", "N2", "N3", "N4"}  # never scored
    n1 = next(i for i in data["indicators"] if i["key"] == "N1")
    assert (n1["rule"], n1["comparison"], n1["target"]) == ("met", "at_least", 40)
    default = json.loads(runner.invoke(app, ["assess", str(FT_SH_04), "--format", "json"]).stdout)
    assert "not_assessable" not in default  # the default set's JSON is as it was


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_lists_not_assessable_only_for_a_set_with_them(lang):
    survey = read_workbook(FT_SH_04).surveys[0]
    factors = load_factor_set(None)
    published = render_assessment(assess(survey, factors, load_criteria(NDRC)), lang=lang)
    heading = "不可评价的指标" if lang == "zh" else "Not assessable"
    assert heading in published
    for name in ("公交分担率", "新建住房") if lang == "zh" else ("Public-transport mode share", "New housing"):
        assert name in published
    rule = "本工具的假设规则" if lang == "zh" else "this tool's own rule"
    assert rule in published
    default = render_assessment(assess(survey, factors, load_criteria(None)), lang=lang)
    assert heading not in default and rule not in default


def test_workbook_check_names_the_cell_of_met_and_not_assessable_mistakes(tmp_path):
    """The published set exported, then a met item without its target, a yes/no comparison on a
    percent, and a not-assessable row without its reason: each named by sheet and cell."""
    import openpyxl

    from carbon_cli.scoring.criteria_layout import SHEET_ITEMS, SHEET_NOT_ASSESSABLE
    from carbon_cli.scoring.criteria_workbook import check_criteria_workbook, write_criteria_workbook

    path = tmp_path / "ndrc.xlsx"
    write_criteria_workbook(load_criteria(NDRC), path, "en")
    wb = openpyxl.load_workbook(path)
    items = wb[SHEET_ITEMS]
    col = {str(c.value): c.column_letter for c in items[1] if c.value}
    row = {items.cell(r, 1).value: r for r in range(2, items.max_row + 1)}
    items[f"{col['target']}{row['N1']}"] = None
    items[f"{col['comparison']}{row['N2']}"] = "yes"
    missing = wb[SHEET_NOT_ASSESSABLE]
    missing["F3"] = None  # X2's reason (Chinese)
    wb.save(path)
    check = check_criteria_workbook(path)
    found = {(p.code, p.sheet, p.cell) for p in check.problems}
    assert ("missing_value", SHEET_ITEMS, f"{col['target']}{row['N1']}") in found
    assert ("yes_no_metric", SHEET_ITEMS, f"{col['comparison']}{row['N2']}") in found
    assert ("missing_value", SHEET_NOT_ASSESSABLE, "F3") in found
