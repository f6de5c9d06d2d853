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


def _batch(tmp_path, *extra):
    out = tmp_path / "out"
    args = ["batch", str(SAMPLES), "-o", str(out), "-j", "1", "--no-cache", "--no-pathways", "--no-reports"]
    result = runner.invoke(app, [*args, "--report-format", "md,html,docx", *extra])
    assert result.exit_code == 0, result.output
    return out, result


def test_batch_compare_criteria_agrees_with_compare_per_community(tmp_path):
    """`carbon batch --criteria A --compare-criteria B` on the samples gives, per community, what
    `carbon compare --against B` gives: the verdict and score under each, whether they agree, the
    items that make the difference; the summary counts the agreements in every format."""
    ndrc = "ndrc-2014-pilot-targets"
    out, result = _batch(tmp_path, "--criteria", "sz-nzc-community", "--compare-criteria", ndrc)
    compared = runner.invoke(app, ["compare", str(SAMPLES / "communities"), "--against", ndrc, "-f", "json"])
    assert compared.exit_code == 0, compared.output
    expected = {r["community_id"]: r for r in json.loads(compared.stdout)["results"]}
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = {r["community_id"]: r for r in data["results"]}
    assert set(rows) == set(expected) and len(rows) == 13
    for cid, row in rows.items():
        want = expected[cid]
        assert row["compare_criteria"] == ndrc
        assert abs(row["score"] - want["a"]["score"]) < 1e-9 and row["verdict"] == want["a"]["verdict"]
        assert abs(row["compare_score"] - want["b"]["score"]) < 1e-9 and row["compare_verdict"] == want["b"]["verdict"]
        assert row["compare_agrees"] is want["agree"]
        keys = [part.split(" ")[0] for part in row["compare_items"].split("; ") if part]
        failing = {"fail", "missing"}  # a control is named when it fails under one set only
        controls = [c["key"] for c in want["controls"] if (c["status_a"] in failing) != (c["status_b"] in failing)]
        assert keys == [i["key"] for i in want["items"]] + controls
    agree = sum(r["agree"] for r in expected.values())
    assert agree == 11  # the samples: FT-SH-01 and FT-SH-02 pass the default set but miss the NDRC water target
    assert data["compare_criteria_set"] == ndrc and data["compare_agree"] == agree
    differ = sorted(cid for cid, r in expected.items() if not r["agree"])
    assert differ == ["FT-SH-01", "FT-SH-02"]
    md = (out / "summary.md").read_text(encoding="utf-8")
    section = md[md.index("### 换用评价标准") : md.index("## 二")]
    assert f"13 个社区中，{agree} 个在两套标准下结论一致，2 个不一致" in section
    lines = [line for line in section.splitlines() if line.startswith("| ") and "FT-SH-" in line]
    assert [line.split("（")[1].split("）")[0] for line in lines] == differ
    assert all("N1 非传统水源利用率" in line for line in lines)  # the target they miss under B
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert f"13 个社区中，{agree} 个在两套标准下结论一致" in html and "N1 非传统水源利用率" in html
    import zipfile

    with zipfile.ZipFile(out / "summary.docx") as z:
        assert "两套标准下结论一致" in z.read("word/document.xml").decode("utf-8")
    assert f"结论一致 {agree} 个，不一致 2 个" in result.stdout.replace("\n", "")
    from openpyxl import load_workbook

    sheet = load_workbook(out / "results.xlsx", read_only=True).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    from carbon_cli.core.i18n import column_label
    from carbon_cli.outputs.district import COMPARE_COLUMNS

    assert header[-5:] == [column_label(c) for c in COMPARE_COLUMNS] and header[-2] == "结论一致"


def test_batch_without_compare_criteria_writes_no_comparison(tmp_path):
    from carbon_cli.outputs.district import RESULT_COLUMNS

    out, _ = _batch(tmp_path, "--lang", "en")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert "compare_criteria_set" not in data and list(data["results"][0]) == RESULT_COLUMNS
    assert (out / "results.csv").read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(RESULT_COLUMNS)
    assert "Under another criteria set" not in (out / "summary.md").read_text(encoding="utf-8")
