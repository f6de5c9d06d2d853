"""The district ranking `carbon batch` prints: one row a community, fitted to the terminal's width
(80 columns at the least) without splitting an ID; the details are in the output files."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from carbon_cli.cli.console import (
    VERDICT_STYLE,
    clip,
    fitted,
    natural_width,
    num,
    score_text,
    stdout,
    t,
    two_lines,
)
from carbon_cli.core.i18n import display_width, term


def _ranking_table(batch: Any, lang: str, limit: int, caps: tuple[int, int], names: int = 0) -> Table:
    """The ranking: every cell is one or two lines that never wrap (name over ID, verdict over
    feasibility, cost over the number of measures); names and streets longer than `caps` end in
    "…", an ID is never cut. The measures are named, in a column `names` wide, when it is not 0."""

    name_cap, street_cap = caps
    table = Table(title=t(lang, "社区排名", "Ranking"), title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column(t(lang, "社区", "Community"), no_wrap=True)
    table.add_column(t(lang, "街道", "Street"), no_wrap=True)
    table.add_column(t(lang, "人均\ntCO2e", "tCO2e/\nperson"), justify="right", no_wrap=True)
    table.add_column(t(lang, "得分", "Score"), justify="right", no_wrap=True)
    table.add_column(t(lang, "结论\n可行性", "Verdict\nfeasibility"), no_wrap=True)
    years = next((r.summary["pathway"].get("years") for r in batch.results if r.summary["pathway"]), None) or 10
    table.add_column(
        t(lang, f"通过所需万元\n前期/每年/{years}年", f"To pass, k yuan\nupfront/yr/{years}y"),
        justify="right",
        no_wrap=True,
    )
    if names:
        table.add_column(t(lang, "所需措施", "Measures"), no_wrap=True, width=names, style="dim")
    lines = [g.min_score for g in batch.criteria.grades if g.min_score > 0] if batch.criteria else []
    for r in batch.results[:limit]:
        row = r.summary
        pathway = row["pathway"]
        steps = pathway["measures"] if pathway else []
        community = clip(str(row["name"]), max(name_cap, display_width(str(row["id"]))))
        verdict = Text(
            term(f"{r.verdict}.short", lang) if r.verdict == "eligible" else term(r.verdict, lang),
            style=VERDICT_STYLE[r.verdict],
        )
        if r.row["robust"] is False:  # the verdict depends on assumed figures (summary.md says which)
            verdict.append(" ?", style="bold yellow")
        if r.verdict == "not_eligible" and r.feasibility != "unknown":  # unknown: --no-pathways
            verdict.append("\n" + term(r.feasibility, lang), style="dim")
        to_pass = three_costs(pathway, lang) if steps else "—"
        cells: list[Any] = [
            str(r.rank),
            Text(f"{community}\n{row['id']}"),
            Text(clip(str(row["street"] or ""), street_cap)),
            num(row["per_capita_tco2e"]),
            score_text(row["score"], lines),
            verdict,
            to_pass,
        ]
        if names:
            cells.append(Text(two_lines(t(lang, "、", ", ").join(m["name"] for m in steps), names)))
        table.add_row(*cells)
    return table


def three_costs(pathway: Any, lang: str) -> str:
    """A pathway's upfront, yearly and period cost, one a line, in 万元 (thousand yuan in English):
    never a bare "0" when it has running costs."""

    def short(yuan: Any) -> str:
        if yuan is None:
            return "—"
        return f"{yuan / 1e4:,.1f}" if lang == "zh" else f"{yuan / 1e3:,.0f}k"

    return "\n".join(short(pathway.get(k)) for k in ("upfront_yuan", "annual_net_yuan", "net_cost_yuan"))


def _ranking(batch: Any, lang: str, limit: int, width: int) -> list[Any]:
    """The ranking table, as wide as `width` allows, and how it is ordered."""
    ids = max((display_width(str(r.community_id)) for r in batch.results[:limit]), default=0)
    table, (name_cap, street_cap) = fitted(lambda caps: _ranking_table(batch, lang, limit, caps), ids, width)
    named = any(r.summary["pathway"] and r.summary["pathway"]["measures"] for r in batch.results[:limit])
    room = width - natural_width(table) - 3  # a border and two spaces of padding
    if named and room >= 16:
        table = _ranking_table(batch, lang, limit, (name_cap, street_cap), names=min(room, 60))
    objective = next((r.summary["pathway"]["objective"] for r in batch.results if r.summary["pathway"]), "effort")
    by = t(lang, "评估期全寿命成本由低到高", "life-cycle cost over the period to reach pass, least first")
    if objective == "upfront":
        by = t(
            lang,
            "前期投入（投资减一次性补贴）由低到高",
            "upfront cost to reach pass (capex less one-off subsidies), least first",
        )
    if objective == "effort":
        by = t(lang, "措施工作量由小到大", "effort of the measures to reach pass, least first")
    order = t(lang, f"其余按达到“通过”所需的{by}，再按得分由高到低", f"then by the {by}, then by score")
    if not any(r.summary["pathway"] for r in batch.results):
        order = t(lang, "其余按得分由高到低（未搜索达标路径）", "then by score (no pathways searched)")
    notes = t(lang, f"排序：已符合的社区在前，{order}。", f"Order: eligible communities first, {order}.")
    if any(r.row["robust"] is False for r in batch.results[:limit]):
        notes += t(
            lang,
            "\n? 结论取决于假设取值：某些阈值、分值或排放因子在区间内变到某值即改变结论，详见 summary.md。",
            "\n? the verdict depends on assumed figures: some thresholds, points or factors, at some value"
            " within their ranges, change it; summary.md says which and by how much.",
        )
    if named:
        notes += t(
            lang,
            "\n所需措施、投入与补贴见 summary.md、results.xlsx 和各社区报告。",
            "\nThe measures, their costs and subsidies are in summary.md, results.xlsx and each report.",
        )
    return [table, Text(notes, style="dim")]


def batch_view(batch: Any, lang: str, limit: int = 30, width: int | None = None) -> list[Any]:
    """The batch's terminal view: a ranking that fits `width` columns (the terminal's by
    default), how it is ordered, the budget plan, the counts, what could not be assessed."""
    from carbon_cli.core.i18n import money
    from carbon_cli.outputs.district import verdict_counts

    counts = verdict_counts(batch)
    width = width or stdout.width
    out: list[Any] = []
    if batch.results:
        out += _ranking(batch, lang, limit, width)
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
    compared = getattr(batch, "compared", None)
    if compared is not None and batch.results:
        agree = sum(1 for r in batch.results if r.row["compare_agrees"])
        differ = len(batch.results) - agree
        out.append(
            Text(
                t(
                    lang,
                    f"换用 {compared.id}：结论一致 {agree} 个，不一致 {differ} 个，见 summary.md 与 results.xlsx",
                    f"Under {compared.id}: same verdict for {agree}, different for {differ}; "
                    "see summary.md and results.xlsx",
                )
            )
        )
    progress = getattr(batch, "progress", None)
    if progress is not None:  # --plans over several years: the pilots, as carbon track shows them
        from carbon_cli.cli.console import section_table
        from carbon_cli.monitoring.view import district_sections

        pilots, years = district_sections(progress, lang)
        # 80 columns: ID, verdict, score, measures, planned work done, planned upfront of the measures done
        out.append(section_table(pilots, (0, 2, 4, 5, 6, 9), notes=False))
        out.append(section_table(years, (0, 1, 2, 4, 5)))
        done, planned = money(progress.done_upfront_yuan, lang), money(progress.planned_upfront_yuan, lang)
        colon = "：" if lang == "zh" else ": "
        out.append(Text(f"{term('tracking.done_upfront', lang)}{colon}{done} / {planned}", style="bold"))
    if batch.failures:
        failed = Table(title=t(lang, "未能评估的文件", "Not assessed"), title_justify="left")
        failed.add_column(t(lang, "文件", "File"), overflow="fold")
        failed.add_column(t(lang, "社区", "Community"))
        failed.add_column(t(lang, "原因", "Reason"), overflow="fold")
        for f in batch.failures:
            failed.add_row(Text(f.file), Text(f.community or ""), Text(f.reason(lang)))
        out.append(failed)
    return out
