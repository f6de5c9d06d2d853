"""The district's pilots at a glance: which are on course and which behind, the emissions of every
community surveyed, year by year, and the money the plans called for against what their progress
suggests is spent.

Spend so far is an estimate from progress (each measure's planned upfront cost × the share of its
planned change the survey shows), not an account of payments: the surveys hold no spending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.accounting.inventory import compute_inventory
from carbon_cli.monitoring.tracking import Tracking, track

if TYPE_CHECKING:
    from collections.abc import Callable

    from carbon_cli.accounting.factors import FactorSet
    from carbon_cli.monitoring.history import History
    from carbon_cli.monitoring.rules import Rules
    from carbon_cli.planning.plan_file import Plan
    from carbon_cli.scoring.criteria import CriteriaSet


@dataclass(frozen=True)
class PilotRow:
    community_id: str
    name: str
    verdict: str
    latest_year: int | None
    score: float | None
    work_share: float | None
    done: int
    partly: int
    not_started: int
    measures: int
    planned_upfront_yuan: float
    spent_estimate_yuan: float
    done_upfront_yuan: float = 0.0  # the planned upfront cost of the measures judged done

    def to_dict(self) -> dict[str, Any]:
        return {
            "community": self.community_id,
            "name": self.name,
            "verdict": self.verdict,
            "latest_year": self.latest_year,
            "score": self.score,
            "work_share": self.work_share,
            "measures": {
                "total": self.measures,
                "done": self.done,
                "partly": self.partly,
                "not_started": self.not_started,
            },
            "planned_upfront_yuan": self.planned_upfront_yuan,
            "spent_estimate_yuan": self.spent_estimate_yuan,
            "done_upfront_yuan": self.done_upfront_yuan,
        }


@dataclass(frozen=True)
class YearRow:
    year: int
    communities: int  # surveyed that year
    net_tco2e: float  # all communities surveyed that year
    pilots: int
    pilots_net_tco2e: float
    pilots_planned_net_tco2e: float | None  # None when a pilot's plan has no figure for the year

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "communities": self.communities,
            "net_tco2e": self.net_tco2e,
            "pilots": self.pilots,
            "pilots_net_tco2e": self.pilots_net_tco2e,
            "pilots_planned_net_tco2e": self.pilots_planned_net_tco2e,
        }


@dataclass(frozen=True)
class DistrictProgress:
    pilots: tuple[PilotRow, ...]
    years: tuple[YearRow, ...]

    @property
    def by_verdict(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.pilots:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        return counts

    @property
    def planned_upfront_yuan(self) -> float:
        return sum(p.planned_upfront_yuan for p in self.pilots)

    @property
    def spent_estimate_yuan(self) -> float:
        return sum(p.spent_estimate_yuan for p in self.pilots)

    @property
    def done_upfront_yuan(self) -> float:
        return sum(p.done_upfront_yuan for p in self.pilots)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pilots": [p.to_dict() for p in self.pilots],
            "by_verdict": self.by_verdict,
            "planned_upfront_yuan": self.planned_upfront_yuan,
            "spent_estimate_yuan": self.spent_estimate_yuan,
            "done_upfront_yuan": self.done_upfront_yuan,
            "spent_is_estimate": True,
            "years": [y.to_dict() for y in self.years],
        }


def _pilot(tracking: Tracking) -> PilotRow:
    latest = tracking.latest
    measures = latest.measures if latest else ()
    planned = spent = done = 0.0
    for m in tracking.plan.measures:
        upfront = float((m.cost or {}).get("upfront_yuan") or 0.0)
        planned += upfront
        shown = next((p for p in measures if p.measure.key == m.key), None)
        spent += upfront * (shown.share or 0.0) if shown else 0.0
        done += upfront if shown is not None and shown.status == "done" else 0.0
    count = {s: sum(1 for m in measures if m.status == s) for s in ("done", "partly", "not_started")}
    return PilotRow(
        tracking.plan.community_id,
        tracking.history.name,
        tracking.verdict,
        latest.year if latest else None,
        latest.assessment.score if latest else None,
        latest.work_share if latest else None,
        count["done"],
        count["partly"],
        count["not_started"],
        len(tracking.plan.measures),
        planned,
        spent,
        done,
    )


def district_progress(
    trackings: list[Tracking], history: History, factors: FactorSet, until: int | None = None
) -> DistrictProgress:
    """The pilots of `trackings` and, per year up to `until`, the emissions of every community of
    `history` (each year's inventory with `factors`; a pilot's the same as its tracking's)."""
    pilots = tuple(_pilot(t) for t in trackings)
    tracked = {t.plan.community_id: t for t in trackings}
    totals: dict[int, list[float]] = {}  # year → [communities, net, pilots, pilots' net, pilots' planned net]
    planned_known: dict[int, bool] = {}
    for key, community in history.communities.items():
        tracking = tracked.get(key)
        by_year = {y.year: y for y in tracking.years} if tracking else {}
        for year, record in community.records.items():
            if until is not None and year > until:
                continue
            row = totals.setdefault(year, [0, 0.0, 0, 0.0, 0.0])
            result = by_year.get(year)
            net = (
                result.assessment.inventory.net_tco2e
                if result
                else compute_inventory(record.values, factors, year).net_tco2e
            )
            row[0] += 1
            row[1] += net
            if result is not None:
                row[2] += 1
                row[3] += net
                if result.expected is not None:
                    row[4] += result.expected.net_tco2e
                else:
                    planned_known[year] = False
    years = tuple(
        YearRow(year, int(r[0]), r[1], int(r[2]), r[3], r[4] if r[2] and planned_known.get(year, True) else None)
        for year, r in sorted(totals.items())
    )
    return DistrictProgress(pilots, years)


def track_plans(
    plans: list[Plan],
    history: History,
    factors: str | None = None,
    criteria: str | None = None,
    rules: Rules | None = None,
    until: int | None = None,
    *,
    load_criteria: Callable[[str], CriteriaSet],
) -> list[Tracking | tuple[Plan, str]]:
    """Each plan tracked against its community's years in `history` (with the factor and criteria
    sets named, else those the plan was made with; `load_criteria` reads a set by id or file, as
    `scoring.criteria_files.load_criteria` does); `(plan, "not_found")` for a plan whose
    community has no survey."""
    loaded: dict[tuple[str, str], Any] = {}
    out: list[Tracking | tuple[Plan, str]] = []
    for plan in plans:
        found = history.get(plan.community_id)
        if found is None:
            out.append((plan, "not_found"))
            continue
        key = (factors or plan.factor_set, criteria or plan.criteria_set)
        if key not in loaded:
            loaded[key] = (load_factor_set(key[0]), load_criteria(key[1]))
        factor_set, criteria_set = loaded[key]
        out.append(track(plan, found, factor_set, criteria_set, rules, until))
    return out
