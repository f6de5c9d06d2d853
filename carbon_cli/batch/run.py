"""Assessing every community of a district: many files, in parallel, never stopping at a bad one.

Files are read (in worker processes when --jobs > 1 and there are several; a table's surveys are
made a part at a time as they are needed: carbon_cli.batch.reading), communities deduplicated by
ID, assessed with their pathways (in worker processes when --jobs > 1, a single table's
communities too, while the next part is read: carbon_cli.batch.pool) and each rendered as a
report, written out as soon as it is made. What the batch keeps of a community is its result row
and summary row (compact `Row`s), not the assessment, so memory grows only by those rows. With a
cache, a file whose bytes did not change is not read again and a community whose survey did not
change is not assessed again (see carbon_cli.batch.cache). Results come back in input order
whatever the number of processes, and a community's report name depends only on the input order,
so serial, parallel and cached runs write the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_cli.batch.cache import code_version, digest, set_version
from carbon_cli.batch.pool import Pool, Progress, WorkerLost, chunked, pool_map, start_pool
from carbon_cli.batch.reading import (
    Found,
    Results,
    data_of,
    internal_failure,
    lost_failure,
    read_wave,
    survey_again,
)
from carbon_cli.core.memory import fewer_collections
from carbon_cli.outputs.district import (
    BatchOptions,
    BatchResult,
    CacheStats,
    CommunityResult,
    Failure,
    Outcome,
    Row,
    Sink,
    feasibility,
    rank_key,
    result_row,
)
from carbon_cli.scoring.assessment import assess
from carbon_cli.scoring.robustness import with_robustness
from carbon_cli.survey.issues import Issue, Location
from carbon_cli.survey.model import Survey
from carbon_cli.survey.paths import expand_paths

if TYPE_CHECKING:
    from carbon_cli.batch.cache import Cache
    from carbon_cli.scoring.assessment import Assessment

WAVE_FILES_PER_JOB = 16  # files read at once (in the workers when there are several)
PART_COMMUNITIES = 1024  # per job: communities made before they are assessed and their surveys dropped

Named = list[tuple[Found, str]]  # communities to assess, each with its report's name


# --- work done in worker processes -------------------------------------------------------


@cache
def _sets(criteria: str | None, factors: str | None, measures: str | None) -> tuple[Any, Any, Any]:
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.planning.measures import load_measures
    from carbon_cli.scoring.criteria_files import load_criteria

    return load_criteria(criteria), load_factor_set(factors), load_measures(measures)


@cache
def _compare_set(criteria: str) -> Any:
    from carbon_cli.scoring.criteria_files import load_criteria

    return load_criteria(criteria)


@cache
def _planning(options: BatchOptions) -> Any:
    from carbon_cli.planning.pricing import load_planning

    return load_planning(
        options.measures,
        options.costs,
        options.objective,
        options.years,
        options.discount_rate,
        options.include_expired,
        options.on,
    )


def settings_version(options: BatchOptions) -> str:
    """Everything besides a survey that a community's results depend on."""
    compared = () if options.compare_criteria is None else (set_version(options.compare_criteria),)
    return digest(
        *compared,
        code_version(),
        set_version(options.criteria),
        set_version(options.factors),
        set_version(options.measures),
        set_version(options.costs),
        set_version(options.template),
        repr((options.year, options.limits, options.lang, options.pathways, options.reports, options.date)),
        repr(options.report_formats),
        repr(options.tracked),
        repr((options.objective, options.years, options.discount_rate, options.include_expired, options.on)),
    )


def _render_reports(a: Assessment, options: BatchOptions) -> dict[str, bytes]:
    """A community's report files, by extension: the one place per-community reports are made."""
    from carbon_cli.outputs.documents import report_documents

    template = Path(options.template) if options.template else None
    formats = options.report_formats
    extra = dict(options.tracked).get(a.survey.community_id) if options.tracked else None
    return report_documents(
        a, formats, options.lang, template, options.date, home="../summary.html", as_of=options.on, extra=extra
    )


def _assess_one(survey: Survey, options: BatchOptions) -> Outcome:
    from carbon_cli.outputs.summary import community_row

    criteria, factors, _ = _sets(options.criteria, options.factors, options.measures)
    result = with_robustness(assess(survey, factors, criteria))  # the rows and summary show it
    if options.pathways:
        from carbon_cli.planning.pricing import planned

        result = planned(result, _planning(options))
    reports = _render_reports(result, options) if options.reports else {}
    comparison = None
    if options.compare_criteria is not None:
        from carbon_cli.scoring.comparison import between

        comparison = between(result, assess(survey, factors, _compare_set(options.compare_criteria), detail=False))
    fit = feasibility(result)
    lang = options.lang
    row = Row.of(result_row(result, fit, lang, comparison))
    summary = Row.of(community_row(result, fit, lang, comparison))
    return Outcome(rank_key(result), row, summary, reports)


def _assess_chunk(surveys: list[Survey], options: BatchOptions) -> list[Outcome | Failure]:
    out: list[Outcome | Failure] = []
    for survey in surveys:
        try:
            out.append(_assess_one(survey, options))
        except Exception as exc:  # a bug met on one community must not lose the others
            if os.environ.get("CARBON_DEBUG") == "1":
                raise
            out.append(internal_failure(survey.file, exc, survey.community_id))
    return out


class Communities:
    """The communities met so far, in input order. The first of each ID is kept and named (its
    report's file name, unique so far); a later one with the same data is merged (noted), one
    with different data is a failure naming the first file. Holds a digest per ID, not surveys."""

    def __init__(self) -> None:
        self.first: dict[str, Found] = {}
        self.names: set[str] = set()
        self.failures: list[Failure] = []
        self.notes: list[Issue] = []

    def add(self, item: Found, data: Callable[[Found], str]) -> str | None:
        """The report name of `item` when it is the first of its ID, else None. `data` gives the
        digest of a community's values (made only when a duplicate needs it)."""
        from carbon_cli.core.fileio import safe_filename, unique_names

        key = item.community_id
        other = self.first.get(key)
        if other is None:
            self.first[key] = item
            return unique_names([safe_filename(key)], self.names)[0]
        params = {"community": key, "other": other.file}
        issue = Issue("duplicate_community", Location(item.file), "community_id", key, params=params)
        if data(item) == data(other):
            self.notes.append(issue)
        else:
            self.failures.append(Failure(item.file, key, (issue,)))
        return None

    def settle(self, data: Callable[[Found], str]) -> None:
        """Digest the values of the communities kept so far, before their surveys are dropped."""
        for key, item in self.first.items():
            if item.data is None:
                self.first[key] = replace(item, data=data(item))


class _Run:
    """What one batch has met so far: the communities (named, deduplicated), their outcomes, the
    parts sent to the workers and not yet collected (the next part is read meanwhile)."""

    def __init__(
        self,
        options: BatchOptions,
        jobs: int,
        pool: Pool | None,
        cached: Results | None,
        sink: Sink | None,
        progress: Progress | None,
        on_total: Callable[[int], None] | None,
        total: int,
    ) -> None:
        self.options, self.jobs, self.pool, self.cached = options, jobs, pool, cached
        self.sink, self.progress, self.on_total = sink, progress, on_total
        self.total = total  # files, then communities too as they are met (for the progress bar)
        self.communities = Communities()
        self.outcomes: list[tuple[Outcome, str | None]] = []
        self.pending: list[tuple[Named, Iterator[Outcome | Failure], list[Failure]]] = []
        self.stats = CacheStats()

    def take(self, part: list[tuple[Found, Survey | None]], later: list[Failure], settle: bool) -> None:
        """Name, look up and assess a part of the communities read, then let their surveys go.
        `later`: the wave's failures found here (duplicates, then failed assessments); `settle`:
        a later file may repeat one of these communities (its values' digest is kept)."""
        options, cached = self.options, self.cached
        surveys = {id(item): survey for item, survey in part if survey is not None}
        data = partial(data_of, surveys, options)
        todo: list[Survey] = []
        named: Named = []
        for item, _ in part:
            name = self.communities.add(item, data)
            if name is None:
                continue
            self.total += 1
            if cached is not None and (hit := cached.get(item)) is not None:
                self.stats.reused += 1
                cached.keep(item, hit)
                self.outcomes.append((_emit(hit, name, self.sink), name))
                if self.progress:
                    self.progress(1)
                continue
            survey = surveys.get(id(item))
            if survey is None:  # its cached result went (pruned by another run) after the file was skipped
                survey = survey_again(item, options)
            if survey is None:
                changed = RuntimeError("file changed during the run")
                self.communities.failures.append(internal_failure(item.file, changed, item.community_id))
                continue
            todo.append(survey)
            named.append((item, name))
        if self.on_total:
            self.on_total(self.total)
        if settle:
            self.communities.settle(data)
        part.clear()
        del surveys, data
        assessed = pool_map(
            _assess_chunk, chunked(todo, self.jobs), (options,), self.pool, self.progress, _assess_lost, _held
        )
        self.pending.append((named, assessed, later))
        del todo
        while len(self.pending) > (1 if self.pool is not None else 0):
            self.collect(*self.pending.pop(0))

    def collect(self, named: Named, assessed: Iterator[Outcome | Failure], later: list[Failure]) -> None:
        for (item, name), outcome in zip(named, assessed, strict=True):
            if isinstance(outcome, Failure):
                later.append(outcome)
                continue
            self.stats.assessed += 1
            if self.cached is not None:
                self.cached.keep(item, outcome)
            self.outcomes.append((_emit(outcome, name, self.sink), name))

    def finish(self) -> None:
        while self.pending:
            self.collect(*self.pending.pop(0))


def run_batch(
    paths: list[Path],
    options: BatchOptions,
    jobs: int | None = None,
    on_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
    sink: Sink | None = None,
    cache: Cache | None = None,
) -> BatchResult:
    """Assess every community of `paths`. Reports go to `sink` as they are made (none is kept
    without one); `cache` lets unchanged files and communities be taken from earlier runs."""
    files, problems = expand_paths(paths)
    failures = [Failure(p.location.file, None, (p,)) for p in problems]
    jobs = max(1, jobs or os.cpu_count() or 1)
    settings = settings_version(options) if cache is not None else ""
    cached = Results(cache, settings) if cache is not None else None
    _sets.cache_clear()  # the sets as their files are now (worker processes are new each run)
    _compare_set.cache_clear()
    criteria, factors, _ = _sets(options.criteria, options.factors, options.measures)
    compared = _compare_set(options.compare_criteria) if options.compare_criteria is not None else None
    pool = start_pool(jobs)
    try:  # the pool is closed at the end, or abandoned on any error or interrupt (see batch.pool)
        run = _Run(options, jobs, pool, cached, sink, progress, on_total, len(files))
        if on_total:
            on_total(run.total)
        with fewer_collections():
            # files in waves: read (in the workers when there are several), their communities taken
            # a part at a time: a part's surveys are assessed and let go before the next part is made
            wave_size = WAVE_FILES_PER_JOB * jobs
            part_size = PART_COMMUNITIES * jobs
            for start in range(0, len(files), wave_size):
                wave = files[start : start + wave_size]
                read_failures: list[Failure] = []
                assess_failures: list[Failure] = []
                part: list[tuple[Found, Survey | None]] = []
                reads = read_wave(wave, options, cache, settings, len(files) > 1, pool, jobs, progress)
                for position, read in enumerate(reads, start=start):
                    if read.parsed:
                        run.stats.files_read += 1
                    else:
                        run.stats.files_reused += 1
                        if cached is not None:
                            cached.old[read.file] = read.pack or {}
                    for pair in read.communities:
                        part.append(pair)
                        if len(part) >= part_size:
                            run.take(part, assess_failures, settle=position + 1 < len(files))
                    read_failures.extend(read.failures)
                run.take(part, assess_failures, settle=start + wave_size < len(files))
                run.finish()
                # in the same order however the wave was cut in parts or spread over processes
                failures.extend(read_failures)
                failures.extend(run.communities.failures)
                failures.extend(assess_failures)
                run.communities.failures.clear()
            if cached is not None:
                cached.save()
        if pool is not None:
            pool.close()
    except BaseException:
        if pool is not None:
            pool.abandon()
        raise
    run.outcomes.sort(key=lambda pair: pair[0].sort_key)
    ext = "md" if "md" in options.report_formats else options.report_formats[0]  # the report a row links to
    results = [
        CommunityResult(rank, f"reports/{name}.{ext}" if o.reports else None, o.row, o.summary)
        for rank, (o, name) in enumerate(run.outcomes, start=1)
    ]
    investment = None
    if options.pathways:
        from carbon_cli.planning.investment import district_investment

        award = _planning(options).costs.award.value.typical
        investment = district_investment([r.row for r in results], options.budget, award)
    stats = run.stats if cache is not None else None
    return BatchResult(
        results, failures, run.communities.notes, len(files), criteria, factors, stats, investment, compared
    )


def _held(survey: Survey) -> tuple[str, str]:
    """What is kept of a survey sent to a worker, to name it if the worker dies."""
    return survey.file, survey.community_id


def _assess_lost(held: tuple[str, str], error: WorkerLost) -> Failure:
    return lost_failure(held[0], error, held[1])


def _emit(outcome: Outcome, name: str, sink: Sink | None) -> Outcome:
    """Write a community's reports and keep the rest: its reports are not held in memory."""
    if sink is not None:
        for extension, data in outcome.reports.items():
            sink.write(f"reports/{name}.{extension}", data)
    return Outcome(outcome.sort_key, outcome.row, outcome.summary, dict.fromkeys(outcome.reports, b""))
