"""The collection status `carbon validate --roster` prints: one row a roster community, with the
next step, fitted to the terminal's width; then what is not on the roster."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from carbon_cli.cli.console import add_columns, clip, fitted, issues_table, natural_width, stdout, t, two_lines
from carbon_cli.core.i18n import display_width
from carbon_cli.survey.fields import field_name

STATE_STYLE = {"missing": "dim", "unreadable": "red", "blank": "yellow", "errors": "red", "ready": "green"}
# The states in a word, as the count under the table says them ("已交回" is the header's).
STATE_SHORT = {
    "missing": ("未交回", "missing"),
    "unreadable": ("无法读取", "unreadable"),
    "blank": ("空白", "blank"),
    "errors": ("有错误", "has errors"),
    "ready": ("可用", "usable"),
}


def _status_table(
    status: Any, lang: str, caps: tuple[int, int], step: int, filled: bool = True, names: int = 0
) -> Table:
    """One roster community a row: name over ID, the state in a word, the counts, how complete
    (when `filled`), the next step (wrapped to `step` columns); the missing required fields named
    (or why a form is not counted) in a column `names` wide."""
    from carbon_cli.campaign.status import action_label

    name_cap, street_cap = caps
    table = Table(title=t(lang, "收集情况", "Collection status"), title_justify="left")
    table.add_column(t(lang, "社区", "Community"), no_wrap=True)
    table.add_column(t(lang, "街道", "Street"), no_wrap=True)
    table.add_column(t(lang, "状态", "Status"), no_wrap=True)
    table.add_column(t(lang, "错误", "Err."), justify="right", no_wrap=True)
    table.add_column(t(lang, "警告", "Warn."), justify="right", no_wrap=True)
    table.add_column(t(lang, "缺少\n必填项", "Req.\nmissing"), justify="right", no_wrap=True)
    if filled:
        table.add_column(t(lang, "完整度", "Filled"), justify="right", no_wrap=True)
    table.add_column(t(lang, "下一步", "Next step"), width=step, overflow="fold")
    if names:
        table.add_column(t(lang, "缺少的必填项", "Required fields missing"), width=names, no_wrap=True)
    for row in status.rows:
        done, total = row.filled
        received = row.state not in ("missing", "unreadable")
        cells: list[Any] = [
            Text(f"{clip(row.member.name, max(name_cap, display_width(row.member.id)))}\n{row.member.id}"),
            Text(clip(row.member.street, street_cap)),
            Text(t(lang, *STATE_SHORT[row.state]), style=STATE_STYLE[row.state]),
            str(row.errors) if row.state != "missing" else "",
            str(row.warnings) if received else "",
            str(len(row.required_missing)) if received else "",
            *([f"{100 * done / total:.0f}%" if received and total else ""] if filled else []),
            Text(action_label(row.state, lang)),
        ]
        if names:
            missing = t(lang, "、", ", ").join(field_name(k, lang) for k in row.required_missing)
            cells.append(Text(two_lines(missing or row.reason, names), style="" if missing else "dim"))
        table.add_row(*cells)
    return table


def status_view(status: Any, lang: str, width: int | None = None) -> list[Any]:
    """The collection status: one row per roster community, then what is not on the roster."""
    from carbon_cli.campaign.status import action_label

    width = width or stdout.width
    ids = max((display_width(r.member.id) for r in status.rows), default=0)
    full = max((display_width(action_label(r.state, lang)) for r in status.rows), default=8)
    caps = (max(12, ids), 10)
    for filled in (True, False):  # the next step wraps, then the completeness goes, before a name is cut
        step = full
        table = _status_table(status, lang, caps, step, filled)
        while natural_width(table) > width and step > 12:
            step -= 1
            table = _status_table(status, lang, caps, step, filled)
        if natural_width(table) <= width:
            break
    table, caps = fitted(lambda caps: _status_table(status, lang, caps, step, filled), ids, width)
    room = width - natural_width(table) - 3
    detail = any(r.required_missing or r.reason for r in status.rows)
    if detail and room >= 16:
        table = _status_table(status, lang, caps, step, filled, names=min(room, 60))
    out: list[Any] = [table]
    missing_ids = [r.member.id for r in status.rows if r.state == "missing"]
    waiting = sum(1 for r in status.rows if r.state == "missing" and r.files)
    out.append(
        Text(
            t(
                lang,
                f"名单共 {len(status.rows)} 个社区：已交回 {status.received}（可用 {status.count('ready')}，"
                f"有错误 {status.count('errors')}，空白 {status.count('blank')}，"
                f"无法读取 {status.count('unreadable')}），未交回 {len(missing_ids)}"
                + (f"（其中 {waiting} 份发出的表格尚未填写）" if waiting else "")
                + "。",
                f"{len(status.rows)} communities on the roster: {status.received} received (usable "
                f"{status.count('ready')}, with errors {status.count('errors')}, blank {status.count('blank')}, "
                f"unreadable {status.count('unreadable')}), {len(missing_ids)} missing"
                + (f" ({waiting} of them forms sent out and not filled in yet)" if waiting else "")
                + ".",
            )
        )
    )
    if missing_ids:  # IDs apart by spaces: a long list wraps between them, not inside one
        out.append(Text(t(lang, "未交回：", "Missing: ") + " ".join(missing_ids)))
    if detail and not room >= 16:
        out.append(
            Text(
                t(
                    lang,
                    "缺少的必填项：窗口加宽后列出，也见 -o status.xlsx。",
                    "The required fields missing are listed in a wider window, and in -o status.xlsx.",
                ),
                style="dim",
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
