"""Web page and Word reports: structure, self-containment, escaping, charts from the data,
determinism, the Word template, and what Chromium and LibreOffice make of them."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.batch.run import run_batch
from carbon_cli.core.errors import CarbonError
from carbon_cli.outputs.charts import parse_mermaid, svg_chart
from carbon_cli.outputs.district import BatchOptions, BatchResult, CommunityResult
from carbon_cli.outputs.documents import convert, report_documents
from carbon_cli.outputs.docx import document
from carbon_cli.outputs.report import render_assessment
from carbon_cli.outputs.report_context import report_context
from carbon_cli.outputs.results import output_files
from carbon_cli.outputs.summary import render_summary
from carbon_cli.scoring.criteria_files import load_criteria
from tests.conftest import AS_OF
from tests.helpers import CHROMIUM, WRITER, _png_size, _screenshot, save_as
from tests.test_report import COMMUNITIES, ELIGIBLE, FAILING, _md_tables, assessed, sample, survey_of

ROOT = Path(__file__).resolve().parent.parent
NAME = "<script>alert(1)</script>|*x*"
HOSTILE = {
    "community_name": NAME,
    "street": "1. <b>街道</b> #x & <i>",
    "district": "[a](http://e) ~~y~~ _z_ `q`",
    "community_id": "ID|1\r\n2\t3\x07<img src=x>",
}
LITERAL_ID = "ID|1 2 3<img src=x>"  # line breaks and tabs become spaces, the bell is dropped


@cache
def hostile():
    return assessed(survey_of(FAILING).with_values(HOSTILE, "test"))


def cases():
    return [("eligible", ELIGIBLE), ("failing", FAILING), ("hostile", None)]


def assessment_of(name):
    return hostile() if name == "hostile" else sample(dict(cases())[name])


def summary_markdown(results, lang="zh"):
    """The summary of a batch of these assessments, ranked in the order given."""
    from carbon_cli.outputs.district import feasibility, result_row
    from carbon_cli.outputs.summary import community_row

    ranked = []
    for rank, a in enumerate(results, 1):
        fit = feasibility(a)
        row, summary = result_row(a, fit, lang), community_row(a, fit, lang)
        ranked.append(CommunityResult(rank, f"reports/{a.survey.community_id}.md", row, summary))
    criteria = results[0].criteria if results else None
    factors = results[0].factors if results else None
    batch = BatchResult(ranked, [], [], len(results), criteria, factors)
    return render_summary(batch, BatchOptions(lang=lang))


# --- HTML --------------------------------------------------------------------------------


class Page(HTMLParser):
    """Tables (cells per row), tags, attributes and text of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[int]] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.h1 = ""
        self._in: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        self._in.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append(0)
        elif tag in ("td", "th"):
            self.tables[-1][-1] += 1

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        self.text.append(data)
        if "h1" in self._in:
            self.h1 += data


def html_of(name: str, lang: str) -> str:
    return report_documents(assessment_of(name), ["html"], lang)["html"].decode("utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["eligible", "failing", "hostile"])
def test_html_tables_keep_their_shape(name, lang):
    markdown = render_assessment(assessment_of(name), lang)
    page = Page(html_of(name, lang))
    tables = _md_tables(markdown)
    assert len(page.tables) == len(tables) >= 8  # every Markdown table became a table
    for rows, source in zip(page.tables, tables, strict=True):
        header = len(source[0].strip("|").split(" | "))  # header cells hold no escaped pipes
        assert set(rows) == {header}, (rows, source[0])


def _remote(page: Page, html: str) -> list[str]:
    found = [f"{tag} {k}={v}" for tag, k, v in page.attrs if k in ("src", "href") and re.match(r"\s*(\w+:|//)", v)]
    found += re.findall(r"@import|@font-face|url\(", html)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_pages_are_self_contained(lang, tmp_path):
    _, files = batch_files([COMMUNITIES / "FT-SH-03.xlsx", COMMUNITIES / "FT-SH-05.xlsx"], _options(lang))
    pages = {k: v.decode("utf-8") for k, v in files.items() if k.endswith(".html")}
    assert sorted(pages) == ["reports/FT-SH-03.html", "reports/FT-SH-05.html", "summary.html"]
    for name, html in pages.items():
        page = Page(html)
        assert "script" not in page.tags and "<script" not in html.lower(), name
        assert not {"iframe", "object", "embed", "img", "link"} & set(page.tags), name
        assert not [a for a in page.attrs if a[1].startswith("on")], name  # no event handlers
        assert _remote(page, html) == [], name
        assert "default-src 'none'" in html  # the browser is told so too
        assert "svg" in page.tags, name  # charts drawn inline
    assert "<pre" not in pages["summary.html"]  # every chart the summary template writes is drawn
    summary = Page(pages["summary.html"])
    links = [v for tag, k, v in summary.attrs if tag == "a" and k == "href"]
    # the summary links the pages (in rank order: by life-cycle cost, FT-SH-05 saves more)
    assert links == ["reports/FT-SH-05.html", "reports/FT-SH-03.html"]
    assert ("a", "href", "../summary.html") in Page(pages["reports/FT-SH-03.html"]).attrs


def _options(lang="zh", formats=("md", "html", "docx")):
    return BatchOptions(lang=lang, report_formats=formats, date="2026-11-30", as_of=AS_OF)


def batch_files(paths: list[Path], options: BatchOptions, jobs: int = 1) -> tuple[BatchResult, dict[str, bytes]]:
    """Every file a batch writes, reports (written as they are made) and results, by name."""
    files: dict[str, bytes] = {}

    class Sink:
        def write(self, name: str, data: bytes) -> None:
            files[name] = data

    result = run_batch(paths, options, jobs=jobs, sink=Sink())
    files.update(output_files(result, options))
    return result, files


def test_hostile_text_shows_literally_in_html():
    html = html_of("hostile", "zh")
    page = Page(html)
    assert page.h1 == f"{NAME}近零碳社区自评价报告"
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;|*x*近零碳社区自评价报告</title>" in html
    assert "<script" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    text = "".join(page.text)
    assert LITERAL_ID in text and "1. <b>街道</b> #x & <i>" in text and "[a](http://e) ~~y~~ _z_ `q`" in text
    assert "\x07" not in html
    summary = convert(summary_markdown([hostile()]), "html").decode("utf-8")
    assert "<script" not in summary and "<img" not in summary
    assert f"{NAME}（{LITERAL_ID}）".replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in summary


def test_charts_are_drawn_from_the_report_data():
    a = sample(FAILING)
    context = report_context(a)
    page = Page(html_of("failing", "zh"))
    assert page.tags.count("svg") == 2  # emissions by source, score by category
    markdown = render_assessment(a)
    blocks = re.findall(r"```mermaid\n(.*?)```", markdown, re.S)
    emissions, categories = (parse_mermaid(b) for b in blocks)
    positive = [line for line in context["inventory"]["lines"] if line["tco2e"] > 0]
    assert emissions.labels == [line["label"] for line in positive]
    assert emissions.series == [[round(line["tco2e"], 1) for line in positive]]
    cats = context["evaluation"]["categories"]
    assert categories.labels == [c["label"] for c in cats]
    assert categories.series == [[round(c["available"], 1) for c in cats], [round(c["earned"], 1) for c in cats]]
    svg = svg_chart(blocks[1])
    assert svg.count("<rect") == 2 * len(cats)  # the maximum behind, the points in front
    assert svg_chart("flowchart LR\n  A --> B") is None  # other Mermaid stays code


def test_ranking_chart_draws_the_criteria_sets_grade_lines(tmp_path):
    source = (ROOT / "carbon_cli" / "data" / "criteria" / "sz-nzc-community.toml").read_text(encoding="utf-8")
    own = tmp_path / "strict.toml"
    own.write_text(source.replace("min_score = 85", "min_score = 90").replace("min_score = 60", "min_score = 70"))
    criteria = load_criteria(str(own))
    results = [_assess_with(survey_of(c), criteria) for c in (ELIGIBLE, FAILING)]
    markdown = summary_markdown(results)
    ranking = parse_mermaid(re.findall(r"```mermaid\n(.*?)```", markdown, re.S)[-1])
    assert ranking.lines == [90.0, 70.0]
    assert len(ranking.labels) == 2 and ranking.axis_max == 100
    svg = svg_chart(re.findall(r"```mermaid\n(.*?)```", markdown, re.S)[-1])
    assert svg.count('stroke-dasharray="5 3"') == 2 and ">90</text>" in svg and ">70</text>" in svg


def test_investment_curve_is_drawn_from_the_plan():
    from carbon_cli.outputs.summary import summary_context

    result = run_batch([COMMUNITIES / f"FT-SH-0{i}.xlsx" for i in (2, 3, 4, 5, 8)], BatchOptions(), jobs=1)
    markdown = render_summary(result, BatchOptions())
    chart = parse_mermaid(re.findall(r"```mermaid\n(.*?)```", markdown, re.S)[-1])
    investment = summary_context(result, BatchOptions())["investment"]
    curve = investment["funded_curve"]
    # from the communities already eligible (no money), one more per step, cumulated 万元
    assert chart.labels == [str(investment["ready"])] + [str(p["eligible"]) for p in curve]
    assert chart.series == [[0.0] + [round(p["cumulative_yuan"] / 1e4, 1) for p in curve]]
    assert svg_chart(re.findall(r"```mermaid\n(.*?)```", markdown, re.S)[-1]).count("<rect") == len(curve) + 1


def test_a_varying_line_is_drawn_as_a_line_chart():
    block = 'xychart-beta\n  title "t"\n  x-axis "n" [1, 2, 3]\n  y-axis "万元" 0 --> 50\n  line [0, 12.5, 40]\n'
    chart = parse_mermaid(block)
    assert (chart.labels, chart.curves, chart.x_title, chart.unit) == (["1", "2", "3"], [[0, 12.5, 40]], "n", "万元")
    svg = svg_chart(block)
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3 and ">12.5</text>" in svg
    assert svg_chart(block.replace("line [", "bar [1, 2, 3]\n  line [")) is None  # bars with a curve: not drawn


def _assess_with(survey, criteria):
    from carbon_cli.planning.pathway import with_pathways
    from carbon_cli.scoring.assessment import assess_with_changes

    return with_pathways(assess_with_changes(survey, load_factor_set(), criteria, {}))


# --- Word --------------------------------------------------------------------------------


def docx_of(name: str, lang: str = "zh", template: str | None = None) -> bytes:
    return document(render_assessment(assessment_of(name), lang), template)


def open_docx(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["eligible", "failing"])
def test_word_report_structure(name, lang):
    a = assessment_of(name)
    markdown = render_assessment(a, lang)
    doc = open_docx(docx_of(name, lang))
    styles = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styles[0] == ("Title", f"{a.survey.name}近零碳社区自评价报告" if lang == "zh" else styles[0][1])
    h1 = [t for s, t in styles if s == "Heading 1"]
    assert h1 == re.findall(r"^## (.+)$", markdown, re.M)  # sections as Word headings (a TOC can list them)
    assert [t for s, t in styles if s == "Heading 2"] == re.findall(r"^### (.+)$", markdown, re.M)
    tables = _md_tables(markdown)
    assert len(doc.tables) == len(tables)
    for table, source in zip(doc.tables, tables, strict=True):
        header = [c.strip() for c in source[0].strip().strip("|").split(" | ")]
        assert [c.text for c in table.rows[0].cells] == [h.replace("**", "") for h in header]
        assert table.rows[0]._tr.trPr.find(_w("tblHeader")) is not None  # repeated on every page
        assert table.style.name == "Report Table"
        assert {len(r.cells) for r in table.rows} == {len(header)}
    # the verdict, in the conclusion table
    conclusion = next(t for t in doc.tables if t.rows[0].cells[-1].text in ("结论", "Verdict"))
    verdict = {"eligible": ("符合近零碳社区要求", "eligible"), "not_eligible": ("不符合", "not eligible")}[a.verdict]
    assert conclusion.rows[1].cells[-1].text == verdict[0 if lang == "zh" else 1]
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4 portrait
    footer = section.footer._element.xml
    assert "PAGE" in footer and "fldChar" in footer  # page numbers


def _w(tag):
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


def test_word_template_names_chinese_and_latin_fonts():
    doc = open_docx(docx_of("failing"))

    def fonts(style):
        rfonts = doc.styles[style].element.rPr.find(_w("rFonts"))
        return rfonts.get(_w("eastAsia")), rfonts.get(_w("ascii"))

    assert fonts("Normal") == ("宋体", "Times New Roman")
    assert fonts("Heading 1") == ("黑体", "Arial") and fonts("Title") == ("黑体", "Arial")
    assert fonts("Table Text") == ("宋体", "Times New Roman")


def test_hostile_text_shows_literally_in_word():
    data = docx_of("hostile")
    doc = open_docx(data)  # parses: the bell character and markup did not break the XML
    assert doc.paragraphs[0].text == f"{NAME}近零碳社区自评价报告"
    basics = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert basics["社区名称"] == NAME and basics["社区编码"] == LITERAL_ID
    assert basics["所属街道"] == "1. <b>街道</b> #x & <i>"
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "<script" not in xml and "&lt;script&gt;" in xml and "\x07" not in xml
    summary = open_docx(convert(summary_markdown([hostile()]), "docx"))
    assert any(f"{NAME}（{LITERAL_ID}）" in c.text for t in summary.tables for r in t.rows for c in r.cells)


def test_summary_word_links_the_word_reports():
    data = convert(summary_markdown([sample(ELIGIBLE), sample(FAILING)]), "docx")
    rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels").decode("utf-8")
    assert re.findall(r'Target="(reports/[^"]+)"', rels) == ["reports/FT-SH-02.docx", "reports/FT-SH-05.docx"]
    open_docx(data)


@cache
def sample_summary() -> dict[str, bytes]:
    """The summary of three sample communities (two ready, one that needs five measures), in
    every format."""
    names = ("FT-SH-01.xlsx", "FT-SH-02.xlsx", "FT-SH-08.xlsx")
    files = batch_files([COMMUNITIES / n for n in names], _options())[1]
    return {k: v for k, v in files.items() if k.startswith("summary.")}


def _sections(doc) -> list[tuple[object, list[object]]]:
    """(sectPr, tables in it) of each section of a python-docx document, in order."""
    sections, tables = [], []
    for child in doc.element.body.iterchildren():
        if child.tag == _w("tbl"):
            tables.append(child)
        sect = child if child.tag == _w("sectPr") else child.find(f"{_w('pPr')}/{_w('sectPr')}")
        if sect is not None:
            sections.append((sect, tables))
            tables = []
    return sections


def _landscape(sect) -> bool:
    size = sect.find(_w("pgSz"))
    return size.get(_w("orient")) == "landscape" and int(size.get(_w("w"))) > int(size.get(_w("h")))


def test_summary_word_ranking_is_on_a_landscape_page_and_names_take_two_lines():
    from docx.table import Table

    doc = open_docx(sample_summary()["summary.docx"])
    sections = _sections(doc)
    assert not _landscape(sections[0][0]) and not _landscape(sections[-1][0])  # the document is portrait
    ranking = [
        (sect, tbl) for sect, tables in sections for tbl in tables if Table(tbl, doc).rows[0].cells[0].text == "排名"
    ]
    assert len(ranking) == 1
    sect, tbl = ranking[0]
    assert _landscape(sect)  # the section holding the ranking is turned
    size, margins = sect.find(_w("pgSz")), sect.find(_w("pgMar"))
    text_width = int(size.get(_w("w"))) - int(margins.get(_w("left"))) - int(margins.get(_w("right")))
    grid = [int(g.get(_w("w"))) for g in tbl.find(_w("tblGrid"))]
    assert sum(grid) <= text_width and sum(grid) > 11906 - 2778  # wider than a portrait page's text
    table = Table(tbl, doc)
    name_column = grid[1]
    for row in table.rows[1:]:
        cell = row.cells[1]
        name, code = re.fullmatch(r"(.+?)\n?(（FT-SH-\d\d）)", cell.text).groups()
        # the code is whole on one line: the cell breaks before it, or the column holds it all
        breaks = cell._tc.findall(f".//{_w('br')}")
        one_line = 94 * (len(name) * 2 + 12) + 190  # twips at 8 pt, as the writer counts them
        assert breaks or name_column >= one_line
        assert name_column >= 94 * 12 + 190  # （FT-SH-08） fits the column: two lines at most
        assert "\n" not in code


def test_word_report_keeps_a_short_wide_table_on_the_portrait_page():
    """A report's cost table of ten columns and a few rows is set in 7 pt with narrow cell margins
    on the portrait page, not on a landscape page of its own; no empty paragraph after a table
    unless another table follows it."""
    from docx.table import Table

    doc = open_docx(docx_of("failing"))
    sections = _sections(doc)
    assert len(sections) == 1 and not _landscape(sections[0][0])  # one portrait section
    cost = next(t for t in sections[0][1] if Table(t, doc).rows[0].cells[1].text == "投资")
    assert len(Table(cost, doc).columns) == 10 and len(Table(cost, doc).rows) <= 9
    grid = [int(g.get(_w("w"))) for g in cost.find(_w("tblGrid"))]
    assert sum(grid) <= 11906 - 1417 - 1361  # within the portrait page's margins
    assert cost.find(f"{_w('tblPr')}/{_w('tblCellMar')}/{_w('left')}").get(_w("w")) == "57"
    assert {s.get(_w("val")) for s in cost.iter(_w("sz"))} == {"14"}  # 7 pt
    body = list(doc.element.body.iterchildren())
    for i, child in enumerate(body[:-1]):
        following = body[i + 1]
        if child.tag == _w("tbl") and following.tag == _w("p") and not following.xpath("string(.)"):
            assert body[i + 2].tag == _w("tbl")  # the empty paragraph Word needs between two tables
    # the paragraph after the cost table is spaced from it instead
    after = body[body.index(cost) + 1]
    assert after.tag == _w("p") and after.find(f"{_w('pPr')}/{_w('spacing')}").get(_w("before")) == "160"


def test_summary_page_keeps_codes_whole_and_prints_the_ranking_landscape():
    page = sample_summary()["summary.html"].decode("utf-8")
    assert '<td data-label="社区">沁禾社区<span class="nw">（FT-SH-02）</span></td>' in page
    assert ".nw { white-space: nowrap; }" in page
    assert "@page wide { size: A4 landscape; }" in page
    assert ".table-wrap.wide, h2.wide, h3.wide, p.wide { page: wide; }" in page
    # the heading and the paragraph that explains the order go to the landscape page with the table
    ranking = page[page.index('<h2 class="wide">二、社区排名') :]
    assert (
        ranking.index('<p class="wide">排序：') < ranking.index('<div class="table-wrap wide">') < ranking.index("<th")
    )
    assert page.count('<h2 class="wide">') == 1 and page.count('<h3 class="wide">') == 1  # and the cost curve


def test_outputs_are_byte_identical_across_runs():
    a = sample(FAILING)
    first = report_documents(a, ["md", "html", "docx"])
    assert report_documents(a, ["md", "html", "docx"]) == first
    names = [i.filename for i in zipfile.ZipFile(io.BytesIO(first["docx"])).infolist()]
    infos = zipfile.ZipFile(io.BytesIO(first["docx"])).infolist()
    assert names[0] == "[Content_Types].xml" and {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.slow
def test_batch_writes_every_format_the_same_whatever_the_jobs():
    paths = [COMMUNITIES / f"FT-SH-0{i}.xlsx" for i in (2, 3, 5)]
    options = _options()
    serial = batch_files(paths, options, jobs=1)[1]
    parallel = batch_files(paths, options, jobs=2)[1]
    assert serial == parallel
    assert {"summary.md", "summary.html", "summary.docx", "reports/FT-SH-05.docx", "reports/FT-SH-05.html"} <= set(
        serial
    )


def test_builtin_word_template_is_made_by_its_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_docx_template", ROOT / "templates" / "make_docx_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == (ROOT / "templates" / "report.docx").read_bytes()


def test_users_word_template_gives_the_look(tmp_path):
    import docx

    own = docx.Document(str(ROOT / "templates" / "report.docx"))
    own.sections[0].header.paragraphs[0].text = "示范区住房和建设局"
    own.styles["Normal"].font.size = docx.shared.Pt(12)
    path = tmp_path / "bureau.docx"
    own.save(str(path))
    doc = open_docx(docx_of("failing", template=str(path)))
    assert doc.sections[0].header.paragraphs[0].text == "示范区住房和建设局"
    assert doc.styles["Normal"].font.size == docx.shared.Pt(12)
    assert "样式模板" not in "".join(p.text for p in doc.paragraphs)  # the sample body is replaced
    assert doc.paragraphs[0].text == "棠晖社区近零碳社区自评价报告"


@pytest.mark.parametrize("content", [b"not a zip", b""])
def test_a_word_template_that_is_not_one_is_an_error(tmp_path, content):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(CarbonError) as err:
        document("# x\n", str(path))
    assert err.value.code == "bad_template" and "bad.docx" in str(err.value.params)


# --- the command line ----------------------------------------------------------------------


def test_assess_writes_web_page_and_word_document(tmp_path):
    from carbon_cli.cli.app import app

    runner = CliRunner()
    survey = str(COMMUNITIES / "FT-SH-05.xlsx")
    for fmt in ("html", "docx"):
        out = tmp_path / f"r.{fmt}"
        result = runner.invoke(app, ["assess", survey, "--format", fmt, "-o", str(out), "--as-of", AS_OF])
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == report_documents(sample(FAILING), [fmt], as_of=AS_OF)[fmt]
    result = runner.invoke(app, ["assess", survey, "--format", "docx"])
    assert result.exit_code == 2 and "FILE.docx" in result.output


def test_batch_report_formats(tmp_path):
    from carbon_cli.cli.app import app

    runner = CliRunner()
    out = tmp_path / "out"
    args = ["batch", str(COMMUNITIES / "FT-SH-03.xlsx"), "-o", str(out), "-q", "--jobs", "1"]
    result = runner.invoke(app, [*args, "--report-format", "html,docx"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")) == [
        "FT-SH-03.docx",
        "FT-SH-03.html",
        "results.csv",
        "results.json",
        "results.xlsx",
        "summary.docx",
        "summary.html",
    ]
    result = runner.invoke(app, [*args[:3], str(tmp_path / "o2"), "-q", "--report-format", "md,pdf"])
    assert getattr(result.exception, "code", None) == "report_format_pdf"  # worded in tests/test_mistakes.py


# --- what a browser and a word processor make of them ----------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_chromium_draws_the_community_page_and_the_summary(tmp_path):
    for name, data in batch_files([COMMUNITIES / "FT-SH-05.xlsx", COMMUNITIES / "FT-SH-02.xlsx"], _options())[
        1
    ].items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    for page, width in (("reports/FT-SH-05.html", 1200), ("summary.html", 1200), ("summary.html", 390)):
        png = tmp_path / f"{Path(page).stem}-{width}.png"
        _screenshot(tmp_path / page, png, width, 1600, tmp_path)
        assert _png_size(png) == (width, 1600)
        assert png.stat().st_size > 40_000  # text, tables and a chart, not a blank page


@pytest.mark.slow
@pytest.mark.skipif(not WRITER, reason="LibreOffice Writer is not installed (.ci/run installs it)")
def test_libreoffice_converts_the_word_report_to_a4_pdf(tmp_path):
    (tmp_path / "report.docx").write_bytes(docx_of("failing"))
    save_as(tmp_path / "report.docx", "pdf", tmp_path)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        # A4 portrait throughout: the measures' cost table (ten columns, five rows) fits the page
        pages = _pdf_pages(tmp_path / "report.pdf")
        assert set(pages) == {"P"}, pages
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "棠晖社区近零碳社区自评价报告" in text and "不符合" in text
        assert re.search(r"—\s*2\s*—", text)  # page numbers


# --- results.xlsx for people -----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_results_workbook_reads_for_people_and_keeps_the_keys(lang):
    from openpyxl import load_workbook

    options = BatchOptions(lang=lang)
    result = run_batch([COMMUNITIES / "FT-SH-02.xlsx", COMMUNITIES / "FT-SH-05.xlsx"], options, jobs=1)
    book = load_workbook(io.BytesIO(output_files(result, options)["results.xlsx"]))
    people, keys = book.worksheets[0], book["results"]
    assert book.sheetnames == (
        ["评价结果", "未能评估", "results", "failures"]
        if lang == "zh"
        else ["Assessment", "Not assessed", "results", "failures"]
    )
    header = [c.value for c in people[1]]
    row = dict(zip(header, [c for c in people[2]], strict=True))
    key_row = dict(zip([c.value for c in keys[1]], [c.value for c in keys[2]], strict=True))
    if lang == "zh":
        assert header[:3] == ["排名", "社区编码", "社区名称"] and "人均排放（tCO2e/人·年）" in header
        shown = {k: row[k].value for k in ("等级", "结论", "可行性（达到通过）")}
        assert shown == {"等级": "通过", "结论": "符合近零碳社区要求", "可行性（达到通过）": "现已符合"}
        score, per_capita, net, report = (
            row["得分"],
            row["人均排放（tCO2e/人·年）"],
            row["净排放（tCO2e/年）"],
            row["报告"],
        )
    else:
        assert header[:3] == ["Rank", "Community ID", "Community"]
        assert (row["Grade"].value, row["Verdict"].value, row["Feasibility (pass)"].value) == (
            "Pass",  # the criteria set's own name of the grade
            "eligible",
            "ready now",
        )
        score, per_capita, net, report = (
            row["Score"],
            row["Per capita (tCO2e/person/yr)"],
            row["Net emissions (tCO2e/yr)"],
            row["Report"],
        )
    # numbers stay unrounded (sorting and sums are exact), shown to the decimals that mean something
    assert score.value == key_row["score"] and score.number_format == "0.0"
    assert per_capita.value == key_row["per_capita_tco2e"] and per_capita.number_format == "0.00"
    assert net.number_format == "#,##0.0"
    assert report.hyperlink.target == report.value == "reports/FT-SH-02.md"  # a working link
    from openpyxl.utils import get_column_letter

    from carbon_cli.outputs.district import RESULT_COLUMNS

    assert people.auto_filter.ref == f"A1:{get_column_letter(len(RESULT_COLUMNS))}3" and people.freeze_panes == "D2"
    assert people.column_dimensions["C"].width >= 10  # a Chinese name fits
    assert (key_row["grade"], key_row["verdict"], key_row["feasibility"]) == ("pass", "eligible", "ready")
    # a yes/no in words for people (LibreOffice prints a bare false as 0), a boolean for scripts
    robust = row["结论稳健" if lang == "zh" else "Verdict robust"].value
    assert (
        isinstance(key_row["robust"], bool)
        and robust == {True: ("是", "yes"), False: ("否", "no")}[key_row["robust"]][lang != "zh"]
    )


def test_results_workbook_prints_in_a_few_pages():
    """The people's sheet prints two pages wide (rank, ID and name and the header on each), its
    long texts wrapped in narrow columns, each row as tall as its text; the two sheets for scripts
    on a page each, their data whole."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from carbon_cli.outputs.export import PEOPLE_WRAP

    options = BatchOptions()
    result = run_batch([COMMUNITIES / "FT-SH-02.xlsx", COMMUNITIES / "FT-SH-08.xlsx"], options, jobs=1)
    book = load_workbook(io.BytesIO(output_files(result, options)["results.xlsx"]))
    people, failures, keys = book.worksheets[0], book.worksheets[1], book["results"]
    setup = people.page_setup
    assert people.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) == (2, 0)
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)
    assert people.print_title_rows == "$1:$1" and people.print_title_cols == "$A:$C" and people.freeze_panes == "D2"
    header = {c.value: c.column for c in people[1]}
    for title in ("路径措施名称", "主要差距（可多得分）", "调研表"):
        letter = get_column_letter(header[title])
        assert people.column_dimensions[letter].width <= PEOPLE_WRAP + 3  # narrow, the text wrapped
        cell = people[f"{letter}3"]  # FT-SH-08: five measures, gaps, a long path
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
        assert len(cell.value) > PEOPLE_WRAP  # the text itself is whole
    assert people.row_dimensions[3].height >= 3 * 15  # tall enough for its wrapped text

    def fit(sheet) -> tuple[int, int]:  # pages wide and tall (1 when not written: the default)
        setup = sheet.page_setup
        return (
            1 if setup.fitToWidth is None else setup.fitToWidth,
            1 if setup.fitToHeight is None else setup.fitToHeight,
        )

    assert failures.sheet_properties.pageSetUpPr.fitToPage and fit(failures) == (1, 0)
    for sheet in (keys, book["failures"]):
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and fit(sheet) == (1, 1)
    # the scripts' sheet keeps its values unwrapped and whole
    key_header = [c.value for c in keys[1]]
    assert keys.cell(3, key_header.index("top_gaps") + 1).value == people.cell(3, header["主要差距（可多得分）"]).value
    assert not keys.cell(3, key_header.index("top_gaps") + 1).alignment.wrap_text


@pytest.mark.slow
@pytest.mark.skipif(not WRITER or not shutil.which("pdfinfo"), reason="LibreOffice or poppler missing")
def test_libreoffice_prints_the_results_workbook_in_a_few_pages(tmp_path):
    options = BatchOptions()
    result = run_batch(sorted(COMMUNITIES.glob("FT-SH-*.xlsx")), options, jobs=1)
    (tmp_path / "results.xlsx").write_bytes(output_files(result, options)["results.xlsx"])
    save_as(tmp_path / "results.xlsx", "pdf", tmp_path)
    pages = _pdf_pages(tmp_path / "results.pdf")
    # 13 communities: the people's sheet on 4 pages (2 wide), the failures' and the scripts' two
    # on one each (15 pages before, the people's sheet on 8 of them)
    assert set(pages) == {"L"} and len(pages) <= 8, pages


def _pdf_pages(pdf: Path) -> list[str]:
    """'L' (A4 landscape) or 'P' (A4 portrait) for each page, by pdfinfo; anything else as its size."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True)
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info.stdout, re.M)
    a4 = {(595, 842): "P", (842, 595): "L"}
    return [a4.get((round(float(w)), round(float(h))), f"{w}x{h}") for w, h in sizes]


@pytest.mark.slow
@pytest.mark.skipif(not WRITER or not shutil.which("pdfinfo"), reason="LibreOffice Writer or poppler missing")
def test_libreoffice_prints_the_summary_ranking_landscape_with_codes_whole(tmp_path):
    (tmp_path / "summary.docx").write_bytes(sample_summary()["summary.docx"])
    save_as(tmp_path / "summary.docx", "pdf", tmp_path)
    pages = _pdf_pages(tmp_path / "summary.pdf")
    assert set(pages) == {"P", "L"} and pages[0] == pages[-1] == "P"
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "summary.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    ranking = text[text.index("二、社区排名") :]
    for code in ("（FT-SH-01）", "（FT-SH-02）", "（FT-SH-08）"):
        assert code in ranking  # never "（FT-SH-" and "08）" on two lines


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None or not shutil.which("pdfinfo"), reason="Chromium or poppler missing")
def test_chromium_prints_the_summary_ranking_landscape_with_codes_whole(tmp_path):
    (tmp_path / "summary.html").write_bytes(sample_summary()["summary.html"])
    pdf = tmp_path / "summary.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            (tmp_path / "summary.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = _pdf_pages(pdf)
    assert set(pages) == {"P", "L"} and pages[0] == "P"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for code in ("（FT-SH-01）", "（FT-SH-02）", "（FT-SH-08）"):
        assert code in text
