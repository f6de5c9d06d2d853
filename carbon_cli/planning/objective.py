"""What a pathway minimises: an additive weight per measure, for one community.

Among the sets of applicable measures that reach the target grade (every control passing, score at
or above the grade's line), the search returns one with the least total weight Σ weight(m); ties
(within 1e-9) go to the larger tCO2e reduction, then to fewer measures, then to the sorted keys.

    Objective(name, weight)
        name    what the weights are, shown beside the total: "effort" (`find_pathway`'s
                default) or "cost" (what the commands plan by, planning/pricing.py)
        weight  measure -> float, a number ≥ 0 for THIS community (a closure over its survey
                when the weight depends on it); math.inf leaves the measure out of the search

    EFFORT  each measure's effort weight from the measures library (low 1, medium 3, high 9).

A cost objective weighs each measure by what it costs this community, from the changes it makes
to the community's own survey (planning/pricing.py, `cost_objective`):

    values = assessment.survey.assessment
    Objective("cost", lambda m: upfront_yuan(m, m.apply(values)))

Pass it to `find_pathway(base, library, target, objective=...)` or `with_pathways(base, library,
objective)`; for several targets from one search, `find_pathways(base, library, objective, targets)`.

The weight is read once per measure per search. The search is exact for any weights ≥ 0, and a
measure's weight does not need to bear any relation to its effect on the score.
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
        """Each measure's weight by key, checked (a number ≥ 0 or math.inf)."""
        weights = {}
        for m in measures:
            w = float(self.weight(m))
            if math.isnan(w) or w < 0:
                raise ValueError(f"objective {self.name!r}: weight of {m.key} is {w}, not a number ≥ 0")
            weights[m.key] = w
        return weights


EFFORT = Objective("effort", lambda m: m.weight)
