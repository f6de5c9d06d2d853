"""Rich rendering for the terminal: issue tables, the assessment view, errors on stderr."""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import display_width, term
from carbon_cli.survey.fields import field_name
from carbon_cli.survey.issues import InputError, Issue

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import IO

    from carbon_cli.scoring.assessment import Assessment
    from carbon_cli.survey.container import Limits
    from carbon_cli.survey.model import Survey

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


def keep_keys_whole(table: Table, column: int, keys: Any, cap: int = 40) -> None:
    """A key is one word: its column is never narrower than the longest key (up to `cap`), so that
    (water_supply_m3) is not folded into "(water_supply_m" and "3)"."""
    table.columns[column].min_width = min(max(map(display_width, keys), default=0), cap)


def section_table(section: Any, columns: tuple[int, ...] | None = None, notes: bool = True) -> Table:
    """A titled table of plain strings (a monitoring.view Section), its notes as the caption;
    only the `columns` given (by position), the first never wrapped (an ID), when given."""
    keep = columns if columns is not None else tuple(range(len(section.headers)))
    caption = "\n".join(section.notes) if notes and section.notes else None
    table = Table(title=section.title, title_justify="left", caption=caption, caption_justify="left")
    for i in keep:
        table.add_column(section.headers[i], overflow="fold", no_wrap=columns is not None and i == keep[0])
    for row in section.rows:
        table.add_row(*(row[i] for i in keep))
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
    keep_keys_whole(table, 3, [f"({i.field})" for i in issues if i.field and i.field_name(lang) != i.field])
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
            Text(issue.message(lang, beside_field=True)),  # the 字段 column names the field
        )
    return table


def assessment_view(a: Assessment, lang: str) -> list[Any]:
    """The terminal view of an assessment: verdict panel, inventory, controls, indicators."""
    ev, s = a.evaluation, a.survey
    verdict = term(a.verdict, lang)
    colon = t(lang, "：", ": ")
    lines = [
        Text.assemble((f"{s.name} ({s.community_id})", "bold"), f"  {s.assessment.get('street') or ''}"),
        Text.assemble(
            (f"{t(lang, '结论', 'Verdict')}{colon}{verdict}", VERDICT_STYLE[a.verdict]),
            f"   {t(lang, '得分', 'Score')}{colon}{score_text(ev.score, grade_lines(a))} / 100"
            f"   {t(lang, '等级', 'Grade')}{colon}{ev.grade.label(lang)}",
        ),
    ]
    pc = a.inventory.per_capita_tco2e
    lines.append(
        Text(
            f"{t(lang, '净排放', 'Net emissions')}{colon}{num(a.inventory.net_tco2e)} tCO2e   "
            f"{t(lang, '人均', 'Per capita')}{colon}{num(pc)} tCO2e   "
            f"{t(lang, '评价年', 'Year')}{colon}{s.assessment_year or '—'}"
            + (f"   {t(lang, '基准年', 'Baseline')}{colon}{s.baseline_year}" if s.baseline_year else "")
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
        lines.append(Text(f"{t(lang, '未满足控制项', 'Failed controls')}{colon}{names}", style="red"))
    if ev.fields_to_collect:
        lines.append(
            Text(
                f"{t(lang, '需补充数据', 'Data to collect')}{colon}"
                + t(lang, "、", ", ").join(field_name(k, lang) for k in ev.fields_to_collect),
                style="yellow",
            )
        )
    firm = a.robustness  # the sentence says robust, or which figures flip the verdict and where
    if firm is not None:
        text = firm.describe(lang)
        lines.append(Text(text[:1].upper() + text[1:], style="" if firm.robust else "yellow"))
    if a.changes:
        changed = ", ".join(f"{k}={v}" for k, v in a.changes.items())
        lines.append(Text(f"{t(lang, '假设变更', 'What-if changes')}{colon}{changed}", style="cyan"))
    panel = Panel(
        Text("\n").join(lines),
        title=t(lang, "近零碳社区评价", "Near-zero-carbon community assessment"),
        border_style=VERDICT_STYLE[a.verdict].split()[-1],
    )
    shown: list[Any] = [panel, inventory_table(a, lang)]
    if a.criteria.controls:
        shown.append(controls_table(a, lang))
    shown.append(indicators_table(a, lang))
    if a.criteria.not_assessable:  # the set's indicators no survey field measures: named, never scored
        shown.append(
            Text(
                t(lang, "不可评价（调研未采集，不计分）：", "Not assessable (not collected, not scored): ")
                + t(lang, "；", "; ").join(
                    f"{x.label(lang)}（{x.reason(lang)}）" if lang == "zh" else f"{x.label(lang)} ({x.reason(lang)})"
                    for x in a.criteria.not_assessable
                ),
                style="yellow",
            )
        )
    return shown


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
            row.append(f"{base.sources[line.key]:,.1f}")
        row += [f"{line.tco2e:,.1f}", f"{100 * line.tco2e / gross:.1f}%"]
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
        digits = 3 if "人" in label or "capita" in label else 1  # tonnes to 0.1, per person to 0.001
        if base:
            row.append("—" if base_value is None else f"{base_value:,.{digits}f}")
        row += ["—" if now_value is None else f"{now_value:,.{digits}f}", ""]
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
    if unit == "%":  # percentage points to one decimal, as the percentages are
        return f"{sign}{value_text(gap.distance, '%', lang).rstrip('%')} {t(lang, '个百分点', 'pp')}"
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
            "met": (
                t(lang, "是", "yes")
                if c.comparison == "is_true"
                else f"{'≤' if c.lower_is_better else '≥'} {value_text(c.target, unit, lang)}"
            ),
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


# --- fitting text and tables to a terminal's width ----------------------------------------


def clip(text: str, width: int) -> str:
    """`text` cut to `width` terminal columns, ending in "…" when cut."""
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def two_lines(text: str, width: int) -> str:
    """`text` wrapped to at most two lines of `width` columns; what does not fit ends in "…"."""
    lines = [line.plain.rstrip() for line in Text(text).wrap(Console(width=width, file=io.StringIO()), width)]
    if len(lines) > 2:
        last = lines[1] + "…"
        lines = [lines[0], last if display_width(last) <= width else clip(lines[1], width)]
    return "\n".join(lines)


def natural_width(table: Table) -> int:
    from rich.measure import Measurement

    probe = Console(width=1000, file=io.StringIO())
    return Measurement.get(probe, probe.options, table).maximum


def fitted(build: Any, ids: int, width: int) -> tuple[Table, tuple[int, int]]:
    """The table `build((name_cap, street_cap))` makes, names and streets cut until it fits
    `width` columns; an ID is never cut."""
    name_cap, street_cap = max(12, ids), 10
    table = build((name_cap, street_cap))
    while natural_width(table) > width:
        if name_cap > max(ids, 6) and name_cap >= street_cap:
            name_cap -= 1
        elif street_cap > 4:
            street_cap -= 1
        else:
            break
        table = build((name_cap, street_cap))
    return table, (name_cap, street_cap)


# --- what several commands do the same way ------------------------------------------------


def load_for_assessment(path: Path, community: str | None, year: int | None, limits: Limits, lang: str) -> Survey:
    """Read the survey to assess; stop with every blocking error listed when there are any."""
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


def write_chunks_or_print(chunks: Iterable[str], output: Path | None, inputs: list[Path]) -> None:
    """`write_or_print` of a text made in pieces (a large JSON document), written as it is made
    instead of joined first; to a file atomically, as `write_or_print`."""
    from carbon_cli.core.fileio import atomic_write, guard_inputs

    def blocks() -> Iterator[str]:  # of about 256 K characters: a chunk can be a pilot's whole tracking
        block: list[str] = []
        size = 0
        for chunk in chunks:
            block.append(chunk)
            size += len(chunk)
            if size >= 1 << 18:
                yield "".join(block)
                block.clear()
                size = 0
        yield "".join(block)

    if output is None:
        for text in blocks():
            stdout.file.write(text)
        stdout.file.flush()
        return
    guard_inputs(output, inputs)

    def write(f: IO[bytes]) -> None:
        for text in blocks():
            f.write(text.encode("utf-8"))

    atomic_write(output, write)


def write_or_print(text: str | bytes, output: Path | None, inputs: list[Path]) -> None:
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
