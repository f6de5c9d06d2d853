"""Build templates/report.docx, the Word template of the .docx reports (deterministic).

The template holds the look, not the words: page (A4 portrait, margins), page numbers in the
footer, fonts (Chinese and Latin), heading styles (so Word can build a table of contents), the
table style with its header row, the conclusion box. carbon-cli copies it and replaces the body
with the report. Its body shows a sample of every style, so an office can open it in Word or WPS,
change the styles (not their names), add a letterhead to the header, save, and pass the file with
`--template`.

    python templates/make_docx_template.py        # rewrites templates/report.docx

Needs python-docx (a test dependency); carbon-cli itself does not import it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from carbon_cli.outputs.docx import deterministic_zip  # noqa: E402

# Chinese official-document habit: 宋体/仿宋 for text, 黑体 for headings; Latin fallbacks beside.
BODY = ("宋体", "Times New Roman")
HEADING = ("黑体", "Arial")
ACCENT = RGBColor(0x1F, 0x4E, 0x5A)


def fonts(style, east_asia: str, latin: str, size: float, bold: bool | None = None) -> None:
    font = style.font
    font.name = latin
    font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def spacing(style, before: float, after: float, line: float | None = None) -> None:
    pf = style.paragraph_format
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line is not None:
        pf.line_spacing = line


def build() -> bytes:
    doc = Document()
    styles = doc.styles

    # Document defaults: Chinese language for line breaking, the body fonts.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        if child.tag in (qn("w:rFonts"), qn("w:lang")):
            rpr.remove(child)
    rpr.insert(
        0,
        parse_xml(
            f'<w:rFonts {nsdecls("w")} w:ascii="{BODY[1]}" w:hAnsi="{BODY[1]}" '
            f'w:eastAsia="{BODY[0]}" w:cs="{BODY[1]}"/>'
        ),
    )
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'))

    normal = styles["Normal"]
    fonts(normal, *BODY, 11)
    spacing(normal, 0, 4, 1.35)
    normal.paragraph_format.first_line_indent = None

    title = styles["Title"]
    fonts(title, *HEADING, 20, bold=False)
    title.font.color.rgb = RGBColor(0, 0, 0)
    spacing(title, 6, 18)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_ppr = title.element.get_or_add_pPr()
    for child in list(title_ppr):
        if child.tag == qn("w:pBdr"):  # the default template underlines the title
            title_ppr.remove(child)

    for level, size, before, after in ((1, 15, 18, 8), (2, 12.5, 12, 6), (3, 11.5, 8, 4)):
        h = styles[f"Heading {level}"]
        fonts(h, *HEADING, size, bold=False)
        h.font.color.rgb = ACCENT if level == 1 else RGBColor(0x20, 0x20, 0x20)
        h.font.italic = False
        spacing(h, before, after, 1.2)
        h.paragraph_format.keep_with_next = True

    # Table text: 宋体 10.5 pt (五号), tight.
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    fonts(cell, *BODY, 9.5)
    spacing(cell, 1, 1, 1.15)
    head = styles.add_style("Table Heading", WD_STYLE_TYPE.PARAGRAPH)
    head.base_style = cell
    fonts(head, *HEADING, 9.5, bold=False)

    # The conclusion box (a Markdown quote): shaded, with a rule on the left.
    box = styles.add_style("Conclusion", WD_STYLE_TYPE.PARAGRAPH)
    box.base_style = normal
    spacing(box, 2, 2, 1.35)
    box.paragraph_format.left_indent = Cm(0.3)
    box.paragraph_format.right_indent = Cm(0.3)
    box.element.get_or_add_pPr().append(
        parse_xml(f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="24" w:space="8" w:color="1F4E5A"/></w:pBdr>')
    )
    box.element.get_or_add_pPr().append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="EAF1F2"/>')
    )

    # Numbered items written with their number (lists restart in every section).
    item = styles.add_style("Numbered Item", WD_STYLE_TYPE.PARAGRAPH)
    item.base_style = normal
    item.paragraph_format.left_indent = Cm(0.75)
    item.paragraph_format.first_line_indent = Cm(-0.75)
    bullet = styles["List Bullet"]
    fonts(bullet, *BODY, 11)

    # The table style: thin grid, shaded header row repeated on every page.
    table = styles.add_style("Report Table", WD_STYLE_TYPE.TABLE)
    table.element.append(
        parse_xml(
            f"<w:tblPr {nsdecls('w')}><w:tblBorders>"
            + "".join(
                f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="8C9A9E"/>'
                for side in ("top", "left", "bottom", "right", "insideH", "insideV")
            )
            + '</w:tblBorders><w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
            '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        )
    )
    table.element.append(
        parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/></w:rPr><w:tblPr/>'
            '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="DCE6E8"/></w:tcPr></w:tblStylePr>'
        )
    )

    # A4 portrait; margins near GB/T 9704 (official documents), a little narrower for tables.
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.8), Cm(2.6)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.4)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(1.5)

    # Page numbers: "— 3 —", centred.
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for xml in (
        '<w:r {ns}><w:t xml:space="preserve">— </w:t></w:r>',
        '<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r {ns}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        '<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>',
        "<w:r {ns}><w:t>1</w:t></w:r>",
        '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>',
        '<w:r {ns}><w:t xml:space="preserve"> —</w:t></w:r>',
    ):
        footer._p.append(parse_xml(xml.format(ns=nsdecls("w"))))

    # The body: a sample of every style (replaced by the report when rendering).
    doc.add_paragraph("社区近零碳社区自评价报告（样式模板）", style="Title")
    doc.add_paragraph(
        "这是 carbon-cli 生成 Word 报告所用的模板。报告正文会替换本页内容，只保留样式、页面设置、页眉页脚。"
        "可在 Word 或 WPS 中修改下列样式（不要改样式名），在页眉加上单位名称，另存后用 --template 指定。",
        style="Conclusion",
    )
    doc.add_paragraph("一、标题 1（Heading 1）", style="Heading 1")
    doc.add_paragraph("正文（Normal）：宋体 / Times New Roman。Body text in the Normal style.")
    doc.add_paragraph("标题 2（Heading 2）", style="Heading 2")
    doc.add_paragraph("列表（List Bullet）", style="List Bullet")
    doc.add_paragraph("1.\t编号段落（Numbered Item）", style="Numbered Item")
    doc.add_paragraph("标题 3（Heading 3）", style="Heading 3")
    sample = doc.add_table(rows=2, cols=3)
    sample.style = styles["Report Table"]
    for i, text in enumerate(("表头（Table Heading）", "数值", "说明")):
        sample.rows[0].cells[i].paragraphs[0].text = text
        sample.rows[0].cells[i].paragraphs[0].style = styles["Table Heading"]
    for i, text in enumerate(("表格文字（Table Text）", "12.3", "Report Table 表格样式")):
        sample.rows[1].cells[i].paragraphs[0].text = text
        sample.rows[1].cells[i].paragraphs[0].style = styles["Table Text"]

    props = doc.core_properties
    props.author = "carbon-cli"
    props.comments = ""
    props.title = ""
    props.last_modified_by = "carbon-cli"
    props.revision = 1
    from datetime import datetime

    props.created = props.modified = datetime(2026, 1, 1)
    package = doc.part.package  # no thumbnail of python-docx's own blank page
    for key, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[key]
    buffer = io.BytesIO()
    doc.save(buffer)
    return deterministic_zip(buffer.getvalue())


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "report.docx"
    out.write_bytes(build())
    print(f"wrote {out}")
