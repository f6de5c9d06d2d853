"""A report as a Word document: the Markdown report written into a copy of a Word template.

The template (`templates/report.docx`, or the user's own with `--template`) gives the look: page
size and margins, header and footer with the page number, fonts, the heading styles (Word builds
a table of contents from them), the table style. This module writes only the body, from the
parsed Markdown: `#` → Title, `##` → Heading 1, `###` → Heading 2, paragraphs, lists, quotes (the
conclusion box), tables with a repeated header row. A table too wide for the page to keep its
words whole is set smaller: one of a few rows (a report's cost table of ten columns) in 7 pt with
narrower cell margins on the same page, when that keeps its words whole; a longer one (the district
ranking, the cost curve) on a landscape page of its own section, with its heading. A name and its
code (社区（FT-SH-04）) take two lines at most, the code whole. An empty paragraph is written only
where Word needs one, between two tables; the paragraph after a table is spaced from it instead.
Charts (Mermaid blocks) are left out, their figures in the tables beside them, except a block
marked `%% docx` (the tracking charts), drawn as a Word chart (outputs/docx_charts.py).

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
PAD = 190  # twips of cell margins and some slack
WIDE, SMALL = 9, 16  # a table of 9 columns or more is set in 8 pt to fit A4 portrait
# a table of at most SHORT body rows too wide for the page: in 7 pt with cell margins of 1 mm, on
# the same page if its words stay whole so and no cell is longer than LINES lines (a landscape
# page of its own would be mostly empty)
SHORT, TINY, TIGHT, LINES = 8, 14, 57, 3
TIGHT_PAD = PAD - 2 * (85 - TIGHT)  # the template's cell margins are 85 twips a side
EMPTY = f'<w:p><w:pPr><w:pStyle w:val="{CELL_STYLE}"/></w:pPr></w:p>'
AFTER_TABLE = '<w:spacing w:before="160"/>'  # a paragraph after a table, in place of an empty one

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


_OPENING, _CLOSING = "（(“‘「『【《", "）)、，。；：！？”’」』】》%"
_NAME_CODE = re.compile(r"（[!-~]+）$")  # 社区（FT-SH-04）: the code a name ends with
TWO_LINES = 30  # a cell of up to this many columns (a name and its code) should take two lines at most
_WORD = re.compile(r"[^\s\u2e80-\uffff/()-]+")  # a word processor may break at spaces, CJK, - / ( )


@dataclass
class _Cell:
    runs: list[str] = field(default_factory=list)
    align: str = ""
    text: str = ""
    inline: Any = None  # the Markdown inline token, to write the runs again in another size

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

    @property
    def code(self) -> int:
        """The width of the code in brackets a name ends with (社区（FT-SH-04）), or 0."""
        match = _NAME_CODE.search(self.text)
        return display_width(match[0]) if match and match.start() else 0

    @property
    def two_lines(self) -> int:
        """The width at which a name-sized text takes two lines at most (a longer one: as
        `unbreakable`): a name on the first and its code on the second (the table breaks the
        line before the code, not inside it), or else broken where a word processor may, at a
        space or between Chinese characters, never beside a bracket."""
        text = self.text
        if self.chars <= 10 or self.chars > TWO_LINES:
            return self.unbreakable
        if self.code:
            return max(self.unbreakable, self.code, self.chars - self.code)
        best = self.chars
        for i in range(1, len(text)):
            before, after = text[i - 1], text[i]
            if before in _OPENING or after in _CLOSING or after in _OPENING:
                continue
            if before.isspace() or after.isspace() or ord(before) >= 0x2E80 or ord(after) >= 0x2E80:
                best = min(best, max(display_width(text[:i].rstrip()), display_width(text[i:].lstrip())))
        return max(self.unbreakable, best)


def _share(low: list[int], high: list[int], width: int) -> list[int]:
    """Widths from `low` towards `high`, in proportion to the difference, filling `width`."""
    extra = [max(0, h - m) for h, m in zip(high, low, strict=True)]
    room = width - sum(low)
    if sum(extra) <= room:  # everything fits: share out what is left evenly
        return [m + e + (room - sum(extra)) // len(low) for m, e in zip(low, extra, strict=True)]
    return [m + int(room * e / sum(extra)) for m, e in zip(low, extra, strict=True)]


@dataclass(frozen=True)
class _Page:
    """The template's page (its last section), and the same page turned to landscape."""

    section: str  # the <w:sectPr> element
    text_width: int

    @property
    def landscape(self) -> _Page | None:
        """The landscape page, or None: the template is landscape already, or has no page size."""
        size = re.search(r'<w:pgSz\b[^>]*?\bw:w="(\d+)"[^>]*?\bw:h="(\d+)"[^>]*/>', self.section)
        if not size or int(size[1]) >= int(size[2]):
            return None
        width, height = int(size[1]), int(size[2])
        turned = f'<w:pgSz w:w="{height}" w:h="{width}" w:orient="landscape"/>'
        return _Page(self.section.replace(size[0], turned, 1), self.text_width + height - width)

    def ending(self) -> str:
        """An empty paragraph, a point high, that ends a section of this page (Word keeps a
        section's page in the last paragraph of it)."""
        section = re.sub(r"<w:pgNumType\b[^>]*/>", "", self.section)  # page numbers run on
        tiny = '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/><w:rPr><w:sz w:val="2"/></w:rPr>'
        return f"<w:p><w:pPr>{tiny}{section}</w:pPr></w:p>"


@dataclass
class _Writer:
    text_width: int
    link_ext: str | None
    page: _Page | None = None  # the template's page: tables too wide for it are set on a landscape one
    links: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    charts: list[bytes] = field(default_factory=list)  # chart parts, in the order they are shown
    size: int | None = None  # half-points: the smaller text of a wide table
    pad: int = PAD  # twips of a cell's margins and slack
    table_links: int = 0  # how many links there were before the table being read
    heading: int = 0  # where in `out` the last heading is
    landscape: list[list[int]] = field(default_factory=list)  # [first, last] blocks of each landscape stretch
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
        after_table = runs and self.out and self.out[-1].startswith("<w:tbl>")
        if after_table and not (style or "").startswith(("Heading", "Title")):
            ppr += AFTER_TABLE  # not touching the table's border (a heading has its own space)
        ppr += extra
        self.out.append(f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{''.join(runs)}</w:p>")

    def compact(self, rows: list[list[_Cell]], header_rows: int, columns: int) -> bool:
        """Set a table of a few rows too wide for the page in 7 pt with narrow cell margins, when
        its words stay whole so (its runs written again in that size): True if it was."""
        if len(rows) - header_rows > SHORT or sum(self.least(rows, columns)) <= self.text_width:
            return False
        size, pad = self.size, self.pad
        self.size, self.pad = TINY, TIGHT_PAD
        widths = self.column_widths(rows, columns, self.text_width)
        if sum(self.least(rows, columns)) > self.text_width or not all(
            self.readable(cell, widths[c]) for row in rows for c, cell in enumerate(row)
        ):
            self.size, self.pad = size, pad
            return False
        del self.links[self.table_links :]  # the links of its cells, numbered again in order
        for row in rows:
            for cell in row:
                if cell.inline is not None:
                    cell.runs = self.runs(cell.inline)[0]
        return True

    def readable(self, cell: _Cell, width: int) -> bool:
        """Whether `cell` reads in a column `width` twips wide: in LINES lines at most, and a name's
        code whole (on its own line if need be)."""
        lines = -(-cell.chars * self.char // max(1, width - self.pad))
        return lines <= LINES and (not cell.code or width >= cell.two_lines * self.char + self.pad)

    def table(self, rows: list[list[_Cell]], header_rows: int) -> None:
        columns = max(len(r) for r in rows)
        compact = self.compact(rows, header_rows, columns)
        widths = self.column_widths(rows, columns, self.text_width)
        turned = self.page.landscape if self.page else None
        if self.out and self.out[-1].startswith("<w:tbl>"):
            self.paragraph([], CELL_STYLE)  # Word needs a paragraph between two tables
        if turned and not compact and sum(self.least(rows, columns)) > self.text_width:
            # too wide for the page to keep its words whole: on a landscape page, from its heading
            # (when no other table is between them), joining the landscape stretch before it
            # when only headings and paragraphs are between them
            widths = self.column_widths(rows, columns, turned.text_width)
            first = self.heading if not any("<w:tbl>" in b for b in self.out[self.heading :]) else len(self.out)
            last = self.landscape[-1] if self.landscape else None
            if last and not any("<w:tbl>" in b for b in self.out[last[1] + 1 :]):
                last[1] = len(self.out)
            else:
                self.landscape.append([first, len(self.out)])
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        margins = (
            f'<w:tblCellMar><w:left w:w="{TIGHT}" w:type="dxa"/><w:right w:w="{TIGHT}" w:type="dxa"/></w:tblCellMar>'
            if compact
            else ""
        )
        out = [
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{TABLE_STYLE}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            f'<w:tblLayout w:type="fixed"/>{margins}<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
            f'w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        ]
        for i, row in enumerate(rows):
            head = i < header_rows
            out.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>")
            for c in range(columns):
                cell = row[c] if c < len(row) else _Cell()
                runs = "".join(cell.runs)
                if not head and cell.code and self.char * cell.chars + self.pad > widths[c] and "（" in runs:
                    # a name too long for one line: its code whole on the next
                    at = runs.rindex("（")
                    runs = f'{runs[:at]}</w:t><w:br/><w:t xml:space="preserve">{runs[at:]}'
                jc = f'<w:jc w:val="{cell.align}"/>' if cell.align else ""
                style = HEAD_STYLE if head else CELL_STYLE
                # the header's shading also set on the cell: not every word processor applies
                # a table style's first-row formatting
                shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{HEAD_FILL}"/>' if head else ""
                out.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/>{shade}</w:tcPr>'
                    f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{jc}</w:pPr>{runs}</w:p></w:tc>'
                )
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.out.append("".join(out))

    def _columns(self, rows: list[list[_Cell]], columns: int, measure: str) -> list[int]:
        """Twips per column: the widest `measure` of its cells, in characters, and the padding."""
        cells = [[r[c] for r in rows if c < len(r)] for c in range(columns)]
        return [min(80, max((getattr(x, measure) for x in col), default=2)) * self.char + self.pad for col in cells]

    @property
    def char(self) -> int:
        """Twips per half-width character (bold Arial at 9.5 pt, or the smaller text)."""
        return 112 * (self.size or 19) // 19

    def least(self, rows: list[list[_Cell]], columns: int) -> list[int]:
        return self._columns(rows, columns, "unbreakable")

    def column_widths(self, rows: list[list[_Cell]], columns: int, width: int) -> list[int]:
        """Twips per column: each at least as wide as its short texts and longest word (numbers,
        keys and short labels stay on one line) and as its names need for two lines, the rest
        shared by how much text each holds. A table too wide for that keeps whole words at
        least, short texts breaking at spaces."""
        words = self._columns(rows, columns, "word")
        least = self.least(rows, columns)
        two = self._columns(rows, columns, "two_lines")
        want = self._columns(rows, columns, "chars")
        if sum(least) > width:
            if sum(words) >= width:
                return [int(width * w / sum(words)) for w in words]
            return _share(words, least, width)
        if sum(two) > width:
            return _share(least, two, width)
        return _share(two, want, width)

    def sections(self) -> list[str]:
        """The body, each landscape stretch between two section ends."""
        if self.out and self.out[-1].startswith("<w:tbl>"):
            self.paragraph([], CELL_STYLE)  # the body does not end with a table
        if not self.page or not self.landscape:
            return self.out
        turned = self.page.landscape
        assert turned is not None
        out: list[str] = []
        done = 0
        for first, last in self.landscape:
            out += self.out[done:first]
            if first:
                out.append(self.page.ending())
            out += self.out[first : last + 1]  # up to its last table, then the section's end
            out.append(turned.ending())
            done = last + 1
            if done < len(self.out) and self.out[done] == EMPTY:
                done += 1  # the paragraph after the table: the section's end is one
        return out + self.out[done:]

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
                self.heading = len(self.out)
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
                self.pad = PAD
                self.table_links = len(self.links)
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
                    row.append(_Cell(runs, align, text, tokens[i + 1]))
                i += 2
            elif kind == "table_close":
                if rows:
                    self.table(rows, header_rows)
                self.size, self.pad = None, PAD
            elif kind == "fence" and tok.info.strip() == "mermaid" and (chart := wanted(tok.content)) is not None:
                self.charts.append(chart_xml(chart))
                number = len(self.charts)
                self.out.append(drawing(number, f"rIdCarbonChart{number}", self.text_width, chart.title))
            elif kind in ("fence", "code_block") and tok.info.strip() != "mermaid":
                mono = f'<w:rPr><w:rFonts w:ascii="{MONO}" w:hAnsi="{MONO}"/></w:rPr>'
                for line in tok.content.rstrip("\n").split("\n"):
                    self.paragraph([_run(line, mono)])
            i += 1


def body_xml(
    tokens: list[Any], text_width: int, link_ext: str | None = ".docx", section: str | None = None
) -> tuple[str, list[str], list[bytes]]:
    """(body XML, link targets, chart parts) of the parsed Markdown `tokens`. `section`: the
    template's page (its <w:sectPr>); a table too wide for it is set on a landscape page."""
    writer = _Writer(text_width, link_ext, _Page(section, text_width) if section else None)
    writer.blocks(tokens)
    return "".join(writer.sections()), writer.links, writer.charts


def document(
    text: str, template: str | None = None, link_ext: str | None = ".docx", tokens: list[Any] | None = None
) -> bytes:
    """The .docx of the Markdown `text` (or its `tokens`, parsed already) on the Word template
    (the built-in one or the user's)."""
    tpl = load_template(template)
    tokens = markdown.parse(text) if tokens is None else tokens
    title = markdown.title(tokens)
    start = tpl.document.index("<w:body>") + len("<w:body>")
    end = tpl.document.rindex("</w:body>")
    inner = tpl.document[start:end]
    sect = re.search(r"<w:sectPr\b(?:(?!<w:sectPr\b).)*</w:sectPr>\s*$", inner, re.S)  # the last section
    body, links, charts = body_xml(tokens, tpl.text_width, link_ext, sect[0].strip() if sect else None)
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
