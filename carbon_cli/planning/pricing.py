"""Pathways in yuan: the cost objective the search minimises, and the cost of a found pathway.

The cost objective weighs each measure by its upfront cost (capex − one-off subsidies, typical)
for this community, from the changes it makes to the surveyed values. Running costs only break
ties: a measure's net running cost over the appraisal period adds a millionth of itself to the
weight, so a yuan upfront outweighs a million yuan over the period, and a measure with nothing
to pay upfront but a yearly bill (green power, sorting supervisors) is not taken for free.

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
    from carbon_cli.assessment import Assessment
    from carbon_cli.planning.measures import Library, Measure
    from carbon_cli.planning.pathway import Pathway

RUNNING_COST_TIE = 1e-6  # weight of the period's net running cost beside the upfront cost


def cost_objective(costs: CostSet, terms: Terms, values: dict[str, Any]) -> Objective:
    """Upfront yuan for this community's survey `values` (running costs break ties)."""

    def weight(measure: Measure) -> float:
        cost = measure_cost(costs, measure.key, values, measure.apply(values), terms)
        running = max(0.0, cost.annual_net.typical * terms.years)
        return max(0.0, cost.upfront.typical) + RUNNING_COST_TIE * running

    return Objective("cost", weight)


@dataclass(frozen=True)
class Extra:
    """A measure outside the pathway that pays for itself over the period (no-regret)."""

    measure: Measure
    cost: Cost


def price(pathway: Pathway, base: Assessment, costs: CostSet, terms: Terms, library: Library) -> Pathway:
    """`pathway` with its cost, each step's cost and the no-regret measures it leaves out."""
    values = dict(base.survey.assessment)
    steps = []
    for step in pathway.steps:
        steps.append(StepChange(step.measure.key, values, step.changes, step.tco2e_reduced))
        values = {**values, **step.changes}
    whole, each = set_cost(costs, steps, terms)
    priced_steps = tuple(replace(s, cost=c) for s, c in zip(pathway.steps, each, strict=True))
    return replace(pathway, steps=priced_steps, cost=whole, extras=tuple(_no_regret(pathway, base, values, costs, terms, library)))


def _no_regret(
    pathway: Pathway, base: Assessment, values: dict[str, Any], costs: CostSet, terms: Terms, library: Library
) -> list[Extra]:
    """Measures not in the pathway whose net cost over the period is negative, taken after it."""
    from carbon_cli.assessment import assess

    taken = {s.measure.key for s in pathway.steps}
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
            before = _assess_values(base, values, assess)
        after = _assess_values(base, {**values, **change}, assess)
        reduced = before.inventory.net_tco2e - after.inventory.net_tco2e
        extras.append(Extra(measure, replace(cost, tco2e_reduced=reduced)))
    return extras


def _assess_values(base: Assessment, values: dict[str, Any], assess: Any) -> Assessment:
    changes = {k: v for k, v in values.items() if base.survey.assessment.get(k) != v}
    return assess(base.survey.with_values(changes, origin="measures"), base.factors, base.criteria, detail=False)
