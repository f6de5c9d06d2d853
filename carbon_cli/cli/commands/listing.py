"""`carbon criteria`, `carbon factors` and `carbon costs`: the built-in sets, and one set's
entries with sources and status."""

from __future__ import annotations

from typing import Annotated

import typer

from carbon_cli.cli.options import Lang, LangOption


def criteria(
    name: Annotated[str | None, typer.Argument(metavar="[SET|FILE]", help="A set id or TOML file to show.")] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """List the built-in criteria sets, or show one set's items with thresholds, sources and status.

    Example: carbon criteria sz-nzc-community
    """
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, num, stdout, t
    from carbon_cli.core.i18n import term
    from carbon_cli.scoring.criteria import available, load_criteria

    code = lang.value
    if name is None:
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
        for set_id in available():
            c = load_criteria(set_id)
            table.add_row(set_id, c.label(code), str(len(c.controls)), str(len(c.items)), term(c.status, code))
        stdout.print(table)
        return
    c = load_criteria(name)
    stdout.print(f"[bold]{c.label(code)}[/] ({c.id})\n{c.description(code)}")
    grades = "；".join(f"{g.label(code)} ≥ {g.min_score:g}" for g in c.grades[:-1])
    stdout.print(f"{t(code, '等级', 'Grades')}: {grades}")
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


def costs(
    name: Annotated[str | None, typer.Argument(metavar="[SET|FILE]", help="A set id or TOML file to show.")] = None,
    lang: LangOption = Lang.zh,
) -> None:
    """List the built-in cost sets, or show one set's unit costs, tariffs and subsidies with sources and status.

    Example: carbon costs sz-2025
    """
    from rich.table import Table

    from carbon_cli.cli.console import add_columns, num, stdout, t
    from carbon_cli.core.i18n import term
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
    table = Table()
    add_columns(
        table,
        (
            "",
            t(code, "项目", "item"),
            t(code, "低 / 典型 / 高", "low / typical / high"),
            t(code, "单位", "unit"),
            t(code, "状态", "status"),
            t(code, "来源", "source"),
        ),
    )
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

    for where, f in rows:
        v = f.value
        table.add_row(
            where,
            f"{f.key}\n{f.label(code)}",
            figure(v.typical) if v.low == v.high else " / ".join(figure(x) for x in (v.low, v.typical, v.high)),
            f.unit_label(code),
            term(f.status, code),
            f.source,
        )
    stdout.print(table)


def register(app: typer.Typer) -> None:
    app.command("criteria")(criteria)
    app.command("factors")(factors)
    app.command("costs")(costs)
