"""Hostile and messy input: every bad file gets a clear, located error; nothing is lost; bombs are cheap.

The corpus is generated at test time (tests/hostile/make_corpus.py). Each case is run through
the real command line in a subprocess (`python -m carbon_cli`), for `carbon validate FILE` and
within one `carbon batch` over a folder holding every bad file among two good communities:
exit code, issue code, file/sheet/cell, wording in both languages, no traceback, and for the
bombs the time taken and the peak memory of the process.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from carbon_cli.core import i18n
from carbon_cli.survey.container import Limits
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.issues import InputError
from carbon_cli.survey.reader import read_workbook
from tests.conftest import ROOT, SAMPLES
from tests.hostile.make_corpus import KEYS, field_row, make_corpus

pytestmark = pytest.mark.slow  # builds and reads a corpus of hostile workbooks (about 20 s)

SHEET = "基本信息"  # the one form sheet of the corpus workbooks
GOOD = ("FT-SH-01", "FT-SH-02")
MAX_RSS_MB = 400
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cell(key: str) -> str:
    return f"F{field_row(key)}"


def _text_everywhere() -> set[tuple[str, str | None, str | None]]:
    fields = dictionary()
    out = set()
    for key in KEYS:
        spec = fields[key]
        if spec.type == "text":
            continue  # "abc" is a fine community name
        out.add(("bad_bool" if spec.type == "bool" else "unreadable_number", SHEET, cell(key)))
    return out


# case → (exit code of `carbon validate`, the errors other than missing_required: (code, sheet, cell))
WHOLE_FILE = {
    "not_a_zip": "not_a_workbook",
    "empty_file": "empty_file",
    "truncated": "corrupt_workbook",
    "corrupt_member": "corrupt_workbook",
    "fake_ole": "corrupt_workbook",
    "encrypted_xls": "encrypted_workbook",
    "excel95_xls": "legacy_xls",
    "ods_zip_bomb": "zip_bomb",
    "encrypted": "encrypted_workbook",
    "html_as_xls": "html_table",
    "ods": "corrupt_workbook",  # an .ods whose content.xml is not namespace-valid XML
    "ods_named_xlsx": "corrupt_workbook",
    "numbers": "unsupported_format",
    "docx_named_xlsx": "renamed_document",
    "csv_binary": "csv_encoding",
    "empty_workbook": "empty_workbook",
    "no_header": "no_survey_sheet",
    "entity_bomb_sheet": "unsafe_xml",
    "entity_bomb_shared": "unsafe_xml",
    "zip_bomb": "zip_bomb",
    "zip_bomb_declared": "workbook_too_large",
    "lying_size": "corrupt_workbook",
    "missing": "file_not_found",
    "empty_folder": "no_workbooks",
    "fifo": "not_a_file",
}
SHEET_LEVEL = {
    "header_only_table": {("no_data_rows", "社区汇总", None)},
    "csv_huge_field": {("bad_csv", "huge_field", None)},
    "wide_rows": {("sheet_too_large", SHEET, None)},
    "row_past_excel": {("corrupt_workbook", SHEET, None)},
}
CELL_LEVEL = {
    "duplicate_field": {("duplicate_field", SHEET, f"F{field_row('has_creation_plan') + 1}")},
    "text_everywhere": _text_everywhere(),
    "bad_numbers": {
        ("negative_value", SHEET, cell("elec_residential_kwh")),
        ("unreadable_number", SHEET, cell("elec_public_area_kwh")),  # "NaN"
        ("unreadable_number", SHEET, cell("gas_pipeline_m3")),  # "inf"
        ("absurd_value", SHEET, cell("water_supply_m3")),  # 1e300 as a number
        ("absurd_value", SHEET, cell("msw_total_t")),  # "1e300" as text
    },
    "dates": {
        ("date_not_number", SHEET, cell("elec_residential_kwh")),
        ("date_not_number", SHEET, cell("gas_pipeline_m3")),
    },
    "formula_no_value": {("formula_no_value", SHEET, cell("elec_residential_kwh"))},
    "error_cells": {
        ("excel_error", SHEET, cell("elec_residential_kwh")),
        ("excel_error", SHEET, cell("gas_pipeline_m3")),
        ("excel_error", SHEET, cell("water_supply_m3")),
    },
    "merged_over_values": {
        ("merged_value_cell", SHEET, cell("elec_public_area_kwh")),
        ("merged_value_cell", SHEET, cell("gas_pipeline_m3")),
    },
    # a form with a header and nothing filled in: every required field is reported missing
    "header_only_form": {("blank_survey", None, None)},
}
READABLE = {  # read without errors: case → (community IDs, warnings (code, sheet, cell))
    "valid": (["HX-VALID"], set()),
    "xlsx_named_xls": (["HX-MISNAMED"], set()),
    "xls_form": (["HX-LEGACY"], set()),
    "csv_utf8": (["CSV-U1", "CSV-U2"], set()),
    "csv_gb18030": (["CSV-G1", "CSV-G2"], set()),
    "merged_table": (["HX-MT"], set()),
    "hidden_sheet": (["HX-HIDDEN"], {("hidden_sheet", SHEET, None)}),
    "blank_rows": (["HX-BLANK"], set()),
    "big_50mb": (["HX-BIG"], set()),
}
ALL_CASES = [*WHOLE_FILE, *SHEET_LEVEL, *CELL_LEVEL, *READABLE]


# --- running the command line ----------------------------------------------------------------


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # user + system of the child and the workers it waited for

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> dict:
        return json.loads(self.stdout)


def carbon(*args: str | Path, timeout: float = 120) -> Run:
    """`python -m carbon_cli ARGS` in a subprocess: exit code, output, wall and CPU time and peak
    RSS. The bombs' bounds are on CPU time, which other load on the machine does not stretch.

    The peak RSS is that of this very child (and the workers it waited for), taken from
    wait4 — the per-process form of getrusage(RUSAGE_CHILDREN).
    """
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    env.pop("CARBON_LANG", None)
    env.pop("CARBON_DEBUG", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "carbon_cli", *map(str, args)],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8"), err.read().decode("utf-8")
    # ru_maxrss is in KiB on Linux, bytes on macOS
    rss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    assert proc.returncode != -9, f"killed after {timeout} s: carbon {' '.join(map(str, args))}"
    return Run(proc.returncode, stdout, stderr, seconds, rss_mb, usage.ru_utime + usage.ru_stime)


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.output, run.output


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def validated(corpus) -> dict[str, Run]:
    """`carbon validate CASE --format json` for every case, two at a time."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = pool.map(lambda case: (case, carbon("validate", corpus[case], "--format", "json")), ALL_CASES)
        return dict(runs)


@pytest.fixture(scope="session")
def batch_run(corpus, tmp_path_factory) -> tuple[Run, dict, Path]:
    """One `carbon batch` over a folder of every bad file among two good communities."""
    folder = tmp_path_factory.mktemp("district")
    for case, path in corpus.items():
        if case in ("missing", "empty_folder", "fifo"):
            continue
        shutil.copy2(path, folder / path.name)
    os.mkfifo(folder / corpus["fifo"].name)
    for community in GOOD:
        shutil.copy(SAMPLES / "communities" / f"{community}.xlsx", folder)
    out = tmp_path_factory.mktemp("batch") / "out"
    run = carbon(
        "batch",
        folder,
        corpus["missing"],
        corpus["empty_folder"],
        "-o",
        out,
        "-j",
        "2",
        "--quiet",
        "--no-pathways",
        "--no-reports",
    )
    return run, json.loads((out / "results.json").read_text(encoding="utf-8")), folder


def file_result(run: Run) -> dict:
    files = run.json()["files"]
    assert len(files) == 1
    return files[0]


def errors_of(result: dict) -> set[tuple[str, str | None, str | None]]:
    return {
        (i["code"], i["sheet"], i["cell"])
        for i in result["issues"]
        if i["severity"] == "error" and i["code"] != "missing_required"
    }


# --- carbon validate FILE ----------------------------------------------------------------------


@pytest.mark.parametrize("case", list(WHOLE_FILE))
def test_validate_refuses_an_unusable_file_naming_it(case, corpus, validated):
    run = validated[case]
    no_traceback(run)
    assert run.code == 1
    result = file_result(run)
    assert result["file"] == str(corpus[case])
    [issue] = result["issues"]
    assert issue["code"] == WHOLE_FILE[case]
    assert issue["file"] == str(corpus[case])
    assert issue["message"] and issue["expected"], issue  # what was found, and what to do


@pytest.mark.parametrize("case", list(SHEET_LEVEL))
def test_validate_names_the_sheet(case, validated):
    run = validated[case]
    no_traceback(run)
    assert run.code == 1
    assert errors_of(file_result(run)) == SHEET_LEVEL[case]


@pytest.mark.parametrize("case", list(CELL_LEVEL))
def test_validate_names_every_bad_cell(case, validated):
    run = validated[case]
    no_traceback(run)
    assert run.code == 1
    result = file_result(run)
    assert errors_of(result) == CELL_LEVEL[case]
    for issue in result["issues"]:
        assert issue["message"] and issue["expected"], issue


@pytest.mark.parametrize("case", list(READABLE))
def test_validate_reads_messy_but_valid_files(case, validated):
    run = validated[case]
    no_traceback(run)
    assert run.code == 0, run.output
    result = file_result(run)
    communities, warnings = READABLE[case]
    assert result["communities"] == communities
    assert result["errors"] == 0
    assert {(i["code"], i["sheet"], i["cell"]) for i in result["issues"]} == warnings


def test_truncated_and_corrupt_files_say_why(validated):
    truncated = file_result(validated["truncated"])["issues"][0]
    assert "文件不完整" in truncated["message"]
    corrupt = file_result(validated["corrupt_member"])["issues"][0]
    assert "xl/worksheets/sheet1.xml" in corrupt["message"] and "压缩数据已损坏" in corrupt["message"]
    lying = file_result(validated["lying_size"])["issues"][0]
    assert "xl/media/image1.png" in lying["message"] and "100" in lying["message"]


def test_header_only_form_is_said_to_be_blank(validated):
    result = file_result(validated["header_only_form"])
    assert [i["code"] for i in result["issues"]] == ["blank_survey"]  # not a list of every required field


def test_entity_bombs_name_the_part(validated):
    assert "xl/worksheets/sheet1.xml" in file_result(validated["entity_bomb_sheet"])["issues"][0]["message"]
    assert "xl/sharedStrings.xml" in file_result(validated["entity_bomb_shared"])["issues"][0]["message"]


def test_human_output_names_file_sheet_and_cell(corpus):
    cases = ["truncated", "bad_numbers", "header_only_table", "zip_bomb"]
    run = carbon("validate", *(corpus[c] for c in cases))
    no_traceback(run)
    assert run.code == 1
    for case in cases:
        assert str(corpus[case]) in run.stdout
    assert "F14" in run.stdout and SHEET in run.stdout and "社区汇总" in run.stdout
    assert "不能为负数" in run.stdout and "应为" in run.stdout


def test_english_with_lang_en(corpus):
    run = carbon(
        "validate", corpus["truncated"], corpus["bad_numbers"], corpus["zip_bomb"], "--format", "json", "--lang", "en"
    )
    no_traceback(run)
    messages = [i["message"] for f in run.json()["files"] for i in f["issues"]]
    assert any("the file is incomplete" in m for m in messages)
    assert any(m == "Household electricity (kWh): cannot be negative" for m in messages)
    assert any("zip bomb" in m for m in messages)
    assert not any(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages if "lol" not in m)


def test_every_code_of_the_corpus_is_worded_in_both_languages(validated):
    codes = {i["code"] for run in validated.values() for f in run.json()["files"] for i in f["issues"]}
    assert codes >= set(WHOLE_FILE.values())
    for code in codes:
        severity, zh, en, zh_todo, en_todo = i18n.ISSUES[code]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
        assert en.isascii() or "“" in en, code
        if severity == "error":
            assert zh_todo and en_todo, f"{code}: no advice on what to do"


def test_assess_refuses_a_bad_file_with_its_name(corpus):
    run = carbon("assess", corpus["truncated"])
    no_traceback(run)
    assert run.code == 1
    assert f"{corpus['truncated']}: 工作簿已损坏" in run.stderr
    assert "应为" in run.stderr and "重新获取完整的原文件" in run.stderr


# --- carbon batch over a folder of bad files among good ones -------------------------------------


def test_batch_exits_1_and_keeps_the_good_communities(batch_run):
    run, results, _ = batch_run
    no_traceback(run)
    assert run.code == 1
    ids = [r["community_id"] for r in results["results"]]
    for community in GOOD:
        assert community in ids
    for case, (communities, _) in READABLE.items():
        assert set(communities) <= set(ids), case


def _failures_of(results: dict, name: str) -> list[dict]:
    return [f for f in results["failures"] if Path(f["file"]).name == name]


@pytest.mark.parametrize("case", [c for c in WHOLE_FILE if c not in ("missing", "empty_folder")])
def test_batch_reports_each_unusable_file(case, corpus, batch_run):
    _, results, folder = batch_run
    [failure] = _failures_of(results, corpus[case].name)
    assert failure["file"] == str(folder / corpus[case].name)
    assert [i["code"] for i in failure["issues"]] == [WHOLE_FILE[case]]
    assert failure["reason"] == failure["issues"][0]["message"]


@pytest.mark.parametrize("case", [c for c in [*SHEET_LEVEL, *CELL_LEVEL] if c != "header_only_form"])
def test_batch_reports_each_bad_cell(case, corpus, batch_run):
    _, results, _ = batch_run
    failures = _failures_of(results, corpus[case].name)
    assert failures, case
    found = {
        (i["code"], i["sheet"], i["cell"]) for f in failures for i in f["issues"] if i["code"] != "missing_required"
    }
    expected = {**SHEET_LEVEL, **CELL_LEVEL}[case]
    assert found == expected
    for failure in failures:  # the one-line reason names where the first error is
        first = next(i for i in failure["issues"] if i["severity"] == "error")
        assert first["message"] in failure["reason"]
        assert all(part in failure["reason"] for part in (first["sheet"], first["cell"]) if part)


def test_batch_reports_paths_that_hold_no_survey(corpus, batch_run):
    _, results, _ = batch_run
    codes = {f["file"]: f["issues"][0]["code"] for f in results["failures"]}
    assert codes[str(corpus["missing"])] == "file_not_found"
    assert codes[str(corpus["empty_folder"])] == "no_workbooks"


def test_batch_loses_no_file(corpus, batch_run):
    """Every file in the folder is either a result or a failure: none silently skipped."""
    _, results, folder = batch_run
    accounted = {Path(r["source_file"]).name for r in results["results"]}
    accounted |= {Path(f["file"]).name for f in results["failures"]}
    accounted |= {Path(d["file"]).name for d in results["duplicates_merged"]}
    assert {p.name for p in folder.iterdir()} <= accounted


# --- bombs: time and memory bounded -----------------------------------------------------------------


@pytest.mark.parametrize("case", ["zip_bomb", "ods_zip_bomb"])
def test_zip_bomb_is_refused_fast_and_small(corpus, case):
    # 4 MB on disk, 4 GiB of zeros inside, and a header that claims 1 KiB; in an .xlsx or an .ods
    run = carbon("validate", corpus[case], "--format", "json")
    no_traceback(run)
    assert run.code == 1
    assert file_result(run)["issues"][0]["code"] == "zip_bomb"
    assert run.cpu_seconds < 5
    assert run.peak_rss_mb < MAX_RSS_MB


def test_inflate_limit_is_enforced_while_decompressing(corpus):
    """Headers that lie about sizes are caught by counting what inflating really yields."""
    bomb = carbon("validate", corpus["zip_bomb"], "--format", "json", "--max-inflated-mb", "16")
    noise = carbon("validate", corpus["lying_size"], "--format", "json", "--max-inflated-mb", "4")
    for run, limit in ((bomb, "16"), (noise, "4")):
        no_traceback(run)
        issue = file_result(run)["issues"][0]
        assert issue["code"] == "workbook_too_large"
        assert f"{limit} MB" in issue["message"] and "--max-inflated-mb" in issue["expected"]
        assert run.cpu_seconds < 5 and run.peak_rss_mb < MAX_RSS_MB


def test_honest_bomb_is_refused_from_its_header(corpus):
    run = carbon("validate", corpus["zip_bomb_declared"], "--format", "json")
    assert file_result(run)["issues"][0]["code"] == "workbook_too_large"
    assert run.cpu_seconds < 5 and run.peak_rss_mb < MAX_RSS_MB


def test_entity_bomb_is_refused_fast_and_small(corpus):
    run = carbon("validate", corpus["entity_bomb_shared"], corpus["entity_bomb_sheet"], "--format", "json")
    assert [f["issues"][0]["code"] for f in run.json()["files"]] == ["unsafe_xml", "unsafe_xml"]
    assert run.cpu_seconds < 5 and run.peak_rss_mb < MAX_RSS_MB


def test_50mb_workbook_is_read_quickly(corpus):
    """Decision: a 50 MB file (a survey plus a big picture) is under the 100 MB file limit and
    inflates to 50 MB, under the 512 MB budget, so it is read; the picture is never parsed."""
    run = carbon("validate", corpus["big_50mb"], "--format", "json")
    no_traceback(run)
    assert run.code == 0 and file_result(run)["communities"] == ["HX-BIG"]
    assert run.cpu_seconds < 10 and run.peak_rss_mb < MAX_RSS_MB


def test_50mb_workbook_over_a_lower_limit_is_refused_clearly(corpus):
    run = carbon("validate", corpus["big_50mb"], "--format", "json", "--max-inflated-mb", "10")
    assert file_result(run)["issues"][0]["code"] == "workbook_too_large"
    with pytest.raises(InputError) as err:
        read_workbook(corpus["big_50mb"], limits=Limits(max_file_mb=10))
    issue = err.value.issue
    assert issue.code == "file_too_large"
    assert issue.message("zh") == "文件有 50.0 MB，超过上限 10 MB，已拒绝读取"
    assert "pictures" in issue.expected("en")


def test_batch_with_bombs_stays_fast_and_small(corpus, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for case in ("zip_bomb", "zip_bomb_declared", "entity_bomb_shared", "big_50mb", "lying_size"):
        shutil.copy2(corpus[case], folder)
    for community in GOOD:
        shutil.copy(SAMPLES / "communities" / f"{community}.xlsx", folder)
    run = carbon("batch", folder, "-o", tmp_path / "out", "-j", "2", "--quiet", "--no-pathways", "--no-reports")
    no_traceback(run)
    assert run.code == 1
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert {r["community_id"] for r in results["results"]} == {*GOOD, "HX-BIG"}
    assert len(results["failures"]) == 4
    assert run.cpu_seconds < 15 and run.peak_rss_mb < MAX_RSS_MB
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 < MAX_RSS_MB * 2


# --- values read from messy but valid files -----------------------------------------------------------


def test_formula_results_are_read_and_uncomputed_ones_reported(corpus):
    book = read_workbook(corpus["formula_no_value"])
    survey = book.surveys[0]
    assert survey.assessment["gas_pipeline_m3"] == 720_000  # a formula with its stored result
    assert "elec_public_area_kwh" not in survey.assessment  # a formula whose result is empty text
    assert [(i.code, i.location.cell) for i in book.all_issues if i.code == "formula_no_value"] == [
        ("formula_no_value", cell("elec_residential_kwh"))
    ]


def test_merged_community_id_covers_its_year_rows(corpus):
    [survey] = read_workbook(corpus["merged_table"]).surveys
    assert (survey.community_id, survey.assessment_year, survey.baseline_year) == ("HX-MT", 2023, 2021)


def test_merged_range_over_values_keeps_the_anchor_value(corpus):
    survey = read_workbook(corpus["merged_over_values"]).surveys[0]
    assert survey.assessment["elec_residential_kwh"] == 18_000_000
    issue = next(i for i in survey.issues if i.code == "merged_value_cell")
    assert issue.message("en").endswith(
        f"inside the merged range {cell('elec_residential_kwh')}:"
        f"{cell('gas_pipeline_m3')}, which shows the value of "
        f"{cell('elec_residential_kwh')}; this field's own value cannot be told"
    )


def test_ten_thousand_blank_rows_before_the_data(corpus):
    survey = read_workbook(corpus["blank_rows"]).surveys[0]
    assert survey.assessment["community_id"] == "HX-BLANK"
    assert survey.source("assessment", "elec_residential_kwh").cell == f"F{10_000 + field_row('elec_residential_kwh')}"


def test_csv_in_utf8_and_gb18030_read_alike(corpus):
    utf8 = read_workbook(corpus["csv_utf8"]).surveys
    gb = read_workbook(corpus["csv_gb18030"]).surveys
    assert [s.assessment["community_name"] for s in utf8] == ["测试社区CSV-U1", "测试社区CSV-U2"]
    assert [s.assessment["community_name"] for s in gb] == ["测试社区CSV-G1", "测试社区CSV-G2"]
    strip = ("community_id", "community_name")
    assert [{k: v for k, v in s.assessment.items() if k not in strip} for s in utf8] == [
        {k: v for k, v in s.assessment.items() if k not in strip} for s in gb
    ]


# --- permissions ------------------------------------------------------------------------------------------


@pytest.mark.skipif(IS_ROOT, reason="root reads a file with mode 000; see the simulated test below")
def test_permission_denied_through_the_cli(corpus):
    run = carbon("validate", corpus["no_permission"], "--format", "json")
    assert run.code == 1
    assert file_result(run)["issues"][0]["code"] == "permission_denied"


def test_permission_denied_simulated(corpus, monkeypatch, capsys):
    from carbon_cli.cli.app import main

    locked = corpus["no_permission"]
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    with pytest.raises(SystemExit) as exit_:
        main(["validate", str(locked), "--format", "json"])
    assert exit_.value.code == 1
    [issue] = json.loads(capsys.readouterr().out)["files"][0]["issues"]
    assert issue["code"] == "permission_denied" and str(locked) in issue["message"]


def test_svg_picture_with_a_doctype_does_not_block_a_survey(corpus, tmp_path):
    from tests.hostile.make_corpus import edit_xlsx

    svg = b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'
    path = tmp_path / "logo.xlsx"
    path.write_bytes(edit_xlsx(corpus["valid"].read_bytes(), {"xl/media/image1.svg": svg}))
    assert read_workbook(path).surveys[0].community_id == "HX-VALID"
