"""A district's investment plan: which communities to bring to 通过 with a budget.

Each community offers one option, its pathway to 通过 with its three costs: upfront (capex −
one-off subsidies), annual net (opex − savings − annual subsidies, first year) and net cost over
the appraisal period (upfront + every year's net, discounted when a rate is set: the life-cycle
cost); communities already eligible cost nothing. A **budget** (`Budget`) caps what the district
commits: over the period (`--budget`, the default), upfront (`--budget-upfront`) and a year
(`--budget-annual`), each optional, all of them holding at once. A cost can be negative (a
pathway that pays for itself): it frees budget.

The **cost curve** orders the options by the budget's first cap (the period cost when no budget
is given; ties: larger reduction, then id) and accumulates all three costs against the number of
eligible communities: each step costs no less than the one before, so the curve at k is the least
any k communities cost. **Selection** with a budget is exact: the most communities that become
eligible within every cap; among those, the largest total reduction; then the lower cost (period,
then upfront, then annual, as capped); then the ids in order. With one cap the search keeps, for
each count of chosen communities, only the (cost, reduction) pairs no other pair beats, and
drops a partial choice that could not reach the best count even with the cheapest communities
left; with several caps it keeps the choices no other beats on every capped cost and the
reduction, and drops one that no community left could bring back under a cap.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from itertools import accumulate
from operator import itemgetter
from typing import Any

_EPS = 1e-6  # yuan and tonnes compared to a millionth
KINDS = ("period", "upfront", "annual")  # the caps, in the order their costs break ties


@dataclass(frozen=True)
class Option:
    """One community's pathway to 通过 and its three costs."""

    community: str
    name: str
    upfront_yuan: float  # 0 when already eligible
    tco2e_reduced: float  # a year
    ready: bool = False  # already eligible: no measure needed
    subsidy_yuan: float = 0.0  # over the period
    annual_net_yuan: float = 0.0  # the first year
    net_cost_yuan: float = 0.0  # over the appraisal period (life-cycle cost)

    def cost(self, kind: str) -> float:
        """The option's cost of `kind` (period | upfront | annual)."""
        return {"period": self.net_cost_yuan, "upfront": self.upfront_yuan, "annual": self.annual_net_yuan}[kind]


@dataclass(frozen=True)
class Budget:
    """What the district may commit: over the appraisal period, upfront and a year (None: no cap)."""

    period_yuan: float | None = None
    upfront_yuan: float | None = None
    annual_yuan: float | None = None

    @property
    def caps(self) -> list[tuple[str, float]]:
        """(kind, yuan) of each cap given, in the order of KINDS."""
        given = {"period": self.period_yuan, "upfront": self.upfront_yuan, "annual": self.annual_yuan}
        return [(k, v) for k, v in given.items() if v is not None]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.caps) or ("period",)

    def to_dict(self) -> dict[str, float | None]:
        return {"period_yuan": self.period_yuan, "upfront_yuan": self.upfront_yuan, "annual_yuan": self.annual_yuan}


@dataclass(frozen=True)
class CurvePoint:
    option: Option
    cumulative_yuan: float  # of the curve's order cost (the budget's first cap; period by default)
    eligible: int  # communities eligible once this one and every one before it are funded
    cumulative_upfront_yuan: float = 0.0
    cumulative_annual_yuan: float = 0.0
    cumulative_period_yuan: float = 0.0


@dataclass(frozen=True)
class Plan:
    budget: Budget
    selected: tuple[Option, ...]  # communities to fund (not those already eligible)
    ready: tuple[Option, ...]

    @property
    def budget_yuan(self) -> float | None:
        """The period cap (--budget)."""
        return self.budget.period_yuan

    @property
    def total_upfront_yuan(self) -> float:
        return sum(o.upfront_yuan for o in self.selected)

    @property
    def total_annual_yuan(self) -> float:
        return sum(o.annual_net_yuan for o in self.selected)

    @property
    def total_period_yuan(self) -> float:
        return sum(o.net_cost_yuan for o in self.selected)

    def total(self, kind: str) -> float:
        return sum(o.cost(kind) for o in self.selected)

    @property
    def subsidy_yuan(self) -> float:
        return sum(o.subsidy_yuan for o in self.selected)

    @property
    def tco2e_reduced(self) -> float:
        return sum(o.tco2e_reduced for o in self.selected)

    @property
    def eligible_after(self) -> int:
        return len(self.ready) + len(self.selected)

    def to_dict(self, award_yuan: float) -> dict[str, object]:
        return {
            "budget_yuan": self.budget.period_yuan,
            "budget": self.budget.to_dict(),
            "selected": [o.community for o in self.selected],
            "already_eligible": [o.community for o in self.ready],
            "total_upfront_yuan": self.total_upfront_yuan,
            "total_annual_net_yuan": self.total_annual_yuan,
            "total_net_cost_yuan": self.total_period_yuan,
            "subsidy_yuan": self.subsidy_yuan,
            "tco2e_reduced": self.tco2e_reduced,
            "eligible_after": self.eligible_after,
            # the awards the budget brings: only the communities it makes eligible
            "pilot_awards_yuan": award_yuan * len(self.selected),
            "already_eligible_awards_yuan": award_yuan * len(self.ready),
        }


def _order(kind: str) -> Any:
    return lambda o: (o.cost(kind), -o.tco2e_reduced, o.community)


def cost_curve(options: Sequence[Option], kind: str = "period") -> list[CurvePoint]:
    """Communities ready first, then by their cost of `kind`: cumulative costs against eligible count."""
    ordered = sorted((o for o in options if o.ready), key=_order(kind)) + sorted(
        (o for o in options if not o.ready), key=_order(kind)
    )
    points, sums = [], dict.fromkeys(KINDS, 0.0)
    for i, o in enumerate(ordered, start=1):
        if not o.ready:
            for k in KINDS:
                sums[k] += o.cost(k)
        points.append(CurvePoint(o, sums[kind], i, sums["upfront"], sums["annual"], sums["period"]))
    return points


def select(options: Sequence[Option], budget: Budget | float) -> Plan:
    """The exact best selection within `budget` (a number: the period cap; see the module
    docstring for the order)."""
    if not isinstance(budget, Budget):
        budget = Budget(period_yuan=budget)
    caps = budget.caps
    ready = tuple(sorted((o for o in options if o.ready), key=lambda o: o.community))
    if len(caps) != 1:
        return Plan(budget, _select_many(options, caps), ready)
    kind, budget_yuan = caps[0]
    pool = sorted((o for o in options if not o.ready), key=_order(kind))
    costs = [o.cost(kind) for o in pool]
    cheapest = list(accumulate(costs, initial=0.0))
    most = max((k for k in range(len(pool) + 1) if cheapest[k] <= budget_yuan + _EPS), default=0)
    if most == 0:
        return Plan(budget, (), ready)
    # Only the communities near the line can change places. Against the `most` cheapest, a choice
    # of as many swaps some out for as many dearer ones, each swap costing c_in − c_out ≥ 0, and
    # the swaps together at most the slack s (budget − the cheapest `most`): so a community
    # cheaper than the first left out by more than s is always chosen, and one dearer than the
    # last taken by more than s never. The always-chosen are the first of `pool`, so the id order
    # among the rest is the id order of the whole choice.
    slack = budget_yuan + _EPS - cheapest[most]
    line_in = costs[most] - slack if most < len(pool) else float("inf")
    first = next((i for i in range(most) if costs[i] >= line_in), most)
    last = next((i for i in range(len(pool) - 1, most - 1, -1) if costs[i] <= costs[most - 1] + slack), most - 1) + 1
    chosen = _choose(pool[first:last], costs[first:last], budget_yuan - cheapest[first], most - first)
    return Plan(budget, (*pool[:first], *(pool[first + k] for k in chosen)), ready)


def _choose(pool: Sequence[Option], costs: list[float], budget_yuan: float, most: int) -> tuple[int, ...]:
    """The best `most` of `pool` (in order of cost) within `budget_yuan`, as indices."""
    if most == 0:
        return ()
    cheapest = list(accumulate(costs, initial=0.0))
    reductions = [o.tco2e_reduced for o in pool]
    bound = _Bound(reductions, costs, budget_yuan, most)
    reach = bound.may_reach
    # states[j]: choices of j communities as (cost, -reduction, chosen), none beaten by another,
    # in order of cost;
    # `chosen` is a linked list (last index, the rest): a choice grows in O(1), not by copying
    states: list[list[tuple[float, float, Chosen]]] = [[(0.0, 0.0, None)], *([] for _ in range(most))]
    for i, cost in enumerate(costs):
        left = len(pool) - i - 1
        reduced = reductions[i]
        if i and i % _Bound.EVERY == 0:  # drop the choices that can no longer be the best
            for j in range(1, most):
                states[j] = [x for x in states[j] if bound.may_reach(i, j, x[0], -x[1])]
        for j in range(min(i + 1, most), max(0, most - left - 1), -1):  # enough communities left
            # keep a choice only if the cheapest communities after i can still complete it; the
            # choices are in order of cost, so the first that cannot ends the list
            rest = cheapest[i + 1 + most - j] - cheapest[i + 1]
            grown: list[tuple[float, float, Chosen]] = []
            for c, r, chosen in states[j - 1]:
                if c + cost + rest > budget_yuan + _EPS:
                    break
                if reach(i + 1, j, c + cost, reduced - r):
                    grown.append((c + cost, r - reduced, (i, chosen)))
            if grown:
                states[j] = _frontier(states[j] + grown)
    ids = [o.community for o in pool]
    best = min(states[most], key=lambda s: (round(s[1], 6), round(s[0], 6), [ids[k] for k in _indices(s[2])]))
    return _indices(best[2])


def _select_many(options: Sequence[Option], caps: list[tuple[str, float]]) -> tuple[Option, ...]:
    """The exact best selection under several caps (or none). For each count K, from the most any
    one cap allows down, the choices of j ≤ K communities no other beats on every capped cost and
    the reduction are kept while they can still be completed to K within every cap (the K − j
    cheapest of each kind among the communities from the last checkpoint on: no dearer than any
    completion); the first K some choice reaches is the most, and its best choice the answer."""
    kinds = [k for k, _ in caps]
    limits = [v + _EPS for _, v in caps]
    pool = sorted((o for o in options if not o.ready), key=lambda o: o.community)
    if not caps:
        return tuple(pool)  # nothing caps the budget: every community
    n = len(pool)
    costs = [[o.cost(k) for k in kinds] for o in pool]
    most = min(
        max(
            (k for k, total in enumerate(accumulate(sorted(c[d] for c in costs), initial=0.0)) if total <= cap),
            default=-1,
        )
        for d, cap in enumerate(limits)
    )
    # least[q][d][m]: the sum of the m cheapest costs of kind d among the communities from q·EVERY on
    every = 8
    least = [
        [list(accumulate(sorted(c[d] for c in costs[q:]), initial=0.0)) for d in range(len(kinds))]
        for q in range(0, n + every, every)
    ]
    for count in range(most, 0, -1):
        best = _select_count(pool, costs, limits, count, least, every)
        if best is not None:
            return tuple(pool[k] for k in best)
    return ()


State = tuple[tuple[float, ...], float, "Chosen"]


def _select_count(
    pool: Sequence[Option],
    costs: list[list[float]],
    limits: list[float],
    count: int,
    least: list[list[list[float]]],
    every: int,
) -> tuple[int, ...] | None:
    """The best choice of exactly `count` communities within every cap, as indices; None if none."""

    def completes(i: int, j: int, spent: tuple[float, ...]) -> bool:
        """Whether j chosen before community i, costing `spent`, can still reach `count`."""
        need = count - j
        if need > len(pool) - i:
            return False
        sums = least[i // every]
        return all(x + sums[d][need] <= cap for d, (x, cap) in enumerate(zip(spent, limits, strict=True)))

    # the caps weighed together, each by its size, for the Lagrangian bound on what a choice can
    # still reach against one known to keep every cap (`_Bound`)
    caps = [([c[d] for c in costs], cap - _EPS) for d, cap in enumerate(limits)]
    reductions = [o.tco2e_reduced for o in pool]
    scale = [1 / max(abs(cap), 1.0) for cap in limits]
    bound, weights = None, scale
    for shares in _SHARES[len(limits)]:  # the weighing whose bound is tightest
        trial = [s * w for s, w in zip(scale, shares, strict=True)]
        combined = [sum(w * x for w, x in zip(trial, c, strict=True)) for c in costs]
        made = _Bound(reductions, combined, sum(w * x for w, x in zip(trial, limits, strict=True)), count, caps)
        if bound is None or made.reach < bound.reach:
            bound, weights = made, trial
    assert bound is not None

    def weighed(spent: Sequence[float]) -> float:
        return sum(w * x for w, x in zip(weights, spent, strict=True))

    zero = tuple(0.0 for _ in limits)
    states: list[list[State]] = [[(zero, 0.0, None)], *([] for _ in range(count))]
    for i, option in enumerate(pool):
        cost = costs[i]
        if i and i % _Bound.EVERY == 0:  # drop the choices that can no longer be the best
            for j in range(1, count):
                states[j] = [x for x in states[j] if bound.may_reach(i, j, weighed(x[0]), -x[1])]
        for j in range(min(i + 1, count), 0, -1):
            grown: list[State] = []
            for c, r, chosen in states[j - 1]:
                spent = tuple(a + b for a, b in zip(c, cost, strict=True))
                reduced = r - option.tco2e_reduced
                if completes(i + 1, j, spent) and bound.may_reach(i + 1, j, weighed(spent), -reduced):
                    grown.append((spent, reduced, (i, chosen)))
            if grown:
                states[j] = _pareto(states[j] + grown)
        for j in range(count):  # choices that can no longer be completed
            states[j] = [x for x in states[j] if completes(i + 1, j, x[0])]
    if not states[count]:
        return None
    best = min(states[count], key=lambda x: (round(x[1], 6), [round(v, 6) for v in x[0]], _indices(x[2])))
    return _indices(best[2])


# how the caps are weighed together in the bound of `_select_count`: tried in turn, the tightest kept
_SHARES: dict[int, list[tuple[float, ...]]] = {
    2: [(1 - t / 8, t / 8) for t in range(9)],
    3: [(a / 4, b / 4, (4 - a - b) / 4) for a in range(5) for b in range(5 - a)],
}


def _pareto(states: list[State]) -> list[State]:
    """The choices no other beats on every cost and the reduction (equal ones: the first ids)."""
    ordered = sorted(states, key=_REDUCTION_COSTS)
    k = 0
    while k < len(ordered):  # the same reduction and costs: in order of ids
        end = k + 1
        while end < len(ordered) and _REDUCTION_COSTS(ordered[end]) == _REDUCTION_COSTS(ordered[k]):
            end += 1
        if end - k > 1:
            ordered[k:end] = sorted(ordered[k:end], key=lambda s: _indices(s[2]))
        k = end
    # In this order every kept choice reduces at least as much as the next: a choice is beaten
    # when a kept one costs no more (within _EPS) on every cap.
    kept: list[State] = []
    if ordered and len(ordered[0][0]) == 2:
        # two caps: the kept choices no other kept one beats, by the first cost (their second
        # costs fall): the one of them with the largest first cost within reach has the least second
        stair_x: list[float] = []
        stair_y: list[float] = []
        for s in ordered:
            x, y = s[0]
            at = bisect_right(stair_x, x + _EPS)
            if at and stair_y[at - 1] <= y + _EPS:
                continue
            kept.append(s)
            at = bisect_right(stair_x, x)
            if at and stair_y[at - 1] <= y:
                continue  # beaten exactly, within _EPS only: kept, but not on the stair
            end = at
            while end < len(stair_x) and stair_y[end] >= y:
                end += 1
            stair_x[at:end], stair_y[at:end] = [x], [y]
        return kept
    for s in ordered:
        if not any(all(a <= b + _EPS for a, b in zip(k[0], s[0], strict=True)) for k in kept):
            kept.append(s)
    return kept


def _REDUCTION_COSTS(s: State) -> tuple[float, tuple[float, ...]]:
    return s[1], s[0]


class _Bound:
    """A Lagrangian bound on what a partial choice can still reach, against a choice known to fit.

    For λ ≥ 0 and any completion Y (m communities from i on, within what the budget leaves):
    Σ_Y r ≤ λ (budget − c) + Σ_Y (r − λ cost) ≤ λ (budget − c) + the m largest r − λ cost from
    the last checkpoint at or before i on (a superset: no smaller). λ minimises the bound of the
    empty choice; the known choice is the best that fits of the cheapest `most` and the `most`
    largest r − μ cost for the least μ ≥ λ at which they fit. A choice whose reduction plus the
    bound is below the known one (less a margin for rounding) can neither be nor tie the best."""

    EVERY = 16  # a checkpoint every so many communities

    def __init__(
        self,
        reductions: list[float],
        costs: list[float],
        budget: float,
        most: int,
        caps: list[tuple[list[float], float]] | None = None,
    ) -> None:
        """`costs` and `budget` may weigh several caps together (`caps`: each cap's costs and
        limit, which the known choice must keep); the bound holds for any such weighing."""
        self.budget, self.most, n = budget, most, len(costs)
        caps = caps or [(costs, budget)]
        pairs = list(zip(reductions, costs, strict=True))

        def order(lam: float, start: int = 0) -> list[float]:
            return sorted((r - lam * c for r, c in pairs[start:]), reverse=True)

        def root(lam: float) -> float:
            return lam * budget + sum(order(lam)[:most])

        # the bound of the empty choice is convex in λ, so unimodal in log λ: a ternary search
        # over a wide range (the scale: reductions per yuan), and λ = 0
        scale = (max(reductions, default=0.0) + 1.0) / (max((abs(c) for c in costs), default=0.0) + 1.0)
        low, high = math.log(scale * 1e-6), math.log(scale * 1e6)
        for _ in range(80):
            a, b = low + (high - low) / 3, high - (high - low) / 3
            if root(math.exp(a)) <= root(math.exp(b)):
                high = b
            else:
                low = a
        lam = math.exp((low + high) / 2)
        self.lam = lam = lam if root(lam) <= root(0.0) else 0.0
        self.reach = root(lam)  # the most any choice can reduce, by this bound
        self.tops = [list(accumulate(order(lam, q)[: most + 1], initial=0.0)) for q in range(0, n, self.EVERY)]

        def fits(chosen: list[int]) -> bool:
            return all(sum(cost[k] for k in chosen) <= cap + _EPS for cost, cap in caps)

        cheapest = sorted(range(n), key=lambda k: costs[k])[:most]
        self.known = sum(reductions[k] for k in cheapest) if fits(cheapest) else -math.inf

        def fitting(mu: float) -> list[int] | None:
            chosen = sorted(range(n), key=lambda k: -(reductions[k] - mu * costs[k]))[:most]
            return chosen if fits(chosen) else None

        # the least μ ≥ λ on a fine geometric grid at which the `most` best by r − μ cost fit
        mu = max(lam, 1e-12)
        for _ in range(200):
            best = fitting(mu)
            if best is not None:
                self.known = max(self.known, sum(reductions[k] for k in best))
                break
            mu *= 1.15
        # and greedily by r − λ cost, a community taken when the cheapest of the rest can still
        # complete the choice within the budget
        by_cost = [sorted(range(n), key=cost.__getitem__) for cost, _ in caps]
        taken, spent, used = 0, [0.0] * len(caps), [False] * n
        for k in sorted(range(n), key=lambda k: -(reductions[k] - lam * costs[k])):
            if taken == most:
                break
            fit = True
            for d, (cost, cap) in enumerate(caps):
                need, rest = most - taken - 1, 0.0
                for q in by_cost[d]:
                    if need == 0:
                        break
                    if not used[q] and q != k:
                        rest += cost[q]
                        need -= 1
                fit = fit and spent[d] + cost[k] + rest <= cap + _EPS
            if fit:
                used[k], taken = True, taken + 1
                spent = [x + cost[k] for x, (cost, _) in zip(spent, caps, strict=True)]
        if taken == most:
            self.known = max(self.known, sum(r for r, u in zip(reductions, used, strict=True) if u))
        known = abs(self.known) if self.known > -math.inf else 0.0
        self.margin = 1e-7 * (known + lam * abs(budget) + sum(abs(r) for r in reductions) + 1.0)

    def may_reach(self, i: int, j: int, cost: float, reduced: float) -> bool:
        """Whether j communities chosen before `i`, costing `cost` and reducing `reduced`, could
        end at least as high as the known choice."""
        sums = self.tops[min(i // self.EVERY, len(self.tops) - 1)] if self.tops else [0.0]
        m = self.most - j
        if m >= len(sums):
            return True
        return reduced + self.lam * (self.budget - cost) + sums[m] >= self.known - self.margin


Chosen = tuple[int, "Chosen"] | None
_COST_REDUCTION = itemgetter(0, 1)


def _indices(chosen: Chosen) -> tuple[int, ...]:
    out = []
    while chosen is not None:
        out.append(chosen[0])
        chosen = chosen[1]
    return tuple(reversed(out))


def _by_ids(a: tuple[float, float, Chosen], b: tuple[float, float, Chosen]) -> int:
    """Compares two choices of as many communities by their indices in order. Two choices share
    the same list from where they were last the same choice: only the parts before it are read."""
    x, y = a[2], b[2]
    own_x, own_y = [], []
    while x is not y and x is not None and y is not None:
        own_x.append(x[0])
        own_y.append(y[0])
        x, y = x[1], y[1]
    first_x, first_y = own_x[::-1], own_y[::-1]
    return (first_x > first_y) - (first_x < first_y)


def _frontier(states: list[tuple[float, float, Chosen]]) -> list[tuple[float, float, Chosen]]:
    """The choices no other beats on both cost and reduction (ties kept once, the first ids)."""
    kept: list[tuple[float, float, Chosen]] = []
    ordered = sorted(states, key=_COST_REDUCTION)  # two runs already in order: merged in linear time
    k = 0
    while k < len(ordered):
        state, end = ordered[k], k + 1
        while end < len(ordered) and ordered[end][:2] == state[:2]:
            end += 1
        if not kept or kept[-1][1] > state[1] + _EPS:  # else: costs no less, reduces no more than a kept one
            if end - k > 1:  # the same cost and reduction: the choice of the first ids
                state = min(ordered[k:end], key=cmp_to_key(_by_ids))
            kept.append(state)
        k = end
    return kept


@dataclass(frozen=True)
class Investment:
    """A district's cost curve and, with a budget, the communities to fund."""

    curve: list[CurvePoint]
    plan: Plan | None
    award_yuan: float
    unreachable: tuple[str, ...]  # not eligible and no pathway to 通过 (not feasible or incomplete)
    years: int | None = None  # the appraisal period the period costs are over
    order: str = "period"  # the cost the curve is ordered by

    def to_dict(self) -> dict[str, object]:
        plan = self.plan.to_dict(self.award_yuan) if self.plan else {}
        keys = (
            "budget_yuan",
            "budget",
            "selected",
            "already_eligible",
            "total_upfront_yuan",
            "total_annual_net_yuan",
            "total_net_cost_yuan",
            "subsidy_yuan",
            "tco2e_reduced",
            "eligible_after",
            "pilot_awards_yuan",
            "already_eligible_awards_yuan",
        )
        return {
            **{k: plan.get(k) for k in keys},
            "pilot_award_yuan": self.award_yuan,
            "years": self.years,
            "curve_order": self.order,
            "cost_curve": [
                {
                    "community_id": p.option.community,
                    "upfront_yuan": p.option.upfront_yuan,
                    "annual_net_yuan": p.option.annual_net_yuan,
                    "net_cost_yuan": p.option.net_cost_yuan,
                    "tco2e_reduced": p.option.tco2e_reduced,
                    "already_eligible": p.option.ready,
                    "cumulative_yuan": p.cumulative_yuan,
                    "cumulative_upfront_yuan": p.cumulative_upfront_yuan,
                    "cumulative_annual_net_yuan": p.cumulative_annual_yuan,
                    "cumulative_net_cost_yuan": p.cumulative_period_yuan,
                    "eligible": p.eligible,
                }
                for p in self.curve
            ],
            "unreachable": list(self.unreachable),
        }


def district_investment(
    rows: Sequence[Mapping[str, Any]], budget: Budget | float | None, award_yuan: float
) -> Investment:
    """The investment plan from batch result rows (`community_id`, `community_name`, `verdict`,
    `feasibility`, `pathway_upfront_yuan`, `pathway_annual_net_yuan`, `pathway_net_cost_yuan`,
    `pathway_tco2e_reduced`, `pathway_subsidy_yuan`, `appraisal_years`); `budget` a number is the
    period cap."""
    if budget is not None and not isinstance(budget, Budget):
        budget = Budget(period_yuan=budget)
    options, unreachable, years = [], [], None
    for row in rows:
        ready = row["verdict"] == "eligible"
        if ready or (row["feasibility"] == "reachable" and row.get("pathway_upfront_yuan") is not None):
            years = years or row.get("appraisal_years")

            def cost(key: str, row: Mapping[str, Any] = row, ready: bool = ready) -> float:
                return 0.0 if ready else row.get(key) or 0.0

            options.append(
                Option(
                    row["community_id"],
                    row["community_name"],
                    cost("pathway_upfront_yuan"),
                    cost("pathway_tco2e_reduced"),
                    ready,
                    cost("pathway_subsidy_yuan"),
                    cost("pathway_annual_net_yuan"),
                    cost("pathway_net_cost_yuan"),
                )
            )
        else:
            unreachable.append(row["community_id"])
    order = budget.kinds[0] if budget is not None else "period"
    plan = select(options, budget) if budget is not None else None
    return Investment(cost_curve(options, order), plan, award_yuan, tuple(unreachable), years, order)


def parse_yuan(text: str) -> float | None:
    """An amount as people write it: 3000000, 3,000,000, 300万, 0.3亿, 300万元, ３００万; None if not."""
    import unicodedata

    from carbon_cli.survey.values import MULTIPLIERS

    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    cleaned = cleaned.removesuffix("元").removesuffix("yuan").removesuffix("CNY")
    scale = 1.0
    if cleaned[-1:] in MULTIPLIERS:
        scale, cleaned = MULTIPLIERS[cleaned[-1]], cleaned[:-1]
    try:
        value = float(cleaned) * scale
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None
