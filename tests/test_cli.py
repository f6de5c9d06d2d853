"""The CLI is a thin layer: its JSON equals the library's result, every command has help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.cli.app import app
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.scoring.robustness import with_robustness
from carbon_cli.survey.reader import read_survey
from tests.conftest import SAMPLES

runner = CliRunner()
SAMPLE = SAMPLES / "communities" / "FT-SH-03.xlsx"


def carbon(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "carbon_cli", *args], capture_output=True, text=True, cwd=cwd)


def test_json_equals_the_library_result_serialised():
    result = runner.invoke(app, ["assess", str(SAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    library = with_robustness(assess(read_survey(SAMPLE), load_factor_set(), load_criteria())).to_dict("zh")
    assert json.loads(result.stdout) == json.loads(json.dumps(library))


def test_json_contract_keys():
    data = json.loads(runner.invoke(app, ["assess", str(SAMPLE), "--format", "json", "--lang", "en"]).stdout)
    inv = data["inventory"]
    for key in ("gross_tco2e", "sinks_tco2e", "net_tco2e", "per_capita_tco2e"):
        assert isinstance(inv[key], float)
    assert set(inv["sources"]) == {"electricity", "natural_gas", "lpg", "diesel", "gasoline", "water", "waste"}
    assert data["grade"] in ("excellent", "pass", "fail")
    assert data["verdict"] in ("eligible", "not_eligible", "incomplete")
    assert {c["status"] for c in data["controls"]} <= {"pass", "fail", "missing", "na"}
    assert {i["status"] for i in data["indicators"]} <= {"scored", "missing", "na"}
    assert all({"key", "value", "points", "max_points"} <= set(i) for i in data["indicators"])
    assert (data["criteria_set"], data["factor_set"]) == ("sz-nzc-community", "cn-south-2023")
    assert "baseline_inventory" in data and "warnings" in data and "community" in data


def test_what_if_set_changes_the_result():
    base = json.loads(runner.invoke(app, ["assess", str(SAMPLE), "-f", "json"]).stdout)
    assert base["verdict"] == "not_eligible"
    c4 = next(c for c in base["controls"] if c["key"] == "C4")
    assert c4["status"] == "fail"
    buildings = read_survey(SAMPLE).assessment["buildings_total"]
    changed = json.loads(
        runner.invoke(
            app, ["assess", str(SAMPLE), "-f", "json", "--set", f"buildings_with_sorting_points={buildings}"]
        ).stdout
    )
    assert next(c for c in changed["controls"] if c["key"] == "C4")["status"] == "pass"
    assert changed["changes"] == {"buildings_with_sorting_points": buildings}


def test_bad_set_option_is_a_usage_error():
    proc = carbon("assess", str(SAMPLE), "--set", "no_such_field=3")
    assert proc.returncode == 2
    assert "no_such_field" in proc.stderr and "Traceback" not in proc.stderr


def walk(group: typer.Typer):
    command = typer.main.get_command(group)
    return command.commands.items()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_every_command_has_help_with_an_example():
    for name, command in walk(app):
        assert command.help and "Example: carbon" in command.help, name
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminal_output_speaks_the_language(lang):
    result = runner.invoke(app, ["assess", str(SAMPLE), "--lang", lang])
    assert result.exit_code == 0
    assert ("结论" if lang == "zh" else "Verdict") in result.stdout


def test_unknown_criteria_set_is_a_clear_error(tmp_path):
    proc = carbon("assess", str(SAMPLE), "--criteria", "nope")
    assert proc.returncode == 1
    assert "nope" in proc.stderr and "sz-nzc-community" in proc.stderr


def test_user_criteria_file(tmp_path):
    custom = tmp_path / "mine.toml"
    custom.write_text(
        '[set]\nid = "mine"\nzh = "我的"\nen = "Mine"\n'
        '[[grades]]\nkey = "pass"\nmin_score = 50\n[[grades]]\nkey = "fail"\nmin_score = 0\n'
        '[[items]]\nkey = "A"\nmetric = "field"\nfield = "green_trip_share"\n'
        'rule = "linear"\nzero = 0\nfull = 100\npoints = 10\n',
        encoding="utf-8",
    )
    data = json.loads(runner.invoke(app, ["assess", str(SAMPLE), "-f", "json", "--criteria", str(custom)]).stdout)
    assert data["criteria_set"] == "mine" and [i["key"] for i in data["indicators"]] == ["A"]
    broken = tmp_path / "broken.toml"
    broken.write_text(
        '[set]\nid = "b"\n[[grades]]\nkey = "pass"\nmin_score = 50\n[[grades]]\nkey = "fail"\nmin_score = 0\n'
        '[[items]]\nkey = "A"\nmetric = "field"\nfield = "nope"\nrule = "linear"\nzero = 0\nfull = 1\npoints = 1\n',
        encoding="utf-8",
    )
    proc = carbon("assess", str(SAMPLE), "--criteria", str(broken), "--lang", "en")
    assert proc.returncode == 1
    assert "unknown survey field(s) nope" in proc.stderr and str(broken) in proc.stderr


def test_user_factor_file_overrides_defaults(tmp_path):
    custom = tmp_path / "grid.toml"
    custom.write_text(
        '[set]\nid = "my-grid"\n[factors.EF_grid]\nvalue = 0.5\nunit = "kgCO2/kWh"\n'
        'source = "test"\nstatus = "assumed"\n',
        encoding="utf-8",
    )
    data = json.loads(runner.invoke(app, ["assess", str(SAMPLE), "-f", "json", "--factors", str(custom)]).stdout)
    assert data["factor_set"] == "my-grid"
    assert data["factors"]["EF_grid"]["value"] == 0.5 and data["factors"]["EF_gas"]["value"] == 2.1622


@pytest.mark.slow
def test_validate_exit_codes_and_json(tmp_path):
    ok = carbon("validate", str(SAMPLE), "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["errors"] == 0
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    proc = carbon("validate", str(bad), str(SAMPLE), "--format", "json", "--lang", "en")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["files_with_errors"] == 1 and data["files"][0]["issues"][0]["code"] == "not_a_workbook"
    assert carbon("validate").returncode == 2


def _wide(*args: str) -> str:
    import os

    proc = subprocess.run(
        [sys.executable, "-m", "carbon_cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "160"},
    )
    return proc.stdout


def _column(text: str, header: str) -> list[str]:
    """A column of a Rich table's body, by its header's position."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if header in line and line.startswith("┃"))
    index = [c.strip() for c in lines[head].split("┃")].index(header)
    body = []
    for line in lines[head + 2 :]:
        if not line.startswith("│"):
            break
        body.append(line.split("│")[index].strip())
    return [cell for cell in body if cell]


@pytest.mark.slow
def test_plan_says_why_a_measure_adds_no_points_and_keeps_one_precision_a_column():
    import re

    text = _wide("plan", str(SAMPLES / "communities" / "FT-SH-05.xlsx"))
    m14 = next(line for line in text.splitlines() if "│ M14" in line)
    assert "+0.00" in m14 and "C2 碳排放管理机制" in m14  # there for the control, not for points
    assert "其中补贴" not in text  # no subsidy: not "其中补贴 0 元"
    assert "当前：" in text and "前期投入：" in text and ": " not in text.split("╰")[0]  # one colon style
    for header in ("减排 tCO2e", "前期投入（万元）", "年净支出（万元）"):
        cells = _column(text, header)
        assert cells and all(re.fullmatch(r"-?[\d,]+\.\d", c) for c in cells), (header, cells)
    english = _wide("plan", str(SAMPLES / "communities" / "FT-SH-05.xlsx"), "--lang", "en")
    assert all(re.fullmatch(r"-?[\d,]+", c) for c in _column(english, "Upfront (yuan)"))


def test_assess_inventory_keeps_one_precision_a_column():
    import re

    text = _wide("assess", str(SAMPLES / "communities" / "FT-SH-05.xlsx"))
    assert "结论：" in text and "净排放：" in text
    cells = [c for c in _column(text, "2023") if "." in c]
    per_capita = cells.pop()  # the last row is per person
    assert re.fullmatch(r"\d\.\d{3}", per_capita)
    assert all(re.fullmatch(r"-?[\d,]+\.\d", c) for c in cells), cells
