"""`carbon compare`: two criteria sets on the same communities (scoring/comparison.py)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.cli.app import app
from carbon_cli.core.resources import DATA_DIR
from carbon_cli.scoring.comparison import compare
from carbon_cli.scoring.criteria_files import load_criteria
from tests.conftest import SAMPLES
from tests.test_criteria_workbook import sample_surveys

runner = CliRunner()


def _variant(tmp_path):
    """The default set with S1's zero at 1.2 t (stricter) and S3 worth 10 points, not 7."""
    text = (DATA_DIR / "criteria" / "sz-nzc-community.toml").read_text(encoding="utf-8")
    assert text.count("zero = 1.50\n") == 1 and text.count("full = 10\npoints = 7\n") == 1
    text = text.replace("zero = 1.50\n", "zero = 1.2\n").replace("full = 10\npoints = 7\n", "full = 10\npoints = 10\n")
    text = text.replace('id = "sz-nzc-community"', 'id = "variant"')
    path = tmp_path / "variant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_items_account_for_the_whole_difference(tmp_path):
    a_set, b_set, factors = load_criteria(), load_criteria(str(_variant(tmp_path))), load_factor_set()
    changed = 0
    for survey in sample_surveys():
        c = compare(survey, factors, a_set, b_set)
        shown = sum(i.delta for i in c.items)
        assert abs((c.b.score - c.a.score) - shown) <= 0.05 * len(a_set.items)  # the unlisted are < 0.05 each
        assert {i.key for i in c.items} <= {"S1", "S3", *{i.criterion.key for i in c.a.evaluation.items}}
        changed += bool(c.items)
    assert changed


def test_compare_command_counts_agreements(tmp_path):
    variant = _variant(tmp_path)
    result = runner.invoke(app, ["compare", str(SAMPLES / "communities"), "--against", str(variant), "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["criteria_a"] == "sz-nzc-community" and data["criteria_b"] == "variant"
    assert data["communities"] == 13
    assert data["agree"] == sum(r["a"]["verdict"] == r["b"]["verdict"] for r in data["results"])
    table = runner.invoke(app, ["compare", str(SAMPLES / "communities"), "--against", str(variant), "--lang", "en"])
    assert table.exit_code == 0 and "Same verdict for" in table.stdout
