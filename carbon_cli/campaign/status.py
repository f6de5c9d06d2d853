"""Collection status: for every community on the roster, whether its survey came back and how
usable it is (errors, warnings, required fields missing, completeness by topic); surveys of
communities not on the roster, communities surveyed twice, and files that could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon_cli.campaign.roster import Member, Roster, form_name
from carbon_cli.core.i18n import display_width
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


# What each state means, for the legend under the status table.
MEANINGS = {
    "missing": (
        "没有收到该社区的调研表。发出后原样未动、尚未填写的表格也算未交回（“文件”列写明是哪份）。",
        "No survey has come back. A form returned exactly as it was sent out, nothing filled in, counts as "
        "missing too (the File column names it).",
    ),
    "unreadable": (
        "收到了文件，但读不出来（损坏、加密或不是工作簿），原因写在“缺少的必填项”列。",
        "A file came back but cannot be read (damaged, encrypted or not a workbook); the reason is in the "
        "Required fields missing column.",
    ),
    "blank": (
        "交回的表格里必填项一个也没有填：“缺必填项”是全部必填项的数目。",
        "The survey came back with none of its required fields filled in: Required missing counts all of them.",
    ),
    "errors": (
        "表中有错误（如数值超出合理范围、单位不符），改正后才能评价；标注副本中红色格子就是错误所在。",
        "The survey has errors (a value out of its plausible range, a wrong unit) that must be fixed before it "
        "can be assessed; red cells in the marked copy show where.",
    ),
    "ready": (
        "没有错误，可以评价；有警告的，请核实后再用。",
        "No errors: it can be assessed; check any warnings first.",
    ),
}
NEXT_STEP = (
    "“下一步”是协调人对该社区要做的事，按状态而定，如上。",
    "Next step: what the coordinator does about the community, by its status, as above.",
)


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
    as_of: str | None = None  # the ISO day the status was taken

    @property
    def district(self) -> str:
        """The roster's district, when all of its communities are in one."""
        districts = {m.district for m in self.roster.members}
        return districts.pop() if len(districts) == 1 else ""

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def received(self) -> int:
        return len(self.rows) - self.count("missing")

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "roster": self.roster.file,
            "as_of": self.as_of,
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


def collection_status(roster: Roster, files: list[Any], lang: str = "zh", as_of: str | None = None) -> CollectionStatus:
    """The status of every roster community from validated files (`validation.FileResult`), as
    on the ISO day `as_of`. A form nobody has filled in (`forms.is_untouched`) is not a survey
    returned: its community is missing, the form named, unless a survey of it was returned in
    another file."""
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
    return CollectionStatus(roster, rows, off, duplicates, [i for i in unreadable if id(i) not in claimed], as_of)


def _stem(community_id: str) -> str:
    return Path(form_name(community_id)).stem


PERCENT_FROM = 10  # the completeness columns: overall, then one per topic
STATE_FILLS = {"missing": "D9D9D9", "unreadable": "FFC7CE", "blank": "FFEB9C", "errors": "FFC7CE", "ready": "C6EFCE"}


HEADER_ROW = 4  # under the title and the line saying when and from which roster


def status_workbook(status: CollectionStatus, lang: str = "zh") -> bytes:
    """The collection status as a workbook a coordinator sorts, filters and prints: on the first
    sheet a title, the day it was taken and the roster, one row per roster community, and under
    the table a legend of the states and the next step; off-roster, duplicate and unreadable
    files on the second."""
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
    headers = [(text, _whole_words(text, width)) for text, width in headers]  # two lines of header
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    title = t("调研表回收情况", "Survey collection status")
    if status.district:
        title = f"{status.district}{title}" if lang == "zh" else f"{title}: {status.district}"
    text_cell(ws, 1, 1, title).font = Font(bold=True, size=14)
    about = [
        t(f"截至 {status.as_of}", f"As of {status.as_of}") if status.as_of else "",
        t(f"名单 {Path(status.roster.file).name}", f"roster {Path(status.roster.file).name}"),
        t(
            f"{len(status.rows)} 个社区，已交回 {status.received} 个，可以评价 {status.count('ready')} 个",
            f"{len(status.rows)} communities, {status.received} returned, {status.count('ready')} ready to assess",
        ),
    ]
    text_cell(ws, 2, 1, t("；", "; ").join(a for a in about if a))
    for col, (text, width) in enumerate(headers, 1):
        cell = text_cell(ws, HEADER_ROW, col, text)
        cell.font, cell.fill = bold, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[cell.column_letter].width = width
    for r, row in enumerate(status.rows, HEADER_ROW + 1):
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
            cell.alignment = Alignment(vertical="top", wrap_text=col in (5, 6) or col >= len(headers) - 1)
            if PERCENT_FROM <= col < PERCENT_FROM + 1 + len(topics):
                cell.number_format = "0%"
        ws.cell(r, 5).fill = PatternFill("solid", fgColor=STATE_FILLS[row.state])
        wrapped = max(  # the wrapped columns: state, next step, fields missing, files
            -(-display_width(values[4]) // headers[4][1]),
            -(-display_width(values[5]) // headers[5][1]),
            -(-display_width(str(values[-2] or "")) // (headers[-2][1] - 1)),
            len(row.files),
        )
        ws.row_dimensions[r].height = 15 * max(1, wrapped)
    last = HEADER_ROW + len(status.rows)
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{last}"
    ws.row_dimensions[1].height = 24
    ws.row_dimensions[HEADER_ROW].height = 32
    _legend(ws, last + 2, len(headers), lang)
    _landscape(ws)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    footer: Any = ws.oddFooter  # pages numbered, as on the other workbooks
    footer.center.text = "&A — " + t("第 &P 页，共 &N 页", "page &P of &N")

    # a sheet name has 31 characters at most, or Excel calls the file damaged
    other = wb.create_sheet(t("名单外、重复与无法读取", "Off-roster, repeats, unreadable"))
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


def _legend(ws: Any, top: int, columns: int, lang: str) -> None:
    """Under the table, outside its filter: each state as the 状态 column shows it, its next step
    under 下一步, and what it means across the columns after; then what 下一步 is."""
    from openpyxl.styles import Alignment, Font, PatternFill

    from carbon_cli.campaign.annotate import text_cell

    zh = lang == "zh"
    text_cell(ws, top, 1, "说明" if zh else "Legend").font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    # the state and next-step columns (5, 6), then the meaning merged over the columns after them
    widths = [ws.column_dimensions[ws.cell(1, c).column_letter].width for c in (5, 6)]
    width = sum(ws.column_dimensions[ws.cell(1, c).column_letter].width for c in range(7, columns + 1))
    lines = [(state_label(s, lang), action_label(s, lang), MEANINGS[s][not zh], s) for s in STATES]
    lines.append(("", "下一步" if zh else "Next step", NEXT_STEP[not zh], ""))
    for r, (label, action, meaning, state) in enumerate(lines, top + 1):
        if label:
            text_cell(ws, r, 5, label).fill = PatternFill("solid", fgColor=STATE_FILLS[state])
        text_cell(ws, r, 6, action).font = Font(bold=not label)
        text_cell(ws, r, 7, meaning)
        for c in (5, 6, 7):
            ws.cell(r, c).alignment = wrap
        ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=columns)
        ws.row_dimensions[r].height = 15 * max(
            -(-display_width(meaning) // int(width - 2)),
            -(-display_width(label) // int(widths[0])),
            -(-display_width(action) // int(widths[1])),
        )


def _landscape(ws: Any) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _whole_words(heading: str, width: int, lines: int = 2) -> int:
    """`width`, or wider when `heading` would not fit it in `lines` lines (the header row's
    height) with its words whole: "Basic information", not "informat" and "ion"; Chinese breaks
    between any two characters, so a Chinese heading keeps its width."""
    words = heading.split()
    if not heading.isascii() or not words:
        return width
    while True:
        used, taken = 1, -1
        for word in words:
            if taken + 1 + len(word) > width - 2:  # two for the cell's margins and bold type
                used, taken = used + 1, len(word)
            else:
                taken += 1 + len(word)
        if used <= lines and max(map(len, words)) <= width - 2:
            return width
        width += 1
