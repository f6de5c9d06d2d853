"""The cost set: what measures cost and save, and the subsidies that pay part of it, as data
(`data/costs/*.toml`, or a user's file extending a built-in set entry by entry).

Every figure has low / typical / high, a unit, a source and a status (seen / derived / assumed).
A unit cost belongs to a measure and says what it multiplies (`basis`): the rise, fall or value
of a survey field, 1 when a field changes (a team set up, a plan written), or nothing (a fixed
sum). Where the survey does not give the count a price is per (lifts, m³ of storage), a
[quantities] entry converts the field into it, with its own source and status. Tariffs value
the survey fields a measure changes; subsidies are rules of policies (rates, caps, a minimum
project size, a district, validity dates). The arithmetic that uses them is in `costs.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from carbon_cli.core.datafiles import DataSet, Malformed, builtin_ids, load_set, require, set_names, status_of
from carbon_cli.planning.policies import parse_date

DEFAULT_SET = "sz-2025"
FOLDER = "costs"
BASES = ("increase", "decrease", "value", "change", "fixed")
KINDS = ("capex", "annual")
SUBSIDY_KINDS = ("one_off", "annual")


# ---------------------------------------------------------------------------
# Ranges
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """A figure's low / typical / high; arithmetic keeps low ≤ typical ≤ high."""

    low: float
    typical: float
    high: float

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.typical + other.typical, self.high + other.high)

    def __sub__(self, other: Range) -> Range:
        return Range(self.low - other.high, self.typical - other.typical, self.high - other.low)

    def __neg__(self) -> Range:
        return Range(-self.high, -self.typical, -self.low)

    def times(self, quantity: float) -> Range:
        """The range × a signed quantity (a negative quantity swaps the ends)."""
        if quantity >= 0:
            return Range(self.low * quantity, self.typical * quantity, self.high * quantity)
        return Range(self.high * quantity, self.typical * quantity, self.low * quantity)

    def to_dict(self) -> dict[str, float]:
        return {"low": self.low, "typical": self.typical, "high": self.high}


ZERO = Range(0.0, 0.0, 0.0)


def total(ranges: Iterable[Range]) -> Range:
    result = ZERO
    for r in ranges:
        result = result + r
    return result


# ---------------------------------------------------------------------------
# The cost set
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of the cost set: a range with its unit, year, source and status."""

    key: str
    zh: str
    en: str
    value: Range
    unit: str
    status: str
    source: str
    year: int | None = None
    unit_zh: str = ""
    source_zh: str = ""  # the source in Chinese words (titles kept as published), when given

    def label(self, lang: str = "zh") -> str:
        return (self.zh if lang == "zh" else self.en) or self.key

    def unit_label(self, lang: str = "zh") -> str:
        return (self.unit_zh if lang == "zh" else "") or self.unit

    def source_label(self, lang: str = "zh") -> str:
        return (self.source_zh if lang == "zh" else "") or self.source


@dataclass(frozen=True)
class UnitCost:
    figure: Figure
    measure: str
    kind: str  # capex | annual
    basis: str  # increase | decrease | value | change | fixed
    field: str | None
    divide: float  # an exact unit conversion (t/yr → t/day)
    per: Figure | None = None  # a [quantities] entry: how much of `field` makes one priced unit

    def quantity(self, before: dict[str, Any], after: dict[str, Any]) -> float:
        """How many units the cost multiplies, from the survey before and after the measure."""
        per = self.per.value.typical if self.per is not None else 1.0
        return basis_quantity(self.basis, self.field, before, after) / self.divide / per


def basis_quantity(basis: str, field: str | None, before: dict[str, Any], after: dict[str, Any]) -> float:
    """What a unit cost or a subsidy rate multiplies: the rise, fall or value of `field` (≥ 0),
    1 when the measure changes `field` (0 when it was already so), or 1 for a fixed sum."""
    if basis == "fixed":
        return 1.0
    if basis == "change":
        return 0.0 if field is None or before.get(field) == after.get(field) else 1.0
    old, new = field_number(before, field), field_number(after, field)
    return max(0.0, {"increase": new - old, "decrease": old - new, "value": new}[basis])


@dataclass(frozen=True)
class Tariff:
    figure: Figure
    fields: tuple[str, ...]


@dataclass(frozen=True)
class SubsidyRule:
    figure: Figure  # rate per unit of the basis, or share of the capex
    policy: str
    measure: str
    kind: str  # one_off | annual
    basis: str
    field: str | None
    share_of_capex: bool
    years: int | None  # annual subsidies: how many years (None: every year)
    cap_yuan: float | None
    cap_share_of_capex: float | None
    cap_per_unit_yuan: float | None
    min_capex_yuan: float | None
    district: str | None
    valid_from: str | None
    valid_until: str | None
    condition_zh: str
    condition_en: str

    def condition(self, lang: str = "zh") -> str:
        return self.condition_zh if lang == "zh" else self.condition_en


@dataclass(frozen=True)
class CostSet(DataSet):
    tariffs: dict[str, Tariff]
    costs: dict[str, UnitCost]
    subsidies: dict[str, SubsidyRule]
    award: Figure
    award_policy: str
    years: int
    discount_rate: float
    quantities: dict[str, Figure]  # counts the survey does not give (one value: low = typical = high)

    def for_measure(self, key: str) -> list[UnitCost]:
        return [c for c in self.costs.values() if c.measure == key]

    def figures(self) -> list[Figure]:
        """Every figure of the set, for listings and the assumptions a report names."""
        return [
            *(t.figure for t in self.tariffs.values()),
            *(c.figure for c in self.costs.values()),
            *self.quantities.values(),
            *(s.figure for s in self.subsidies.values()),
            self.award,
        ]


def available() -> list[str]:
    return builtin_ids(FOLDER)


def load_cost_set(name_or_path: str | None = None) -> CostSet:
    """A built-in cost set by id, or a user's TOML file overriding the default set entry by entry."""
    return load_set(name_or_path, FOLDER, DEFAULT_SET, ("cost", "成本集/cost set"), _build)


def _build(chain: list[tuple[str, dict[str, Any]]]) -> CostSet:
    """The cost set of a set's files, each entry overriding the same entry of the sets it extends."""
    merged: dict[str, Any] = {
        "tariffs": {},
        "costs": {},
        "quantities": {},
        "subsidies": {},
        "award": {},
        "appraisal": {},
    }
    for _, data in chain:
        merged = _merge(merged, data)
    set_id, data = chain[-1]
    meta = _table(data, "set")
    appraisal = merged["appraisal"]
    years = require(appraisal, "years", int, "[appraisal]")
    rate = require(appraisal, "discount_rate", (int, float), "[appraisal]")
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise Malformed(f"[appraisal]: `years` must be a whole number ≥ 1, not {years!r}")
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise Malformed(f"[appraisal]: `discount_rate` must be a number in [0, 1), not {rate!r}")
    quantities = {k: _quantity(k, e) for k, e in merged["quantities"].items()}
    return CostSet(
        **set_names(meta, set_id),
        tariffs={k: _tariff(k, e) for k, e in merged["tariffs"].items()},
        costs={k: _unit_cost(k, e, quantities) for k, e in merged["costs"].items()},
        subsidies={k: _subsidy(k, e) for k, e in merged["subsidies"].items()},
        award=_figure("award", merged["award"], "[award]"),
        award_policy=str(merged["award"].get("policy", "")),
        years=years,
        discount_rate=float(rate),
        quantities=quantities,
    )


def _merge(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    merged = {name: dict(entries) for name, entries in base.items()}
    for name in ("tariffs", "costs", "quantities", "subsidies"):
        for key, entry in _table(data, name).items():
            if not isinstance(entry, dict):
                raise Malformed(f"[{name}.{key}] must be a table")
            merged[name][key] = _override(merged[name].get(key, {}), entry)
    for name in ("award", "appraisal"):
        merged[name] = _override(merged[name], _table(data, name))
    return merged


def _override(base: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """`base` with `entry`'s keys over it; a new `source` without its `source_zh` drops the old
    one's Chinese words, which would describe the figure it replaced."""
    merged = {**base, **entry}
    if "source" in entry and "source_zh" not in entry:
        merged.pop("source_zh", None)
    return merged


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise Malformed(f"[{name}] must be a table")
    return table


def _figure(key: str, entry: dict[str, Any], where: str) -> Figure:
    low, typical, high = (float(require(entry, k, (int, float), where)) for k in ("low", "typical", "high"))
    if not low <= typical <= high:
        raise Malformed(f"{where}: needs low ≤ typical ≤ high, not {low} / {typical} / {high}")
    year = entry.get("year")
    return Figure(
        key=key,
        zh=str(entry.get("zh", "")),
        en=str(entry.get("en", "")),
        value=Range(low, typical, high),
        unit=str(require(entry, "unit", str, where)),
        status=status_of(entry, where),
        source=str(require(entry, "source", str, where)),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        unit_zh=str(entry.get("unit_zh", "")),
        source_zh=str(entry.get("source_zh", "")),
    )


def _field_of(entry: dict[str, Any], where: str, basis: str) -> str | None:
    if basis not in BASES:
        raise Malformed(f"{where}: `basis` must be one of {', '.join(BASES)}, not {basis!r}")
    if basis == "fixed":
        return None
    return _survey_field(entry, where)


def _survey_field(entry: dict[str, Any], where: str) -> str:
    from carbon_cli.survey.fields import dictionary

    key: str = require(entry, "field", str, where)
    if dictionary().get(key) is None:
        raise Malformed(f"{where}: `field` {key!r} is not a survey field")
    return key


def _positive(entry: dict[str, Any], key: str, where: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise Malformed(f"{where}: `{key}` must be a number ≥ 0, not {value!r}")
    return float(value)


def _tariff(key: str, entry: dict[str, Any]) -> Tariff:
    where = f"[tariffs.{key}]"
    fields = require(entry, "fields", list, where)
    return Tariff(_figure(key, entry, where), tuple(_survey_field({"field": f}, where) for f in fields))


def _quantity(key: str, entry: dict[str, Any]) -> Figure:
    """A count the survey does not give: one `value` (> 0) with its unit, source and status."""
    where = f"[quantities.{key}]"
    if any(k in entry for k in ("low", "typical", "high")):
        raise Malformed(f"{where}: a quantity has one `value`, not low / typical / high")
    value = require(entry, "value", (int, float), where)
    if value <= 0:
        raise Malformed(f"{where}: `value` must be a number > 0, not {value!r}")
    return _figure(key, {**entry, "low": value, "typical": value, "high": value}, where)


def _unit_cost(key: str, entry: dict[str, Any], quantities: dict[str, Figure]) -> UnitCost:
    where = f"[costs.{key}]"
    kind = require(entry, "kind", str, where)
    if kind not in KINDS:
        raise Malformed(f"{where}: `kind` must be one of {', '.join(KINDS)}, not {kind!r}")
    basis = require(entry, "basis", str, where)
    divide = _positive(entry, "divide", where) or 1.0
    per = entry.get("per")
    if per is not None and (not isinstance(per, str) or per not in quantities):
        raise Malformed(f"{where}: `per` must name a [quantities] entry, not {per!r}")
    return UnitCost(
        _figure(key, entry, where),
        require(entry, "measure", str, where),
        kind,
        basis,
        _field_of(entry, where, basis),
        divide,
        quantities[per] if per is not None else None,
    )


def _subsidy(key: str, entry: dict[str, Any]) -> SubsidyRule:
    where = f"[subsidies.{key}]"
    kind = require(entry, "kind", str, where)
    if kind not in SUBSIDY_KINDS:
        raise Malformed(f"{where}: `kind` must be one of {', '.join(SUBSIDY_KINDS)}, not {kind!r}")
    basis = require(entry, "basis", str, where)
    years = entry.get("years")
    if years is not None and (not isinstance(years, int) or isinstance(years, bool) or years < 1):
        raise Malformed(f"{where}: `years` must be a whole number ≥ 1")
    for name in ("valid_from", "valid_until"):
        if entry.get(name) is not None and parse_date(str(entry[name])) is None:
            raise Malformed(f"{where}: `{name}` must be a date like 2024-12-31")
    figure = _figure(key, entry, where)
    if "share_of_capex" in entry and figure.value.high > 1:
        raise Malformed(f"{where}: a share of the price is at most 1, not {figure.value.high}")
    return SubsidyRule(
        figure=figure,
        policy=str(require(entry, "policy", str, where)),
        measure=str(require(entry, "measure", str, where)),
        kind=kind,
        basis=basis,
        field=_field_of(entry, where, basis),
        share_of_capex="share_of_capex" in entry,
        years=years,
        cap_yuan=_positive(entry, "cap_yuan", where),
        cap_share_of_capex=_positive(entry, "cap_share_of_capex", where),
        cap_per_unit_yuan=_positive(entry, "cap_per_unit_yuan", where),
        min_capex_yuan=_positive(entry, "min_capex_yuan", where),
        district=str(entry["district"]) if entry.get("district") else None,
        valid_from=str(entry["valid_from"]) if entry.get("valid_from") else None,
        valid_until=str(entry["valid_until"]) if entry.get("valid_until") else None,
        condition_zh=str(entry.get("condition_zh", "")),
        condition_en=str(entry.get("condition_en", entry.get("condition_zh", ""))),
    )


def field_number(values: dict[str, Any], key: str | None) -> float:
    """A survey field's number (0 when missing, yes/no or text)."""
    value = values.get(key) if key else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
