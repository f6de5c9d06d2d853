"""Emission factor sets (`data/factors/*.toml`, or a user's file) with source and status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbon_cli.core.datafiles import DataSet, Malformed, builtin_ids, load_set, require, set_names, status_of

DEFAULT_SET = "cn-south-2023"
FOLDER = "factors"
# What the inventory formulas need; a set (after `extends`) must define each.
REQUIRED_FACTORS = (
    "EF_grid",
    "EF_gas",
    "EF_lpg",
    "EF_diesel",
    "EF_gasoline",
    "rho_diesel",
    "rho_gasoline",
    "fuel_use_l_per_km",
    "EF_water_supply",
    "EF_wastewater",
    "wastewater_share_of_supply",
    "EF_residual_waste",
    "SINK_tree_m2",
    "SINK_shrub_m2",
    "SINK_tree",
)


@dataclass(frozen=True)
class Factor:
    key: str
    value: float
    unit: str
    status: str
    source: str
    zh: str = ""
    en: str = ""
    year: int | None = None
    issuer: str = ""
    origin: str = ""  # the set or file that defined it
    low: float | None = None  # a published spread (`low`/`high` in the file); None: the default rule
    high: float | None = None
    range_source: str = ""

    def label(self, lang: str = "zh") -> str:
        return (self.zh if lang == "zh" else self.en) or self.key


@dataclass(frozen=True)
class FactorSet(DataSet):
    factors: dict[str, Factor]

    def __getitem__(self, key: str) -> Factor:
        return self.factors[key]

    def value(self, key: str) -> float:
        return self.factors[key].value


def available() -> list[str]:
    return builtin_ids(FOLDER)


def load_factor_set(name_or_path: str | None = None) -> FactorSet:
    """A built-in set by id, or a user's TOML file (which extends the default set unless it says)."""
    return load_set(name_or_path, FOLDER, DEFAULT_SET, ("factor", "排放因子集/factor set"), _build)


def _build(chain: list[tuple[str, dict[str, Any]]]) -> FactorSet:
    """The factors of a set's files, each overriding the ones it extends."""
    factors: dict[str, Factor] = {}
    for set_id, data in chain:
        entries = data.get("factors", {})
        if not isinstance(entries, dict):
            raise Malformed("[factors] must be a table of tables")
        for key, entry in entries.items():
            factors[key] = _factor(key, entry, set_id)
    absent = [k for k in REQUIRED_FACTORS if k not in factors]
    if absent:
        raise Malformed(f"missing factors: {', '.join(absent)}")
    set_id, data = chain[-1]
    return FactorSet(**set_names(data.get("set", {}), set_id), factors=factors)


def _factor(key: str, entry: Any, origin: str) -> Factor:
    where = f"[factors.{key}]"
    if not isinstance(entry, dict):
        raise Malformed(f"{where} must be a table with value, unit, source, status")
    value = float(require(entry, "value", (int, float), where))
    if value < 0:
        raise Malformed(f"{where}: value must be ≥ 0, not {value}")
    year = entry.get("year")
    low, high = (entry.get(k) for k in ("low", "high"))
    if (low is None) != (high is None):
        raise Malformed(f"{where}: give both `low` and `high`, or neither")
    if low is not None:
        low = float(require(entry, "low", (int, float), where))
        high = float(require(entry, "high", (int, float), where))
        if not low <= value <= high:
            raise Malformed(f"{where}: `low` ≤ value ≤ `high` is needed, not {low} / {value} / {high}")
    return Factor(
        key=key,
        value=value,
        unit=str(require(entry, "unit", str, where)),
        status=status_of(entry, where),
        source=str(require(entry, "source", str, where)),
        zh=str(entry.get("zh", "")),
        en=str(entry.get("en", "")),
        year=int(year) if isinstance(year, int) else None,
        issuer=str(entry.get("issuer", "")),
        origin=origin,
        low=low,
        high=high,
        range_source=str(entry.get("range_source", "")),
    )


def describe(factor_set: FactorSet) -> dict[str, Any]:
    return {
        "id": factor_set.id,
        "factors": {
            k: {
                "value": f.value,
                "unit": f.unit,
                "status": f.status,
                "source": f.source,
                "year": f.year,
                "issuer": f.issuer or None,
            }
            for k, f in factor_set.factors.items()
        },
    }
