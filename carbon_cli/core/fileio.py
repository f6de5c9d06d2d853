"""Writing outputs atomically: a temporary file beside the target, then a rename; a folder
built beside another and swapped with it in one step (`StagedFolder`).

An interrupted run (Ctrl-C, a crash) leaves either the old file or the new one, never half of
one; the old folder or the new one, never a mix. Inputs are protected: a target that is one of
the run's input files is refused.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import Bilingual

if TYPE_CHECKING:
    from openpyxl import Workbook


class InputGuard:
    """The run's input files, resolved once, so each output is checked in constant time."""

    def __init__(self, inputs: Iterable[Path]) -> None:
        self.paths: set[Path] = set()
        self.inodes: set[tuple[int, int]] = set()
        for source in inputs:
            with contextlib.suppress(OSError):
                self.paths.add(Path(source).resolve())
                info = os.stat(source)
                self.inodes.add((info.st_dev, info.st_ino))

    def holds(self, target: Path) -> bool:
        """Whether `target` is one of the inputs, under any name (a link, a hard link)."""
        try:
            if Path(target).resolve() in self.paths:
                return True
            info = os.stat(target)
        except OSError:
            return False  # a target that does not exist yet is no input
        return (info.st_dev, info.st_ino) in self.inodes

    def check(self, target: Path) -> None:
        if self.holds(target):
            raise CarbonError("output_is_input", path=str(target))


def guard_inputs(target: Path, inputs: Iterable[Path]) -> None:
    InputGuard(inputs).check(target)


def atomic_write(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Call `write` on a temporary file in the target's folder, then move it into place."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise write_failed(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_failed(target, exc) from None
        raise


_WHY = {
    errno.EEXIST: ("已有同名的文件或文件夹", "a file or folder of that name exists"),
    errno.ENOTDIR: ("路径中有一段是文件而不是文件夹", "part of the path is a file, not a folder"),
    errno.EISDIR: ("这是一个文件夹", "it is a folder"),
    errno.EACCES: ("没有写入权限", "permission denied"),
    errno.EPERM: ("没有写入权限", "permission denied"),
    errno.ENOSPC: ("磁盘空间不足", "no space left on the disk"),
    getattr(errno, "EDQUOT", -1): ("超出磁盘配额", "disk quota exceeded"),
    errno.EIO: ("读写出错（磁盘或设备故障）", "input/output error (a fault of the disk or device)"),
    errno.EROFS: ("只读的文件系统", "read-only file system"),
    errno.ENOENT: ("所在的文件夹不存在", "the folder it goes in does not exist"),
}


def write_failed(path: Path | str, exc: OSError) -> CarbonError:
    """The error that `path` could not be written, the reason worded in both languages."""
    why = _WHY.get(exc.errno or 0)
    detail = Bilingual(*why) if why else exc.strerror or str(exc)
    return CarbonError("write_failed", path=str(path), detail=detail)


def fsync_folder(folder: Path) -> None:
    """Make the entries of `folder` (new names, renames) durable; a no-op where folders cannot
    be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE): at no moment does
    either name point at nothing. False where the system or file system cannot."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_cwd = -100
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(b))


# --- a folder replaced at once ----------------------------------------------------------------

TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # left by an atomic write that was killed
WORK = ".carbon-"  # lock and work folders of a run: `.carbon-lock`, `.carbon-new-<token>`, `.carbon-old-<token>`


class Lock:
    """An exclusive lock on a file, held by an open descriptor: the system releases it when the
    holder exits or is killed. The file records who holds it (and which command), for the
    message to a second run."""

    def __init__(self, path: Path, outdir: Path, command: str = "batch") -> None:
        self.path = path
        self.outdir = outdir
        self.command = command
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
                    command=holder.get("command", "batch"),
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
            me = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": self.command,
                "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps(me).encode("utf-8"), 0)
            except OSError as exc:  # a full disk: not even the lock's few bytes fit
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
                raise write_failed(self.outdir, exc) from None
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


class StagedFolder:
    """New files for a folder, written into a new folder beside it and put in its place by
    `commit()` together with every file of the old folder that no new file replaces; leaving the
    `with` block without committing leaves the folder as it was.

        with StagedFolder(folder, inputs, command="template") as out:
            out.write("a.xlsx", data)
            with out.open("b.xlsx") as f: ...
            out.commit()

    The new folder is made durable, then swapped with the old one in one step (or, without an
    atomic exchange, the old one moved aside and the new one in), so a run that is interrupted
    or fails (Ctrl-C, a kill, a full disk) leaves the old folder exactly as it was; what a
    killed run left beside it is cleared by the next run. A lock beside the folder refuses a
    second run while one is writing; the system drops a lock when its holder dies, so a lock
    left by a killed run is seen as stale and taken over. An input is never written over or
    removed.

    Where the folder cannot be swapped (it is a mount point, or its parent folder is not
    writable), the new files are built in a hidden folder inside it and renamed into place one
    by one: a failure while building still leaves the folder as it was, but a kill during the
    renames can leave a mix.

    What a kind of folder adds (carbon_cli/batch/outdir.py: a manifest of the files a batch
    wrote, the files of the previous run to drop) goes in the hooks `_check`, `_started`,
    `_dropped` and `_input_files`.
    """

    def __init__(self, folder: Path, inputs: list[Path] | None = None, command: str = "batch") -> None:
        # the folder itself: `out/.` or a link to a folder name the folder the files go into
        self.outdir = Path(os.path.realpath(folder))
        self.inputs = list(inputs or [])
        self.command = command  # named in the lock, for the message to a second run
        self.written: list[str] = []  # every file written, in order
        self.stale_lock: dict[str, Any] | None = None  # what a killed run's lock said, when one was found
        self.staging: Path | None = None
        self._lock: Lock | None = None
        self._beside = True
        self._committed = False

    # --- what a kind of folder adds ----------------------------------------------------------

    def _check(self) -> None:
        """Refuse the folder before anything is written (CarbonError): before the lock is taken,
        for a clear refusal first, and again once it is held."""
        if self.outdir.exists() and not self.outdir.is_dir():
            not_a_folder = Bilingual("这是文件，不是文件夹", "a file, not a folder")
            raise CarbonError("write_failed", path=str(self.outdir), detail=not_a_folder)

    def _started(self) -> None:
        """The new folder exists (`self.staging`), empty: what goes in it first."""

    def _dropped(self) -> set[str]:
        """Files of the old folder (relative, POSIX) not carried into the new one even though no
        new file replaces them: none here, everything is kept."""
        return set()

    def _input_files(self) -> list[Path]:
        """The files that must never be written over or removed."""
        return self.inputs

    # where the run works: beside the folder, or inside it when the folder cannot be swapped
    @property
    def _home(self) -> Path:
        return self.outdir.parent if self._beside else self.outdir

    @property
    def _prefix(self) -> str:
        return f".{self.outdir.name}{WORK}" if self._beside else WORK

    def __enter__(self) -> Self:
        outdir = self.outdir
        self._check()
        if outdir.exists() and not os.access(outdir, os.W_OK | os.X_OK):
            raise CarbonError("write_failed", path=str(outdir), detail=Bilingual("文件夹只读", "read-only folder"))
        self._beside = not outdir.exists() or _swappable(outdir)
        try:
            self._home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_failed(self._home, exc) from None
        self._lock = Lock(self._home / f"{self._prefix}lock", outdir, self.command)
        try:
            with signals_held():  # a Ctrl-C between creating the lock file and holding it would leave it
                self.stale_lock = self._lock.acquire()
            self._clear_debris()
            self._check()  # again, now that no other run can change it
            self.staging = self._home / f"{self._prefix}new-{secrets.token_hex(4)}"
            self.staging.mkdir()
            self._started()
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
        killed half-way on a system without atomic exchange left the folder aside: put it back."""
        import glob

        for path in sorted(self._home.glob(f"{glob.escape(self._prefix)}*")):
            name = path.name[len(self._prefix) :]
            if name.startswith("old-") and self._beside and not self.outdir.exists():
                os.rename(path, self.outdir)
            elif name.startswith(("new-", "old-")):
                shutil.rmtree(path, ignore_errors=True)

    # --- writing -----------------------------------------------------------------------------

    def _target(self, name: str) -> Path:
        if self.staging is None or self._committed:
            raise RuntimeError("the staged folder is not open")
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(f"output name outside the folder: {name}")
        return self.staging / rel

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        """A new file of the folder, written through the returned binary file."""
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
        self.written.append(name)

    def write(self, name: str, data: bytes) -> None:
        with self.open(name) as f:
            f.write(data)

    def commit(self) -> None:
        """Make every new file durable, then put the new folder in the old one's place."""
        assert self.staging is not None
        for folder, _, _ in os.walk(self.staging):
            fsync_folder(Path(folder))
        with signals_held():  # Ctrl-C now waits until the swap and its clean-up are done
            try:
                if self._beside:
                    self._swap()
                else:
                    self._move_in()
            except OSError as exc:
                raise write_failed(self.outdir, exc) from None
            self._committed = True
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)  # after a swap: the old folder
                self.staging = None
            fsync_folder(self._home)

    def _keep(self, guard: InputGuard) -> Iterator[tuple[Path, str]]:
        """Files in the old folder the new files do not replace, and are not dropped (see
        `_dropped`), and any input; temporary files of a killed write are left behind."""
        dropped = self._dropped()
        new = set(self.written)
        for folder, dirs, names in os.walk(self.outdir):
            dirs.sort()
            for name in sorted(names) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                path = Path(folder, name)
                rel = path.relative_to(self.outdir).as_posix()
                is_input = guard.holds(path)
                if rel in new and is_input:
                    raise CarbonError("output_is_input", path=str(path))
                if is_input or (rel not in dropped and rel not in new and not TEMPORARY.match(name)):
                    yield path, rel

    def _swap(self) -> None:
        assert self.staging is not None
        if not self.outdir.exists():
            os.rename(self.staging, self.outdir)
            self.staging = None
            return
        guard = InputGuard(self._input_files())
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
        """The folder cannot be swapped: rename each new file into it, then drop the old files
        to drop."""
        assert self.staging is not None
        guard = InputGuard(self._input_files())
        stale = self._dropped() - set(self.written)
        for name in self.written:
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
def signals_held() -> Iterator[None]:
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


@contextlib.contextmanager
def terminated_as_interrupted() -> Iterator[None]:
    """SIGTERM (a kill, a CI timeout) unwinds like Ctrl-C, so a StagedFolder's work folder and lock
    are removed."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (an embedding application)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _swappable(outdir: Path) -> bool:
    """The folder can be replaced by one made beside it: not a mount point, its parent on the
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


def write_bytes(target: Path, data: bytes) -> None:
    atomic_write(target, lambda f: f.write(data))


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def workbook_bytes(workbook: Workbook) -> bytes:
    """An openpyxl workbook as .xlsx bytes that do not change between runs.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; both are fixed
    here so the same content always gives the same bytes.
    """
    import datetime as dt
    import io
    import re
    import zipfile

    fixed = dt.datetime(*FIXED_TIME)
    props = workbook.properties
    props.created = fixed
    props.creator = "carbon-cli"
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*<", rb"<dcterms:modified\1>2000-01-01T00:00:00Z<", data)
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def write_workbook(target: Path, workbook: Workbook) -> None:
    write_bytes(target, workbook_bytes(workbook))


# --- names of output files ------------------------------------------------------------

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]|[\ud800-\udfff]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9]|conin\$|conout\$|clock\$)(\..*)?$", re.IGNORECASE)
MAX_NAME_BYTES = 120


def safe_filename(name: str, fallback: str = "community") -> str:
    """A file name from a community id or name that cannot leave its folder on any system."""
    text = unicodedata.normalize("NFKC", name)
    text = _UNSAFE.sub("_", text).strip(" .")
    text = re.sub(r"_{2,}", "_", text)
    if not text or set(text) <= {"_", "."}:
        text = fallback
    if _RESERVED.match(text):
        text = "_" + text
    text = text.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore")  # cut at a character boundary
    return text.rstrip(" .") or fallback


def unique_names(names: list[str], seen: set[str] | None = None) -> list[str]:
    """Make names unique case-insensitively (for case-insensitive file systems): a, a-2, a-3;
    also unlike those in `seen` (lower-cased), which grows by the names given."""
    seen = set() if seen is None else seen
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name}-{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out
