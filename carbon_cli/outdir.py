"""The batch output folder: what carbon-cli writes there, and refusing to clobber anything else.

A manifest (`.carbon-cli.json`) lists the files a run wrote. A re-run replaces them; a folder
holding files carbon-cli did not write is refused unless forced; an input is never overwritten.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from carbon_cli.fileio import InputGuard, write_bytes
from carbon_cli.i18n import Bilingual
from carbon_cli.issues import CarbonError

MANIFEST = ".carbon-cli.json"
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # left by an atomic write that was killed


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
        if (
            path.is_file()
            and path.relative_to(outdir).as_posix() not in ours
            and not path.name.startswith(".~")
            and not _TEMPORARY.match(path.name)
        ):
            raise CarbonError("outdir_not_ours", path=str(outdir))


def _input_files(inputs: list[Path]) -> list[Path]:
    """The inputs, with every survey file inside the input folders: none may be written over."""
    from carbon_cli.survey.workbook import expand_paths

    folders = [p for p in inputs if p.is_dir()]
    return [*inputs, *expand_paths(folders)[0]] if folders else list(inputs)


def write_outputs(outdir: Path, files: dict[str, bytes], inputs: list[Path]) -> None:
    """Write every file atomically, drop this tool's stale outputs, then the manifest.

    Refused before anything is written: an output folder that is an input folder (its
    manifest would hide the inputs from the next run), and any target that is an input file.
    """
    for source in inputs:
        if source.is_dir() and _same_folder(outdir, source):
            raise CarbonError("outdir_is_input", path=str(outdir))
    guard = InputGuard(_input_files(inputs))
    targets = {name: outdir / name for name in files}
    for target in [*targets.values(), outdir / MANIFEST]:
        guard.check(target)
    stale = previous_outputs(outdir) - set(files)
    for name, data in files.items():
        write_bytes(targets[name], data)
    for name in sorted(stale):
        path = outdir / name
        if path.is_file() and path.resolve().is_relative_to(outdir.resolve()):
            guard.check(path)
            path.unlink()
    manifest = {"tool": "carbon-cli", "files": sorted(files)}
    write_bytes(outdir / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
