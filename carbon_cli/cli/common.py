"""What several commands do the same way: read the one survey to assess, write a result or print it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from carbon_cli.survey.container import Limits
    from carbon_cli.survey.model import Survey


def load_for_assessment(path: Path, community: str | None, year: int | None, limits: Limits, lang: str) -> Survey:
    """Read the survey to assess; stop with every blocking error listed when there are any."""
    from carbon_cli.cli.console import issues_table, stderr, t
    from carbon_cli.survey.reader import read_survey

    survey = read_survey(path, community=community, year=year, limits=limits)
    if survey.blocking_errors:
        stderr.print(issues_table(survey.blocking_errors, lang, title=f"{path} ({survey.community_id})"))
        stderr.print(
            t(
                lang,
                f"这些错误使评价无法进行，请先修正（可用 carbon validate {path} 查看全部问题）。",
                f"These errors prevent an assessment; fix them first (carbon validate {path} lists every problem).",
            )
        )
        raise typer.Exit(1)
    return survey


def write_or_print(text: str | bytes, output: Path | None, inputs: list[Path]) -> None:
    from carbon_cli.cli.console import stdout
    from carbon_cli.core.fileio import guard_inputs, write_bytes, write_text

    if output is None:
        stdout.file.write(text if isinstance(text, str) else text.decode("utf-8"))
        stdout.file.flush()
        return
    guard_inputs(output, inputs)
    if isinstance(text, bytes):
        write_bytes(output, text)
    else:
        write_text(output, text)
