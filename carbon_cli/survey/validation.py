"""Validating many survey files: each file's communities and issues, never stopping at a bad one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon_cli.survey.container import Limits
from carbon_cli.survey.issues import InputError, Issue
from carbon_cli.survey.model import Survey
from carbon_cli.survey.paths import expand_paths
from carbon_cli.survey.reader import read_workbook


@dataclass
class FileResult:
    file: str
    layout: str | None
    communities: list[str]
    issues: list[Issue] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list, repr=False)  # what was read, for the collection status

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "file": self.file,
            "layout": self.layout,
            "communities": self.communities,
            "errors": len(self.errors),
            "warnings": len(self.issues) - len(self.errors),
            "issues": [i.to_dict(lang) for i in self.issues],
        }


@dataclass
class ValidationReport:
    files: list[FileResult]

    @property
    def error_count(self) -> int:
        return sum(len(f.errors) for f in self.files)

    @property
    def warning_count(self) -> int:
        return sum(len(f.issues) - len(f.errors) for f in self.files)

    @property
    def files_with_errors(self) -> int:
        return sum(1 for f in self.files if f.errors)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "files": [f.to_dict(lang) for f in self.files],
            "errors": self.error_count,
            "warnings": self.warning_count,
            "files_with_errors": self.files_with_errors,
        }


def validate_file(path: Path, *, year: int | None = None, limits: Limits | None = None) -> FileResult:
    try:
        book = read_workbook(path, year=year, limits=limits)
    except InputError as exc:
        return FileResult(str(path), None, [], [exc.issue])
    return FileResult(book.file, book.layout, [s.community_id for s in book.surveys], book.all_issues, book.surveys)


def validate_paths(
    paths: list[Path], *, year: int | None = None, limits: Limits | None = None, exclude: Iterable[Path] = ()
) -> ValidationReport:
    """Validate every survey file named or found in folders; `exclude` (the roster, kept beside
    the surveys) is left out."""
    files, problems = expand_paths(paths)
    skipped = {p.resolve() for p in exclude}
    files = [p for p in files if p.resolve() not in skipped]
    results = [FileResult(p.location.file, None, [], [p]) for p in problems]
    results += [validate_file(p, year=year, limits=limits) for p in files]
    return ValidationReport(results)
