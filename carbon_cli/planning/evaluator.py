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

from carbon_cli.accounting.inventory import Inventory, update_inventory
from carbon_cli.scoring.evaluation import Score, Scorer

if TYPE_CHECKING:
    from carbon_cli.planning.measures import Measure
    from carbon_cli.scoring.assessment import Assessment

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
        self._rank = {m.key: i for i, m in enumerate(self.order)}
        self._commute: dict[tuple[str, str], bool] = {}

    def outcome(self, keys: frozenset[str]) -> Outcome:
        """The community with the measures `keys` taken (cached)."""
        found = self._cache.get(keys)
        if found is None:
            found = self._cache[keys] = self._outcome(keys)
        return found

    def extend(self, parent: Outcome, keys: frozenset[str], measure: Measure) -> Outcome:
        """`outcome(keys | {measure})` from `parent` = `outcome(keys)`: when `measure` commutes
        with every measure of `keys` taken after it, it is applied to the parent's values and only
        what it changed is scored again."""
        new = keys | {measure.key}
        found = self._cache.get(new)
        if found is not None:
            return found
        rank = self._rank[measure.key]
        later = [m for m, _ in parent.steps if self._rank[m.key] > rank]
        if all(self._commutes(measure, m) for m in later):
            values = dict(parent.values)
            change = measure.apply(values)
            values.update(change)
            at = len(parent.steps) - len(later)
            steps = (*parent.steps[:at], (measure, change), *parent.steps[at:])
            changed = frozenset(change)
        else:  # taken before measures it does not commute with: those are taken again after it
            values, steps = self._apply(new)
            written = {k for _, change in steps for k in change} | parent.changes.keys()
            changed = frozenset(k for k in written if values.get(k, _ABSENT) != parent.values.get(k, _ABSENT))
        own = self.base.survey.assessment
        changes = {k: values[k] for _, change in steps for k in change if own.get(k, _ABSENT) != values[k]}
        inventory = update_inventory(parent.inventory, values, changed, self.base.factors)
        score = self.scorer.score(values, changed, inventory, parent.score) if changed else parent.score
        found = self._cache[new] = Outcome(values, changes, steps, inventory, score)
        return found

    def _apply(self, keys: frozenset[str]) -> tuple[dict[str, Any], tuple[tuple[Measure, dict[str, Any]], ...]]:
        """The survey values after the measures `keys`, and each measure's changes."""
        values = dict(self.base.survey.assessment)
        steps = []
        for measure in self.order:
            if measure.key in keys:
                change = measure.apply(values)
                values.update(change)
                steps.append((measure, change))
        return values, tuple(steps)

    def _commutes(self, a: Measure, b: Measure) -> bool:
        """Whether `a` and `b` give the same values taken in either order."""
        found = self._commute.get((a.key, b.key))
        if found is None:
            found = not (a.writes & b.reads or b.writes & a.reads)
            self._commute[a.key, b.key] = found
        return found

    def _outcome(self, keys: frozenset[str]) -> Outcome:
        base = self.base
        own = base.survey.assessment
        values, steps = self._apply(keys)
        changes = {k: values[k] for _, change in steps for k in change if own.get(k, _ABSENT) != values[k]}
        changed = frozenset(changes)
        inventory = update_inventory(base.inventory, values, changed, base.factors)
        score = self.scorer.score(values, changed, inventory) if changes else self.scorer.initial
        return Outcome(values, changes, steps, inventory, score)
