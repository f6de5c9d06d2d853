"""Click's usage errors (unknown option, missing argument, bad value …) in carbon-cli's words.

Click words them in English and prints a usage line of its own; `translated` turns each into a
`UsageError` with a code from messages.toml, so that it is printed like every other error, in
the chosen language, with what to type instead. Values Click does not keep (the text given to an
option that wanted a number) are taken back from the command line.
"""

from __future__ import annotations

import re
from typing import Any

from carbon_cli.core.errors import UsageError
from carbon_cli.core.i18n import Bilingual

_CHOICE = re.compile(r"'(?P<value>[^']*)' is not one of (?P<choices>.*?)\.?$")
_LIMIT = re.compile(r"(?P<side>less|greater) than(?P<equal> or equal to)? (?P<limit>\S+)")
_NO_COMMAND = re.compile(r"No such command '(?P<name>[^']*)'")
_EXTRA = re.compile(r"unexpected extra arguments?(?:\(s\))? \((?P<args>.*)\)$")
_NEEDS_VALUE = re.compile(r"Option '(?P<option>[^']+)' requires (?:an argument|\d+ arguments)")
PDF_LIKE = ("pdf", ".pdf")


def _listed(items: list[str]) -> Bilingual:
    return Bilingual("、".join(items), ", ".join(items))


def _value_of(args: list[str], opts: list[str]) -> str:
    """The text given to the option `opts` on the command line ("" when not found)."""
    for i, arg in enumerate(args):
        for opt in opts:
            if arg == opt and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(opt + "="):
                return arg[len(opt) + 1 :]
    return ""


def _command_in(args: list[str], root: Any) -> str:
    """ "carbon VERB" from the command line, for an error Click raised without its context."""
    names = set(getattr(root, "commands", {}) or {})
    verb = next((a for a in args if a in names), None)
    return f"carbon {verb}" if verb else "carbon"


def _option(param: Any) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    return opts[0] if opts else (getattr(param, "metavar", None) or getattr(param, "name", "") or "").upper()


def _commands(ctx: Any) -> list[str]:
    root = ctx.find_root().command if ctx is not None else None
    return sorted(getattr(root, "commands", {}) or {})


def _owners(ctx: Any, option: str) -> list[str]:
    """The other commands that have `option` (carbon plan has no --budget: carbon batch has)."""
    if ctx is None:
        return []
    root = ctx.find_root().command
    own = ctx.command.name
    return [
        name
        for name, command in sorted((getattr(root, "commands", {}) or {}).items())
        if name != own and any(option in p.opts for p in command.params)
    ]


def translated(exc: Any, args: list[str], root: Any) -> UsageError:
    """The UsageError that says what the Click exception `exc` says; `args`: the command line,
    `root`: the `carbon` command group."""
    name = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else _command_in(args, root)
    text = str(getattr(exc, "message", "") or exc)
    param = getattr(exc, "param", None)

    def error(code: str, **params: Any) -> UsageError:
        return UsageError(code, command=command, **params)

    if name == "NoSuchOption":
        option = exc.option_name
        owners = _owners(ctx, option)
        if owners:
            advice = Bilingual(
                f"（{option} 是 {'、'.join('carbon ' + o for o in owners)} 的选项）",
                f" ({option} belongs to {', '.join('carbon ' + o for o in owners)})",
            )
        elif exc.possibilities:
            shown = _listed(sorted(exc.possibilities))
            advice = Bilingual(f"（是否想用 {shown.zh}？）", f" (did you mean {shown.en}?)")
        else:
            advice = Bilingual("", "")
        return error("usage_no_such_option", option=option, advice=advice)
    if name == "MissingParameter":
        kind = getattr(param, "param_type_name", "argument")
        what = _option(param) if kind == "option" else (getattr(param, "name", "") or "").upper()
        return error("usage_missing_option" if kind == "option" else "usage_missing_argument", name=what)
    if name == "BadParameter" and param is not None:
        option = _option(param)
        value = _value_of(args, list(param.opts))
        choice = _CHOICE.search(text)
        if choice:
            if choice.group("value").lower() in PDF_LIKE and param.name in ("format", "report_format"):
                return error("report_format_pdf", option=option)
            choices = _listed([c.strip().strip("'") for c in choice.group("choices").split(",")])
            return error("usage_bad_choice", option=option, value=choice.group("value"), choices=choices)
        if "valid integer" in text:
            return error("usage_bad_integer", option=option, value=value)
        if "valid number" in text or "valid float" in text:
            return error("usage_bad_number", option=option, value=value)
        limit = _LIMIT.search(text)
        if limit:
            sign = ("≤" if limit.group("equal") else "<") if limit.group("side") == "less" else "≥"
            if limit.group("side") == "greater" and not limit.group("equal"):
                sign = ">"
            return error("usage_out_of_range", option=option, value=value, limit=f"{sign} {limit.group('limit')}")
        return error("usage_bad_value", option=option, value=value, detail=text)
    match = _NO_COMMAND.search(text)
    if match:
        return error("usage_no_such_command", name=match.group("name"), commands=_listed(_commands(ctx)))
    match = _EXTRA.search(text)
    if match:
        return error("usage_extra_argument", args=match.group("args"))
    match = _NEEDS_VALUE.search(text)
    if match:
        return error("usage_needs_value", option=match.group("option"))
    if text.startswith("Missing command"):
        return error("usage_missing_command", commands=_listed(_commands(ctx)))
    return error("usage_other", detail=text)
