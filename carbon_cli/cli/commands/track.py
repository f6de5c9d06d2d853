"""`carbon track`: follow pilots year by year against their plans, to acceptance."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from carbon_cli.cli.options import (
    CriteriaOption,
    FactorsOption,
    Lang,
    LangOption,
    MaxFileOption,
    MaxInflatedOption,
    OutputOption,
)

KIND = "carbon-cli tracking"


class TrackFormat(StrEnum):
    table = "table"
    json = "json"
    md = "md"
    html = "html"
    docx = "docx"


def track(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Survey files or folders holding every year: a table with a year column, "
            "forms of several campaigns, or a folder per year (2024/, 2025/ …)."
        ),
    ],
    plan: Annotated[
        list[Path],
        typer.Option(
            "--plan", "-p", help="A plan file written by carbon plan --save-plan, or a folder of them (repeatable)."
        ),
    ],
    until: Annotated[
        int | None, typer.Option("--year", help="Track up to this year (default: the latest surveyed).")
    ] = None,
    criteria: CriteriaOption = None,
    factors: FactorsOption = None,
    format: Annotated[
        TrackFormat,
        typer.Option(
            "--format", "-f", help="table (terminal), json, md, html (a page with charts) or docx (needs -o)."
        ),
    ] = TrackFormat.table,
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
) -> None:
    """Follow each pilot year by year against its plan: per measure done / partly done / not
    started (judged from the survey changes, with the fields that show it), the score and
    emissions per year against the planned trajectory, and whether the pilot is on course for
    acceptance (通过 ≥ 60 / 优秀 ≥ 85), with what is still missing. Every year is checked
    against the others (land area, name, ID, values jumping year on year).

    Example: carbon track sample_data_tracking/district_2024-2026.xlsx --plan sample_data_tracking/plans/FT-SH-07.json
    """
    from carbon_cli.cli.console import write_chunks_or_print, write_or_print
    from carbon_cli.monitoring.district import track_plans
    from carbon_cli.monitoring.history import read_history
    from carbon_cli.monitoring.rules import load_rules
    from carbon_cli.monitoring.tracking import tracked_part
    from carbon_cli.planning.plan_file import load_plans
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.survey.container import Limits

    code = lang.value
    plans = load_plans(plan, keep=tracked_part)
    rules = load_rules()
    history = read_history(paths, Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb), rules)
    results: list[Any] = track_plans(plans, history, factors, criteria, rules, until, load_criteria=load_criteria)
    inputs = [*paths, *plan]
    district = _district(results, history, factors, until)
    if format is TrackFormat.json:
        from carbon_cli.core.jsonio import Rows, dump_chunks
        from carbon_cli.monitoring.tracking import Tracking

        pilots = Rows(r.to_dict(code) for r in results if isinstance(r, Tracking))  # each made as written
        write_chunks_or_print(dump_chunks(_document(results, history, code, district, pilots)), output, inputs)
    elif format in (TrackFormat.md, TrackFormat.html, TrackFormat.docx):
        from carbon_cli.outputs.documents import convert
        from carbon_cli.outputs.tracking import render_tracking

        if format is TrackFormat.docx and output is None:
            raise typer.BadParameter("--format docx needs -o FILE", param_hint="--format")
        shown = district if _tracked(results) > 1 else None
        text = render_tracking(results, code, shown)
        write_or_print(text if format is TrackFormat.md else convert(text, format.value, code), output, inputs)
    else:
        from carbon_cli.cli.console import emit, render_text

        view = tracking_view(results, history, code, district)
        if output is None:
            emit(view)
        else:
            write_or_print(render_text(view), output, inputs)
    if all(not hasattr(r, "verdict") for r in results):
        raise typer.Exit(1)  # no plan's community was found in the surveys


def _tracked(results: list[Any]) -> int:
    from carbon_cli.monitoring.tracking import Tracking

    return sum(1 for r in results if isinstance(r, Tracking))


def _district(results: list[Any], history: Any, factors: str | None, until: int | None) -> Any:
    """The district's view of the tracked pilots (every community's emissions with the option's
    factor set, or the default; each pilot's with its plan's)."""
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.monitoring.district import district_progress
    from carbon_cli.monitoring.tracking import Tracking

    tracked = [r for r in results if isinstance(r, Tracking)]
    return district_progress(tracked, history, load_factor_set(factors), until) if tracked else None


def tracking_document(results: list[Any], history: Any, lang: str, district: Any = None) -> dict[str, Any]:
    """The JSON of a run: each pilot's `Tracking.to_dict`, the district's view, the plans not
    found, the files' problems."""
    from carbon_cli.monitoring.tracking import Tracking

    return _document(results, history, lang, district, [r.to_dict(lang) for r in results if isinstance(r, Tracking)])


def _document(results: list[Any], history: Any, lang: str, district: Any, pilots: Any) -> dict[str, Any]:
    """`tracking_document` with the pilots' part given (a list, or `jsonio.Rows` to write them
    one at a time: 10,000 pilots' dicts and the text of them held whole took a gigabyte)."""
    from carbon_cli.monitoring.tracking import Tracking

    return {
        "kind": KIND,
        "schema_version": 1,
        "district": district.to_dict() if district is not None else None,
        "pilots": pilots,
        "not_found": [
            {"community": r[0].community_id, "plan": r[0].file} for r in results if not isinstance(r, Tracking)
        ],
        "files": history.files,
        "issues": [i.to_dict(lang) for i in history.issues],
    }


def tracking_view(results: list[Any], history: Any, lang: str, district: Any = None) -> list[Any]:
    from rich.panel import Panel
    from rich.text import Text

    from carbon_cli.cli.console import issues_table, section_table
    from carbon_cli.monitoring.tracking import Tracking
    from carbon_cli.monitoring.view import district_sections, headline, not_found_line, sections

    style = {"reached": "green", "on_course": "green", "behind": "yellow", "missed": "red", "no_data": "yellow"}
    out: list[Any] = []
    if district is not None and len(district.pilots) > 1:
        out.extend(section_table(section) for section in district_sections(district, lang))
    for result in results:
        if not isinstance(result, Tracking):
            out.append(Text(not_found_line(result[0], lang), style="yellow"))
            continue
        head = headline(result, lang)
        text = Text.assemble((head[0], "bold"))
        for i, line in enumerate(head[1:]):
            text.append("\n" + line, style=style[result.verdict] if i == 1 else "")
        out.append(Panel(text))
        out.extend(section_table(section) for section in sections(result, lang))
    if history.issues:
        out.append(issues_table(history.issues, lang))
    return out


def register(app: typer.Typer) -> None:
    app.command("track")(track)
