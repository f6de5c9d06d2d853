"""A report as a Word document: the Markdown report written into a copy of a Word template.

The template (`templates/report.docx`, or the user's own with `--template`) gives the look: page
size and margins, header and footer with the page number, fonts, the heading styles (Word builds
a table of contents from them), the table style. This module writes only the body, from the
parsed Markdown: `#` → Title, `##` → Heading 1, `###` → Heading 2, paragraphs, lists, quotes (the
conclusion box), tables with a repeated header row. Charts (Mermaid blocks) are left out, their
figures in the tables beside them, except a block marked `%% docx` (the tracking charts), drawn
as a Word chart (outputs/docx_charts.py).

The body is written as WordprocessingML directly (a few element kinds, escaped as XML), not
through python-docx: a batch writes hundreds of these, and this takes a few milliseconds each.
The zip is written with fixed timestamps and order, so the same report gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import Bilingual, display_width
from carbon_cli.core.resources import templates_dir
from carbon_cli.outputs import markdown
from carbon_cli.outputs.docx_charts import CHART_CONTENT, CHART_TYPE, chart_xml, drawing, wanted
from carbon_cli.outputs.markdown import retarget

DOCUMENT = "word/document.xml"
RELS = "word/_rels/document.xml.rels"
CORE = "docProps/core.xml"
CONTENT_TYPES = "[Content_Types].xml"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
EPOCH = (1980, 1, 1, 0, 0, 0)  # zip timestamps: fixed, so the bytes do not depend on the clock

STYLES = {"h1": "Title", "h2": "Heading1", "h3": "Heading2", "h4": "Heading3", "h5": "Heading3", "h6": "Heading3"}
TABLE_STYLE = "ReportTable"
CELL_STYLE, HEAD_STYLE = "TableText", "TableHeading"
QUOTE_STYLE, BULLET_STYLE, NUMBERED_STYLE = "Conclusion", "ListBullet", "NumberedItem"
MONO = "Consolas"
HEAD_FILL = "DCE6E8"
WIDE, SMALL = 9, 16  # a table of 9 columns or more is set in 8 pt to fit A4 portrait

# Characters XML 1.0 cannot hold: a workbook cell may contain them; Word would refuse the file.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def deterministic_zip(
    data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """`data` (a zip) rewritten with fixed timestamps and attributes, `[Content_Types].xml` first,
    the parts in `replace` swapped in, the parts of `add` after the others, in their order."""
    replace = {**(replace or {}), **(add or {})}
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    names.sort(key=lambda n: n != "[Content_Types].xml")
    names.extend(n for n in add or {} if n not in names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, replace[name] if name in replace else source.read(name))
    return out.getvalue()


@dataclass(frozen=True)
class WordTemplate:
    path: str
    data: bytes
    document: str  # word/document.xml
    rels: str
    core: str | None
    content_types: str
    text_width: int  # twips between the margins


@cache
def load_template(path: str | None = None) -> WordTemplate:
    """The Word template: the built-in one, or a .docx of the user's (checked to be one)."""
    file = Path(path) if path else templates_dir() / "report.docx"
    try:
        data = file.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            document = z.read(DOCUMENT).decode("utf-8")
            rels = z.read(RELS).decode("utf-8")
            core = z.read(CORE).decode("utf-8") if CORE in z.namelist() else None
            content_types = z.read(CONTENT_TYPES).decode("utf-8")
    except FileNotFoundError:
        raise CarbonError("bad_template", path=str(file), detail=Bilingual("文件不存在", "no such file")) from None
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        detail = Bilingual(f"不是 Word .docx 文档（{exc}）", f"not a Word .docx document ({exc})")
        raise CarbonError("bad_template", path=str(file), detail=detail) from None
    if "<w:body>" not in document or "</w:body>" not in document:
        detail = Bilingual("word/document.xml 中没有正文 <w:body>", "word/document.xml has no <w:body>")
        raise CarbonError("bad_template", path=str(file), detail=detail)
    return WordTemplate(str(file), data, document, rels, core, content_types, _text_width(document))


def _text_width(document: str) -> int:
    """Twips between the left and right margins of the template's (last) section."""
    size = re.findall(r'<w:pgSz\b[^>]*\bw:w="(\d+)"', document)
    margins = re.findall(r"<w:pgMar\b[^>]*>", document)
    if not size or not margins:
        return 9000
    left = re.search(r'w:left="(\d+)"', margins[-1])
    right = re.search(r'w:right="(\d+)"', margins[-1])
    return int(size[-1]) - int(left[1] if left else 1440) - int(right[1] if right else 1440)


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def _run(text: str, props: str = "") -> str:
    return f'<w:r>{props}<w:t xml:space="preserve">{_text(text)}</w:t></w:r>'


_WORD = re.compile(r"[^\s\u2e80-\uffff/()-]+")  # a word processor may break at spaces, CJK, - / ( )


@dataclass
class _Cell:
    runs: list[str] = field(default_factory=list)
    align: str = ""
    text: str = ""

    @property
    def chars(self) -> int:
        return display_width(self.text)

    @property
    def word(self) -> int:
        """Its longest Latin word or number (Chinese text can break between any two characters)."""
        return min(16, max([len(w) for w in _WORD.findall(self.text)], default=0))

    @property
    def unbreakable(self) -> int:
        """The width it should not be narrower than: all of a short text, else its longest word."""
        return self.chars if self.chars <= 10 else max(4, self.word)


def _share(low: list[int], high: list[int], width: int) -> list[int]:
    """Widths from `low` towards `high`, in proportion to the difference, filling `width`."""
    extra = [max(0, h - m) for h, m in zip(high, low, strict=True)]
    room = width - sum(low)
    if sum(extra) <= room:  # everything fits: share out what is left evenly
        return [m + e + (room - sum(extra)) // len(low) for m, e in zip(low, extra, strict=True)]
    return [m + int(room * e / sum(extra)) for m, e in zip(low, extra, strict=True)]


@dataclass
class _Writer:
    text_width: int
    link_ext: str | None
    links: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    charts: list[bytes] = field(default_factory=list)  # chart parts, in the order they are shown
    size: int | None = None  # half-points: the smaller text of a wide table
    # --- inline ------------------------------------------------------------------------

    def runs(self, inline: Any, mono: bool = False) -> tuple[list[str], str]:
        """WordprocessingML runs of an inline token, and its plain text."""
        runs: list[str] = []
        bold = italic = False
        link: str | None = None
        text = ""
        for tok in inline.children or ():
            kind = tok.type
            if kind in ("text", "code_inline"):
                if not tok.content:
                    continue
                props = "".join(  # in the order the schema requires
                    (
                        f'<w:rFonts w:ascii="{MONO}" w:hAnsi="{MONO}"/>' if kind == "code_inline" or mono else "",
                        "<w:b/>" if bold else "",
                        "<w:i/>" if italic else "",
                        '<w:color w:val="1F4E5A"/>' if link else "",
                        f'<w:sz w:val="{self.size}"/><w:szCs w:val="{self.size}"/>' if self.size else "",
                        '<w:u w:val="single"/>' if link else "",
                    )
                )
                runs.append(_run(tok.content, f"<w:rPr>{props}</w:rPr>" if props else ""))
                text += tok.content
            elif kind == "strong_open":
                bold = True
            elif kind == "strong_close":
                bold = False
            elif kind == "em_open":
                italic = True
            elif kind == "em_close":
                italic = False
            elif kind == "softbreak":
                runs.append('<w:r><w:t xml:space="preserve"> </w:t></w:r>')
            elif kind == "hardbreak":
                runs.append("<w:r><w:br/></w:r>")
            elif kind == "link_open":
                link = self.link_id(str(tok.attrGet("href") or ""))
                if link:
                    runs.append(f'<w:hyperlink r:id="{link}">')
            elif kind == "link_close":
                if link:
                    runs.append("</w:hyperlink>")
                link = None
        return runs, text

    def link_id(self, href: str) -> str | None:
        """A relationship for a link to another file of the batch (same format); none for others."""
        if not href or re.match(r"[a-z][a-z0-9+.-]*:|/|\\", href, re.I):
            return None
        if self.link_ext:
            href = retarget(href, self.link_ext.lstrip("."))
        self.links.append(href)
        return f"rIdCarbonLink{len(self.links)}"

    # --- blocks ------------------------------------------------------------------------

    def paragraph(self, runs: list[str], style: str | None = None, extra: str = "") -> None:
        ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
        ppr += extra
        self.out.append(f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{''.join(runs)}</w:p>")

    def table(self, rows: list[list[_Cell]], header_rows: int) -> None:
        columns = max(len(r) for r in rows)
        widths = self.column_widths(rows, columns)
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        out = [
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{TABLE_STYLE}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
            f'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        ]
        for i, row in enumerate(rows):
            head = i < header_rows
            out.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>")
            for c in range(columns):
                cell = row[c] if c < len(row) else _Cell()
                jc = f'<w:jc w:val="{cell.align}"/>' if cell.align else ""
                style = HEAD_STYLE if head else CELL_STYLE
                # the header's shading also set on the cell: not every word processor applies
                # a table style's first-row formatting
                shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{HEAD_FILL}"/>' if head else ""
                out.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/>{shade}</w:tcPr>'
                    f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{jc}</w:pPr>{"".join(cell.runs)}</w:p></w:tc>'
                )
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.out.append("".join(out))
        self.paragraph([], CELL_STYLE)  # Word needs a paragraph between two tables

    def column_widths(self, rows: list[list[_Cell]], columns: int) -> list[int]:
        """Twips per column: each at least as wide as its short texts and longest word (numbers,
        keys and short labels stay on one line), the rest shared by how much text each holds.
        A table too wide for that keeps whole words at least, short texts breaking at spaces."""
        char = 112 * (self.size or 19) // 19  # twips per half-width character (bold Arial at 9.5 pt)
        pad = 190  # cell margins and some slack
        cells = [[r[c] for r in rows if c < len(r)] for c in range(columns)]
        words = [max((x.word for x in col), default=2) * char + pad for col in cells]
        least = [max((x.unbreakable for x in col), default=2) * char + pad for col in cells]
        want = [min(80, max((x.chars for x in col), default=2)) * char + pad for col in cells]
        width = self.text_width
        if sum(least) > width:
            if sum(words) >= width:
                return [int(width * w / sum(words)) for w in words]
            return _share(words, least, width)
        return _share(least, want, width)

    def blocks(self, tokens: list[Any]) -> None:
        quote = 0
        lists: list[list[Any]] = []  # [ordered, next number]
        rows: list[list[_Cell]] = []
        header_rows = 0
        row: list[_Cell] | None = None
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            kind = tok.type
            if kind == "heading_open":
                runs, _ = self.runs(tokens[i + 1])
                self.paragraph(runs, STYLES.get(tok.tag, "Heading3"))
                i += 2
            elif kind == "paragraph_open" and row is None:
                runs, _ = self.runs(tokens[i + 1])
                if lists and tok.level and tokens[i - 1].type == "list_item_open":
                    ordered, number = lists[-1]
                    if ordered:
                        lists[-1][1] += 1
                        runs.insert(0, f'<w:r><w:t xml:space="preserve">{number}.</w:t></w:r><w:r><w:tab/></w:r>')
                    self.paragraph(runs, NUMBERED_STYLE if ordered else BULLET_STYLE)
                else:
                    self.paragraph(runs, QUOTE_STYLE if quote else None)
                i += 2
            elif kind == "blockquote_open":
                quote += 1
            elif kind == "blockquote_close":
                quote -= 1
            elif kind in ("bullet_list_open", "ordered_list_open"):
                lists.append([kind == "ordered_list_open", int(tok.attrGet("start") or 1)])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "table_open":
                rows, header_rows = [], 0
                columns = 0
                for t in tokens[i:]:
                    if t.type == "tr_close":
                        break
                    columns += t.type == "th_open"
                self.size = SMALL if columns >= WIDE else None
            elif kind == "tr_open":
                row = []
            elif kind == "tr_close":
                rows.append(row or [])
                row = None
            elif kind == "thead_close":
                header_rows = len(rows)
            elif kind in ("th_open", "td_open"):
                runs, text = self.runs(tokens[i + 1])
                style = str(tok.attrGet("style") or "")
                align = "right" if "right" in style else "center" if "center" in style else ""
                if row is not None:
                    row.append(_Cell(runs, align, text))
                i += 2
            elif kind == "table_close":
                if rows:
                    self.table(rows, header_rows)
                self.size = None
            elif kind == "fence" and tok.info.strip() == "mermaid" and (chart := wanted(tok.content)) is not None:
                self.charts.append(chart_xml(chart))
                number = len(self.charts)
                self.out.append(drawing(number, f"rIdCarbonChart{number}", self.text_width, chart.title))
            elif kind in ("fence", "code_block") and tok.info.strip() != "mermaid":
                mono = f'<w:rPr><w:rFonts w:ascii="{MONO}" w:hAnsi="{MONO}"/></w:rPr>'
                for line in tok.content.rstrip("\n").split("\n"):
                    self.paragraph([_run(line, mono)])
            i += 1


def body_xml(tokens: list[Any], text_width: int, link_ext: str | None = ".docx") -> tuple[str, list[str], list[bytes]]:
    """(body XML, link targets, chart parts) of the parsed Markdown `tokens`."""
    writer = _Writer(text_width, link_ext)
    writer.blocks(tokens)
    return "".join(writer.out), writer.links, writer.charts


def document(
    text: str, template: str | None = None, link_ext: str | None = ".docx", tokens: list[Any] | None = None
) -> bytes:
    """The .docx of the Markdown `text` (or its `tokens`, parsed already) on the Word template
    (the built-in one or the user's)."""
    tpl = load_template(template)
    tokens = markdown.parse(text) if tokens is None else tokens
    title = markdown.title(tokens)
    body, links, charts = body_xml(tokens, tpl.text_width, link_ext)
    start = tpl.document.index("<w:body>") + len("<w:body>")
    end = tpl.document.rindex("</w:body>")
    inner = tpl.document[start:end]
    sect = re.search(r"<w:sectPr\b(?:(?!<w:sectPr\b).)*</w:sectPr>\s*$", inner, re.S)  # the last section
    xml = tpl.document[:start] + body + (sect[0] if sect else "") + tpl.document[end:]
    if links and 'xmlns:r="' not in xml[: xml.index("<w:body>")]:
        xml = xml.replace(
            "<w:document ",
            '<w:document xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ',
            1,
        )
    replace = {DOCUMENT: xml.encode("utf-8")}
    add: dict[str, bytes] = {}
    if links or charts:
        rels = "".join(
            f'<Relationship Id="rIdCarbonLink{n}" Type="{HYPERLINK}" Target="{escape(href, {chr(34): "&quot;"})}" '
            'TargetMode="External"/>'
            for n, href in enumerate(links, start=1)
        )
        rels += "".join(
            f'<Relationship Id="rIdCarbonChart{n}" Type="{CHART_TYPE}" Target="charts/carbon-chart{n}.xml"/>'
            for n in range(1, len(charts) + 1)
        )
        replace[RELS] = tpl.rels.replace("</Relationships>", rels + "</Relationships>").encode("utf-8")
    if charts:
        types = tpl.content_types.replace(
            "</Types>",
            "".join(
                f'<Override PartName="/word/charts/carbon-chart{n}.xml" ContentType="{CHART_CONTENT}"/>'
                for n in range(1, len(charts) + 1)
            )
            + "</Types>",
        )
        replace[CONTENT_TYPES] = types.encode("utf-8")
        add = {f"word/charts/carbon-chart{n}.xml": part for n, part in enumerate(charts, start=1)}
    if tpl.core is not None and title:
        core = re.sub(
            r"<dc:title\s*/>|<dc:title>.*?</dc:title>",
            f"<dc:title>{_text(title)}</dc:title>",
            tpl.core,
            count=1,
            flags=re.S,
        )
        replace[CORE] = core.encode("utf-8")
    return deterministic_zip(tpl.data, replace, add)
