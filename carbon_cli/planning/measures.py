"""The measures library (`data/measures.toml`, overridable): what a community can do, as
changes to its assessment-year survey. Effects on emissions and score are never stated here:
they come from re-running the inventory and criteria on the changed survey."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from carbon_cli.accounting.inputs import ELECTRICITY_USE
from carbon_cli.core.datafiles import Malformed, read_toml, require, status_of
from carbon_cli.core.errors import CarbonError
from carbon_cli.core.resources import DATA_DIR, load_toml

Values = dict[str, Any]
Change = dict[str, Any]


@dataclass(frozen=True)
class Measure:
    key: str
    zh: str
    en: str
    description_zh: str
    description_en: str
    action: str
    effort: str
    weight: float
    params: dict[str, float]
    status: str
    source: str
    changes: tuple[dict[str, Any], ...] = ()  # for action = "set": generic field changes

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def description(self, lang: str = "zh") -> str:
        return self.description_zh if lang == "zh" else self.description_en

    def apply(self, values: Values) -> Change:
        """The survey changes this measure makes to `values`; empty when it does not apply."""
        change = ACTIONS[self.action](values, self.params, self)
        return {k: v for k, v in change.items() if values.get(k) != v}

    @cached_property
    def depends(self) -> dict[str, frozenset[str]]:
        """Each field `apply` can change, with the fields its new value (or whether it changes)
        depends on: any other field may change without changing it."""
        if self.action != "set":
            return ACTION_FIELDS[self.action]
        written = frozenset(s["field"] for s in self.changes)  # a change may read an earlier one
        reads = written | {s["share_of"] for s in self.changes if "share_of" in s}
        return dict.fromkeys(written, reads)

    @cached_property
    def writes(self) -> frozenset[str]:
        """The only fields `apply` can change."""
        return frozenset(self.depends)

    @cached_property
    def reads(self) -> frozenset[str]:
        """Every field `apply` depends on."""
        return frozenset().union(*self.depends.values())


def _num(values: Values, key: str) -> float | None:
    value = values.get(key)
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def _raise_to(values: Values, key: str, target: float, whole: bool = False) -> Change:
    current = _num(values, key) or 0.0
    if whole:
        target = math.ceil(target - 1e-9)
    return {key: target} if target > current + 1e-9 else {}


def rooftop_pv(v: Values, p: dict[str, float], _: Measure) -> Change:
    roof = _num(v, "usable_roof_area_m2")
    if not roof:
        return {}
    current = _num(v, "pv_roof_area_m2") or 0.0
    target = p["roof_share"] * roof
    if target <= current:
        return {}
    kwp = (target - current) * p["kwp_per_m2"]
    generation = kwp * p["kwh_per_kwp"]
    public = _num(v, "elec_public_area_kwh") or 0.0
    residential = _num(v, "elec_residential_kwh") or 0.0
    to_public = min(public, generation)  # used on site: public areas first, then households
    return {
        "pv_roof_area_m2": target,
        "pv_capacity_kwp": (_num(v, "pv_capacity_kwp") or 0.0) + kwp,
        "pv_generation_kwh": (_num(v, "pv_generation_kwh") or 0.0) + generation,
        "elec_public_area_kwh": public - to_public,
        "elec_residential_kwh": max(0.0, residential - (generation - to_public)),
    }


def green_power(v: Values, p: dict[str, float], _: Measure) -> Change:
    grid = sum(_num(v, k) or 0.0 for k in ELECTRICITY_USE)
    pv = _num(v, "pv_generation_kwh") or 0.0
    needed = p["renewable_pct"] / 100 * (grid + pv) - pv
    return _raise_to(v, "green_power_kwh", needed)


def electric_kitchens(v: Values, p: dict[str, float], _: Measure) -> Change:
    households, gas = _num(v, "households"), _num(v, "gas_pipeline_m3")
    if not households or gas is None:
        return {}
    current = _num(v, "households_electric_cooking") or 0.0
    target = math.ceil(p["household_share"] * households - 1e-9)
    if target <= current or households <= current:
        return {}
    gas_per_household = gas / (households - current)
    removed = min(gas, (target - current) * gas_per_household)
    return {
        "households_electric_cooking": target,
        "gas_pipeline_m3": gas - removed,
        "elec_residential_kwh": (_num(v, "elec_residential_kwh") or 0.0) + removed * p["kwh_per_m3_gas"],
    }


def led_lighting(v: Values, p: dict[str, float], _: Measure) -> Change:
    fixtures = _num(v, "public_fixtures")
    if not fixtures:
        return {}
    efficient = _num(v, "efficient_fixtures") or 0.0
    if efficient >= fixtures:
        return {}
    converted = (fixtures - efficient) / fixtures
    public = _num(v, "elec_public_area_kwh") or 0.0
    return {
        "efficient_fixtures": int(fixtures),
        "elec_public_area_kwh": public * (1 - p["lighting_share"] * p["led_saving"] * converted),
    }


def public_equipment(v: Values, p: dict[str, float], _: Measure) -> Change:
    public = _num(v, "elec_public_area_kwh")
    return {"elec_public_area_kwh": public * (1 - p["saving"])} if public else {}


def _cover(
    v: Values, covered: str, whole_key: str, share: float, saving: float, uses: tuple[str, ...], whole: bool = False
) -> Change:
    """Raise `covered` to `share` of `whole_key`; each of `uses` falls by `saving` × the newly
    covered share (retrofitted floor area cuts electricity, fixtures cut water)."""
    total = _num(v, whole_key)
    if not total:
        return {}
    current = _num(v, covered) or 0.0
    target = math.ceil(share * total - 1e-9) if whole else share * total
    if target <= current:
        return {}
    cut = 1 - saving * (target - current) / total
    change: Change = {covered: target}
    for key in uses:
        use = _num(v, key)
        if use is not None:
            change[key] = use * cut
    return change


def building_retrofit(v: Values, p: dict[str, float], _: Measure) -> Change:
    uses = ("elec_residential_kwh", "elec_commercial_kwh")
    return _cover(v, "retrofitted_gfa_m2", "gfa_total_m2", p["gfa_share"], p["saving"], uses)


def ev_chargers(v: Values, p: dict[str, float], _: Measure) -> Change:
    spaces = _num(v, "parking_spaces")
    return _raise_to(v, "charging_spaces", p["space_share"] * spaces, whole=True) if spaces else {}


def waste_sorting(v: Values, p: dict[str, float], _: Measure) -> Change:
    msw = _num(v, "msw_total_t")
    if not msw:
        return {}
    recyclables = _num(v, "recyclables_t") or 0.0
    kitchen = _num(v, "kitchen_waste_t") or 0.0
    target = p["resource_share"] * msw
    sorted_now = recyclables + kitchen
    if target <= sorted_now:
        return {}
    scale = target / sorted_now if sorted_now else 0.0
    change: Change = (
        {"recyclables_t": recyclables * scale, "kitchen_waste_t": kitchen * scale}
        if sorted_now
        else {"recyclables_t": target / 2, "kitchen_waste_t": target / 2}
    )
    residual = _num(v, "residual_t")
    if residual is not None:
        change["residual_t"] = max(0.0, residual - (target - sorted_now))
    return change


def onsite_composting(v: Values, p: dict[str, float], _: Measure) -> Change:
    kitchen = _num(v, "kitchen_waste_t")
    return _raise_to(v, "kitchen_waste_onsite_t", p["onsite_share"] * kitchen) if kitchen else {}


def water_saving_fixtures(v: Values, p: dict[str, float], _: Measure) -> Change:
    uses = ("water_supply_m3", "wastewater_m3")
    return _cover(
        v, "households_with_saving_fixtures", "households", p["household_share"], p["water_saving"], uses, whole=True
    )


def rainwater_reuse(v: Values, p: dict[str, float], _: Measure) -> Change:
    supply = _num(v, "water_supply_m3")
    if not supply:
        return {}
    current = _num(v, "nontraditional_water_m3") or 0.0
    target = p["supply_share"] * supply
    if target <= current:
        return {}
    return {"nontraditional_water_m3": target, "water_supply_m3": supply - (target - current)}


def greening(v: Values, p: dict[str, float], _: Measure) -> Change:
    land, cover = _num(v, "land_area_m2"), _num(v, "green_cover_m2")
    if not land or cover is None:
        return {}
    target = min(land, p["green_share"] * land)
    if target <= cover:
        return {}
    trees = _num(v, "tree_green_m2") or 0.0
    return {"green_cover_m2": target, "tree_green_m2": min(land, trees + target - cover)}


def set_true(*keys: str) -> Callable[[Values, dict[str, float], Measure], Change]:
    def action(v: Values, p: dict[str, float], _: Measure) -> Change:
        return {k: True for k in keys if v.get(k) is not True}

    return action


def full_sorting_points(v: Values, p: dict[str, float], _: Measure) -> Change:
    buildings = _num(v, "buildings_total")
    return _raise_to(v, "buildings_with_sorting_points", buildings, whole=True) if buildings else {}


def monitoring_platform(v: Values, p: dict[str, float], _: Measure) -> Change:
    change = set_true("has_energy_metering_platform")(v, p, _)
    change.update(_raise_to(v, "share_public_loads_submetered", p["submetered_pct"]))
    return change


def outreach(v: Values, p: dict[str, float], _: Measure) -> Change:
    change = _raise_to(v, "outreach_events_per_year", p["events"], whole=True)
    population = _num(v, "resident_population")
    if population:
        change.update(_raise_to(v, "participating_residents", p["participant_share"] * population, whole=True))
    return change


def generic(v: Values, p: dict[str, float], m: Measure) -> Change:
    """A user's measure: each change sets a field to a value, raises it to a share of another
    field, or scales it."""
    change: Change = {}
    for step in m.changes:
        key = step["field"]
        current = {**v, **change}
        if "to" in step:
            if current.get(key) != step["to"]:
                change[key] = step["to"]
        elif "share_of" in step:
            base = _num(current, step["share_of"])
            if base:
                change.update(_raise_to(current, key, step["share"] * base))
        elif "scale" in step and (scaled := _num(current, key)) is not None:
            change[key] = scaled * step["scale"]
    return change


ACTIONS: dict[str, Callable[[Values, dict[str, float], Measure], Change]] = {
    "rooftop_pv": rooftop_pv,
    "green_power": green_power,
    "electric_kitchens": electric_kitchens,
    "led_lighting": led_lighting,
    "public_equipment": public_equipment,
    "building_retrofit": building_retrofit,
    "ev_chargers": ev_chargers,
    "waste_sorting": waste_sorting,
    "onsite_composting": onsite_composting,
    "reuse_facility": set_true("has_reuse_facility"),
    "water_saving_fixtures": water_saving_fixtures,
    "rainwater_reuse": rainwater_reuse,
    "greening": greening,
    "carbon_management": set_true("has_carbon_mgmt_team", "has_creation_plan"),
    "full_sorting_points": full_sorting_points,
    "monitoring_platform": monitoring_platform,
    "outreach": outreach,
    "set": generic,
}


def _fields(*outputs: str) -> dict[str, frozenset[str]]:
    """An action's written fields, each with the fields its new value depends on: "written <-
    read read …" (a written field depends on its own value too)."""
    table = {}
    for output in outputs:
        written, _, reads = output.partition("<-")
        table[written.strip()] = frozenset((written.strip(), *reads.split()))
    return table


_USE = " ".join(ELECTRICITY_USE)
_ROOF = "usable_roof_area_m2 pv_roof_area_m2"
_COOKING = "households households_electric_cooking gas_pipeline_m3"
_SORTED = "msw_total_t recyclables_t kitchen_waste_t"
_SAVING = "households households_with_saving_fixtures"
# What each coded action writes, and what each written value depends on (tests check `apply`
# against this table; the pathway search bounds with it).
ACTION_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "rooftop_pv": _fields(
        f"pv_roof_area_m2 <- {_ROOF}",
        f"pv_capacity_kwp <- {_ROOF}",
        f"pv_generation_kwh <- {_ROOF}",
        f"elec_public_area_kwh <- {_ROOF}",
        f"elec_residential_kwh <- {_ROOF} elec_public_area_kwh",
    ),
    "green_power": _fields(f"green_power_kwh <- {_USE} pv_generation_kwh"),
    "electric_kitchens": _fields(
        f"households_electric_cooking <- {_COOKING}",
        f"gas_pipeline_m3 <- {_COOKING}",
        f"elec_residential_kwh <- {_COOKING}",
    ),
    "led_lighting": _fields(
        "efficient_fixtures <- public_fixtures", "elec_public_area_kwh <- public_fixtures efficient_fixtures"
    ),
    "public_equipment": _fields("elec_public_area_kwh"),
    "building_retrofit": _fields(
        "retrofitted_gfa_m2 <- gfa_total_m2",
        "elec_residential_kwh <- gfa_total_m2 retrofitted_gfa_m2",
        "elec_commercial_kwh <- gfa_total_m2 retrofitted_gfa_m2",
    ),
    "ev_chargers": _fields("charging_spaces <- parking_spaces"),
    "waste_sorting": _fields(
        f"recyclables_t <- {_SORTED}", f"kitchen_waste_t <- {_SORTED}", f"residual_t <- {_SORTED}"
    ),
    "onsite_composting": _fields("kitchen_waste_onsite_t <- kitchen_waste_t"),
    "reuse_facility": _fields("has_reuse_facility"),
    "water_saving_fixtures": _fields(
        f"households_with_saving_fixtures <- {_SAVING}",
        f"water_supply_m3 <- {_SAVING}",
        f"wastewater_m3 <- {_SAVING}",
    ),
    "rainwater_reuse": _fields(
        "nontraditional_water_m3 <- water_supply_m3", "water_supply_m3 <- nontraditional_water_m3"
    ),
    "greening": _fields("green_cover_m2 <- land_area_m2", "tree_green_m2 <- land_area_m2 green_cover_m2"),
    "carbon_management": _fields("has_carbon_mgmt_team", "has_creation_plan"),
    "full_sorting_points": _fields("buildings_with_sorting_points <- buildings_total"),
    "monitoring_platform": _fields("has_energy_metering_platform", "share_public_loads_submetered"),
    "outreach": _fields("outreach_events_per_year", "participating_residents <- resident_population"),
}
# Green power is bought for the electricity left after every other measure.
APPLY_LAST = ("green_power",)


@dataclass(frozen=True)
class Library:
    measures: tuple[Measure, ...]
    efforts: dict[str, float]

    def get(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)


def load_measures(path: str | Path | None = None) -> Library:
    """The built-in library, overridden or extended by a user's TOML file."""
    base = load_toml("measures.toml")
    try:
        efforts = _efforts(base)
        entries = {e["key"]: e for e in base["measures"]}
        if path is not None:
            user = read_toml(Path(path), "measures")
            efforts.update(_efforts(user))
            for entry in user.get("measures", []):
                key = require(entry, "key", str, "[[measures]]")
                merged = {**entries.get(key, {}), **entry}
                merged["params"] = {**entries.get(key, {}).get("params", {}), **entry.get("params", {})}
                entries[key] = merged
        measures = tuple(_measure(e, efforts) for e in entries.values())
    except Malformed as exc:
        where = str(path) if path else str(DATA_DIR / "measures.toml")
        raise CarbonError("bad_data_file", kind="measures", path=where, detail=str(exc)) from None
    return Library(measures, efforts)


def _efforts(data: dict[str, Any]) -> dict[str, float]:
    table = data.get("efforts", {})
    return {k: float(v) for k, v in table.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _measure(entry: dict[str, Any], efforts: dict[str, float]) -> Measure:
    key = require(entry, "key", str, "[[measures]]")
    where = f"measure {key}"
    action = require(entry, "action", str, where)
    if action not in ACTIONS:
        raise Malformed(f"{where}: unknown action {action!r} (one of {', '.join(ACTIONS)})")
    effort = require(entry, "effort", str, where)
    if effort not in efforts:
        raise Malformed(f"{where}: effort {effort!r} is not one of {', '.join(efforts)}")
    params = {}
    for name, param in entry.get("params", {}).items():
        value = param.get("value") if isinstance(param, dict) else param
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Malformed(f"{where}: parameter {name} needs a numeric value")
        params[name] = float(value)
    changes = tuple(entry.get("changes", ()))
    if action == "set":
        from carbon_cli.survey.fields import dictionary

        for step in changes:
            if not isinstance(step, dict) or dictionary().get(step.get("field", "")) is None:
                raise Malformed(f"{where}: each change needs a known survey `field`")
            if not ({"to", "share_of", "scale"} & step.keys()):
                raise Malformed(f"{where}: a change needs `to`, `share_of` + `share`, or `scale`")
    return Measure(
        key=key,
        zh=str(entry.get("zh", key)),
        en=str(entry.get("en", key)),
        description_zh=str(entry.get("description_zh", "")),
        description_en=str(entry.get("description_en", "")),
        action=action,
        effort=effort,
        weight=efforts[effort],
        params=params,
        status=status_of(entry, where),
        source=str(entry.get("source", "")),
        changes=changes,
    )
