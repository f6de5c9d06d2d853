"""Safe outputs: file names that stay in their folder, no formula injection in exports, atomic
writes, inputs never overwritten, output folders never clobbered, internal errors without a
traceback unless asked for."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from carbon_cli.batch.outdir import MANIFEST, check_outdir, write_outputs
from carbon_cli.core.errors import CarbonError, UsageError
from carbon_cli.core.fileio import MAX_NAME_BYTES, atomic_write, guard_inputs, safe_filename, unique_names
from carbon_cli.outputs.export import csv_bytes, neutralise, xlsx_bytes
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.issues import InputError, Issue, Location
from carbon_cli.survey.values import parse_value
from tests.conftest import ROOT, SAMPLES

SAMPLE = SAMPLES / "communities" / "FT-SH-03.xlsx"


def carbon(*args: str | Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "carbon_cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- file names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../x", "_x"),
        ("/etc/passwd", "_etc_passwd"),
        ("..\\..\\windows\\system32", "_.._windows_system32"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1", "_com1"),
        ("COM¹", "_COM1"),
        ("LPT9.md", "_LPT9.md"),
        ("", "community"),
        (".", "community"),
        ("..", "community"),
        ("...", "community"),
        (" .hidden", "hidden"),
        ("a:b*c?d", "a_b_c_d"),
        ("FT-SH-01", "FT-SH-01"),
        ("绮澜社区", "绮澜社区"),
        ("ＦＴ／01", "FT_01"),
        ("x\ud800y", "x_y"),
    ],
)
def test_safe_filename_examples(name, expected):
    assert safe_filename(name) == expected


def test_long_names_are_cut_at_a_character_boundary():
    assert safe_filename("a" * 500) == "a" * MAX_NAME_BYTES
    cut = safe_filename("社区" * 100)
    assert len(cut.encode("utf-8")) <= MAX_NAME_BYTES and cut == "社区" * 20


@given(st.text(st.characters(exclude_categories=()), max_size=300))
def test_safe_filename_never_leaves_its_folder(name):
    safe = safe_filename(name)
    assert safe and "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert safe not in (".", "..") and not safe.startswith(".")
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    folder = Path("/reports")
    assert (folder / f"{safe}.md").resolve().parent == folder


def test_unique_names_differ_ignoring_case():
    assert unique_names(["A", "a", "a", "b"]) == ["A", "a-2", "a-3", "b"]


# --- formula injection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        '=HYPERLINK("http://x")',
        "＝1",
        " =1+1",
        "\x01=cmd|' /C calc'!A0",
    ],
)
def test_text_a_spreadsheet_would_evaluate_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -0.5, 0, 12.5, None, True, "社区", "a=b", "1-2", "FT-SH-01"])
def test_numbers_and_plain_text_pass_unchanged(value):
    assert neutralise(value) is value


HOSTILE_ROW = {
    "community_id": '=HYPERLINK("http://evil","x")',
    "community_name": "+cmd",
    "street": "@x",
    "district": "-2+3",
    "note": "\x01=1+1",
    "per_capita_tco2e": -1.25,
}
COLUMNS = list(HOSTILE_ROW)


def test_csv_export_neutralises_formulas():
    text = csv_bytes(COLUMNS, [HOSTILE_ROW]).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == COLUMNS
    for column, value in zip(COLUMNS[:5], row[:5], strict=True):
        assert value == "'" + HOSTILE_ROW[column], column
    assert row[5] == "-1.25"  # a real negative number is kept as a number


def test_xlsx_export_neutralises_formulas(tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx_bytes([("results", COLUMNS, [HOSTILE_ROW])]))
    for data_only in (False, True):
        sheet = load_workbook(path, data_only=data_only)["results"]
        for c, column in enumerate(COLUMNS[:5], start=1):
            cell = sheet.cell(2, c)
            assert cell.data_type == "s" and isinstance(cell.value, str), column
            assert cell.value.startswith("'") and not cell.value.startswith("="), column
        assert sheet.cell(2, 6).value == -1.25 and sheet.cell(2, 6).data_type == "n"
    # "\x01" is not allowed in XML and is removed; what it uncovers is still neutralised
    assert load_workbook(path)["results"].cell(2, 5).value == "'=1+1"


# --- atomic writes and protected inputs -----------------------------------------------------------


class Boom(Exception):
    pass


@pytest.mark.parametrize("error", [Boom, KeyboardInterrupt])
def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, error):
    target = tmp_path / "results.csv"
    target.write_bytes(b"old content")

    def half_then_fail(f):
        f.write(b"new half")
        raise error("interrupted")

    with pytest.raises(error):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]  # no temporary file left


def test_atomic_write_failure_of_the_disk_is_a_clear_error(tmp_path):
    target = tmp_path / "results.csv"

    def disk_full(f):
        raise OSError(28, "No space left on device")

    with pytest.raises(CarbonError) as err:
        atomic_write(target, disk_full)
    assert err.value.code == "write_failed" and "no space left on the disk" in err.value.message("en")
    assert "磁盘空间不足" in err.value.message("zh")
    assert not list(tmp_path.iterdir())


def test_guard_inputs_sees_through_links(tmp_path):
    source = tmp_path / "survey.xlsx"
    source.write_bytes(b"x")
    (tmp_path / "link.xlsx").symlink_to(source)
    os.link(source, tmp_path / "hard.xlsx")
    for target in ("survey.xlsx", "link.xlsx", "hard.xlsx", "./survey.xlsx"):
        with pytest.raises(CarbonError) as err:
            guard_inputs(tmp_path / target, [source])
        assert err.value.code == "output_is_input"


def test_write_outputs_refuses_an_input_file_as_target(tmp_path):
    outdir = tmp_path / "out"
    outdir.mkdir()
    survey = outdir / "results.csv"  # a CSV district table that happens to sit in the output folder
    survey.write_bytes(b"community_id,year\n")
    before = digest(survey)
    for inputs in ([survey], [outdir.parent]):
        with pytest.raises(CarbonError) as err:
            write_outputs(outdir, {"results.csv": b"new", "summary.md": b"s"}, inputs)
        assert err.value.code == "output_is_input"
        assert digest(survey) == before
        assert not (outdir / "summary.md").exists()  # refused before anything was written


def test_write_outputs_refuses_the_input_folder(tmp_path):
    folder = tmp_path / "district"
    shutil.copytree(SAMPLES / "communities", folder)
    with pytest.raises(CarbonError) as err:
        write_outputs(folder, {"summary.md": b"s"}, [folder])
    assert err.value.code == "outdir_is_input"
    with pytest.raises(CarbonError) as err:
        check_outdir(folder, force=True, inputs=[folder])  # before the run, even with --force
    assert err.value.code == "outdir_is_input"
    assert "换一个输出文件夹" in err.value.message("zh")
    assert not (folder / "summary.md").exists() and not (folder / MANIFEST).exists()


def test_stale_outputs_never_include_an_input(tmp_path):
    outdir = tmp_path / "out"
    outdir.mkdir()
    survey = outdir / "FT-SH-01.xlsx"
    shutil.copy(SAMPLES / "communities" / "FT-SH-01.xlsx", survey)
    # a hand-edited (or hostile) manifest claiming the survey and a path outside the folder
    (outdir / MANIFEST).write_text(json.dumps({"files": ["FT-SH-01.xlsx", "../escape.txt", 7]}), encoding="utf-8")
    (tmp_path / "escape.txt").write_text("keep me", encoding="utf-8")
    before = digest(survey)
    write_outputs(outdir, {"summary.md": b"s"}, [survey])  # the input is kept, not removed as stale
    assert digest(survey) == before and (tmp_path / "escape.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in outdir.iterdir()) == [MANIFEST, "FT-SH-01.xlsx", "summary.md"]


def test_check_outdir_refuses_foreign_files_and_accepts_a_rerun(tmp_path):
    outdir = tmp_path / "out"
    check_outdir(outdir, force=False)  # does not exist yet: fine
    write_outputs(outdir, {"summary.md": b"s", "reports/A.md": b"a"}, [])
    check_outdir(outdir, force=False)  # a re-run over our own outputs
    (outdir / ".summary.md.a1b2c3d4.tmp").write_bytes(b"")  # left by a killed atomic write
    check_outdir(outdir, force=False)
    (outdir / "notes.docx").write_bytes(b"mine")
    with pytest.raises(CarbonError) as err:
        check_outdir(outdir, force=False)
    assert err.value.code == "outdir_not_ours" and "--force" in err.value.message("en")
    check_outdir(outdir, force=True)
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(CarbonError) as err:
        check_outdir(tmp_path / "file", force=False)
    assert err.value.message("zh").endswith("这是文件，不是文件夹")


def test_a_staged_folder_keeps_what_it_does_not_replace_and_leaves_no_manifest(tmp_path):
    """template --roster's folder: the new files replace theirs, every other file (an input, a
    note, a subfolder) is kept, nothing is added beside them; not committed, nothing changes."""
    from carbon_cli.core.fileio import StagedFolder

    folder = tmp_path / "forms"
    (folder / "returned").mkdir(parents=True)
    (folder / "A.xlsx").write_bytes(b"old A")
    (folder / "note.txt").write_bytes(b"note")
    (folder / "returned" / "B.xlsx").write_bytes(b"filled B")
    (folder / "roster.csv").write_bytes(b"id")
    with StagedFolder(folder, [folder / "roster.csv"], command="template") as out:
        out.write("A.xlsx", b"new A")
        out.write("C.xlsx", b"new C")
    assert (folder / "A.xlsx").read_bytes() == b"old A" and not (folder / "C.xlsx").exists()
    with StagedFolder(folder, [folder / "roster.csv"], command="template") as out:
        out.write("A.xlsx", b"new A")
        out.write("C.xlsx", b"new C")
        out.commit()
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert files == {
        "A.xlsx": b"new A",
        "C.xlsx": b"new C",
        "note.txt": b"note",
        "returned/B.xlsx": b"filled B",
        "roster.csv": b"id",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forms"]
    with pytest.raises(CarbonError) as err, StagedFolder(folder, [folder / "roster.csv"]) as out:
        out.write("roster.csv", b"x")
        out.commit()
    assert err.value.code == "output_is_input" and (folder / "roster.csv").read_bytes() == b"id"


def test_a_folder_another_command_is_writing_is_refused_naming_that_command(tmp_path):
    from carbon_cli.batch.outdir import OutputFolder
    from carbon_cli.core.fileio import StagedFolder

    folder = tmp_path / "forms"
    with StagedFolder(folder, command="template"), pytest.raises(CarbonError) as err, OutputFolder(folder, force=True):
        pass
    assert err.value.code == "outdir_locked"
    assert f"another carbon template (process {os.getpid()}," in err.value.message("en")
    assert f"另一个 carbon template（进程 {os.getpid()}，" in err.value.message("zh")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # both let go: nothing left


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["md", "json", "table"])
def test_assess_refuses_to_write_over_its_input(tmp_path, fmt):
    survey = tmp_path / "FT-SH-03.xlsx"
    shutil.copy(SAMPLE, survey)
    before = digest(survey)
    proc = carbon("assess", survey, "--format", fmt, "-o", survey)
    assert proc.returncode == 1
    assert "输出路径指向输入文件" in proc.stderr and str(survey) in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert digest(survey) == before


@pytest.mark.slow
def test_batch_refuses_the_input_folder_as_output(tmp_path):
    folder = tmp_path / "district"
    folder.mkdir()
    for name in ("FT-SH-01.xlsx", "FT-SH-02.xlsx"):
        shutil.copy(SAMPLES / "communities" / name, folder)
    before = {p.name: digest(p) for p in folder.iterdir()}
    proc = carbon("batch", folder, "-o", folder, "--force", "--quiet", "--no-pathways", "--no-reports")
    assert proc.returncode == 1
    assert "输出文件夹就是输入文件夹" in proc.stderr and "Traceback" not in proc.stderr
    assert {p.name: digest(p) for p in folder.iterdir()} == before


# --- internal errors and --debug ----------------------------------------------------------------------


def _boom(*args, **kwargs):
    raise RuntimeError("simulated bug")


@pytest.fixture
def broken_validation(monkeypatch):
    import carbon_cli.survey.validation

    monkeypatch.setattr(carbon_cli.survey.validation, "validate_paths", _boom)
    monkeypatch.delenv("CARBON_DEBUG", raising=False)


def run_main(args: list[str]) -> int:
    from carbon_cli.cli.app import main

    with pytest.raises(SystemExit) as exit_:
        main(args)
    return exit_.value.code


def test_internal_error_is_one_line_and_a_hint(broken_validation, capsys):
    assert run_main(["validate", str(SAMPLE)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("内部错误: RuntimeError: simulated bug")
    assert "--debug" in err and "不是你的数据的问题" in err
    assert run_main(["validate", str(SAMPLE), "--lang", "en"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error: RuntimeError: simulated bug") and "Rerun with --debug" in err


def test_debug_shows_the_traceback(broken_validation, capsys):
    assert run_main(["--debug", "validate", str(SAMPLE)]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: simulated bug" in err
    assert "in _boom" in err
    # --debug does not linger: the next run without it hides the traceback again
    assert run_main(["validate", str(SAMPLE)]) == 3
    assert "Traceback" not in capsys.readouterr().err


def test_user_errors_are_never_internal(capsys):
    assert run_main(["validate", "/no/such/file.xlsx"]) == 1
    assert run_main(["assess", "/no/such/file.xlsx"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "/no/such/file.xlsx: 文件或文件夹不存在" in err
    assert run_main(["validate", "--no-such-option"]) == 2


def test_errors_survive_a_worker_process():
    issue = Issue("corrupt_workbook", Location("a.xlsx", "S"), params={"detail": "x"})
    for error in (
        InputError(issue),
        UsageError("community_required", count=3, choices="a, b"),
        CarbonError("output_is_input", path="p"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and copy.message("en") == error.message("en")


# --- units round-trip -----------------------------------------------------------------------------------


F = dictionary()


@given(st.floats(min_value=0, max_value=1e11, allow_nan=False))
def test_energy_in_mwh_and_wan_kwh_reads_back_in_kwh(kwh):
    spec = F["elec_residential_kwh"]
    assert parse_value(f"{kwh / 1000!r}MWh", spec).value == pytest.approx(kwh, rel=1e-9, abs=1e-6)
    assert parse_value(kwh / 1e4, spec, "万千瓦时").value == pytest.approx(kwh, rel=1e-9, abs=1e-6)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_mass_in_tonnes_reads_back_in_kg_and_volume_in_wan_m3(amount):
    assert parse_value(f"{amount / 1000!r}吨", F["lpg_kg"]).value == pytest.approx(amount, rel=1e-9, abs=1e-6)
    assert parse_value(f"{amount / 1e4!r}万立方米", F["gas_pipeline_m3"]).value == pytest.approx(
        amount, rel=1e-9, abs=1e-6
    )
