"""`carbon compare`: every community under two criteria sets, and what makes them differ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from carbon_cli.cli.options import CriteriaOption, FactorsOption, Lang, LangOption, OutputOption, YearOption


def _surveys(paths: list[Path], year: int | None) -> list[Any]:
    from carbon_cli.survey.reader import read_workbook

    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.xlsx")) if path.is_dir() else [path]
    out = []
    for f in files:
        out += [s for s in read_workbook(f, year=year).surveys if not s.blocking_errors]
    return out


def _view(comparisons: list[Any], a_id: str, b_id: str, lang: str) -> list[Any]:
    from rich.table import Table
    from rich.text import Text

    from carbon_cli.cli.console import VERDICT_STYLE, t
    from carbon_cli.core.i18n import term

    table = Table(title=t(lang, f"评价标准对比：{a_id} 与 {b_id}", f"Criteria compared: {a_id} and {b_id}"))
    table.add_column(t(lang, "社区", "Community"), no_wrap=True)
    table.add_column(f"A {t(lang, '得分', 'score')}", justify="right")
    table.add_column(f"A {t(lang, '结论', 'verdict')}", no_wrap=True)
    table.add_column(f"B {t(lang, '得分', 'score')}", justify="right")
    table.add_column(f"B {t(lang, '结论', 'verdict')}", no_wrap=True)
    table.add_column(t(lang, "差异主要来自（B − A，分）", "Difference from (B − A, points)"))
    for c in comparisons:
        parts = [f"{i.key} {i.delta:+.1f}" for i in c.items[:3]]
        parts += [f"{k} {x}→{y}" for k, x, y in c.controls]
        table.add_row(
            Text(f"{c.a.survey.name}\n{c.a.survey.community_id}"),
            f"{c.a.score:.1f}",
            Text(term(c.a.verdict, lang), style=VERDICT_STYLE[c.a.verdict]),
            f"{c.b.score:.1f}",
            Text(term(c.b.verdict, lang), style=VERDICT_STYLE[c.b.verdict]),
            ", ".join(parts) or "—",
        )
    agree = sum(c.agree for c in comparisons)
    note = t(
        lang,
        f"结论一致 {agree} 个，不一致 {len(comparisons) - agree} 个（共 {len(comparisons)} 个社区）",
        f"Same verdict for {agree}, different for {len(comparisons) - agree} (of {len(comparisons)} communities)",
    )
    return [table, Text(note, style="bold")]


def compare(
    paths: Annotated[list[Path], typer.Argument(help="Survey workbooks or folders of them.")],
    against: Annotated[
        str, typer.Option("--against", metavar="SET|FILE", help="The criteria set B to compare with (id or file).")
    ],
    criteria: CriteriaOption = None,
    factors: FactorsOption = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table (terminal) or json.")] = "table",
    output: OutputOption = None,
    lang: LangOption = Lang.zh,
    year: YearOption = None,
) -> None:
    """Compare two criteria sets on every community: verdict and score under each, the items that
    account for the difference, and how many verdicts agree.

    Example: carbon compare sample_data/communities --against docs/criteria.xlsx
    """
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.cli.console import emit, render_text, write_or_print
    from carbon_cli.scoring.comparison import compare as compare_one
    from carbon_cli.scoring.criteria_files import load_criteria

    code = lang.value
    a_set, b_set, factor_set = load_criteria(criteria), load_criteria(against), load_factor_set(factors)
    comparisons = [compare_one(s, factor_set, a_set, b_set) for s in _surveys(paths, year)]
    a_id = a_set.id
    b_id = b_set.id if b_set.id != a_set.id else f"{b_set.id} ({against})"  # the same id: say which file
    if format == "json":
        from carbon_cli.core.jsonio import dumps

        data = {
            "criteria_a": a_set.id,
            "criteria_b": b_id,
            "communities": len(comparisons),
            "agree": sum(c.agree for c in comparisons),
            "results": [c.to_dict(code) for c in comparisons],
        }
        write_or_print(dumps(data), output, paths)
    elif output is None:
        emit(_view(comparisons, a_id, b_id, code))
    else:
        write_or_print(render_text(_view(comparisons, a_id, b_id, code)), output, paths)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
