"""Pathways in yuan: the cost objectives the search minimises, and the cost of a found pathway.

The default objective, **life-cycle cost** ("lifecycle"), weighs each measure by its net cost
over the appraisal period for this community (typical): upfront (capex − one-off subsidies) plus
each year's opex − savings − annual subsidies, discounted when a rate is set (`Cost.net_cost`).
A measure that pays for itself weighs less than nothing, so it enters a pathway whenever it also
helps the community towards eligibility (objective.py: a negative weight enters the search only
if the measure alone raises the score or passes a control) and the pathway's life-cycle cost is
the lower for it.

`--objective upfront` weighs each measure by its upfront cost only (the rule before issue 23):
running costs break ties, a measure's net running cost over the period adding a millionth of
itself to the weight, so a yuan upfront outweighs a million yuan over the period.

A found pathway is then priced step by step, each measure on the survey the previous steps left,
so the cost shown is that of the changes `carbon assess --set` would see. It can differ from the
sum of the weights where one measure enlarges what the next one changes (M8's sorted kitchen
waste is what M9 treats on site).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from carbon_cli.planning.costs import Cost, CostSet, StepChange, Terms, measure_cost, set_cost
from carbon_cli.planning.objective import Objective

if TYPE_CHECKING:
    from carbon_cli.planning.measures import Library, Measure
    from carbon_cli.planning.pathway import Pathway
    from carbon_cli.scoring.assessment import Assessment

RUNNING_COST_TIE = 1e-6  # upfront objective: weight of the period's net running cost
OBJECTIVES = ("lifecycle", "upfront", "effort")


def lifecycle_objective(costs: CostSet, terms: Terms, values: dict[str, Any], end: str = "typical") -> Objective:
    """Net cost over the appraisal period for this community's survey `values` (may be < 0);
    `end` low or high: at the cheap or the dear end of every figure's range."""

    def weight(measure: Measure) -> float:
        cost = measure_cost(costs, measure.key, values, measure.apply(values), terms)
        return float(getattr(cost.net_cost, end))

    return Objective("lifecycle", weight)


def upfront_objective(costs: CostSet, terms: Terms, values: dict[str, Any], end: str = "typical") -> Objective:
    """Upfront yuan for this community's survey `values` (running costs break ties); `end` as
    for `lifecycle_objective`."""

    def weight(measure: Measure) -> float:
        cost = measure_cost(costs, measure.key, values, measure.apply(values), terms)
        running = max(0.0, getattr(cost.annual_net, end) * terms.years)
        return max(0.0, getattr(cost.upfront, end)) + RUNNING_COST_TIE * running

    return Objective("upfront", weight)


def objective_for(name: str, costs: CostSet, terms: Terms, values: dict[str, Any], end: str = "typical") -> Objective:
    """The objective `name` (lifecycle | upfront | effort) for one community, its costs taken at
    `end` of their ranges (typical, low: the cheap end, high: the dear end)."""
    from carbon_cli.planning.objective import EFFORT

    if name == "lifecycle":
        return lifecycle_objective(costs, terms, values, end)
    if name == "upfront":
        return upfront_objective(costs, terms, values, end)
    if name == "effort":
        return EFFORT
    raise ValueError(f"objective {name!r}: not one of {', '.join(OBJECTIVES)}")


@dataclass(frozen=True)
class Extra:
    """A measure outside the pathway that pays for itself over the period (no-regret)."""

    measure: Measure
    cost: Cost


def price(
    pathway: Pathway,
    base: Assessment,
    costs: CostSet,
    terms: Terms,
    library: Library,
    extras_of: dict[frozenset[str], tuple[Extra, ...]] | None = None,
) -> Pathway:
    """`pathway` with its cost, each step's cost and the no-regret measures it leaves out (a
    pathway with nothing to do, or that cannot reach its target, has no cost, only those)."""
    values = dict(base.survey.assessment)
    steps = []
    for step in pathway.steps:
        steps.append(StepChange(step.measure.key, values, step.changes, step.tco2e_reduced))
        values = {**values, **step.changes}
    whole, each = set_cost(costs, steps, terms)
    taken = frozenset(s.measure.key for s in pathway.steps)
    extras_of = {} if extras_of is None else extras_of  # pathways with the same measures share them
    if taken not in extras_of:
        extras_of[taken] = tuple(_no_regret(pathway, base, values, costs, terms, library))
    extras = extras_of[taken]
    if pathway.status != "reachable":
        return replace(pathway, extras=extras)
    priced_steps = tuple(replace(s, cost=c) for s, c in zip(pathway.steps, each, strict=True))
    return replace(pathway, steps=priced_steps, cost=whole, extras=extras)


def _no_regret(
    pathway: Pathway, base: Assessment, values: dict[str, Any], costs: CostSet, terms: Terms, library: Library
) -> list[Extra]:
    """Measures not in the pathway whose net cost over the period is negative, taken after it
    (their reduction from the inventory alone: no score is needed)."""
    from carbon_cli.accounting.inventory import compute_inventory

    taken = {s.measure.key for s in pathway.steps}
    year = base.survey.assessment_year
    before = None
    extras = []
    for measure in library.measures:
        if measure.key in taken:
            continue
        change = measure.apply(values)
        if not change:
            continue
        cost = measure_cost(costs, measure.key, values, change, terms)
        if cost.net_cost.typical >= 0:
            continue
        if before is None:
            before = compute_inventory(values, base.factors, year).net_tco2e
        reduced = before - compute_inventory({**values, **change}, base.factors, year).net_tco2e
        extras.append(Extra(measure, replace(cost, tco2e_reduced=reduced)))
    return extras


@dataclass(frozen=True)
class Planning:
    """How a run chooses and prices pathways: the measures, the objective and the cost terms."""

    library: Library
    costs: CostSet
    objective: str = "lifecycle"  # lifecycle | upfront | effort
    years: int | None = None  # None: the cost set's
    discount_rate: float | None = None
    include_expired: bool = False
    on: str | None = None  # ISO date subsidies are judged on; None: today

    @property
    def on_day(self) -> str:
        """The ISO date subsidies are judged on: `on`, or today."""
        from carbon_cli.planning.policies import judged_on

        return judged_on(self.on)

    def terms(self, values: dict[str, Any]) -> Terms:
        from carbon_cli.planning.costs import terms_for

        return terms_for(
            self.costs,
            values,
            years=self.years,
            discount_rate=self.discount_rate,
            include_expired=self.include_expired,
            on=self.on_day,
        )


def load_planning(
    measures: str | None = None,
    costs: str | None = None,
    objective: str = "lifecycle",
    years: int | None = None,
    discount_rate: float | None = None,
    include_expired: bool = False,
    on: str | None = None,
) -> Planning:
    from carbon_cli.planning.costs import load_cost_set
    from carbon_cli.planning.measures import load_measures

    return Planning(load_measures(measures), load_cost_set(costs), objective, years, discount_rate, include_expired, on)


def planned(
    assessment: Assessment, planning: Planning, targets: tuple[str, ...] | None = None, end: str = "typical"
) -> Assessment:
    """`assessment` with its pathways (to 通过 and 优秀 by default) found under the planning's
    objective and priced; `end` low or high: chosen with every cost at that end of its range."""
    from carbon_cli.planning.pathway import TARGETS, _Search, find_pathway

    values = assessment.survey.assessment
    terms = planning.terms(values)
    objective = objective_for(planning.objective, planning.costs, terms, values, end)
    search = _Search(assessment, planning.library, objective)
    extras: dict[frozenset[str], tuple[Extra, ...]] = {}
    pathways = {}
    for target in targets or TARGETS:
        pathway = price(
            find_pathway(assessment, target=target, search=search),
            assessment,
            planning.costs,
            terms,
            planning.library,
            extras,
        )
        if planning.objective == "lifecycle":
            pathway = _without_dear_steps(pathway, search, assessment, planning, terms, extras, end)
        pathways[target] = pathway
    return replace(assessment, pathways=pathways)


def _without_dear_steps(
    pathway: Pathway,
    search: Any,
    base: Assessment,
    planning: Planning,
    terms: Terms,
    extras: dict[frozenset[str], tuple[Extra, ...]],
    end: str = "typical",
) -> Pathway:
    """The pathway less any measure that, priced after the steps before it, no longer pays for
    itself and is not needed to reach the target, while that lowers the pathway's life-cycle cost.

    The search weighs each measure on the community's own survey; priced in order, a measure can
    save less than it did alone (LED and pump drives save on the power rooftop PV has already
    cut). Dropping such a step, dearest first, and pricing again until none can go keeps the
    pathway at the target and only ever lowers its life-cycle cost."""
    from carbon_cli.planning.pathway import pathway_of

    while pathway.status == "reachable" and pathway.cost is not None:
        keys = frozenset(s.measure.key for s in pathway.steps)
        dear = sorted(
            (s for s in pathway.steps if getattr(s.cost.net_cost, end) > 0),
            key=lambda s: -getattr(s.cost.net_cost, end),
        )
        for step in dear:
            fewer = keys - {step.measure.key}
            if not search.outcome(fewer).reaches(pathway.target):
                continue
            cheaper = price(
                pathway_of(search, pathway.target, fewer), base, planning.costs, terms, planning.library, extras
            )
            if getattr(cheaper.cost.net_cost, end) < getattr(pathway.cost.net_cost, end) - 1e-6:
                pathway = cheaper
                break
        else:
            return pathway
    return pathway


@dataclass(frozen=True)
class CostFirmness:
    """Whether a pathway's measures are still the ones chosen when every cost figure is at the
    cheap end of its range (low costs, high savings and subsidies) or at the dear end."""

    target: str
    measures: tuple[str, ...]  # chosen at the typical figures (the pathway shown)
    cheap: tuple[str, ...]  # chosen at the cheap end
    dear: tuple[str, ...]  # chosen at the dear end

    @property
    def holds(self) -> bool:
        return self.cheap == self.measures == self.dear

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "holds": self.holds,
            "measures": list(self.measures),
            "at_cheap_end": list(self.cheap),
            "at_dear_end": list(self.dear),
        }


def cost_firmness(assessment: Assessment, planning: Planning, pathway: Pathway) -> CostFirmness | None:
    """`pathway` (planned for `assessment` at the typical figures) against the pathways to its
    target chosen again with every cost at each end of its range (None for the effort objective,
    which no cost moves)."""
    if planning.objective == "effort":
        return None
    order = {m.key: i for i, m in enumerate(planning.library.measures)}

    def keys(found: Pathway) -> tuple[str, ...]:  # in the library's order
        taken = (s.measure.key for s in found.steps) if found.status == "reachable" else ()
        return tuple(sorted(taken, key=order.__getitem__))

    def chosen(end: str) -> tuple[str, ...]:
        return keys(planned(assessment, planning, (pathway.target,), end).pathways[pathway.target])

    return CostFirmness(pathway.target, keys(pathway), chosen("low"), chosen("high"))
