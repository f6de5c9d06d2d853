"""The issue's exercise, as a bureau analyst does it: export the default set as a workbook, change
two thresholds and one weight, save it (in LibreOffice, in the slow test), check it, run a batch
with it, and read the summary: which file the criteria came from, that it is not the built-in set
though it keeps its id, and what would change each verdict that is not robust, worded truthfully."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from carbon_cli.batch.run import run_batch
from carbon_cli.cli.app import app
from carbon_cli.outputs.district import BatchOptions
from carbon_cli.outputs.results import output_files
from carbon_cli.scoring.criteria_files import load_criteria
from tests.conftest import SAMPLES
from tests.helpers import save_as

runner = CliRunner()


def _edited(tmp_path: Path) -> Path:
    """crit.xlsx exported; C4's target 100 → 95 and S1's zero-point value 1.50 → 1.20 (two
    thresholds), S3 worth 10 points, not 7 (a weight), the stated total 103 to match."""
    crit = tmp_path / "crit.xlsx"
    result = runner.invoke(app, ["criteria", "export", "-o", str(crit)])
    assert result.exit_code == 0, result.output
    book = load_workbook(crit)
    items = book["指标 Items"]
    column = {cell.value: cell.column for cell in items[1]}
    changes = {"C4": ("控制值", 100, 95), "S1": ("零分值", 1.5, 1.2), "S3": ("分值", 7, 10)}
    for row in range(2, items.max_row + 1):
        key = items.cell(row, 1).value
        if key in changes:
            heading, before, after = changes[key]
            cell = items.cell(row, column[heading])
            assert cell.value == before, key
            cell.value = after
    total = next(r for r in book["标准 Set"].iter_rows() if r[0].value == "total_points")
    assert total[2].value == 100
    total[2].value = 103
    edited = tmp_path / "crit-edited.xlsx"
    book.save(edited)
    return edited


def _check_and_summary(path: Path) -> tuple[str, str]:
    checked = runner.invoke(app, ["criteria", "check", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "合计 103 分" in checked.output.replace("\n", "")
    options = BatchOptions(criteria=str(path), pathways=False, reports=False)
    batch = run_batch([SAMPLES], options, jobs=1)
    assert [r.community_id for r in batch.results if r.verdict == "eligible"] == ["FT-SH-01", "FT-SH-02", "FT-SH-03"]
    zh = output_files(batch, options)["summary.md"].decode("utf-8").replace("\\", "")
    options = BatchOptions(criteria=str(path), pathways=False, reports=False, lang="en")
    en = output_files(run_batch([SAMPLES], options, jobs=1), options)["summary.md"].decode("utf-8").replace("\\", "")
    return zh, en


def _reads_as_the_analyst_should(zh: str, en: str, name: str) -> None:
    # the file, not the built-in set, and said so
    assert f"评价标准：深圳近零碳社区评价标准（默认）（sz-nzc-community，读自 {name}）" in zh
    assert f"⚠ 评价标准读自 {name}：它与内置标准 sz-nzc-community 的取值不同，却沿用了其编号和名称。" in zh
    assert f"(sz-nzc-community, read from {name})" in en and "yet it keeps that set's id and names" in en
    # FT-SH-03 sorts 95 % of its buildings: exactly at the new target. Not "95.0 → 95.0".
    edge = "恰在临界：C4 生活垃圾分类设施全覆盖 达标值（95.0）稍有提高，结论即变为“不符合”"
    assert f"| 霁川社区（FT-SH-03） | 符合 | {edge} |" in zh
    assert "right at the edge: C4 Waste sorting points in every building: target (95.0) any higher turns it" in en
    assert "95.0 → 95.0" not in zh and "95.0 → 95.0" not in en
    # a flip only at the far corners of many ranges is said to be one
    row = next(line for line in zh.splitlines() if line.startswith("| 泊云社区（FT-SH-13）"))
    assert "项取值同时变动，且都几乎到达各自区间的一端，结论才变为“符合”" in row
    # what a range is: a default width by status, not a confidence interval
    assert "假设值 ±20 %" in zh and "不是统计置信区间" in zh and "not a statistical confidence interval" in en
    # the caveat counts the set's figures, the edited ones still marked assumed in the file
    assert "评价标准的 69 个取值（阈值、达标值、分值与等级线）中 67 个为假设值" in zh


def test_an_edited_criteria_workbook_reads_truthfully_in_the_summary(tmp_path):
    edited = _edited(tmp_path)
    zh, en = _check_and_summary(edited)
    _reads_as_the_analyst_should(zh, en, edited.name)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_criteria_workbook_saved_by_libreoffice_is_read(tmp_path):
    """The edited workbook opened and saved again by LibreOffice (as Excel and WPS would) reads as
    the same set, and the batch's summary reads the same."""
    edited = _edited(tmp_path)
    saved = tmp_path / "crit2.xlsx"
    save_as(edited, "xlsx", tmp_path / "out").rename(saved)
    assert saved.read_bytes() != edited.read_bytes()  # LibreOffice wrote its own file
    assert load_criteria(str(saved)) == load_criteria(str(edited))
    zh, en = _check_and_summary(saved)
    _reads_as_the_analyst_should(zh, en, "crit2.xlsx")
