"""Charts in the Word document, as Word's own charts (DrawingML chart parts), from the same Mermaid
blocks the web page draws as SVG (`charts.parse_mermaid`).

Only a block that asks for it with the Mermaid comment line `%% docx` is drawn (the tracking
charts); every other chart stays out of the Word document, its figures in the tables beside it,
as before. A chart part holds its values itself (no embedded workbook): Word and LibreOffice draw
it from those; its text is escaped as XML, its bytes depend on nothing but the values.

The look follows the web page: the bars of each label in one column, the first series light
behind, the last dark in front with its values; a constant `line` (a grade line: 60, 85) dashed
red across, named by its value in the legend.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from carbon_cli.outputs.charts import BACK, FRONT, LINE, Chart, parse_mermaid

MARK = "%% docx"  # the line of a Mermaid block that asks for the chart in the Word document
CHART_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
CHART_CONTENT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
FONT = "Noto Sans CJK SC"
HEIGHT_EMU = 2_286_000  # 6.35 cm: three such charts and their headings fit an A4 page
EMU_PER_TWIP = 635


def wanted(source: str) -> Chart | None:
    """The chart of a Mermaid block marked for the Word document, if it is one drawn here."""
    if not any(line.strip() == MARK for line in source.splitlines()):
        return None
    chart = parse_mermaid(source)
    return chart if chart is not None and chart.series and not chart.shares and not chart.curves else None


def _text(value: str) -> str:
    return escape(value)


def _number(value: float) -> str:
    return f"{value:.10g}"


def _rich(text: str, size: int, bold: bool = False) -> str:
    b = ' b="1"' if bold else ""
    return (
        f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"{b}/></a:pPr>'
        f'<a:r><a:rPr lang="zh-CN" sz="{size}"{b}><a:ea typeface="{FONT}"/></a:rPr><a:t>{_text(text)}</a:t></a:r>'
        "</a:p></c:rich></c:tx>"
    )


def _categories(labels: list[str]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{_text(label)}</c:v></c:pt>' for i, label in enumerate(labels))
    return f'<c:cat><c:strLit><c:ptCount val="{len(labels)}"/>{points}</c:strLit></c:cat>'


def _values(values: list[float]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{_number(v)}</c:v></c:pt>' for i, v in enumerate(values))
    count = f'<c:ptCount val="{len(values)}"/>'
    return f"<c:val><c:numLit><c:formatCode>General</c:formatCode>{count}{points}</c:numLit></c:val>"


def _name(text: str) -> str:
    return f"<c:tx><c:v>{_text(text)}</c:v></c:tx>"


def _labels(number_format: str) -> str:
    return (
        f'<c:dLbls><c:numFmt formatCode="{number_format}" sourceLinked="0"/>'
        '<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr><c:dLblPos val="outEnd"/>'
        '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
        '<c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
    )


def chart_xml(chart: Chart) -> bytes:
    """The chart part (word/charts/…xml) of `chart`: its bars, its grade lines, its axes.

    The light series is drawn behind the dark one where it is never below it (a maximum, a
    total, a plan ahead of the survey); where it is, the two stand side by side, each with its
    values, so neither hides the other."""
    n = len(chart.series)
    top = chart.axis_max if chart.axis_max is not None else max([*(max(s) for s in chart.series), *chart.lines, 1.0])
    number_format = "#,##0" if top >= 1000 else "General"
    behind = n > 1 and all(b >= f for b, f in zip(chart.series[0], chart.series[-1], strict=True))
    bars = []
    for i, values in enumerate(chart.series):
        front = i == n - 1
        colour = FRONT if front or n == 1 else BACK
        bars.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{_name(str(i + 1))}'
            f'<c:spPr><a:solidFill><a:srgbClr val="{colour[1:].upper()}"/></a:solidFill></c:spPr>'
            f'<c:invertIfNegative val="0"/>{_labels(number_format) if front or not behind else ""}'
            f"{_categories(chart.labels)}{_values(values)}</c:ser>"
        )
    lines = []
    for k, level in enumerate(chart.lines):
        i = n + k
        lines.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{_name(_number(level))}'
            f'<c:spPr><a:ln w="19050"><a:solidFill><a:srgbClr val="{LINE[1:].upper()}"/></a:solidFill>'
            '<a:prstDash val="dash"/></a:ln></c:spPr><c:marker><c:symbol val="none"/></c:marker>'
            f'{_categories(chart.labels)}{_values([level] * len(chart.labels))}<c:smooth val="0"/></c:ser>'
        )
    line_chart = (
        '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
        + "".join(lines)
        + '<c:marker val="1"/><c:axId val="5001"/><c:axId val="5002"/></c:lineChart>'
        if lines
        else ""
    )
    # the legend names the grade lines only (the title says which bars are which)
    legend = (
        '<c:legend><c:legendPos val="r"/>'
        + "".join(f'<c:legendEntry><c:idx val="{i}"/><c:delete val="1"/></c:legendEntry>' for i in range(n))
        + '<c:overlay val="0"/></c:legend>'
        if lines
        else ""
    )
    unit = f'<c:title>{_rich(chart.unit, 900)}<c:overlay val="0"/></c:title>' if chart.unit else ""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">'
        '<c:roundedCorners val="0"/><c:chart>'
        f'<c:title>{_rich(chart.title, 1100, bold=True)}<c:overlay val="0"/></c:title>'
        '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        + "".join(bars)
        + f'<c:gapWidth val="60"/><c:overlap val="{100 if behind else 0}"/>'
        + '<c:axId val="5001"/><c:axId val="5002"/></c:barChart>'
        + line_chart
        + '<c:catAx><c:axId val="5001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="5002"/>'
        '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        '<c:noMultiLvlLbl val="0"/></c:catAx>'
        '<c:valAx><c:axId val="5002"/><c:scaling><c:orientation val="minMax"/>'
        f'<c:max val="{_number(top)}"/><c:min val="0"/></c:scaling><c:delete val="0"/><c:axPos val="l"/>'
        '<c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="E4E4E4"/></a:solidFill></a:ln>'
        f"</c:spPr></c:majorGridlines>{unit}"
        f'<c:numFmt formatCode="{number_format}" sourceLinked="0"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="5001"/><c:crosses val="autoZero"/>'
        '<c:crossBetween val="between"/></c:valAx></c:plotArea>'
        + legend
        + '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        f'<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"><a:ea typeface="{FONT}"/></a:defRPr>'
        '</a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr></c:chartSpace>'
    )
    return xml.encode("utf-8")


def drawing(number: int, rid: str, width_twips: int, title: str) -> str:
    """The paragraph that shows chart `number` (relationship `rid`) across the text width."""
    cx = width_twips * EMU_PER_TWIP
    return (
        '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:drawing>'
        f'<wp:inline xmlns:wp="{_WP}" distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{HEIGHT_EMU}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{4000 + number}" name="Chart {number}" descr="{escape(title, {chr(34): "&quot;"})}"/>'
        "<wp:cNvGraphicFramePr/>"
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="{_C}">'
        f'<c:chart xmlns:c="{_C}" xmlns:r="{_R}" r:id="{rid}"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )
