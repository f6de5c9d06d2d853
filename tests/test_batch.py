"""District batches: failure isolation, duplicates, ranking, exports, serial = parallel."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carbon_cli.batch.run import run_batch
from carbon_cli.outputs.district import BatchOptions
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_serial_and_parallel_runs_are_byte_identical(district, tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    carbon("batch", str(district), "-o", str(serial), "--jobs", "1", "--quiet")
    carbon("batch", str(district), "-o", str(parallel), "--jobs", "2", "--quiet")
    assert tree(serial) == tree(parallel)
    assert len(tree(serial)) >= 8


@pytest.mark.slow
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
    from carbon_cli.scoring.assessment import assess, assess_with_changes
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
    from carbon_cli.scoring.assessment import assess
    from carbon_cli.survey.reader import read_survey

    hopeless = assess(read_survey(COMMUNITIES / "FT-SH-10.xlsx"), factors, criteria)
    pathway = find_pathway(hopeless)
    assert pathway.status == "not_feasible"
    assert "C3" in pathway.blockers and "score" in pathway.blockers
    assert pathway.steps == ()


def test_a_bug_on_one_community_does_not_lose_the_others(monkeypatch):
    import carbon_cli.batch.run as batch

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


@pytest.mark.slow
def test_files_read_in_waves_give_the_same_results(district, monkeypatch):
    """Surveys are dropped wave by wave: a duplicate found waves after the first of its ID is
    still merged or reported as before, and reports are named as before."""
    import carbon_cli.batch.run as batch

    paths = [district, SAMPLES / "district_table.xlsx"]  # the table repeats the forms' communities
    options = BatchOptions(pathways=False)
    whole = run_batch(paths, options, jobs=1)
    monkeypatch.setattr(batch, "WAVE_FILES_PER_JOB", 1)
    waves = run_batch(paths, options, jobs=1)
    assert [(r.rank, r.report_name, r.row) for r in waves.results] == [
        (r.rank, r.report_name, r.row) for r in whole.results
    ]
    assert [(f.file, f.community, f.reason("en")) for f in waves.failures] == [
        (f.file, f.community, f.reason("en")) for f in whole.failures
    ]
    assert [i.to_dict("en") for i in waves.notes] == [i.to_dict("en") for i in whole.notes]
    assert len(whole.notes) >= 3 and any(f.file.endswith("zz-dup.xlsx") for f in whole.failures)


@pytest.mark.slow
def test_a_table_taken_in_parts_gives_the_same_results(district, monkeypatch):
    """A table's surveys are made, assessed and let go a part at a time (in the workers with
    --jobs 2, while the next part is read): any part size, serial or parallel, the same
    results, failures, merged duplicates and output bytes as one part."""
    import carbon_cli.batch.reading as reading
    import carbon_cli.batch.run as batch
    from carbon_cli.outputs.results import output_files

    paths = [SAMPLES / "district_table.xlsx", district]  # the forms repeat the table's communities
    options = BatchOptions(pathways=False, reports=False)
    whole = run_batch(paths, options, jobs=1)
    assert len(whole.results) == 13 and len(whole.notes) >= 3
    monkeypatch.setattr(batch, "PART_COMMUNITIES", 2)
    for wave, worker_bytes in ((1, reading.WORKER_FILE_BYTES), (16, 20_000)):  # 20 KB: forms read here, the table sent
        monkeypatch.setattr(batch, "WAVE_FILES_PER_JOB", wave)
        monkeypatch.setattr(reading, "WORKER_FILE_BYTES", worker_bytes)
        for jobs in (1, 2):
            parts = run_batch(paths, options, jobs=jobs)
            assert output_files(parts, options) == output_files(whole, options)
            assert [i.to_dict("en") for i in parts.notes] == [i.to_dict("en") for i in whole.notes]


def test_a_batch_holds_a_table_a_part_at_a_time(monkeypatch):
    """Never more than two parts of a table's surveys alive at once (one being assessed, one
    being made), whatever the table's size."""
    import weakref

    import carbon_cli.batch.run as batch
    import carbon_cli.survey.reader as reader

    alive = [0]
    most = []
    made = reader._table_survey
    real = batch.assess

    def survey(*args, **kwargs):
        s = made(*args, **kwargs)
        alive[0] += 1
        weakref.finalize(s, lambda: alive.__setitem__(0, alive[0] - 1))
        return s

    def assess(s, *args, **kwargs):
        most.append(alive[0])
        return real(s, *args, **kwargs)

    monkeypatch.setattr(reader, "_table_survey", survey)
    monkeypatch.setattr(batch, "assess", assess)
    monkeypatch.setattr(batch, "PART_COMMUNITIES", 3)
    result = run_batch([SAMPLES / "district_table.xlsx"], BatchOptions(pathways=False, reports=False), jobs=1)
    assert len(result.results) == 13 and len(most) == 13
    assert max(most) <= 2 * 3 < 13


def test_a_bug_making_one_survey_fails_its_file_not_the_batch(monkeypatch):
    """Surveys are made as the batch needs them: a bug met making one is its file's internal
    error; the communities made before it and the other files are still assessed."""
    import carbon_cli.survey.reader as reader

    made = reader._table_survey

    def survey(file, key, *args, **kwargs):
        if key == "FT-SH-05":
            raise KeyError("boom")
        return made(file, key, *args, **kwargs)

    monkeypatch.setattr(reader, "_table_survey", survey)
    paths = [SAMPLES / "district_table.xlsx", COMMUNITIES / "FT-SH-10.xlsx"]
    result = run_batch(paths, BatchOptions(pathways=False, reports=False), jobs=1)
    assert sorted(r.community_id for r in result.results) == [
        "FT-SH-01",
        "FT-SH-02",
        "FT-SH-03",
        "FT-SH-04",
        "FT-SH-10",
    ]
    (failure,) = result.failures
    assert failure.file.endswith("district_table.xlsx") and failure.issues[0].code == "internal_error"
    assert "KeyError" in failure.reason("en")


def test_results_json_written_row_by_row_is_json_dumps_text():
    """results.json's rows are encoded one at a time by the C encoder: the text is exactly what
    json.dumps(indent=2) gives for the whole document, odd values included."""
    from carbon_cli.core.jsonio import Rows, dumps

    rows = [
        {"rank": 1, "id": 'A"1\\', "name": "绮澜社区\n二", "score": 61.25, "ok": True, "gap": None, "n": -0.0},
        {"rank": 2, "id": "B", "name": "", "score": 1e-7, "ok": False, "gap": [1, {"a": 2}], "n": 10**20},
    ]
    document = {"files": 2, "results": rows, "failures": [], "plan": {"a": [1, 2]}, "none": []}
    expected = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert dumps({**document, "results": Rows(iter(rows))}) == expected
    assert (
        dumps({**document, "results": Rows([]), "none": Rows([])})
        == json.dumps({**document, "results": []}, ensure_ascii=False, indent=2) + "\n"
    )


def test_a_row_reads_and_pickles_as_the_dict_it_was_made_from():
    import pickle

    from carbon_cli.outputs.district import Row

    data = {"id": "A", "score": 1.5, "gaps": [{"key": "S1"}, {"key": "S2"}], "pathway": None}
    row = Row.of(data)
    assert dict(row) == {**data, "gaps": ({"key": "S1"}, {"key": "S2"})} and row.as_dict() == dict(row)
    assert row["score"] == 1.5 and row.get("missing", 0) == 0 and list(row) == list(data)
    again = pickle.loads(pickle.dumps([row, Row.of(data)]))
    assert [dict(r) for r in again] == [dict(row)] * 2
    assert again[0]._keys is again[1]._keys is row._keys  # one shared tuple of keys per shape


@pytest.fixture(scope="module")
def sample_batches():
    return {lang: run_batch([SAMPLES], BatchOptions(reports=False, lang=lang), jobs=1) for lang in ("zh", "en")}


def rendered(batch, lang: str, width: int) -> str:
    from rich.console import Console

    from carbon_cli.cli.ranking import batch_view

    console = Console(width=width, record=True, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
    for renderable in batch_view(batch, lang, width=width):
        console.print(renderable)
    return console.export_text()


def table_rows(text: str) -> list[list[str]]:
    """The ranking's body rows, each as its lines ("│  3 │ …" starts one, "│    │ …" continues it)."""
    rows: list[list[str]] = []
    body = False
    for line in text.splitlines():
        if line.startswith("┡"):
            body = True
        elif line.startswith("└"):
            break
        elif body:
            if line.split("│")[1].strip():
                rows.append([line])
            else:
                rows[-1].append(line)
    return rows


def check_ranking(batch, lang: str, width: int) -> str:
    from carbon_cli.core.i18n import display_width

    text = rendered(batch, lang, width)
    assert all(display_width(line.rstrip()) <= width for line in text.splitlines()), text
    rows = table_rows(text)
    assert len(rows) == len(batch.results)
    for row, result in zip(rows, batch.results, strict=True):
        assert len(row) <= 3, "\n".join(row)
        community = [line.split("│")[2].strip() for line in row]
        assert str(result.community_id) in community, "\n".join(row)  # the ID whole, on a line of its own
    return text


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [80, 100, 120])
def test_the_ranking_fits_the_terminal_with_ids_whole_and_rows_short(sample_batches, lang, width):
    text = check_ranking(sample_batches[lang], lang, width)
    assert ("排序：" if lang == "zh" else "Order:") in text
    assert "FT-SH-13" in text and ("前期/每年/10年" if lang == "zh" else "upfront/yr/10y") in text
    named = ("所需措施" if lang == "zh" else "Measures") in text.split("\n", 4)[3]  # the column heading
    assert named == (width >= 100)  # the measures are named only where there is room


def test_the_ranking_fits_80_columns_with_long_names_streets_and_ids(sample_batches):
    import dataclasses

    from carbon_cli.outputs.district import Row

    batch = sample_batches["zh"]
    results = []
    for n, r in enumerate(batch.results):
        summary = r.summary.as_dict()
        summary.update(name="深圳市福田区某某花园社区居民委员会", street="某某某某街道办事处", id=f"440304-001-{n:04d}")
        row = {**r.row, "community_id": summary["id"]}
        results.append(dataclasses.replace(r, summary=Row.of(summary), row=Row.of(row)))
    text = check_ranking(dataclasses.replace(batch, results=results), "zh", 80)
    assert "深圳市福田区某…" in text and "某…" in text  # names and streets cut, IDs whole


def test_the_output_folder_names_what_a_rerun_removed(tmp_path):
    from carbon_cli.batch.outdir import OutputFolder
    from carbon_cli.cli.commands.batch import removed_lines

    out = tmp_path / "out"
    with OutputFolder(out) as folder:
        for name in ("summary.md", "summary.html", "reports/A.md", "reports/A.docx", "reports/B.md"):
            folder.write(name, b"x")
        folder.commit()
    assert folder.removed == []
    (out / "reports" / "A.docx").unlink()  # gone already: not said to be removed
    with OutputFolder(out) as folder:
        folder.write("summary.md", b"y")
        folder.write("reports/A.md", b"y")
        folder.commit()
    assert folder.removed == ["reports/B.md", "summary.html"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".carbon-cli.json",
        "reports/A.md",
        "summary.md",
    ]
    assert removed_lines(folder.removed, ("md",), "en") == [
        "removed 1 file(s) of formats not asked for this time: html (to keep them, run with --report-format md,html)",
        "removed 1 file(s) of the previous run that this run did not write again "
        "(such as the reports of communities no longer in the input)",
    ]
    assert removed_lines([], ("md",), "zh") == []


@pytest.mark.slow
def test_a_rerun_says_which_files_of_the_previous_run_it_removed(tmp_path):
    out = tmp_path / "out"
    two = [str(COMMUNITIES / "FT-SH-01.xlsx"), str(COMMUNITIES / "FT-SH-02.xlsx")]
    first = carbon("batch", *two, "-o", str(out), "--report-format", "md,html,docx", "-q", "--no-cache")
    assert first.returncode == 0 and "已删除" not in first.stderr
    assert {p.suffix for p in (out / "reports").iterdir()} == {".md", ".html", ".docx"}
    again = carbon("batch", two[0], "-o", str(out), "-q", "--no-cache")
    assert again.returncode == 0
    assert {p.name for p in (out / "reports").iterdir()} == {"FT-SH-01.md"}
    flat = "".join(again.stderr.split())
    # summary and two reports in html and docx; FT-SH-02.md, no longer in the input
    assert "本次没有要求的格式（html、docx）的6个文件；要一并保留，请用--report-formatmd,html,docx" in flat
    assert "本次没有再写出的1个文件" in flat
    same = carbon("batch", two[0], "-o", str(out), "-q", "--no-cache", "--lang", "en")
    assert same.returncode == 0 and "removed" not in same.stderr  # nothing removed, nothing said
    back = carbon("batch", *two, "-o", str(out), "-q", "--no-cache", "--lang", "en", "--report-format", "html")
    assert (
        "removed 2 file(s) of formats not asked for this time: md (to keep them, run with --report-format html,md)"
        in " ".join(back.stderr.split())
    )


@pytest.mark.slow
def test_batch_modules_import_no_circle_and_only_the_cli_imports_them():
    """batch/ is the top stage below the CLI: its modules never import each other both ways (not
    even inside a function or for type checking), and only cli/ imports them."""
    import ast

    import carbon_cli

    root = Path(carbon_cli.__file__).parent
    imports: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        module = ".".join(("carbon_cli", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        names = imports.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
    batch = {m for m in imports if m.startswith("carbon_cli.batch.")}
    assert {"carbon_cli.batch.run", "carbon_cli.batch.reading", "carbon_cli.batch.pool"} <= batch
    for module, names in imports.items():
        if not module.startswith(("carbon_cli.batch", "carbon_cli.cli")):
            assert not names & batch, f"{module} imports {names & batch}"
    for a in batch:
        for b in batch & imports[a]:
            assert a not in imports[b], f"{a} and {b} import each other"
