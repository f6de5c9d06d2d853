"""The district's pilots in a batch (`carbon batch --plans DIR`): when the inputs hold several
years of a community, every year of every community is read (as `carbon track` reads them),
each plan is tracked against its community's years, and the district's view is made of those
trackings (monitoring/district.py). The summary and the terminal render that one object."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.monitoring.district import district_progress, track_plans
from carbon_cli.monitoring.history import read_history
from carbon_cli.monitoring.rules import load_rules
from carbon_cli.monitoring.tracking import Tracking, tracked_part
from carbon_cli.planning.plan_file import load_plans
from carbon_cli.scoring.criteria_files import load_criteria

if TYPE_CHECKING:
    from carbon_cli.monitoring.district import DistrictProgress
    from carbon_cli.outputs.district import BatchOptions


def follow_pilots(paths: list[Path], options: BatchOptions) -> tuple[DistrictProgress, list[Tracking]] | None:
    """The district view of the plans of `options.plans` over every year of `paths`, up to
    `options.year`, and each pilot's tracking it was made of; None when no community has more
    than one year (a batch of one year says nothing about progress, and its summary stays as it
    was)."""
    rules = load_rules()
    history = read_history(paths, options.limits, rules)
    if not any(len(c.records) > 1 for c in history.communities.values()):
        return None
    plans = load_plans([Path(p) for p in options.plans], keep=tracked_part)
    found = track_plans(
        plans, history, options.factors, options.criteria, rules, options.year, load_criteria=load_criteria
    )
    tracked = [t for t in found if isinstance(t, Tracking)]
    factors = load_factor_set(options.factors)
    return district_progress(tracked, history, factors, options.year), tracked
