"""Pathways to eligibility: the least-effort set of measures that makes a community reach a
grade (通过 or 优秀) with every control passing.

Each candidate set is applied to the survey and re-assessed with the same inventory and
criteria, so a pathway never disagrees with `carbon assess --set`. The search is exact branch
and bound over the applicable measures: a branch is cut when even adding every remaining
measure cannot reach the target, or when its effort already exceeds the best found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from carbon_cli.planning.measures import APPLY_LAST, Library, Measure, load_measures

if TYPE_CHECKING:
    from carbon_cli.assessment import Assessment

TARGETS = ("pass", "excellent")
__all__ = ["Pathway", "Step", "find_pathway", "load_measures", "with_pathways"]


@dataclass(frozen=True)
class Step:
    """One measure of a pathway and the assessment right after it (measures taken in order)."""

    measure: Measure
    changes: dict[str, Any]
    points_gained: float  # score points (0–100 scale)
    tco2e_reduced: float  # net emissions, tCO2e/yr
    score_after: float
    verdict_after: str
    grade_after: str


@dataclass(frozen=True)
class Pathway:
    target: str  # pass | excellent
    status: str  # ready | reachable | not_feasible
    steps: tuple[Step, ...]
    effort: float
    score_before: float
    score_after: float
    verdict_after: str
    tco2e_reduced: float
    blockers: tuple[str, ...] = ()  # criteria keys that still fail with every measure
    applicable: tuple[str, ...] = ()  # measure keys that change this community's survey

    @property
    def measures(self) -> list[Measure]:
        return [s.measure for s in self.steps]

    @property
    def changes(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for step in self.steps:
            merged.update(step.changes)
        return merged

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "status": self.status,
            "measures": [s.measure.key for s in self.steps],
            "effort": self.effort,
            "score_before": self.score_before,
            "score_after": self.score_after,
            "verdict_after": self.verdict_after,
            "tco2e_reduced": self.tco2e_reduced,
            "blockers": list(self.blockers),
            "applicable_measures": list(self.applicable),
            "steps": [
                {
                    "measure": s.measure.key,
                    "effort": s.measure.effort,
                    "changes": s.changes,
                    "points_gained": s.points_gained,
                    "tco2e_reduced": s.tco2e_reduced,
                    "score_after": s.score_after,
                    "verdict_after": s.verdict_after,
                }
                for s in self.steps
            ],
        }


class _Search:
    def __init__(self, base: Assessment, library: Library) -> None:
        from carbon_cli.assessment import assess

        self.base = base
        self._assess = assess
        self.library = library
        order = [m for m in library.measures if m.action not in APPLY_LAST]
        order += [m for m in library.measures if m.action in APPLY_LAST]
        self.order = order
        values = base.survey.assessment
        self.applicable = [m for m in order if m.apply(values)]
        self._cache: dict[frozenset[str], Assessment] = {}
        self.headroom = {m.key: self._headroom(m) for m in self.applicable}

    def _headroom(self, measure: Measure) -> float:
        """Most score points `measure` can add in any company: the unearned points of every
        item whose inputs it changes (an upper bound, used to cut the search)."""
        from carbon_cli.inventory import INVENTORY_FIELDS

        changed = set(measure.apply(self.base.survey.assessment))
        touches_inventory = bool(changed & INVENTORY_FIELDS)
        ev = self.base.evaluation
        if ev.applicable_max <= 0:
            return 0.0
        unearned = 0.0
        for item in ev.items:
            inputs = set(item.criterion.metric.inputs)
            if (changed & inputs) or (touches_inventory and item.criterion.metric.uses_inventory):
                unearned += item.max_points - item.points
        return 100 * unearned / ev.applicable_max

    def apply(self, keys: frozenset[str]) -> tuple[dict[str, Any], list[tuple[Measure, dict[str, Any]]]]:
        values = dict(self.base.survey.assessment)
        applied = []
        for measure in self.order:
            if measure.key in keys:
                change = measure.apply(values)
                values.update(change)
                applied.append((measure, change))
        return values, applied

    def assess(self, keys: frozenset[str]) -> Assessment:
        cached = self._cache.get(keys)
        if cached is None:
            values, _ = self.apply(keys)
            changes = {k: v for k, v in values.items() if self.base.survey.assessment.get(k) != v}
            survey = self.base.survey.with_values(changes, origin="measures")
            cached = self._assess(survey, self.base.factors, self.base.criteria, detail=False)
            self._cache[keys] = cached
        return cached

    def reaches(self, keys: frozenset[str], target: str) -> bool:
        return self.assess(keys).evaluation.reaches(target)

    def net(self, keys: frozenset[str]) -> float:
        return self.assess(keys).inventory.net_tco2e

    def best(self, target: str) -> frozenset[str] | None:
        ordered = sorted(self.applicable, key=lambda m: (m.weight, m.key))
        if not self.reaches(frozenset(m.key for m in ordered), target):
            return None
        best: list[Any] = [None, float("inf"), 0.0]  # keys, effort, net
        greedy = self._greedy(ordered, target)
        best[:] = [greedy, sum(m.weight for m in ordered if m.key in greedy), self.net(greedy)]
        # cheapest weight among measures i.. (a set that does not reach needs at least one more)
        cheapest = [min((m.weight for m in ordered[i:]), default=float("inf")) for i in range(len(ordered) + 1)]
        by_value = sorted(ordered, key=lambda m: -self.headroom[m.key] / m.weight)
        position = {m.key: i for i, m in enumerate(ordered)}
        goal = self.base.criteria.grades[0 if target == "excellent" else -2].min_score

        def least_effort(i: int, chosen: frozenset[str]) -> float:
            """Fractional-knapsack lower bound on the effort still needed for the score."""
            needed = goal - self.assess(chosen).evaluation.score
            effort = 0.0
            for m in by_value:
                if needed <= 1e-9:
                    break
                if position[m.key] < i or self.headroom[m.key] <= 0:
                    continue
                take = min(1.0, needed / self.headroom[m.key])
                effort += take * m.weight
                needed -= take * self.headroom[m.key]
            return effort if needed <= 1e-9 else float("inf")

        def better(keys: frozenset[str], effort: float) -> bool:
            if abs(effort - best[1]) > 1e-9:
                return effort < best[1]
            net = self.net(keys)
            if abs(net - best[2]) > 1e-9:
                return net < best[2]  # ties go to the larger reduction
            return (len(keys), sorted(keys)) < (len(best[0]), sorted(best[0]))

        def visit(i: int, chosen: frozenset[str], effort: float) -> None:
            if effort > best[1] + 1e-9:
                return
            if self.reaches(chosen, target):
                if better(chosen, effort):
                    best[:] = [chosen, effort, self.net(chosen)]
                return
            if i == len(ordered) or effort + max(cheapest[i], least_effort(i, chosen)) > best[1] + 1e-9:
                return
            if not self.reaches(chosen | {m.key for m in ordered[i:]}, target):
                return  # even every remaining measure cannot get there
            measure = ordered[i]
            visit(i + 1, chosen | {measure.key}, effort + measure.weight)
            visit(i + 1, chosen, effort)

        visit(0, frozenset(), 0.0)
        return best[0]

    def _greedy(self, ordered: list[Measure], target: str) -> frozenset[str]:
        """A first solution: add the measure with the most points per effort until it reaches."""
        chosen: frozenset[str] = frozenset()
        while not self.reaches(chosen, target):
            score = self.assess(chosen).evaluation.score
            remaining = [m for m in ordered if m.key not in chosen]

            def value(m: Measure, chosen: frozenset[str] = chosen, score: float = score) -> tuple[float, float]:
                after = self.assess(chosen | {m.key})
                fixes = sum(c.status == "pass" for c in after.evaluation.controls)
                return (fixes * 100 + after.evaluation.score - score) / m.weight, -m.weight

            chosen = chosen | {max(remaining, key=value).key}
        return chosen


def find_pathway(
    base: Assessment, library: Library | None = None, target: str = "pass", search: _Search | None = None
) -> Pathway:
    search = search or _Search(base, library or load_measures())
    applicable = tuple(m.key for m in search.applicable)
    ev = base.evaluation
    if ev.reaches(target):
        return Pathway(target, "ready", (), 0.0, ev.score, ev.score, ev.verdict, 0.0, (), applicable)
    keys = search.best(target)
    if keys is None:
        everything = search.assess(frozenset(applicable))
        blockers = [c.criterion.key for c in everything.evaluation.controls if c.status in ("fail", "missing")]
        if everything.evaluation.score < everything.criteria.grades[0 if target == "excellent" else -2].min_score:
            blockers.append("score")
        return Pathway(
            target,
            "not_feasible",
            (),
            0.0,
            ev.score,
            everything.evaluation.score,
            everything.verdict,
            base.inventory.net_tco2e - everything.inventory.net_tco2e,
            tuple(blockers),
            applicable,
        )
    steps = []
    done: frozenset[str] = frozenset()
    before = base
    for measure in search.order:
        if measure.key not in keys:
            continue
        done = done | {measure.key}
        after = search.assess(done)
        _, applied = search.apply(done)
        steps.append(
            Step(
                measure=measure,
                changes=applied[-1][1],
                points_gained=after.evaluation.score - before.evaluation.score,
                tco2e_reduced=before.inventory.net_tco2e - after.inventory.net_tco2e,
                score_after=after.evaluation.score,
                verdict_after=after.verdict,
                grade_after=after.evaluation.grade.key,
            )
        )
        before = after
    final = search.assess(keys)
    return Pathway(
        target,
        "reachable",
        tuple(steps),
        sum(m.weight for m in search.order if m.key in keys),
        ev.score,
        final.evaluation.score,
        final.verdict,
        base.inventory.net_tco2e - final.inventory.net_tco2e,
        (),
        applicable,
    )


def with_pathways(assessment: Assessment, library: Library | None = None) -> Assessment:
    """The assessment with its pathways to 通过 and 优秀 attached (for reports and batches)."""
    search = _Search(assessment, library or load_measures())  # both targets share its cache
    return replace(assessment, pathways={t: find_pathway(assessment, target=t, search=search) for t in TARGETS})
