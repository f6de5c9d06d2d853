"""A tracking as text for people, in Chinese or English: a headline and a few tables of plain
strings. The terminal (Rich) and the Markdown report render the same sections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_cli.core.i18n import money, term
from carbon_cli.survey.fields import field_name

if TYPE_CHECKING:
    from carbon_cli.monitoring.tracking import FieldProgress, MeasureProgress, Tracking

WORDS: dict[str, tuple[str, str]] = {
    "done": ("已完成", "done"),
    "partly": ("部分完成", "partly done"),
    "not_started": ("未开始", "not started"),
    "no_data": ("无数据", "no data"),
    "stable_field_changed": ("应不变的数值变了", "should not change"),
    "name_changed": ("名称变了", "name changed"),
    "id_changed": ("编码变了", "ID changed"),
    "year_jump": ("逐年突变", "jump between years"),
    "verdict.reached": ("已达到{goal}", "reaches {goal}"),
    "verdict.on_course": ("进度正常，有望按期达到{goal}", "on course for {goal}"),
    "verdict.behind": ("进度落后，按期达到{goal}有风险", "behind: {goal} by the acceptance year is at risk"),
    "verdict.missed": ("验收年未达到{goal}", "does not reach {goal} by the acceptance year"),
    "verdict.no_data": ("没有计划基准年及以后的调研数据", "no survey of the plan's base year or later"),
}


def word(key: str, lang: str, **params: Any) -> str:
    zh, en = WORDS.get(key, (key, key))
    return (zh if lang == "zh" else en).format(**params)


def t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def fmt(value: Any, lang: str = "zh") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t(lang, "是" if value else "否", "yes" if value else "no")
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def per_capita(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()


def goal(tracking: Tracking, lang: str) -> str:
    target = tracking.plan.target
    least = tracking.missing.target_score if tracking.missing else tracking.plan.bands.get(target)
    name = term(target, lang)
    return t(lang, f"“{name}”（≥ {least:g} 分）", f"{name} (≥ {least:g} points)") if least is not None else name


def headline(tracking: Tracking, lang: str) -> list[str]:
    plan, latest = tracking.plan, tracking.latest
    lines = [
        f"{tracking.history.name} ({plan.community_id})",
        t(
            lang,
            f"计划：以 {plan.base_year} 年为基准，{plan.made_on} 制定，目标{goal(tracking, lang)}，"
            f"{plan.acceptance_year} 年验收；{len(plan.measures)} 项措施",
            f"Plan: base year {plan.base_year}, made {plan.made_on}, target {goal(tracking, lang)}, "
            f"acceptance {plan.acceptance_year}; {len(plan.measures)} measures",
        ),
    ]
    verdict = word(f"verdict.{tracking.verdict}", lang, goal=goal(tracking, lang))
    if latest is None:
        return [*lines, verdict]
    a = latest.assessment
    counts = {s: sum(1 for m in latest.measures if m.status == s) for s in ("done", "partly", "not_started", "no_data")}
    done = t(
        lang,
        f"措施：已完成 {counts['done']} 项，部分完成 {counts['partly']} 项，未开始 {counts['not_started']} 项"
        + (f"，无数据 {counts['no_data']} 项" if counts["no_data"] else ""),
        f"Measures: {counts['done']} done, {counts['partly']} partly done, {counts['not_started']} not started"
        + (f", {counts['no_data']} without data" if counts["no_data"] else ""),
    )
    work = t(
        lang,
        f"计划工作完成 {pct(latest.work_share)}（建设期已过 {pct(tracking.elapsed_share)}）",
        f"planned work done {pct(latest.work_share)} ({pct(tracking.elapsed_share)} of the build period gone)",
    )
    state = t(
        lang,
        f"{latest.year} 年：{score(a.score)} 分，{term(a.verdict, lang)}",
        f"{latest.year}: {score(a.score)} points, {term(a.verdict, lang)}",
    )
    short = ""
    retry = ""
    if tracking.verdict == "missed":
        again = plan.acceptance_year + int(tracking.rules.retry_years.value)
        retry = t(
            lang,
            f"验收未通过的试点可在 {again} 年再验收一次（再不通过即取消试点资格）：下表所缺须在此前补上",
            f"A pilot failing acceptance may be accepted once more in {again} (a second failure ends the pilot): "
            "what the table below lists is due by then",
        )
    if tracking.missing and tracking.missing.points > 0:
        short = t(
            lang, f"，距目标还差 {tracking.missing.points:.1f} 分", f", {tracking.missing.points:.1f} points short"
        )
    return [
        *lines,
        t(lang, f"结论：{verdict}", f"Verdict: {verdict}"),
        state + short,
        done + t(lang, "；", "; ") + work,
        *([retry] if retry else []),
    ]


def _evidence(fp: FieldProgress, lang: str) -> str:
    name = field_name(fp.field, lang)
    text = t(
        lang,
        f"{name}：{fmt(fp.before, lang)} → {fmt(fp.observed, lang)}（计划 {fmt(fp.planned, lang)}）",
        f"{name}: {fmt(fp.before, lang)} → {fmt(fp.observed, lang)} (planned {fmt(fp.planned, lang)})",
    )
    if fp.shared:
        text += t(lang, "，扣除其他措施的影响", ", net of the other measures")
    return text


def measures_section(tracking: Tracking, lang: str) -> Section:
    latest = tracking.latest
    year = latest.year if latest else tracking.plan.base_year
    rows = []
    for m in latest.measures if latest else ():
        rows.append(
            (
                m.measure.key,
                m.measure.label(lang),
                word(m.status, lang),
                pct(m.share),
                "\n".join(_evidence(f, lang) for f in m.fields),
            )
        )
    return Section(
        t(lang, f"措施进展（{year} 年调研表所示）", f"Measures as the {year} survey shows them"),
        (
            "",
            t(lang, "措施", "Measure"),
            t(lang, "状态", "Status"),
            t(lang, "进度", "Progress"),
            t(lang, "依据（字段：基准 → 实测）", "Evidence (field: base → surveyed)"),
        ),
        tuple(rows),
    )


def years_section(tracking: Tracking, lang: str) -> Section:
    rows = []
    for y in tracking.years:
        a, e = y.assessment, y.expected
        rows.append(
            (
                str(y.year),
                score(a.score),
                score(e.score) if e else "—",
                fmt(a.inventory.net_tco2e, lang),
                fmt(e.net_tco2e, lang) if e else "—",
                per_capita(a.inventory.per_capita_tco2e),
                term(a.grade, lang),
                pct(y.work_share),
            )
        )
    return Section(
        t(lang, "逐年得分与排放（对照计划轨迹）", "Score and emissions by year, against the plan"),
        (
            t(lang, "年份", "Year"),
            t(lang, "得分", "Score"),
            t(lang, "计划得分", "Planned"),
            t(lang, "净排放 tCO2e", "Net tCO2e"),
            t(lang, "计划净排放", "Planned net"),
            t(lang, "人均 tCO2e", "Per capita"),
            t(lang, "等级", "Grade"),
            t(lang, "计划工作完成", "Work done"),
        ),
        tuple(rows),
        (
            t(
                lang,
                f"每年均以 {tracking.history.baseline_year} 年为基准年评价；计划轨迹为基准年到验收年的直线。",
                f"Every year is assessed against {tracking.history.baseline_year} as its baseline; the planned "
                "trajectory is a straight line from the base year to the acceptance year.",
            ),
        ),
    )


def _remaining(m: MeasureProgress, lang: str) -> str:
    parts = []
    for f in m.fields:
        if f.share is not None and f.share >= 1:
            continue
        parts.append(
            t(
                lang,
                f"{field_name(f.field, lang)} 应达 {fmt(f.planned, lang)}，现为 {fmt(f.observed, lang)}",
                f"{field_name(f.field, lang)} should reach {fmt(f.planned, lang)}, now {fmt(f.observed, lang)}",
            )
        )
    return "\n".join(parts)


def missing_section(tracking: Tracking, lang: str) -> Section | None:
    missing = tracking.missing
    if missing is None:
        return None
    rows = []
    for m in missing.measures:
        cost = (m.measure.cost or {}).get("upfront_yuan")
        yearly = (m.measure.cost or {}).get("annual_net_yuan")
        rows.append(
            (
                m.measure.key,
                t(
                    lang,
                    f"{m.measure.label(lang)}（{word(m.status, lang)}）",
                    f"{m.measure.label(lang)} ({word(m.status, lang)})",
                ),
                _remaining(m, lang),
                f"+{m.measure.points_gained:.1f}",
                money(cost, lang) if cost is not None else "—",
                money(yearly, lang) if yearly is not None else "—",
            )
        )
    for c in missing.controls:
        rows.append(
            (
                c.criterion.key,
                c.criterion.label(lang),
                t(lang, f"控制项{term(c.status, lang)}", f"control item: {term(c.status, lang)}"),
                "",
                "",
                "",
            )
        )
    if missing.points > 0:
        rows.append(
            (
                "",
                t(lang, "得分", "Score"),
                t(
                    lang,
                    f"还差 {missing.points:.1f} 分达到 {missing.target_score:g} 分",
                    f"{missing.points:.1f} points short of {missing.target_score:g}",
                ),
                "",
                "",
                "",
            )
        )
    return Section(
        t(lang, "尚缺", "Still missing"),
        (
            "",
            t(lang, "项目", "Item"),
            t(lang, "还需要", "What it takes"),
            t(lang, "计划加分", "Planned points"),
            t(lang, "计划前期投入", "Planned upfront"),
            t(lang, "计划每年净支出", "Planned net a year"),
        ),
        tuple(rows),
        (
            t(
                lang,
                "计划加分、前期投入与每年净支出为制定计划时的估算（按计划顺序逐项实施；每年净支出为负即每年净节省）。",
                "Planned points, upfront and yearly net costs are the plan's estimates (measures taken in the plan's "
                "order; a negative yearly net cost is a saving).",
            ),
        ),
    )


def warnings_section(tracking: Tracking, lang: str) -> Section | None:
    if not tracking.history.findings:
        return None
    rows = tuple((word(f.code, lang), f.message(lang)) for f in tracking.history.findings)
    return Section(
        t(lang, "数据一致性警告", "Consistency warnings"), (t(lang, "类型", "Kind"), t(lang, "说明", "Detail")), rows
    )


def rules_section(tracking: Tracking, lang: str) -> Section:
    rows = tuple(
        (key, fmt(th.value, lang), th.unit, term(th.status, lang), th.source)
        for key, th in tracking.rules.thresholds().items()
    )
    return Section(
        t(lang, "判断依据（data/monitoring.toml）", "Rules used (data/monitoring.toml)"),
        (
            t(lang, "规则", "Rule"),
            t(lang, "取值", "Value"),
            t(lang, "单位", "Unit"),
            t(lang, "状态", "Status"),
            t(lang, "来源", "Source"),
        ),
        rows,
    )


def sections(tracking: Tracking, lang: str, rules: bool = False) -> list[Section]:
    found = [measures_section(tracking, lang), years_section(tracking, lang)]
    for extra in (missing_section(tracking, lang), warnings_section(tracking, lang)):
        if extra is not None:
            found.append(extra)
    if rules:
        found.append(rules_section(tracking, lang))
    return found


def not_found_line(plan: Any, lang: str) -> str:
    where = Path(plan.file).name if plan.file else plan.community_id
    return t(
        lang,
        f"{plan.community_id}（计划 {where}）：调研表中没有这个社区",
        f"{plan.community_id} (plan {where}): no survey of this community",
    )


SHORT: dict[str, tuple[str, str]] = {
    "reached": ("已达到", "reached"),
    "on_course": ("进度正常", "on course"),
    "behind": ("落后", "behind"),
    "missed": ("验收年未达到", "missed"),
    "no_data": ("无数据", "no data"),
}


def short_verdict(verdict: str, lang: str) -> str:
    zh, en = SHORT.get(verdict, (verdict, verdict))
    return zh if lang == "zh" else en


def district_sections(progress: Any, lang: str) -> list[Section]:
    """The pilots side by side, and the district's emissions by year (a DistrictProgress)."""
    rows = []
    for p in progress.pilots:
        rows.append(
            (
                p.community_id,
                p.name,
                short_verdict(p.verdict, lang),
                str(p.latest_year) if p.latest_year else "—",
                score(p.score),
                t(
                    lang,
                    f"{p.done}/{p.measures} 完成，{p.partly} 部分",
                    f"{p.done}/{p.measures} done, {p.partly} partly",
                ),
                pct(p.work_share),
                money(p.planned_upfront_yuan, lang),
                money(p.spent_estimate_yuan, lang),
                money(p.done_upfront_yuan, lang),
            )
        )
    counts = progress.by_verdict
    summary = t(
        lang,
        "、".join(f"{short_verdict(v, 'zh')} {counts[v]} 个" for v in SHORT if v in counts),
        ", ".join(f"{counts[v]} {short_verdict(v, 'en')}" for v in SHORT if v in counts),
    )
    spend = t(
        lang,
        f"计划前期投入合计 {money(progress.planned_upfront_yuan, lang)}，按进度估算已投入 "
        f"{money(progress.spent_estimate_yuan, lang)}（措施前期投入 × 调研表所示进度，并非实际支出记录）",
        f"Planned upfront in all {money(progress.planned_upfront_yuan, lang)}; spent so far by progress, an estimate: "
        f"{money(progress.spent_estimate_yuan, lang)} (each measure's upfront × its progress; "
        "not an account of payments)",
    )
    pilots = Section(
        t(
            lang,
            f"全区试点进展（{len(progress.pilots)} 个试点：{summary}）",
            f"Pilots ({len(progress.pilots)}: {summary})",
        ),
        (
            "",
            t(lang, "社区", "Community"),
            t(lang, "结论", "Verdict"),
            t(lang, "最新年份", "Latest year"),
            t(lang, "得分", "Score"),
            t(lang, "措施", "Measures"),
            t(lang, "计划工作完成", "Work done"),
            t(lang, "计划前期投入", "Planned upfront"),
            t(lang, "估算已投入", "Spent (estimate)"),
            term("tracking.done_upfront", lang),
        ),
        tuple(rows),
        (spend,),
    )
    years = Section(
        t(lang, "全区逐年排放", "The district's emissions by year"),
        (
            t(lang, "年份", "Year"),
            t(lang, "调研社区数", "Communities"),
            t(lang, "净排放 tCO2e", "Net tCO2e"),
            t(lang, "其中试点", "Pilots"),
            t(lang, "试点净排放", "Pilots' net"),
            t(lang, "试点计划净排放", "Pilots' planned net"),
        ),
        tuple(
            (
                str(y.year),
                str(y.communities),
                fmt(float(y.net_tco2e), lang),
                str(y.pilots),
                fmt(float(y.pilots_net_tco2e), lang) if y.pilots else "—",
                fmt(float(y.pilots_planned_net_tco2e), lang) if y.pilots_planned_net_tco2e is not None else "—",
            )
            for y in progress.years
        ),
        (
            t(
                lang,
                "各年调研的社区数不同时，合计不可直接比较。",
                "Where the number of communities surveyed differs between years, the totals do not compare.",
            ),
        ),
    )
    return [pilots, years]
