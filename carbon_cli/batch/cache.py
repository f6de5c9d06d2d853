"""A bounded, content-addressed cache of batch work, so a re-run redoes only what changed.

Two kinds of entry:
- a file's reading, named by the SHA-256 of the file's bytes, its path, the year chosen, the
  input limits and carbon-cli's code → the communities found (ID and content digests) and the
  file's failures;
- the results of a file's communities, named by the file's path and the run's settings
  (criteria, factor, measure and cost sets, report template, language, date, what is computed,
  carbon-cli's own code and data) → for each community, by the digest of its survey's content
  (values, where each was read, its issues): its result row, summary row and reports. One entry
  per file, not per community: a table of 100,000 communities is one file to write, not 100,000.

A value is only ever reused for the very inputs that made it, so a warm run writes the same
bytes as a cold one. Entries are compressed pickles in the user's cache folder (created private
to the user), written atomically; an unreadable entry is a miss. When the folder grows past its
bound the entries used longest ago are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import zlib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_MAX_MB = 1024.0


def default_folder() -> Path:
    """`CARBON_CACHE_DIR`, else the platform's per-user cache folder."""
    if env := os.environ.get("CARBON_CACHE_DIR"):
        return Path(env)
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "carbon-cli"


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@cache
def code_version() -> str:
    """carbon-cli's version and a digest of its code, data sets and templates: a change to any of
    them (a release, or an edit in a checkout) is a new version."""
    from carbon_cli import __version__
    from carbon_cli.core.resources import PACKAGE_DIR, templates_dir

    h = hashlib.sha256(__version__.encode())
    for root in (PACKAGE_DIR, templates_dir()):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml", ".j2", ".md", ".css", ".html") and "__pycache__" not in path.parts:
                h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def set_version(name_or_path: str | None) -> str:
    """A data set named on the command line: a user's file by its content; a built-in set is part
    of `code_version`."""
    if name_or_path and Path(name_or_path).is_file():
        return "file:" + file_digest(Path(name_or_path))
    return f"builtin:{name_or_path or ''}"


class Cache:
    """Entries under `folder`/<kind>/<2 hex>/<digest>; at most `max_mb` megabytes in all."""

    def __init__(self, folder: Path | None = None, max_mb: float = DEFAULT_MAX_MB) -> None:
        self.folder = Path(folder) if folder else default_folder()
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.usable = True

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> Any | None:
        path = self._path(kind, key)
        try:
            with open(path, "rb") as f:
                value = pickle.loads(zlib.decompress(f.read()))
        except (OSError, EOFError, ValueError, zlib.error, pickle.UnpicklingError, AttributeError, ImportError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: pruned last
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store `value`; a cache that cannot be written (full disk, read-only) is given up for
        the run, never an error."""
        if not self.usable:
            return
        path = self._path(kind, key)
        try:
            data = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
            if len(data) > self.max_bytes // 8:
                return  # one entry may not crowd out the rest
            if not path.parent.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            self.usable = False

    def prune(self) -> int:
        """Remove the entries used longest ago until the folder is within 90 % of its bound;
        returns the number removed."""
        entries = []
        total = 0
        for kind in ("read", "results"):
            root = self.folder / kind
            if not root.is_dir():
                continue
            for shard in os.scandir(root):
                if not shard.is_dir():
                    continue
                for entry in os.scandir(shard.path):
                    with contextlib.suppress(OSError):
                        info = entry.stat()
                        entries.append((info.st_mtime, entry.path, info.st_size))
                        total += info.st_size
        if total <= self.max_bytes:
            return 0
        removed = 0
        for _, path, size in sorted(entries):
            if total <= self.max_bytes * 0.9:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= size
                removed += 1
        return removed
