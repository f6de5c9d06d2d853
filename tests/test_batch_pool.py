"""A batch with worker processes fails as cleanly as one without: the fault sweep.

In the way SQLite tests its I/O errors, every write of a batch's output folder is made to fail in
turn (the N-th, for every N, until a run succeeds), with one job and with two: each run ends
within a bound, exit 1, a message naming the file and the cause, no traceback (not even from a
worker), the previous output folder byte for byte, nothing left beside it, no worker left
running; and the next run into the same folder gets on. The same for a full disk of every size
(a tmpfs, as root), for SIGTERM and SIGKILL to the main process, and for a worker that dies;
every write failing for `validate --annotate` and `assess -o`; and for `template --roster`
every write failing, a full disk of every size and SIGTERM.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import AS_OF, SAMPLES
from tests.test_batch import tree

pytestmark = pytest.mark.slow  # many batches, processes killed, tmpfs mounts

COMMUNITIES = SAMPLES / "communities"
RUN_BOUND_S = 60  # a run that takes longer has hung: the test process is ended with a traceback
SEED = int(os.environ.get("CARBON_FAULT_SEED", "20261203"))


@pytest.fixture
def campaign(tmp_path: Path) -> dict[str, Path]:
    """`out` holds an earlier batch of three communities; `district` is the thirteen sample forms,
    `expected` a run of them into a fresh folder."""
    first, district = tmp_path / "first", tmp_path / "district"
    first.mkdir()
    shutil.copytree(COMMUNITIES, district)
    for name in ("FT-SH-01", "FT-SH-02", "FT-SH-03"):
        shutil.copy(COMMUNITIES / f"{name}.xlsx", first)
    work = tmp_path / "work"  # OUTDIR's parent: checked for debris
    work.mkdir()
    return {"first": first, "district": district, "work": work, "out": work / "out", "expected": tmp_path / "expected"}


def batch(inputs: Path, out: Path, jobs: int, *extra: str) -> tuple[int, float]:
    """`carbon batch` in this process (its workers forked from it), bounded in time."""
    from carbon_cli.cli.app import main

    args = ["batch", str(inputs), "-o", str(out), "-q", "--no-cache", "--lang", "en", "--jobs", str(jobs)]
    faulthandler.dump_traceback_later(RUN_BOUND_S, exit=True)
    start = time.perf_counter()
    try:
        main([*args, "--as-of", AS_OF, *extra])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        faulthandler.cancel_dump_traceback_later()
    return code, time.perf_counter() - start


def flat(text: str) -> str:
    """Without whitespace: the console folds long lines, at a space or within a path."""
    return "".join(text.split())


def assert_failed_cleanly(code: int, err: str, campaign: dict[str, Path], previous: dict[str, str], *names: str):
    """Exit 1, the message, no traceback, the previous outputs, no debris, no worker left."""
    assert code == 1, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert any(flat(n) in flat(err) for n in names), f"expected one of {names} in: {err}"
    assert tree(campaign["out"]) == previous
    assert sorted(p.name for p in campaign["work"].iterdir()) == [campaign["out"].name]
    assert not multiprocessing.active_children()


class Faults:
    """The I/O of a folder replaced at once (core.fileio.StagedFolder: a batch's output folder,
    `validate --annotate`'s, `template --roster`'s), with the `at`-th file failing at `stage`:
    as it is created ("open"), at its first write ("write"), or when it is flushed to disk
    ("flush")."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import carbon_cli.core.fileio as fileio

        self.at = 0
        self.stage = "write"
        self.count = 0
        self.names: list[str] = []
        real = open

        def failing_open(path, mode="r", *args, **kwargs):
            if "w" not in mode:
                return real(path, mode, *args, **kwargs)
            self.count += 1
            self.names.append(Path(path).name)
            if self.count == self.at and self.stage == "open":
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            f = real(path, mode, *args, **kwargs)
            return _Failing(f, self.stage) if self.count == self.at else f

        monkeypatch.setattr(fileio, "open", failing_open, raising=False)

    def arm(self, at: int, stage: str) -> None:
        self.at, self.stage, self.count, self.names = at, stage, 0, []


class _Failing:
    def __init__(self, f, stage: str) -> None:
        self._f, self._stage = f, stage

    def write(self, data):
        if self._stage == "write":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._f.write(data)

    def flush(self):
        if self._stage == "flush":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return self._f.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()

    def __getattr__(self, name):
        return getattr(self._f, name)


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_write_failing_in_turn_leaves_the_previous_outputs(campaign, jobs, monkeypatch, capfd):
    """The N-th file of the output folder fails for every N (at its first write; every third N
    at its creation, every third at its flush), then the final swap; each run fails cleanly and
    the next run gets on, until one with no fault succeeds and writes what a fresh run writes."""
    import carbon_cli.core.fileio as fileio

    out = campaign["out"]
    # pathways (large answers from the workers) where there are workers; without, sooner
    extra = () if jobs > 1 else ("--no-pathways",)
    assert batch(campaign["district"], campaign["expected"], jobs, *extra)[0] == 0
    complete = tree(campaign["expected"])
    assert batch(campaign["first"], out, jobs, *extra)[0] == 0
    previous = tree(out)
    capfd.readouterr()
    faults = Faults(monkeypatch)
    at, slowest, written = 0, 0.0, []
    while True:
        at += 1
        stage = ("write", "open", "flush")[at % 3]
        faults.arm(at, stage)
        code, seconds = batch(campaign["district"], out, jobs, *extra)
        err = capfd.readouterr().err
        slowest = max(slowest, seconds)
        if faults.count < at:  # fewer files than N: nothing failed
            break
        name = faults.names[-1]
        written.append(name)
        cause = "input/output error" if stage == "flush" else "no space left on the disk"
        assert flat(cause) in flat(err), f"file {at} ({name}, {stage}): {err}"
        assert_failed_cleanly(code, err, campaign, previous, f"cannot write {out}/")
        assert name in flat(err), err
    assert code == 0 and tree(out) == complete, capfd.readouterr().err
    assert {"summary.md", "results.csv", "results.xlsx", "results.json", ".carbon-cli.json"} <= set(written)
    assert sum(n.endswith(".md") for n in written) == 14  # thirteen reports and the summary
    # and the swap itself failing
    faults.arm(0, "write")
    assert batch(campaign["first"], out, jobs, *extra)[0] == 0
    previous = tree(out)

    def exchange(a, b):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(b))

    monkeypatch.setattr(fileio, "exchange", exchange)
    capfd.readouterr()
    code, seconds = batch(campaign["district"], out, jobs, *extra)
    err = capfd.readouterr().err
    assert_failed_cleanly(code, err, campaign, previous, f"cannot write {out}: input/output error")
    assert slowest < 30, f"a failing run took {slowest:.1f} s"


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _filling_sizes(base: int, pages: list[int]) -> list[int]:
    """tmpfs sizes in 4 KiB pages over `base` pages already used: one that fills up half-way
    through each new file of `pages` pages, then one where all fit."""
    return [base + sum(pages[:k]) + pages[k] // 2 for k in range(len(pages))] + [base + sum(pages) + 16]


@contextlib.contextmanager
def _tmpfs(disk: Path, size: int):
    """`disk` a tmpfs of `size` 4 KiB pages for the block (the test is skipped where it cannot be)."""
    if not _mount("-t", "tmpfs", "-o", f"size={size * 4}k", "tmpfs", str(disk)):
        pytest.skip("cannot mount a tmpfs here (needs root and mount)")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_full_disk_of_every_size_leaves_the_previous_outputs(campaign, jobs, capfd, tmp_path):
    """The output folder on a tmpfs holding the previous outputs, one size per output file: the
    size at which the disk fills up half-way through that file (reports, summary, results.csv,
    .xlsx, .json, in the order they are written), then one where everything fits. Each run
    fails cleanly naming a file and "no space left on the disk", or (the last) succeeds."""
    quick = "--no-pathways"  # the same files, made sooner
    assert batch(campaign["district"], campaign["expected"], jobs, quick)[0] == 0
    complete = tree(campaign["expected"])
    first = tmp_path / "first-out"
    assert batch(campaign["first"], first, jobs, quick)[0] == 0
    previous = tree(first)
    expected = campaign["expected"]
    order = [f"reports/{p.stem}.md" for p in sorted(campaign["district"].glob("*.xlsx"))]
    order += ["summary.md", "results.csv", "results.xlsx", "results.json"]
    assert {*order, ".carbon-cli.json"} == set(complete)  # the manifest: written over the first one, in its page
    pages = [_pages(expected / name) for name in order]
    base = sum(_pages(p) for p in first.rglob("*") if p.is_file()) + 2  # the lock, the first manifest
    sizes = _filling_sizes(base, pages)
    disk = tmp_path / "disk"
    disk.mkdir()
    named = set()
    for size in sizes:
        with _tmpfs(disk, size):
            work = disk / "work"
            work.mkdir()
            out = work / "out"
            shutil.copytree(first, out)
            capfd.readouterr()
            code, seconds = batch(campaign["district"], out, jobs, quick)
            err = capfd.readouterr().err
            assert seconds < 30, f"{size * 4} kB: {seconds:.1f} s"
            if size == sizes[-1]:
                assert code == 0 and tree(out) == complete, err
                continue
            assert flat("no space left on the disk") in flat(err), f"{size * 4} kB: {err}"
            case = {"out": out, "work": work}
            assert_failed_cleanly(code, err, case, previous, f"cannot write {out}")
            named |= {name for name in order if flat(f"{out}/{name}") in flat(err)}
    assert {"summary.md", "results.csv", "results.xlsx", "results.json"} <= named
    assert len(named) >= len(order) - 3, sorted(set(order) - named)


def _pages(path: Path) -> int:
    return max(1, -(-path.stat().st_size // 4096))


def test_a_worker_that_dies_loses_only_the_communities_it_held(monkeypatch):
    """SIGKILL (the out-of-memory killer) to a worker reading one form and to one assessing
    another: those are listed as failed, naming the cause; a new worker takes over; the rest
    of the batch is assessed."""
    import carbon_cli.batch.reading as reading
    import carbon_cli.batch.run as run
    from carbon_cli.outputs.district import BatchOptions

    main = os.getpid()
    read, assess = reading.read_cached, run._assess_one

    def read_or_die(path, *args, **kwargs):
        if os.getpid() != main and path.name == "FT-SH-02.xlsx":
            os.kill(os.getpid(), signal.SIGKILL)
        return read(path, *args, **kwargs)

    def assess_or_die(survey, *args, **kwargs):
        if os.getpid() != main and survey.community_id == "FT-SH-07":
            os.kill(os.getpid(), signal.SIGKILL)
        return assess(survey, *args, **kwargs)

    monkeypatch.setattr(reading, "read_cached", read_or_die)
    monkeypatch.setattr(run, "_assess_one", assess_or_die)
    paths = sorted(COMMUNITIES.glob("*.xlsx"))
    options = BatchOptions(pathways=False, reports=False)
    faulthandler.dump_traceback_later(RUN_BOUND_S, exit=True)
    try:
        whole = run.run_batch(paths, options, jobs=1)
        hurt = run.run_batch(paths, options, jobs=2)
    finally:
        faulthandler.cancel_dump_traceback_later()
    lost = [f for f in hurt.failures if f.issues[0].code == "worker_lost"]
    assert not [f for f in hurt.failures if f.issues[0].code == "internal_error"]  # not worded as a bug
    for f in lost:  # each names what its worker held, why it may have died, and that the batch goes on
        name = Path(f.file).name
        en = f"community {f.community} ({name})" if f.community else f"file {name}"
        zh = f"社区 {f.community}（{name}）" if f.community else f"文件 {name}"
        assert f.reason("en") == (
            f"the worker process holding {en} ended unexpectedly (SIGKILL, e.g. killed for lack of memory): "
            f"{en} was not assessed; the rest of the batch goes on"
        )
        assert f.reason("zh") == (
            f"处理{zh}的工作进程意外终止（SIGKILL，例如因内存不足被系统结束），{zh}未能评估；批处理的其余部分照常进行"
        )
        assert "--jobs" in f.issues[0].expected("en") and "内存不足" in f.issues[0].expected("zh")
    lost_files = {Path(f.file).name for f in lost if f.community is None}
    lost_communities = {f.community for f in lost if f.community is not None}
    assert "FT-SH-02.xlsx" in lost_files and "FT-SH-07" in lost_communities
    kept = {r.community_id for r in hurt.results}
    in_lost_files = {name.removesuffix(".xlsx") for name in lost_files}  # the sample forms are named by ID
    assert kept == {r.community_id for r in whole.results} - lost_communities - in_lost_files
    assert len(kept) >= len(whole.results) - 6  # a chunk is at most four files, two communities here
    assert not multiprocessing.active_children()


# --- signals to the main process -----------------------------------------------------------


def command(inputs: Path, out: Path, jobs: int = 2) -> list[str]:
    args = [sys.executable, "-m", "carbon_cli", "batch", str(inputs), "-o", str(out), "-q", "--no-cache"]
    return [*args, "--jobs", str(jobs), "--as-of", AS_OF, "--lang", "en"]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found.update(int(p) for p in f.read().split())
    return found


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.02)
    return {p for p in pids if _running(p)}


def _started(args: list[str]) -> tuple[subprocess.Popen[str], set[int], float]:
    """The batch started, once its two workers run; the time that took."""
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    workers: set[int] = set()
    while len(workers) < 2 and proc.poll() is None and time.monotonic() - start < 30:
        workers = _children(proc.pid)
        time.sleep(0.01)
    return proc, workers, time.monotonic() - start


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc to find the workers")
def test_sigterm_to_the_main_process_ends_the_workers_and_exits_within_2_s(campaign):
    """SIGTERM to the main process alone (not its group) at moments spread over the run, the
    final swap among them: it exits 130 (or 0 when it had finished) within 2 s, its workers end,
    OUTDIR is the previous outputs or the new ones, nothing is left beside it."""
    out, work = campaign["out"], campaign["work"]
    assert subprocess.run(command(campaign["first"], out), capture_output=True).returncode == 0
    previous = tree(out)
    start = time.monotonic()
    assert subprocess.run(command(campaign["district"], campaign["expected"]), capture_output=True).returncode == 0
    whole = time.monotonic() - start
    complete = tree(campaign["expected"])
    rng = random.Random(SEED)
    for share in sorted([0.0, 0.97, *(rng.uniform(0.1, 0.9) for _ in range(2))]):
        proc, workers, started = _started(command(campaign["district"], out))
        time.sleep(max(0.0, share * whole - started))
        workers |= _children(proc.pid)
        sent = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        assert took < 2, f"SIGTERM at {share:.0%}: exited after {took:.1f} s"
        assert proc.returncode in (0, 130, 143), err  # 0: it had finished
        assert "Traceback" not in err, err
        assert not _gone_within(workers, 1.0), f"SIGTERM at {share:.0%}: workers left running"
        now = tree(out)
        assert now in (previous, complete)
        assert sorted(p.name for p in work.iterdir()) == ["out"]
        if now == complete:
            shutil.rmtree(out)
            assert subprocess.run(command(campaign["first"], out), capture_output=True).returncode == 0


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc to find the workers")
def test_workers_of_a_killed_main_process_end_by_themselves(campaign):
    """SIGKILL to the main process alone: its workers notice and end within 2 s (none keeps
    the output folder's lock), and the next run succeeds."""
    out, work = campaign["out"], campaign["work"]
    assert subprocess.run(command(campaign["first"], out), capture_output=True).returncode == 0
    previous = tree(out)
    for delay in (0.0, 0.5):
        proc, workers, _ = _started(command(campaign["district"], out))
        time.sleep(delay)
        workers |= _children(proc.pid)
        assert workers, "no worker seen"
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert not _gone_within(workers, 2.0), "workers outlived their main process"
        assert tree(out) == previous
    proc = subprocess.run(command(campaign["district"], out), capture_output=True, text=True)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "interrupted" in proc.stderr  # the killed run's lock was found stale and taken over
    assert sorted(p.name for p in work.iterdir()) == ["out"]


# --- the other commands that write files ---------------------------------------------------


def _carbon(capfd, *args: str, lang: str = "en") -> tuple[int, str]:
    from carbon_cli.cli.app import main

    capfd.readouterr()
    try:
        main([*args, "--lang", lang])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capfd.readouterr().err


def test_validate_annotate_with_every_write_failing_leaves_the_previous_copies(tmp_path, monkeypatch, capfd):
    """`validate --annotate` writes its marked copies all at once, as a batch does."""
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(COMMUNITIES / "FT-SH-12.xlsx", first / "old-name.xlsx")  # a form with problems
    work = tmp_path / "work"
    work.mkdir()
    marked = work / "marked"
    assert _carbon(capfd, "validate", str(first), "--annotate", str(marked))[0] == 0  # warnings only
    previous = tree(marked)
    faults = Faults(monkeypatch)
    at = 0
    while True:
        at += 1
        faults.arm(at, ("write", "open", "flush")[at % 3])
        code, err = _carbon(capfd, "validate", str(COMMUNITIES), "--annotate", str(marked))
        if faults.count < at:
            break
        assert_failed_cleanly(code, err, {"out": marked, "work": work}, previous, f"cannot write {marked}/")
    assert code == 0 and "Traceback" not in err
    assert sorted(tree(marked)) == [".carbon-cli.json", "FT-SH-12.xlsx"] and at == 3


ROSTER_HEAD = "社区编码,社区名称,所属街道,所属区\n"


@pytest.fixture
def forms(tmp_path: Path, capfd) -> dict[str, Path]:
    """A forms folder from an earlier roster of three (and a note the district put beside them);
    a new roster of four, two of them already handed out; `expected`, the folder after a run of
    the new roster with --force: the two rewritten, two added, the third and the note kept."""
    rows = {line.split(",")[0]: line for line in (SAMPLES / "roster.txt").read_text("utf-8-sig").splitlines()[1:]}
    roster = {}
    for name, ids in (
        ("first", ("FT-SH-01", "FT-SH-02", "FT-SH-03")),
        ("new", ("FT-SH-02", "FT-SH-03", "FT-SH-04", "FT-SH-05")),
    ):
        roster[name] = tmp_path / f"{name}.csv"
        roster[name].write_text(ROSTER_HEAD + "".join(rows[i] + "\n" for i in ids), encoding="utf-8")
    work = tmp_path / "work"  # the forms folder's parent: checked for debris
    work.mkdir()
    folder, expected = work / "forms", tmp_path / "expected"
    for target in (folder, expected):
        assert _carbon(capfd, "template", "--roster", str(roster["first"]), "-o", str(target))[0] == 0
        (target / "说明.txt").write_text("4 月 30 日前交回\n", encoding="utf-8")
    assert _carbon(capfd, "template", "--roster", str(roster["new"]), "-o", str(expected), "--force")[0] == 0
    return {**roster, "work": work, "out": folder, "expected": expected}


def _template(capfd, forms: dict[str, Path], out: Path | None = None, lang: str = "en") -> tuple[int, str, float]:
    out = out or forms["out"]
    faulthandler.dump_traceback_later(RUN_BOUND_S, exit=True)
    start = time.perf_counter()
    try:
        code, err = _carbon(capfd, "template", "--roster", str(forms["new"]), "-o", str(out), "--force", lang=lang)
    finally:
        faulthandler.cancel_dump_traceback_later()
    return code, err, time.perf_counter() - start


def test_template_roster_with_every_write_failing_leaves_the_previous_forms(forms, monkeypatch, capfd):
    """`template --roster` hands out all its forms or none: the N-th form failing for every N (at
    its creation, first write or flush), then the swap itself; each run exits 1 naming the form
    and the cause (in Chinese by default), the forms folder byte for byte, nothing beside it; the
    next run gets on, and the one with no fault writes what a run without faults writes."""
    import carbon_cli.core.fileio as fileio

    out = forms["out"]
    previous, complete = tree(out), tree(forms["expected"])
    faults = Faults(monkeypatch)
    at = 0
    while True:
        at += 1
        stage = ("write", "open", "flush")[at % 3]
        faults.arm(at, stage)
        lang = "zh" if at == 1 else "en"  # the default wording, once
        code, err, seconds = _template(capfd, forms, lang=lang)
        if faults.count < at:
            break
        assert seconds < 30, f"form {at}: {seconds:.1f} s"
        name = faults.names[-1]
        if lang == "zh":
            assert flat(f"无法写入 {out}/{name}：磁盘空间不足") in flat(err), err
        else:
            cause = "input/output error" if stage == "flush" else "no space left on the disk"
            assert flat(f"cannot write {out}/{name}: {cause}") in flat(err), err
        assert_failed_cleanly(code, err, forms, previous, str(out))
    assert code == 0 and "Traceback" not in err, err
    assert tree(out) == complete
    assert at == 5  # each of the four forms failed in turn
    assert sorted(p.name for p in forms["work"].iterdir()) == ["forms"]

    def exchange(a, b):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(b))

    faults.arm(0, "write")  # no fault
    shutil.rmtree(out)  # back to the three forms and the note
    assert _carbon(capfd, "template", "--roster", str(forms["first"]), "-o", str(out))[0] == 0
    (out / "说明.txt").write_text("4 月 30 日前交回\n", encoding="utf-8")
    previous = tree(out)
    monkeypatch.setattr(fileio, "exchange", exchange)
    code, err, _ = _template(capfd, forms)
    assert_failed_cleanly(code, err, forms, previous, f"cannot write {out}: input/output error")
    monkeypatch.undo()
    code, err, _ = _template(capfd, forms)
    assert code == 0 and tree(out) == complete, err


def test_template_roster_on_a_full_disk_of_every_size_leaves_the_previous_forms(forms, capfd, tmp_path):
    """The forms folder on a tmpfs holding the previous forms, one size per new form (the disk
    fills up half-way through it), then one where all fit: each run fails cleanly naming a form
    and "no space left on the disk", or (the last) succeeds."""
    expected = forms["expected"]
    names = sorted(p.name for p in expected.glob("FT-SH-0[2-5].xlsx"))
    pages = [_pages(expected / name) for name in names]
    base = sum(_pages(p) for p in forms["out"].iterdir()) + 1  # the lock
    sizes = _filling_sizes(base, pages)
    disk = tmp_path / "disk"
    disk.mkdir()
    named = set()
    for size in sizes:
        with _tmpfs(disk, size):
            work = disk / "work"
            work.mkdir()
            out = work / "forms"
            shutil.copytree(forms["out"], out)
            previous = tree(out)
            code, err, seconds = _template(capfd, forms, out)
            assert seconds < 30, f"{size * 4} kB: {seconds:.1f} s"
            if size == sizes[-1]:
                assert code == 0 and tree(out) == tree(expected), err
                continue
            assert flat("no space left on the disk") in flat(err), f"{size * 4} kB: {err}"
            assert_failed_cleanly(code, err, {"out": out, "work": work}, previous, f"cannot write {out}")
            named |= {name for name in names if flat(f"{out}/{name}") in flat(err)}
    assert len(named) >= len(names) - 1, sorted(set(names) - named)


def test_sigterm_to_template_roster_leaves_the_previous_forms_and_nothing_beside(forms, tmp_path):
    """SIGTERM at moments spread over a run writing fourteen forms: it exits 130 (0 when it had
    finished, 143 before it began), the folder holds the previous forms or all the new ones,
    nothing is left beside it, and the next run succeeds."""
    roster = tmp_path / "all.csv"
    shutil.copy(SAMPLES / "roster.txt", roster)
    out, work = forms["out"], forms["work"]

    def args(folder: Path) -> list[str]:
        return [sys.executable, "-m", "carbon_cli", "template", "--roster", str(roster), "-o", str(folder), "--force"]

    fresh, snapshot = tmp_path / "fresh", tmp_path / "snapshot"
    shutil.copytree(out, fresh)
    shutil.copytree(out, snapshot)
    start = time.monotonic()
    assert subprocess.run(args(fresh), capture_output=True).returncode == 0
    whole = time.monotonic() - start
    previous, complete = tree(out), tree(fresh)
    rng = random.Random(SEED)
    for share in sorted(rng.uniform(0.2, 1.0) for _ in range(3)):
        proc = subprocess.Popen(
            args(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        time.sleep(share * whole)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=RUN_BOUND_S)
        assert proc.returncode in (0, 130, 143, -signal.SIGTERM), err
        assert "Traceback" not in err, err
        now = tree(out)
        assert now in (previous, complete), f"SIGTERM at {share:.0%}: the forms folder is mixed"
        assert sorted(p.name for p in work.iterdir()) == ["forms"], f"SIGTERM at {share:.0%}: debris"
        if now == complete:  # the signal came after the swap: start the next one from the old forms
            shutil.rmtree(out)
            shutil.copytree(snapshot, out)
    proc = subprocess.run(args(out), capture_output=True, text=True)
    assert proc.returncode == 0 and tree(out) == complete, proc.stderr


@pytest.mark.parametrize("stage", ["mkstemp", "write", "fsync", "replace"])
def test_assess_output_failing_at_each_step_leaves_the_previous_file(tmp_path, monkeypatch, capfd, stage):
    """`assess -o FILE` writes a temporary file beside FILE and renames it: a failure at any
    step leaves FILE as it was, and no temporary file."""
    import types

    import carbon_cli.core.fileio as fileio

    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.md"
    target.write_bytes(b"the previous report\n")
    real_os, real_tempfile = fileio.os, fileio.tempfile

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if stage == "mkstemp":
        monkeypatch.setattr(fileio, "tempfile", types.SimpleNamespace(mkstemp=fail))
    elif stage == "write":
        monkeypatch.setattr(
            fileio, "os", _Proxy(real_os, fdopen=lambda fd, mode: _Failing(real_os.fdopen(fd, mode), "write"))
        )
    else:
        monkeypatch.setattr(fileio, "os", _Proxy(real_os, **{stage: fail}))
    code, err = _carbon(capfd, "assess", str(COMMUNITIES / "FT-SH-01.xlsx"), "-o", str(target), "--as-of", AS_OF)
    assert code == 1, err
    assert "Traceback" not in err and flat(f"cannot write {target}: no space left on the disk") in flat(err), err
    assert target.read_bytes() == b"the previous report\n"
    assert sorted(p.name for p in folder.iterdir()) == ["report.md"]
    monkeypatch.setattr(fileio, "os", real_os)
    monkeypatch.setattr(fileio, "tempfile", real_tempfile)
    assert _carbon(capfd, "assess", str(COMMUNITIES / "FT-SH-01.xlsx"), "-o", str(target), "--as-of", AS_OF)[0] == 0
    assert target.read_bytes() != b"the previous report\n"
    assert sorted(p.name for p in folder.iterdir()) == ["report.md"]


class _Proxy:
    """A module with some of its functions replaced."""

    def __init__(self, module, **replaced) -> None:
        self._module, self._replaced = module, replaced

    def __getattr__(self, name):
        return self._replaced[name] if name in self._replaced else getattr(self._module, name)
