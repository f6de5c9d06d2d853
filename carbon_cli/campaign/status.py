"""Collection status: for every community on the roster, whether its survey came back and how
usable it is (errors, warnings, required fields missing, completeness by topic); surveys of
communities not on the roster, communities surveyed twice, and files that could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon_cli.campaign.roster import Member, Roster, form_name
from carbon_cli.survey.fields import dictionary, field_name
from carbon_cli.survey.issues import Issue
from carbon_cli.survey.model import Survey

# A roster community's state, from worst to best.
STATES = ("missing", "unreadable", "blank", "errors", "ready")
STATE_WORDS = {
    "missing": ("未交回", "missing"),
    "unreadable": ("已交回，无法读取", "received, unreadable"),
    "blank": ("已交回，空白", "received, blank"),
    "errors": ("已交回，有错误", "received, has errors"),
    "ready": ("已交回，可用", "received, usable"),
}


# What the coordinator does next, by state.
ACTIONS = {
    "missing": ("催交", "chase up"),
    "unreadable": ("请对方另存为 .xlsx 重发", "ask for the survey again, saved as .xlsx"),
    "blank": ("退回填写", "send back to be filled in"),
    "errors": ("退回修改（附标注副本）", "send back the marked copy to fix"),
    "ready": ("可以评价", "ready to assess"),
}


def state_label(state: str, lang: str) -> str:
    zh, en = STATE_WORDS[state]
    return zh if lang == "zh" else en


def action_label(state: str, lang: str) -> str:
    zh, en = ACTIONS[state]
    return zh if lang == "zh" else en


@dataclass
class Row:
    """One roster community's collection status."""

    member: Member
    state: str
    files: list[str] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    required_missing: list[str] = field(default_factory=list)  # field keys
    completeness: dict[str, tuple[int, int]] = field(default_factory=dict)  # topic → (filled, fields)
    reason: str = ""  # why an unreadable file could not be read

    @property
    def filled(self) -> tuple[int, int]:
        values = self.completeness.values()
        return sum(f for f, _ in values), sum(t for _, t in values)

    def to_dict(self, lang: str) -> dict[str, Any]:
        filled, total = self.filled
        return {
            "community_id": self.member.id,
            "community_name": self.member.name,
            "street": self.member.street,
            "contact": self.member.contact,
            "state": self.state,
            "state_label": state_label(self.state, lang),
            "action": action_label(self.state, lang),
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "required_missing": self.required_missing,
            "required_missing_names": [field_name(k, lang) for k in self.required_missing],
            "completeness": {topic: {"filled": f, "fields": t} for topic, (f, t) in self.completeness.items()},
            "completeness_pct": round(100 * filled / total, 1) if total else None,
            "reason": self.reason or None,
        }


@dataclass(frozen=True)
class Stray:
    """A survey of a community not on the roster."""

    community_id: str
    name: str
    file: str


@dataclass
class CollectionStatus:
    roster: Roster
    rows: list[Row]
    off_roster: list[Stray]
    duplicates: dict[str, list[str]]  # community ID → the files it was found in
    unreadable: list[Issue]  # files that could not be read and belong to no roster community

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def received(self) -> int:
        return len(self.rows) - self.count("missing")

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "roster": self.roster.file,
            "communities": len(self.rows),
            "received": self.received,
            "states": {state: self.count(state) for state in STATES},
            "rows": [r.to_dict(lang) for r in self.rows],
            "off_roster": [
                {"community_id": s.community_id, "community_name": s.name, "file": s.file} for s in self.off_roster
            ],
            "duplicates": [{"community_id": k, "files": v} for k, v in self.duplicates.items()],
            "unreadable": [i.to_dict(lang) for i in self.unreadable],
            "roster_issues": [i.to_dict(lang) for i in self.roster.issues],
        }


def completeness(survey: Survey) -> dict[str, tuple[int, int]]:
    """Per topic: assessment-year fields with a value, of the topic's fields."""
    fields = dictionary()
    return {
        topic.key: (
            sum(1 for f in fields.by_topic(topic.key) if f.key in survey.assessment),
            len(fields.by_topic(topic.key)),
        )
        for topic in fields.topics
    }


def _row(member: Member, survey: Survey, files: list[str]) -> Row:
    errors = [i for i in survey.issues if i.is_error]
    state = "blank" if survey.is_blank else "errors" if errors else "ready"
    if survey.is_blank:  # one finding says so, but every required field is missing
        missing = [f.key for f in dictionary().required if f.key not in survey.assessment]
    else:
        missing = [i.field for i in survey.issues if i.code == "missing_required" and i.field]
    return Row(member, state, files, len(errors), len(survey.issues) - len(errors), missing, completeness(survey))


UNTOUCHED = ("表格与发出时相同，尚未填写", "the form is as it was sent out: not filled in yet")


def collection_status(roster: Roster, files: list[Any], lang: str = "zh") -> CollectionStatus:
    """The status of every roster community from validated files (`validation.FileResult`). A
    form nobody has filled in (`forms.is_untouched`) is not a survey returned: its community is
    missing, the form named, unless a survey of it was returned in another file."""
    from carbon_cli.campaign.returned import is_untouched

    found: dict[str, list[tuple[Survey, str]]] = {}
    untouched: dict[str, list[tuple[Survey, str]]] = {}
    unreadable: list[Issue] = []
    unreadable_by_stem: dict[str, Issue] = {}
    for result in files:
        if result.layout is None:
            issue = result.issues[0] if result.issues else None
            if issue is not None:
                unreadable_by_stem.setdefault(Path(result.file).stem, issue)
                unreadable.append(issue)
            continue
        for survey in result.surveys:
            if is_untouched(survey):
                untouched.setdefault(survey.community_id, []).append((survey, result.file))
            else:
                found.setdefault(survey.community_id, []).append((survey, result.file))
    by_name = {m.name: m.id for m in roster.members}
    for key in list(found):  # a survey whose ID is not on the roster but whose name is
        if roster.find(key) is None and key not in by_name.values():
            names = {s.name for s, _ in found[key]}
            ids = {by_name[n] for n in names if n in by_name}
            if len(ids) == 1:
                found.setdefault(ids.pop(), []).extend(found.pop(key))
    rows = []
    claimed: set[int] = set()
    for member in roster.members:
        surveys = found.get(member.id, [])
        if surveys:
            survey, _ = surveys[0]
            rows.append(_row(member, survey, [f for _, f in surveys]))
        elif member.id in unreadable_by_stem or _stem(member.id) in unreadable_by_stem:
            issue = unreadable_by_stem.get(member.id) or unreadable_by_stem[_stem(member.id)]
            claimed.add(id(issue))
            rows.append(Row(member, "unreadable", [issue.location.file], 1, reason=issue.message(lang)))
        elif member.id in untouched:
            files = [f for _, f in untouched[member.id]]
            rows.append(Row(member, "missing", files, reason=UNTOUCHED[lang != "zh"]))
        else:
            rows.append(Row(member, "missing"))
    on_roster = {m.id for m in roster.members}
    off = [
        Stray(key, s.name, f)
        for key, entries in [*found.items(), *untouched.items()]
        if key not in on_roster
        for s, f in entries
    ]
    duplicates = {key: [f for _, f in entries] for key, entries in found.items() if len(entries) > 1}
    return CollectionStatus(roster, rows, off, duplicates, [i for i in unreadable if id(i) not in claimed])


def _stem(community_id: str) -> str:
    return Path(form_name(community_id)).stem


PERCENT_FROM = 10  # the completeness columns: overall, then one per topic
STATE_FILLS = {"missing": "D9D9D9", "unreadable": "FFC7CE", "blank": "FFEB9C", "errors": "FFC7CE", "ready": "C6EFCE"}


def status_workbook(status: CollectionStatus, lang: str = "zh") -> bytes:
    """The collection status as a workbook a coordinator sorts and filters: one row per roster
    community on the first sheet; off-roster, duplicate and unreadable files on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    from carbon_cli.campaign.annotate import text_cell
    from carbon_cli.core.fileio import workbook_bytes

    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    topics = dictionary().topics
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new Workbook starts with one worksheet, active
    ws.title = t("收集情况", "Collection status")
    headers: list[tuple[str, int]] = [
        (t("社区编码", "Community ID"), 12),
        (t("社区名称", "Community"), 14),
        (t("所属街道", "Sub-district"), 12),
        (t("联系人", "Contact"), 10),
        (t("状态", "Status"), 16),
        (t("下一步", "Next step"), 22),
        (t("错误", "Errors"), 7),
        (t("警告", "Warnings"), 9),
        (t("缺必填项", "Required missing"), 9),
        (t("完整度", "Complete"), 9),
        *((topic.label(lang), 8) for topic in topics),
        (t("缺少的必填项", "Required fields missing"), 40),
        (t("文件", "File"), 22),
    ]
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for col, (text, width) in enumerate(headers, 1):
        cell = text_cell(ws, 1, col, text)
        cell.font, cell.fill = bold, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[cell.column_letter].width = width
    for r, row in enumerate(status.rows, 2):
        filled, total = row.filled
        received = row.state not in ("missing", "unreadable")
        values: list[Any] = [
            row.member.id,
            row.member.name,
            row.member.street,
            row.member.contact or None,
            state_label(row.state, lang),
            action_label(row.state, lang),
            row.errors if row.state != "missing" else None,
            row.warnings if received else None,
            len(row.required_missing) if received else None,
            filled / total if received and total else None,
            *(
                (row.completeness[topic.key][0] / row.completeness[topic.key][1]) if received else None
                for topic in topics
            ),
            t("、", ", ").join(field_name(k, lang) for k in row.required_missing) or row.reason or None,
            "\n".join(Path(f).name for f in row.files) or None,
        ]
        for col, value in enumerate(values, 1):
            cell = text_cell(ws, r, col, value)
            cell.alignment = Alignment(vertical="top", wrap_text=col >= len(headers) - 1)
            if PERCENT_FROM <= col < PERCENT_FROM + 1 + len(topics):
                cell.number_format = "0%"
        ws.cell(r, 5).fill = PatternFill("solid", fgColor=STATE_FILLS[row.state])
        wrapped = max(len(row.files), -(-len(str(values[-2] or "")) // 19))  # the wrapped columns
        ws.row_dimensions[r].height = 15 * max(1, wrapped)
    last = len(status.rows) + 1
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"
    ws.row_dimensions[1].height = 32
    _landscape(ws)
    ws.print_title_rows = "1:1"

    other = wb.create_sheet(t("名单外、重复与无法读取", "Off-roster, duplicates, unreadable"))
    other_headers = [
        (t("类型", "Kind"), 16),
        (t("社区编码", "Community ID"), 14),
        (t("社区名称", "Community"), 16),
        (t("文件", "File"), 40),
        (t("说明", "Detail"), 70),
    ]
    for col, (text, width) in enumerate(other_headers, 1):
        cell = text_cell(other, 1, col, text)
        cell.font, cell.fill = bold, header_fill
        other.column_dimensions[cell.column_letter].width = width
    lines: list[tuple[Any, ...]] = [
        (t("不在名单上", "not on the roster"), s.community_id, s.name, s.file, None) for s in status.off_roster
    ]
    lines += [
        (t("重复交回", "surveyed twice"), key, None, "\n".join(files), t("同一社区有多份调研", "more than one survey"))
        for key, files in status.duplicates.items()
    ]
    lines += [(t("无法读取", "unreadable"), None, None, i.location.file, i.message(lang)) for i in status.unreadable]
    lines += [
        (t("名单问题", "roster problem"), i.community, None, i.location.describe(), i.message(lang))
        for i in status.roster.issues
    ]
    for r, line in enumerate(lines, 2):
        for col, value in enumerate(line, 1):
            text_cell(other, r, col, value).alignment = Alignment(vertical="top", wrap_text=True)
    other.freeze_panes = "A2"
    other.auto_filter.ref = f"A1:E{max(2, len(lines) + 1)}"
    _landscape(other)
    return workbook_bytes(wb)


def _landscape(ws: Any) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
