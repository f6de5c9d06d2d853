"""The tracking report in Markdown: the same sections as the terminal view (monitoring/view.py)."""

from __future__ import annotations

from typing import Any

from carbon_cli.monitoring.tracking import Tracking
from carbon_cli.monitoring.view import Section, headline, not_found_line, sections, t


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _table(section: Section) -> list[str]:
    lines = [f"### {section.title}", ""]
    if section.rows:
        lines.append("| " + " | ".join(_cell(h) for h in section.headers) + " |")
        lines.append("|" + "---|" * len(section.headers))
        lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in section.rows)
    else:
        lines.append("—")
    lines.extend(["", *(f"{note}" for note in section.notes)])
    if section.notes:
        lines.append("")
    return lines


def render_tracking(results: list[Tracking | tuple[Any, str]], lang: str = "zh") -> str:
    """Every tracked pilot, one chapter each; plans whose community has no survey are listed."""
    lines = [t(lang, "# 近零碳社区试点年度跟踪", "# Near-zero-carbon pilots: progress by year"), ""]
    for result in results:
        if not isinstance(result, Tracking):
            lines.extend([f"- {not_found_line(result[0], lang)}", ""])
            continue
        head = headline(result, lang)
        lines.extend([f"## {head[0]}", ""])
        lines.extend(f"- {line}" for line in head[1:])
        lines.append("")
        for section in sections(result, lang, rules=False):
            lines.extend(_table(section))
    last = next((r for r in results if isinstance(r, Tracking)), None)
    if last is not None:
        from carbon_cli.monitoring.view import rules_section

        lines.extend(_table(rules_section(last, lang)))
    return "\n".join(lines).rstrip() + "\n"
