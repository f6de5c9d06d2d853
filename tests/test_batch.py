"""District batches: failure isolation, duplicates, ranking, exports, serial = parallel."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carbon_cli.batch import BatchOptions, run_batch
from carbon_cli.planning.pathway import find_pathway
from tests.conftest import SAMPLES

COMMUNITIES = SAMPLES / "communities"


def carbon(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "carbon_cli", *args], capture_output=True, text=True)


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def district(tmp_path: Path) -> Path:
    """Four good communities, one corrupt file, one conflicting duplicate ID."""
    folder = tmp_path / "district"
    folder.mkdir()
    for name in ("FT-SH-01", "FT-SH-03", "FT-SH-04", "FT-SH-10"):
        shutil.copy(COMMUNITIES / f"{name}.xlsx", folder / f"{name}.xlsx")
    (folder / "broken.xlsx").write_bytes((COMMUNITIES / "FT-SH-02.xlsx").read_bytes()[:3000])
    # the same ID as FT-SH-04 but other data: must be reported, not overwrite FT-SH-04
    shutil.copy(COMMUNITIES / "FT-SH-05.xlsx", folder / "zz-dup.xlsx")
    book = load_workbook(folder / "zz-dup.xlsx")
    sheet = book["基本信息"]
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == "community_id":
            row[5].value = "FT-SH-04"
    book.save(folder / "zz-dup.xlsx")
    return folder


def test_batch_isolates_failures_and_reports_duplicates(district, tmp_path):
    out = tmp_path / "out"
    proc = carbon("batch", str(district), "-o", str(out), "--jobs", "1", "--lang", "en")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(r["community_id"] for r in data["results"]) == ["FT-SH-01", "FT-SH-03", "FT-SH-04", "FT-SH-10"]
    failures = {Path(f["file"]).name: f for f in data["failures"]}
    assert set(failures) == {"broken.xlsx", "zz-dup.xlsx"}
    assert failures["broken.xlsx"]["issues"][0]["code"] == "corrupt_workbook"
    assert failures["zz-dup.xlsx"]["issues"][0]["code"] == "duplicate_community"
    assert "FT-SH-04.xlsx" in failures["zz-dup.xlsx"]["reason"]
    ft04 = next(r for r in data["results"] if r["community_id"] == "FT-SH-04")
    assert ft04["source_file"].endswith("FT-SH-04.xlsx")
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "broken.xlsx" in summary and "zz-dup.xlsx" in summary
    for r in data["results"]:
        assert (out / r["report"]).is_file()


def test_results_ranked_and_exported_consistently(district, tmp_path):
    out = tmp_path / "out"
    carbon("batch", str(district), "-o", str(out), "--jobs", "1")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ranks = [r["community_id"] for r in data["results"]]
    assert ranks[0] == "FT-SH-01"  # eligible first
    assert ranks[-1] == "FT-SH-10"  # not feasible last
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4]
    with (out / "results.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["community_id"] for r in rows] == ranks
    assert float(rows[0]["score"]) == data["results"][0]["score"]
    sheet = load_workbook(out / "results.xlsx")["results"]
    assert [c.value for c in sheet["B"]][1:] == ranks
    feasibility = {r["community_id"]: r["feasibility"] for r in data["results"]}
    assert feasibility == {
        "FT-SH-01": "ready",
        "FT-SH-03": "reachable",
        "FT-SH-04": "reachable",
        "FT-SH-10": "not_feasible",
    }


def test_serial_and_parallel_runs_are_byte_identical(district, tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    carbon("batch", str(district), "-o", str(serial), "--jobs", "1", "--quiet")
    carbon("batch", str(district), "-o", str(parallel), "--jobs", "2", "--quiet")
    assert tree(serial) == tree(parallel)
    assert len(tree(serial)) >= 8


def test_rerun_replaces_own_outputs_and_refuses_foreign_folder(district, tmp_path):
    out = tmp_path / "out"
    assert carbon("batch", str(COMMUNITIES / "FT-SH-01.xlsx"), "-o", str(out), "-q").returncode == 0
    first = tree(out)
    assert carbon("batch", str(COMMUNITIES / "FT-SH-01.xlsx"), "-o", str(out), "-q").returncode == 0
    assert tree(out) == first
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.docx").write_text("mine")
    proc = carbon("batch", str(COMMUNITIES / "FT-SH-01.xlsx"), "-o", str(foreign), "--lang", "en")
    assert proc.returncode == 1 and "did not write" in proc.stderr
    assert (foreign / "notes.docx").read_text() == "mine"


def test_sample_data_has_every_feasibility_class():
    result = run_batch([SAMPLES], BatchOptions(reports=False), jobs=1)
    assert result.ok
    classes = {r.feasibility for r in result.results}
    assert {"ready", "reachable", "not_feasible"} <= classes
    assert len(result.results) >= 12


def test_one_measure_away_and_c4_only(factors, criteria):
    from carbon_cli.assessment import assess, assess_with_changes
    from carbon_cli.survey.reader import read_survey

    # FT-SH-03 fails only control C4: the pathway is exactly M15
    c4_only = assess(read_survey(COMMUNITIES / "FT-SH-03.xlsx"), factors, criteria)
    assert [c.criterion.key for c in c4_only.evaluation.failed_controls] == ["C4"]
    assert [m.key for m in find_pathway(c4_only).measures] == ["M15"]
    # FT-SH-04 is one low-effort measure short of pass
    near = assess(read_survey(COMMUNITIES / "FT-SH-04.xlsx"), factors, criteria)
    pathway = find_pathway(near)
    assert [m.key for m in pathway.measures] == ["M17"] and pathway.effort == 1
    # applying the pathway's changes by hand (what --set does) gives the same score
    by_hand = assess_with_changes(near.survey, factors, criteria, pathway.changes)
    assert by_hand.score == pytest.approx(pathway.score_after, rel=1e-12)
    assert by_hand.verdict == pathway.verdict_after == "eligible"


def test_hopeless_community_is_not_feasible_and_names_blockers(factors, criteria):
    from carbon_cli.assessment import assess
    from carbon_cli.survey.reader import read_survey

    hopeless = assess(read_survey(COMMUNITIES / "FT-SH-10.xlsx"), factors, criteria)
    pathway = find_pathway(hopeless)
    assert pathway.status == "not_feasible"
    assert "C3" in pathway.blockers and "score" in pathway.blockers
    assert pathway.steps == ()


def test_a_bug_on_one_community_does_not_lose_the_others(monkeypatch):
    import carbon_cli.batch as batch

    real = batch.assess

    def flaky(survey, *args, **kwargs):
        if survey.community_id == "FT-SH-03":
            raise ZeroDivisionError("boom")
        return real(survey, *args, **kwargs)

    monkeypatch.setattr(batch, "assess", flaky)
    paths = [COMMUNITIES / "FT-SH-01.xlsx", COMMUNITIES / "FT-SH-03.xlsx"]
    result = run_batch(paths, BatchOptions(reports=False, pathways=False), jobs=1)
    assert [r.community_id for r in result.results] == ["FT-SH-01"]
    (failure,) = result.failures
    assert failure.community == "FT-SH-03" and failure.issues[0].code == "internal_error"
    assert "ZeroDivisionError: boom" in failure.reason("en")
