"""`carbon plan`: the least-effort measures that would make a community eligible."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from carbon_cli.cli.options import (
    CommunityOption,
    CriteriaOption,
    FactorsOption,
    Lang,
    LangOption,
    MaxFileOption,
    MaxInflatedOption,
    MeasuresOption,
    OutputFormat,
    OutputOption,
    SetOption,
    YearOption,
)

if TYPE_CHECKING:
    from carbon_cli.assessment import Assessment
    from carbon_cli.planning.pathway import Pathway


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
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (terminal), json or md.")
    ] = OutputFormat.table,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
    set_: SetOption = None,
    year: YearOption = None,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
) -> None:
    """Find the least-effort set of measures that makes a community eligible (every control passing).

    Example: carbon plan sample_data/communities/FT-SH-05.xlsx --target pass
    """
    from carbon_cli.assessment import assess_with_changes, parse_settings
    from carbon_cli.cli.commands.assess import load_for_assessment, write_or_print
    from carbon_cli.criteria import load_criteria
    from carbon_cli.factors import load_factor_set
    from carbon_cli.planning.measures import load_measures
    from carbon_cli.planning.pathway import find_pathway, with_pathways
    from carbon_cli.survey.workbook import Limits

    code = lang.value
    changes = parse_settings(set_ or [])
    criteria_set, factor_set, library = load_criteria(criteria), load_factor_set(factors), load_measures(measures)
    survey = load_for_assessment(
        path, community, year, Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb), code
    )
    base = assess_with_changes(survey, factor_set, criteria_set, changes)
    if format is OutputFormat.md:
        from carbon_cli.report import render_assessment

        write_or_print(render_assessment(with_pathways(base, library), code), output, [path])
        return
    pathway = find_pathway(base, library, target.value)
    if format is OutputFormat.json:
        from carbon_cli.serialize import dumps

        data = {
            "community": base.survey.community_id,
            "criteria_set": base.criteria.id,
            "factor_set": base.factors.id,
            "score": base.score,
            "verdict": base.verdict,
            "pathway": pathway.to_dict(),
        }
        write_or_print(dumps(data), output, [path])
        return
    from carbon_cli.cli.console import emit, render_text

    view = pathway_view(base, pathway, code)
    if output is None:
        emit(view)
    else:
        write_or_print(render_text(view), output, [path])


def pathway_view(base: Assessment, pathway: Pathway, lang: str) -> list[Any]:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from carbon_cli.cli.console import add_columns, grade_lines, num, score_text, t
    from carbon_cli.i18n import term

    goal = term(pathway.target, lang)
    name, community_id, score, verdict = base.survey.name, base.survey.community_id, base.score, base.verdict
    lines = grade_lines(base)
    head = Text.assemble(
        (f"{name} ({community_id})", "bold"),
        f"\n{t(lang, '当前', 'Now')}: {score_text(score, lines)} / 100, {term(verdict, lang)}",
    )
    if pathway.status == "ready":
        head.append(
            "\n" + t(lang, f"已达到“{goal}”，无需措施。", f"Already reaches {goal}; no measure needed."), "green"
        )
        return [Panel(head)]
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
        return [Panel(head)]
    head.append(
        "\n"
        + t(
            lang,
            f"达到“{goal}”：{len(pathway.steps)} 项措施，总工作量 {pathway.effort:g}，"
            f"得分 {score_text(pathway.score_after, lines)}，减排 {num(pathway.tco2e_reduced)} tCO2e/年",
            f"Reaches {goal} with {len(pathway.steps)} measure(s), total effort {pathway.effort:g}: "
            f"score {score_text(pathway.score_after, lines)}, {num(pathway.tco2e_reduced)} tCO2e/yr less",
        ),
        "green",
    )
    table = Table(title=t(lang, "提升路径", "Pathway"), title_justify="left")
    add_columns(
        table,
        (
            "",
            t(lang, "措施", "Measure"),
            t(lang, "工作量", "Effort"),
            t(lang, "加分", "Points"),
            t(lang, "减排 tCO2e", "tCO2e cut"),
            t(lang, "之后得分", "Score after"),
            t(lang, "之后结论", "Verdict after"),
        ),
    )
    for step in pathway.steps:
        m = step.measure
        table.add_row(
            m.key,
            m.label(lang),
            term(m.effort, lang),
            f"+{step.points_gained:.2f}",
            num(step.tco2e_reduced),
            score_text(step.score_after, lines),
            term(step.verdict_after, lang),
        )
    return [Panel(head), table]


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
