"""Rich rendering for the terminal: issue tables, the assessment view, errors on stderr."""

from __future__ import annotations

import io
import math
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import term
from carbon_cli.survey.fields import field_name
from carbon_cli.survey.issues import InputError, Issue

if TYPE_CHECKING:
    from carbon_cli.scoring.assessment import Assessment

stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False)

VERDICT_STYLE = {"eligible": "bold green", "not_eligible": "bold red", "incomplete": "bold yellow"}
STATUS_STYLE = {"pass": "green", "fail": "red", "missing": "yellow", "na": "dim", "scored": ""}


def t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def num(value: Any, digits: int = 2) -> str:
    """A number for display: thousands separators, `digits` decimals, no trailing noise."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    text = f"{value:,.{digits}f}"
    return text


def value_text(value: Any, unit: str, lang: str) -> str:
    """A metric value with its unit: percentages to 1 decimal, per-capita to 3, yes/no in words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t(lang, "是" if value else "否", "yes" if value else "no")
    digits = 1 if unit == "%" else 3 if abs(value) < 10 else 1
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if "." in f"{value:,.{digits}f}" else f"{value:,.{digits}f}"
    return f"{text}%" if unit == "%" else f"{text} {unit}".strip()


def score_text(score: float, lines: list[float]) -> str:
    """A score to one decimal that never reads as a grade line it has not reached (59.96 → 59.9)."""
    shown = round(score, 1)
    if any(score < line <= shown for line in lines):
        shown = math.floor(score * 10) / 10
    return f"{shown:.1f}"


def grade_lines(a: Assessment) -> list[float]:
    return [g.min_score for g in a.criteria.grades if g.min_score > 0]


def print_error(exc: CarbonError, lang: str) -> None:
    stderr.print(Text.assemble((t(lang, "错误", "error") + ": ", "bold red"), exc.message(lang)))
    expected = exc.issue.expected(lang) if isinstance(exc, InputError) else ""
    for extra in (f"{t(lang, '应为', 'expected')}: {expected}" if expected else "", exc.hint or ""):
        if extra:
            stderr.print(Text("  " + extra))


def print_internal_error(exc: BaseException, lang: str) -> None:
    stderr.print(
        Text.assemble(
            (t(lang, "内部错误", "internal error") + ": ", "bold red"),
            f"{type(exc).__name__}: {exc}\n",
            t(
                lang,
                "这是 carbon-cli 的缺陷，不是你的数据的问题。加 --debug 重新运行可看到完整的出错位置。",
                "This is a bug in carbon-cli, not a problem with your data. Rerun with --debug to see the traceback.",
            ),
        )
    )


def print_interrupted(lang: str) -> None:
    stderr.print(t(lang, "已中断；未完成的输出文件没有写入。", "interrupted; no half-written output was left."))


def add_columns(table: Table, headers: Any, fold: bool = True) -> Table:
    """Add a column per header; a (header, justify) pair aligns it (numbers "right")."""
    for header in headers:
        text, justify = header if isinstance(header, tuple) else (header, "left")
        table.add_column(text, justify=justify, overflow="fold" if fold else "ellipsis")
    return table


def issues_table(issues: list[Issue], lang: str, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    add_columns(
        table,
        (
            t(lang, "级别", "level"),
            t(lang, "工作表", "sheet"),
            t(lang, "单元格", "cell"),
            t(lang, "字段", "field"),
            t(lang, "发现", "found"),
            t(lang, "应为", "expected"),
            t(lang, "说明", "message"),
        ),
    )
    for issue in issues:
        style = "red" if issue.is_error else "yellow"
        field = Text(issue.field_name(lang)) if issue.field else Text("")
        if issue.field and issue.field_name(lang) != issue.field:
            field.append(f"\n({issue.field})", style="dim")
        found = issue.found if issue.found is None or len(issue.found) < 40 else issue.found[:37] + "…"
        table.add_row(
            Text(term(issue.severity, lang), style=style),
            Text(issue.location.sheet or ""),
            Text(issue.location.cell or ""),
            field,
            Text(found or ""),
            Text(issue.expected(lang)),
            Text(issue.message(lang)),
        )
    return table


def assessment_view(a: Assessment, lang: str) -> list[Any]:
    """The terminal view of an assessment: verdict panel, inventory, controls, indicators."""
    ev, s = a.evaluation, a.survey
    verdict = term(a.verdict, lang)
    lines = [
        Text.assemble((f"{s.name} ({s.community_id})", "bold"), f"  {s.assessment.get('street') or ''}"),
        Text.assemble(
            (f"{t(lang, '结论', 'Verdict')}: {verdict}", VERDICT_STYLE[a.verdict]),
            f"   {t(lang, '得分', 'Score')}: {score_text(ev.score, grade_lines(a))} / 100"
            f"   {t(lang, '等级', 'Grade')}: {ev.grade.label(lang)}",
        ),
    ]
    pc = a.inventory.per_capita_tco2e
    lines.append(
        Text(
            f"{t(lang, '净排放', 'Net emissions')}: {num(a.inventory.net_tco2e)} tCO2e   "
            f"{t(lang, '人均', 'Per capita')}: {num(pc)} tCO2e   "
            f"{t(lang, '评价年', 'Year')}: {s.assessment_year or '—'}"
            + (f"   {t(lang, '基准年', 'Baseline')}: {s.baseline_year}" if s.baseline_year else "")
        )
    )
    if ev.points_to_pass > 0:
        lines.append(
            Text(
                t(
                    lang,
                    f"距“通过”还差 {math.ceil(ev.points_to_pass * 10) / 10:.1f} 分",
                    f"{math.ceil(ev.points_to_pass * 10) / 10:.1f} points short of pass",
                )
            )
        )
    blockers = [c.criterion for c in ev.failed_controls]
    if blockers:
        names = "、".join(f"{c.key} {c.label(lang)}" for c in blockers)
        lines.append(Text(f"{t(lang, '未满足控制项', 'Failed controls')}: {names}", style="red"))
    if ev.fields_to_collect:
        lines.append(
            Text(
                f"{t(lang, '需补充数据', 'Data to collect')}: "
                + t(lang, "、", ", ").join(field_name(k, lang) for k in ev.fields_to_collect),
                style="yellow",
            )
        )
    if a.changes:
        changed = ", ".join(f"{k}={v}" for k, v in a.changes.items())
        lines.append(Text(f"{t(lang, '假设变更', 'What-if changes')}: {changed}", style="cyan"))
    panel = Panel(
        Text("\n").join(lines),
        title=t(lang, "近零碳社区评价", "Near-zero-carbon community assessment"),
        border_style=VERDICT_STYLE[a.verdict].split()[-1],
    )
    return [panel, inventory_table(a, lang), controls_table(a, lang), indicators_table(a, lang)]


def inventory_table(a: Assessment, lang: str) -> Table:
    base = a.baseline_inventory
    table = Table(title=t(lang, "碳排放清单 (tCO2e/年)", "Inventory (tCO2e/yr)"), title_justify="left")
    table.add_column(t(lang, "排放源", "Source"))
    if base:
        table.add_column(str(a.survey.baseline_year), justify="right")
    table.add_column(str(a.survey.assessment_year or t(lang, "评价年", "assessment")), justify="right")
    table.add_column(t(lang, "占比", "Share"), justify="right")
    gross = a.inventory.gross_tco2e or 1.0
    for line in a.inventory.lines:
        row: list[str | Text] = [term(line.key, lang)]
        if base:
            row.append(num(base.sources[line.key]))
        row += [num(line.tco2e), f"{100 * line.tco2e / gross:.1f}%"]
        table.add_row(*row)
    for label, now_value, base_value in (
        (t(lang, "总排放", "Gross"), a.inventory.gross_tco2e, base.gross_tco2e if base else None),
        (t(lang, "碳汇", "Sinks"), -a.inventory.sinks_tco2e, -base.sinks_tco2e if base else None),
        (t(lang, "净排放", "Net"), a.inventory.net_tco2e, base.net_tco2e if base else None),
        (
            t(lang, "人均 (tCO2e/人)", "Per capita (tCO2e/person)"),
            a.inventory.per_capita_tco2e,
            base.per_capita_tco2e if base else None,
        ),
    ):
        row = [Text(label, style="bold")]
        if base:
            row.append(num(base_value, 3 if "人" in label or "capita" in label else 2))
        row += [num(now_value, 3 if "人" in label or "capita" in label else 2), ""]
        table.add_row(*row)
    return table


def controls_table(a: Assessment, lang: str) -> Table:
    table = Table(title=t(lang, "控制项", "Control items"), title_justify="left")
    add_columns(
        table,
        (
            "",
            t(lang, "控制项", "Item"),
            t(lang, "数值", "Value"),
            t(lang, "要求", "Requirement"),
            t(lang, "结果", "Result"),
            t(lang, "差距", "Gap"),
        ),
    )
    for c in a.evaluation.controls:
        cr = c.criterion
        requirement = {
            "at_least": f"≥ {value_text(cr.target, cr.unit_label(lang), lang)}",
            "at_most": f"≤ {value_text(cr.target, cr.unit_label(lang), lang)}",
        }.get(cr.rule, t(lang, "是", "yes"))
        gap = ""
        if c.gap is not None:
            gap = gap_text(c.gap, cr.unit_label(lang), lang)
        table.add_row(
            cr.key,
            cr.label(lang),
            value_text(c.value, cr.unit_label(lang), lang),
            requirement,
            Text(term("unmet" if c.status == "fail" else c.status, lang), style=STATUS_STYLE.get(c.status, "")),
            gap,
        )
    return table


def gap_text(gap: Any, unit: str, lang: str) -> str:
    if gap.direction == "collect":
        return t(lang, "需补充：", "collect: ") + t(lang, "、", ", ").join(field_name(k, lang) for k in gap.fields)
    if gap.direction == "set_true":
        if gap.fields:
            return t(lang, "需为“是”：", "must be yes: ") + t(lang, "、", ", ").join(
                field_name(k, lang) for k in gap.fields
            )
        return t(lang, "需为“是”", "must be yes")
    sign = "+" if gap.direction == "increase" else "−"
    if unit == "%":
        return f"{sign}{value_text(gap.distance, '', lang)} {t(lang, '个百分点', 'pp')}"
    return f"{sign}{value_text(gap.distance, unit, lang)}"


def indicators_table(a: Assessment, lang: str) -> Table:
    table = Table(title=t(lang, "评分项", "Scored items"), title_justify="left")
    add_columns(
        table,
        (
            ("", "left"),
            (t(lang, "指标", "Indicator"), "left"),
            (t(lang, "数值", "Value"), "right"),
            (t(lang, "满分值", "Full at"), "right"),
            (t(lang, "得分", "Points"), "right"),
            (t(lang, "状态", "Status"), "left"),
            (t(lang, "差距", "Gap"), "left"),
        ),
    )
    for i in a.evaluation.items:
        c = i.criterion
        unit = c.unit_label(lang)
        full = {
            "linear": f"{'≤' if c.lower_is_better else '≥'} {value_text(c.full, unit, lang)}",
            "boolean": t(lang, "是", "yes"),
            "steps": f"≥ {value_text(c.steps[0][0], unit, lang)}" if c.steps else "",
        }[c.rule]
        points = f"{i.points:.2f} / {c.points:g}" if i.status != "na" else "—"
        gap = gap_text(i.gap, unit, lang) if i.gap else ""
        table.add_row(
            c.key,
            c.label(lang),
            value_text(i.value, unit, lang),
            full,
            points,
            Text(term(i.status, lang), style=STATUS_STYLE.get(i.status, "")),
            gap,
        )
    ev = a.evaluation
    table.add_row(
        "",
        Text(t(lang, "合计", "Total"), style="bold"),
        "",
        "",
        f"{ev.earned:.2f} / {ev.applicable_max:g}",
        f"{t(lang, '得分', 'score')} {score_text(ev.score, grade_lines(a))}",
        "",
    )
    return table


def emit(renderables: list[Any]) -> None:
    for r in renderables:
        stdout.print(r)


def is_terminal() -> bool:
    return sys.stderr.isatty()


def render_text(renderables: list[Any], width: int = 120) -> str:
    """Renderables as plain text (for -o with the terminal format)."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    for r in renderables:
        console.print(r)
    return console.export_text()


class _ProgressBar:
    """A Rich progress bar on stderr; silent when stderr is not a terminal or when disabled."""

    def __init__(self, lang: str, enabled: bool) -> None:
        self.lang = lang
        self.enabled = enabled and sys.stderr.isatty()
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> tuple[Any, Any]:
        if not self.enabled:
            return (lambda total: None), (lambda n: None)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
        )
        self.progress.__enter__()
        self.task = self.progress.add_task(t(self.lang, "评估中", "assessing"), total=None)
        return (lambda total: self.progress.update(self.task, total=total)), (
            lambda n: self.progress.advance(self.task, n)
        )

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)


def progress_bar(lang: str, enabled: bool = True) -> _ProgressBar:
    return _ProgressBar(lang, enabled)


def three_costs(pathway: Any, lang: str) -> str:
    """A pathway's upfront, yearly and period cost, one a line (never a bare "0 元" when it runs)."""
    from carbon_cli.core.i18n import money

    years = pathway.get("years") or ""
    return "\n".join(
        (
            t(lang, "前期 ", "upfront ") + money(pathway.get("upfront_yuan"), lang),
            t(lang, "每年 ", "a year ") + money(pathway.get("annual_net_yuan"), lang),
            t(lang, f"{years} 年 ", f"{years} yrs ") + money(pathway.get("net_cost_yuan"), lang),
        )
    )


def batch_view(batch: Any, lang: str, limit: int = 30) -> list[Any]:
    from carbon_cli.core.i18n import money
    from carbon_cli.outputs.district import verdict_counts

    counts = verdict_counts(batch)
    table = Table(title=t(lang, "社区排名", "Ranking"), title_justify="left")
    add_columns(
        table,
        (
            ("#", "right"),
            (t(lang, "社区", "Community"), "left"),
            (t(lang, "街道", "Street"), "left"),
            (t(lang, "人均 tCO2e", "tCO2e/person"), "right"),
            (t(lang, "得分", "Score"), "right"),
            (t(lang, "结论", "Verdict"), "left"),
            (t(lang, "可行性", "Feasibility"), "left"),
            (t(lang, "达到“通过”的措施", "Measures to reach pass"), "left"),
            (t(lang, "成本：前期/每年/评估期", "Cost: upfront/yr/period"), "right"),
        ),
    )
    lines = [g.min_score for g in batch.criteria.grades if g.min_score > 0] if batch.criteria else []
    objective = "effort"
    for r in batch.results[:limit]:
        row = r.summary
        pathway = row["pathway"]
        steps = pathway["measures"] if pathway else []
        objective = pathway.get("objective", objective) if pathway else objective
        table.add_row(
            str(r.rank),
            Text(f"{row['name']}\n{row['id']}"),
            Text(str(row["street"] or "")),
            num(row["per_capita_tco2e"]),
            score_text(row["score"], lines),
            Text(
                term(f"{r.verdict}.short", lang) if r.verdict == "eligible" else term(r.verdict, lang),
                style=VERDICT_STYLE[r.verdict],
            ),
            term(r.feasibility, lang),
            t(lang, "、", ", ").join(m["name"] for m in steps),
            three_costs(pathway, lang) if steps else "—",
        )
    out: list[Any] = [table]
    by = t(lang, "评估期全寿命成本由低到高", "life-cycle cost over the period, least first")
    if objective == "upfront":
        by = t(lang, "前期投入（投资减一次性补贴）由低到高", "upfront cost (capex less one-off subsidies), least first")
    if objective == "effort":
        by = t(lang, "措施工作量由小到大", "effort of the measures, least first")
    out.append(
        Text(
            t(
                lang,
                f"排序：已符合的社区在前，其余按达到“通过”所需的{by}，再按得分由高到低。",
                f"Order: eligible communities first, then by the {by} to reach pass, then by score.",
            ),
            style="dim",
        )
    )
    if len(batch.results) > limit:
        out.append(
            Text(
                t(
                    lang,
                    f"……另有 {len(batch.results) - limit} 个社区，见 results.csv",
                    f"… {len(batch.results) - limit} more in results.csv",
                )
            )
        )
    plan = getattr(batch, "investment", None)
    if plan is not None and plan.plan is not None:
        p, years = plan.plan, plan.years or 10
        up, year, period = (money(p.total(k), lang) for k in ("upfront", "annual", "period"))
        out.append(
            Text(
                t(
                    lang,
                    f"预算内可使 {len(p.selected)} 个社区新达到“通过”（共 {p.eligible_after} 个）：前期投入 {up}，"
                    f"此后每年净支出 {year}，{years} 年净成本 {period}（负数为净节省），见 summary.md",
                    f"Within the budget {len(p.selected)} more communities reach pass ({p.eligible_after} in all): "
                    f"{up} upfront, then {year} a year, {period} over {years} years (negative: a net saving); "
                    "see summary.md",
                ),
                style="bold",
            )
        )
    out.append(
        Text(
            t(
                lang,
                f"符合 {counts['eligible']}，不符合 {counts['not_eligible']}，数据不足 {counts['incomplete']}",
                f"eligible {counts['eligible']}, not eligible {counts['not_eligible']}, "
                f"incomplete {counts['incomplete']}",
            )
        )
    )
    if batch.failures:
        failed = Table(title=t(lang, "未能评估的文件", "Not assessed"), title_justify="left")
        failed.add_column(t(lang, "文件", "File"), overflow="fold")
        failed.add_column(t(lang, "社区", "Community"))
        failed.add_column(t(lang, "原因", "Reason"), overflow="fold")
        for f in batch.failures:
            failed.add_row(Text(f.file), Text(f.community or ""), Text(f.reason(lang)))
        out.append(failed)
    return out


STATE_STYLE = {"missing": "dim", "unreadable": "red", "blank": "yellow", "errors": "red", "ready": "green"}


def status_view(status: Any, lang: str) -> list[Any]:
    """The collection status: one row per roster community, then what is not on the roster."""
    from carbon_cli.campaign.status import state_label

    table = Table(title=t(lang, "收集情况", "Collection status"), title_justify="left")
    add_columns(
        table,
        (
            (t(lang, "社区", "Community"), "left"),
            (t(lang, "街道", "Street"), "left"),
            (t(lang, "状态", "Status"), "left"),
            (t(lang, "错误", "Errors"), "right"),
            (t(lang, "警告", "Warn."), "right"),
            (t(lang, "完整度", "Complete"), "right"),
            (t(lang, "缺少的必填项", "Required missing"), "left"),
        ),
    )
    for row in status.rows:
        filled, total = row.filled
        received = row.state not in ("missing", "unreadable")
        missing = [field_name(k, lang) for k in row.required_missing]
        shown = t(lang, "、", ", ").join(missing[:4]) + (
            t(lang, f" 等 {len(missing)} 项", f" … ({len(missing)})") if len(missing) > 4 else ""
        )
        table.add_row(
            Text(f"{row.member.name}\n{row.member.id}"),
            Text(row.member.street),
            Text(state_label(row.state, lang), style=STATE_STYLE[row.state]),
            str(row.errors) if row.state != "missing" else "",
            str(row.warnings) if received else "",
            f"{100 * filled / total:.0f}%" if received and total else "",
            Text(shown or row.reason),
        )
    out: list[Any] = [table]
    missing_ids = [r.member.id for r in status.rows if r.state == "missing"]
    out.append(
        Text(
            t(
                lang,
                f"名单共 {len(status.rows)} 个社区：已交回 {status.received}（可用 {status.count('ready')}，"
                f"有错误 {status.count('errors')}，空白 {status.count('blank')}，"
                f"无法读取 {status.count('unreadable')}），"
                f"未交回 {len(missing_ids)}" + (f"：{'、'.join(missing_ids)}" if missing_ids else ""),
                f"{len(status.rows)} communities on the roster: {status.received} received (usable "
                f"{status.count('ready')}, with errors {status.count('errors')}, blank {status.count('blank')}, "
                f"unreadable {status.count('unreadable')}), {len(missing_ids)} missing"
                + (f": {', '.join(missing_ids)}" if missing_ids else ""),
            )
        )
    )
    if status.off_roster or status.duplicates or status.unreadable:
        other = Table(
            title=t(lang, "名单外、重复与无法读取", "Off-roster, duplicates, unreadable"), title_justify="left"
        )
        add_columns(
            other,
            (t(lang, "类型", "Kind"), t(lang, "社区", "Community"), t(lang, "文件", "File"), t(lang, "说明", "Detail")),
        )
        for s in status.off_roster:
            other.add_row(
                t(lang, "不在名单上", "not on the roster"), Text(f"{s.name} ({s.community_id})"), Text(s.file), ""
            )
        for key, files in status.duplicates.items():
            other.add_row(t(lang, "重复交回", "surveyed twice"), Text(key), Text("\n".join(files)), "")
        for issue in status.unreadable:
            other.add_row(t(lang, "无法读取", "unreadable"), "", Text(issue.location.file), Text(issue.message(lang)))
        out.append(other)
    if status.roster.issues:
        out.append(issues_table(status.roster.issues, lang, title=t(lang, "名单中的问题", "Roster problems")))
    return out
