"""What measures cost and save, and who pays part of it (`data/costs/*.toml`, or a user's file).

The model (costs.md): a measure's cost follows the survey change it makes — unit cost × the
rise (or fall, or value) of a survey field, plus fixed sums per community; its savings are the
kWh, m³ of gas and m³ of water no longer bought, each valued at a tariff (negative when it buys
more, as electric kitchens do); subsidies are rules of policies with rates, caps, a minimum
project size, a district and validity dates. Every figure has low / typical / high; results
carry all three as a `Range` built by interval arithmetic, so low is the cheapest case (low
costs, high savings and subsidies) and high the dearest.

Appraisal: upfront = capex − one-off subsidies; annual net = opex − savings − annual subsidies;
net cost over `years` (discounted at `discount_rate`, 0 by default); simple payback = the year
in which the cumulative net benefit covers the upfront cost; yuan per tCO2e avoided = net cost
over the period ÷ (tCO2e/yr reduced × years).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from carbon_cli.core.datafiles import DataSet, Malformed, builtin_ids, load_set, require, set_names, status_of
from carbon_cli.planning.policies import expired, parse_date

DEFAULT_SET = "sz-2025"
FOLDER = "costs"
BASES = ("increase", "decrease", "value", "fixed")
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

    def label(self, lang: str = "zh") -> str:
        return (self.zh if lang == "zh" else self.en) or self.key

    def unit_label(self, lang: str = "zh") -> str:
        return (self.unit_zh if lang == "zh" else "") or self.unit


@dataclass(frozen=True)
class UnitCost:
    figure: Figure
    measure: str
    kind: str  # capex | annual
    basis: str  # increase | decrease | value | fixed
    field: str | None
    divide: float

    def quantity(self, before: dict[str, Any], after: dict[str, Any]) -> float:
        """How many units the cost multiplies, from the survey before and after the measure."""
        return basis_quantity(self.basis, self.field, before, after) / self.divide


def basis_quantity(basis: str, field: str | None, before: dict[str, Any], after: dict[str, Any]) -> float:
    """What a unit cost or a subsidy rate multiplies: the rise, fall or value of `field` (≥ 0),
    or 1 for a fixed sum."""
    if basis == "fixed":
        return 1.0
    old, new = _number(before, field), _number(after, field)
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

    def for_measure(self, key: str) -> list[UnitCost]:
        return [c for c in self.costs.values() if c.measure == key]

    def figures(self) -> list[Figure]:
        """Every figure of the set, for listings and the assumptions a report names."""
        return [
            *(t.figure for t in self.tariffs.values()),
            *(c.figure for c in self.costs.values()),
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
    merged: dict[str, Any] = {"tariffs": {}, "costs": {}, "subsidies": {}, "award": {}, "appraisal": {}}
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
    return CostSet(
        **set_names(meta, set_id),
        tariffs={k: _tariff(k, e) for k, e in merged["tariffs"].items()},
        costs={k: _unit_cost(k, e) for k, e in merged["costs"].items()},
        subsidies={k: _subsidy(k, e) for k, e in merged["subsidies"].items()},
        award=_figure("award", merged["award"], "[award]"),
        award_policy=str(merged["award"].get("policy", "")),
        years=years,
        discount_rate=float(rate),
    )


def _merge(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    merged = {name: dict(entries) for name, entries in base.items()}
    for name in ("tariffs", "costs", "subsidies"):
        for key, entry in _table(data, name).items():
            if not isinstance(entry, dict):
                raise Malformed(f"[{name}.{key}] must be a table")
            merged[name][key] = {**merged[name].get(key, {}), **entry}
    for name in ("award", "appraisal"):
        merged[name] = {**merged[name], **_table(data, name)}
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


def _unit_cost(key: str, entry: dict[str, Any]) -> UnitCost:
    where = f"[costs.{key}]"
    kind = require(entry, "kind", str, where)
    if kind not in KINDS:
        raise Malformed(f"{where}: `kind` must be one of {', '.join(KINDS)}, not {kind!r}")
    basis = require(entry, "basis", str, where)
    divide = _positive(entry, "divide", where) or 1.0
    return UnitCost(
        _figure(key, entry, where),
        require(entry, "measure", str, where),
        kind,
        basis,
        _field_of(entry, where, basis),
        divide,
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
    return SubsidyRule(
        figure=_figure(key, entry, where),
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


def _number(values: dict[str, Any], key: str | None) -> float:
    value = values.get(key) if key else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


# ---------------------------------------------------------------------------
# The cost of a measure, of a pathway
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    """A unit cost applied: quantity × unit cost."""

    cost: UnitCost
    quantity: float
    amount: Range


@dataclass(frozen=True)
class SavingLine:
    """A tariff applied to what the measure stops buying (negative: buys more)."""

    tariff: Tariff
    quantity: float  # kWh or m³ a year no longer bought
    amount: Range  # yuan a year


@dataclass(frozen=True)
class SubsidyLine:
    rule: SubsidyRule
    amount: Range  # one-off: the sum; annual: per year, for rule.years years
    counted: bool
    reason: str | None  # why not counted: expired | not_yet_valid | district | below_min_capex


@dataclass(frozen=True)
class Terms:
    """The appraisal settings: period, discount rate, the date subsidies are checked against,
    the community's district, and the cost set they come from with its pilot award."""

    years: int  # from the cost set's [appraisal], or --years
    discount_rate: float
    on: str | None = None  # ISO date; expired policies are judged on it
    include_expired: bool = False
    district: str | None = None
    cost_set: str = ""
    cost_set_label: tuple[str, str] = ("", "")  # zh, en
    award: Figure | None = None
    award_policy: str = ""

    def factors(self) -> list[float]:
        return [1 / (1 + self.discount_rate) ** t for t in range(1, self.years + 1)]


@dataclass(frozen=True)
class Cost:
    """The cost of one measure or of a measure set, with the appraisal that follows from it
    (each derived figure computed once, on first use)."""

    capex: Range
    opex: Range  # a year
    savings: Range  # yuan a year
    one_off_subsidy: Range
    annual_subsidies: tuple[tuple[Range, int | None], ...]  # (per year, for how many years)
    tco2e_reduced: float  # a year
    terms: Terms
    lines: tuple[CostLine, ...] = ()
    saving_lines: tuple[SavingLine, ...] = ()
    subsidy_lines: tuple[SubsidyLine, ...] = ()

    @cached_property
    def upfront(self) -> Range:
        return self.capex - self.one_off_subsidy

    def subsidy_in_year(self, t: int) -> Range:
        return total(r for r, years in self.annual_subsidies if years is None or t <= years)

    @cached_property
    def annual_subsidy(self) -> Range:
        """Annual subsidies in the first year."""
        return self.subsidy_in_year(1)

    @cached_property
    def subsidy(self) -> Range:
        """All subsidies over the appraisal period, undiscounted."""
        years = range(1, self.terms.years + 1)
        return self.one_off_subsidy + total(self.subsidy_in_year(t) for t in years)

    @cached_property
    def annual_net(self) -> Range:
        """Opex − savings − annual subsidies, in the first year (negative: the measures pay)."""
        return self.opex - self.savings - self.annual_subsidy

    @cached_property
    def _flows(self) -> list[Range]:
        return [self.opex - self.savings - self.subsidy_in_year(t) for t in range(1, self.terms.years + 1)]

    @cached_property
    def net_cost(self) -> Range:
        """Upfront plus every year's net cost over the period, discounted when a rate is set."""
        return self.upfront + total(f.times(d) for f, d in zip(self._flows, self.terms.factors(), strict=True))

    @cached_property
    def payback_years(self) -> float | None:
        """Years until the cumulative net benefit (typical) covers the upfront cost; None if it
        never does within the period, 0 when nothing is paid upfront."""
        upfront = self.upfront.typical
        if upfront <= 0:
            return 0.0 if self._flows[0].typical <= 0 else None
        paid = 0.0
        for t, flow in enumerate(self._flows, start=1):
            benefit = -flow.typical
            if benefit > 0 and paid + benefit >= upfront:
                return t - 1 + (upfront - paid) / benefit
            paid += benefit
        return None

    @cached_property
    def yuan_per_tco2e(self) -> Range | None:
        """Net cost over the period per tonne avoided; None when nothing is avoided."""
        tonnes = self.tco2e_reduced * self.terms.years
        if tonnes <= 1e-9:
            return None
        return self.net_cost.times(1 / tonnes)

    @cached_property
    def no_regret(self) -> bool:
        return self.net_cost.typical < 0

    def figures(self) -> list[Figure]:
        """The cost set's figures this cost used (unit costs, tariffs, subsidy rates), once each."""
        used = [line.cost.figure for line in self.lines]
        used += [line.tariff.figure for line in self.saving_lines]
        used += [line.rule.figure for line in self.subsidy_lines]
        return list({f.key: f for f in used}.values())

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.capex + other.capex,
            self.opex + other.opex,
            self.savings + other.savings,
            self.one_off_subsidy + other.one_off_subsidy,
            self.annual_subsidies + other.annual_subsidies,
            self.tco2e_reduced + other.tco2e_reduced,
            self.terms,
            self.lines + other.lines,
            self.saving_lines + other.saving_lines,
            self.subsidy_lines + other.subsidy_lines,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of `pathway.cost` and each step's `cost` (yuan, unrounded)."""
        per_t = self.yuan_per_tco2e
        ranges = {
            "upfront_yuan": self.upfront,
            "capex_yuan": self.capex,
            "subsidy_yuan": self.subsidy,
            "one_off_subsidy_yuan": self.one_off_subsidy,
            "annual_subsidy_yuan": self.annual_subsidy,
            "annual_opex_yuan": self.opex,
            "annual_savings_yuan": self.savings,
            "annual_net_yuan": self.annual_net,
            "net_cost_yuan": self.net_cost,
        }
        data: dict[str, Any] = {k: v.typical for k, v in ranges.items()}
        data["years"] = self.terms.years
        data["discount_rate"] = self.terms.discount_rate
        data["payback_years"] = self.payback_years
        data["yuan_per_tco2e"] = per_t.typical if per_t else None
        data["no_regret"] = self.no_regret
        data["range"] = {k: v.to_dict() for k, v in ranges.items()}
        data["range"]["yuan_per_tco2e"] = per_t.to_dict() if per_t else None
        data["subsidies"] = [
            {
                "key": s.rule.figure.key,
                "policy": s.rule.policy,
                "kind": s.rule.kind,
                "years": s.rule.years,
                "counted": s.counted,
                "reason": s.reason,
                "yuan": s.amount.typical,
                "range": s.amount.to_dict(),
                "status": s.rule.figure.status,
            }
            for s in self.subsidy_lines
        ]
        return data


def zero_cost(terms: Terms) -> Cost:
    return Cost(ZERO, ZERO, ZERO, ZERO, (), 0.0, terms)


def measure_cost(
    costs: CostSet,
    measure: str,
    before: dict[str, Any],
    change: dict[str, Any],
    terms: Terms,
    tco2e_reduced: float = 0.0,
) -> Cost:
    """The cost of `measure` taking the survey from `before` to `before | change`."""
    after = {**before, **change}
    lines = []
    for unit in costs.for_measure(measure):
        quantity = unit.quantity(before, after)
        if quantity > 0:
            lines.append(CostLine(unit, quantity, unit.figure.value.times(quantity)))
    savings = []
    for tariff in costs.tariffs.values():
        quantity = sum(_number(before, f) - _number(after, f) for f in tariff.fields if f in change)
        if abs(quantity) > 1e-12:
            savings.append(SavingLine(tariff, quantity, tariff.figure.value.times(quantity)))
    capex = total(line.amount for line in lines if line.cost.kind == "capex")
    subsidies = [
        line
        for rule in costs.subsidies.values()
        if rule.measure == measure
        for line in [_subsidy_line(rule, before, after, capex, terms)]
        if line is not None
    ]
    counted = [s for s in subsidies if s.counted]
    return Cost(
        capex=capex,
        opex=total(line.amount for line in lines if line.cost.kind == "annual"),
        savings=total(s.amount for s in savings),
        one_off_subsidy=total(s.amount for s in counted if s.rule.kind == "one_off"),
        annual_subsidies=tuple((s.amount, s.rule.years) for s in counted if s.rule.kind == "annual"),
        tco2e_reduced=tco2e_reduced,
        terms=terms,
        lines=tuple(lines),
        saving_lines=tuple(savings),
        subsidy_lines=tuple(subsidies),
    )


def _subsidy_line(
    rule: SubsidyRule, before: dict[str, Any], after: dict[str, Any], capex: Range, terms: Terms
) -> SubsidyLine | None:
    units = basis_quantity(rule.basis, rule.field, before, after)
    if units <= 0:
        return None

    def amount(rate: float, invested: float) -> float:
        """The subsidy in one case (low, typical or high): rate and investment move together."""
        if rule.min_capex_yuan is not None and invested < rule.min_capex_yuan:
            return 0.0
        span = (rule.years or terms.years) if rule.kind == "annual" else 1
        whole = rate * invested if rule.share_of_capex else rate * units * span
        caps = [rule.cap_yuan, rule.cap_share_of_capex and rule.cap_share_of_capex * invested]
        if rule.cap_per_unit_yuan is not None:
            caps.append(rule.cap_per_unit_yuan * units)
        whole = min([whole, *(c for c in caps if c is not None)])
        return whole / span

    rate = rule.figure.value
    value = Range(amount(rate.low, capex.low), amount(rate.typical, capex.typical), amount(rate.high, capex.high))
    reason = _ineligible(rule, terms)
    if reason is None and rule.min_capex_yuan is not None and capex.typical < rule.min_capex_yuan:
        reason = "below_min_capex"
    counted = reason is None or (reason == "expired" and terms.include_expired)
    return SubsidyLine(rule, value, counted, reason)


def _ineligible(rule: SubsidyRule, terms: Terms) -> str | None:
    if rule.district and not _same_place(rule.district, terms.district):
        return "district"
    if expired(rule.valid_until, terms.on):
        return "expired"
    if rule.valid_from and terms.on and expired(terms.on, rule.valid_from):
        return "not_yet_valid"
    return None


def _same_place(rule: str, surveyed: str | None) -> bool:
    """Districts match by name with or without the 区 suffix (福田 = 福田区)."""
    if not surveyed:
        return False
    a, b = rule.strip().removesuffix("区"), surveyed.strip().removesuffix("区")
    return bool(a) and a == b


@dataclass(frozen=True)
class StepChange:
    """One measure of a set as applied in order: the survey before it and what it changed."""

    measure: str
    before: dict[str, Any]
    change: dict[str, Any]
    tco2e_reduced: float = 0.0


def set_cost(costs: CostSet, steps: Sequence[StepChange], terms: Terms) -> tuple[Cost, list[Cost]]:
    """The cost of a measure set taken in order: the total and each step's."""
    each = [measure_cost(costs, s.measure, s.before, s.change, terms, s.tco2e_reduced) for s in steps]
    whole = zero_cost(terms)
    for cost in each:
        whole = whole + cost
    return whole, each


def terms_for(costs: CostSet, values: dict[str, Any], **overrides: Any) -> Terms:
    """Appraisal terms from the cost set's defaults, the community's district and any overrides."""
    defaults = Terms(
        years=costs.years,
        discount_rate=costs.discount_rate,
        district=values.get("district"),
        cost_set=costs.id,
        cost_set_label=(costs.zh, costs.en),
        award=costs.award,
        award_policy=costs.award_policy,
    )
    return replace(defaults, **{k: v for k, v in overrides.items() if v is not None})


__all__ = [
    "Cost",
    "CostSet",
    "Range",
    "StepChange",
    "Terms",
    "load_cost_set",
    "measure_cost",
    "set_cost",
    "terms_for",
]
