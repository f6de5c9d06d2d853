"""Criteria sets as workbooks: the round trip equals the TOML set on every community, `criteria
check` names the cell of each planted mistake, the metric list cannot drift from the engine's."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.cli.app import app
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria import BUILTIN_METRICS, _metric, available
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.scoring.criteria_workbook import (
    SHEET_GRADES,
    SHEET_ITEMS,
    SHEET_SET,
    check_criteria_workbook,
    write_criteria_workbook,
)
from carbon_cli.scoring.metrics import FIELD_METRICS, FORMULAS, metric_names, metrics_markdown
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.model import IDENTITY
from carbon_cli.survey.reader import read_workbook
from tests.conftest import ROOT, SAMPLES

runner = CliRunner()
SEED = 20261203
GENERATED = 200


def sample_surveys() -> list:
    files = [*sorted((SAMPLES / "communities").glob("*.xlsx")), SAMPLES / "district_table.xlsx"]
    return [s for f in files for s in read_workbook(f).surveys]


def _perturb(values: dict, rng: random.Random, drop: float) -> dict:
    out = {}
    for key, value in values.items():
        if key in IDENTITY or key == "assessment_year":
            out[key] = value
        elif rng.random() < drop:
            continue  # not surveyed: items reading it become "missing"
        elif isinstance(value, bool):
            out[key] = value if rng.random() < 0.7 else not value
        elif isinstance(value, int | float):
            # a real zero now and then, never where the survey's checks refuse one (population)
            spec = dictionary().get(key)
            zero_ok = spec is not None and not spec.required
            factor = rng.choice((0.0, 1.0)) if zero_ok and rng.random() < 0.05 else rng.uniform(0.2, 2.5)
            scaled = value * factor
            out[key] = round(scaled) if isinstance(value, int) else scaled
        else:
            out[key] = value
    return out


def generated_surveys(samples: list, n: int = GENERATED, seed: int = SEED) -> list:
    """`n` communities made from the samples, each value perturbed with a fixed seed: shares
    above and below every threshold, zeros, missing fields, flipped yes/no, with and without a
    baseline year."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        base = samples[i % len(samples)]
        assessment = _perturb(base.assessment, rng, drop=0.04)
        assessment["community_id"] = f"GEN-{i:03d}"
        baseline = base.baseline
        if baseline is not None and rng.random() < 0.3:
            baseline = None
        elif baseline is not None:
            baseline = _perturb(baseline, rng, drop=0.02)
        out.append(dataclasses.replace(base, assessment=assessment, baseline=baseline))
    return out


@pytest.fixture(scope="module")
def communities() -> list:
    samples = sample_surveys()
    return samples + generated_surveys(samples)


def _same_evaluation(a, b) -> None:
    ea, eb = a.evaluation, b.evaluation
    assert abs(ea.score - eb.score) <= 1e-9
    assert ea.verdict == eb.verdict and ea.grade.key == eb.grade.key
    assert [c.status for c in ea.controls] == [c.status for c in eb.controls]
    assert len(ea.items) == len(eb.items)
    for x, y in zip(ea.items, eb.items, strict=True):
        assert x.criterion.key == y.criterion.key and x.status == y.status
        assert abs(x.points - y.points) <= 1e-9 and abs(x.max_points - y.max_points) <= 1e-9


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("set_id", available())
def test_round_trip_evaluates_every_community_as_the_toml_set(set_id, lang, communities, tmp_path):
    toml_set = load_criteria(set_id)
    path = tmp_path / f"{set_id}.xlsx"
    write_criteria_workbook(toml_set, path, lang)
    check = check_criteria_workbook(path)
    assert check.ok, [p.describe("en") for p in check.problems]
    assert check.notes(lang) == []
    from_workbook = load_criteria(str(path))
    assert from_workbook == toml_set  # every item, threshold, step, source and status
    factors = load_factor_set(None)
    assert len(communities) >= GENERATED + 13
    verdicts = set()
    for survey in communities:
        a, b = assess(survey, factors, toml_set), assess(survey, factors, from_workbook)
        _same_evaluation(a, b)
        verdicts.add(a.evaluation.verdict)
    # the generated ones reach every verdict (only a control's missing data makes one incomplete)
    reachable = {"eligible", "not_eligible"} | ({"incomplete"} if toml_set.controls else set())
    assert verdicts == reachable
    if toml_set.not_assessable:
        assert from_workbook.not_assessable == toml_set.not_assessable


def test_a_population_of_zero_is_missing_data_not_a_crash():
    """Found by the generated communities: S1 asserted on a per-capita value of None."""
    result = runner.invoke(
        app, ["assess", str(SAMPLES / "communities" / "FT-SH-03.xlsx"), "--set", "resident_population=0", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    s1 = next(i for i in json.loads(result.stdout)["indicators"] if i["key"] == "S1")
    assert s1["status"] == "missing" and s1["points"] == 0


def test_generated_communities_are_deterministic():
    samples = sample_surveys()
    one, two = generated_surveys(samples, 20), generated_surveys(samples, 20)
    assert [s.assessment for s in one] == [s.assessment for s in two]


def test_assess_json_with_the_workbook_equals_the_toml_set(tmp_path):
    path = tmp_path / "c.xlsx"
    assert runner.invoke(app, ["criteria", "export", "-o", str(path)]).exit_code == 0
    sample = str(SAMPLES / "communities" / "FT-SH-05.xlsx")
    toml = runner.invoke(app, ["assess", sample, "-f", "json"])
    xlsx = runner.invoke(app, ["assess", sample, "-f", "json", "--criteria", str(path)])
    assert xlsx.exit_code == 0
    from_xlsx, from_toml = json.loads(xlsx.stdout), json.loads(toml.stdout)
    # a workbook does not carry a criterion's published `ranges` yet (S1's 0.40 t, …): those
    # figures take the default range there, so only the robustness may differ
    from_xlsx.pop("robustness"), from_toml.pop("robustness")
    assert from_xlsx == from_toml
    shown = runner.invoke(app, ["criteria", "show", str(path), "--lang", "en"])
    assert shown.exit_code == 0 and "S23" in shown.stdout
    plan = runner.invoke(app, ["plan", sample, "-f", "json", "--criteria", str(path), "--as-of", "2026-11-30"])
    toml_plan = runner.invoke(app, ["plan", sample, "-f", "json", "--as-of", "2026-11-30"])
    assert plan.exit_code == 0 and json.loads(plan.stdout) == json.loads(toml_plan.stdout)


# --- planted mistakes -------------------------------------------------------------------------


def _cells(ws) -> dict[str, int]:
    """Column letter of each header of the Items sheet, by its English or Chinese label."""
    return {str(c.value): c.column_letter for c in ws[1] if c.value}


def _row(ws, key: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)


def planted(path: Path) -> Path:
    """The default set exported, then ten mistakes made as a person editing it might."""
    write_criteria_workbook(load_criteria(None), path, "en")
    wb = openpyxl.load_workbook(path)
    items, col = wb[SHEET_ITEMS], _cells(wb[SHEET_ITEMS])
    items[f"{col['metric']}{_row(items, 'S1')}"] = "per_capita_tco2"  # unknown metric
    s3 = _row(items, "S3")  # ≥ with zero 0, full 10: reversed
    items[f"{col['zero at']}{s3}"], items[f"{col['full at']}{s3}"] = 10, 0
    items[f"{col['points']}{_row(items, 'S4')}"] = 5  # 101 points, the Set sheet says 100
    items[f"{col['id']}{_row(items, 'S6')}"] = "S5"  # duplicate id
    items[f"{col['full at']}{_row(items, 'S7')}"] = "五十"  # not a number
    items[f"{col['status']}{_row(items, 'S8')}"] = "official"  # unknown status
    items[f"{col['steps']}{_row(items, 'S21')}"] = "6 -> three; 2 -> 1"  # malformed steps
    items[f"{col['numerator']}{_row(items, 'S9')}"] = "efficient_fixture"  # unknown field
    items[f"{col['applies']}{_row(items, 'S10')}"] = "with a baseline year"  # S10 applies always
    grades = wb[SHEET_GRADES]
    grades.delete_rows(next(r for r in range(2, grades.max_row + 1) if grades.cell(r, 1).value == "fail"))
    wb.save(path)
    return path


EXPECTED = {  # code → (sheet, cell, field)
    "unknown_metric": (SHEET_ITEMS, "F6", "metric"),
    "reversed_thresholds": (SHEET_ITEMS, "N8", "full"),
    "points_total": (SHEET_SET, "C9", "total_points"),
    "duplicate_id": (SHEET_ITEMS, "A11", "id"),
    "not_a_number": (SHEET_ITEMS, "N12", "full"),
    "unknown_status": (SHEET_ITEMS, "U13", "status"),
    "bad_steps": (SHEET_ITEMS, "P26", "steps"),
    "unknown_field": (SHEET_ITEMS, "H14", "numerator"),
    "missing_band": (SHEET_GRADES, "D3", "min_score"),
}


def test_check_names_the_cell_of_every_planted_mistake(tmp_path):
    check = check_criteria_workbook(planted(tmp_path / "mistakes.xlsx"))
    assert not check.ok and check.criteria is None
    found = {p.code: (p.sheet, p.cell, p.field) for p in check.problems}
    for code, where in EXPECTED.items():
        assert found.get(code) == where, (code, [p.describe("en") for p in check.problems])
    assert len({p.code for p in check.problems}) >= 8
    by_code = {p.code: p for p in check.problems}
    assert by_code["not_a_number"].found == "五十"
    assert by_code["points_total"].params["sum"] == "101"
    assert "per_capita_tco2e" in by_code["unknown_metric"].expected("en")
    assert by_code["reversed_thresholds"].describe("zh").startswith(f"{SHEET_ITEMS}!N8 [满分值]: 阈值颠倒")
    assert found["applies_mismatch"] == (SHEET_ITEMS, "S15", "applies")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_command_exit_codes_and_language(lang, tmp_path):
    bad = planted(tmp_path / "bad.xlsx")
    result = runner.invoke(app, ["criteria", "check", str(bad), "--lang", lang, "-f", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert not data["ok"] and {p["cell"] for p in data["problems"]} >= {"F6", "N8", "C9", "D3"}
    word = "未知的指标量" if lang == "zh" else "unknown metric"
    assert any(p["message"] == word for p in data["problems"])
    table = runner.invoke(app, ["criteria", "check", str(bad), "--lang", lang])
    assert table.exit_code == 1 and ("单元格" if lang == "zh" else "cell") in table.stdout
    good = tmp_path / "good.xlsx"
    runner.invoke(app, ["criteria", "export", "-o", str(good), "--lang", lang])
    ok = runner.invoke(app, ["criteria", "check", str(good), "--lang", lang])
    assert ok.exit_code == 0 and ("可用" if lang == "zh" else "usable") in ok.stdout


def test_a_missing_sheet_and_other_planted_mistakes(tmp_path):
    path = tmp_path / "c.xlsx"
    write_criteria_workbook(load_criteria(None), path, "zh")
    wb = openpyxl.load_workbook(path)
    del wb[SHEET_GRADES]
    items, col = wb[SHEET_ITEMS], _cells(wb[SHEET_ITEMS])
    items[f"{col['比较']}{_row(items, 'S2')}"] = "≠"  # unknown comparison
    items[f"{col['计分方式']}{_row(items, 'S16')}"] = "线性"  # a yes/no metric scored linearly
    items[f"{col['分值']}{_row(items, 'C1')}"] = 5  # points on a control
    wb.save(path)
    found = {p.code: (p.sheet, p.cell) for p in check_criteria_workbook(path).problems}
    assert found["missing_sheet"] == (SHEET_GRADES, "")
    assert found["unknown_comparison"] == (SHEET_ITEMS, "J7")
    assert found["comparison_for_type"][1] == "J21"  # 是 does not go with 线性
    assert found["control_points"] == (SHEET_ITEMS, "O2")


def test_a_broken_workbook_is_a_clear_error_everywhere(tmp_path):
    bad = planted(tmp_path / "bad.xlsx")
    sample = str(SAMPLES / "communities" / "FT-SH-03.xlsx")
    proc = subprocess.run(
        [sys.executable, "-m", "carbon_cli", "assess", sample, "--criteria", str(bad), "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    said = "".join(proc.stderr.split())  # the terminal wraps long lines at spaces or anywhere
    assert str(bad) in said and "criteriacheck" in said and "标准Set!C9" in said


def test_old_form_criteria_set_still_shows_the_set():
    assert "S23" in runner.invoke(app, ["criteria", "sz-nzc-community"]).stdout
    assert "sz-nzc-community" in runner.invoke(app, ["criteria"]).stdout


def test_every_criteria_subcommand_has_help_with_an_example():
    import typer

    group = typer.main.get_command(app).commands["criteria"]  # type: ignore[attr-defined]
    for name, command in group.commands.items():
        assert command.help and "Example: carbon criteria" in command.help, name


def test_edited_workbook_changes_the_verdicts_as_expected(tmp_path):
    """Two thresholds and one weight changed as a person would (and the total with it): the
    communities' scores move the way the new figures say."""
    path = tmp_path / "edited.xlsx"
    write_criteria_workbook(load_criteria(None), path, "zh")
    wb = openpyxl.load_workbook(path)
    items, col = wb[SHEET_ITEMS], _cells(wb[SHEET_ITEMS])
    items[f"{col['零分值']}{_row(items, 'S1')}"] = 3.0  # per capita: zero points at 3.0 t, not 1.5
    items[f"{col['满分值']}{_row(items, 'S1')}"] = 1.0  # full points at 1.0 t, not 0.4
    items[f"{col['分值']}{_row(items, 'S11')}"] = 15  # green trips worth 15, not 5
    wb[SHEET_SET]["C9"] = 110
    wb.save(path)
    edited = load_criteria(str(path))
    default = load_criteria(None)
    assert check_criteria_workbook(path).notes("en")  # still named sz-nzc-community: said so
    s1 = next(c for c in edited.items if c.key == "S1")
    assert (s1.zero, s1.full) == (3.0, 1.0) and next(c for c in edited.items if c.key == "S11").points == 15
    factors = load_factor_set(None)
    raised = 0
    for survey in sample_surveys():
        a, b = assess(survey, factors, default), assess(survey, factors, edited)
        pa = {i.criterion.key: i for i in a.evaluation.items}
        pb = {i.criterion.key: i for i in b.evaluation.items}
        assert pb["S1"].points >= pa["S1"].points - 1e-9  # laxer thresholds never cost points
        if pa["S11"].status == "scored":
            assert abs(pb["S11"].points - 3 * pa["S11"].points) <= 1e-9
        raised += b.evaluation.score > a.evaluation.score + 1e-9
    assert raised > 0


# --- the metric list ----------------------------------------------------------------------------


def test_every_metric_of_the_engine_has_a_formula_and_no_other():
    assert set(FORMULAS) == set(BUILTIN_METRICS) | set(FIELD_METRICS)
    assert metric_names() == [*BUILTIN_METRICS, *FIELD_METRICS]
    for name in BUILTIN_METRICS:
        assert _metric({"metric": name}, "t").kind == name
    with pytest.raises(Exception, match="unknown metric"):
        _metric({"metric": "nope"}, "t")


def test_metrics_page_is_generated_from_the_engine():
    page = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert page == metrics_markdown(), "regenerate: carbon criteria metrics --format md > docs/metrics.md"
    for name in metric_names():
        assert f"| `{name}` |" in page
    shown = runner.invoke(app, ["criteria", "metrics", "--format", "md"])
    assert shown.exit_code == 0 and shown.stdout == page
    listed = json.loads(runner.invoke(app, ["criteria", "metrics", "-f", "json", "--lang", "en"]).stdout)
    assert [m["metric"] for m in listed] == metric_names()


def test_the_example_workbook_is_the_default_set_exported(tmp_path):
    """docs/criteria.xlsx (used by the README's examples) is what `criteria export` writes today."""
    fresh = tmp_path / "criteria.xlsx"
    write_criteria_workbook(load_criteria(None), fresh, "zh")
    assert (ROOT / "docs" / "criteria.xlsx").read_bytes() == fresh.read_bytes(), (
        "regenerate: carbon criteria export -o docs/criteria.xlsx"
    )


# --- LibreOffice ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_round_trip_keeps_the_set(tmp_path):
    """Saved again by LibreOffice (as a person opening and saving it would), the workbook still
    reads as the same set, and renders to PDF."""
    source = tmp_path / "src" / "criteria.xlsx"
    source.parent.mkdir()
    write_criteria_workbook(load_criteria(None), source, "zh")
    out = tmp_path / "lo"
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for target in ("xlsx:Calc MS Excel 2007 XML", "pdf"):
        subprocess.run(
            ["soffice", "--headless", "--convert-to", target, "--outdir", str(out), str(source)],
            check=True,
            capture_output=True,
            timeout=180,
            env=env,
        )
    assert (out / "criteria.pdf").stat().st_size > 1000
    assert load_criteria(str(out / "criteria.xlsx")) == load_criteria(None)
