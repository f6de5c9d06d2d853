"""`carbon validate`: check survey files and name every bad cell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbon_cli.cli.options import IssueFormat, Lang, LangOption, MaxFileOption, MaxInflatedOption, YearOption


def validate(
    paths: Annotated[list[Path], typer.Argument(help="Survey workbooks (.xlsx) and folders of them.")],
    format: Annotated[
        IssueFormat, typer.Option("--format", "-f", help="table (terminal) or json.")
    ] = IssueFormat.table,
    lang: LangOption = Lang.zh,
    year: YearOption = None,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
) -> None:
    """Check filled surveys: every error and warning with its file, sheet, cell and field.

    Exit code 0 when no file has an error, 1 when any has.

    Example: carbon validate sample_data/
    """
    from carbon_cli.cli.console import issues_table, stdout, t
    from carbon_cli.serialize import dumps
    from carbon_cli.survey.workbook import Limits
    from carbon_cli.validation import validate_paths

    report = validate_paths(paths, year=year, limits=Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb))
    code = lang.value
    if format is IssueFormat.json:
        stdout.file.write(dumps(report.to_dict(code)))
    else:
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
        stdout.print(
            t(
                code,
                f"共 {len(report.files)} 个文件：{report.error_count} 个错误，{report.warning_count} 个警告，"
                f"{report.files_with_errors} 个文件有错误。",
                f"{len(report.files)} file(s): {report.error_count} error(s), {report.warning_count} warning(s), "
                f"{report.files_with_errors} file(s) with errors.",
            )
        )
    raise typer.Exit(1 if report.files_with_errors else 0)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
