"""The rendered Markdown report, parsed once (CommonMark with tables) for the other formats."""

from __future__ import annotations

import re
from functools import cache
from typing import Any


@cache
def parser() -> Any:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in the Markdown is read as text, never passed through.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def parse(markdown: str) -> list[Any]:
    """The block tokens of `markdown`. One list may serve both the web page and the Word
    document: the page only adds attributes the Word writer does not read."""
    return parser().parse(markdown)


def plain(inline: Any) -> str:
    """The text of an inline token."""
    return "".join(c.content for c in (inline.children or []) if c.type in ("text", "code_inline"))


def title(tokens: list[Any]) -> str:
    """The text of the first level-1 heading."""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1":
            return plain(tokens[i + 1])
    return ""


_OWN_FILE = re.compile(r"\.(md|html|docx)$")


def retarget(link: str, fmt: str) -> str:
    """`reports/X.md` → `reports/X.<fmt>`."""
    return _OWN_FILE.sub("." + fmt, link)
