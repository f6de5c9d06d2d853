"""Which files a command reads: the files named, and the survey files found in folders named."""

from __future__ import annotations

from pathlib import Path

from carbon_cli.survey.container import OTHER_SPREADSHEETS, SURVEY_SUFFIXES
from carbon_cli.survey.issues import Issue, Location


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Issue]]:
    """Files named, and survey files found (recursively, sorted) in folders named.

    Spreadsheets in other formats (.xlsb, .numbers …) are listed too, so each is reported rather
    than silently left out; Excel/WPS lock files, macOS resource forks and earlier batch
    outputs are skipped.
    """
    wanted = SURVEY_SUFFIXES + OTHER_SPREADSHEETS
    files: list[Path] = []
    problems: list[Issue] = []
    for path in paths:
        if path.is_dir():
            outputs = {p.parent for p in path.rglob(".carbon-cli.json")}  # earlier batch outputs
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in wanted
                and not p.is_dir()
                and not p.name.startswith(("~$", ".~", "._"))
                and not any(folder in p.parents for folder in outputs)
            )
            if not found:
                problems.append(Issue("no_workbooks", Location(str(path)), params={"path": str(path)}))
            files.extend(found)
        else:
            files.append(path)
    return files, problems
