"""Pathways to eligibility: the set of measures of least weight (effort by default; see
objective.py) that makes a community reach a grade (通过 or 优秀) with every control passing.

Each candidate set is applied to the survey and scored with the same inventory and criteria as
`assess`, so a pathway never disagrees with `carbon assess --set`: from per-criterion tables
(relaxation.py) where every criterion has one, else incrementally (evaluator.py); the chosen
pathway's steps always by the evaluator. Both are tested equal to `assess`.

The search is exact branch and bound over the applicable measures, cheapest first (a negative
weight, a measure that pays for itself, first of all; see `_Search.best`). A branch is cut
only by bounds that hold whatever the measures do, including measures that lower the score
(relaxation.py): when no set of it can pass a control or reach the score, or when the least
weight it still needs (fractional knapsacks over the points the remaining measures can move)
takes it past the best set found. Ties of weight go to the larger tCO2e reduction, then to fewer
measures, then to the sorted keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from carbon_cli.planning.measures import APPLY_LAST, Library, Measure, load_measures
from carbon_cli.planning.objective import EFFORT, Objective

if TYPE_CHECKING:
    from carbon_cli.planning.evaluator import Outcome
    from carbon_cli.planning.relaxation import Relaxation, Tabled
    from carbon_cli.scoring.assessment import Assessment

TARGETS = ("pass", "excellent")
TOLERANCE = 1e-9  # weights, tCO2e and slack closer than this are equal
__all__ = ["EFFORT", "Objective", "Pathway", "Step", "find_pathway", "find_pathways", "load_measures", "with_pathways"]


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
    cost: Any = None  # planning.costs.Cost, once priced
    controls_met: tuple[str, ...] = ()  # control keys failing (or missing) before this measure, passing after


@dataclass(frozen=True)
class Pathway:
    target: str  # pass | excellent
    status: str  # ready | reachable | not_feasible
    steps: tuple[Step, ...]
    effort: float  # total effort weight of the measures (low 1, medium 3, high 9)
    score_before: float
    score_after: float
    verdict_after: str
    tco2e_reduced: float
    blockers: tuple[str, ...] = ()  # criteria keys that still fail with every measure
    applicable: tuple[str, ...] = ()  # measure keys that change this community's survey
    objective: str = "effort"  # what the search minimised
    weight: float = 0.0  # the measures' total weight under that objective
    cost: Any = None  # planning.costs.Cost of the whole set, once priced (pricing.py)
    extras: tuple[Any, ...] = ()  # no-regret measures left out (pricing.Extra), once priced

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
            "objective": self.objective,
            "weight": self.weight,
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
                    "controls_met": list(s.controls_met),
                    **({"cost": s.cost.to_dict()} if s.cost is not None else {}),
                }
                for s in self.steps
            ],
            **(
                {
                    "cost": self.cost.to_dict(),
                    "no_regret_extras": [{"measure": e.measure.key, "cost": e.cost.to_dict()} for e in self.extras],
                }
                if self.cost is not None
                else {}
            ),
        }


class _Search:
    """One community's search, shared by both targets (and by every target's steps)."""

    def __init__(self, base: Assessment, library: Library, objective: Objective = EFFORT) -> None:
        from carbon_cli.planning.evaluator import Evaluator

        self.base = base
        self.objective = objective
        order = [m for m in library.measures if m.action not in APPLY_LAST]
        order += [m for m in library.measures if m.action in APPLY_LAST]
        self.order = order  # application order
        values = base.survey.assessment
        self.applicable = [m for m in order if m.apply(values)]
        self.weights = objective.weights(self.applicable)
        self.evaluator = Evaluator(base, order)
        for m in self.applicable:
            if self.weights[m.key] < -TOLERANCE and not self._helps(m):
                self.weights[m.key] = math.inf  # pays for itself, does nothing for eligibility
        # the measures searched, cheapest first, then those that write into the items with the
        # most points still to earn (good sets are found early): bit i of a mask is searchable[i]
        unearned = {
            m.key: sum(i.max_points - i.points for i in base.evaluation.items if i.criterion.metric.reads & m.writes)
            for m in self.applicable
        }
        self.searchable = sorted(
            (m for m in self.applicable if self.weights[m.key] < math.inf),
            key=lambda m: (self.weights[m.key], -unearned[m.key], m.key),
        )
        self._relaxation: Relaxation | None = None

    def _helps(self, measure: Measure) -> bool:
        """Whether `measure`, taken alone, raises the score or passes a control that fails."""
        from carbon_cli.scoring.evaluation import EPS

        alone, ev = self.evaluator.outcome(frozenset([measure.key])).score, self.base.evaluation
        before = tuple(c.status for c in ev.controls)
        passes = any(b != "pass" and a == "pass" for b, a in zip(before, alone.control_statuses, strict=True))
        return passes or alone.score > ev.score + EPS

    @property
    def relaxation(self) -> Relaxation:
        if self._relaxation is None:
            from carbon_cli.planning.relaxation import Relaxation

            self._relaxation = Relaxation(self.base, self.searchable, self.order)
        return self._relaxation

    def outcome(self, keys: frozenset[str]) -> Outcome:
        return self.evaluator.outcome(keys)

    def weight(self, keys: frozenset[str]) -> float:
        return sum(self.weights[m.key] for m in self.searchable if m.key in keys)

    def best(self, target: str) -> frozenset[str] | None:
        """The set of least weight that reaches `target` (ties: larger tCO2e reduction, fewer
        measures, sorted keys), or None when no set does."""
        from carbon_cli.scoring.evaluation import EPS

        goal = self.base.criteria.grade(target).min_score
        slope = (goal - EPS) / 100  # reaches ⇔ Σ (earned − slope × applicable) ≥ 0 over the items
        measures, relax = self.searchable, self.relaxation
        n = len(measures)
        # Weights may be negative (a measure that pays for itself): they come first in `measures`.
        # Every bound below is a least weight over the non-negative parts `w`; a set adding
        # measures i.. to one of weight W weighs at least W + neg[i] + that bound, where neg[i]
        # is the sum of the negative weights from i on. And w[j] + neg[j+1] never falls as j
        # grows (sorted weights), so the loop over j may still stop at the first that is too dear.
        signed = [self.weights[m.key] for m in measures]
        w = [max(0.0, x) for x in signed]
        neg = [0.0] * (n + 1)
        for i in range(n - 1, -1, -1):
            neg[i] = neg[i + 1] + min(0.0, signed[i])
        rest = [((1 << n) - 1) & ~((1 << i) - 1) for i in range(n + 1)]  # bits i..n-1
        best: list[Any] = [None, math.inf, math.inf]  # keys, weight, net tCO2e

        def record(keys: frozenset[str], weight: float, out: Outcome | Tabled) -> None:
            keys_best, weight_best, net_best = best
            if abs(weight - weight_best) > TOLERANCE:
                better = weight < weight_best
            elif abs(out.net_tco2e - net_best) > TOLERANCE:
                better = out.net_tco2e < net_best  # ties go to the larger reduction
            else:
                better = (len(keys), sorted(keys)) < (len(keys_best), sorted(keys_best))
            if better:
                best[:] = [keys, weight, out.net_tco2e]

        def needed(i: int, must: int, out: Outcome | Tabled, slack_bound: list[float], budget: float) -> float:
            """Least weight a set adding measures i.. to `out`'s still needs (once it is over
            `budget`, the bounds still to try are skipped)."""
            allowed = rest[i]
            least = w[i]
            for j, status in enumerate(out.score.control_statuses):
                if status in ("fail", "missing"):
                    least = max(least, _cheapest(relax.control_masks[j] & allowed, w))
            slack = [e - slope * a for e, a in out.score.scored]
            short = -sum(slack)
            if short > TOLERANCE and least <= budget:
                least = max(least, _least_weight(short, slack_bound, slack, relax.item_masks, allowed, w))
                if relax.grouped and least <= budget:
                    least = max(least, by_groups(i, must, short, slack_bound, slack))
            return least

        def by_groups(i: int, must: int, short: float, slack_bound: list[float], slack: list[float]) -> float:
            """The least weight by each group's hull (a linear relaxation of choosing one set per
            group); the pooled items' gain counts once, needing one of their measures."""
            allowed = must | rest[i]
            steps = [s for k in range(len(relax.groups)) for s in relax.hull(k, must, allowed, slope, w)]
            steps.sort(key=lambda s: -s[1] / s[0] if s[0] > 0 else -math.inf)
            pooled = sum(slack_bound[j] - slack[j] for j in relax.pooled_items)
            cheapest = _cheapest(relax.pool_mask & rest[i], w)
            least = _cover(steps, short)
            if pooled > TOLERANCE and cheapest < math.inf:
                least = min(least, max(cheapest, _cover(steps, short - pooled)))
            return least

        def expand(
            i: int, must: int, keys: frozenset[str], weight: float, out: Outcome | Tabled, bound: list[float]
        ) -> None:
            floor = weight + neg[i]  # the least a set of this branch weighs, before the bounds
            if i == n or floor + needed(i, must, out, bound, best[1] + TOLERANCE - floor) > best[1] + TOLERANCE:
                return
            for j in range(i, n):
                weight_j = weight + signed[j]
                if weight_j + neg[j + 1] > best[1] + TOLERANCE:
                    break  # later measures weigh at least as much
                must_j = must | 1 << j
                bound_j = relax.bound(must_j, must_j | rest[j + 1], slope, bound, rest[i] & ~rest[j + 1])
                if bound_j is None or sum(bound_j) < -TOLERANCE:
                    continue  # no set of this branch reaches the target
                keys_j = keys | {measures[j].key}
                # untabulated, every `out` comes from the evaluator (the root's too): an Outcome
                out_j = (
                    relax.exact(must_j) if tabulated else self.evaluator.extend(cast("Outcome", out), keys, measures[j])
                )
                if out_j.reaches(target):
                    record(keys_j, weight_j, out_j)
                expand(j + 1, must_j, keys_j, weight_j, out_j, bound_j)

        # Sets are scored from the relaxation's tables where every criterion has one, else by the
        # evaluator; the pathway's steps are always scored by the evaluator.
        tabulated = relax.tabulated
        root = relax.bound(0, rest[0], slope)
        if root is not None and sum(root) >= -TOLERANCE:
            expand(0, 0, frozenset(), 0.0, relax.exact(0) if tabulated else self.outcome(frozenset()), root)
        return best[0]


def _cheapest(mask: int, weights: list[float]) -> float:
    """The least weight of the measures of `mask`."""
    return min((weights[r] for r in range(mask.bit_length()) if mask >> r & 1), default=math.inf)


def _least_weight(
    short: float, best: list[float], slack: list[float], item_masks: list[int], allowed: int, weights: list[float]
) -> float:
    """A lower bound on the weight of measures of `allowed` that gain `short` slack, when item j
    gains at most best[j] − slack[j], and only if one of its influencing measures is taken: a
    fractional knapsack, each measure credited with the gain of every item it can move."""
    gains = [0.0] * len(weights)
    for j, mask in enumerate(item_masks):
        gain = best[j] - slack[j]
        mask &= allowed
        if gain <= TOLERANCE or not mask:
            continue
        while mask:
            low = mask & -mask
            gains[low.bit_length() - 1] += gain
            mask ^= low
    return _knapsack(gains, weights, short)


def _cover(steps: list[tuple[float, float]], need: float) -> float:
    """Least weight of `steps` (weight, gain), most gain per weight first, taken fractionally,
    whose gains add up to `need`."""
    weight = 0.0
    for step_weight, gain in steps:
        if need <= TOLERANCE:
            break
        if gain >= need:
            return weight + step_weight * need / gain
        weight += step_weight
        need -= gain
    return weight if need <= TOLERANCE else math.inf


def _knapsack(gains: list[float], weights: list[float], need: float) -> float:
    """Least weight of measures, taken fractionally, whose gains add up to `need`."""
    weight = 0.0
    for r in sorted((r for r, g in enumerate(gains) if g > 0), key=lambda r: weights[r] / gains[r]):
        if need <= TOLERANCE:
            break
        if gains[r] >= need:
            return weight + weights[r] * need / gains[r]
        weight += weights[r]
        need -= gains[r]
    return weight if need <= TOLERANCE else math.inf


def find_pathway(
    base: Assessment,
    library: Library | None = None,
    target: str = "pass",
    search: _Search | None = None,
    objective: Objective = EFFORT,
) -> Pathway:
    """The pathway of least `objective` weight from `base` to `target` (pass | excellent)."""
    search = search or _Search(base, library or load_measures(), objective)
    applicable = tuple(m.key for m in search.applicable)
    name = search.objective.name
    ev = base.evaluation
    if ev.reaches(target):
        return Pathway(target, "ready", (), 0.0, ev.score, ev.score, ev.verdict, 0.0, (), applicable, name)
    keys = search.best(target)
    if keys is None:
        everything = search.outcome(frozenset(m.key for m in search.searchable))
        controls = base.criteria.controls
        statuses = everything.score.control_statuses
        blockers = [c.key for c, s in zip(controls, statuses, strict=True) if s in ("fail", "missing")]
        goal = base.criteria.grade(target).min_score
        if everything.score.score < goal:
            blockers.append("score")
        return Pathway(
            target,
            "not_feasible",
            (),
            0.0,
            ev.score,
            everything.score.score,
            everything.score.verdict,
            base.inventory.net_tco2e - everything.net_tco2e,
            tuple(blockers),
            applicable,
            name,
        )
    return pathway_of(search, target, keys)


def pathway_of(search: _Search, target: str, keys: frozenset[str]) -> Pathway:
    """The pathway of the measures `keys` (a set that reaches `target`), its steps in order."""
    base, applicable, name = search.base, tuple(m.key for m in search.applicable), search.objective.name
    ev = base.evaluation
    steps = []
    done: frozenset[str] = frozenset()
    before = search.outcome(done)
    for measure in search.order:
        if measure.key not in keys:
            continue
        done = done | {measure.key}
        after = search.outcome(done)
        steps.append(
            Step(
                measure=measure,
                changes=after.steps[-1][1],
                points_gained=after.score.score - before.score.score,
                tco2e_reduced=before.net_tco2e - after.net_tco2e,
                score_after=after.score.score,
                verdict_after=after.score.verdict,
                grade_after=after.score.grade.key,
                controls_met=tuple(
                    c.key
                    for c, was, now in zip(
                        base.criteria.controls, before.score.control_statuses, after.score.control_statuses, strict=True
                    )
                    if was in ("fail", "missing") and now in ("pass", "na")
                ),
            )
        )
        before = after
    return Pathway(
        target,
        "reachable",
        tuple(steps),
        sum(m.weight for m in search.searchable if m.key in keys),
        ev.score,
        before.score.score,
        before.score.verdict,
        base.inventory.net_tco2e - before.net_tco2e,
        (),
        applicable,
        name,
        search.weight(keys),
    )


def find_pathways(
    assessment: Assessment,
    library: Library | None = None,
    objective: Objective = EFFORT,
    targets: tuple[str, ...] = TARGETS,
) -> dict[str, Pathway]:
    """The pathway to each of `targets`, from one search (its tables and bounds are shared)."""
    search = _Search(assessment, library or load_measures(), objective)
    return {t: find_pathway(assessment, target=t, search=search) for t in targets}


def with_pathways(assessment: Assessment, library: Library | None = None, objective: Objective = EFFORT) -> Assessment:
    """The assessment with its pathways to 通过 and 优秀 attached (for reports and batches)."""
    return replace(assessment, pathways=find_pathways(assessment, library, objective))
