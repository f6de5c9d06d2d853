"""The batch output folder: what carbon-cli writes there, and refusing to clobber anything else.

A manifest (`.carbon-cli.json`) lists the files a run wrote. A re-run replaces them; a folder
holding files carbon-cli did not write is refused unless forced; an input is never overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path

from carbon_cli.fileio import guard_inputs, write_bytes
from carbon_cli.issues import CarbonError

MANIFEST = ".carbon-cli.json"


def previous_outputs(outdir: Path) -> set[str]:
    try:
        data = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        return {str(p) for p in data.get("files", [])}
    except (OSError, ValueError, AttributeError):
        return set()


def check_outdir(outdir: Path, force: bool) -> None:
    """Refuse a folder holding files the tool did not write (unless `force`)."""
    if outdir.exists() and not outdir.is_dir():
        raise CarbonError("write_failed", path=str(outdir), detail="not a folder")
    if not outdir.exists() or force:
        return
    ours = previous_outputs(outdir) | {MANIFEST}
    for path in outdir.rglob("*"):
        if path.is_file() and path.relative_to(outdir).as_posix() not in ours and not path.name.startswith(".~"):
            raise CarbonError("outdir_not_ours", path=str(outdir))


def write_outputs(outdir: Path, files: dict[str, bytes], inputs: list[Path]) -> None:
    """Write every file atomically, drop this tool's stale outputs, then the manifest."""
    targets = {name: outdir / name for name in files}
    for target in targets.values():
        guard_inputs(target, inputs)
    stale = previous_outputs(outdir) - set(files)
    for name, data in files.items():
        write_bytes(targets[name], data)
    for name in sorted(stale):
        path = outdir / name
        if path.is_file() and path.resolve().is_relative_to(outdir.resolve()):
            guard_inputs(path, inputs)
            path.unlink()
    manifest = {"tool": "carbon-cli", "files": sorted(files)}
    write_bytes(outdir / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
