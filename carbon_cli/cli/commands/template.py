"""`carbon template`: write a blank survey workbook."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from carbon_cli.cli.options import Lang, LangOption


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
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a blank survey workbook to fill in Excel or WPS.

    Example: carbon template 社区碳排放调研表.xlsx --layout form
    """
    from carbon_cli.cli.console import stdout, t
    from carbon_cli.issues import UsageError
    from carbon_cli.survey.template import write_template

    target = path or Path(DEFAULT_NAMES[(layout.value, lang.value)])
    if target.suffix.lower() != ".xlsx":
        raise UsageError("unsupported_format", suffix=target.suffix or "(none)")
    if target.exists() and not force:
        raise UsageError(
            "write_failed",
            path=str(target),
            detail=t(lang.value, "文件已存在（加 --force 覆盖）", "file exists (add --force to overwrite)"),
        )
    write_template(target, layout.value, lang.value)
    stdout.print(t(lang.value, f"已写入空白调研表：{target}", f"Blank survey written: {target}"))


def register(app: typer.Typer) -> None:
    app.command("template")(template)
