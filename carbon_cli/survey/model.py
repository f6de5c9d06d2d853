"""The typed survey record of one community: assessment-year and optional baseline-year values."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from carbon_cli.survey.issues import Issue, Location

ASSESSMENT = "assessment"
BASELINE = "baseline"
# Who and when: a prefilled form carries these before anyone has surveyed anything.
IDENTITY = ("community_id", "community_name", "street", "district", "assessment_year", "baseline_year")


class RowSources(Mapping[str, Location]):
    """Where each value of a survey read from a table came from: "role.key" → the cell, made
    when asked for. Each year role is one row of a sheet, every field one column of it, so
    this holds a row number per role instead of a Location per value (10,000 communities
    would otherwise keep a million of them).

    `rows`: (role, file, sheet, row number, {field key: column letter}); `extra`: further
    "role.key" → Location, taking precedence.
    """

    __slots__ = ("_extra", "_rows")

    def __init__(
        self, rows: tuple[tuple[str, str, str, int, Mapping[str, str]], ...], extra: dict[str, Location]
    ) -> None:
        self._rows = rows
        self._extra = extra

    def __getitem__(self, name: str) -> Location:
        found = self._extra.get(name)
        if found is not None:
            return found
        role, _, key = name.partition(".")
        for row_role, file, sheet, row, letters in self._rows:
            if row_role == role and key in letters:
                return Location(file, sheet, f"{letters[key]}{row}")
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        for role, _, _, _, letters in self._rows:
            for key in letters:
                name = f"{role}.{key}"
                if name not in self._extra:
                    yield name
        yield from self._extra

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __reduce__(self) -> tuple[Any, ...]:
        return RowSources, (self._rows, self._extra)

    def fingerprint(self) -> tuple[Any, ...]:
        """What changes when any location changes, made without making the locations: a
        sheet's column letters, one dict for all its rows, stand in as a digest made once."""
        rows = tuple((role, file, sheet, row, _letters_digest(cols)) for role, file, sheet, row, cols in self._rows)
        return rows, tuple(sorted((k, repr(v)) for k, v in self._extra.items()))

    def __repr__(self) -> str:
        return f"RowSources({dict(self)!r})"


class RowCells(Mapping[str, Location]):
    """Where each value of one table row came from: field key → its cell, made when asked for
    (a row of 69 columns would otherwise keep 69 Locations; 40,000 rows of a table read for
    every year kept 2.8 million). `letters` is the sheet's field key → column letter, one dict
    for all its rows."""

    __slots__ = ("file", "letters", "row", "sheet")

    def __init__(self, file: str, sheet: str, row: int, letters: Mapping[str, str]) -> None:
        self.file = file
        self.sheet = sheet
        self.row = row
        self.letters = letters

    def __getitem__(self, key: str) -> Location:
        return Location(self.file, self.sheet, f"{self.letters[key]}{self.row}")

    def __contains__(self, key: object) -> bool:
        return key in self.letters

    def __iter__(self) -> Iterator[str]:
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def __reduce__(self) -> tuple[Any, ...]:
        return RowCells, (self.file, self.sheet, self.row, self.letters)

    def __repr__(self) -> str:
        return f"RowCells({dict(self)!r})"


_LETTERS: dict[int, tuple[Mapping[str, str], str]] = {}  # id → (the dict, kept alive so the id is not reused; digest)


def _letters_digest(letters: Mapping[str, str]) -> str:
    held = _LETTERS.get(id(letters))
    if held is None or held[0] is not letters:
        if len(_LETTERS) >= 64:
            _LETTERS.clear()
        text = repr(sorted(letters.items())).encode("utf-8")
        held = _LETTERS[id(letters)] = (letters, hashlib.sha256(text).hexdigest())
    return held[1]


@dataclass(frozen=True)
class Survey:
    """One community as surveyed. Values are in canonical units; an absent key is not surveyed.

    `assessment` holds every field of the assessment year (identity fields included);
    `baseline` the per-year fields of the baseline year, or None when none was surveyed.
    `sources` maps "assessment.<key>" / "baseline.<key>" to where the value was read.
    """

    file: str
    layout: str
    assessment: dict[str, Any]
    baseline: dict[str, Any] | None = None
    sources: Mapping[str, Location] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()

    @property
    def community_id(self) -> str:
        return str(self.assessment.get("community_id") or self.assessment.get("community_name") or "?")

    @property
    def name(self) -> str:
        return str(self.assessment.get("community_name") or self.community_id)

    @property
    def assessment_year(self) -> int | None:
        return self.assessment.get("assessment_year")

    @property
    def baseline_year(self) -> int | None:
        return self.assessment.get("baseline_year") if self.baseline is not None else None

    @property
    def is_blank(self) -> bool:
        """Nothing surveyed for the assessment year: no value beyond who the community is and
        which years (a baseline carried over from last year is not this year's survey), and no
        cell that held something unreadable."""
        return not any(key not in IDENTITY for key in self.assessment) and not any(
            i.location.cell and i.field not in IDENTITY for i in self.issues
        )

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def blocking_errors(self) -> list[Issue]:
        """Errors that make an assessment meaningless; missing data instead gives "incomplete"."""
        return [i for i in self.issues if i.is_error and i.code != "missing_required"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    def source(self, role: str, key: str) -> Location | None:
        return self.sources.get(f"{role}.{key}")

    def with_values(self, changes: dict[str, Any], origin: str) -> Survey:
        """A copy with assessment-year values changed (what-if and measures); inputs untouched."""
        assessment = {**self.assessment, **changes}
        sources = {**self.sources}
        for key in changes:
            sources[f"{ASSESSMENT}.{key}"] = Location(origin)
        return replace(self, assessment=assessment, sources=sources)

    def with_issues(self, issues: list[Issue]) -> Survey:
        return replace(self, issues=(*self.issues, *issues))
