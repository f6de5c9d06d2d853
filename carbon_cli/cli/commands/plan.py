"""`carbon plan`: the cheapest (or least-effort) measures that would make a community eligible,
with what they cost, save and who can pay part of it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from carbon_cli.cli.options import (
    AsOfOption,
    CommunityOption,
    CostsOption,
    CriteriaOption,
    DiscountOption,
    FactorsOption,
    IncludeExpiredOption,
    Lang,
    LangOption,
    MaxFileOption,
    MaxInflatedOption,
    MeasuresOption,
    Objective,
    ObjectiveOption,
    OutputFormat,
    OutputOption,
    SetOption,
    YearOption,
    YearsOption,
)

if TYPE_CHECKING:
    from carbon_cli.planning.costs import Cost
    from carbon_cli.planning.pathway import Pathway
    from carbon_cli.planning.pricing import CostFirmness
    from carbon_cli.scoring.assessment import Assessment


class Target(StrEnum):
    pass_ = "pass"
    excellent = "excellent"


def plan(
    path: Annotated[Path, typer.Argument(help="A form workbook, or a table workbook with --community.")],
    community: CommunityOption = None,
    target: Annotated[
        Target, typer.Option("--target", help="Grade to reach: pass (通过) or excellent (优秀).")
    ] = Target.pass_,
    criteria: CriteriaOption = None,
    factors: FactorsOption = None,
    measures: MeasuresOption = None,
    objective: ObjectiveOption = Objective.lifecycle,
    costs: CostsOption = None,
    years: YearsOption = None,
    discount_rate: DiscountOption = None,
    include_expired: IncludeExpiredOption = False,
    as_of: AsOfOption = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (terminal), json or md.")
    ] = OutputFormat.table,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
    set_: SetOption = None,
    year: YearOption = None,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
    save_plan: Annotated[
        Path | None,
        typer.Option(
            "--save-plan",
            help="Also write the plan as data (JSON): measures, the survey changes each should bring, costs, "
            "the planned score and emissions per year; read by carbon track.",
        ),
    ] = None,
    acceptance_year: Annotated[
        int | None,
        typer.Option(
            "--acceptance-year",
            help="Year the pilot is due for acceptance (验收), for --save-plan; default: the survey's year + 2 "
            "(data/monitoring.toml).",
        ),
    ] = None,
) -> None:
    """Find the cheapest set of measures that makes a community eligible (every control passing).

    Cheapest is the least upfront cost (capex less one-off subsidies) by default, or the least
    effort with --objective effort. Shows each measure's cost, savings, subsidies and payback.
    --save-plan FILE keeps the chosen pathway as a plan file to follow it with carbon track.

    Example: carbon plan sample_data/communities/FT-SH-05.xlsx --target pass
    Example: carbon plan sample_data/communities/FT-SH-05.xlsx --save-plan plan.json
    """
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.cli.console import load_for_assessment, write_or_print
    from carbon_cli.planning.pricing import load_planning, planned
    from carbon_cli.scoring.assessment import assess_with_changes, parse_settings
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.survey.container import Limits

    code = lang.value
    changes = parse_settings(set_ or [])
    criteria_set, factor_set = load_criteria(criteria), load_factor_set(factors)
    planning = load_planning(measures, costs, objective.value, years, discount_rate, include_expired, on=as_of)
    survey = load_for_assessment(
        path, community, year, Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb), code
    )
    if save_plan is not None:  # planned as the acceptance will judge it (against the base year)
        from carbon_cli.planning.plan_file import as_judged

        survey = as_judged(survey)
    base = assess_with_changes(survey, factor_set, criteria_set, changes)
    pathway = None
    if save_plan is not None or format is not OutputFormat.md:
        pathway = planned(base, planning, (target.value,)).pathways[target.value]
    if save_plan is not None:
        assert pathway is not None
        _save_plan(base, pathway, planning, acceptance_year, save_plan, [path, *([output] if output else [])])
    if format is OutputFormat.md:
        from carbon_cli.outputs.report import render_assessment
        from carbon_cli.scoring.robustness import with_robustness

        report = render_assessment(planned(with_robustness(base), planning), code, as_of=planning.on_day)
        write_or_print(report, output, [path])
        return
    assert pathway is not None
    from carbon_cli.planning.pricing import cost_firmness

    firmness = cost_firmness(base, planning, pathway)  # the pathway chosen again at each end of the costs
    if format is OutputFormat.json:
        from carbon_cli.core.jsonio import dumps

        data = {
            "community": base.survey.community_id,
            "criteria_set": base.criteria.id,
            "factor_set": base.factors.id,
            "score": base.score,
            "verdict": base.verdict,
            "cost_set": planning.costs.id,
            "pilot_award_yuan": planning.costs.award.value.typical,
            "pathway": pathway.to_dict(),
            "cost_firmness": firmness.to_dict() if firmness is not None else None,
        }
        write_or_print(dumps(data), output, [path])
        return
    from carbon_cli.cli.console import emit, render_text

    view = pathway_view(base, pathway, code, planning.costs.award.value.typical, firmness)
    if output is None:
        emit(view)
    else:
        write_or_print(render_text(view), output, [path])


def _save_plan(
    base: Assessment, pathway: Pathway, planning: Any, acceptance_year: int | None, to: Path, inputs: list[Path]
) -> None:
    from carbon_cli.cli.console import write_or_print
    from carbon_cli.core.jsonio import dumps
    from carbon_cli.planning.plan_file import make_plan

    write_or_print(dumps(make_plan(base, pathway, planning, acceptance_year).to_dict()), to, inputs)


def pathway_view(
    base: Assessment,
    pathway: Pathway,
    lang: str,
    award_yuan: float | None = None,
    firmness: CostFirmness | None = None,
) -> list[Any]:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from carbon_cli.cli.console import add_columns, grade_lines, num, score_text, t
    from carbon_cli.core.i18n import term

    goal = term(pathway.target, lang)
    name, community_id, score, verdict = base.survey.name, base.survey.community_id, base.score, base.verdict
    lines = grade_lines(base)
    head = Text.assemble(
        (f"{name} ({community_id})", "bold"),
        f"\n{t(lang, '当前：', 'Now: ')}{score_text(score, lines)} / 100{t(lang, '，', ', ')}{term(verdict, lang)}",
    )
    extras = no_regret_table(pathway, lang)
    if pathway.status == "ready":
        head.append(
            "\n" + t(lang, f"已达到“{goal}”，无需措施。", f"Already reaches {goal}; no measure needed."), "green"
        )
        return [Panel(head), *extras]
    if pathway.status == "not_feasible":
        blockers = ", ".join(pathway.blockers)
        head.append(
            "\n"
            + t(
                lang,
                f"即使采取全部措施也达不到“{goal}”（{score_text(pathway.score_after, lines)} 分）；阻碍项：{blockers}",
                f"Even every measure does not reach {goal} ({score_text(pathway.score_after, lines)} points); "
                f"blocked by: {blockers}",
            ),
            "red",
        )
        return [Panel(head), *extras]
    cost = pathway.cost
    chosen_by = term(f"objective_{pathway.objective}", lang)
    head.append(
        "\n"
        + t(
            lang,
            f"达到“{goal}”：{len(pathway.steps)} 项措施（{chosen_by}），"
            f"得分 {score_text(pathway.score_after, lines)}，减排 {num(pathway.tco2e_reduced)} tCO2e/年",
            f"Reaches {goal} with {len(pathway.steps)} measure(s) ({chosen_by}): "
            f"score {score_text(pathway.score_after, lines)}, {num(pathway.tco2e_reduced)} tCO2e/yr less",
        ),
        "green",
    )
    if cost is not None:
        head.append("\n" + cost_summary(cost, lang, award_yuan))
        uncosted = [s.measure.key for s in pathway.steps if s.cost is not None and not s.cost.lines]
        if uncosted:
            keys = ", ".join(uncosted)
            head.append(
                "\n"
                + t(
                    lang,
                    f"⚠ 成本集中没有 {keys} 的单价，按 0 元计（可用 --costs 文件补充）",
                    f"⚠ the cost set has no unit cost for {keys}: counted as 0 yuan (add one with --costs FILE)",
                ),
                "yellow",
            )
    table = Table(title=t(lang, "提升路径", "Pathway"), title_justify="left")
    by_effort = pathway.objective == "effort"  # the effort column only where it chose the measures
    controls = {c.key: c for c in base.criteria.controls}
    for_controls = any(step.controls_met for step in pathway.steps)
    years = cost.terms.years if cost is not None else ""
    headers = [
        "",
        t(lang, "措施", "Measure"),
        *([t(lang, "工作量", "Effort")] if by_effort else []),
        (money_header(t(lang, "前期投入", "Upfront"), lang), "right"),
        (money_header(t(lang, "年净支出", "Net a year"), lang), "right"),
        (money_header(t(lang, f"{years} 年净成本", f"Net over {years} yrs"), lang), "right"),
        (t(lang, "加分", "Points"), "right"),
        *([t(lang, "满足控制项", "Meets control")] if for_controls else []),
        (t(lang, "减排 tCO2e", "tCO2e cut"), "right"),
        (t(lang, "之后得分", "Score after"), "right"),
    ]
    add_columns(table, headers)
    for step in pathway.steps:
        m = step.measure
        met = t(lang, "、", ", ").join(f"{k} {controls[k].label(lang)}" for k in step.controls_met if k in controls)
        table.add_row(
            m.key + (" ※" if step.cost and step.cost.running_exceeds_upfront else ""),
            m.label(lang),
            *([term(m.effort, lang)] if by_effort else []),
            column_money(step.cost.upfront.typical, lang) if step.cost else "—",
            column_money(step.cost.annual_net.typical, lang) if step.cost else "—",
            column_money(step.cost.net_cost.typical, lang) if step.cost else "—",
            f"+{step.points_gained:.2f}",
            *([met] if for_controls else []),
            f"{step.tco2e_reduced:,.1f}",
            score_text(step.score_after, lines),
        )
    heavy = [s.measure.key for s in pathway.steps if s.cost is not None and s.cost.running_exceeds_upfront]
    note = []
    if heavy:
        keys = ", ".join(heavy)
        note = [
            Text(
                t(
                    lang,
                    f"※ 运行成本超过前期投入（{years} 年内）：{keys}，需列入年度预算",
                    f"※ running cost over {years} years exceeds the upfront cost: {keys} (a yearly budget item)",
                ),
                style="yellow",
            )
        ]
    return [Panel(head), table, *note, *firmness_lines(firmness, lang), *subsidy_table(pathway, lang), *extras]


def firmness_lines(firmness: CostFirmness | None, lang: str) -> list[Any]:
    """Whether the measures chosen hold over the cost ranges: the measures chosen with every cost
    at its typical value, at the cheap end and at the dear end, and those chosen in all three."""
    from rich.text import Text

    from carbon_cli.cli.console import t

    if firmness is None or not (firmness.measures or firmness.cheap or firmness.dear):
        return []
    sep = t(lang, "、", ", ")

    def listed(keys: tuple[str, ...]) -> str:
        return sep.join(keys) or t(lang, "无", "none")

    if firmness.holds:
        return [
            Text(
                t(
                    lang,
                    "费用稳健：各项单价、运行成本、节省与补贴取区间低端或高端时，所选措施不变。",
                    "Firm on costs: with every unit cost, running cost, saving and subsidy at the cheap or the"
                    " dear end of its range, the same measures are chosen.",
                )
            )
        ]
    always = tuple(k for k in firmness.measures if k in firmness.cheap and k in firmness.dear)
    return [
        Text(
            t(
                lang,
                f"所选措施取决于费用假设：典型值 {listed(firmness.measures)}；费用取低端（成本低、节省与补贴高）"
                f" {listed(firmness.cheap)}；取高端 {listed(firmness.dear)}。三种情形都入选：{listed(always)}。",
                f"The measures chosen depend on the cost figures: typical {listed(firmness.measures)}; at the"
                f" cheap end (low costs, high savings and subsidies) {listed(firmness.cheap)}; at the dear end"
                f" {listed(firmness.dear)}. Chosen in all three: {listed(always)}.",
            ),
            style="yellow",
        )
    ]


def money_header(header: str, lang: str) -> str:
    """A money column's header with its unit: every figure below in that one unit and precision."""
    from carbon_cli.cli.console import t

    return header + t(lang, "（万元）", " (yuan)")


def column_money(value: float, lang: str) -> str:
    """A figure of a money column: 万元 to one decimal in Chinese, whole yuan in English."""
    from carbon_cli.cli.console import t

    return t(lang, f"{value / 1e4:,.1f}", f"{value:,.0f}")


def cost_summary(cost: Cost, lang: str, award_yuan: float | None) -> str:
    """The pathway's money in a few lines: upfront (range), yearly, over the period, payback, per tonne."""
    from carbon_cli.cli.console import num, t
    from carbon_cli.core.i18n import money, money_range

    up, net = cost.upfront, cost.net_cost
    per_t = cost.yuan_per_tco2e
    payback = cost.payback_years
    colon = t(lang, "：", ": ")
    subsidy = cost.one_off_subsidy.typical
    lines = [
        t(lang, "前期投入", "Upfront")
        + f"{colon}{money(up.typical, lang)}"
        + t(lang, f"（{money_range(up.low, up.high, lang)}）", f" ({money_range(up.low, up.high, lang)})")
        + (
            t(lang, "，只有运行成本（见下两行）", ", running costs only (the next two lines)")
            if abs(up.typical) < 0.5 and cost.annual_net.typical > 0
            else ""
        )
        + (
            t(lang, f"，其中补贴 {money(subsidy, lang)}", f", after {money(subsidy, lang)} of subsidies")
            if subsidy
            else ""
        ),
        t(lang, "每年净支出", "Net cost a year")
        + f"{colon}{money(cost.annual_net.typical, lang)}"
        + t(lang, "（负数为净节省）", " (negative: a net saving)"),
        t(lang, f"{cost.terms.years} 年净成本", f"Net cost over {cost.terms.years} years")
        + f"{colon}{money(net.typical, lang)}"
        + t(lang, f"（{money_range(net.low, net.high, lang)}）", f" ({money_range(net.low, net.high, lang)})"),
        t(lang, "静态回收期", "Simple payback")
        + colon
        + (
            t(lang, f"{num(payback, 1)} 年", f"{num(payback, 1)} years")
            + (t(lang, "（超过评估期）", " (beyond the period)") if payback > cost.terms.years else "")
            if payback is not None
            else t(lang, "不回收", "never")
        ),
        t(lang, "单位减排成本", "Cost per tonne avoided")
        + colon
        + (f"{money(per_t.typical, lang)}/tCO2e" if per_t is not None else t(lang, "无减排", "nothing avoided")),
    ]
    used = cost.figures()
    assumed = [f for f in used if f.status == "assumed"]
    if assumed:
        lines.append(
            t(
                lang,
                f"⚠ 所用 {len(used)} 个成本数字中 {len(assumed)} 个为假设值（carbon costs 可查看来源与状态）",
                f"⚠ {len(assumed)} of the {len(used)} cost figures used are assumed "
                "(carbon costs lists sources and status)",
            )
        )
    if award_yuan:
        lines.append(
            t(
                lang,
                f"试点验收后可获资助 {money(award_yuan, lang)}（验收后才到账，未从成本中扣除）",
                f"Pilot award after acceptance: {money(award_yuan, lang)} (paid only after acceptance; "
                "not netted off the cost)",
            )
        )
    return "\n".join(lines)


def subsidy_table(pathway: Pathway, lang: str) -> list[Any]:
    """Subsidies that apply to the pathway's measures, counted or not, and why."""
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, t
    from carbon_cli.core.i18n import money, term
    from carbon_cli.planning.policies import policy

    lines = [line for s in pathway.steps if s.cost for line in s.cost.subsidy_lines]
    if not lines:
        return []
    table = Table(title=t(lang, "适用补贴", "Subsidies"), title_justify="left")
    add_columns(
        table,
        (
            t(lang, "措施", "Measure"),
            t(lang, "补贴", "Subsidy"),
            t(lang, "政策", "Policy"),
            t(lang, "金额", "Amount"),
            t(lang, "计入", "Counted"),
            t(lang, "依据状态", "Status"),
        ),
    )
    for line in lines:
        rule = line.rule
        source = policy(rule.policy)
        per = t(lang, f"/年 × {rule.years} 年", f"/yr × {rule.years} yrs") if rule.kind == "annual" else ""
        counted = t(lang, "是", "yes") if line.counted else term(f"subsidy_{line.reason}", lang)
        table.add_row(
            rule.measure,
            rule.figure.label(lang),
            source.label(lang) if source else rule.policy,
            money(line.amount.typical, lang) + per,
            counted,
            term(rule.figure.status, lang),
        )
    return [table]


def no_regret_table(pathway: Pathway, lang: str) -> list[Any]:
    """Measures outside the pathway that pay for themselves over the period: recommended extras."""
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, t

    if not pathway.extras:
        return []
    years = pathway.extras[0].cost.terms.years
    table = Table(
        title=t(
            lang, f"建议另行实施（{years} 年内净收益为正）", f"Also worth doing (pays for itself within {years} years)"
        ),
        title_justify="left",
    )
    add_columns(
        table,
        (
            "",
            t(lang, "措施", "Measure"),
            (money_header(t(lang, "前期投入", "Upfront"), lang), "right"),
            (money_header(t(lang, "年净支出", "Net a year"), lang), "right"),
            (money_header(t(lang, f"{years} 年净成本", f"Net over {years} yrs"), lang), "right"),
            (t(lang, "减排 tCO2e", "tCO2e cut"), "right"),
        ),
    )
    for extra in pathway.extras:
        c = extra.cost
        table.add_row(
            extra.measure.key,
            extra.measure.label(lang),
            column_money(c.upfront.typical, lang),
            column_money(c.annual_net.typical, lang),
            column_money(c.net_cost.typical, lang),
            f"{c.tco2e_reduced:,.1f}",
        )
    return [table]


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
