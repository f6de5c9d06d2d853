"""One community compiled for the pathway search: a set of measures is applied to its survey and
scored in microseconds, with the numbers `assess` would give the changed survey.

The measures are applied in library order (green power last), each to the values the earlier ones
left, exactly as a pathway's steps are. Only the inventory lines and the criteria that read a
field the set changed are computed again; everything else is the community's own assessment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbon_cli.evaluation import Score, Scorer
from carbon_cli.inventory import Inventory, update_inventory

if TYPE_CHECKING:
    from carbon_cli.assessment import Assessment
    from carbon_cli.planning.measures import Measure

_ABSENT = object()


@dataclass(frozen=True)
class Outcome:
    """A community after a set of measures: its survey values, inventory and score."""

    values: dict[str, Any]
    changes: dict[str, Any]  # fields that differ from the community's own survey
    steps: tuple[tuple[Measure, dict[str, Any]], ...]  # each measure and the changes it made
    inventory: Inventory
    score: Score

    @property
    def net_tco2e(self) -> float:
        return self.inventory.net_tco2e

    def reaches(self, grade_key: str) -> bool:
        return self.score.reaches(grade_key)


class Evaluator:
    def __init__(self, base: Assessment, order: Iterable[Measure]) -> None:
        self.base = base
        self.order = tuple(order)  # application order
        survey = base.survey
        self.scorer = Scorer(base.criteria, survey, base.inventory, base.baseline_inventory)
        self._cache: dict[frozenset[str], Outcome] = {}

    def outcome(self, keys: frozenset[str]) -> Outcome:
        """The community with the measures `keys` taken (cached)."""
        found = self._cache.get(keys)
        if found is None:
            found = self._cache[keys] = self._outcome(keys)
        return found

    def _outcome(self, keys: frozenset[str]) -> Outcome:
        base = self.base
        own = base.survey.assessment
        values = dict(own)
        steps = []
        for measure in self.order:
            if measure.key in keys:
                change = measure.apply(values)
                values.update(change)
                steps.append((measure, change))
        changes = {k: values[k] for _, change in steps for k in change if own.get(k, _ABSENT) != values[k]}
        changed = frozenset(changes)
        inventory = update_inventory(base.inventory, values, changed, base.factors)
        score = self.scorer.score(values, changed, inventory) if changes else self.scorer.initial
        return Outcome(values, changes, tuple(steps), inventory, score)
