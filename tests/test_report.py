"""Markdown reports: snapshots of sample communities, Markdown safety (pandoc), user templates,
determinism and the `assess --format md` command."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.core.errors import CarbonError
from carbon_cli.outputs.report import md, num, pct, render_assessment
from carbon_cli.outputs.report_context import report_context
from carbon_cli.planning.pricing import load_planning, planned
from carbon_cli.scoring.assessment import Assessment, assess_with_changes
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.scoring.robustness import with_robustness
from carbon_cli.survey.model import Survey
from carbon_cli.survey.reader import read_survey
from tests.conftest import AS_OF

ROOT = Path(__file__).resolve().parent.parent
COMMUNITIES = ROOT / "sample_data" / "communities"
ELIGIBLE, FAILING = "FT-SH-02", "FT-SH-05"  # chosen by assessing every sample (see test_sample_verdicts)
# Workbook text that would break Markdown if it were not escaped.
HOSTILE = {
    "community_name": "A|B *x*\nC",
    "street": "1. <b>街道</b> #x",
    "district": "[a](http://e) ~~y~~ _z_ `q`",
    "community_id": "ID|1\r\n2\t3\x07",
}


class MarkdownSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "md"


@pytest.fixture
def md_snapshot(snapshot):
    return snapshot.use_extension(MarkdownSnapshot)


@cache
def survey_of(community: str) -> Survey:
    path = COMMUNITIES / f"{community}.xlsx"
    if not path.exists():  # sample_data is generated, not committed
        subprocess.run([sys.executable, str(ROOT / "sample_data" / "make_samples.py")], check=True)
    return read_survey(path)


def assessed(survey: Survey, changes: dict | None = None) -> Assessment:
    """Assessed and planned as `carbon assess --format md --as-of 2026-11-30` would (subsidies are
    judged on a fixed date, so the snapshots do not change with the calendar)."""
    base = assess_with_changes(survey, load_factor_set(), load_criteria(), changes or {})
    return planned(with_robustness(base), load_planning(on=AS_OF))


@cache
def sample(community: str) -> Assessment:
    return assessed(survey_of(community))


@cache
def hostile() -> Assessment:
    return assessed(survey_of(FAILING).with_values(HOSTILE, "test"))


def test_sample_verdicts():
    assert sample(ELIGIBLE).verdict == "eligible"
    assert sample(FAILING).verdict == "not_eligible"
    assert sample(FAILING).pathways["pass"].status == "reachable"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("community", [ELIGIBLE, FAILING])
def test_report_snapshot(community, lang, md_snapshot):
    assert render_assessment(sample(community), lang) == md_snapshot


def test_failing_report_names_what_to_fix_first():
    text = render_assessment(sample(FAILING))
    top = text.split("### 最值得优先做的三件事", 1)[1].split("###", 1)[0]
    first_three = [line for line in top.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert len(first_three) == 3
    assert "M14" in first_three[0] and "C2" in first_three[0]  # the failing control comes first
    verdict = (
        "该社区目前不符合近零碳社区试点要求：得分 37.0 分（通过线 60 分），且有 1 项控制项未满足（C2 碳排放管理机制）。"
    )
    assert verdict in text


def test_render_is_deterministic():
    fresh = assessed(survey_of(FAILING))
    assert render_assessment(sample(FAILING)) == render_assessment(sample(FAILING)) == render_assessment(fresh)
    assert "报告日期" not in render_assessment(fresh)
    assert "报告日期：2025-03-01" in render_assessment(fresh, date="2025-03-01")


def test_incomplete_verdict_lists_data_to_collect():
    survey = survey_of(ELIGIBLE)
    values = {k: v for k, v in survey.assessment.items() if k != "has_creation_plan"}
    a = assessed(dataclasses.replace(survey, assessment=values))
    assert a.verdict == "incomplete"
    text = render_assessment(a)
    assert "目前数据不足，还不能判断该社区是否符合近零碳社区试点要求" in text
    assert "| 编制近零碳创建方案 | has\\_creation\\_plan |" in text.split("### 需要补充的数据", 1)[1]


def test_set_values_are_marked_in_the_report():
    a = assessed(survey_of(FAILING), {"has_creation_plan": True})
    zh, en = render_assessment(a, "zh"), render_assessment(a, "en")
    assert "假设情景" in zh and "| 编制近零碳创建方案 | has\\_creation\\_plan | 是 | `--set` 修改 |" in zh
    assert "What-if scenario" in en and "changed by `--set`" in en


@pytest.mark.parametrize(("as_of", "expired"), [("2025-03-01", True), ("2024-06-01", False), (None, None)])
def test_policy_expiry_follows_the_as_of_day_not_the_printed_date(as_of, expired):
    policies = report_context(sample(FAILING), "zh", "2024年6月1日", as_of)["policies"]
    futian = next(p for p in policies if p["valid_until"])
    assert futian["expired"] is expired
    assert any(p["pilot_award"] for p in policies)
    text = render_assessment(sample(FAILING), date="2024年6月1日", as_of=as_of)
    assert "报告日期：2024年6月1日" in text
    assert (f"按 {as_of} 判断已过期" in text) is bool(expired)


# --- Markdown safety -----------------------------------------------------------------------


def _unescaped(text: str, char: str) -> int:
    """How many times `char` occurs in `text` without a backslash escaping it."""
    count, i = 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        count += text[i] == char
        i += 1
    return count


@given(st.text())
def test_md_filter_neutralises_markup(text):
    out = md(text)
    assert "\n" not in out and "\r" not in out
    for char in "|*_`[]<>#~":
        assert _unescaped(out, char) == 0
    assert not out.startswith(("-", "+")) and not out[:1].isspace() and not re.match(r"\d+[.)]( |$)", out)


@pytest.mark.parametrize(
    ("value", "args", "shown"),
    [
        (12345.678, (), "12,345.7"),
        (59.96, (1,), "60.0"),
        (-0.01, (1,), "0.0"),
        (None, (), "—"),
        (7.0, (2, True), "7"),
    ],
)
def test_num(value, args, shown):
    assert num(value, *args) == shown


def test_num_never_shows_a_threshold_it_has_not_reached():
    assert num(59.96, 1, below=[60, 85]) == "59.9"
    assert num(60.04, 1, below=[60, 85]) == "60.0"
    assert pct(3.14, 1, signed=True) == "+3.1%" and pct(-2, 1) == "-2%"


def _md_tables(text: str) -> list[list[str]]:
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


class _Tables(HTMLParser):
    """Cells per row of every <table>."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[int]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append(0)
        elif tag in ("td", "th"):
            self.tables[-1][-1] += 1


def _reports() -> list[tuple[str, Assessment, str]]:
    return [
        (name, a, lang)
        for name, a in (("eligible", sample(ELIGIBLE)), ("failing", sample(FAILING)), ("hostile", hostile()))
        for lang in ("zh", "en")
    ]


@pytest.mark.parametrize(
    "case", range(6), ids=[f"{n}-{lang}" for n in ("eligible", "failing", "hostile") for lang in ("zh", "en")]
)
@pytest.mark.slow
def test_tables_keep_their_shape(case):
    _, a, lang = _reports()[case]
    text = render_assessment(a, lang)
    for table in _md_tables(text):  # in the Markdown itself: every row has the header's cells
        assert len({_unescaped(row, "|") for row in table}) == 1, table
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed: HTML table shapes not checked")
    html = subprocess.run(
        ["pandoc", "-f", "gfm", "-t", "html"], input=text, capture_output=True, text=True, check=True
    ).stdout
    parser = _Tables()
    parser.feed(html)
    assert len(parser.tables) == len(_md_tables(text))  # no table fell apart into paragraphs
    for rows in parser.tables:
        assert len(set(rows)) == 1, rows


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_workbook_text_renders_as_text():
    html = subprocess.run(
        ["pandoc", "-f", "gfm", "-t", "html"],
        input=render_assessment(hostile()),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "<h1" in html and "A|B *x* C近零碳社区自评价报告" in html
    for markup in ("<b>", "<em>x", "<del>", 'href="http://e"', "<code>q", "\x07"):
        assert markup not in html


# --- templates -----------------------------------------------------------------------------


def test_user_template(tmp_path):
    own = tmp_path / "mine.md.j2"
    own.write_text(
        "{{ community.name|md }}：{{ evaluation.verdict.label }}，{{ evaluation.score|num(1) }} 分\n"
        "{% for line in inventory.lines %}{{ line.label }}={{ line.tco2e|num(0) }};{% endfor %}\n",
        encoding="utf-8",
    )
    text = render_assessment(sample(FAILING), template=own)
    assert text.startswith("棠晖社区：不符合，37.0 分\n电力=")


def test_user_template_can_extend_the_default(tmp_path):
    own = tmp_path / "report.zh.md.j2"  # same name as the built-in: `carbon/` still reaches it
    own.write_text(
        '{% extends "carbon/report.zh.md.j2" %}{% block policies %}\n## 七、本区政策\n{% endblock %}', encoding="utf-8"
    )
    text = render_assessment(sample(FAILING), template=own)
    assert "## 七、本区政策" in text and "可申报的支持政策" not in text and "## 六、提升路径" in text


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("ok\n{{ community.name|md }\n", "line 2"),  # syntax error
        ("ok\n\n{{ no_such_variable }}\n", "line 3"),  # StrictUndefined
        ("{{ 1 / 0 }}", "division"),
    ],
)
def test_broken_template_is_a_carbon_error(tmp_path, source, detail):
    own = tmp_path / "broken.md.j2"
    own.write_text(source, encoding="utf-8")
    with pytest.raises(CarbonError) as caught:
        render_assessment(sample(FAILING), template=own)
    assert caught.value.code == "bad_template"
    assert caught.value.params["path"] == str(own) and detail in caught.value.params["detail"]


def test_missing_template_is_a_carbon_error(tmp_path):
    with pytest.raises(CarbonError, match="bad_template"):
        render_assessment(sample(FAILING), template=tmp_path / "nope.md.j2")


# --- the command ---------------------------------------------------------------------------


def test_assess_writes_the_markdown_report(tmp_path):
    from carbon_cli.cli.app import app

    out = tmp_path / "out.md"
    path = COMMUNITIES / f"{FAILING}.xlsx"
    survey_of(FAILING)  # makes the samples when they are missing
    result = CliRunner().invoke(app, ["assess", str(path), "--format", "md", "-o", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render_assessment(sample(FAILING), as_of=AS_OF)


@pytest.mark.slow
def test_readme_example_template_renders(tmp_path):
    readme = (ROOT / "templates" / "README.md").read_text(encoding="utf-8")
    example = readme.split("## A tiny template", 1)[1].split("```jinja\n", 1)[1].split("```", 1)[0]
    own = tmp_path / "tiny.md.j2"
    own.write_text(example, encoding="utf-8")
    text = render_assessment(sample(FAILING), template=own)
    assert text.startswith("# 棠晖社区（FT-SH-05）\n\n结论：不符合，得分 37.0 分。") and "| 电力 | 14,693.9 |" in text
