"""The survey campaign end to end: a roster, prefilled forms handed out, some filled (one with
planted errors, one left blank, one never returned), validated with --annotate and --roster;
each comment's cell and text, the status rows, and the originals untouched afterwards."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from carbon_cli.campaign.annotate import ERROR_FILL, WARNING_FILL, annotate, comment_text
from carbon_cli.campaign.roster import read_roster
from carbon_cli.campaign.status import HEADER_ROW, STATE_FILLS
from carbon_cli.cli.app import app
from carbon_cli.survey.fields import dictionary, field_name
from carbon_cli.survey.issues import InputError
from carbon_cli.survey.reader import read_survey
from carbon_cli.survey.template import form_workbook
from carbon_cli.survey.validation import validate_file
from tests.conftest import SAMPLES, complete_values, write_table

runner = CliRunner()
ROSTER = (
    "社区编码,社区名称,所属街道,联系人\n"
    "DM-01,东门社区,东门街道,张三\nDM-02,西湖社区,东门街道,李四\nNS-01,南园社区,南园街道,\nNS-02,北岭社区,南园街道,王五\n"
)
IDENTITY = ("community_id", "community_name", "street", "district")


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def status_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The community rows of status.xlsx's first sheet: under its header, down to the first empty
    row (the legend is below)."""
    rows = []
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return rows


def rows_by_key(ws: Any) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value}


def where(path: Path, key: str) -> tuple[str, int]:
    """The sheet and row of a field in a form workbook."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets[1:]:
        if key in rows_by_key(ws):
            return ws.title, rows_by_key(ws)[key]
    raise KeyError(key)


def fill(form: Path, target: Path, values: dict[str, Any]) -> None:
    """Type assessment-year values into a handed-out form, as a community office would."""
    wb = openpyxl.load_workbook(form)
    for ws in wb.worksheets[1:]:
        for key, row in rows_by_key(ws).items():
            if key in values:
                ws.cell(row, 6).value = values[key]
    wb.save(target)


def typed(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ("是" if v is True else "否" if v is False else v) for k, v in values.items() if k not in IDENTITY}


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("campaign")
    roster = tmp / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    forms = tmp / "forms"
    handed = run("template", "--roster", str(roster), "-o", str(forms), "--district", "示范区")
    assert handed.exit_code == 0, handed.output
    returned = tmp / "returned"
    returned.mkdir()
    good = typed(complete_values())
    fill(forms / "DM-01.xlsx", returned / "DM-01.xlsx", good)  # complete and plausible
    bad = {**good, "elec_residential_kwh": "约两百万", "households": None, "lpg_kg": -5}
    bad |= {"vehicles_total": 2000, "nev_count": 2500, "outreach_events_per_year": 80}
    fill(forms / "DM-02.xlsx", returned / "DM-02.xlsx", bad)  # planted errors
    fill(forms / "NS-01.xlsx", returned / "NS-01.xlsx", {"assessment_year": 2023})  # sent back blank
    # NS-02 never returned
    shutil.copy(SAMPLES / "communities" / "FT-SH-05.xlsx", returned / "FT-SH-05.xlsx")  # not on the roster
    fill(forms / "DM-01.xlsx", returned / "DM-01 (resent).xlsx", good)  # the same community twice
    before = digest(returned)
    marked, status = tmp / "marked", tmp / "status.xlsx"
    result = run(
        "validate", str(returned), "--roster", str(roster), "--annotate", str(marked), "-o", str(status), "-f", "json"
    )
    return {
        "tmp": tmp,
        "forms": forms,
        "returned": returned,
        "marked": marked,
        "status": status,
        "result": result,
        "json": json.loads(result.stdout),
        "before": before,
    }


# --- forms handed out ---------------------------------------------------------------------------


def test_roster_headers_are_matched_like_survey_headers(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "名单.xlsx",
        ["序号", "社区代码", "社区名", "街道办", "联系电话"],
        [[1, "A-1", "甲社区", "一街道", "138"], [2, "A-2", "乙社区", "一街道", None], [3, "A-1", "重复", "", ""]],
    )
    roster = read_roster(path)
    assert [(m.id, m.name, m.street, m.contact) for m in roster.members] == [
        ("A-1", "甲社区", "一街道", "138"),
        ("A-2", "乙社区", "一街道", ""),
    ]
    assert [(i.code, i.location.cell) for i in roster.issues] == [("roster_duplicate", "B4")]
    with pytest.raises(InputError) as caught:
        read_roster(write_table(tmp_path / "x.xlsx", ["名称", "备注"], [["甲", "乙"]]))
    assert caught.value.code == "roster_no_header"


@pytest.mark.slow
def test_forms_are_named_by_id_prefilled_and_locked(campaign: dict[str, Any]) -> None:
    forms = campaign["forms"]
    assert sorted(p.name for p in forms.iterdir()) == ["DM-01.xlsx", "DM-02.xlsx", "NS-01.xlsx", "NS-02.xlsx"]
    survey = read_survey(forms / "DM-02.xlsx")
    assert {k: survey.assessment[k] for k in IDENTITY} == {
        "community_id": "DM-02",
        "community_name": "西湖社区",
        "street": "东门街道",
        "district": "示范区",
    }
    ws = openpyxl.load_workbook(forms / "DM-02.xlsx")["基本信息"]
    rows = rows_by_key(ws)
    assert ws.protection.sheet
    assert ws.cell(rows["community_id"], 6).protection.locked  # prefilled: locked
    assert not ws.cell(rows["resident_population"], 6).protection.locked  # to fill: open
    assert not ws.cell(rows["resident_population"], 5).protection.locked
    assert ws.cell(rows["community_name"], 5).protection.locked  # the grey "no baseline" cell


def test_from_previous_fills_the_baseline_column(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "社区编码,社区名称,所属街道\nFT-SH-05,棠晖社区,示范街道\nNEW-1,新社区,示范街道\n", encoding="utf-8"
    )
    result = run(
        "template",
        "--roster",
        str(roster),
        "-o",
        str(tmp_path / "forms"),
        "--from",
        str(SAMPLES / "district_table.xlsx"),
    )
    assert result.exit_code == 0, result.output
    assert "NEW-1" in result.output  # named as having no earlier data
    earlier = read_survey(SAMPLES / "district_table.xlsx", community="FT-SH-05")
    form = read_survey(tmp_path / "forms" / "FT-SH-05.xlsx")
    # the table's earliest year stays the baseline: the community types only the new year
    assert form.assessment["baseline_year"] == earlier.baseline_year
    assert form.baseline == earlier.baseline
    assert form.assessment.keys() == {*IDENTITY, "baseline_year"} - {"district"} | (
        {"district"} if "district" in form.assessment else set()
    )
    assert read_survey(tmp_path / "forms" / "NEW-1.xlsx").baseline is None


def test_forms_are_not_overwritten(campaign: dict[str, Any]) -> None:
    again = run("template", "--roster", str(campaign["tmp"] / "roster.csv"), "-o", str(campaign["forms"]))
    assert again.exception.code == "forms_exist" and "--force" in again.exception.message("zh")


# --- marked copies ------------------------------------------------------------------------------


def comments(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.comment.text
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.comment
    }


def test_only_workbooks_with_problems_get_a_copy(campaign: dict[str, Any]) -> None:
    assert campaign["result"].exit_code == 1
    copies = sorted(p.name for p in campaign["marked"].iterdir() if p.suffix == ".xlsx")
    assert copies == ["DM-02.xlsx", "NS-01.xlsx"]
    annotated = {Path(a["file"]).name: a for a in campaign["json"]["annotated"]}
    assert annotated["DM-01.xlsx"]["reason"] == "clean" and annotated["DM-01.xlsx"]["copy"] is None


def test_each_problem_is_commented_on_its_cell(campaign: dict[str, Any]) -> None:
    copy = campaign["marked"] / "DM-02.xlsx"
    form = campaign["forms"] / "DM-02.xlsx"
    found = comments(copy)

    def at(key: str) -> tuple[str, str]:
        sheet, row = where(form, key)
        return sheet, f"F{row}"

    assert found[at("elec_residential_kwh")] == (
        "错误：居民生活用电量（千瓦时）：无法识别为数值\n发现：约两百万\n应为：数值，如 12345、1.2万、35%"
    )  # the missing value it causes is not a second problem to the person fixing it
    assert found[at("lpg_kg")] == "错误：液化石油气用量（千克）：不能为负数\n发现：-5\n应为：≥ 0 的数值"
    assert found[at("households")] == "错误：缺少必填项：户数\n应为：填写评价年数值"  # on the empty cell
    assert found[at("nev_count")] == (
        "错误：新能源汽车数量（辆） 大于 居民机动车保有量（辆），这不可能\n"
        "发现：2,500\n应为：≤ 居民机动车保有量（辆）（2,000）"
    )
    assert (
        found[at("outreach_events_per_year")]
        == "警告：年度低碳宣传活动次数（次/年） 超出常见范围\n发现：80\n应为：0 – 52"
    )
    assert len(found) == len({k for k in found})  # one comment per cell
    wb = openpyxl.load_workbook(copy)
    sheet, ref = at("lpg_kg")
    assert wb[sheet][ref].fill.fgColor.rgb.endswith(ERROR_FILL)
    sheet, ref = at("outreach_events_per_year")
    assert wb[sheet][ref].fill.fgColor.rgb.endswith(WARNING_FILL)
    sheet, ref = at("gas_pipeline_m3")
    assert not wb[sheet][ref].fill.fgColor.rgb.endswith((ERROR_FILL, WARNING_FILL))  # a good cell is left alone


def test_problems_sheet_comes_first_and_links_to_each_cell(campaign: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(campaign["marked"] / "DM-02.xlsx")
    ws = wb.worksheets[0]
    assert ws.title == "数据问题" and wb.active.title == "数据问题"
    assert "DM-02" in ws["A1"].value
    links = {
        ws.cell(r, 4).value: ws.cell(r, 4).hyperlink.location
        for r in range(5, ws.max_row + 1)
        if ws.cell(r, 4).hyperlink
    }
    sheet, row = where(campaign["forms"] / "DM-02.xlsx", "households")
    assert links[f"F{row}"] == f"'{sheet}'!F{row}"
    fields = [ws.cell(r, 5).value for r in range(5, ws.max_row + 1)]
    assert f"{field_name('households')} (households)" in fields  # label and unit, key in parentheses


def test_copy_keeps_sheets_values_formats_dropdowns(campaign: dict[str, Any]) -> None:
    original = openpyxl.load_workbook(campaign["returned"] / "DM-02.xlsx")
    copy = openpyxl.load_workbook(campaign["marked"] / "DM-02.xlsx")
    assert copy.sheetnames == ["数据问题", *original.sheetnames]
    for ws in original.worksheets:
        other = copy[ws.title]
        assert [[c.value for c in r] for r in ws.iter_rows()] == [[c.value for c in r] for r in other.iter_rows()]
        assert [str(v.sqref) for v in ws.data_validations.dataValidation] == [
            str(v.sqref) for v in other.data_validations.dataValidation
        ]
        assert other.protection.sheet == ws.protection.sheet
        assert other.column_dimensions["B"].width == ws.column_dimensions["B"].width
    # the copy still reads as the same survey, and the Problems sheet is not mistaken for data
    assert (
        read_survey(campaign["marked"] / "DM-02.xlsx").assessment
        == read_survey(campaign["returned"] / "DM-02.xlsx").assessment
    )


def test_blank_workbook_is_said_to_be_blank(campaign: dict[str, Any]) -> None:
    ws = openpyxl.load_workbook(campaign["marked"] / "NS-01.xlsx").worksheets[0]
    assert ws.cell(5, 8).value.startswith("调研表是空白的")
    assert not comments(campaign["marked"] / "NS-01.xlsx")  # nothing to point at: no 30 red cells
    blank = run("assess", str(campaign["returned"] / "NS-01.xlsx"))
    assert blank.exit_code == 1 and "空白" in blank.output and "/ 100" not in blank.output


def test_originals_are_byte_identical(campaign: dict[str, Any]) -> None:
    assert digest(campaign["returned"]) == campaign["before"]


def test_a_fixed_workbook_loses_its_stale_copy(campaign: dict[str, Any], tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    shutil.copytree(campaign["returned"], returned)
    marked = tmp_path / "marked"
    assert run("validate", str(returned), "--annotate", str(marked)).exit_code == 1
    assert (marked / "NS-01.xlsx").exists()
    (returned / "NS-01.xlsx").unlink()
    (returned / "DM-02.xlsx").unlink()
    again = run("validate", str(returned), "--annotate", str(marked))
    assert again.exit_code == 0
    assert not [p for p in marked.iterdir() if p.suffix == ".xlsx"]
    assert "不需要副本" in again.output


# --- collection status --------------------------------------------------------------------------


def test_status_rows(campaign: dict[str, Any]) -> None:
    status = campaign["json"]["status"]
    rows = {r["community_id"]: r for r in status["rows"]}
    assert {k: r["state"] for k, r in rows.items()} == {
        "DM-01": "ready",
        "DM-02": "errors",
        "NS-01": "blank",
        "NS-02": "missing",
    }
    assert rows["DM-02"]["errors"] == 5 and rows["DM-02"]["warnings"] == 1
    assert rows["DM-02"]["required_missing"] == ["households", "elec_residential_kwh"]
    assert rows["DM-02"]["required_missing_names"] == ["户数", "居民生活用电量（千瓦时）"]
    basic = len(dictionary().by_topic("basic"))
    assert rows["NS-01"]["completeness"]["basic"] == {"filled": 5, "fields": basic}  # the identity and the year
    required = [f.key for f in dictionary().required if f.key not in (*IDENTITY, "assessment_year")]
    assert rows["NS-01"]["required_missing"] == required  # blank: every required field is missing
    assert rows["NS-02"]["files"] == [] and rows["NS-02"]["action"] == "催交"
    assert status["received"] == 3 and status["states"]["missing"] == 1
    assert [(s["community_id"], Path(s["file"]).name) for s in status["off_roster"]] == [("FT-SH-05", "FT-SH-05.xlsx")]
    assert [(d["community_id"], sorted(Path(f).name for f in d["files"])) for d in status["duplicates"]] == [
        ("DM-01", ["DM-01 (resent).xlsx", "DM-01.xlsx"])
    ]


@pytest.mark.slow
def test_forms_nobody_filled_in_are_not_returned(tmp_path: Path) -> None:
    """The campaign folder: forms written by `template`, some filled in place, some untouched."""
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    forms = tmp_path / "forms"
    assert run("template", "--roster", str(roster), "-o", str(forms), "--district", "示范区").exit_code == 0
    fill(forms / "DM-01.xlsx", forms / "DM-01.xlsx", typed(complete_values()))
    fill(forms / "DM-02.xlsx", forms / "DM-02.xlsx", {"assessment_year": 2023})  # returned with only the year
    before = digest(forms)
    status_file, marked = tmp_path / "status.xlsx", tmp_path / "marked"
    args = ["validate", str(forms), "--roster", str(roster), "-o", str(status_file), "--annotate", str(marked)]
    data = json.loads(run(*args, "-f", "json").stdout)
    rows = {r["community_id"]: r for r in data["status"]["rows"]}
    assert {k: r["state"] for k, r in rows.items()} == {
        "DM-01": "ready",
        "DM-02": "blank",
        "NS-01": "missing",
        "NS-02": "missing",
    }
    assert data["status"]["received"] == 2 and data["status"]["duplicates"] == []
    required = [f.key for f in dictionary().required if f.key not in (*IDENTITY, "assessment_year")]
    assert rows["DM-02"]["required_missing"] == required  # blank: the count says every one is missing
    for key in ("NS-01", "NS-02"):
        assert rows[key]["action"] == "催交" and [Path(f).name for f in rows[key]["files"]] == [f"{key}.xlsx"]
        assert rows[key]["reason"] == "表格与发出时相同，尚未填写"
        assert rows[key]["required_missing"] == [] and rows[key]["errors"] == 0
    assert [Path(f).name for f in data["untouched_forms"]] == ["NS-01.xlsx", "NS-02.xlsx"]
    assert sorted(p.name for p in marked.iterdir() if p.suffix == ".xlsx") == ["DM-02.xlsx"]  # none for NS-0x
    assert digest(forms) == before

    ws = openpyxl.load_workbook(status_file).worksheets[0]
    header = [c.value for c in ws[HEADER_ROW]]
    table = {r[0]: dict(zip(header, r, strict=True)) for r in status_rows(ws)}
    assert (table["NS-01"]["状态"], table["NS-01"]["下一步"], table["NS-01"]["缺必填项"]) == ("未交回", "催交", None)
    assert table["NS-01"]["文件"] == "NS-01.xlsx" and table["NS-01"]["缺少的必填项"] == "表格与发出时相同，尚未填写"
    assert (table["DM-02"]["状态"], table["DM-02"]["缺必填项"]) == ("已交回，空白", len(required))
    assert table["DM-01"]["缺必填项"] == 0

    # the terminal: the next step for each community, and the untouched forms said to be so
    text = run(*args[:4])
    assert text.exit_code == 1  # DM-02 came back blank
    assert "下一步" in text.output and "催交" in text.output and "退回填写" in text.output
    flat = "".join(text.output.split())  # as read, whatever the wrapping
    assert "未交回2（其中2份发出的表格尚未填写）" in flat and "其中2份是尚未填写的发出表格（按未交回计）" in flat
    fill(forms / "DM-02.xlsx", forms / "DM-02.xlsx", typed(complete_values()))
    assert run(*args[:4]).exit_code == 0  # forms not filled in yet are not files with errors

    # a survey returned in another file wins over the untouched form: not a duplicate
    returned = tmp_path / "returned"
    returned.mkdir()
    fill(forms / "NS-01.xlsx", returned / "NS-01.xlsx", typed(complete_values()))
    again = json.loads(run("validate", str(forms), str(returned), "--roster", str(roster), "-f", "json").stdout)
    rows = {r["community_id"]: r for r in again["status"]["rows"]}
    assert rows["NS-01"]["state"] == "ready" and again["status"]["duplicates"] == []


def test_status_table_fits_80_columns_with_the_next_step(campaign: dict[str, Any]) -> None:
    from rich.console import Console

    from carbon_cli.campaign.roster import read_roster
    from carbon_cli.campaign.status import collection_status
    from carbon_cli.cli.collection import status_view
    from carbon_cli.survey.validation import validate_paths

    report = validate_paths([campaign["returned"]])
    for lang, step in (("zh", "退回修改"), ("en", "send back")):
        status = collection_status(read_roster(campaign["tmp"] / "roster.csv"), report.files, lang)
        for width in (80, 120):
            console = Console(width=width, record=True, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
            for renderable in status_view(status, lang, width=width):
                console.print(renderable)
            text = console.export_text()
            assert max(len(line.rstrip()) for line in text.splitlines() if line.startswith("┃")) <= width
            assert step in text and all(k in text for k in ("DM-01", "DM-02", "NS-01", "NS-02"))


def test_status_workbook_sorts_and_filters(campaign: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(campaign["status"])
    ws = wb.worksheets[0]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[:6] == ["社区编码", "社区名称", "所属街道", "联系人", "状态", "下一步"]
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{ws.cell(1, len(header)).column_letter}{HEADER_ROW + 4}"
    table = {r[0]: dict(zip(header, r, strict=True)) for r in status_rows(ws)}
    assert sorted(table) == ["DM-01", "DM-02", "NS-01", "NS-02"]
    assert table["DM-02"]["状态"] == "已交回，有错误" and table["DM-02"]["错误"] == 5
    assert table["NS-02"]["状态"] == "未交回" and table["NS-02"]["错误"] is None
    assert table["DM-01"]["完整度"] == pytest.approx(20 / len(dictionary().fields))
    assert ws.cell(HEADER_ROW + 1, header.index("完整度") + 1).number_format == "0%"
    other = wb.worksheets[1]
    kinds = [r[0] for r in other.iter_rows(min_row=2, values_only=True)]
    assert kinds == ["不在名单上", "重复交回"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_workbook_has_a_title_its_day_and_a_legend(campaign: dict[str, Any], tmp_path: Path, lang) -> None:
    out = tmp_path / "status.xlsx"
    roster = campaign["tmp"] / "roster.csv"
    args = ["validate", str(campaign["returned"]), "--roster", str(roster), "-o", str(out), "--lang", lang]
    run(*args, "--as-of", "2026-10-15")
    ws = openpyxl.load_workbook(out).worksheets[0]
    zh = lang == "zh"
    assert ws["A1"].value == ("调研表回收情况" if zh else "Survey collection status") and ws["A1"].font.b
    assert ws["A2"].value == (
        "截至 2026-10-15；名单 roster.csv；4 个社区，已交回 3 个，可以评价 1 个"
        if zh
        else "As of 2026-10-15; roster roster.csv; 4 communities, 3 returned, 1 ready to assess"
    )
    # the table moved down, its panes, filter and printed header with it
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[0] == ("社区编码" if zh else "Community ID")
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}" and ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    last = HEADER_ROW + len(status_rows(ws))
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{ws.cell(1, len(header)).column_letter}{last}" and last == 8
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    # under the table, outside the filter: every state with its fill, next step and meaning; then 下一步
    assert ws.cell(last + 2, 1).value == ("说明" if zh else "Legend")
    legend = [
        (ws.cell(r, 5).value, ws.cell(r, 6).value, ws.cell(r, 7).value, ws.cell(r, 5).fill.fgColor.rgb)
        for r in range(last + 3, last + 9)
    ]
    status_column, step_column = header.index("状态" if zh else "Status"), header.index("下一步" if zh else "Next step")
    assert (status_column, step_column) == (4, 5)  # the legend's state and step stand under these
    states = {"missing": "未交回", "unreadable": "已交回，无法读取", "blank": "已交回，空白"}
    states |= {"errors": "已交回，有错误", "ready": "已交回，可用"}
    if zh:
        assert [(label, step) for label, step, _, _ in legend[:5]] == [
            (states[s], step)
            for s, step in zip(
                states,
                ("催交", "请对方另存为 .xlsx 重发", "退回填写", "退回修改（附标注副本）", "可以评价"),
                strict=True,
            )
        ]
        assert "发出后原样未动" in legend[0][2] and "必填项一个也没有填" in legend[2][2]
        assert legend[5][:2] == (None, "下一步") and "协调人" in legend[5][2]
    else:
        assert [label for label, *_ in legend[:5]] == [
            "missing",
            "received, unreadable",
            "received, blank",
            "received, has errors",
            "received, usable",
        ]
        assert legend[5][1] == "Next step" and all(
            not any("\u4e00" <= c <= "\u9fff" for c in m) for _, _, m, _ in legend
        )
    assert [fill[-6:] for *_, fill in legend[:5]] == list(STATE_FILLS.values())
    assert all(meaning for _, _, meaning, _ in legend)
    assert any(
        str(m) == f"G{r}:{ws.cell(1, len(header)).column_letter}{r}" for m in ws.merged_cells.ranges for r in [last + 3]
    )
    # same inputs and day, same bytes
    first = out.read_bytes()
    run(*args, "--as-of", "2026-10-15")
    assert out.read_bytes() == first


def test_status_is_dated_by_the_clock_unless_told(campaign: dict[str, Any]) -> None:
    from carbon_cli.campaign.status import collection_status
    from carbon_cli.survey.validation import validate_paths

    report = validate_paths([campaign["returned"]])
    roster = read_roster(campaign["tmp"] / "roster.csv")
    args = ["validate", str(campaign["returned"]), "--roster", str(campaign["tmp"] / "roster.csv"), "-f", "json"]
    assert json.loads(run(*args).stdout)["status"]["as_of"] == "2026-11-30"  # the suite's frozen clock
    assert json.loads(run(*args, "--as-of", "2026-10-15").stdout)["status"]["as_of"] == "2026-10-15"
    assert collection_status(roster, report.files).as_of is None


def test_status_in_english_names_fields_in_english(campaign: dict[str, Any]) -> None:
    args = ["validate", str(campaign["returned"]), "--roster", str(campaign["tmp"] / "roster.csv"), "--lang", "en"]
    result = subprocess.run(
        [sys.executable, "-m", "carbon_cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "250"},
    )
    assert "has errors" in result.stdout and "Households, Household electricity (kWh)" in result.stdout
    assert "households" not in result.stdout  # keys are for JSON; people read labels


def test_status_workbook_headings_in_english_wrap_between_words(campaign: dict[str, Any], tmp_path: Path) -> None:
    """Each English heading fits its column in the header row's two lines with every word whole
    ("Basic information", not "informat" / "ion"); the Chinese ones keep their widths."""
    widths = {}
    for lang in ("en", "zh"):
        out = tmp_path / f"status-{lang}.xlsx"
        run(
            "validate",
            str(campaign["returned"]),
            "--roster",
            str(campaign["tmp"] / "roster.csv"),
            "-o",
            str(out),
            "--lang",
            lang,
        )
        ws = openpyxl.load_workbook(out).worksheets[0]
        assert ws.row_dimensions[HEADER_ROW].height == 32  # two lines
        widths[lang] = [ws.column_dimensions[c.column_letter].width for c in ws[HEADER_ROW]]
        if lang == "en":
            headings = [c.value for c in ws[HEADER_ROW]]
            assert "Basic information" in headings and "Green space and sinks" in headings
            for heading, width in zip(headings, widths[lang], strict=True):
                lines, taken = 1, -1
                for word in heading.split():
                    assert len(word) + 2 <= width, (heading, width)  # a word is never broken
                    if taken + 1 + len(word) > width - 2:
                        lines, taken = lines + 1, len(word)
                    else:
                        taken += 1 + len(word)
                assert lines <= 2, (heading, width)
    assert widths["zh"][10:18] == [8] * 8  # the topics' columns in Chinese: as narrow as before


# --- the table layout ---------------------------------------------------------------------------


def test_table_layout_one_comment_per_bad_cell(tmp_path: Path) -> None:
    values = complete_values()
    header = [
        "community_id",
        "community_name",
        "year",
        "resident_population",
        "households",
        "vehicles_total",
        "nev_count",
    ]
    rows = [
        ["T-01", "甲", 2023, values["resident_population"], "七千", 100, 150],
        ["T-02", "乙", 2023, 20000, 7000, 100, None],
    ]
    path = write_table(tmp_path / "table.xlsx", header, rows)
    result = validate_file(path)
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(annotate(path, result.issues).data)
    found = comments(copy)
    assert found[("社区汇总", "E2")].startswith("错误：户数：无法识别为数值\n发现：七千")
    assert found[("社区汇总", "G2")].startswith("错误：新能源汽车数量（辆） 大于 居民机动车保有量（辆）")
    assert ("社区汇总", "E3") not in found
    # a required column the table lacks has no cell: listed on the Problems sheet only
    listed = [c.value for c in openpyxl.load_workbook(copy).worksheets[0]["H"]]
    assert any(v and v.startswith("缺少必填项：所属街道") for v in listed)


def test_comment_text_in_english() -> None:
    from carbon_cli.survey.issues import Issue, Location

    issue = Issue("negative_value", Location("f.xlsx", "Energy", "F9"), "lpg_kg", "X", "-5")
    assert comment_text([issue], "en") == "error: LPG (kg): cannot be negative\nFound: -5\nExpected: a number ≥ 0"


def test_what_openpyxl_drops_is_counted(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "with-picture.xlsx"
    form_workbook("zh").save(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/media/image1.png", b"\x89PNG not really")
    result = validate_file(path)
    assert annotate(path, result.issues).lost == [("图片", "pictures", 1)]


# --- LibreOffice --------------------------------------------------------------------------------

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")


def _soffice(source: Path, tmp_path: Path, to: str) -> Path:
    out = tmp_path / f"lo-{to}"
    profile = (tmp_path / "lo-profile").as_uri()
    command = [
        "soffice", f"-env:UserInstallation={profile}", "--headless",
        "--convert-to", to, "--outdir", str(out), str(source),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=240)
    written = out / f"{source.stem}.{to}"
    assert written.exists(), f"LibreOffice wrote nothing for {source.name}"
    return written


@pytest.mark.slow
@needs_soffice
def test_libreoffice_opens_the_copy_and_reads_its_comments(campaign: dict[str, Any], tmp_path: Path) -> None:
    copy = campaign["marked"] / "DM-02.xlsx"
    resaved = _soffice(copy, tmp_path, "xlsx")
    ours, theirs = comments(copy), comments(resaved)
    assert theirs.keys() == ours.keys()
    for where_, text in ours.items():
        assert theirs[where_].strip() == text
    assert openpyxl.load_workbook(resaved).sheetnames[0] == "数据问题"


def test_roster_beside_the_surveys_is_not_a_survey(campaign: dict[str, Any], tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    shutil.copytree(campaign["returned"], returned)
    shutil.copy(campaign["tmp"] / "roster.csv", returned / "roster.csv")
    result = run("validate", str(returned), "--roster", str(returned / "roster.csv"), "-f", "json")
    assert not [f for f in json.loads(result.stdout)["files"] if f["file"].endswith("roster.csv")]
