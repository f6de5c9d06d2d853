"""What a pathway minimises: an additive weight per measure, for one community.

Among the sets of applicable measures that reach the target grade (every control passing, score at
or above the grade's line), the search returns one with the least total weight Σ weight(m); ties
(within 1e-9) go to the larger tCO2e reduction, then to fewer measures, then to the sorted keys.

    Objective(name, weight)
        name    what the weights are, shown beside the total: "effort" (`find_pathway`'s
                default), "lifecycle" (what the commands plan by) or "upfront"
                (planning/pricing.py)
        weight  measure -> float for THIS community (a closure over its survey when the
                weight depends on it): any number, negative for a measure that pays for
                itself; math.inf leaves the measure out of the search

    EFFORT  each measure's effort weight from the measures library (low 1, medium 3, high 9).

A cost objective weighs each measure by what it costs this community, from the changes it makes
to the community's own survey (planning/pricing.py, `lifecycle_objective`):

    values = assessment.survey.assessment
    Objective("lifecycle", lambda m: net_cost_over_the_period(m, m.apply(values)))

Pass it to `find_pathway(base, library, target, objective=...)` or `with_pathways(base, library,
objective)`; for several targets from one search, `find_pathways(base, library, objective, targets)`.

The weight is read once per measure per search. The search is exact for any weights, and a
measure's weight does not need to bear any relation to its effect on the score. One rule for
negative weights (a measure that pays for itself over the period): such a measure enters the
search only if, taken alone, it raises the score or passes a control the community fails;
otherwise it is left out (math.inf) — it would enter every pathway for its saving while doing
nothing for eligibility, and is reported beside the pathway as a no-regret measure instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carbon_cli.planning.measures import Measure


@dataclass(frozen=True)
class Objective:
    name: str
    weight: Callable[[Measure], float]

    def weights(self, measures: list[Measure]) -> dict[str, float]:
        """Each measure's weight by key, checked (a finite number or math.inf)."""
        weights = {}
        for m in measures:
            w = float(self.weight(m))
            if math.isnan(w) or w == -math.inf:
                raise ValueError(f"objective {self.name!r}: weight of {m.key} is {w}, not a number")
            weights[m.key] = w
        return weights


EFFORT = Objective("effort", lambda m: m.weight)
