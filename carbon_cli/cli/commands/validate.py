"""`carbon validate`: check survey files and name every bad cell; send back marked copies; track
which roster communities have returned a usable survey."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from carbon_cli.cli.options import (
    AsOfOption,
    IssueFormat,
    Lang,
    LangOption,
    MaxFileOption,
    MaxInflatedOption,
    YearOption,
)

if TYPE_CHECKING:
    from carbon_cli.campaign.annotate import Outcome
    from carbon_cli.campaign.status import CollectionStatus
    from carbon_cli.survey.container import Limits
    from carbon_cli.survey.validation import ValidationReport


def validate(
    paths: Annotated[list[Path], typer.Argument(help="Survey workbooks (.xlsx) and folders of them.")],
    format: Annotated[
        IssueFormat, typer.Option("--format", "-f", help="table (terminal) or json.")
    ] = IssueFormat.table,
    lang: LangOption = Lang.zh,
    year: YearOption = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            metavar="OUTDIR",
            help="Write a marked copy of each workbook with problems to OUTDIR: problem cells highlighted and "
            "commented, a first sheet listing them. Originals are never changed.",
        ),
    ] = None,
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            metavar="ROSTER",
            help="The district's list of communities (.csv/.xlsx): report which have returned a usable survey.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="With --roster: write the collection status to FILE (.xlsx or .json).",
        ),
    ] = None,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
    as_of: AsOfOption = None,
) -> None:
    """Check filled surveys: every error and warning with its file, sheet, cell and field.

    Exit code 0 when no file has an error, 1 when any has. With --roster, a form exactly as
    `carbon template` wrote it (nothing filled in) is a survey not returned yet, not a file with errors.

    Example: carbon validate sample_data/

    Example: carbon validate returned/ --roster roster.csv --annotate marked/ -o status.xlsx
    """
    from carbon_cli.cli.console import stdout
    from carbon_cli.core.errors import UsageError
    from carbon_cli.core.jsonio import dumps
    from carbon_cli.survey.container import Limits
    from carbon_cli.survey.validation import validate_paths

    code = lang.value
    if output is not None and roster is None:
        raise UsageError("roster_needed")
    if output is not None and output.suffix.lower() not in (".xlsx", ".json"):
        raise UsageError("unsupported_format", suffix=output.suffix or "(none)")
    limits = Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb)
    members = None
    if roster is not None:
        from carbon_cli.campaign.roster import read_roster

        members = read_roster(roster, limits)
    if annotate is not None:
        from carbon_cli.batch.outdir import check_outdir

        check_outdir(annotate, False, paths)
    report = validate_paths(paths, year=year, limits=limits, exclude=[roster] if roster else [])
    status = None
    pending: set[str] = set()  # forms nobody has filled in: not returned, so not checked
    if members is not None:
        from carbon_cli.campaign.returned import untouched_files
        from carbon_cli.campaign.status import collection_status
        from carbon_cli.planning.policies import judged_on

        status = collection_status(members, report.files, code, judged_on(as_of))
        pending = untouched_files(report.files)
    outcomes = _annotate(report, annotate, paths, code, limits) if annotate is not None else None
    if output is not None and roster is not None and status is not None:
        _write_status(status, output, [*paths, roster], code)
    if format is IssueFormat.json:
        data = report.to_dict(code)
        if status is not None:
            data["status"] = status.to_dict(code)
            data["untouched_forms"] = sorted(pending)
        if outcomes is not None and annotate is not None:
            data["annotated"] = _annotated_dict(outcomes, annotate)
        stdout.file.write(dumps(data))
    else:
        if status is None:
            _print_files(report, code)
        else:
            _print_status(status, code)
        _print_summary(report, code, pending)
        if outcomes is not None and annotate is not None:
            _print_annotated(outcomes, annotate, code)
        if output is not None:
            from carbon_cli.cli.console import t

            stdout.print(t(code, f"收集情况已写入 {output}", f"Collection status written to {output}"))
    raise typer.Exit(1 if any(f.errors for f in report.files if f.file not in pending) else 0)


def _annotate(report: ValidationReport, outdir: Path, inputs: list[Path], lang: str, limits: Limits) -> list[Outcome]:
    from carbon_cli.batch.outdir import write_outputs
    from carbon_cli.campaign.annotate import annotate_report, copy_names

    outcomes = annotate_report(report.files, lang, limits)
    names = copy_names(outcomes)
    write_outputs(outdir, {name: o.copy.data for name, o in names.items() if o.copy}, inputs)
    for name, outcome in names.items():
        outcome.name = name
    return outcomes


def _write_status(status: CollectionStatus, output: Path, inputs: list[Path], lang: str) -> None:
    from carbon_cli.core.fileio import guard_inputs, write_bytes

    guard_inputs(output, inputs)
    if output.suffix.lower() == ".json":
        from carbon_cli.core.jsonio import dumps

        write_bytes(output, dumps(status.to_dict(lang)).encode("utf-8"))
    else:
        from carbon_cli.campaign.status import status_workbook

        write_bytes(output, status_workbook(status, lang))


def _annotated_dict(outcomes: list[Outcome], outdir: Path) -> list[dict]:
    return [
        {
            "file": o.file,
            "copy": str(outdir / o.name) if o.copy else None,
            "reason": o.reason or None,
            "marked_cells": len(o.copy.marked) if o.copy else 0,
            "lost": [{"kind": en, "count": n} for _, en, n in o.copy.lost] if o.copy else [],
        }
        for o in outcomes
    ]


def _print_files(report: ValidationReport, code: str) -> None:
    from carbon_cli.cli.console import issues_table, stdout, t

    for result in report.files:
        ids = ", ".join(result.communities) if result.communities else ""
        title = f"{result.file}" + (
            f"  [{ids}]"
            if ids and len(result.communities) <= 3
            else f"  [{len(result.communities)} {t(code, '个社区', 'communities')}]"
            if ids
            else ""
        )
        if not result.issues:
            stdout.print(f"[green]✓[/] {title}")
            continue
        mark = "[red]✗[/]" if result.errors else "[yellow]![/]"
        stdout.print(f"{mark} {title}")
        stdout.print(issues_table(result.issues, code))


def _print_summary(report: ValidationReport, code: str, pending: set[str]) -> None:
    from carbon_cli.cli.console import stdout, t
    from carbon_cli.survey.validation import ValidationReport

    checked = ValidationReport([f for f in report.files if f.file not in pending])
    stdout.print(
        t(
            code,
            f"共 {len(report.files)} 个文件"
            + (f"，其中 {len(pending)} 份是尚未填写的发出表格（按未交回计），其余" if pending else "")
            + f"：{checked.error_count} 个错误，{checked.warning_count} 个警告，"
            f"{checked.files_with_errors} 个文件有错误。",
            f"{len(report.files)} file(s)"
            + (
                f", {len(pending)} of them forms sent out and not filled in yet (counted as missing); the rest"
                if pending
                else ""
            )
            + f": {checked.error_count} error(s), {checked.warning_count} warning(s), "
            f"{checked.files_with_errors} file(s) with errors.",
        )
    )


def _print_status(status: CollectionStatus, code: str) -> None:
    from carbon_cli.cli.collection import status_view
    from carbon_cli.cli.console import stdout

    for renderable in status_view(status, code):
        stdout.print(renderable)


def _print_annotated(outcomes: list[Outcome], outdir: Path, code: str) -> None:
    from carbon_cli.cli.console import stdout, t

    made = [(o, o.copy) for o in outcomes if o.copy]
    clean = [o for o in outcomes if o.reason == "clean"]
    untouched = [o for o in outcomes if o.reason == "untouched"]
    stdout.print(
        t(
            code,
            f"已在 {outdir} 写入 {len(made)} 份标注副本（问题格子已标色并加批注，"
            "第一张表“数据问题”列出全部问题；原文件未改动）。",
            f"Wrote {len(made)} marked copies to {outdir} (problem cells coloured and commented, a first sheet "
            "“Problems” lists them all; the originals are untouched).",
        )
    )
    for o, copy in made:
        errors = sum(1 for found in copy.marked.values() if any(i.is_error for i in found))
        marked = len(copy.marked)
        listed = len(copy.listed_only)
        stdout.print(
            f"  {outdir / o.name}: "
            + (t(code, f"{marked} 个格子已标出", f"{marked} cell(s) marked") if marked else "")
            + (t(code, f"（其中 {errors} 个有错误）", f" ({errors} with errors)") if errors else "")
            + (t(code, "，" if marked else "", "; " if marked else "") if marked and listed else "")
            + (
                t(
                    code,
                    f"{listed} 个问题没有对应格子，列在“数据问题”表中",
                    f"{listed} problem(s) with no cell, listed on “Problems”",
                )
                if listed
                else ""
            )
        )
        for zh, en, n in copy.lost:
            stdout.print(
                "    "
                + t(
                    code,
                    f"[yellow]注意[/]：副本中缺少原文件的 {n} 个{zh}（原文件未改动）",
                    f"[yellow]note[/]: the copy lacks {n} of the original's {en} (the original is untouched)",
                )
            )
    if clean:
        names = t(code, "、", ", ").join(Path(o.file).name for o in clean)
        stdout.print(t(code, f"没有问题，不需要副本：{names}", f"No problems, so no copy: {names}"))
    if untouched:
        names = t(code, "、", ", ").join(Path(o.file).name for o in untouched)
        stdout.print(t(code, f"尚未填写，不需要副本：{names}", f"Not filled in yet (as sent out), so no copy: {names}"))
    for o in outcomes:
        if o.reason == "csv":
            stdout.print(
                t(
                    code,
                    f"{o.file}：CSV 文件不能加批注，没有生成副本（问题见上）",
                    f"{o.file}: a CSV file cannot carry comments; no copy (problems listed above)",
                )
            )
        elif o.reason == "unreadable":
            stdout.print(
                t(
                    code,
                    f"{o.file}：无法读取，没有生成副本（原因见上）",
                    f"{o.file}: could not be read, so no copy (reason above)",
                )
            )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
