"""A district's investment plan: which communities to bring to 通过 with a budget.

Each community offers one option, its cheapest pathway to 通过 (upfront cost, tCO2e/yr
reduced); communities already eligible cost nothing. The **cost curve** orders the options by
upfront cost (ties: larger reduction, then id) and accumulates cost against the number of
eligible communities, so it is monotone by construction. **Selection** with a budget is exact:
the most communities that become eligible within the budget; among those, the largest total
reduction; then the lower cost; then the ids in order. The search keeps, for each count of
chosen communities, only the (cost, reduction) pairs no other pair beats, and drops a partial
choice that could not reach the best count even with the cheapest communities left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from itertools import accumulate
from operator import itemgetter
from typing import Any

_EPS = 1e-6  # yuan and tonnes compared to a millionth


@dataclass(frozen=True)
class Option:
    """One community's cheapest way to 通过."""

    community: str
    name: str
    upfront_yuan: float  # 0 when already eligible
    tco2e_reduced: float  # a year
    ready: bool = False  # already eligible: no measure needed
    subsidy_yuan: float = 0.0


@dataclass(frozen=True)
class CurvePoint:
    option: Option
    cumulative_yuan: float
    eligible: int  # communities eligible once this one and every one before it are funded


@dataclass(frozen=True)
class Plan:
    budget_yuan: float
    selected: tuple[Option, ...]  # communities to fund (not those already eligible)
    ready: tuple[Option, ...]

    @property
    def total_upfront_yuan(self) -> float:
        return sum(o.upfront_yuan for o in self.selected)

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
            "budget_yuan": self.budget_yuan,
            "selected": [o.community for o in self.selected],
            "already_eligible": [o.community for o in self.ready],
            "total_upfront_yuan": self.total_upfront_yuan,
            "subsidy_yuan": self.subsidy_yuan,
            "tco2e_reduced": self.tco2e_reduced,
            "eligible_after": self.eligible_after,
            "pilot_awards_yuan": award_yuan * self.eligible_after,
        }


def _order(option: Option) -> tuple[float, float, str]:
    return (option.upfront_yuan, -option.tco2e_reduced, option.community)


def cost_curve(options: Sequence[Option]) -> list[CurvePoint]:
    """Communities ready first, then by upfront cost: cumulative cost against eligible count."""
    ordered = sorted((o for o in options if o.ready), key=_order) + sorted(
        (o for o in options if not o.ready), key=_order
    )
    spent = list(accumulate(o.upfront_yuan if not o.ready else 0.0 for o in ordered))
    return [CurvePoint(o, s, i) for i, (o, s) in enumerate(zip(ordered, spent, strict=True), start=1)]


def select(options: Sequence[Option], budget_yuan: float) -> Plan:
    """The exact best selection within `budget_yuan` (see the module docstring for the order)."""
    ready = tuple(sorted((o for o in options if o.ready), key=lambda o: o.community))
    pool = sorted((o for o in options if not o.ready), key=_order)
    costs = [o.upfront_yuan for o in pool]
    cheapest = list(accumulate(costs, initial=0.0))
    most = max(k for k in range(len(pool) + 1) if cheapest[k] <= budget_yuan + _EPS)
    if most == 0:
        return Plan(budget_yuan, (), ready)
    # states[j]: choices of j communities as (cost, -reduction, chosen), none beaten by another,
    # in order of cost;
    # `chosen` is a linked list (last index, the rest): a choice grows in O(1), not by copying
    states: list[list[tuple[float, float, Chosen]]] = [[(0.0, 0.0, None)], *([] for _ in range(most))]
    for i, cost in enumerate(costs):
        left = len(pool) - i - 1
        reduced = pool[i].tco2e_reduced
        for j in range(min(i + 1, most), max(0, most - left - 1), -1):  # enough communities left
            # keep a choice only if the cheapest communities after i can still complete it; the
            # choices are in order of cost, so the first that cannot ends the list
            rest = cheapest[i + 1 + most - j] - cheapest[i + 1]
            grown: list[tuple[float, float, Chosen]] = []
            for c, r, chosen in states[j - 1]:
                if c + cost + rest > budget_yuan + _EPS:
                    break
                grown.append((c + cost, r - reduced, (i, chosen)))
            if grown:
                states[j] = _frontier(states[j] + grown)
    ids = [o.community for o in pool]
    best = min(states[most], key=lambda s: (round(s[1], 6), round(s[0], 6), [ids[k] for k in _indices(s[2])]))
    return Plan(budget_yuan, tuple(pool[k] for k in _indices(best[2])), ready)


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

    def to_dict(self) -> dict[str, object]:
        plan = self.plan.to_dict(self.award_yuan) if self.plan else {}
        return {
            "budget_yuan": plan.get("budget_yuan"),
            "selected": plan.get("selected"),
            "total_upfront_yuan": plan.get("total_upfront_yuan"),
            "subsidy_yuan": plan.get("subsidy_yuan"),
            "tco2e_reduced": plan.get("tco2e_reduced"),
            "eligible_after": plan.get("eligible_after"),
            "pilot_awards_yuan": plan.get("pilot_awards_yuan"),
            "pilot_award_yuan": self.award_yuan,
            "cost_curve": [
                {
                    "community_id": p.option.community,
                    "upfront_yuan": p.option.upfront_yuan,
                    "tco2e_reduced": p.option.tco2e_reduced,
                    "already_eligible": p.option.ready,
                    "cumulative_yuan": p.cumulative_yuan,
                    "eligible": p.eligible,
                }
                for p in self.curve
            ],
            "unreachable": list(self.unreachable),
        }


def district_investment(rows: Sequence[Mapping[str, Any]], budget_yuan: float | None, award_yuan: float) -> Investment:
    """The investment plan from batch result rows (`community_id`, `community_name`, `verdict`,
    `feasibility`, `pathway_upfront_yuan`, `pathway_tco2e_reduced`, `pathway_subsidy_yuan`)."""
    options, unreachable = [], []
    for row in rows:
        ready = row["verdict"] == "eligible"
        if ready or (row["feasibility"] == "reachable" and row.get("pathway_upfront_yuan") is not None):
            options.append(
                Option(
                    row["community_id"],
                    row["community_name"],
                    0.0 if ready else row["pathway_upfront_yuan"],
                    0.0 if ready else row["pathway_tco2e_reduced"] or 0.0,
                    ready,
                    0.0 if ready else row.get("pathway_subsidy_yuan") or 0.0,
                )
            )
        else:
            unreachable.append(row["community_id"])
    plan = select(options, budget_yuan) if budget_yuan is not None else None
    return Investment(cost_curve(options), plan, award_yuan, tuple(unreachable))


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
