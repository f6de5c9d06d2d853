"""`carbon criteria`, `carbon factors` and `carbon costs`: the built-in sets, and one set's
entries with sources and status; `carbon criteria export|check`: a criteria set as a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from carbon_cli.cli.options import IssueFormat, Lang, LangOption, MaxFileOption, MaxInflatedOption, OutputFormat


class _CriteriaGroup(TyperGroup):
    """`carbon criteria SET` (without `show`) still shows SET, as before the subcommands."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().resolve_command(ctx, args)


criteria_app = typer.Typer(
    cls=_CriteriaGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@criteria_app.callback()
def criteria(ctx: typer.Context, lang: LangOption = Lang.zh) -> None:
    """List the built-in criteria sets; `show`, `export` and `check` one (a set id, TOML file or workbook).

    Example: carbon criteria export sz-nzc-community -o criteria.xlsx
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, stdout, t
    from carbon_cli.core.i18n import term
    from carbon_cli.scoring.criteria import available
    from carbon_cli.scoring.criteria_files import load_criteria

    code = lang.value
    table = Table(title=t(code, "内置评价标准", "Built-in criteria sets"), title_justify="left")
    add_columns(
        table,
        (
            "id",
            t(code, "名称", "name"),
            t(code, "控制项", "controls"),
            t(code, "评分项", "items"),
            t(code, "状态", "status"),
        ),
        fold=False,
    )
    ids = available()
    table.columns[0].min_width = max(map(len, ids), default=2)  # the id is what --criteria takes: never cut
    table.columns[1].overflow, table.columns[1].max_width = "fold", 20
    for set_id in ids:
        c = load_criteria(set_id)
        table.add_row(
            set_id,
            c.label(code),
            str(len(c.controls)),
            str(len(c.items)),
            term(c.status, code),
        )
    stdout.print(table)


SetArgument = Annotated[
    str | None,
    typer.Argument(metavar="[SET|FILE]", help="A built-in set id, a TOML file or a criteria workbook (.xlsx)."),
]


@criteria_app.command("show")
def show(name: SetArgument = None, lang: LangOption = Lang.zh) -> None:
    """Show one criteria set's items with thresholds, sources and status (a set id, TOML file or workbook).

    Example: carbon criteria show sz-nzc-community
    """
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, num, stdout, t
    from carbon_cli.core.i18n import term
    from carbon_cli.scoring.criteria_files import load_criteria

    code = lang.value
    c = load_criteria(name)
    stdout.print(f"[bold]{c.label(code)}[/] ({c.id})\n{c.description(code)}")
    grades = t(code, "；", "; ").join(
        f"{g.label(code)} ≥ {g.min_score:g}" + t(code, f"（{term(g.status, code)}）", f" ({term(g.status, code)})")
        for g in c.grades[:-1]
    )
    stdout.print(f"{t(code, '等级', 'Grades')}: {grades}")
    if c.source:
        stdout.print(f"{t(code, '来源', 'Source')}: {c.source}")
    table = Table(show_lines=False)
    add_columns(
        table,
        (
            "",
            t(code, "指标", "item"),
            t(code, "规则", "rule"),
            t(code, "分值", "points"),
            t(code, "状态", "status"),
            t(code, "来源", "source"),
        ),
    )
    for cr in (*c.controls, *c.items):
        unit = cr.unit_label(code)
        rule = {
            "complete": t(code, "必填项齐全", "all required fields"),
            "is_true": t(code, "均为“是”", "all yes"),
            "at_least": f"≥ {num(cr.target)} {unit}",
            "at_most": f"≤ {num(cr.target)} {unit}",
            "linear": f"{num(cr.zero)} → {num(cr.full)} {unit}",
            "boolean": t(code, "是/否", "yes/no"),
            "steps": "; ".join(f"≥ {num(th)} → {p:g}" for th, p in cr.steps),
            "met": t(code, "达标：", "met: ")
            + (
                t(code, "是", "yes")
                if cr.comparison == "is_true"
                else f"{'≤' if cr.comparison == 'at_most' else '≥'} {num(cr.target)} {unit}"
            ),
        }[cr.rule]
        table.add_row(
            cr.key,
            cr.label(code),
            rule,
            f"{cr.points:g}" if cr.points else t(code, "控制项", "control"),
            term(cr.status, code),
            cr.source,
        )
    stdout.print(table)
    if c.not_assessable:  # the source's indicators no survey field measures
        missing = Table(
            title=t(code, "不可评价（调研未采集，不计分）", "Not assessable (not collected, not scored)"),
            title_justify="left",
        )
        add_columns(
            missing,
            (
                "",
                t(code, "指标", "item"),
                t(code, "要求", "requirement"),
                t(code, "原因", "reason"),
                t(code, "状态", "status"),
                t(code, "来源", "source"),
            ),
        )
        for x in c.not_assessable:
            missing.add_row(x.key, x.label(code), x.requirement(code), x.reason(code), term(x.status, code), x.source)
        stdout.print(missing)


@criteria_app.command("metrics")
def metrics(
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (terminal), json, or md (the page docs/metrics.md).")
    ] = OutputFormat.table,
    lang: LangOption = Lang.zh,
) -> None:
    """List the metrics a criterion can read: name, unit, whether it needs a baseline year, formula.

    Example: carbon criteria metrics --lang en
    """
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, stdout, t
    from carbon_cli.core.jsonio import dumps
    from carbon_cli.scoring.metrics import metric_rows, metrics_markdown

    code = lang.value
    rows = metric_rows()
    if format is OutputFormat.md:
        stdout.file.write(metrics_markdown())
        return
    if format is OutputFormat.json:
        data = [
            {
                "metric": r.name,
                "unit": r.unit,
                "kind": r.kind,
                "needs_baseline": r.needs_baseline,
                "formula": r.formula(code),
            }
            for r in rows
        ]
        stdout.file.write(dumps(data))
        return
    table = Table(title=t(code, "评价指标可读取的指标量", "Metrics a criterion can read"), title_justify="left")
    add_columns(
        table,
        (
            t(code, "指标量", "metric"),
            t(code, "单位", "unit"),
            t(code, "需基准年", "baseline"),
            t(code, "公式", "formula"),
        ),
    )
    for r in rows:
        table.add_row(r.name, r.unit, t(code, "是", "yes") if r.needs_baseline else "", r.formula(code))
    stdout.print(table)


@criteria_app.command("export")
def export(
    name: SetArgument = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Where to write the workbook (default: <set id>.xlsx)."),
    ] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Write a criteria set as a workbook to edit in Excel or WPS, then use with --criteria FILE.xlsx.

    The workbook has an instructions sheet, one row per item, drop-downs for the closed lists,
    the grade bands and the list of metrics with their formulas.

    Example: carbon criteria export sz-nzc-community -o criteria.xlsx
    """
    from carbon_cli.cli.console import stderr, t
    from carbon_cli.core.errors import UsageError
    from carbon_cli.core.fileio import guard_inputs
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.scoring.criteria_workbook import write_criteria_workbook

    code = lang.value
    c = load_criteria(name)
    target = output or Path(f"{c.id}.xlsx")
    if target.suffix.lower() != ".xlsx":
        raise UsageError("unsupported_format", suffix=target.suffix or "(none)")
    if name and Path(name).is_file():
        guard_inputs(target, [Path(name)])
    write_criteria_workbook(c, target, code)
    stderr.print(
        t(
            code,
            f"已写出 {target}：{len(c.controls)} 项控制项、{len(c.items)} 项评分项。"
            f"修改后用 carbon criteria check {target} 检查",
            f"wrote {target}: {len(c.controls)} control items, {len(c.items)} scored items. "
            f"After editing, check it with carbon criteria check {target}",
        )
    )


@criteria_app.command("check")
def check(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A criteria workbook (.xlsx) or TOML file.")],
    format: Annotated[
        IssueFormat, typer.Option("--format", "-f", help="table (terminal) or json.")
    ] = IssueFormat.table,
    lang: LangOption = Lang.zh,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
) -> None:
    """Check a criteria workbook: every mistake with its sheet, cell and column, what was found and expected.

    Exit code 0 when the set is usable, 1 when it is not.

    Example: carbon criteria check criteria.xlsx
    """
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, stderr, stdout, t
    from carbon_cli.core.jsonio import dumps
    from carbon_cli.scoring.criteria_files import WORKBOOK_SUFFIXES, load_criteria
    from carbon_cli.scoring.criteria_workbook import WorkbookCheck, check_criteria_workbook
    from carbon_cli.survey.container import Limits

    code = lang.value
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        result = check_criteria_workbook(path, Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb))
    else:  # a TOML set: its loader names the first mistake (raised as an error if any)
        result = WorkbookCheck(str(path), [], load_criteria(str(path)))
    if format is IssueFormat.json:
        stdout.file.write(dumps(result.to_dict(code)))
    elif result.problems:
        table = Table(title=result.summary(code), title_justify="left")
        add_columns(
            table,
            (
                t(code, "工作表", "sheet"),
                t(code, "单元格", "cell"),
                t(code, "列", "column"),
                t(code, "问题", "problem"),
                t(code, "找到", "found"),
                t(code, "应为", "expected"),
            ),
        )
        for p in result.problems:
            table.add_row(p.sheet, p.cell, p.field_label(code), p.message(code), p.found, p.expected(code))
        stdout.print(table)
    else:
        stdout.print(result.summary(code))
    if format is not IssueFormat.json:
        for note in result.notes(code):
            stderr.print(note, style="yellow")
    raise typer.Exit(0 if result.ok else 1)


def factors(
    name: Annotated[str | None, typer.Argument(metavar="[SET|FILE]", help="A set id or TOML file to show.")] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """List the built-in emission factor sets, or show one set's factors with sources and status.

    Example: carbon factors cn-south-2023
    """
    from rich.table import Table

    from carbon_cli.accounting.factors import available, load_factor_set
    from carbon_cli.cli.console import add_columns, stdout, t
    from carbon_cli.core.i18n import term

    code = lang.value
    if name is None:
        table = Table(title=t(code, "内置排放因子集", "Built-in factor sets"), title_justify="left")
        add_columns(table, ("id", t(code, "名称", "name"), "EF_grid (kgCO2/kWh)"), fold=False)
        for set_id in available():
            fs = load_factor_set(set_id)
            table.add_row(set_id, fs.label(code), f"{fs.value('EF_grid'):g}")
        stdout.print(table)
        return
    fs = load_factor_set(name)
    stdout.print(f"[bold]{fs.label(code)}[/] ({fs.id})\n{fs.description(code)}")
    table = Table()
    add_columns(
        table,
        (
            t(code, "因子", "factor"),
            t(code, "数值", "value"),
            t(code, "单位", "unit"),
            t(code, "状态", "status"),
            t(code, "来源", "source"),
        ),
    )
    for f in fs.factors.values():
        table.add_row(f"{f.key}\n{f.label(code)}", f"{f.value:g}", f.unit, term(f.status, code), f.source)
    stdout.print(table)


SOURCE_ROOM = 30  # the sources are shown beside the figures when their column can be this wide


def costs(
    name: Annotated[str | None, typer.Argument(metavar="[SET|FILE]", help="A set id or TOML file to show.")] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """List the built-in cost sets, or show one set's unit costs, tariffs and subsidies with sources and status.

    Example: carbon costs sz-2025
    """
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, keep_keys_whole, num, stdout, t
    from carbon_cli.core.i18n import display_width, term
    from carbon_cli.planning.costs import available, load_cost_set

    code = lang.value
    if name is None:
        table = Table(title=t(code, "内置成本集", "Built-in cost sets"), title_justify="left")
        add_columns(table, ("id", t(code, "名称", "name"), t(code, "评估期（年）", "appraisal (years)")), fold=False)
        for set_id in available():
            cs = load_cost_set(set_id)
            table.add_row(set_id, cs.label(code), str(cs.years))
        stdout.print(table)
        return
    cs = load_cost_set(name)
    stdout.print(f"[bold]{cs.label(code)}[/] ({cs.id})\n{cs.description(code)}")
    rows = [
        *((t(code, "价格", "tariff"), tf.figure) for tf in cs.tariffs.values()),
        *((c.measure, c.figure) for c in cs.costs.values()),
        *((t(code, "数量", "quantity"), q) for q in cs.quantities.values()),
        *((f"{s.measure} {t(code, '补贴', 'subsidy')}", s.figure) for s in cs.subsidies.values()),
        (t(code, "试点资助", "pilot award"), cs.award),
    ]

    def figure(x: float) -> str:
        text = num(x, 3)
        return text.rstrip("0").rstrip(".") if "." in text else text

    cells = [
        (
            where,
            f"{f.key}\n{f.label(code)}",
            figure(f.value.typical)
            if f.value.low == f.value.high
            else " / ".join(figure(x) for x in (f.value.low, f.value.typical, f.value.high)),
            f.unit_label(code),
            term(f.status, code),
            f.source_label(code),
        )
        for where, f in rows
    ]
    keys = [f.key for _, f in rows]
    item, source = t(code, "项目", "item"), t(code, "来源", "source")
    values, unit = t(code, "低 / 典型 / 高", "low / typical / high"), t(code, "单位", "unit")
    status = t(code, "状态", "status")
    widest = [max(display_width(line) for row in cells for line in row[i].split("\n")) for i in (0, 2, 3, 4)]
    if stdout.width >= sum(widest) + max(map(len, keys)) + SOURCE_ROOM + 19:  # six columns: 7 rules, 12 spaces
        table = add_columns(Table(), ("", item, values, unit, status, source))
        keep_keys_whole(table, 1, keys)
        for row in cells:
            table.add_row(*row)
        stdout.print(table)
        return
    # Too wide for the terminal with its sources: without them, what it is for put under the key
    # (a key is never broken: its column is as wide as the longest), the units as wide as their
    # longest word when there is room; then the sources in a table of their own, by key.
    colon = t(code, "：", ": ")
    narrow = add_columns(Table(), (item, values, unit, status))
    keep_keys_whole(narrow, 0, keys)
    key_width = narrow.columns[0].min_width or 0
    status_width = max(display_width(row[4]) for row in cells)
    room = stdout.width - key_width - status_width - 13  # four columns: five rules, eight spaces
    words = [display_width(w) for row in cells for w in row[3].split()]
    narrow.columns[0].width, narrow.columns[3].width = key_width, status_width
    narrow.columns[2].width = max(4, min(max(words, default=4), room - 9))
    narrow.columns[1].width = max(9, room - narrow.columns[2].width)  # "1,700,000 /" breaks after the number
    for where, label, figures, units, state, _ in cells:
        key, name = label.split("\n", 1)
        narrow.add_row(f"{key}\n{where}{colon}{name}", figures, units, state)
    stdout.print(narrow)
    sources = add_columns(Table(), (item, source))
    keep_keys_whole(sources, 0, keys)
    for key, row in zip(keys, cells, strict=True):
        sources.add_row(key, row[-1])
    stdout.print(sources)


def register(app: typer.Typer) -> None:
    app.add_typer(criteria_app, name="criteria")
    app.command("factors")(factors)
    app.command("costs")(costs)
