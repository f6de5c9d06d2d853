"""The roster (社区名单): the district's list of communities to survey, from CSV or a workbook.

Headers are matched as survey headers are (key, Chinese or English label, alias, full-width or
bracketed forms): 社区编码 / community_id, 社区名称, 所属街道, optionally 所属区 and a contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon_cli.survey.cells import Merged, coordinate
from carbon_cli.survey.container import Limits
from carbon_cli.survey.fields import dictionary, normalize
from carbon_cli.survey.issues import InputError, Issue, Location
from carbon_cli.survey.workbook import opened

COLUMNS = ("community_id", "community_name", "street", "district")
CONTACT_HEADERS = frozenset(
    normalize(h) for h in ("联系人", "联系方式", "联系电话", "电话", "contact", "contactperson", "phone", "email")
)
_HEADER_SCAN_ROWS = 20


@dataclass(frozen=True)
class Member:
    """One community on the roster, and the row it came from."""

    id: str
    name: str
    street: str = ""
    district: str = ""
    contact: str = ""
    location: Location | None = None


@dataclass
class Roster:
    file: str
    members: list[Member]
    issues: list[Issue] = field(default_factory=list)

    def find(self, community_id: str) -> Member | None:
        return next((m for m in self.members if m.id == community_id), None)


def _text(value: Any) -> str:
    if isinstance(value, Merged):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _columns(values: tuple[Any, ...]) -> dict[str, int]:
    fields = dictionary()
    found: dict[str, int] = {}
    for c, value in enumerate(values):
        text = _text(value)
        if not text:
            continue
        if normalize(text) in CONTACT_HEADERS:
            found.setdefault("contact", c)
            continue
        match = fields.match(text)
        if match is not None and match.field.key in COLUMNS:
            found.setdefault(match.field.key, c)
    return found


def read_roster(path: Path | str, limits: Limits | None = None) -> Roster:
    """Every community of the roster; InputError when no header with an ID column is found."""
    path = Path(path)
    file = str(path)
    with opened(path, limits) as grids:
        for grid in grids:
            scanned = 0
            rows = grid.rows()
            for r, values in rows:
                if not any(_text(v) for v in values):
                    continue
                columns = _columns(values)
                if "community_id" in columns and len(columns) >= 2:
                    return _members(file, grid.name, r, columns, rows)
                scanned += 1
                if scanned >= _HEADER_SCAN_ROWS:
                    break
    raise InputError(Issue("roster_no_header", Location(file)))


def _members(file: str, sheet: str, header_row: int, columns: dict[str, int], rows: Any) -> Roster:
    members: list[Member] = []
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    for r, values in rows:
        cells = {key: _text(values[c]) if c < len(values) else "" for key, c in columns.items()}
        if not any(cells.values()):
            continue
        where = Location(file, sheet, coordinate(r, columns["community_id"] + 1))
        community = cells["community_id"]
        if not community:
            issues.append(Issue("missing_community_id", where, "community_id"))
            continue
        if community in seen:
            issues.append(
                Issue("roster_duplicate", where, "community_id", community, community, {"other": seen[community]})
            )
            continue
        seen[community] = where.cell or ""
        members.append(
            Member(
                community,
                cells.get("community_name") or community,
                cells.get("street", ""),
                cells.get("district", ""),
                cells.get("contact", ""),
                where,
            )
        )
    if not members:
        raise InputError(Issue("roster_empty", Location(file, sheet)))
    return Roster(file, members, issues)


def form_name(community_id: str) -> str:
    """The file name of a community's form: its ID, made safe for every file system."""
    from carbon_cli.core.fileio import safe_filename

    return safe_filename(community_id) + ".xlsx"
