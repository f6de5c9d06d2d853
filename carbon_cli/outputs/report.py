"""Markdown assessment reports: the Jinja environment, the filters templates format with, and
rendering one assessment through the built-in template or a user's own.

The context a template receives comes from `outputs.report_context`; templates only arrange and
format it. Every string that comes from a workbook or a data file goes through the `md` filter,
so a community named `A|B *x*` cannot break a table. A user's template renders in Jinja's sandbox.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import money, money_range, term
from carbon_cli.core.resources import templates_dir
from carbon_cli.outputs.report_context import report_context

if TYPE_CHECKING:
    from carbon_cli.scoring.assessment import Assessment

# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\|*_`\[\]<>#~&])")
# What would start a block at the beginning of a line: a list marker, a setext underline.
_MD_BLOCK_START = re.compile(r"^(\d{1,9})([.)])(?= |$)|^([-+=])")
_BREAKS = str.maketrans({c: " " for c in "\n\r\t\v\f\x85\u2028\u2029"})


def md(value: Any) -> str:
    """`value` as inline Markdown text that is also safe inside a table cell: markup escaped,
    line breaks turned into spaces, control and format characters dropped."""
    if value is None:
        return ""
    return _md_text(str(value))


@lru_cache(maxsize=8192)  # labels, keys and units recur in every report of a batch
def _md_text(text: str) -> str:
    if not text.isprintable():  # the rare text with breaks, controls or format characters
        text = text.translate(_BREAKS)
        text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = " ".join(text.split())  # leading spaces could start a code block; runs add nothing
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text, count=1)


def num(
    value: Any, digits: int = 1, trim: bool = False, rounding: str = "half", below: tuple[float, ...] | list[float] = ()
) -> str:
    """A number for display: thousands separators and `digits` decimals ("—" for none).
    `trim` drops trailing zeros; `rounding` is "half", "down" or "up"; a value under one of the
    thresholds `below` is rounded down rather than shown as the threshold it has not reached."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else md(value)
    if math.isnan(value) or math.isinf(value):
        return "—"
    if rounding == "half" and any(value < t <= float(f"{value:.{digits}f}") for t in below):
        rounding = "down"
    if rounding in ("down", "up"):
        scale = 10**digits
        value = (math.floor if rounding == "down" else math.ceil)(round(value * scale, 6)) / scale
    text = f"{value:,.{digits}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" + text[2:] if text.startswith("-0") and not any(c in "123456789" for c in text) else text


def pct(value: Any, digits: int = 1, trim: bool = True, signed: bool = False) -> str:
    """A percentage (the value is already in percent, 0–100); `signed` marks a rise with "+"."""
    if value is None:
        return "—"
    text = num(value, digits, trim)
    return f"+{text}%" if signed and text.strip("0.,") and value > 0 else f"{text}%"


@jinja2.pass_context
def status(ctx: Any, key: Any, lang: str | None = None) -> str:
    """The interface term of a verdict, status, grade, effort or source key."""
    return term(str(key), lang or ctx.get("lang", "zh"))


@jinja2.pass_context
def val(ctx: Any, value: Any, digits: int | None = None, unit: str = "") -> str:
    """A survey or metric value: yes/no for booleans, a trimmed number with `unit`, or text.
    Without `digits`, large quantities show whole and small ones two decimals."""
    lang = ctx.get("lang", "zh")
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, int | float):
        if digits is None:
            digits = 0 if abs(value) >= 100 else 2
        text = num(value, digits, trim=True)
        if unit in ("", "count"):  # a count needs no unit word
            return text
        return f"{text}{unit}" if unit == "%" else f"{text} {md(unit)}"
    return md(value)


def mq(value: Any) -> str:
    """`value` as a double-quoted Mermaid string (quotes and line breaks removed)."""
    text = " ".join(str(value).translate(_BREAKS).split())
    return '"' + text.replace('"', "'").replace("\\", "/") + '"'


@jinja2.pass_context
def yuan(ctx: Any, value: Any) -> str:
    """Yuan for people (万元 in Chinese from 10,000 up); a range dict shows its typical value."""
    if isinstance(value, dict):
        value = value.get("typical")
    return money(value, ctx.get("lang", "zh"))


@jinja2.pass_context
def yuan_range(ctx: Any, value: Any) -> str:
    """The low–high of a range dict."""
    if not isinstance(value, dict):
        return "—"
    return money_range(value["low"], value["high"], ctx.get("lang", "zh"))


def _attr(obj: Any, key: str) -> Any:
    """`obj.key` as a template reads it: an item of a mapping, else an attribute (None if absent)."""
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def where(src: Any, file: Any) -> str:
    """Where a value or a problem was read: its file (when not the survey's own), sheet and cell,
    joined by " › " ("—" when none is known)."""
    found = _attr(src, "file")
    parts = (found if found != file else "", _attr(src, "sheet"), _attr(src, "cell"))
    return " › ".join(md(p) for p in parts if p) or "—"


@jinja2.pass_context
def raw(ctx: Any, value: Any, field: Any) -> str:
    """A survey value as the survey gives it: a year as written, else with the field's unit."""
    if _attr(field, "dimension") == "year":
        return str(value)
    return val(ctx, value, None, _attr(field, "unit") or "")


# Functions the templates call as they would a macro (a macro call costs a Jinja frame; these
# are called a few hundred times a report).
def pts(value: Any) -> str:
    """Points: one decimal, trailing zeros dropped."""
    return num(value, 1, trim=True)


@jinja2.pass_context
def score(ctx: Any, value: Any) -> str:
    """A score: one decimal, rounded down rather than shown as a grade line it has not reached."""
    ev = ctx["evaluation"]
    return num(value, 1, below=[_attr(ev, "pass_score"), _attr(ev, "excellent_score")])


@jinja2.pass_context
def value(ctx: Any, item: Any, x: Any) -> str:
    """A metric value of `item` with its unit and decimals ("+" before a rise when it is signed)."""
    sign = "+" if _attr(item, "signed") and isinstance(x, int | float) and x > 0 else ""
    return sign + val(ctx, x, _attr(item, "digits"), _attr(item, "unit") or "")


FUNCTIONS = {"pts": pts, "score": score, "value": value}

FILTERS = {
    "md": md,
    "num": num,
    "pct": pct,
    "status": status,
    "val": val,
    "mq": mq,
    "yuan": yuan,
    "yuan_range": yuan_range,
    "where": where,
    "raw": raw,
}

# ---------------------------------------------------------------------------
# Environment and rendering
# ---------------------------------------------------------------------------


@cache
def environment(folders: tuple[str, ...], sandboxed: bool = True) -> jinja2.Environment:
    """Templates are looked up in `folders`; "carbon/NAME" always names a built-in one, so a
    user's template can extend `carbon/report.zh.md.j2` whatever its own file is called.
    The built-in templates are trusted and render unsandboxed (a third faster)."""
    builtin = jinja2.FileSystemLoader(str(templates_dir()))
    loader = jinja2.ChoiceLoader([jinja2.PrefixLoader({"carbon": builtin}), jinja2.FileSystemLoader(list(folders))])
    # Sandboxed: a template shared between offices must not reach beyond the report data.
    env = (SandboxedEnvironment if sandboxed else jinja2.Environment)(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a run reads each template once, not its file's date at every report
    )
    env.filters.update(FILTERS)
    env.globals.update(FUNCTIONS)
    return env


def render_assessment(
    a: Assessment, lang: str = "zh", template: Path | None = None, date: str | None = None, as_of: str | None = None
) -> str:
    """The Markdown report of `a`: the built-in template for `lang`, or the user's `template`.
    `date` is printed on it; policies are judged in force on `as_of` (unknown when None)."""
    context = report_context(a, lang, date, as_of)
    if template is None:
        builtin = environment((str(templates_dir()),), sandboxed=False)
        return builtin.get_template(f"report.{lang}.md.j2").render(context)
    path = Path(template)
    if not path.is_file():
        raise CarbonError("bad_template", path=str(path), detail="no such file")
    try:
        env = environment((str(path.resolve().parent), str(templates_dir())))
        return env.get_template(path.name).render(context)
    except Exception as exc:  # a user's template can fail in any of its expressions
        raise CarbonError("bad_template", path=str(path), detail=_describe(exc, path)) from None


def _describe(exc: Exception, path: Path) -> str:
    """The error with the template line it happened on (Jinja maps its frames to template lines)."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).name == path.name:
            line = tb.tb_lineno
        tb = tb.tb_next
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"line {line}: {text}" if line else text
