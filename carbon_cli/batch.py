"""Assessing every community of a district: many files, in parallel, never stopping at a bad one.

Files are read (in worker processes when --jobs > 1), communities deduplicated by ID,
assessed with their pathways, ranked, and each rendered as a report. Results come back in
input order whatever the number of processes, so serial and parallel runs write the same bytes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from carbon_cli.assessment import Assessment, assess
from carbon_cli.issues import InputError, Issue, Location
from carbon_cli.survey.model import Survey
from carbon_cli.survey.workbook import Limits, expand_paths

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BatchOptions:
    criteria: str | None = None
    factors: str | None = None
    measures: str | None = None
    year: int | None = None
    limits: Limits = field(default_factory=Limits)
    lang: str = "zh"
    pathways: bool = True
    reports: bool = True
    template: str | None = None
    date: str | None = None
    report_formats: tuple[str, ...] = ("md",)  # each report, and the summary, in md / html / docx


@dataclass(frozen=True)
class Failure:
    """A file, or one community in it, that could not be assessed, and why."""

    file: str
    community: str | None
    issues: tuple[Issue, ...]

    def reason(self, lang: str = "zh") -> str:
        errors = [i for i in self.issues if i.is_error] or list(self.issues)
        first = errors[0]
        where = ", ".join(x for x in (first.location.sheet, first.location.cell) if x)
        text = first.message(lang) + (f" ({where})" if where else "")
        return text + (f" (+{len(errors) - 1})" if len(errors) > 1 else "")


@dataclass(frozen=True)
class CommunityResult:
    assessment: Assessment
    rank: int
    report_name: str | None  # path inside the output folder (the Markdown one when written)
    report: dict[str, bytes] | None  # the rendered report in each report format

    @property
    def feasibility(self) -> str:
        a = self.assessment
        if a.verdict == "incomplete":
            return "incomplete"
        pathway = a.pathways.get("pass")
        if a.verdict == "eligible":
            return "ready"
        return pathway.status if pathway else "unknown"


@dataclass
class BatchResult:
    results: list[CommunityResult]
    failures: list[Failure]
    notes: list[Issue]  # duplicates with identical data, merged
    files: int

    @property
    def ok(self) -> bool:
        return not self.failures


# --- work done in worker processes -------------------------------------------------------


@cache
def _sets(criteria: str | None, factors: str | None, measures: str | None) -> tuple[Any, Any, Any]:
    from carbon_cli.criteria import load_criteria
    from carbon_cli.factors import load_factor_set
    from carbon_cli.planning.measures import load_measures

    return load_criteria(criteria), load_factor_set(factors), load_measures(measures)


def _read_file(path: Path, year: int | None, limits: Limits) -> tuple[list[Survey], list[Failure]]:
    from carbon_cli.survey.reader import read_workbook

    try:
        book = read_workbook(path, year=year, limits=limits)
    except InputError as exc:
        return [], [Failure(str(path), None, (exc.issue,))]
    except Exception as exc:  # a bug met on one file must not lose the others
        return [], [_internal(path, exc)]
    surveys, failures = [], []
    fatal = [i for i in book.issues if i.is_error and i.code in ("no_data_rows",)]
    if fatal:
        failures.append(Failure(book.file, None, tuple(fatal)))
    for survey in book.surveys:
        if not survey.assessment.get("community_id") and not survey.assessment.get("community_name"):
            unnamed = [i for i in survey.issues if i.field in ("community_id", "community_name")]
            failures.append(
                Failure(book.file, None, tuple(unnamed) or (Issue("missing_community_id", Location(book.file)),))
            )
        elif survey.blocking_errors:
            failures.append(Failure(book.file, survey.community_id, tuple(survey.blocking_errors)))
        else:
            surveys.append(survey)
    return surveys, failures


def _assess_one(survey: Survey, options: BatchOptions) -> tuple[Assessment, dict[str, bytes] | None]:
    criteria, factors, library = _sets(options.criteria, options.factors, options.measures)
    result = assess(survey, factors, criteria)
    if options.pathways:
        from carbon_cli.planning.pathway import with_pathways

        result = with_pathways(result, library)
    report = None
    if options.reports:
        from carbon_cli.outputs import report_documents

        template = Path(options.template) if options.template else None
        formats = options.report_formats
        report = report_documents(result, formats, options.lang, template, options.date, home="../summary.html")
    return result, report


def _internal(path: Path | str, exc: Exception, community: str | None = None) -> Failure:
    issue = Issue(
        "internal_error", Location(str(path)), community=community, params={"detail": f"{type(exc).__name__}: {exc}"}
    )
    return Failure(str(path), community, (issue,))


def _assess_chunk(
    surveys: list[Survey], options: BatchOptions
) -> list[tuple[Assessment, dict[str, bytes] | None] | Failure]:
    out: list[tuple[Assessment, dict[str, bytes] | None] | Failure] = []
    for survey in surveys:
        try:
            out.append(_assess_one(survey, options))
        except Exception as exc:  # a bug met on one community must not lose the others
            if os.environ.get("CARBON_DEBUG") == "1":
                raise
            out.append(_internal(survey.file, exc, survey.community_id))
    return out


def _read_chunk(paths: list[Path], year: int | None, limits: Limits) -> list[tuple[list[Survey], list[Failure]]]:
    return [_read_file(p, year, limits) for p in paths]


# --- orchestration -----------------------------------------------------------------------


def _chunks(items: list[Any], jobs: int) -> list[list[Any]]:
    size = max(1, math.ceil(len(items) / (jobs * 4)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _map(
    fn: Callable[..., list[Any]],
    chunks: list[list[Any]],
    args: tuple[Any, ...],
    pool: ProcessPoolExecutor | None,
    progress: Progress | None,
) -> list[Any]:
    """fn over chunks, in order, reporting progress per item; inline when there is no pool."""
    out: list[Any] = []
    if pool is None:
        for chunk in chunks:
            out.extend(fn(chunk, *args))
            if progress:
                progress(len(chunk))
        return out
    futures = [pool.submit(fn, chunk, *args) for chunk in chunks]
    for chunk, future in zip(chunks, futures, strict=True):
        out.extend(future.result())
        if progress:
            progress(len(chunk))
    return out


def deduplicate(surveys: Iterable[Survey]) -> tuple[list[Survey], list[Failure], list[Issue]]:
    """Keep the first survey of each community ID; a later one with the same data is merged
    (noted), one with different data is a failure naming the first file."""
    first: dict[str, Survey] = {}
    kept, failures, notes = [], [], []
    for survey in surveys:
        key = survey.community_id
        other = first.get(key)
        if other is None:
            first[key] = survey
            kept.append(survey)
            continue
        same = other.assessment == survey.assessment and other.baseline == survey.baseline
        issue = Issue(
            "duplicate_community",
            Location(survey.file),
            "community_id",
            key,
            params={"community": key, "other": other.file},
        )
        if same:
            notes.append(issue)
        else:
            failures.append(Failure(survey.file, key, (issue,)))
    return kept, failures, notes


def rank_key(a: Assessment) -> tuple[Any, ...]:
    """Eligible first; then the fewest effort to 通过; then the highest score; then the ID."""
    pathway = a.pathways.get("pass")
    if a.verdict == "eligible":
        effort = 0.0
    elif a.verdict == "incomplete" or pathway is None or pathway.status != "reachable":
        effort = math.inf
    else:
        effort = pathway.effort
    return (a.verdict != "eligible", effort, -round(a.score, 9), a.survey.community_id)


def run_batch(
    paths: list[Path],
    options: BatchOptions,
    jobs: int | None = None,
    on_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    from carbon_cli.export import safe_filename, unique_names

    files, problems = expand_paths(paths)
    failures = [Failure(p.location.file, None, (p,)) for p in problems]
    jobs = max(1, jobs or os.cpu_count() or 1)
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        if on_total:
            on_total(len(files))
        reads = _map(_read_chunk, _chunks(files, jobs), (options.year, options.limits), pool, progress)
        surveys: list[Survey] = []
        for found, failed in reads:
            surveys.extend(found)
            failures.extend(failed)
        surveys, duplicate_failures, notes = deduplicate(surveys)
        failures.extend(duplicate_failures)
        if on_total:
            on_total(len(files) + len(surveys))
        outcomes = _map(_assess_chunk, _chunks(surveys, jobs), (options,), pool, progress)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    failures.extend(o for o in outcomes if isinstance(o, Failure))
    assessed = [o for o in outcomes if not isinstance(o, Failure)]
    ordered = sorted(assessed, key=lambda pair: rank_key(pair[0]))
    names = unique_names([safe_filename(a.survey.community_id) for a, _ in ordered])
    ext = "md" if "md" in options.report_formats else options.report_formats[0]
    results = [
        CommunityResult(a, rank, f"reports/{name}.{ext}" if report is not None else None, report)
        for rank, ((a, report), name) in enumerate(zip(ordered, names, strict=True), start=1)
    ]
    return BatchResult(results, failures, notes, len(files))


# --- rows for exports ----------------------------------------------------------------------


RESULT_COLUMNS = [
    "rank",
    "community_id",
    "community_name",
    "street",
    "district",
    "assessment_year",
    "baseline_year",
    "net_tco2e",
    "per_capita_tco2e",
    "score",
    "grade",
    "verdict",
    "feasibility",
    "pathway_measures",
    "pathway_effort",
    "score_after_pathway",
    "failed_controls",
    "top_gaps",
    "report",
    "source_file",
]
FAILURE_COLUMNS = ["file", "community_id", "reason"]


def result_row(r: CommunityResult, lang: str) -> dict[str, Any]:
    a = r.assessment
    s, ev = a.survey, a.evaluation
    pathway = a.pathways.get("pass")
    gaps = [
        f"{i.criterion.key} {i.criterion.label(lang)} (+{i.gap.score_recoverable:.1f})" for i in ev.gaps[:3] if i.gap
    ]
    return {
        "rank": r.rank,
        "community_id": s.community_id,
        "community_name": s.name,
        "street": s.assessment.get("street"),
        "district": s.assessment.get("district"),
        "assessment_year": s.assessment_year,
        "baseline_year": s.baseline_year,
        "net_tco2e": a.inventory.net_tco2e,
        "per_capita_tco2e": a.inventory.per_capita_tco2e,
        "score": ev.score,
        "grade": ev.grade.key,
        "verdict": a.verdict,
        "feasibility": r.feasibility,
        "pathway_measures": " ".join(m.key for m in pathway.measures) if pathway else None,
        "pathway_effort": pathway.effort if pathway and pathway.status == "reachable" else None,
        "score_after_pathway": pathway.score_after if pathway else None,
        "failed_controls": " ".join(c.criterion.key for c in ev.failed_controls),
        "top_gaps": "; ".join(gaps),
        "report": r.report_name,
        "source_file": s.file,
    }


def failure_row(f: Failure, lang: str) -> dict[str, Any]:
    return {"file": f.file, "community_id": f.community, "reason": f.reason(lang)}


def results_dict(batch: BatchResult, options: BatchOptions) -> dict[str, Any]:
    lang = options.lang
    return {
        "criteria_set": batch.results[0].assessment.criteria.id if batch.results else options.criteria,
        "factor_set": batch.results[0].assessment.factors.id if batch.results else options.factors,
        "files": batch.files,
        "communities": len(batch.results),
        "counts": verdict_counts(batch),
        "results": [result_row(r, lang) for r in batch.results],
        "failures": [{**failure_row(f, lang), "issues": [i.to_dict(lang) for i in f.issues]} for f in batch.failures],
        "duplicates_merged": [i.to_dict(lang) for i in batch.notes],
    }


def verdict_counts(batch: BatchResult) -> dict[str, int]:
    counts = {k: 0 for k in ("eligible", "not_eligible", "incomplete")}
    for r in batch.results:
        counts[r.assessment.verdict] += 1
    return counts
