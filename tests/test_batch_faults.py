"""A batch that is interrupted or fails never leaves OUTDIR half-replaced.

Real batches are run as subprocesses and hurt: Ctrl-C and SIGKILL at random moments, a full
disk, a read-only output folder, a second batch into the same folder. After each, OUTDIR holds
either the previous outputs or the complete new ones, byte for byte, nothing is left beside it
once the next run is over, and that next run succeeds.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.test_batch import tree

pytestmark = pytest.mark.slow  # subprocesses, kills and full-disk runs

COMMUNITIES = SAMPLES / "communities"
SEED = int(os.environ.get("CARBON_FAULT_SEED", "20261130"))


def command(inputs: Path, out: Path, *extra: str, jobs: int = 1) -> list[str]:
    args = [sys.executable, "-m", "carbon_cli", "batch", str(inputs), "-o", str(out), "--quiet", "--jobs", str(jobs)]
    return [*args, *extra]


@pytest.fixture
def campaign(tmp_path: Path) -> dict[str, Path]:
    """An earlier batch of three communities in `out`, and the district now grown to eight;
    `expected` is a cold run of the eight into another folder."""
    first, district = tmp_path / "first", tmp_path / "district"
    first.mkdir()
    district.mkdir()
    for i, name in enumerate(f"FT-SH-{n:02d}" for n in range(1, 9)):
        if i < 3:
            shutil.copy(COMMUNITIES / f"{name}.xlsx", first)
        shutil.copy(COMMUNITIES / f"{name}.xlsx", district)
    work = tmp_path / "work"  # OUTDIR's parent: checked for debris
    work.mkdir()
    out, expected = work / "out", tmp_path / "expected"
    assert subprocess.run(command(first, out, "--no-pathways"), capture_output=True).returncode == 0
    assert subprocess.run(command(district, expected, "--no-pathways", "--no-cache")).returncode == 0
    return {"first": first, "district": district, "out": out, "expected": expected, "work": work}


def run_and_hurt(args: list[str], delay: float, hurt: signal.Signals) -> tuple[int, str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, hurt)  # the whole group, as Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def duration(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, capture_output=True, check=False)
    return time.perf_counter() - start


@pytest.mark.parametrize(
    ("hurt", "jobs"),
    [(signal.SIGINT, 1), (signal.SIGTERM, 1), (signal.SIGKILL, 1), (signal.SIGINT, 2), (signal.SIGKILL, 2)],
)
def test_killed_at_random_moments_outdir_is_old_or_new_never_mixed(campaign, hurt, jobs):
    """With --jobs 2 the files are read and their communities assessed in worker processes."""
    out, work = campaign["out"], campaign["work"]
    args = command(campaign["district"], out, "--no-pathways", "--no-cache", jobs=jobs)
    previous, complete = tree(out), tree(campaign["expected"])
    snapshot = work.parent / "snapshot"
    shutil.copytree(out, snapshot)
    whole = duration(command(campaign["district"], work.parent / "timing", "--no-pathways", "--no-cache", jobs=jobs))
    rng = random.Random(SEED + hurt + 100 * (jobs - 1))
    for moment in sorted(rng.uniform(0.1, 1.1) * whole for _ in range(3)):
        code, err = run_and_hurt(args, moment, hurt)
        now = tree(out)
        assert now in (previous, complete), f"killed at {moment:.2f}s of {whole:.2f}s: OUTDIR mixed"
        if hurt != signal.SIGKILL:  # Ctrl-C and SIGTERM unwind: nothing is left beside OUTDIR
            # 130, or killed by SIGINT (a shell shows 130 too): run with -m, CPython 3.11 exits so
            # when the interrupt came during an exec() (a dataclass made at import), even if caught
            assert code in (0, 130, -hurt, -signal.SIGINT), err
            assert sorted(p.name for p in work.iterdir()) == ["out"], f"debris after Ctrl-C at {moment:.2f}s"
        if now == complete:  # the kill came after the swap: start the next one from the old outputs
            shutil.rmtree(out)
            shutil.copytree(snapshot, out)
    # the next run clears what a killed one left, and succeeds
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert tree(out) == complete
    assert sorted(p.name for p in work.iterdir()) == ["out"]


def test_a_stale_lock_is_detected_and_taken_over(campaign):
    out, work = campaign["out"], campaign["work"]
    # what a run killed with SIGKILL leaves: its lock file (the system dropped the lock itself)
    # and a half-built work folder
    (work / ".out.carbon-lock").write_text('{"pid": 999999, "started": "2026-01-01 00:00:00"}', encoding="utf-8")
    (work / ".out.carbon-new-0badf00d" / "reports").mkdir(parents=True)
    (work / ".out.carbon-new-0badf00d" / "summary.md").write_text("half", encoding="utf-8")
    proc = subprocess.run(command(campaign["district"], out, "--no-pathways"), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "上次运行（进程 999999）被中断" in proc.stderr
    assert tree(out) == tree(campaign["expected"])
    assert sorted(p.name for p in work.iterdir()) == ["out"]


def test_a_second_batch_into_the_same_folder_is_refused_while_the_first_runs(campaign, tmp_path):
    out, work = campaign["out"], campaign["work"]
    env = {**os.environ, "CARBON_CACHE_DIR": str(tmp_path / "cache")}  # a cold cache: the first run takes seconds
    slow = command(campaign["district"], out, "--lang", "en")  # with pathways
    first = subprocess.Popen(slow, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lock = work / ".out.carbon-lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text(encoding="utf-8")) and time.monotonic() < deadline:
        time.sleep(0.02)
    second = subprocess.run(command(campaign["district"], out, "--lang", "en"), capture_output=True, text=True, env=env)
    assert first.poll() is None, "the first batch ended before the second started: make it slower"
    assert second.returncode == 1
    message = second.stderr.replace("\n", "")  # the terminal width folds long lines
    assert f"another carbon batch (process {first.pid}" in message and str(out) in message
    assert "Traceback" not in second.stderr
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    fresh = work.parent / "fresh"  # the same batch into a new folder (from the cache the first filled)
    assert subprocess.run(command(campaign["district"], fresh, "--lang", "en"), env=env).returncode == 0
    assert tree(out) == tree(fresh)
    assert sorted(p.name for p in work.iterdir()) == ["out"]


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def test_a_full_disk_leaves_the_previous_outputs(campaign, tmp_path, monkeypatch):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=200k", "tmpfs", str(disk)):
        return _full_disk_simulated(campaign, monkeypatch)
    try:
        out = disk / "out"
        small = command(campaign["first"], out, "--no-pathways", "--no-reports")
        assert subprocess.run(small, capture_output=True).returncode == 0
        previous = tree(out)
        big = command(campaign["district"], out, "--no-pathways", "--lang", "en")  # reports: ~200 kB more
        proc = subprocess.run(big, capture_output=True, text=True)
        assert proc.returncode == 1
        assert "cannot write" in proc.stderr and "no space left on the disk" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert tree(out) == previous
        assert sorted(p.name for p in disk.iterdir()) == ["out"]
        assert subprocess.run(small, capture_output=True).returncode == 0  # and the next run succeeds
        assert tree(out) == previous
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _full_disk_simulated(campaign, monkeypatch):
    """No tmpfs can be mounted here: the disk fills up under the fifth file instead."""
    from carbon_cli.batch.outdir import OutputFolder
    from carbon_cli.cli.app import main

    out, work = campaign["out"], campaign["work"]
    previous = tree(out)
    real = OutputFolder.write
    written = []

    def write(self, name, data):
        written.append(name)
        if len(written) == 5:
            raise __import__("carbon_cli.core.fileio").fileio.write_failed(
                self.outdir / name, OSError(28, "No space left on device")
            )
        real(self, name, data)

    monkeypatch.setattr(OutputFolder, "write", write)
    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(campaign["district"]), "-o", str(out), "-q", "--jobs", "1", "--no-pathways"])
    assert exit_.value.code == 1
    assert tree(out) == previous
    assert sorted(p.name for p in work.iterdir()) == ["out"]
    monkeypatch.setattr(OutputFolder, "write", real)
    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(campaign["district"]), "-o", str(out), "-q", "--jobs", "1", "--no-pathways"])
    assert exit_.value.code == 0 and tree(out) == tree(campaign["expected"])


def test_a_read_only_output_folder_is_refused_and_left_alone(campaign):
    out, work = campaign["out"], campaign["work"]
    previous = tree(out)
    if _mount("--bind", str(out), str(out)):
        protect = ["mount", "-o", "remount,ro,bind", str(out)]
        release = ["umount", str(out)]
        assert subprocess.run(protect, capture_output=True).returncode == 0
    elif os.geteuid() != 0:
        out.chmod(0o555)
        protect, release = None, None
    else:
        pytest.skip("root without mount: a read-only folder cannot be made")
    try:
        proc = subprocess.run(
            command(campaign["district"], out, "--no-pathways", "--lang", "en"), capture_output=True, text=True
        )
        assert proc.returncode == 1
        assert "cannot write" in proc.stderr and str(out) in proc.stderr.replace("\n", "")
        assert "Traceback" not in proc.stderr
        assert tree(out) == previous
        assert sorted(p.name for p in work.iterdir()) == ["out"]
    finally:
        if release:
            subprocess.run(release, check=False)
        else:
            out.chmod(0o755)
    proc = subprocess.run(command(campaign["district"], out, "--no-pathways"), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert tree(out) == tree(campaign["expected"])


def test_without_atomic_exchange_a_swap_killed_half_way_is_undone(tmp_path, monkeypatch):
    """Where the system cannot exchange two folders, OUTDIR is moved aside, then the new one in:
    a kill between the two leaves OUTDIR missing, and the next run puts it back first."""
    import carbon_cli.batch.outdir as outdir
    import carbon_cli.core.fileio as fileio
    from carbon_cli.batch.outdir import write_outputs

    monkeypatch.setattr(fileio, "exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_outputs(out, {"summary.md": b"one", "reports/A.md": b"a"}, [])
    write_outputs(out, {"summary.md": b"two"}, [])
    assert tree(out) == tree(out) and (out / "summary.md").read_bytes() == b"two"
    assert not (out / "reports").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    before = tree(out)
    out.rename(tmp_path / ".out.carbon-old-12345678")  # killed right after moving OUTDIR aside
    (tmp_path / ".out.carbon-new-87654321").mkdir()
    with outdir.OutputFolder(out) as folder:
        assert tree(out) == before  # put back before anything else
        folder.write("summary.md", b"three")
    assert tree(out) == before  # not committed: nothing changed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_outdir_that_is_a_mount_point_is_written_in_place(campaign, tmp_path):
    """A mount point (a container's volume) cannot be swapped: the files are built inside it and
    renamed into place; the outputs are the same."""
    out = tmp_path / "mounted"
    out.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(out)):
        pytest.skip("cannot mount a tmpfs here")
    try:
        for inputs in (campaign["first"], campaign["district"]):
            proc = subprocess.run(command(inputs, out, "--no-pathways"), capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
        assert tree(out) == tree(campaign["expected"])
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".carbon-cli.json"]
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)


def test_a_linked_outdir_stays_a_link_and_the_current_folder_is_written_in_place(tmp_path, monkeypatch):
    from carbon_cli.batch.outdir import write_outputs

    real, link = tmp_path / "real", tmp_path / "link"
    real.mkdir()
    link.symlink_to(real)
    write_outputs(link, {"summary.md": b"one"}, [])
    write_outputs(link, {"summary.md": b"two"}, [])
    assert link.is_symlink() and (real / "summary.md").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
    monkeypatch.chdir(real)  # `-o .`: the folder we run in is not swapped from under us
    write_outputs(Path("."), {"summary.md": b"three"}, [])
    assert Path.cwd().exists() and (real / "summary.md").read_bytes() == b"three"
    assert sorted(p.name for p in real.iterdir()) == [".carbon-cli.json", "summary.md"]
