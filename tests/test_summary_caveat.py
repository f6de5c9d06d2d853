"""The district summary's caveat is worded from the criteria set's own data: its figures counted by
status (seen / derived / assumed), in every format the summary is written, in both languages."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.batch.run import run_batch
from carbon_cli.outputs.district import BatchOptions
from carbon_cli.outputs.results import output_files
from carbon_cli.outputs.summary import footing
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.criteria import available
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.scoring.figures import figures
from tests.conftest import SAMPLES
from tests.test_criteria_workbook import sample_surveys


@pytest.mark.parametrize("name", available())
def test_the_caveat_counts_the_figures_the_verdicts_rest_on(name):
    """The figures the caveat counts are those robustness moves (scoring/figures.py), but the
    pass line there stands for every grade line here; with the same statuses."""
    criteria, factors = load_criteria(name), load_factor_set()
    a = assess(sample_surveys()[0], factors, criteria)
    moved = [f for f in figures(a) if f.kind not in ("factor", "band")]
    lines = [g for g in criteria.grades if g.min_score > 0]
    f = footing(criteria, "zh")
    assert f["count"] == len(moved) + len(lines)
    for status in ("seen", "derived", "assumed"):
        expected = sum(x.status == status for x in moved) + sum(g.status == status for g in lines)
        assert f[status] == expected, status


def _summaries(criteria: str, lang: str) -> dict[str, str]:
    options = BatchOptions(
        criteria=criteria, lang=lang, pathways=False, reports=False, report_formats=("md", "html", "docx")
    )
    files = output_files(run_batch([SAMPLES / "communities"], options, jobs=1), options)
    with zipfile.ZipFile(BytesIO(files["summary.docx"])) as z:
        docx = re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))
    return {"md": files["summary.md"].decode("utf-8"), "html": files["summary.html"].decode("utf-8"), "docx": docx}


ZH_FIGURES = "评价标准的 {} 个取值（阈值、达标值、分值与等级线）中 "
EN_FIGURES = "Of the criteria's {} figures (thresholds, targets, points and grade lines), "
NDRC = "国家发展改革委《关于开展低碳社区试点工作的通知》(发改气候〔2014〕489号)"
CAVEATS = {
    ("sz-nzc-community", "zh"): ZH_FIGURES.format(69) + "67 个为假设值，2 个见于已公布的原文（优秀 ≥ 85；通过 ≥ 60）。",
    ("sz-nzc-community", "en"): EN_FIGURES.format(69) + "67 are assumed, 2 published (Excellent ≥ 85; Pass ≥ 60).",
    ("ndrc-2014-pilot-targets", "zh"): ZH_FIGURES.format(8)
    + "2 个为假设值（N4 社区碳排放指标纳入社区规划 分值；目标全部达标 ≥ 100），6 个见于已公布的原文（出处："
    + NDRC,
    ("ndrc-2014-pilot-targets", "en"): EN_FIGURES.format(8)
    + "2 are assumed (N4 Carbon targets in the community's plan: points; All targets met ≥ 100), 6 published (source: "
    + NDRC,
}
PASS_LINE_RULE = {
    "zh": "其中通过线（目标全部达标 ≥ 100 分）是本工具的规则",
    "en": "the pass line (All targets met ≥ 100) is this tool's own rule",
}


@pytest.mark.parametrize(("criteria", "lang"), sorted(CAVEATS))
def test_the_summary_caveat_says_what_the_set_rests_on_in_every_format(criteria, lang):
    texts = _summaries(criteria, lang)
    for fmt, text in texts.items():
        plain = text.replace("&#x27;", "'").replace("&#39;", "'").replace("&amp;", "&")
        if fmt == "md":
            plain = plain.replace("\\", "")  # Markdown escapes
        assert CAVEATS[criteria, lang] in plain, fmt
        assert ("多数阈值" not in plain) and ("Most thresholds" not in plain), fmt
        assert (PASS_LINE_RULE[lang] in plain) == (criteria == "ndrc-2014-pilot-targets"), fmt


def test_a_set_whose_figures_are_all_seen_says_they_are_published(tmp_path):
    text = (SAMPLES.parent / "carbon_cli" / "data" / "criteria" / "ndrc-2014-pilot-targets.toml").read_text("utf-8")
    text = text.replace('status = "assumed"', 'status = "seen"')
    path = tmp_path / "all-seen.toml"
    path.write_text(text, encoding="utf-8")
    f = footing(load_criteria(str(path)), "zh")
    assert (f["count"], f["seen"], f["assumed"]) == (8, 8, 0)
    md = _summaries(str(path), "zh")["md"].replace("\\", "")
    assert "评价标准的 8 个取值（阈值、达标值、分值与等级线）全部见于已公布的原文（出处：国家发展改革委" in md
    en = _summaries(str(path), "en")["md"].replace("\\", "")
    assert "all are published figures, as printed in the source (source: 国家发展改革委" in en
