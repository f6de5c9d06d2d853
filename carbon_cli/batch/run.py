"""Assessing every community of a district: many files, in parallel, never stopping at a bad one.

Files are read (in worker processes when --jobs > 1 and there are several; a table's surveys are
made a part at a time as they are needed), communities deduplicated by ID, assessed with their
pathways (in worker processes when --jobs > 1, a single table's communities too, while the next
part is read) and each rendered as a report, written out as soon as it is made. What the batch
keeps of a community is its result row and summary row (compact `Row`s), not the assessment, so
memory grows only by those rows. With a cache, a file whose bytes did not change is not read
again and a community whose survey did not change is not assessed again (see carbon_cli.batch.cache).
Results come back in input order whatever the number of processes, and a community's report name
depends only on the input order, so serial, parallel and cached runs write the same bytes.
"""

from __future__ import annotations

import math
import os
import pickle
import stat
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_cli.batch.cache import code_version, digest, file_digest, set_version
from carbon_cli.core.memory import _collect_less, fewer_collections
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
from carbon_cli.survey.container import Limits
from carbon_cli.survey.issues import InputError, Issue, Location
from carbon_cli.survey.model import Survey
from carbon_cli.survey.paths import expand_paths

if TYPE_CHECKING:
    from carbon_cli.batch.cache import Cache
    from carbon_cli.scoring.assessment import Assessment
    from carbon_cli.survey.reader import WorkbookStream

Progress = Callable[[int], None]
WAVE_FILES_PER_JOB = 16  # files read at once (in the workers when there are several)
PART_COMMUNITIES = 1024  # per job: communities made before they are assessed and their surveys dropped
WORKER_FILE_BYTES = 256 * 1024  # files up to this size (forms, small tables) are read in the workers


@dataclass(frozen=True, slots=True)
class Found:
    """A community found in a file: what deduplication and the cache need of its survey."""

    community_id: str
    file: str
    data: str | None  # digest of its values, when cached: duplicates compare this
    key: str  # digest of the whole survey (values, sources, issues), when cached: its results depend on it


Named = list[tuple[Found, str]]  # communities to assess, each with its report's name


# --- work done in worker processes -------------------------------------------------------


@cache
def _sets(criteria: str | None, factors: str | None, measures: str | None) -> tuple[Any, Any, Any]:
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.planning.measures import load_measures
    from carbon_cli.scoring.criteria import load_criteria

    return load_criteria(criteria), load_factor_set(factors), load_measures(measures)


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
    return digest(
        code_version(),
        set_version(options.criteria),
        set_version(options.factors),
        set_version(options.measures),
        set_version(options.costs),
        set_version(options.template),
        repr((options.year, options.limits, options.lang, options.pathways, options.reports, options.date)),
        repr(options.report_formats),
        repr((options.objective, options.years, options.discount_rate, options.include_expired, options.on)),
    )


def _values_digest(survey: Survey) -> str:
    """Equal values give equal digests (1 == 1.0, as comparing the surveys themselves has it)."""

    def canonical(values: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(k, float(v) if type(v) is int else v) for k, v in sorted(values.items())]

    baseline = canonical(survey.baseline) if survey.baseline is not None else None
    return digest(repr((canonical(survey.assessment), baseline)))


def _found(survey: Survey, cached: bool = True, data: bool = True) -> Found:
    """What the batch keeps of a survey it has read; its digests only when a cache will use them,
    the digest of its values only when another file may hold the same community (`data`)."""
    if not cached:
        return Found(survey.community_id, survey.file, None, "")
    # all a survey holds, in bytes that change when any of it changes (pickled: the quickest);
    # a table's locations as its rows and columns, not a location per value
    fingerprint = getattr(survey.sources, "fingerprint", None)
    sources = fingerprint() if fingerprint is not None else sorted((k, repr(w)) for k, w in survey.sources.items())
    held = (survey.file, survey.layout, survey.assessment, survey.baseline, sources, survey.issues)
    key = digest(pickle.dumps(held, protocol=5))
    return Found(survey.community_id, survey.file, _values_digest(survey) if data else None, key)


def _read_file(path: Path, year: int | None, limits: Limits) -> tuple[Iterator[Survey], list[Failure]]:
    """The surveys of a file that can be assessed, made as they are iterated, and its failures:
    the file's own at once, each community's as its survey is made."""
    from carbon_cli.survey.reader import stream_workbook

    try:
        book = stream_workbook(path, year=year, limits=limits)
    except InputError as exc:
        return iter(()), [Failure(str(path), None, (exc.issue,))]
    except Exception as exc:  # a bug met on one file must not lose the others
        return iter(()), [_internal(path, exc)]
    failures = []
    fatal = [i for i in book.issues if i.is_error and i.code in ("no_data_rows",)]
    if fatal:
        failures.append(Failure(book.file, None, tuple(fatal)))
    return _usable(book, failures), failures


def _usable(book: WorkbookStream, failures: list[Failure]) -> Iterator[Survey]:
    try:
        for survey in book:
            if not survey.assessment.get("community_id") and not survey.assessment.get("community_name"):
                unnamed = [i for i in survey.issues if i.field in ("community_id", "community_name")]
                missing = (Issue("missing_community_id", Location(book.file)),)
                failures.append(Failure(book.file, None, tuple(unnamed) or missing))
            elif survey.blocking_errors:
                failures.append(Failure(book.file, survey.community_id, tuple(survey.blocking_errors)))
            else:
                yield survey
    except Exception as exc:  # a bug met making a survey: the file's failure, the others go on
        failures.append(_internal(book.file, exc))


@dataclass
class FileRead:
    """A file's communities, each with its survey (None when taken from the cache), and its
    failures: complete once `communities` has been iterated. `pack`: the file's cached results,
    when the file was not parsed."""

    file: str
    communities: Iterable[tuple[Found, Survey | None]]
    failures: list[Failure]
    pack: dict[str, Outcome] | None = None

    @property
    def parsed(self) -> bool:
        return self.pack is None

    def held(self) -> FileRead:
        """Everything made now (to be sent back from a worker process)."""
        return replace(self, communities=list(self.communities))


def _read_cached(path: Path, options: BatchOptions, cache: Cache | None, settings: str, many: bool) -> FileRead:
    """A file's communities and failures. From the cache, without parsing, when the file's bytes
    were read before and every community's results are cached too (the file's cached results
    then come along); else parsed, each survey made as it is iterated. `many`: the batch has
    other files, which may repeat a community of this one."""
    key = None
    if cache is not None:
        try:  # a regular file within the size limit only: a FIFO would block, a huge file is refused
            info = os.stat(path)
            small = info.st_size <= options.limits.max_file_mb * 1024 * 1024
            content = file_digest(path) if stat.S_ISREG(info.st_mode) and small else None
        except OSError:
            content = None  # reading reports it
        if content is not None:
            key = digest("read", str(path), content, repr((options.year, options.limits)), code_version())
            hit = cache.get("read", key)
            if hit is not None:
                pack = cache.get("results", Results.key(str(path), settings)) or {}
                if all(f.key in pack for f in hit[0]):
                    return FileRead(str(path), [(f, None) for f in hit[0]], hit[1], pack)
    surveys, failures = _read_file(path, options.year, options.limits)

    def communities() -> Iterator[tuple[Found, Survey]]:
        found = []
        for survey in surveys:
            item = _found(survey, cached=cache is not None, data=many)
            found.append(item)
            yield item, survey
        # a bug met while reading (an internal error) is not a property of the file: never kept
        bug = any(i.code == "internal_error" for f in failures for i in f.issues)
        if key is not None and cache is not None and not bug:
            cache.put("read", key, (found, failures))

    return FileRead(str(path), communities(), failures)


class Results:
    """The cached results of communities, one entry per input file (and run settings): looked up
    when first needed, written back once at the end of the run with what the run used."""

    def __init__(self, cache: Cache, settings: str) -> None:
        self.cache = cache
        self.settings = settings
        self.old: dict[str, dict[str, Outcome]] = {}
        self.new: dict[str, dict[str, Outcome] | None] = {}  # None: too big to keep, given up
        self.size: dict[str, int] = {}

    @staticmethod
    def key(file: str, settings: str) -> str:
        return digest("results", file, settings)

    def get(self, item: Found) -> Outcome | None:
        if item.file not in self.old:
            self.old[item.file] = self.cache.get("results", self.key(item.file, self.settings)) or {}
        return self.old[item.file].get(item.key)

    def keep(self, item: Found, outcome: Outcome) -> None:
        pack = self.new.setdefault(item.file, {})
        if pack is None:
            return
        pack[item.key] = outcome
        # rows compress to ~150 bytes, reports to about a quarter: past the cache's bound for one
        # entry the pack would be refused, so none of it is held (its reports) in memory
        size = self.size.get(item.file, 0) + 200 + sum(len(b) for b in outcome.reports.values()) // 4
        self.size[item.file] = size
        if size > self.cache.max_bytes // 8:
            self.new[item.file] = None

    def save(self) -> None:
        for file, pack in self.new.items():
            if pack is not None and pack.keys() != self.old.get(file, {}).keys():
                self.cache.put("results", self.key(file, self.settings), pack)


def _render_reports(a: Assessment, options: BatchOptions) -> dict[str, bytes]:
    """A community's report files, by extension: the one place per-community reports are made."""
    from carbon_cli.outputs.documents import report_documents

    template = Path(options.template) if options.template else None
    formats = options.report_formats
    return report_documents(a, formats, options.lang, template, options.date, home="../summary.html", as_of=options.on)


def _assess_one(survey: Survey, options: BatchOptions) -> Outcome:
    from carbon_cli.outputs.summary import community_row

    criteria, factors, _ = _sets(options.criteria, options.factors, options.measures)
    result = assess(survey, factors, criteria)
    if options.pathways:
        from carbon_cli.planning.pricing import planned

        result = planned(result, _planning(options))
    reports = _render_reports(result, options) if options.reports else {}
    fit = feasibility(result)
    lang = options.lang
    row, summary = Row.of(result_row(result, fit, lang)), Row.of(community_row(result, fit, lang))
    return Outcome(rank_key(result), row, summary, reports)


def _internal(path: Path | str, exc: Exception, community: str | None = None) -> Failure:
    issue = Issue(
        "internal_error", Location(str(path)), community=community, params={"detail": f"{type(exc).__name__}: {exc}"}
    )
    return Failure(str(path), community, (issue,))


def _assess_chunk(surveys: list[Survey], options: BatchOptions) -> list[Outcome | Failure]:
    out: list[Outcome | Failure] = []
    for survey in surveys:
        try:
            out.append(_assess_one(survey, options))
        except Exception as exc:  # a bug met on one community must not lose the others
            if os.environ.get("CARBON_DEBUG") == "1":
                raise
            out.append(_internal(survey.file, exc, survey.community_id))
    return out


def _read_chunk(
    paths: list[Path], options: BatchOptions, cache: Cache | None, settings: str, many: bool
) -> list[FileRead]:
    return [_read_cached(p, options, cache, settings, many).held() for p in paths]


# --- orchestration -----------------------------------------------------------------------


def _chunks(items: list[Any], jobs: int) -> list[list[Any]]:
    """Four chunks per worker, of at most 256 items: done in-process, each chunk's surveys are
    let go as soon as it is assessed."""
    size = max(1, min(256, math.ceil(len(items) / (jobs * 4))))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _map(
    fn: Callable[..., list[Any]],
    chunks: list[list[Any]],
    args: tuple[Any, ...],
    pool: ProcessPoolExecutor | None,
    progress: Progress | None,
) -> Iterator[Any]:
    """fn over chunks, in order, item by item, reporting progress per chunk: in the pool, every
    chunk sent off now; inline, each done as its items are asked for."""
    if pool is None:
        return _inline(fn, chunks, args, progress)
    futures = [pool.submit(fn, chunk, *args) for chunk in chunks]
    return _collected(futures, [len(c) for c in chunks], progress)


def _inline(
    fn: Callable[..., list[Any]], chunks: list[list[Any]], args: tuple[Any, ...], progress: Progress | None
) -> Iterator[Any]:
    chunks.reverse()
    while chunks:
        chunk = chunks.pop()  # held no longer than its work
        yield from fn(chunk, *args)
        if progress:
            progress(len(chunk))


def _collected(futures: list[Any], sizes: list[int], progress: Progress | None) -> Iterator[Any]:
    for size, future in zip(sizes, futures, strict=True):
        yield from future.result()
        if progress:
            progress(size)


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
        pool: ProcessPoolExecutor | None,
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
        data = partial(_data_of, surveys, options)
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
                survey = _survey_again(item, options)
            if survey is None:
                changed = RuntimeError("file changed during the run")
                self.communities.failures.append(_internal(item.file, changed, item.community_id))
                continue
            todo.append(survey)
            named.append((item, name))
        if self.on_total:
            self.on_total(self.total)
        if settle:
            self.communities.settle(data)
        part.clear()
        del surveys, data
        assessed = _map(_assess_chunk, _chunks(todo, self.jobs), (options,), self.pool, self.progress)
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
    criteria, factors, _ = _sets(options.criteria, options.factors, options.measures)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start) if jobs > 1 else None
    if pool is not None:  # the workers start now, forked from this process while it is small,
        pool.submit(int)  # not when the first part is sent (after a table has been read)
    run = _Run(options, jobs, pool, cached, sink, progress, on_total, len(files))
    if on_total:
        on_total(run.total)
    try:
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
                reads = _reads(wave, options, cache, settings, len(files) > 1, pool, jobs, progress)
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
    except BaseException:
        if pool is not None:  # interrupted or failed: stop the workers now, not after their chunk
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    if pool is not None:
        pool.shutdown()
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
    return BatchResult(results, failures, run.communities.notes, len(files), criteria, factors, stats, investment)


def _reads(
    wave: list[Path],
    options: BatchOptions,
    cache: Cache | None,
    settings: str,
    many: bool,
    pool: ProcessPoolExecutor | None,
    jobs: int,
    progress: Progress | None,
) -> Iterator[FileRead]:
    """The wave's files read, in order. Small files (forms) are read in the workers and sent back
    whole; a larger one (a table) is read here, its surveys made as the batch takes them, so a
    batch holds one table's rows at a time however many tables it is given."""
    here = [pool is None or len(wave) == 1 or _size(path) > WORKER_FILE_BYTES for path in wave]
    small = [path for path, inline in zip(wave, here, strict=True) if not inline]
    sent = _map(_read_chunk, _chunks(small, jobs), (options, cache, settings, many), pool, progress) if small else None
    for path, inline in zip(wave, here, strict=True):
        if inline:
            yield _read_cached(path, options, cache, settings, many)
            if progress:
                progress(1)
        else:
            assert sent is not None
            yield next(sent)


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reading it reports why


def _worker_start() -> None:
    """Ctrl-C reaches the whole process group: the main process handles it, workers ignore it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _collect_less()


def _data_of(surveys: dict[int, Survey], options: BatchOptions, item: Found) -> str:
    if item.data:
        return item.data
    survey = surveys.get(id(item))
    if survey is None:  # a first whose survey has gone, met again in its own file (rare): read again
        survey = _survey_again(item, options)
    return _values_digest(survey) if survey is not None else ""


def _emit(outcome: Outcome, name: str, sink: Sink | None) -> Outcome:
    """Write a community's reports and keep the rest: its reports are not held in memory."""
    if sink is not None:
        for extension, data in outcome.reports.items():
            sink.write(f"reports/{name}.{extension}", data)
    return Outcome(outcome.sort_key, outcome.row, outcome.summary, dict.fromkeys(outcome.reports, b""))


def _survey_again(item: Found, options: BatchOptions) -> Survey | None:
    """The survey `item` was read from, read again: the one with its digest, or without one, the
    first of its ID."""
    surveys, _ = _read_file(Path(item.file), options.year, options.limits)
    if item.key:
        return next((s for s in surveys if _found(s).key == item.key), None)
    return next((s for s in surveys if s.community_id == item.community_id), None)


# --- rows for exports ----------------------------------------------------------------------
