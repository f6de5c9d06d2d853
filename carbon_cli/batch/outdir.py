"""The batch output folder: what carbon-cli writes there, refusing to clobber anything else, and
replacing it all at once.

A manifest (`.carbon-cli.json`) lists the files a run wrote; those of the previous run that a run
does not write again (a report format not asked for this time, a community no longer in the
input) are removed with it, and named (`OutputFolder.removed`) for the run to say so. A run builds
its files in a new folder beside OUTDIR and swaps it in only when every file is written and on
disk (carbon_cli.core.fileio.StagedFolder: a lock, a swap in one step, what killed runs left
cleared), so a run that is interrupted or fails (Ctrl-C, a kill, a full disk, a crash) leaves the
previous OUTDIR exactly as it was. A folder holding files carbon-cli did not write is refused
unless forced (and then those files are kept); an input, and every survey in an input folder, is
never written over or removed.
"""

from __future__ import annotations

import json
from pathlib import Path

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.fileio import TEMPORARY, WORK, InputGuard, StagedFolder
from carbon_cli.core.i18n import Bilingual

MANIFEST = ".carbon-cli.json"


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
    return name.startswith(WORK) or name.startswith(".~") or bool(TEMPORARY.match(name))


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
        if rel.parts[0].startswith(WORK):
            continue
        if path.is_file() and rel.as_posix() not in ours and not _ours_in_place(path.name):
            raise CarbonError("outdir_not_ours", path=str(outdir))


def _input_files(inputs: list[Path]) -> list[Path]:
    """The inputs, with every survey file inside the input folders: none may be written over."""
    from carbon_cli.survey.paths import expand_paths

    folders = [p for p in inputs if p.is_dir()]
    return [*inputs, *expand_paths(folders)[0]] if folders else list(inputs)


class OutputFolder(StagedFolder):
    """The files of one batch run, written into a new folder and put in place of OUTDIR by
    `commit()` with their manifest; leaving the `with` block without committing leaves OUTDIR
    as it was.

        with OutputFolder(outdir, inputs, force) as out:
            out.write("summary.md", data)
            with out.open("results.csv") as f: ...
            out.commit()
    """

    def __init__(self, outdir: Path, inputs: list[Path] | None = None, force: bool = False) -> None:
        super().__init__(outdir, inputs, command="batch")
        self.force = force
        self.removed: list[str] = []  # after commit: files of the previous run this one did not write again

    @property
    def files(self) -> list[str]:
        """The files written, the manifest aside."""
        return [name for name in self.written if name != MANIFEST]

    def _check(self) -> None:
        check_outdir(self.outdir, self.force, self.inputs)

    def _started(self) -> None:
        assert self.staging is not None
        # a manifest from the start: a survey search over a folder holding this one skips it
        (self.staging / MANIFEST).write_bytes(b'{"tool": "carbon-cli", "files": []}\n')

    def _dropped(self) -> set[str]:
        """Our previous outputs (not written again: removed) and the old manifest."""
        return previous_outputs(self.outdir) | {MANIFEST}

    def _input_files(self) -> list[Path]:
        return _input_files(self.inputs)

    def commit(self) -> None:
        """Write the manifest, then put the new folder in OUTDIR's place (see StagedFolder)."""
        assert self.staging is not None
        files = self.files
        previous = previous_outputs(self.outdir) - set(files) - {MANIFEST}
        gone = sorted(name for name in previous if (self.outdir / name).is_file())
        manifest = {"tool": "carbon-cli", "files": sorted(files)}
        with self.open(MANIFEST) as f:
            f.write((json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        super().commit()
        self.removed = [name for name in gone if not (self.outdir / name).exists()]


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
