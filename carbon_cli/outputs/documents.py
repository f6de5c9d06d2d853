"""Report formats: the Markdown report (carbon_cli.outputs.report, from the one report context) and the
same report as a self-contained web page (`html`) and a Word document (`docx`).

The Markdown templates hold the words, once per language; the other formats are written from the
parsed Markdown, so a section added to a template (or a user's own template) appears in every
format. A `--template` ending in `.docx` is a Word template instead (the look of the .docx).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from carbon_cli.scoring.assessment import Assessment

FORMATS = ("md", "html", "docx")


def split_template(template: Path | str | None) -> tuple[Path | None, str | None]:
    """(Markdown template, Word template) from a `--template` value."""
    if template is None:
        return None, None
    path = Path(template)
    return (None, str(path)) if path.suffix.lower() == ".docx" else (path, None)


def convert(
    text: str,
    fmt: str,
    lang: str = "zh",
    word_template: str | None = None,
    home: str | None = None,
    tokens: list[Any] | None = None,
) -> bytes:
    """The rendered Markdown report `text` in `fmt` (`tokens`: `text` parsed already). Links to
    the batch's other reports follow the format."""
    if fmt == "md":
        return text.encode("utf-8")
    if fmt == "html":
        from carbon_cli.outputs.html import page

        return page(text, lang, home=home, link_ext=".html", tokens=tokens)
    if fmt == "docx":
        from carbon_cli.outputs.docx import document

        return document(text, word_template, link_ext=".docx", tokens=tokens)
    raise ValueError(f"unknown report format {fmt!r}")


def report_documents(
    a: Assessment,
    formats: tuple[str, ...] | list[str],
    lang: str = "zh",
    template: Path | str | None = None,
    date: str | None = None,
    home: str | None = None,
    as_of: str | None = None,
    extra: str | None = None,
) -> dict[str, bytes]:
    """The report of `a` in each of `formats` (format → bytes), rendered once. `date` is printed;
    policies are judged in force on `as_of`; `extra`, Markdown, ends the report (a pilot's
    progress by year in a batch with --plans)."""
    from carbon_cli.outputs.report import render_assessment

    md_template, word_template = split_template(template)
    text = render_assessment(a, lang, template=md_template, date=date, as_of=as_of)
    if extra:
        text = text.rstrip("\n") + "\n\n" + extra
    return documents(text, formats, lang, word_template, home)


def documents(
    text: str,
    formats: tuple[str, ...] | list[str],
    lang: str = "zh",
    word_template: str | None = None,
    home: str | None = None,
) -> dict[str, bytes]:
    """The Markdown report `text` in each of `formats`, parsed once."""
    tokens = None
    if {"html", "docx"} & set(formats):
        from carbon_cli.outputs.markdown import parse

        tokens = parse(text)
    return {fmt: convert(text, fmt, lang, word_template, home, tokens) for fmt in formats}
