"""Funding policies (`data/policies.toml`): what a report can point to, and the policies whose
subsidy rules the cost set applies. Each carries its dates, so an expired one can be named as such."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from functools import cache

from carbon_cli.core.resources import load_toml


@dataclass(frozen=True)
class Policy:
    key: str
    name: str
    name_en: str
    issuer: str
    issuer_en: str
    date: str  # "2022-12-12", or just a year; "" when unknown
    date_note_zh: str
    date_note_en: str
    valid_until: str | None
    funds_zh: str
    funds_en: str
    measures: tuple[str, ...]
    items: tuple[str, ...]
    pilot_award: bool
    doc_no: str
    source: str
    status: str

    def label(self, lang: str = "zh") -> str:
        return self.name if lang == "zh" else self.name_en


@cache
def load_policies() -> tuple[Policy, ...]:
    entries = load_toml("policies.toml").get("policies", [])
    return tuple(
        Policy(
            key=e["key"],
            name=e["name"],
            name_en=e.get("name_en", e["name"]),
            issuer=e.get("issuer", ""),
            issuer_en=e.get("issuer_en", e.get("issuer", "")),
            date=str(e.get("date", "")),
            date_note_zh=e.get("date_note_zh", ""),
            date_note_en=e.get("date_note_en", ""),
            valid_until=str(e["valid_until"]) if e.get("valid_until") else None,
            funds_zh=e.get("funds_zh", ""),
            funds_en=e.get("funds_en", e.get("funds_zh", "")),
            measures=tuple(e.get("measures", ())),
            items=tuple(e.get("items", ())),
            pilot_award=bool(e.get("pilot_award", False)),
            doc_no=e.get("doc_no", ""),
            source=e.get("source", ""),
            status=e.get("status", "assumed"),
        )
        for e in entries
    )


def policy(key: str) -> Policy | None:
    return next((p for p in load_policies() if p.key == key), None)


_DATE = re.compile(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})")


def parse_date(text: str | None) -> Date | None:
    """A full date written as 2024-12-31, 2024/12/31 or 2024年12月31日; None otherwise."""
    found = _DATE.search(text or "")
    if not found:
        return None
    try:
        return Date(*map(int, found.groups()))
    except ValueError:
        return None


def expired(valid_until: str | None, on: str | None) -> bool | None:
    """Whether a policy valid until `valid_until` had lapsed on `on`; None when either date is unknown."""
    until, day = parse_date(valid_until), parse_date(on)
    if until is None or day is None:
        return None
    return day > until


def today() -> Date:
    """The day by the machine's clock: the one place carbon-cli reads it (the tests freeze it here)."""
    return Date.today()


def judged_on(text: str | None) -> str:
    """The ISO date subsidies are judged on: `text` when it is a full date, else today."""
    day = parse_date(text)
    return (day or today()).isoformat()
