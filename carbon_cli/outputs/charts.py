"""Charts as inline SVG, drawn from the chart blocks of the Markdown reports.

The Markdown templates describe every chart once, as a Mermaid block (a `pie` of emissions by
source, an `xychart-beta` of scores); a Markdown viewer draws those itself. For pages that must
work offline and in print, `svg_chart` reads the same block and draws it here: no script, no font
file, no network. Only the subset the templates write is read; anything else returns None and is
shown as code.

Bars are drawn horizontally (labels in Chinese stay readable on a phone and in print):
- `pie`: one bar per slice, with its value and share;
- `xychart-beta` with `bar` series: one row per x-axis label; the first `bar` series is drawn as
  the light background ("available", "maximum") when there are two, the last in front; a `line`
  series with one value throughout (a grade line taken from the criteria set) is drawn as a
  dashed vertical line labelled with its value;
- `xychart-beta` with `line` series that vary and no `bar` (the district's investment curve): a
  line chart over the x-axis labels, each point marked with its value.
To add a chart, emit another block in the templates; to add a kind of chart, add a parser and a
drawing function here and a branch in `svg_chart`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html import escape

from carbon_cli.core.i18n import display_width

# Print-friendly colours that survive greyscale: dark teal in front, light grey behind.
FRONT = "#1f6f78"
BACK = "#d9e2e4"
LINE = "#b03a2e"
TEXT = "#222"
FONT = "font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',SimHei,sans-serif"

ROW = 22  # px per bar row
PAD = 8


@dataclass
class Chart:
    """A chart of values over labels: bars (one row per label, series drawn back to front, with
    reference lines) or, with `curves` and no bars, lines over the labels."""

    title: str = ""
    labels: list[str] = field(default_factory=list)
    series: list[list[float]] = field(default_factory=list)  # bars, back to front
    lines: list[float] = field(default_factory=list)  # reference lines (grade lines)
    curves: list[list[float]] = field(default_factory=list)  # line series that vary
    axis_max: float | None = None
    unit: str = ""  # the value axis's title
    x_title: str = ""
    shares: bool = False  # show each bar's share of the total (a pie's slices)


_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _list(text: str) -> list[str]:
    inner = text[text.find("[") + 1 : text.rfind("]")]
    quoted = _QUOTED.findall(inner)
    return quoted if quoted else [x.strip() for x in inner.split(",") if x.strip()]


def _numbers(text: str) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text[text.find("[") + 1 : text.rfind("]")])]


def parse_mermaid(source: str) -> Chart | None:
    """The chart a Mermaid block describes, if it is a kind the templates write."""
    lines = [line.strip() for line in source.strip().splitlines() if line.strip() and not line.strip().startswith("%%")]
    if not lines:
        return None
    head = lines[0].split()
    chart = Chart()
    if head[0] == "pie":
        chart.shares = True
        values: list[float] = []
        rest = lines[1:]
        if len(head) > 2 and head[1] == "title":  # "pie title X"
            chart.title = " ".join(head[2:])
        for line in rest:
            if line.startswith("title "):
                chart.title = line[6:].strip()
            elif m := re.fullmatch(r'"((?:[^"\\]|\\.)*)"\s*:\s*(-?\d+(?:\.\d+)?)', line):
                chart.labels.append(m[1])
                values.append(float(m[2]))
        chart.series = [values]
        return chart if chart.labels else None
    if head[0] == "xychart-beta":
        for line in lines[1:]:
            word = line.split(maxsplit=1)[0]
            if word == "title":
                m = _QUOTED.search(line)
                chart.title = m[1] if m else line[6:].strip()
            elif word == "x-axis":
                chart.labels = _list(line)
                before = line[: line.find("[")] if "[" in line else line
                title = _QUOTED.search(before)
                chart.x_title = title[1] if title else ""
            elif word == "y-axis":
                m = re.search(r"(-?\d+(?:\.\d+)?)\s*-->\s*(-?\d+(?:\.\d+)?)", line)
                if m:
                    chart.axis_max = float(m[2])
                label = _QUOTED.search(line)
                chart.unit = label[1] if label else ""
            elif word == "bar":
                chart.series.append(_numbers(line))
            elif word == "line":
                values = _numbers(line)
                if values and len(set(values)) == 1:
                    chart.lines.append(values[0])
                elif values:
                    chart.curves.append(values)
        n = len(chart.labels)
        if chart.curves and (chart.series or any(len(c) != n for c in chart.curves)):
            return None  # bars with a varying line: a kind of chart not drawn yet
        if n and (chart.series or chart.curves) and all(len(s) == n for s in chart.series):
            return chart
    return None


def _opening(chart: Chart, width: float, height: float, font_px: float) -> list[str]:
    """A chart's <svg> element opened, with its title."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="{FONT};font-size:{font_px}px" aria-label="{escape(chart.title)}">'
    ]
    if chart.title:
        out.append(
            f'<text x="{width / 2:.1f}" y="17" text-anchor="middle" font-weight="bold" fill="{TEXT}">'
            f"{escape(chart.title)}</text>"
        )
    return out


def _width(text: str) -> float:
    """Rough width of `text` in em: CJK and full-width characters are one, others about half."""
    return display_width(text) / 2


def _clip(text: str, em: float) -> str:
    if _width(text) <= em:
        return text
    out = ""
    for c in text:
        if _width(out + c) > em - 1:
            break
        out += c
    return out + "…"


def _fmt(value: float) -> str:
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def _ticks(top: float) -> list[float]:
    """Round tick values from 0 to `top`, three to six of them."""
    if top <= 0:
        return [0.0]
    step = 10 ** math.floor(math.log10(top)) / 10
    for f in (1, 2, 5, 10, 20, 50):
        if top / (step * f) <= 6:
            step *= f
            break
    return [i * step for i in range(int(top / step + 1e-9) + 1)]


def draw_line(chart: Chart, font_px: int = 12) -> str:
    """A line chart: the curves over the x-axis labels, every point marked with its value."""
    top_value = max([v for c in chart.curves for v in c] + [0.0])
    axis_max = chart.axis_max if chart.axis_max and chart.axis_max >= top_value else top_value
    ticks = _ticks(axis_max or 1.0)
    axis_max = max(ticks[-1], axis_max) or 1.0
    n = len(chart.labels)
    left = PAD + max(display_width(_fmt(t)) for t in ticks) * font_px * 0.55 + 6
    plot_w, plot_h = 600.0, 240.0
    top = (28 if chart.title else 8) + (18 if chart.unit else 0)
    width = left + plot_w + 30
    height = top + plot_h + 24 + (20 if chart.x_title else 0)
    step = plot_w / max(1, n)

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - max(0.0, v) / axis_max)

    out = _opening(chart, width, height, font_px)
    if chart.unit:
        out.append(f'<text x="{PAD}" y="{top - 8}" fill="#555">{escape(chart.unit)}</text>')
    for t in ticks:
        out.append(f'<line x1="{left:.1f}" y1="{y(t):.1f}" x2="{left + plot_w:.1f}" y2="{y(t):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6:.1f}" y="{y(t) + 4:.1f}" text-anchor="end" fill="#666">{_fmt(t)}</text>')
    base = top + plot_h
    out.append(f'<line x1="{left:.1f}" y1="{base:.1f}" x2="{left + plot_w:.1f}" y2="{base:.1f}" stroke="#999"/>')
    for i, label in enumerate(chart.labels):
        out.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" fill="{TEXT}">'
            f"{escape(_clip(label, step / font_px))}</text>"
        )
    if chart.x_title:
        out.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{height - 4:.1f}" text-anchor="middle" fill="#555">'
            f"{escape(chart.x_title)}</text>"
        )
    for curve in chart.curves:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(curve))
        out.append(f'<polyline points="{points}" fill="none" stroke="{FRONT}" stroke-width="2"/>')
        for i, v in enumerate(curve):
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{FRONT}"/>')
            out.append(
                f'<text x="{x(i):.1f}" y="{y(v) - 7:.1f}" text-anchor="middle" fill="{TEXT}" stroke="#fff" '
                f'stroke-width="3" paint-order="stroke">{escape(_fmt(v))}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def draw(chart: Chart, font_px: int = 12) -> str:
    """The chart as an `<svg>` element; its width scales to the page."""
    if chart.curves:
        return draw_line(chart, font_px)
    labels = chart.labels
    label_em = min(16.0, max(_width(x) for x in labels) + 0.5)
    left = PAD + label_em * font_px
    plot = 420.0
    value_px = 13 * font_px * 0.6 + PAD
    width = left + plot + value_px + PAD
    title_h = 26 if chart.title else 6
    top_value = max([*(v for s in chart.series for v in s), *chart.lines, 0.0])
    axis_max = chart.axis_max if chart.axis_max and chart.axis_max >= top_value else top_value
    axis_max = axis_max or 1.0
    ticks = [] if chart.shares else _ticks(axis_max)
    plot_h = len(labels) * ROW
    value_title = bool(chart.unit and ticks)  # the value axis's title, under its ticks
    band = 16 if chart.lines or chart.x_title else 0  # grade-line values, the label axis's title
    height = title_h + band + plot_h + (22 if ticks else 6) + (16 if value_title else 0)
    y0 = title_h + band

    def x(v: float) -> float:
        return left + plot * max(0.0, v) / axis_max

    out = _opening(chart, width, height, font_px)
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" y1="{y0}" x2="{x(t):.1f}" y2="{y0 + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{x(t):.1f}" y="{y0 + plot_h + 15}" text-anchor="middle" fill="#666">{_fmt(t)}</text>')
    if value_title:
        out.append(
            f'<text x="{left + plot / 2:.1f}" y="{y0 + plot_h + 32}" text-anchor="middle" fill="#555">'
            f"{escape(chart.unit)}</text>"
        )
    if chart.x_title:
        out.append(f'<text x="{PAD}" y="{y0 - 6}" fill="#555">{escape(chart.x_title)}</text>')
    total = sum(chart.series[-1]) if chart.shares else 0.0
    front = chart.series[-1]
    values = []  # drawn last, over the grade lines, with a white halo
    for i, label in enumerate(labels):
        y = y0 + i * ROW
        out.append(
            f'<text x="{left - 6:.1f}" y="{y + ROW / 2 + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(label)}</title>{escape(_clip(label, label_em))}</text>"
        )
        for s, series in enumerate(chart.series):
            colour = FRONT if s == len(chart.series) - 1 else BACK
            w = x(series[i]) - left
            out.append(f'<rect x="{left:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" fill="{colour}"/>')
        value = front[i]
        text = _fmt(value)
        if chart.shares and total > 0:
            text += f" · {100 * value / total:.1f}%"
        elif len(chart.series) > 1:
            text += f" / {_fmt(chart.series[0][i])}"
        end = max(x(value), *(x(s[i]) for s in chart.series))
        values.append(
            f'<text x="{end + 4:.1f}" y="{y + ROW / 2 + 4:.1f}" fill="{TEXT}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{escape(text)}</text>'
        )
    out.append(f'<line x1="{left:.1f}" y1="{y0}" x2="{left:.1f}" y2="{y0 + plot_h}" stroke="#999"/>')
    for v in chart.lines:
        out.append(
            f'<line x1="{x(v):.1f}" y1="{y0 - 4}" x2="{x(v):.1f}" y2="{y0 + plot_h}" stroke="{LINE}" '
            'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        out.append(f'<text x="{x(v):.1f}" y="{y0 - 6}" text-anchor="middle" fill="{LINE}">{_fmt(v)}</text>')
    out.extend(values)
    out.append("</svg>")
    return "".join(out)


def svg_chart(mermaid: str) -> str | None:
    """The SVG of a Mermaid block the templates write, or None for any other block."""
    chart = parse_mermaid(mermaid)
    return draw(chart) if chart else None
