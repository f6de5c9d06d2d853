"""The community carbon inventory (method v1): emissions by source, sinks, net, intensities.

Every line keeps the fields it read and the factors it used, so a report can show how each
number was made. Absent optional fields count 0 and are listed as not surveyed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from carbon_cli.accounting.factors import FactorSet
from carbon_cli.accounting.inputs import ELECTRICITY_USE, INVENTORY_FIELDS
from carbon_cli.survey.fields import dictionary

SOURCES = ("electricity", "natural_gas", "lpg", "diesel", "gasoline", "water", "waste")


@dataclass(frozen=True)
class Line:
    """One source (or the sinks): tCO2e, the fields it read, the factors it used."""

    key: str
    tco2e: float
    fields: tuple[str, ...]
    factors: tuple[str, ...]
    not_surveyed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inventory:
    year: int | None
    lines: tuple[Line, ...]
    sinks: Line
    resident_population: float | None
    gfa_total_m2: float | None
    missing_required: tuple[str, ...]

    @property
    def sources(self) -> dict[str, float]:
        return {line.key: line.tco2e for line in self.lines}

    @property
    def complete(self) -> bool:
        return not self.missing_required

    @cached_property
    def gross_tco2e(self) -> float:
        return sum(line.tco2e for line in self.lines)

    @property
    def sinks_tco2e(self) -> float:
        return self.sinks.tco2e

    @property
    def net_tco2e(self) -> float:
        return max(0.0, self.gross_tco2e - self.sinks_tco2e)

    @property
    def per_capita_tco2e(self) -> float | None:
        if not self.resident_population:
            return None
        return self.net_tco2e / self.resident_population

    @property
    def per_m2_kgco2e(self) -> float | None:
        if not self.gfa_total_m2:
            return None
        return self.net_tco2e * 1000 / self.gfa_total_m2

    @property
    def not_surveyed(self) -> tuple[str, ...]:
        keys: dict[str, None] = {}
        for line in (*self.lines, self.sinks):
            keys.update(dict.fromkeys(line.not_surveyed))
        return tuple(keys)

    @property
    def factors_used(self) -> tuple[str, ...]:
        keys: dict[str, None] = {}
        for line in (*self.lines, self.sinks):
            keys.update(dict.fromkeys(line.factors))
        return tuple(keys)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "complete": self.complete,
            "missing_required": list(self.missing_required),
            "gross_tco2e": self.gross_tco2e,
            "sinks_tco2e": self.sinks_tco2e,
            "net_tco2e": self.net_tco2e,
            "per_capita_tco2e": self.per_capita_tco2e,
            "per_m2_kgco2e": self.per_m2_kgco2e,
            "sources": self.sources,
            "lines": {
                line.key: {
                    "tco2e": line.tco2e,
                    "fields": list(line.fields),
                    "factors": list(line.factors),
                    "not_surveyed": list(line.not_surveyed),
                }
                for line in (*self.lines, self.sinks)
            },
            "not_surveyed": list(self.not_surveyed),
        }


class _Reader:
    """Values of one year; records which optional fields were absent."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def has(self, key: str) -> bool:
        return isinstance(self.values.get(key), int | float) and not isinstance(self.values.get(key), bool)

    def get(self, key: str, absent: list[str]) -> float:
        if self.has(key):
            return float(self.values[key])
        absent.append(key)
        return 0.0


def compute_inventory(values: dict[str, Any], factors: FactorSet, year: int | None = None) -> Inventory:
    """The inventory of one year's values (canonical units) with one factor set."""
    v = _Reader(values)
    f = factors.value
    return Inventory(
        year=year,
        lines=tuple(make(v, f) for make in SOURCE_LINES.values()),
        sinks=_sinks(v, f),
        resident_population=values.get("resident_population"),
        gfa_total_m2=values.get("gfa_total_m2"),
        missing_required=tuple(k for k in required_read() if k not in values),
    )


def update_inventory(
    inventory: Inventory, values: dict[str, Any], changed: frozenset[str] | set[str], factors: FactorSet
) -> Inventory:
    """`compute_inventory(values, …)` when `inventory` was computed from values that differ from
    `values` only in the fields `changed`: only the lines that read a changed field are remade."""
    if not changed & INVENTORY_FIELDS:
        return inventory
    v = _Reader(values)
    f = factors.value
    lines = tuple(
        make(v, f) if changed & LINE_FIELDS[line.key] else line
        for line, make in zip(inventory.lines, SOURCE_LINES.values(), strict=True)
    )
    sinks = _sinks(v, f) if changed & LINE_FIELDS["sinks"] else inventory.sinks
    return Inventory(
        year=inventory.year,
        lines=lines,
        sinks=sinks,
        resident_population=values.get("resident_population"),
        gfa_total_m2=values.get("gfa_total_m2"),
        missing_required=tuple(k for k in required_read() if k not in values),
    )


def compute_line(key: str, values: dict[str, Any], factors: FactorSet) -> Line:
    """One line of `compute_inventory(values, factors)`: a source of SOURCES, or "sinks"."""
    return line_at(key, values, factors.value)


def line_at(key: str, values: dict[str, Any], factor: Callable[[str], float]) -> Line:
    """`compute_line` with each factor's value given by `factor` (a factor set's values, some
    changed, without building a set)."""
    make = _sinks if key == "sinks" else SOURCE_LINES[key]
    return make(_Reader(values), factor)


@cache
def required_read() -> tuple[str, ...]:
    """Required fields the formulas read; identity and management fields do not change a number."""
    read = {
        *ELECTRICITY_USE,
        "gas_pipeline_m3",
        "water_supply_m3",
        "msw_total_t",
        "resident_population",
        "gfa_total_m2",
    }
    return tuple(s.key for s in dictionary().required if s.key in read)


def _electricity(v: _Reader, f: Any) -> Line:
    absent: list[str] = []
    use = sum(v.get(k, absent) for k in ELECTRICITY_USE)
    green = v.get("green_power_kwh", absent)
    tco2e = max(0.0, use - green) * f("EF_grid") / 1000
    return Line("electricity", tco2e, (*ELECTRICITY_USE, "green_power_kwh"), ("EF_grid",), tuple(absent))


def _simple(v: _Reader, key: str, field: str, factor_keys: tuple[str, ...], t_per_unit: float) -> Line:
    absent: list[str] = []
    return Line(key, v.get(field, absent) * t_per_unit, (field,), factor_keys, tuple(absent))


def _gasoline(v: _Reader, f: Any) -> Line:
    t_per_l = f("rho_gasoline") * f("EF_gasoline") / 1000
    if v.has("gasoline_l"):
        return Line("gasoline", v.values["gasoline_l"] * t_per_l, ("gasoline_l",), ("rho_gasoline", "EF_gasoline"))
    if v.has("fuel_vehicle_km"):
        litres = v.values["fuel_vehicle_km"] * f("fuel_use_l_per_km")
        return Line(
            "gasoline",
            litres * t_per_l,
            ("fuel_vehicle_km",),
            ("fuel_use_l_per_km", "rho_gasoline", "EF_gasoline"),
            ("gasoline_l",),
        )
    return Line("gasoline", 0.0, ("gasoline_l", "fuel_vehicle_km"), (), ("gasoline_l", "fuel_vehicle_km"))


def _water(v: _Reader, f: Any) -> Line:
    absent: list[str] = []
    supply = v.get("water_supply_m3", absent)
    factors = ["EF_water_supply", "EF_wastewater"]
    if v.has("wastewater_m3"):
        wastewater = float(v.values["wastewater_m3"])
    else:
        absent.append("wastewater_m3")
        wastewater = f("wastewater_share_of_supply") * supply
        factors.append("wastewater_share_of_supply")
    tco2e = supply * f("EF_water_supply") / 1000 + wastewater * f("EF_wastewater") / 1000
    return Line("water", tco2e, ("water_supply_m3", "wastewater_m3"), tuple(factors), tuple(absent))


def _waste(v: _Reader, f: Any) -> Line:
    if v.has("residual_t"):
        residual = float(v.values["residual_t"])
        return Line("waste", residual * f("EF_residual_waste"), ("residual_t",), ("EF_residual_waste",))
    absent: list[str] = ["residual_t"]
    streams = ("recyclables_t", "kitchen_waste_t", "hazardous_t")
    residual = v.get("msw_total_t", absent) - sum(v.get(k, absent) for k in streams)
    return Line(
        "waste",
        max(0.0, residual) * f("EF_residual_waste"),
        ("msw_total_t", *streams),
        ("EF_residual_waste",),
        tuple(absent),
    )


def _sinks(v: _Reader, f: Any) -> Line:
    if v.has("tree_green_m2") or v.has("shrub_lawn_m2"):
        absent: list[str] = []
        kg = v.get("tree_green_m2", absent) * f("SINK_tree_m2") + v.get("shrub_lawn_m2", absent) * f("SINK_shrub_m2")
        return Line(
            "sinks", kg / 1000, ("tree_green_m2", "shrub_lawn_m2"), ("SINK_tree_m2", "SINK_shrub_m2"), tuple(absent)
        )
    if v.has("tree_count"):
        return Line(
            "sinks",
            v.values["tree_count"] * f("SINK_tree") / 1000,
            ("tree_count",),
            ("SINK_tree",),
            ("tree_green_m2", "shrub_lawn_m2"),
        )
    return Line(
        "sinks",
        0.0,
        ("tree_green_m2", "shrub_lawn_m2", "tree_count"),
        (),
        ("tree_green_m2", "shrub_lawn_m2", "tree_count"),
    )


# Each source line (in SOURCES order) and how it is made; the fields each line and the sinks read.
SOURCE_LINES: dict[str, Callable[[_Reader, Any], Line]] = {
    "electricity": _electricity,
    "natural_gas": lambda v, f: _simple(v, "natural_gas", "gas_pipeline_m3", ("EF_gas",), f("EF_gas") / 1000),
    "lpg": lambda v, f: _simple(v, "lpg", "lpg_kg", ("EF_lpg",), f("EF_lpg") / 1000),
    "diesel": lambda v, f: _simple(
        v, "diesel", "diesel_l", ("rho_diesel", "EF_diesel"), f("rho_diesel") * f("EF_diesel") / 1000
    ),
    "gasoline": _gasoline,
    "water": _water,
    "waste": _waste,
}
LINE_FIELDS: dict[str, frozenset[str]] = {
    "electricity": frozenset((*ELECTRICITY_USE, "green_power_kwh")),
    "natural_gas": frozenset(("gas_pipeline_m3",)),
    "lpg": frozenset(("lpg_kg",)),
    "diesel": frozenset(("diesel_l",)),
    "gasoline": frozenset(("gasoline_l", "fuel_vehicle_km")),
    "water": frozenset(("water_supply_m3", "wastewater_m3")),
    "waste": frozenset(("residual_t", "msw_total_t", "recyclables_t", "kitchen_waste_t", "hazardous_t")),
    "sinks": frozenset(("tree_green_m2", "shrub_lawn_m2", "tree_count")),
}
