"""The tracking report: the same sections as the terminal view (monitoring/view.py) in Markdown,
with three charts per pilot as Mermaid blocks (score by year with the criteria set's grade lines,
net emissions by year, measures done by year; planned behind, surveyed in front). The web page
and the Word document are made from this Markdown by outputs/documents.py, as every report is:
the page draws the charts as inline SVG, the Word document as Word charts (each block is marked
`%% docx`: outputs/docx_charts.py), their figures in the tables too.
"""

from __future__ import annotations

from typing import Any

from carbon_cli.core.i18n import term
from carbon_cli.monitoring.tracking import Tracking
from carbon_cli.monitoring.view import (
    Section,
    district_sections,
    headline,
    not_found_line,
    rules_section,
    sections,
    t,
)
from carbon_cli.outputs.docx_charts import MARK
from carbon_cli.outputs.report import md, mq


def _cell(text: str, lang: str) -> str:
    """A table cell: lines joined as a list is in running text (raw HTML such as <br> is not
    passed through by the web page and the Word document)."""
    return ("；" if lang == "zh" else "; ").join(md(part) for part in text.split("\n")) or "—"


def _table(section: Section, lang: str) -> list[str]:
    lines = [f"### {md(section.title)}", ""]
    if section.rows:
        lines.append("| " + " | ".join(md(h) or " " for h in section.headers) + " |")
        lines.append("|" + "---|" * len(section.headers))
        lines.extend("| " + " | ".join(_cell(c, lang) for c in row) + " |" for row in section.rows)
    else:
        lines.append("—")
    lines.append("")
    for note in section.notes:
        lines.extend([md(note), ""])
    return lines


def _series(values: list[float], digits: int = 1) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def charts(tracking: Tracking, lang: str) -> list[str]:
    """Mermaid blocks: score (planned, surveyed; grade lines), net emissions, measures done."""
    years = [y for y in tracking.years if y.expected is not None] or list(tracking.years)
    if not years:
        return []
    labels = "[" + ", ".join(mq(str(y.year)) for y in years) + "]"
    planned = [y.expected.score if y.expected else y.assessment.score for y in years]
    surveyed = [y.assessment.score for y in years]
    bands = sorted({g.min_score for g in years[-1].assessment.criteria.grades if g.min_score > 0})
    out = [
        "```mermaid",
        "xychart-beta",
        f"    {MARK}",
        f"    title {mq(t(lang, '得分：计划（浅色）与实际', 'Score: planned (light) and surveyed'))}",
        f"    x-axis {labels}",
        f"    y-axis {mq(t(lang, '分', 'points'))} 0 --> 100",
        f"    bar {_series(planned)}",
        f"    bar {_series(surveyed)}",
        *(f"    line {_series([b] * len(years), 0)}" for b in bands),
        "```",
        "",
    ]
    net_planned = [y.expected.net_tco2e if y.expected else y.assessment.inventory.net_tco2e for y in years]
    net = [y.assessment.inventory.net_tco2e for y in years]
    top = max([*net_planned, *net, 1.0])
    out += [
        "```mermaid",
        "xychart-beta",
        f"    {MARK}",
        f"    title {mq(t(lang, '净排放：计划（浅色）与实际', 'Net emissions: planned (light) and surveyed'))}",
        f"    x-axis {labels}",
        f"    y-axis {mq('tCO2e')} 0 --> {int(top * 1.1) + 1}",
        f"    bar {_series(net_planned, 0)}",
        f"    bar {_series(net, 0)}",
        "```",
        "",
    ]
    total = len(tracking.plan.measures)
    if total:
        done = [float(sum(1 for m in y.measures if m.status == "done")) for y in years]
        out += [
            "```mermaid",
            "xychart-beta",
            f"    {MARK}",
            f"    title {mq(t(lang, f'已完成措施（共 {total} 项）', f'Measures done (of {total})'))}",
            f"    x-axis {labels}",
            f"    y-axis {mq(t(lang, '项', 'measures'))} 0 --> {total}",
            f"    bar {_series([float(total)] * len(years), 0)}",
            f"    bar {_series(done, 0)}",
            "```",
            "",
        ]
    return out


def community_chapter(tracking: Tracking, lang: str = "zh") -> str:
    """A pilot's progress by year as the last chapter of its community report (a batch with
    --plans): the headline, the three charts (SVG in the web page, Word charts in the Word
    document), the measures and the years."""
    head = headline(tracking, lang)
    lines = [f"## {md(term('tracking.chapter', lang))}", "", *(f"- {md(line)}" for line in head), ""]
    found = sections(tracking, lang, rules=False)
    lines.extend(charts(tracking, lang))
    for section in found:
        lines.extend(_table(section, lang))
    return "\n".join(lines).rstrip() + "\n"


def render_tracking(
    results: list[Tracking | tuple[Any, str]], lang: str = "zh", district: Any = None, chart: bool = True
) -> str:
    """Every tracked pilot, one chapter each (after the district's view, when given); plans
    whose community has no survey are listed."""
    lines = [t(lang, "# 近零碳社区试点年度跟踪", "# Near-zero-carbon pilots: progress by year"), ""]
    if district is not None:
        lines.extend([t(lang, "## 全区概览", "## The district"), ""])
        for section in district_sections(district, lang):
            lines.extend(_table(section, lang))
    for result in results:
        if not isinstance(result, Tracking):
            lines.extend([f"- {md(not_found_line(result[0], lang))}", ""])
            continue
        head = headline(result, lang)
        lines.extend([f"## {md(head[0])}", ""])
        lines.extend(f"- {md(line)}" for line in head[1:])
        lines.append("")
        all_sections = sections(result, lang, rules=False)
        lines.extend(_table(all_sections[0], lang))
        lines.extend(_table(all_sections[1], lang))
        if chart:
            lines.extend(charts(result, lang))
        for section in all_sections[2:]:
            lines.extend(_table(section, lang))
    last = next((r for r in results if isinstance(r, Tracking)), None)
    if last is not None:
        lines.extend(_table(rules_section(last, lang), lang))
    return "\n".join(lines).rstrip() + "\n"
