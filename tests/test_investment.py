"""The district investment plan: cost curve and budget selection, against exhaustive search."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon_cli.planning.investment import Budget, Option, cost_curve, select


def exhaustive(options: list[Option], budget: float | Budget) -> tuple:
    """Best (count, reduction, −cost of each capped kind) over every subset of the communities
    not yet eligible that keeps within every cap."""
    if not isinstance(budget, Budget):
        budget = Budget(period_yuan=budget)
    caps = budget.caps
    pool = [o for o in options if not o.ready]
    best = None
    for k in range(len(pool) + 1):
        for chosen in itertools.combinations(pool, k):
            costs = [sum(o.cost(kind) for o in chosen) for kind, _ in caps]
            if all(c <= cap + 1e-6 for c, (_, cap) in zip(costs, caps, strict=True)):
                rank = (k, round(sum(o.tco2e_reduced for o in chosen), 6), *(-round(c, 6) for c in costs))
                best = rank if best is None else max(best, rank)
    return best


def got(plan, budget: float | Budget) -> tuple:
    caps = budget.caps if isinstance(budget, Budget) else [("period", budget)]
    return (
        len(plan.selected),
        round(plan.tco2e_reduced, 6),
        *(-round(plan.total(kind), 6) for kind, _ in caps),
    )


options_strategy = st.lists(
    st.builds(
        Option,
        community=st.text("ABC", min_size=1, max_size=3),
        name=st.just("x"),
        upfront_yuan=st.sampled_from([0.0, 50000.0, 100000.0, 150000.0, 400000.0, 1.2e6, 2.5e6]),
        tco2e_reduced=st.sampled_from([0.0, 5.0, 12.5, 40.0, 41.0, 300.0]),
        ready=st.booleans(),
        annual_net_yuan=st.sampled_from([-80000.0, -5000.0, 0.0, 20000.0, 100000.0, 220000.0]),
        net_cost_yuan=st.sampled_from([-6e5, -1e5, 0.0, 50000.0, 300000.0, 1.2e6, 2.6e6]),
    ),
    max_size=10,
    unique_by=lambda o: o.community,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(options_strategy, st.sampled_from([0.0, 100000.0, 300000.0, 1e6, 2.4e6, 6e6]))
def test_selection_equals_exhaustive_search(options, budget):
    """The default cap, over the appraisal period (costs may be negative)."""
    plan = select(options, budget)
    assert plan.total_period_yuan <= budget + 1e-6
    assert got(plan, budget) == exhaustive(options, budget)
    assert plan.eligible_after == len(plan.selected) + sum(o.ready for o in options)
    assert select(list(reversed(options)), budget) == plan  # input order does not matter


caps = st.sampled_from([None, 0.0, 100000.0, 300000.0, 1e6, 2.4e6])


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(options_strategy, caps, caps, st.sampled_from([None, 0.0, 50000.0, 200000.0]))
def test_selection_equals_exhaustive_search_under_each_cap(options, period, upfront, annual):
    """--budget, --budget-upfront and --budget-annual, alone and together."""
    budget = Budget(period, upfront, annual)
    plan = select(options, budget)
    if not budget.caps:
        assert len(plan.selected) == sum(not o.ready for o in options)
        return
    for kind, cap in budget.caps:
        assert plan.total(kind) <= cap + 1e-6, kind
    assert got(plan, budget) == exhaustive(options, budget)
    assert select(list(reversed(options)), budget) == plan


def test_the_awards_count_only_the_communities_the_budget_makes_eligible():
    options = [Option(f"C{i}", "c", 1e5, 10.0, net_cost_yuan=1e5 * (i + 1)) for i in range(4)]
    options += [Option("R0", "r", 0.0, 0.0, ready=True), Option("R1", "r", 0.0, 0.0, ready=True)]
    data = select(options, 3e5).to_dict(1e6)
    assert data["selected"] == ["C0", "C1"] and data["already_eligible"] == ["R0", "R1"]
    assert data["pilot_awards_yuan"] == 2e6  # not 4e6: R0 and R1 were eligible without the budget
    assert data["already_eligible_awards_yuan"] == 2e6
    assert data["eligible_after"] == 4


@given(options_strategy)
def test_cost_curve_adds_the_cheapest_next(options):
    """Each step costs no less than the one before (a pathway that pays for itself comes first and
    lowers the total), so the curve at k is the least any k communities cost; the three sums
    are each the sum of their own costs."""
    curve = cost_curve(options)
    assert [p.eligible for p in curve] == list(range(1, len(options) + 1))
    funded = [p for p in curve if not p.option.ready]
    steps = [p.option.net_cost_yuan for p in funded]
    assert steps == sorted(steps)
    assert [p.cumulative_yuan for p in funded] == [p.cumulative_period_yuan for p in funded]
    assert [p.cumulative_upfront_yuan for p in funded] == list(
        itertools.accumulate(p.option.upfront_yuan for p in funded)
    )
    assert all(p.option.ready for p in curve[: sum(o.ready for o in options)])


def test_worked_district():
    """Three already eligible cost nothing; 600,000 yuan funds the three cheapest, 2.4 million six."""
    costs = [100000, 200000, 300000, 450000, 500000, 850000, 900000, 5e6]
    options = [Option(f"C{i}", f"c{i}", c, 10.0 * (i + 1), net_cost_yuan=c) for i, c in enumerate(costs)]
    options += [Option(f"R{i}", f"r{i}", 0.0, 0.0, ready=True) for i in range(3)]
    curve = cost_curve(options)
    assert [p.cumulative_yuan for p in curve][3:] == [1e5, 3e5, 6e5, 1.05e6, 1.55e6, 2.4e6, 3.3e6, 8.3e6]
    assert select(options, 600000).eligible_after == 6
    plan = select(options, 2.4e6)
    assert [o.community for o in plan.selected] == ["C0", "C1", "C2", "C3", "C4", "C5"]
    assert plan.to_dict(1e6)["pilot_awards_yuan"] == 6e6  # the three already eligible need no money
    # with 1.2 million four fit; of the four-sets within budget, C0 C1 C2 C3 (1.05 M, 100 t)
    # reduces less than C0 C1 C2 C4 (1.1 M, 110 t) or C0 C1 C3 C4 (1.25 M: too dear)
    assert [o.community for o in select(options, 1.2e6).selected] == ["C0", "C1", "C2", "C4"]


@pytest.mark.slow
def test_sample_district_plan_equals_exhaustive_search():
    """The batch's investment plan on the fictional sample district, for several budgets."""
    from carbon_cli.batch.run import run_batch
    from carbon_cli.outputs.district import BatchOptions
    from carbon_cli.planning.investment import district_investment
    from tests.conftest import AS_OF, SAMPLES

    batch = run_batch([SAMPLES / "communities"], BatchOptions(reports=False, as_of=AS_OF), jobs=1)
    rows = [r.row for r in batch.results]
    curve = batch.investment.curve
    steps = [p.option.net_cost_yuan for p in curve if not p.option.ready]
    assert steps == sorted(steps)
    options = [p.option for p in curve]
    assert {o.community for o in options if o.ready} == {r["community_id"] for r in rows if r["verdict"] == "eligible"}
    for budget in (0.0, 150000.0, 1e6, 3e6, 1e7, 1e9):
        plan = district_investment(rows, budget, 1e6).plan
        assert got(plan, budget) == exhaustive(options, budget)
        upfront = Budget(upfront_yuan=budget)
        assert got(district_investment(rows, upfront, 1e6).plan, upfront) == exhaustive(options, upfront)


def test_the_cost_curve_chart_has_at_most_forty_bars_and_ends_at_the_last_community():
    from carbon_cli.outputs.summary import CHART_BARS, _spread

    assert _spread(list(range(7)), CHART_BARS) == list(range(7))
    points = list(range(1, 1001))  # the eligible count after each of 1,000 funded communities
    shown = _spread(points, CHART_BARS)
    assert len(shown) == CHART_BARS == 40 and shown[-1] == 1000 and shown == sorted(set(shown))
    assert shown[:3] == [25, 50, 75]


def test_the_summary_names_the_first_communities_funded_and_past_twenty_each_quarter():
    from carbon_cli.outputs.summary import _milestones

    assert _milestones(list(range(1, 12))) == [1, 3, 5, 10, 11]
    assert _milestones(list(range(1, 4))) == [1, 3]
    assert _milestones([]) == []
    assert _milestones(list(range(1, 1001))) == [1, 250, 500, 750, 1000]


@pytest.mark.slow
def test_the_summary_says_what_the_district_commits_upfront_a_year_and_over_the_period():
    """Issue 23: `--budget 300万` is over the appraisal period; the headline gives the three sums
    of the communities chosen, and the awards only of those the budget brings to 通过."""
    from carbon_cli.batch.run import run_batch
    from carbon_cli.outputs.district import BatchOptions
    from carbon_cli.outputs.summary import render_summary
    from carbon_cli.planning.investment import Budget
    from tests.conftest import AS_OF, SAMPLES

    for budget in (Budget(3e6), Budget(3e6, 8e6), Budget(None, None, 0.0)):
        options = BatchOptions(reports=False, as_of=AS_OF, budget=budget)
        batch = run_batch([SAMPLES / "communities"], options, jobs=1)
        plan = batch.investment.plan
        for kind, cap in budget.caps:
            assert plan.total(kind) <= cap + 1e-6
        text = render_summary(batch, options)
        head = text.split("### 预算安排", 1)[1].split("### 成本曲线", 1)[0]
        assert "此后每年净支出" in head and "10 年合计净成本" in head and "前期投入" in head
        from carbon_cli.core.i18n import money

        for total in (plan.total_upfront_yuan, plan.total_annual_yuan, plan.total_period_yuan):
            assert money(total, "zh") in head
        assert f"资助合计 {money(1e6 * len(plan.selected), 'zh')}" in head
        assert len(plan.ready) == 2 and f"现已符合的 {len(plan.ready)} 个社区" in head
