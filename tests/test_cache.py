"""Incremental re-runs: only what changed is read and assessed again, and a warm run writes the
same bytes as a cold one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carbon_cli.batch.cache import Cache
from carbon_cli.batch.run import run_batch
from carbon_cli.core.resources import DATA_DIR
from carbon_cli.outputs.district import BatchOptions
from tests.conftest import SAMPLES
from tests.test_batch import tree

COMMUNITIES = SAMPLES / "communities"


def carbon(*args: str | Path, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if cache is not None:
        import os

        env = {**os.environ, "CARBON_CACHE_DIR": str(cache)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "carbon_cli",
            "batch",
            *map(str, args),
            "-q",
            "--jobs",
            "1",
            "--lang",
            "en",
            "--no-pathways",
        ],
        capture_output=True,
        text=True,
        env=env,
    )


def set_value(path: Path, sheet: str, key: str, value: object) -> None:
    """Change the assessment-year value of field `key` in a form workbook."""
    book = load_workbook(path)
    for row in book[sheet].iter_rows(min_row=3):
        if row[0].value == key:
            row[5].value = value
    book.save(path)


@pytest.fixture
def district(tmp_path: Path) -> Path:
    folder = tmp_path / "district"
    folder.mkdir()
    for n in (1, 3, 4, 5, 7):
        shutil.copy(COMMUNITIES / f"FT-SH-{n:02d}.xlsx", folder)
    return folder


def counts(result) -> tuple[int, int, int, int]:
    c = result.cache
    return c.files_read, c.files_reused, c.assessed, c.reused


@pytest.mark.slow
def test_one_changed_workbook_of_five_is_the_only_one_read_and_assessed(district, tmp_path):
    cache = Cache(tmp_path / "cache")
    options = BatchOptions(pathways=False)
    assert counts(run_batch([district], options, jobs=1, cache=cache)) == (5, 0, 5, 0)
    assert counts(run_batch([district], options, jobs=1, cache=cache)) == (0, 5, 0, 5)
    set_value(district / "FT-SH-04.xlsx", "能源", "elec_residential_kwh", 9_000_000)
    warm = run_batch([district], options, jobs=1, cache=cache)
    assert counts(warm) == (1, 4, 1, 4)
    cold = run_batch([district], options, jobs=1)
    assert cold.cache is None
    assert [r.row for r in warm.results] == [r.row for r in cold.results]
    assert [r.summary for r in warm.results] == [r.summary for r in cold.results]


@pytest.mark.slow
def test_warm_outputs_equal_a_cold_run_byte_for_byte(district, tmp_path):
    cache, out, cold = tmp_path / "cache", tmp_path / "out", tmp_path / "cold"
    assert carbon(district, "-o", out, cache=cache).returncode == 0
    set_value(district / "FT-SH-05.xlsx", "能源", "elec_public_area_kwh", 1_500_000)
    proc = carbon(district, "-o", out, cache=cache)
    assert proc.returncode == 0, proc.stderr
    assert "cache: 4 communities reused, 1 assessed; 4 unchanged file(s) not read again" in proc.stderr
    assert carbon(district, "-o", cold, "--no-cache", cache=tmp_path / "unused").returncode == 0
    assert not (tmp_path / "unused").exists()  # --no-cache neither reads nor writes a cache
    assert tree(out) == tree(cold)
    assert len(tree(out)) == 10  # 5 reports, summary, 3 results, manifest


def test_one_changed_row_of_a_table_is_the_only_community_assessed(tmp_path):
    table = tmp_path / "table.xlsx"
    shutil.copy(SAMPLES / "district_table.xlsx", table)
    cache = Cache(tmp_path / "cache")
    options = BatchOptions(pathways=False, reports=False)
    first = run_batch([table], options, jobs=1, cache=cache)
    n = len(first.results)
    assert n >= 12 and counts(first) == (1, 0, n, 0)
    book = load_workbook(table)
    sheet = book.active
    population = next(c.column for c in sheet[1] if c.value == "常住人口（人）")
    last = sheet.max_row  # the last row: no other community's cells move
    sheet.cell(last, population).value = int(sheet.cell(last, population).value) + 500
    changed = sheet.cell(last, 1).value
    book.save(table)
    warm = run_batch([table], options, jobs=2, cache=cache)
    assert counts(warm) == (1, 0, 1, n - 1)
    cold = run_batch([table], options, jobs=1)
    assert [r.row for r in warm.results] == [r.row for r in cold.results]
    assert changed in {r.community_id for r in cold.results}


def test_a_changed_criteria_file_invalidates_every_result(district, tmp_path):
    criteria = tmp_path / "criteria.toml"
    shutil.copy(DATA_DIR / "criteria" / "sz-nzc-community.toml", criteria)
    cache = Cache(tmp_path / "cache")
    options = BatchOptions(criteria=str(criteria), pathways=False, reports=False)
    before = run_batch([district], options, jobs=1, cache=cache)
    assert counts(run_batch([district], options, jobs=1, cache=cache)) == (0, 5, 0, 5)
    text = criteria.read_text(encoding="utf-8")
    assert "min_score = 60" in text
    criteria.write_text(text.replace("min_score = 60", "min_score = 10", 1), encoding="utf-8")
    after = run_batch([district], options, jobs=1, cache=cache)
    assert counts(after) == (5, 0, 5, 0)  # nothing reused: each file read again to assess it anew
    cold = run_batch([district], options, jobs=1)
    assert [r.row for r in after.results] == [r.row for r in cold.results]
    assert [r.row for r in after.results] != [r.row for r in before.results]


def test_the_cache_is_bounded_and_a_damaged_entry_is_a_miss(district, tmp_path):
    folder = tmp_path / "cache"
    options = BatchOptions(pathways=False)
    cache = Cache(folder)
    cold = run_batch([district], options, jobs=1, cache=cache)
    entries = sorted(p for p in folder.rglob("*") if p.is_file())
    assert len(entries) == 10  # a reading per file, a result per community
    for entry in entries:
        entry.write_bytes(b"not a cache entry")
    again = run_batch([district], options, jobs=1, cache=cache)
    assert counts(again) == (5, 0, 5, 0)
    assert [r.row for r in again.results] == [r.row for r in cold.results]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    small = Cache(folder, max_mb=size / 2 / 1024 / 1024)
    assert small.prune() > 0
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) <= size / 2


def test_a_bug_met_while_reading_is_not_cached(district, tmp_path, monkeypatch):
    """An internal error says nothing about the file: the next run reads it again."""
    import carbon_cli.survey.reader as reader

    cache = Cache(tmp_path / "cache")
    options = BatchOptions(pathways=False)
    real = reader.stream_workbook

    def broken(path, **kwargs):
        if Path(path).name == "FT-SH-04.xlsx":
            raise RuntimeError("a bug")
        return real(path, **kwargs)

    monkeypatch.setattr(reader, "stream_workbook", broken)
    first = run_batch([district], options, jobs=1, cache=cache)
    assert [f.issues[0].code for f in first.failures] == ["internal_error"]
    monkeypatch.setattr(reader, "stream_workbook", real)
    second = run_batch([district], options, jobs=1, cache=cache)
    assert not second.failures and counts(second) == (1, 4, 1, 4)
