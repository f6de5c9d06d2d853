"""A criteria set from where a user names it: a built-in id, a TOML file, or a criteria workbook
(`carbon criteria export`), read into the tables of a TOML set and built the same way."""

from __future__ import annotations

from carbon_cli.core.datafiles import Malformed, locate
from carbon_cli.scoring.criteria import (
    CRITERIA_KIND,
    DEFAULT_SET,
    FOLDER,
    CriteriaSet,
    build_criteria,
    load_toml_criteria,
)
from carbon_cli.scoring.criteria_sheets import load_tables

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def load_criteria(name_or_path: str | None = None) -> CriteriaSet:
    """A built-in set by id, a user's TOML file, or a criteria workbook; a workbook's error names
    its first wrong cell."""
    _, path = locate(name_or_path or DEFAULT_SET, FOLDER, CRITERIA_KIND)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return load_toml_criteria(name_or_path)
    origin, data, explain = load_tables(path)
    try:
        return build_criteria(origin, data)
    except Malformed as exc:
        raise explain(str(exc)) from None
