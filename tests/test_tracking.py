"""Following pilots after selection: every year read and checked, the plan as data, tracking.

The campaign is generated (sample_data_tracking/make_tracking.py): five pilots, a baseline year
and two monitoring years; some carry out their plan, some half, one nothing, one types its land
area ten times too large in 2025. Every measure status and verdict must be what it intended."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.cli.app import app
from carbon_cli.cli.commands.track import tracking_document
from carbon_cli.core.errors import CarbonError
from carbon_cli.core.fileio import write_workbook
from carbon_cli.monitoring.district import district_progress
from carbon_cli.monitoring.history import read_history
from carbon_cli.monitoring.tracking import track
from carbon_cli.outputs.tracking import render_tracking
from carbon_cli.planning.plan_file import load_plan
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.reader import read_survey
from carbon_cli.survey.template import form_workbook
from tests.conftest import ROOT, write_table

runner = CliRunner()
TRACKING = ROOT / "sample_data_tracking"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_tracking", TRACKING / "make_tracking.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> Any:
    return _generator()


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, generator) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("campaign")
    return out, generator.campaign(out)


def _tracked(folder: Path, paths: list[Path], until: int | None = None) -> dict[str, Any]:
    history = read_history(paths)
    factors, criteria = load_factor_set(), load_criteria()
    out = {}
    for plan_file in sorted((folder / "plans").glob("*.json")):
        plan = load_plan(plan_file)
        out[plan.community_id] = track(plan, history.get(plan.community_id), factors, criteria, until=until)
    return out


def test_every_measure_status_and_verdict_is_what_the_generator_intended(campaign):
    folder, intent = campaign
    tracked = _tracked(folder, [folder / "district_2024-2026.xlsx"])
    assert set(tracked) == set(intent)
    ways = {intent[p]["way"] for p in intent}
    assert ways == {"all", "half", "none"}
    for pilot, tracking in tracked.items():
        assert [y.year for y in tracking.years] == [2024, 2025, 2026]
        for year_result in tracking.years:
            shown = {m.measure.key: m.status for m in year_result.measures}
            assert shown == intent[pilot]["measures"][year_result.year], (pilot, year_result.year)
        assert tracking.verdict == intent[pilot]["verdict"], pilot
    # the half-done pilots really have measures in every state, and a partly done one
    half = [p for p in intent if intent[p]["way"] == "half"]
    statuses = {m.status for p in half for m in tracked[p].latest.measures}
    assert statuses == {"done", "partly", "not_started"}


def test_before_acceptance_on_course_is_work_keeping_pace_with_time(campaign):
    folder, intent = campaign
    tracked = _tracked(folder, [folder / "district_2024-2026.xlsx"], until=2025)
    meant = {"all": "on_course", "half": "behind", "none": "behind"}
    for pilot, tracking in tracked.items():
        assert tracking.latest.year == 2025
        assert tracking.elapsed_share == pytest.approx(0.5)
        assert tracking.verdict == meant[intent[pilot]["way"]], pilot


def test_what_is_missing_lists_the_measures_not_done_and_the_points_short(campaign):
    folder, intent = campaign
    tracked = _tracked(folder, [folder / "district_2024-2026.xlsx"])
    for pilot, tracking in tracked.items():
        if tracking.verdict == "reached":
            assert tracking.missing is None
            assert tracking.latest.assessment.score >= 60
            continue
        wanted = [k for k, s in intent[pilot]["measures"][2026].items() if s != "done"]
        assert [m.measure.key for m in tracking.missing.measures] == wanted
        assert tracking.missing.points == pytest.approx(60 - tracking.latest.assessment.score)


def test_the_land_area_typo_is_a_warning_naming_both_cells(campaign, generator):
    folder, _ = campaign
    history = read_history([folder / "district_2024-2026.xlsx"])
    pilot, year, factor = generator.LAND_TYPO
    findings = history.findings
    assert findings and all(f.community == pilot for f in findings)
    assert [(f.code, f.field, f.years) for f in findings] == [
        ("stable_field_changed", "land_area_m2", (year - 1, year)),
        ("stable_field_changed", "land_area_m2", (year, year + 1)),
    ]
    first = findings[0]
    assert first.values[1] == pytest.approx(first.values[0] * factor)
    rows = history.communities[pilot]
    cells = [rows.records[y].sources["land_area_m2"] for y in (year - 1, year)]
    assert first.cells == tuple(cells)
    assert cells[0].cell != cells[1].cell and cells[0].cell[0] == cells[1].cell[0]  # one column, two rows
    for lang in ("zh", "en"):
        text = first.message(lang)
        assert cells[0].cell in text and cells[1].cell in text and str(year) in text
    assert "辖区用地面积" in first.message("zh") and "Land area" in first.message("en")


def test_forms_of_several_campaigns_in_year_folders_track_like_the_table(campaign, tmp_path):
    """One form per year in 2024/ 2025/ 2026/, each later one carrying the baseline column (as
    `carbon template --from` prefills it): the same statuses as from the table."""
    folder, intent = campaign
    fields = dictionary()
    pilot = next(p for p in intent if intent[p]["way"] == "half")
    years = intent[pilot]["years"]
    for year, values in years.items():
        (tmp_path / str(year)).mkdir()
        baseline = None
        assessment = dict(values)
        if year > 2024:
            assessment["baseline_year"] = 2024
            baseline = {k: v for k, v in years[2024].items() if fields[k].per_year}
        write_workbook(tmp_path / str(year) / f"{pilot}.xlsx", form_workbook("zh", assessment, baseline))
    history = read_history([tmp_path])
    assert list(history.communities) == [pilot] and history.get(pilot).years == [2024, 2025, 2026]
    plan = load_plan(folder / "plans" / f"{pilot}.json")
    tracking = track(plan, history.get(pilot), load_factor_set(), load_criteria())
    for year_result in tracking.years:
        shown = {m.measure.key: m.status for m in year_result.measures}
        assert shown == intent[pilot]["measures"][year_result.year]
    assert tracking.verdict == intent[pilot]["verdict"]
    assert not history.findings


def test_a_year_folder_gives_its_year_to_a_table_without_a_year_column(tmp_path):
    header = ["社区编码", "社区名称", "常住人口", "居民生活用电量", "辖区用地面积"]
    for year, people, elec in ((2024, 18000, 18e6), (2025, 18100, 18.2e6)):
        (tmp_path / str(year)).mkdir()
        write_table(tmp_path / str(year) / "汇总.xlsx", header, [["T-01", "测试社区", people, elec, 600000]])
    history = read_history([tmp_path])
    assert history.get("T-01").years == [2024, 2025]
    assert history.get("T-01").survey(2025).baseline_year == 2024
    assert history.get("T-01").survey(2025).baseline["resident_population"] == 18000


def test_year_on_year_jumps_names_and_ids(tmp_path):
    header = ["社区编码", "社区名称", "年份", "常住人口", "居民生活用电量", "管道天然气用量", "辖区用地面积"]
    rows = [
        ["A-1", "甲社区", 2024, 18000, 18e6, 700000, 600000],
        ["A-1", "甲社区", 2025, 18100, 180e6, 710000, 600000],  # electricity typed ten times
        ["A-1", "甲社区 ", 2026, 18200, 18.3e6, 720000, 605000],  # a trailing space is no rename; 0.8 %
        ["B-1", "乙社区", 2024, 9000, 9e6, 300000, 400000],
        ["B-2", "乙社区", 2025, 9050, 9.1e6, 305000, 400000],  # the same community under a new ID
        ["C-1", "丙社区", 2024, 5000, 5e6, 200000, 300000],
        ["C-1", "丙村社区", 2025, 5000, 5e6, 200000, 300000],
    ]
    path = write_table(tmp_path / "t.xlsx", header, rows)
    history = read_history([path])
    found = {(f.community, f.code, f.field, f.years) for f in history.findings}
    assert found == {
        ("A-1", "year_jump", "elec_residential_kwh", (2024, 2025)),
        ("A-1", "year_jump", "elec_residential_kwh", (2025, 2026)),
        ("B-2", "id_changed", "community_id", (2024, 2025)),
        ("C-1", "name_changed", "community_name", (2024, 2025)),
    }
    jump = next(f for f in history.findings if f.code == "year_jump")
    assert [c.cell for c in jump.cells] == ["E2", "E3"]
    assert "E2" in jump.message("en") and "E3" in jump.message("en") and "10.0" in jump.message("en")


def test_every_year_is_assessed_against_the_earliest(campaign):
    folder, _ = campaign
    history = read_history([folder / "district_2024-2026.xlsx"])
    community = next(iter(history.communities.values()))
    for year, survey in community.surveys().items():
        assert survey.assessment_year == year
        assert survey.baseline_year == 2024
        assert survey.baseline == {k: v for k, v in community.records[2024].values.items() if dictionary()[k].per_year}


def test_read_survey_still_keeps_the_earliest_and_latest_year(campaign):
    folder, _ = campaign
    survey = read_survey(folder / "district_2024-2026.xlsx", community="FT-SH-07")
    assert (survey.assessment_year, survey.baseline_year) == (2026, 2024)
    picked = read_survey(folder / "district_2024-2026.xlsx", community="FT-SH-07", year=2025)
    assert (picked.assessment_year, picked.baseline_year) == (2025, 2024)


def test_plan_file_round_trips_and_records_what_the_issue_asks(tmp_path):
    out = tmp_path / "plan.json"
    survey = ROOT / "sample_data" / "communities" / "FT-SH-05.xlsx"
    result = runner.invoke(app, ["plan", str(survey), "--save-plan", str(out), "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["kind"] == "carbon-cli plan" and data["made_on"] == "2026-11-30"
    assert data["base_year"] == 2023 and data["acceptance_year"] == 2025
    assert data["bands"] == {"excellent": 85.0, "pass": 60.0}
    assert data["measures"] and all(m["changes"] and m["cost"] for m in data["measures"])
    assert all({"field", "from", "to"} == set(c) for m in data["measures"] for c in m["changes"])
    assert [y["year"] for y in data["trajectory"]] == [2023, 2024, 2025]
    assert data["trajectory"][-1]["score"] == pytest.approx(data["score_after"]) and data["score_after"] >= 60
    assert data["cost"]["upfront_yuan"] > 0
    plan = load_plan(out)
    assert {**plan.to_dict()} == data
    later = runner.invoke(app, ["plan", str(survey), "--save-plan", str(out), "--acceptance-year", "2026"])
    assert later.exit_code == 0 and json.loads(out.read_text())["acceptance_year"] == 2026


def test_plan_without_save_plan_is_unchanged():
    survey = ROOT / "sample_data" / "communities" / "FT-SH-05.xlsx"
    data = json.loads(runner.invoke(app, ["plan", str(survey), "--format", "json"]).stdout)
    assert data["pathway"]["score_before"] == pytest.approx(37.00756921238192)


def test_a_broken_plan_file_is_named(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "plan.json"
    bad.write_text('{"kind": "something else"}', encoding="utf-8")
    table = TRACKING / "district_2024-2026.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "carbon_cli", "track", str(table), "--plan", str(bad), "--lang", "en"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    said = " ".join(proc.stderr.split())  # as printed, wrapped to the terminal
    assert "plan.json" in proc.stderr.replace("\n", "") and "not a carbon-cli plan" in said
    assert "Traceback" not in proc.stderr
    missing = tmp_path / "short.json"
    missing.write_text(json.dumps({"kind": "carbon-cli plan", "schema_version": 1}), encoding="utf-8")
    with pytest.raises(CarbonError) as caught:
        load_plan(missing)
    assert "short.json" in caught.value.message("en") and "missing 'community'" in caught.value.message("en")


def test_json_equals_the_library_result(campaign):
    folder, _ = campaign
    table = folder / "district_2024-2026.xlsx"
    result = runner.invoke(app, ["track", str(table), "--plan", str(folder / "plans"), "--format", "json"])
    assert result.exit_code == 0, result.output
    history = read_history([table])
    factors, criteria = load_factor_set(), load_criteria()
    tracked = [
        track(load_plan(p), history.get(load_plan(p).community_id), factors, criteria)
        for p in sorted((folder / "plans").glob("*.json"))
    ]
    district = district_progress(tracked, history, factors)
    document = tracking_document(tracked, history, "zh", district)
    assert json.loads(result.stdout) == json.loads(json.dumps(document))


def test_terminal_and_markdown_of_a_half_done_pilot_say_what_the_officer_needs(campaign):
    folder, intent = campaign
    pilot = next(p for p in intent if intent[p]["way"] == "half")
    table = folder / "district_2024-2026.xlsx"
    plan = folder / "plans" / f"{pilot}.json"
    zh = runner.invoke(app, ["track", str(table), "--plan", str(plan)])
    assert zh.exit_code == 0, zh.output
    for words in ("验收年未达到", "部分完成", "未开始", "已完成", "尚缺", "计划得分", "还差"):
        assert words in zh.stdout
    en = runner.invoke(app, ["track", str(table), "--plan", str(plan), "--lang", "en"])
    for words in ("does not reach pass", "partly done", "not started", "Still missing", "points short"):
        assert words in en.stdout
    tracking = _tracked(folder, [table])[pilot]
    md = render_tracking([tracking], "zh")
    assert md.count("\n### ") >= 3 and "| 2026 |" in md and "```mermaid" in md
    assert "判断依据" in md and "假设" in md  # every threshold with its status


def test_sample_tracking_data_is_what_the_generator_writes(tmp_path, generator):
    generator.campaign(tmp_path)
    for name in ["district_2024-2026.xlsx", *(f"plans/{p}.json" for p in generator.PILOTS)]:
        assert (tmp_path / name).read_bytes() == (TRACKING / name).read_bytes(), name


def test_one_year_reported_twice_is_an_error_only_when_the_reports_disagree(tmp_path):
    samples = ROOT / "sample_data"
    history = read_history([samples])  # every community as a form and again in the district table
    assert not [i for i in history.issues if i.code == "duplicate_year"]
    assert history.get("FT-SH-05").years == [2021, 2023] and not history.findings
    header = ["社区编码", "社区名称", "年份", "常住人口", "居民生活用电量", "辖区用地面积"]
    other = write_table(tmp_path / "other.xlsx", header, [["FT-SH-05", "棠晖社区", 2023, 1, 1, 1]])
    history = read_history([samples / "communities" / "FT-SH-05.xlsx", other])
    clash = [i for i in history.issues if i.code == "duplicate_year"]
    assert len(clash) == 1 and clash[0].location.file == str(other) and clash[0].is_error


def test_the_district_view_counts_the_pilots_and_adds_up_the_years(campaign):
    folder, intent = campaign
    table = folder / "district_2024-2026.xlsx"
    history = read_history([table])
    tracked = list(_tracked(folder, [table]).values())
    district = district_progress(tracked, history, load_factor_set())
    meant: dict[str, int] = {}
    for pilot in intent.values():
        meant[pilot["verdict"]] = meant.get(pilot["verdict"], 0) + 1
    assert district.by_verdict == meant == {"reached": 2, "missed": 3}
    assert [(y.year, y.communities, y.pilots) for y in district.years] == [(2024, 5, 5), (2025, 5, 5), (2026, 5, 5)]
    for year in district.years:
        nets = [r.assessment.inventory.net_tco2e for t in tracked for r in t.years if r.year == year.year]
        assert year.pilots_net_tco2e == pytest.approx(sum(nets)) == pytest.approx(year.net_tco2e)
    assert district.years[0].pilots_planned_net_tco2e == pytest.approx(district.years[0].net_tco2e)
    rows = {p.community_id: p for p in district.pilots}
    for pilot, made in intent.items():
        row = rows[pilot]
        planned = sum(m.cost["upfront_yuan"] for m in made["plan"].measures)
        assert row.planned_upfront_yuan == pytest.approx(planned)
        if made["way"] == "all":
            assert row.spent_estimate_yuan == pytest.approx(planned) and row.done == row.measures
        elif made["way"] == "none":
            assert row.spent_estimate_yuan == 0 and row.done == 0
        else:
            assert 0 < row.spent_estimate_yuan < planned and row.partly == 1
    assert district.planned_upfront_yuan > district.spent_estimate_yuan > 0


def _hostile(folder: Path) -> list[Any]:
    table = folder / "district_2024-2026.xlsx"
    tracked = list(_tracked(folder, [table]).values())
    for record in tracked[0].history.records.values():
        record.values["community_name"] = "<script>alert(1)</script> | *x* [a](javascript:1)"
    return tracked


def test_web_page_draws_three_charts_per_pilot_deterministically_and_escaped(campaign):
    from carbon_cli.outputs.documents import convert

    folder, intent = campaign
    tracked = _hostile(folder)
    text = render_tracking(tracked, "zh")
    assert text.count("```mermaid") == 3 * len(intent)
    page = convert(text, "html", "zh").decode("utf-8")
    assert page.count("<svg") == 3 * len(intent)
    assert "<script>" not in page and "&lt;script&gt;" in page and 'href="javascript' not in page
    assert convert(render_tracking(_hostile(folder), "zh"), "html", "zh").decode("utf-8") == page
    assert "stroke-dasharray" in page  # the 60 / 85 grade lines
    for lang in ("zh", "en"):
        words = convert(render_tracking(tracked, lang), "docx", lang)
        assert words[:2] == b"PK"  # Word: the charts' figures are in the tables beside them


def test_track_writes_html_and_docx(campaign, tmp_path):
    folder, _ = campaign
    table, plans = folder / "district_2024-2026.xlsx", folder / "plans"
    page = runner.invoke(
        app, ["track", str(table), "--plan", str(plans), "--format", "html", "-o", str(tmp_path / "t.html")]
    )
    assert page.exit_code == 0, page.output
    html = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "全区试点进展" in html and html.count("<svg") == 15
    words = runner.invoke(app, ["track", str(table), "--plan", str(plans), "--format", "docx"])
    assert words.exit_code == 2  # a Word document needs -o
    words = runner.invoke(
        app, ["track", str(table), "--plan", str(plans), "--format", "docx", "-o", str(tmp_path / "t.docx")]
    )
    assert words.exit_code == 0 and (tmp_path / "t.docx").read_bytes()[:2] == b"PK"


@pytest.mark.slow
def test_chromium_and_libreoffice_open_the_tracking_report(campaign, tmp_path):
    import shutil
    import subprocess

    from carbon_cli.outputs.documents import convert
    from tests.helpers import CHROMIUM, WRITER, _png_size, _screenshot, save_as

    folder, _ = campaign
    text = render_tracking(list(_tracked(folder, [folder / "district_2024-2026.xlsx"]).values()), "zh")
    if CHROMIUM:
        (tmp_path / "t.html").write_bytes(convert(text, "html", "zh"))
        _screenshot(tmp_path / "t.html", tmp_path / "t.png", 1200, 1600, tmp_path)
        assert _png_size(tmp_path / "t.png") == (1200, 1600) and (tmp_path / "t.png").stat().st_size > 40_000
    if WRITER:
        (tmp_path / "t.docx").write_bytes(convert(text, "docx", "zh"))
        save_as(tmp_path / "t.docx", "pdf", tmp_path)
        assert (tmp_path / "t.pdf").read_bytes().startswith(b"%PDF")
        if shutil.which("pdftotext"):
            out = subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True).stdout
            assert "澜栖社区" in out and "尚缺" in out
    if not (CHROMIUM or WRITER):
        pytest.skip("neither Chromium nor LibreOffice Writer is installed")


def test_no_year_from_the_plan_on_is_no_data_and_renders(campaign):
    folder, _ = campaign
    table = folder / "district_2024-2026.xlsx"
    plan = load_plan(folder / "plans" / "FT-SH-07.json")
    tracking = track(plan, read_history([table]).get("FT-SH-07"), load_factor_set(), load_criteria(), until=2023)
    assert tracking.verdict == "no_data" and tracking.years == () and tracking.missing is None
    assert "没有计划基准年及以后的调研数据" in render_tracking([tracking], "zh")
    result = runner.invoke(app, ["track", str(table), "--plan", str(folder / "plans"), "--year", "2025", "-f", "json"])
    data = json.loads(result.stdout)
    assert {p["latest_year"] for p in data["pilots"]} == {2025}
    assert [y["year"] for y in data["district"]["years"]] == [2024, 2025]


def test_batch_with_plans_renders_the_district_view_track_builds(campaign, tmp_path):
    """`carbon batch --plans` over several years: the summary (md, html) and the terminal show the
    same object `carbon track` builds; the planned cost of the measures judged done is the sum of
    the upfront cost of the measures the generator had carried out."""
    from carbon_cli.batch.progress import follow_pilots
    from carbon_cli.outputs.district import BatchOptions

    folder, intent = campaign
    table = folder / "district_2024-2026.xlsx"
    out = tmp_path / "out"
    args = ["batch", str(table), "--plans", str(folder / "plans"), "-o", str(out), "--no-reports", "--no-cache"]
    result = runner.invoke(app, [*args, "--report-format", "md,html", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    tracked = list(_tracked(folder, [table]).values())
    district = district_progress(tracked, history := read_history([table]), load_factor_set())
    followed = follow_pilots([table], BatchOptions(plans=(str(folder / "plans"),)))
    assert followed is not None and followed[0].to_dict() == district.to_dict()
    assert len(history.communities) == 5
    for row in district.pilots:
        plan = intent[row.community_id]["plan"]
        upfront = {m.key: m.cost["upfront_yuan"] for m in plan.measures}
        way = intent[row.community_id]["way"]
        if way == "all":
            assert row.done_upfront_yuan == pytest.approx(sum(upfront.values()))
        elif way == "none":
            assert row.done_upfront_yuan == 0
        else:
            assert 0 < row.done_upfront_yuan < row.spent_estimate_yuan < row.planned_upfront_yuan
    summary = (out / "summary.md").read_text(encoding="utf-8")
    section = summary.split("## 七、试点逐年进展", 1)[1]
    for row in district.pilots:
        assert f"| {row.community_id} |" in section
    for year in district.years:
        assert f"| {year.year} | {year.communities} |" in section
    assert "已完成措施的计划前期投入" in section and "验收年未达到" in section
    assert "试点逐年进展" in (out / "summary.html").read_text(encoding="utf-8")
    assert "全区逐年排放" in result.stdout and "已完成措施的计划投入" in result.stdout
    en = runner.invoke(app, [*args, "-o", str(tmp_path / "en"), "--lang", "en", "-q"])
    assert en.exit_code == 0 and "## 7. Pilots by year" in (tmp_path / "en" / "summary.md").read_text("utf-8")
    mid = runner.invoke(app, [*args, "-o", str(tmp_path / "mid"), "--year", "2025", "-q"])  # before acceptance
    assert mid.exit_code == 0
    meant = {"all": "on_course", "half": "behind", "none": "behind"}
    on_course = sum(1 for v in intent.values() if meant[v["way"]] == "on_course")
    heading = (tmp_path / "mid" / "summary.md").read_text("utf-8").split("## 七、试点逐年进展", 1)[1]
    assert f"进度正常 {on_course} 个" in heading and f"落后 {len(intent) - on_course} 个" in heading


def test_batch_summary_is_unchanged_without_plans_or_with_one_year(tmp_path):
    """One year per community: --plans adds nothing, the summary is byte for byte the same."""
    header = ["社区编码", "社区名称", "年份", "常住人口", "居民生活用电量", "辖区用地面积"]
    table = write_table(tmp_path / "one.xlsx", header, [["FT-SH-07", "澜栖社区", 2024, 9000, 5e6, 30]])
    plain, planned = tmp_path / "plain", tmp_path / "planned"
    common = ["--no-reports", "--no-cache", "-q", "--date", "2026-12-01", "--as-of", "2026-11-30"]
    assert runner.invoke(app, ["batch", str(table), "-o", str(plain), *common]).exit_code == 0
    with_plans = ["batch", str(table), "-o", str(planned), "--plans", str(TRACKING / "plans"), *common]
    assert runner.invoke(app, with_plans).exit_code == 0
    assert (plain / "summary.md").read_bytes() == (planned / "summary.md").read_bytes()
    assert "试点逐年进展" not in (plain / "summary.md").read_text(encoding="utf-8")


def _pilot_reports(folder: Path, out: Path, formats: str = "md,html,docx") -> Path:
    table = folder / "district_2024-2026.xlsx"
    args = ["batch", str(table), "--plans", str(folder / "plans"), "-o", str(out), "--no-cache", "-q", "--jobs", "1"]
    result = runner.invoke(app, [*args, "--report-format", formats, "--date", "2026-12-01", "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    return out / "reports"


def test_a_pilots_report_ends_with_its_progress_by_year_and_three_charts(campaign, tmp_path):
    """In a batch with --plans, each pilot's web page ends with the tracking chapter: score by year
    with the criteria set's 60 and 85 lines, net emissions by year, measures done per year (inline
    SVG, the same bytes run after run); its Word document has the chapter with the figures."""
    import zipfile

    from carbon_cli.outputs.charts import parse_mermaid
    from carbon_cli.outputs.tracking import community_chapter

    folder, intent = campaign
    reports = _pilot_reports(folder, tmp_path / "a")
    again = _pilot_reports(folder, tmp_path / "b")
    tracked = _tracked(folder, [folder / "district_2024-2026.xlsx"])
    for pilot, tracking in tracked.items():
        page = (reports / f"{pilot}.html").read_text(encoding="utf-8")
        assert page.encode() == (again / f"{pilot}.html").read_bytes()
        chapter = page.split("试点逐年进展", 1)[1]
        assert chapter.count("<svg") == 3 and "<pre" not in chapter
        score_chart = chapter.split("</svg>", 1)[0]
        assert ">60<" in score_chart and ">85<" in score_chart  # the grade lines, labelled
        text = (reports / f"{pilot}.md").read_text(encoding="utf-8")
        assert text.endswith(community_chapter(tracking, "zh"))
        blocks = text.split("## 试点逐年进展", 1)[1].split("```mermaid\n")[1:]
        score, net, done = (parse_mermaid(b.split("```", 1)[0]) for b in blocks)
        assert score.labels == [str(y.year) for y in tracking.years]
        assert score.series[-1] == [round(y.assessment.score, 1) for y in tracking.years]
        assert net.series[-1] == [round(y.assessment.inventory.net_tco2e) for y in tracking.years]
        latest_done = sum(1 for m in tracking.latest.measures if m.status == "done")
        assert done.series[-1][-1] == latest_done
        if intent[pilot]["way"] == "none":
            assert latest_done == 0
        with zipfile.ZipFile(reports / f"{pilot}.docx") as z:
            body = z.read("word/document.xml").decode("utf-8")
        assert "试点逐年进展" in body and f"{tracking.latest.assessment.score:.1f}" in body
    hostile = _hostile(folder)[0]
    from carbon_cli.outputs.documents import convert

    page = convert(community_chapter(hostile, "zh"), "html", "zh").decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and 'href="javascript' not in page


def test_reports_are_unchanged_without_plans(campaign, tmp_path):
    folder, _ = campaign
    table = folder / "district_2024-2026.xlsx"
    common = ["--no-cache", "-q", "--jobs", "1", "--date", "2026-12-01", "--as-of", "2026-11-30"]
    assert runner.invoke(app, ["batch", str(table), "-o", str(tmp_path / "plain"), *common]).exit_code == 0
    report = (tmp_path / "plain" / "reports" / "FT-SH-07.md").read_text(encoding="utf-8")
    assert "试点逐年进展" not in report and "```mermaid" in report


@pytest.mark.slow
def test_chromium_and_libreoffice_open_a_half_done_pilots_report(campaign, tmp_path):
    from tests.helpers import CHROMIUM, WRITER, _png_size, _screenshot, save_as

    folder, intent = campaign
    pilot = next(p for p in intent if intent[p]["way"] == "half")
    reports = _pilot_reports(folder, tmp_path / "out", "html,docx")
    if CHROMIUM:
        png = tmp_path / "page.png"
        _screenshot(reports / f"{pilot}.html", png, 1200, 2000, tmp_path)
        assert _png_size(png) == (1200, 2000) and png.stat().st_size > 40_000
    if WRITER:
        pdf = save_as(reports / f"{pilot}.docx", "pdf", tmp_path)
        assert pdf.read_bytes().startswith(b"%PDF")
        import shutil
        import subprocess

        if shutil.which("pdftotext"):
            out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
            assert "试点逐年进展" in out and "部分完成" in out
    if not (CHROMIUM or WRITER):
        pytest.skip("neither Chromium nor LibreOffice Writer is installed")


def test_word_charts_are_word_charts_with_the_figures_escaped_and_deterministic(campaign, tmp_path):
    """The three tracking charts become chart parts of the Word document (related, typed, drawn
    inline), holding the same figures as the Mermaid blocks; other charts stay out as before."""
    import io
    import zipfile
    from xml.dom.minidom import parseString

    from carbon_cli.outputs.charts import parse_mermaid
    from carbon_cli.outputs.documents import convert
    from carbon_cli.outputs.docx_charts import chart_xml, wanted
    from carbon_cli.outputs.tracking import community_chapter

    folder, _ = campaign
    tracking = _tracked(folder, [folder / "district_2024-2026.xlsx"])["FT-SH-07"]
    text = community_chapter(tracking, "zh")
    data = convert(text, "docx", "zh")
    assert data == convert(community_chapter(tracking, "zh"), "docx", "zh")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        parts = sorted(n for n in names if n.startswith("word/charts/"))
        assert parts == [f"word/charts/carbon-chart{n}.xml" for n in (1, 2, 3)]
        types, rels = z.read("[Content_Types].xml").decode(), z.read("word/_rels/document.xml.rels").decode()
        body = z.read("word/document.xml").decode()
        for n, part in enumerate(parts, start=1):
            assert f'PartName="/{part}"' in types and f'Target="charts/carbon-chart{n}.xml"' in rels
            assert f'r:id="rIdCarbonChart{n}"' in body
            parseString(z.read(part))  # well-formed
        score = z.read(parts[0]).decode()
    blocks = [b.split("```", 1)[0] for b in text.split("```mermaid\n")[1:]]
    chart = parse_mermaid(blocks[0])
    assert wanted(blocks[0]) == chart
    for value in (*chart.series[-1], 60.0, 85.0):
        assert f"<c:v>{value:.10g}</c:v>" in score
    assert 'prstDash val="dash"' in score and '<c:max val="100"/>' in score
    plain = convert(text.replace("    %% docx\n", ""), "docx", "zh")
    assert b"word/charts/" not in plain  # unmarked Mermaid blocks stay out of Word, as before
    hostile = parse_mermaid('xychart-beta\n  %% docx\n  title "<b>&x"\n  x-axis ["a<", "&b"]\n  bar [1, 2]\n')
    assert hostile is not None
    parseString(chart_xml(hostile))
    assert b"&lt;b&gt;&amp;x" in chart_xml(hostile)
