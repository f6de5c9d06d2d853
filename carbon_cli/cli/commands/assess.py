"""`carbon assess`: one community's inventory, score, verdict and gaps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbon_cli.cli.console import load_for_assessment, write_or_print
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
    OutputOption,
    ReportDateOption,
    ReportFormat,
    SetOption,
    YearOption,
    YearsOption,
)


def assess(
    path: Annotated[Path, typer.Argument(help="A form workbook, or a table workbook with --community.")],
    community: CommunityOption = None,
    criteria: CriteriaOption = None,
    factors: FactorsOption = None,
    format: Annotated[
        ReportFormat,
        typer.Option(
            "--format", "-f", help="table (terminal), json, or a report: md (Markdown), html (web page), docx (Word)."
        ),
    ] = ReportFormat.table,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
    set_: SetOption = None,
    year: YearOption = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            metavar="FILE",
            help="Your own Jinja2 Markdown report template, or a Word template (.docx) for --format docx.",
        ),
    ] = None,
    date: ReportDateOption = None,
    as_of: AsOfOption = None,
    measures: MeasuresOption = None,
    objective: ObjectiveOption = Objective.lifecycle,
    costs: CostsOption = None,
    years: YearsOption = None,
    discount_rate: DiscountOption = None,
    include_expired: IncludeExpiredOption = False,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
) -> None:
    """Assess one community: carbon inventory, criteria score, verdict and the gap to each criterion.

    Example: carbon assess sample_data/communities/FT-SH-01.xlsx --format docx -o report.docx
    """
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.scoring.assessment import assess_with_changes, parse_settings
    from carbon_cli.scoring.criteria_files import load_criteria

    code = lang.value
    if format is ReportFormat.docx and output is None:
        raise typer.BadParameter("a Word document needs a file: add -o FILE.docx", param_hint="--format docx")
    changes = parse_settings(set_ or [])
    criteria_set = load_criteria(criteria)
    factor_set = load_factor_set(factors)
    from carbon_cli.survey.container import Limits

    limits = Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb)
    survey = load_for_assessment(path, community, year, limits, code)
    from carbon_cli.scoring.robustness import with_robustness

    result = with_robustness(assess_with_changes(survey, factor_set, criteria_set, changes))
    if format in (ReportFormat.md, ReportFormat.html, ReportFormat.docx):
        from carbon_cli.outputs.documents import report_documents
        from carbon_cli.planning.pricing import load_planning, planned

        planning = load_planning(measures, costs, objective.value, years, discount_rate, include_expired, on=as_of)
        result = planned(result, planning)
        fmt = format.value
        report = report_documents(result, [fmt], code, template=template, date=date, as_of=planning.on_day)[fmt]
        write_or_print(report.decode("utf-8") if fmt != "docx" else report, output, [path])
    elif format is ReportFormat.json:
        from carbon_cli.core.jsonio import dumps

        write_or_print(dumps(result.to_dict(code)), output, [path])
    else:
        from carbon_cli.cli.console import assessment_view, emit, render_text

        if output is None:
            emit(assessment_view(result, code))
        else:
            write_or_print(render_text(assessment_view(result, code)), output, [path])


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
