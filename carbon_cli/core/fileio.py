"""Writing outputs atomically: a temporary file beside the target, then a rename; a folder
built beside another and swapped with it in one step.

An interrupted run (Ctrl-C, a crash) leaves either the old file or the new one, never half of
one. Inputs are protected: a target that is one of the run's input files is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

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
