"""A report as one self-contained web page: the Markdown report turned into HTML, its charts
drawn as inline SVG, a stylesheet for screen, phone and A4 print. No script, no web font, no
network resource (a Content-Security-Policy says so to the browser too).

Text from workbooks arrives escaped for Markdown; the parser reads it back as literal text and
the HTML renderer escapes it again for HTML, so a community named `<script>…` stays text.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from typing import TYPE_CHECKING, Any

from carbon_cli.core.i18n import display_width
from carbon_cli.outputs import markdown
from carbon_cli.outputs.charts import svg_chart
from carbon_cli.outputs.markdown import plain, retarget

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

CSS = """
@page { size: A4 portrait; margin: 18mm 16mm 18mm 16mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; } }
:root { --ink: #1a1a1a; --rule: #b9c4c6; --accent: #1f6f78; --soft: #eef4f4; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: #eceff0; color: var(--ink); line-height: 1.7; font-size: 15px;
  font-family: "Times New Roman", "Songti SC", SimSun, "宋体", "Noto Serif CJK SC", "Source Han Serif SC", serif; }
main { max-width: 980px; margin: 0 auto; padding: 28px 48px 48px; background: #fff; box-sizing: border-box; }
nav { max-width: 980px; margin: 0 auto; padding: 8px 48px; box-sizing: border-box; font-size: 14px; }
h1, h2, h3, h4, th, nav, .chart-note { font-family: Arial, "Heiti SC", SimHei, "黑体", "Noto Sans CJK SC",
  "Source Han Sans SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 24px; text-align: center; margin: 0.6em 0 0.8em; line-height: 1.4; }
h2 { font-size: 19px; margin: 1.8em 0 0.6em; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 16px; margin: 1.4em 0 0.5em; }
p, ul, ol { margin: 0.5em 0; }
a { color: var(--accent); }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 0.9em; background: var(--soft);
  padding: 0 3px; }
blockquote { margin: 1em 0; padding: 0.6em 1em; border-left: 4px solid var(--accent); background: var(--soft); }
blockquote p { margin: 0.3em 0; }
.table-wrap { overflow-x: auto; margin: 0.6em 0 1em; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; line-height: 1.5; }
th, td { border: 1px solid var(--rule); padding: 4px 7px; vertical-align: top; }
th { background: #e3eced; font-weight: bold; text-align: left; }
td[style*="right"], th[style*="right"] { font-variant-numeric: tabular-nums; }
.nw { white-space: nowrap; }
@media print, (min-width: 701px) { td.long { min-width: 9em; } }
svg.chart { display: block; width: 100%; max-width: 820px; height: auto; margin: 0.8em auto 1.2em; }
pre { white-space: pre-wrap; background: var(--soft); padding: 0.6em; font-size: 12px; }
@media (max-width: 700px) {
  body { font-size: 15px; background: #fff; }
  main, nav { padding: 12px 14px; }
  h1 { font-size: 20px; }
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%;
    box-sizing: border-box; }
  table.stack tr { border: 1px solid var(--rule); margin: 0 0 10px; }
  table.stack td { border: none; border-bottom: 1px solid #e6eaeb; text-align: left !important;
    display: grid; grid-template-columns: 38% 1fr; gap: 8px; padding: 4px 8px; white-space: normal; }
  table.stack td::before { content: attr(data-label); font-weight: bold; color: #444;
    font-family: SimHei, "Noto Sans CJK SC", sans-serif; }
}
@media print {
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  .table-wrap { overflow: visible; }
  table { font-size: 9pt; }
  thead { display: table-header-group; }
  tr, svg.chart, blockquote { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  h2 { break-before: auto; }
  .table-wrap.wide, h2.wide, h3.wide, p.wide { page: wide; }
}
@page wide { size: A4 landscape; }
"""

# Only the page itself: inline styles, inline SVG; nothing fetched, nothing run.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


# The code in brackets after a name, 社区（FT-SH-04）: kept on one line (a browser would break it
# at a hyphen); the line breaks before it if it must.
_CODE = re.compile(r"（[!-;=?-~]+）")  # printable ASCII but < and >: FT-SH-04, or escaped as &amp;


WIDE = 10  # a table of this many columns is printed on a landscape page
LONG = 24  # a cell of this many columns (a list of measures) is not squeezed to a few characters


def _short(cell: Any, text: str) -> None:
    """A short cell (a number, a key, a two-word label) is kept on one line; a long one keeps
    some width."""
    if display_width(text) <= 10:
        cell.attrSet("class", "nw")
    elif display_width(text) >= LONG:
        cell.attrSet("class", "long")


def _label_cells(tokens: list[Any]) -> None:
    """Give every body cell its column's header as `data-label` (phones show it beside the value),
    and mark wide tables to be stacked on narrow screens."""
    headers: list[str] = []
    col = start = 0
    table = None
    in_head = False
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            headers, table, start = [], tok, i
        elif tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
            if table is not None and len(headers) >= 4:
                table.attrSet("class", "stack wide" if len(headers) >= WIDE else "stack")
                if len(headers) >= WIDE:
                    _lead_in(tokens, start)
        elif tok.type == "tr_open":
            col = 0
        elif tok.type == "th_open" and in_head:
            headers.append(plain(tokens[i + 1]))
            _short(tok, headers[-1])
        elif tok.type == "td_open":
            if col < len(headers) and headers[col]:
                tok.attrSet("data-label", headers[col])
            _short(tok, plain(tokens[i + 1]))
            col += 1


def _lead_in(tokens: list[Any], table: int) -> None:
    """The heading and paragraphs just before a wide table (no other block between) printed on
    its landscape page, not left at the foot of the page before."""
    i = table - 1
    while i >= 0 and tokens[i].level == 0 and tokens[i].type in ("paragraph_close", "heading_close"):
        opening = next(j for j in range(i - 1, -1, -1) if tokens[j].level == 0)
        tokens[opening].attrSet("class", "wide")
        if tokens[opening].type == "heading_open":
            break
        i = opening - 1


def _links(tokens: list[Any], link_ext: str | None) -> None:
    """Links between the batch's own Markdown files point to the same files in this format."""
    for tok in tokens:
        for child in tok.children or ():
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if link_ext and not re.match(r"[a-z][a-z0-9+.-]*:", href, re.I):
                    child.attrSet("href", retarget(href, link_ext.lstrip(".")))


@cache
def _renderer() -> RendererHTML:
    from markdown_it.common.utils import escapeHtml
    from markdown_it.renderer import RendererHTML

    class Page(RendererHTML):
        """CommonMark's HTML, with charts drawn as SVG and tables that scroll on their own."""

        def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
            tok = tokens[idx]
            svg = svg_chart(tok.content) if tok.info.strip() == "mermaid" else None
            return svg + "\n" if svg else f"<pre><code>{escape(tok.content)}</code></pre>\n"

        def text(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
            return _CODE.sub(r'<span class="nw">\g<0></span>', escapeHtml(tokens[idx].content))

        def table_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
            wide = "wide" in str(tokens[idx].attrGet("class") or "").split()
            return f'<div class="table-wrap{" wide" if wide else ""}">' + self.renderToken(tokens, idx, options, env)

        def table_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
            return self.renderToken(tokens, idx, options, env) + "</div>\n"

    return Page(markdown.parser())


def body_html(tokens: list[Any], link_ext: str | None = ".html") -> str:
    """The HTML of the parsed Markdown `tokens`, charts as SVG."""
    _label_cells(tokens)
    _links(tokens, link_ext)
    return _renderer().render(tokens, markdown.parser().options, {})


def page(
    text: str,
    lang: str = "zh",
    home: str | None = None,
    link_ext: str | None = ".html",
    tokens: list[Any] | None = None,
) -> bytes:
    """The page of the Markdown `text` (or its `tokens`, parsed already). `home`: a link back
    to the district summary (a batch's community pages)."""
    tokens = markdown.parse(text) if tokens is None else tokens
    title = markdown.title(tokens)
    body = body_html(tokens, link_ext)
    nav = ""
    if home:
        back = "← 返回汇总报告" if lang == "zh" else "← District summary"
        nav = f'<nav><a href="{escape(home)}">{back}</a></nav>\n'
    html = (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="carbon-cli">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{nav}<main>\n{body}</main>\n"
        "</body>\n</html>\n"
    )
    return html.encode("utf-8")
