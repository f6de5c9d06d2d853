"""What measures cost and save, and who pays part of it: the arithmetic on a cost set
(`costset.py` loads the set from `data/costs/*.toml`, or a user's file).

The model (costs.md): a measure's cost follows the survey change it makes — unit cost × the
rise (or fall, or value) of a survey field, a sum when a field changes (a plan written), plus
fixed sums per community; its savings are the kWh, m³ of gas and m³ of water no longer bought,
each valued at a tariff (negative when it buys more, as electric kitchens do); subsidies are
rules of policies with rates, caps, a minimum project size, a district and validity dates.
Every figure has low / typical / high; results carry all three as a `Range`, low being the
cheapest case (low costs, high savings and subsidies) and high the dearest. A subsidy is paired
with the price it is paid on: the cheapest case takes the high rate on the low price, the
dearest the low rate on the high price, so a share of a price never exceeds that price, and a
one-off subsidy never exceeds the investment it pays part of.

Appraisal: upfront = capex − one-off subsidies; annual net = opex − savings − annual subsidies;
net cost over `years` (discounted at `discount_rate`, 0 by default); simple payback = the year
in which the cumulative net benefit covers the upfront cost, however long that takes; yuan per
tCO2e avoided = net cost over the period ÷ (tCO2e/yr reduced × years).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from carbon_cli.planning.costset import (
    ZERO,
    CostSet,
    Figure,
    Range,
    SubsidyRule,
    Tariff,
    UnitCost,
    available,
    basis_quantity,
    field_number,
    load_cost_set,
    total,
)
from carbon_cli.planning.policies import expired

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
    amount: Range  # one-off: the sum; annual: per year, for rule.years years (low–high: least, most)
    counted: bool
    reason: str | None  # why not counted: expired | not_yet_valid | district | below_min_capex
    cheap: float = 0.0  # in the cheapest case: the high rate on the low price
    dear: float = 0.0  # in the dearest case: the low rate on the high price

    def off(self, r: Range) -> Range:
        """`r` less this subsidy, each case less the subsidy of the same case."""
        return Range(r.low - self.cheap, r.typical - self.amount.typical, r.high - self.dear)


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
    tco2e_reduced: float  # a year
    terms: Terms
    lines: tuple[CostLine, ...] = ()
    saving_lines: tuple[SavingLine, ...] = ()
    subsidy_lines: tuple[SubsidyLine, ...] = ()

    @cached_property
    def _one_off(self) -> list[SubsidyLine]:
        return [s for s in self.subsidy_lines if s.counted and s.rule.kind == "one_off"]

    def _annual(self, t: int) -> list[SubsidyLine]:
        """The counted annual subsidies paid in year `t`."""
        return [
            s
            for s in self.subsidy_lines
            if s.counted and s.rule.kind == "annual" and (s.rule.years is None or t <= s.rule.years)
        ]

    @cached_property
    def one_off_subsidy(self) -> Range:
        return total(s.amount for s in self._one_off)

    @cached_property
    def upfront(self) -> Range:
        """Capex − one-off subsidies, each case against the subsidies on its own price."""
        upfront = self.capex
        for line in self._one_off:
            upfront = line.off(upfront)
        return upfront

    def subsidy_in_year(self, t: int) -> Range:
        return total(s.amount for s in self._annual(t))

    def flow(self, t: int) -> Range:
        """Opex − savings − the annual subsidies paid in year `t` (negative: the measures pay)."""
        flow = self.opex - self.savings
        for line in self._annual(t):
            flow = line.off(flow)
        return flow

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
        return self.flow(1)

    @cached_property
    def _flows(self) -> list[Range]:
        return [self.flow(t) for t in range(1, self.terms.years + 1)]

    @cached_property
    def net_cost(self) -> Range:
        """Upfront plus every year's net cost over the period, discounted when a rate is set."""
        return self.upfront + total(f.times(d) for f, d in zip(self._flows, self.terms.factors(), strict=True))

    @cached_property
    def running_cost(self) -> Range:
        """Every year's net cost over the period, discounted when a rate is set: the net cost
        over the period less the upfront cost (negative: the savings outweigh the running costs)."""
        return total(f.times(d) for f, d in zip(self._flows, self.terms.factors(), strict=True))

    @cached_property
    def running_exceeds_upfront(self) -> bool:
        """Whether the running cost over the period (typical) is more than the upfront cost: a
        measure cheap to start and dear to keep (sorting supervisors, green-power premiums)."""
        running = self.running_cost.typical
        return running > 1e-6 and running > self.upfront.typical + 1e-6

    @cached_property
    def payback_years(self) -> float | None:
        """Simple payback (typical, undiscounted): the years until the cumulative net benefit
        covers the upfront cost, within the appraisal period or after it; 0 when nothing is
        paid upfront and it costs nothing to run; None when it never pays back."""
        upfront = self.upfront.typical
        if upfront <= 0:
            return 0.0 if self.flow(1).typical <= 0 else None
        # annual subsidies limited in time end by `horizon`; every later year is the same
        horizon = max((s.rule.years or 0 for s in self._annual(1)), default=0)
        paid = 0.0
        for t in range(1, horizon + 1):
            benefit = -self.flow(t).typical
            if benefit > 0 and paid + benefit >= upfront:
                return t - 1 + (upfront - paid) / benefit
            paid += benefit
        steady = -self.flow(horizon + 1).typical
        return horizon + (upfront - paid) / steady if steady > 0 else None

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
        used += [line.cost.per for line in self.lines if line.cost.per is not None]
        used += [line.tariff.figure for line in self.saving_lines]
        used += [line.rule.figure for line in self.subsidy_lines]
        return list({f.key: f for f in used}.values())

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.capex + other.capex,
            self.opex + other.opex,
            self.savings + other.savings,
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
        data["running_cost_yuan"] = self.running_cost.typical  # over the period, discounted
        data["running_exceeds_upfront"] = self.running_exceeds_upfront
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
    return Cost(ZERO, ZERO, ZERO, 0.0, terms)


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
        quantity = sum(field_number(before, f) - field_number(after, f) for f in tariff.fields if f in change)
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
    return Cost(
        capex=capex,
        opex=total(line.amount for line in lines if line.cost.kind == "annual"),
        savings=total(s.amount for s in savings),
        tco2e_reduced=tco2e_reduced,
        terms=terms,
        lines=tuple(lines),
        saving_lines=tuple(savings),
        subsidy_lines=tuple(subsidies),
    )


def _subsidy_line(
    rule: SubsidyRule, before: dict[str, Any], after: dict[str, Any], capex: Range, terms: Terms
) -> SubsidyLine | None:
    """The subsidy `rule` pays on this measure: its least and most, and the amount in the
    cheapest and dearest cases. Whether it is counted (district, dates, minimum project size) is
    judged once, on the typical investment."""
    units = basis_quantity(rule.basis, rule.field, before, after)
    if units <= 0:
        return None
    span = (rule.years or terms.years) if rule.kind == "annual" else 1

    def amount(rate: float, invested: float) -> float:
        """The subsidy a year (or once) at `rate` on an investment of `invested`: within its
        caps, and a one-off subsidy never more than the investment it pays part of."""
        whole = rate * invested if rule.share_of_capex else rate * units * span
        caps = [rule.cap_yuan, rule.cap_share_of_capex and rule.cap_share_of_capex * invested]
        if rule.cap_per_unit_yuan is not None:
            caps.append(rule.cap_per_unit_yuan * units)
        if rule.kind == "one_off":
            caps.append(invested)
        whole = min([whole, *(c for c in caps if c is not None)])
        return max(0.0, whole) / span

    rate = rule.figure.value
    value = Range(amount(rate.low, capex.low), amount(rate.typical, capex.typical), amount(rate.high, capex.high))
    cheap, dear = amount(rate.high, capex.low), amount(rate.low, capex.high)
    reason = _ineligible(rule, terms)
    if reason is None and rule.min_capex_yuan is not None and capex.typical < rule.min_capex_yuan:
        reason = "below_min_capex"
    counted = reason is None or (reason == "expired" and terms.include_expired)
    return SubsidyLine(rule, value, counted, reason, cheap, dear)


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
    "available",
    "load_cost_set",
    "measure_cost",
    "set_cost",
    "terms_for",
]
