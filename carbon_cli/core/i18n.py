"""Wording of issues, errors and interface terms in Chinese (default) and English.

Messages are templates keyed by a stable code; the code is what scripts and tests match on,
the wording is for people. The wording is data, `carbon_cli/data/messages.toml` (both languages
side by side, each issue with its severity), parsed on first use and kept, so `carbon --help`
never reads it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

LANGS = ("zh", "en")
CATALOGUE = "messages.toml"  # under carbon_cli/data/

# code: (severity, zh message, en message, zh expected, en expected)
Severity = Literal["error", "warning"]
IssueEntry = tuple[Severity, str, str, str, str]


@cache
def _catalogue() -> tuple[dict[str, IssueEntry], dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """(issues, terms, column labels) of the catalogue, parsed once."""
    # Read as package data, not through core.resources: every error message comes through this
    # module, so it stands at the bottom of the import graph (tomllib is not needed to start up).
    import tomllib
    from importlib.resources import files

    data = tomllib.loads(files("carbon_cli").joinpath("data", CATALOGUE).read_text(encoding="utf-8"))
    issues = {
        code: (e["severity"], e["zh"], e["en"], e.get("expected_zh", ""), e.get("expected_en", ""))
        for code, e in data["issues"].items()
    }
    terms = {key: (pair["zh"], pair["en"]) for key, pair in data["terms"].items()}
    columns = {key: (pair["zh"], pair["en"]) for key, pair in data["columns"].items()}
    return issues, terms, columns


def __getattr__(name: str) -> Any:
    # The tables as they were when they were dicts in this module: i18n.ISSUES[code] etc.
    tables = ("ISSUES", "TERMS", "COLUMN_LABELS")
    if name in tables:
        return _catalogue()[tables.index(name)]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Bilingual:
    """A parameter worded in both languages (e.g. the detail of a corrupt file)."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _in(lang: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.text(lang) if isinstance(v, Bilingual) else v for k, v in params.items()}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


_formatter = string.Formatter()


def _fill(template: str, params: dict[str, Any]) -> str:
    values = _Blank({k: ("" if v is None else v) for k, v in params.items()})
    return _formatter.vformat(template, (), values)


def _entry(code: str) -> IssueEntry:
    return _catalogue()[0].get(code, ("error", code, code, "", ""))


def severity(code: str) -> Severity:
    return _entry(code)[0]


def message(code: str, lang: str = "zh", **params: Any) -> str:
    entry = _entry(code)
    return _fill(entry[1] if lang == "zh" else entry[2], _in(lang, params))


def expected(code: str, lang: str = "zh", **params: Any) -> str:
    entry = _entry(code)
    return _fill(entry[3] if lang == "zh" else entry[4], _in(lang, params))


def term(key: str, lang: str = "zh") -> str:
    pair = _catalogue()[1].get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def column_label(key: str, lang: str = "zh") -> str:
    pair = _catalogue()[2].get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def money(value: float | None, lang: str = "zh") -> str:
    """Yuan for people: 万元 with one decimal in Chinese from 10,000 up, whole yuan in English."""
    if value is None:
        return "—"
    if lang == "zh":
        return f"{value / 1e4:,.1f} 万元" if abs(value) >= 1e4 else f"{value:,.0f} 元"
    return f"{value:,.0f} yuan"


def money_range(low: float, high: float, lang: str = "zh") -> str:
    """A low–high range in the unit `money` would use for the larger end; a range with a negative
    end says "to" (-229.5 至 -118.9 万元), since a dash beside a minus sign reads as neither."""
    sep = "–" if min(low, high) >= 0 else (" 至 " if lang == "zh" else " to ")
    if lang == "zh" and max(abs(low), abs(high)) >= 1e4:
        return f"{low / 1e4:,.1f}{sep}{high / 1e4:,.1f} 万元"
    return f"{low:,.0f}{sep}{high:,.0f} {'元' if lang == 'zh' else 'yuan'}"


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal or a spreadsheet: CJK and full-width characters count
    two, others one."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)
