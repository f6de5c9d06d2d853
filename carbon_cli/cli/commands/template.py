"""`carbon template`: write a blank survey workbook, or one prefilled form per roster community."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from carbon_cli.cli.options import Lang, LangOption, MaxFileOption, MaxInflatedOption


class Layout(StrEnum):
    form = "form"
    table = "table"


DEFAULT_NAMES = {
    ("form", "zh"): "社区碳排放调研表.xlsx",
    ("form", "en"): "community-survey.xlsx",
    ("table", "zh"): "社区汇总表.xlsx",
    ("table", "en"): "district-table.xlsx",
}


def template(
    path: Annotated[Path | None, typer.Argument(help="Where to write the workbook (.xlsx).")] = None,
    layout: Annotated[
        Layout,
        typer.Option(
            "--layout",
            help="form: one community per workbook, a sheet per topic; table: one row per community per year.",
        ),
    ] = Layout.form,
    lang: LangOption = Lang.zh,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            metavar="ROSTER",
            help="The district's list of communities (.csv or .xlsx: ID, name, street; optionally district, "
            "contact): writes one prefilled form per community into the -o folder.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FOLDER", help="With --roster: the folder the forms are written to."),
    ] = None,
    previous: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            metavar="PREVIOUS",
            help="With --roster: earlier surveys (a table, forms or a folder) whose values fill the baseline-year "
            "column.",
        ),
    ] = None,
    district: Annotated[
        str | None,
        typer.Option("--district", metavar="NAME", help="With --roster: the district, when the roster has none."),
    ] = None,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
) -> None:
    """Write a blank survey workbook to fill in Excel or WPS, or a prefilled form per community.

    Example: carbon template 社区碳排放调研表.xlsx --layout form

    Example: carbon template --roster roster.csv -o forms/ --from last_year.xlsx
    """
    from carbon_cli.cli.console import stdout, t
    from carbon_cli.core.errors import UsageError

    code = lang.value
    if roster is not None:
        _forms(roster, output or path, previous or [], district, code, force, max_file_mb, max_inflated_mb)
        return
    if output is not None or previous or district:
        raise UsageError("roster_needed")
    from carbon_cli.survey.template import write_template

    target = path or Path(DEFAULT_NAMES[(layout.value, code)])
    if target.suffix.lower() != ".xlsx":
        raise UsageError("unsupported_format", suffix=target.suffix or "(none)")
    if target.exists() and not force:
        raise UsageError(
            "write_failed",
            path=str(target),
            detail=t(code, "文件已存在（加 --force 覆盖）", "file exists (add --force to overwrite)"),
        )
    write_template(target, layout.value, code)
    stdout.print(t(code, f"已写入空白调研表：{target}", f"Blank survey written: {target}"))


def _forms(
    roster_path: Path,
    folder: Path | None,
    previous: list[Path],
    district: str | None,
    lang: str,
    force: bool,
    max_file_mb: float,
    max_inflated_mb: float,
) -> None:
    from carbon_cli.campaign.forms import earlier_baselines, write_forms
    from carbon_cli.campaign.roster import read_roster
    from carbon_cli.cli.console import issues_table, stderr, stdout, t
    from carbon_cli.core.errors import UsageError
    from carbon_cli.core.fileio import terminated_as_interrupted
    from carbon_cli.survey.container import Limits

    if folder is None:
        raise UsageError("roster_folder_needed")
    if folder.exists() and not folder.is_dir():
        raise UsageError("forms_folder_is_file", path=str(folder))
    limits = Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb)
    roster = read_roster(roster_path, limits)
    if roster.issues:
        stderr.print(issues_table(roster.issues, lang, title=str(roster_path)))
    baselines, problems = earlier_baselines(previous, limits) if previous else ({}, [])
    if problems:
        stderr.print(issues_table(problems, lang, title=t(lang, "上年数据", "Earlier data")))
    with terminated_as_interrupted():  # SIGTERM unwinds like Ctrl-C: the folder as it was, nothing beside it
        written = write_forms(roster, folder, lang, district, baselines, force)
    with_baseline = sum(1 for w in written if w.baseline is not None)
    stdout.print(
        t(
            lang,
            f"已在 {folder} 写入 {len(written)} 份预填调研表（社区编码、名称、街道、所属区已填并锁定）。",
            f"Wrote {len(written)} prefilled forms to {folder} (ID, name, street and district filled in and locked).",
        )
    )
    if previous:
        missing = [w.member.id for w in written if w.baseline is None]
        stdout.print(
            t(
                lang,
                f"其中 {with_baseline} 份已用上年数据填好基准年数值列"
                + (f"；上年数据中没有：{'、'.join(missing)}" if missing else "。"),
                f"{with_baseline} of them have the baseline-year column filled from earlier data"
                + (f"; not in the earlier data: {', '.join(missing)}" if missing else "."),
            )
        )


def register(app: typer.Typer) -> None:
    app.command("template")(template)
