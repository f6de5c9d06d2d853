"""The batch output folder: what carbon-cli writes there, refusing to clobber anything else, and
replacing it all at once.

A manifest (`.carbon-cli.json`) lists the files a run wrote. A run builds its files in a new
folder beside OUTDIR and swaps it in only when every file is written and on disk, so a run that
is interrupted or fails (Ctrl-C, a kill, a full disk, a crash) leaves the previous OUTDIR exactly
as it was; what a killed run left beside it is cleared by the next run. A lock beside OUTDIR
refuses a second run while one is writing; the system drops a lock when its holder dies, so a
lock left by a killed run is seen as stale and taken over. A folder holding files carbon-cli did
not write is refused unless forced (and then those files are kept); an input is never written
over or removed.

Where OUTDIR cannot be swapped (it is a mount point, or its parent folder is not writable), the
new files are built in a hidden folder inside OUTDIR and renamed into place one by one: a failure
while building still leaves OUTDIR as it was, but a kill during the renames can leave a mix.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.fileio import InputGuard, exchange, fsync_folder, write_failed
from carbon_cli.core.i18n import Bilingual

MANIFEST = ".carbon-cli.json"
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # left by an atomic write that was killed
_WORK = ".carbon-"  # lock and work folders of a run: `.carbon-lock`, `.carbon-new-<token>`, `.carbon-old-<token>`


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.exists() and a.resolve() == b.resolve()
    except OSError:
        return False


def previous_outputs(outdir: Path) -> set[str]:
    try:
        data = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        files = data.get("files", [])
        return {p for p in files if isinstance(p, str)} if isinstance(files, list) else set()
    except (OSError, ValueError, AttributeError):
        return set()


def _ours_in_place(name: str) -> bool:
    """Names a run keeps inside OUTDIR itself when it cannot work beside it."""
    return name.startswith(_WORK) or name.startswith(".~") or bool(_TEMPORARY.match(name))


def check_outdir(outdir: Path, force: bool, inputs: list[Path] | None = None) -> None:
    """Refuse a folder holding files the tool did not write (unless `force`), and an input folder
    (even with `force`): checked before a run, so a long batch is not wasted."""
    for source in inputs or []:
        if source.is_dir() and _same_folder(outdir, source):
            raise CarbonError("outdir_is_input", path=str(outdir))
    if outdir.exists() and not outdir.is_dir():
        not_a_folder = Bilingual("这是文件，不是文件夹", "a file, not a folder")
        raise CarbonError("write_failed", path=str(outdir), detail=not_a_folder)
    if not outdir.exists() or force:
        return
    ours = previous_outputs(outdir) | {MANIFEST}
    for path in outdir.rglob("*"):
        rel = path.relative_to(outdir)
        if rel.parts[0].startswith(_WORK):
            continue
        if path.is_file() and rel.as_posix() not in ours and not _ours_in_place(path.name):
            raise CarbonError("outdir_not_ours", path=str(outdir))


def _input_files(inputs: list[Path]) -> list[Path]:
    """The inputs, with every survey file inside the input folders: none may be written over."""
    from carbon_cli.survey.paths import expand_paths

    folders = [p for p in inputs if p.is_dir()]
    return [*inputs, *expand_paths(folders)[0]] if folders else list(inputs)


# --- the lock ------------------------------------------------------------------------------------


class Lock:
    """An exclusive lock on a file, held by an open descriptor: the system releases it when the
    holder exits or is killed. The file records who holds it, for the message to a second run."""

    def __init__(self, path: Path, outdir: Path) -> None:
        self.path = path
        self.outdir = outdir
        self.fd: int | None = None

    def acquire(self) -> dict[str, Any] | None:
        """Take the lock; refused (CarbonError) while another run holds it. Returns what a dead
        holder left in the file (a stale lock), else None."""
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise write_failed(self.path, exc) from None
            if not _try_lock(fd):
                holder = _holder(fd)
                os.close(fd)
                raise CarbonError(
                    "outdir_locked",
                    path=str(self.outdir),
                    pid=holder.get("pid", "?"),
                    since=holder.get("started", "?"),
                    lock=str(self.path),
                )
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except OSError:
                same = False
            if not same:  # removed by the run that held it just before we locked: start again
                os.close(fd)
                continue
            stale = _holder(fd) or None
            me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(me).encode("utf-8"), 0)
            self.fd = fd
            return stale

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self.fd)  # closing drops the lock
        self.fd = None


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # no fcntl
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _holder(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


# --- the output folder of one run -------------------------------------------------------------


class OutputFolder:
    """The files of one batch run, written into a new folder and put in place of OUTDIR by
    `commit()`; leaving the `with` block without committing leaves OUTDIR as it was.

        with OutputFolder(outdir, inputs, force) as out:
            out.write("summary.md", data)
            with out.open("results.csv") as f: ...
            out.commit()
    """

    def __init__(self, outdir: Path, inputs: list[Path] | None = None, force: bool = False) -> None:
        # the folder itself: `out/.` or a link to a folder name the folder the files go into
        self.outdir = Path(os.path.realpath(outdir))
        self.inputs = list(inputs or [])
        self.force = force
        self.files: list[str] = []
        self.stale_lock: dict[str, Any] | None = None  # what a killed run's lock said, when one was found
        self.staging: Path | None = None
        self._lock: Lock | None = None
        self._beside = True
        self._committed = False

    # where the run works: beside OUTDIR, or inside it when OUTDIR cannot be swapped
    @property
    def _home(self) -> Path:
        return self.outdir.parent if self._beside else self.outdir

    @property
    def _prefix(self) -> str:
        return f".{self.outdir.name}{_WORK}" if self._beside else _WORK

    def __enter__(self) -> OutputFolder:
        outdir = self.outdir
        check_outdir(outdir, self.force, self.inputs)  # before the lock: a clear refusal first
        if outdir.exists() and not os.access(outdir, os.W_OK | os.X_OK):
            raise CarbonError("write_failed", path=str(outdir), detail=Bilingual("文件夹只读", "read-only folder"))
        self._beside = not outdir.exists() or _swappable(outdir)
        try:
            self._home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_failed(self._home, exc) from None
        self._lock = Lock(self._home / f"{self._prefix}lock", outdir)
        try:
            with _signals_held():  # a Ctrl-C between creating the lock file and holding it would leave it
                self.stale_lock = self._lock.acquire()
            self._clear_debris()
            check_outdir(outdir, self.force, self.inputs)  # again, now that no other run can change it
            self.staging = self._home / f"{self._prefix}new-{secrets.token_hex(4)}"
            self.staging.mkdir()
            # a manifest from the start: a survey search over a folder holding this one skips it
            (self.staging / MANIFEST).write_bytes(b'{"tool": "carbon-cli", "files": []}\n')
        except BaseException as exc:
            self._abandon()
            if isinstance(exc, OSError):
                raise write_failed(self._home, exc) from None
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._abandon()

    def _abandon(self) -> None:
        if self.staging is not None and not self._committed:
            shutil.rmtree(self.staging, ignore_errors=True)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _clear_debris(self) -> None:
        """Remove what killed runs left (we hold the lock, so no live run owns any of it); a swap
        killed half-way on a system without atomic exchange left OUTDIR aside: put it back."""
        for path in sorted(self._home.glob(f"{glob_escape(self._prefix)}*")):
            name = path.name[len(self._prefix) :]
            if name.startswith("old-") and self._beside and not self.outdir.exists():
                os.rename(path, self.outdir)
            elif name.startswith(("new-", "old-")):
                shutil.rmtree(path, ignore_errors=True)

    # --- writing -----------------------------------------------------------------------------

    def _target(self, name: str) -> Path:
        if self.staging is None or self._committed:
            raise RuntimeError("OutputFolder is not open")
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(f"output name outside the folder: {name}")
        return self.staging / rel

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        """A new file of the output, written through the returned binary file."""
        target = self._target(name)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            f = open(target, "wb")  # noqa: SIM115 - closed below, after fsync
        except OSError as exc:
            raise write_failed(self.outdir / name, exc) from None
        try:
            with f:
                yield f
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise write_failed(self.outdir / name, exc) from None
        if name != MANIFEST:
            self.files.append(name)

    def write(self, name: str, data: bytes) -> None:
        with self.open(name) as f:
            f.write(data)

    def commit(self) -> None:
        """Write the manifest, make every file durable, then put the new folder in OUTDIR's place."""
        assert self.staging is not None
        manifest = {"tool": "carbon-cli", "files": sorted(self.files)}
        with self.open(MANIFEST) as f:
            f.write((json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        for folder, _, _ in os.walk(self.staging):
            fsync_folder(Path(folder))
        with _signals_held():  # Ctrl-C now waits until the swap and its clean-up are done
            try:
                if self._beside:
                    self._swap()
                else:
                    self._move_in()
            except OSError as exc:
                raise write_failed(self.outdir, exc) from None
            self._committed = True
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)  # after a swap: the previous OUTDIR
                self.staging = None
            fsync_folder(self._home)

    def _keep(self, guard: InputGuard) -> Iterator[tuple[Path, str]]:
        """Files in OUTDIR the new outputs do not replace: those carbon-cli did not write (kept
        with --force), and any input; our previous outputs and temporary files are dropped."""
        ours = previous_outputs(self.outdir) | {MANIFEST}
        new = set(self.files)
        for folder, dirs, names in os.walk(self.outdir):
            dirs.sort()
            for name in sorted(names) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                path = Path(folder, name)
                rel = path.relative_to(self.outdir).as_posix()
                is_input = guard.holds(path)
                if rel in new and is_input:
                    raise CarbonError("output_is_input", path=str(path))
                if is_input or (rel not in ours and rel not in new and not _TEMPORARY.match(name)):
                    yield path, rel

    def _swap(self) -> None:
        assert self.staging is not None
        if not self.outdir.exists():
            os.rename(self.staging, self.outdir)
            self.staging = None
            return
        guard = InputGuard(_input_files(self.inputs))
        for path, rel in self._keep(guard):
            _carry(path, self.staging / rel)
        with contextlib.suppress(OSError):
            info = os.stat(self.outdir)
            os.chmod(self.staging, info.st_mode & 0o7777)
        if not exchange(self.staging, self.outdir):
            aside = self._home / f"{self._prefix}old-{secrets.token_hex(4)}"
            os.rename(self.outdir, aside)
            os.rename(self.staging, self.outdir)
            self.staging = aside

    def _move_in(self) -> None:
        """OUTDIR cannot be swapped: rename each new file into it, then drop stale outputs."""
        assert self.staging is not None
        guard = InputGuard(_input_files(self.inputs))
        stale = previous_outputs(self.outdir) - set(self.files) - {MANIFEST}
        for name in [*self.files, MANIFEST]:
            target = self.outdir / name
            guard.check(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / name, target)
        for name in sorted(stale):
            path = self.outdir / name
            if path.is_file() and path.resolve().is_relative_to(self.outdir.resolve()) and not guard.holds(path):
                path.unlink()
        fsync_folder(self.outdir)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM are held back (delivered on leaving) where the system allows it."""
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swappable(outdir: Path) -> bool:
    """OUTDIR can be replaced by a folder made beside it: not a mount point, its parent on the
    same file system and writable."""
    try:
        parent = outdir.resolve().parent
        if Path.cwd().resolve().is_relative_to(outdir.resolve()):
            return False  # the folder we run in: replacing it would leave us in a deleted folder
        return (
            not os.path.ismount(outdir)
            and os.stat(parent).st_dev == os.stat(outdir).st_dev
            and os.access(parent, os.W_OK | os.X_OK)
        )
    except OSError:
        return False


def _carry(source: Path, target: Path) -> None:
    """The same file under a new folder: a hard link (no copy, no space), a copy where linking fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def glob_escape(text: str) -> str:
    import glob

    return glob.escape(text)


def write_outputs(outdir: Path, files: dict[str, bytes], inputs: list[Path]) -> None:
    """Write every file and swap them in as OUTDIR in one step (see OutputFolder).

    Refused before anything is written: an output folder that is an input folder (its
    manifest would hide the inputs from the next run), and any target that is an input file.
    """
    guard = InputGuard(_input_files(inputs))
    for name in [*files, MANIFEST]:
        guard.check(outdir / name)
    with OutputFolder(outdir, inputs, force=True) as out:
        for name, data in files.items():
            out.write(name, data)
        out.commit()
