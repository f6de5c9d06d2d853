"""Reading a batch's files: each file's communities (what deduplication and the cache need of
each survey) and its failures, through the cache when one is given.

A small file (a form, a small table) is read whole, in a worker process when there are several
(see carbon_cli.batch.pool); a larger one here, its surveys made as the batch takes them. With a
cache, a file whose bytes did not change is not parsed again when every one of its communities'
results is cached too (see carbon_cli.batch.cache).
"""

from __future__ import annotations

import os
import pickle
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_cli.batch.cache import code_version, digest, file_digest
from carbon_cli.batch.pool import Pool, Progress, WorkerLost, chunked, pool_map
from carbon_cli.core.i18n import Bilingual
from carbon_cli.outputs.district import BatchOptions, Failure, Outcome
from carbon_cli.survey.container import Limits
from carbon_cli.survey.issues import InputError, Issue, Location
from carbon_cli.survey.model import Survey

if TYPE_CHECKING:
    from carbon_cli.batch.cache import Cache
    from carbon_cli.survey.reader import WorkbookStream

WORKER_FILE_BYTES = 256 * 1024  # files up to this size (forms, small tables) are read in the workers


@dataclass(frozen=True, slots=True)
class Found:
    """A community found in a file: what deduplication and the cache need of its survey."""

    community_id: str
    file: str
    data: str | None  # digest of its values, when cached: duplicates compare this
    key: str  # digest of the whole survey (values, sources, issues), when cached: its results depend on it


def values_digest(survey: Survey) -> str:
    """Equal values give equal digests (1 == 1.0, as comparing the surveys themselves has it)."""

    def canonical(values: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(k, float(v) if type(v) is int else v) for k, v in sorted(values.items())]

    baseline = canonical(survey.baseline) if survey.baseline is not None else None
    return digest(repr((canonical(survey.assessment), baseline)))


def found(survey: Survey, cached: bool = True, data: bool = True) -> Found:
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
    return Found(survey.community_id, survey.file, values_digest(survey) if data else None, key)


def internal_failure(path: Path | str, exc: Exception, community: str | None = None) -> Failure:
    """A bug met on a file or a community: its failure, so the others go on."""
    issue = Issue(
        "internal_error", Location(str(path)), community=community, params={"detail": f"{type(exc).__name__}: {exc}"}
    )
    return Failure(str(path), community, (issue,))


def lost_failure(path: Path | str, error: WorkerLost, community: str | None = None) -> Failure:
    """A file or community whose worker process died while it held it (see carbon_cli.batch.pool:
    the batch goes on without it)."""
    name = Path(path).name
    if community is None:
        held = Bilingual(f"文件 {name}", f"file {name}")
    else:
        held = Bilingual(f"社区 {community}（{name}）", f"community {community} ({name})")
    cause = error.cause
    ended = Bilingual(cause.replace("exit code", "退出码"), cause)
    issue = Issue("worker_lost", Location(str(path)), community=community, params={"held": held, "cause": ended})
    return Failure(str(path), community, (issue,))


def _read_file(path: Path, year: int | None, limits: Limits) -> tuple[Iterator[Survey], list[Failure]]:
    """The surveys of a file that can be assessed, made as they are iterated, and its failures:
    the file's own at once, each community's as its survey is made."""
    from carbon_cli.survey.reader import stream_workbook

    try:
        book = stream_workbook(path, year=year, limits=limits)
    except InputError as exc:
        return iter(()), [Failure(str(path), None, (exc.issue,))]
    except Exception as exc:  # a bug met on one file must not lose the others
        return iter(()), [internal_failure(path, exc)]
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
        failures.append(internal_failure(book.file, exc))


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


def read_cached(path: Path, options: BatchOptions, cache: Cache | None, settings: str, many: bool) -> FileRead:
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
        met = []
        for survey in surveys:
            item = found(survey, cached=cache is not None, data=many)
            met.append(item)
            yield item, survey
        # a bug met while reading (an internal error) is not a property of the file: never kept
        bug = any(i.code == "internal_error" for f in failures for i in f.issues)
        if key is not None and cache is not None and not bug:
            cache.put("read", key, (met, failures))

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


def _read_chunk(
    paths: list[Path], options: BatchOptions, cache: Cache | None, settings: str, many: bool
) -> list[FileRead]:
    return [read_cached(p, options, cache, settings, many).held() for p in paths]


def read_wave(
    wave: list[Path],
    options: BatchOptions,
    cache: Cache | None,
    settings: str,
    many: bool,
    pool: Pool | None,
    jobs: int,
    progress: Progress | None,
) -> Iterator[FileRead]:
    """The wave's files read, in order. Small files (forms) are read in the workers and sent back
    whole; a larger one (a table) is read here, its surveys made as the batch takes them, so a
    batch holds one table's rows at a time however many tables it is given."""
    here = [pool is None or len(wave) == 1 or _size(path) > WORKER_FILE_BYTES for path in wave]
    small = [path for path, inline in zip(wave, here, strict=True) if not inline]
    args = (options, cache, settings, many)
    sent = pool_map(_read_chunk, chunked(small, jobs), args, pool, progress, _read_lost) if small else None
    for path, inline in zip(wave, here, strict=True):
        if inline:
            yield read_cached(path, options, cache, settings, many)
            if progress:
                progress(1)
        else:
            assert sent is not None
            yield next(sent)


def _read_lost(path: Path, error: WorkerLost) -> FileRead:
    return FileRead(str(path), [], [lost_failure(path, error)])


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reading it reports why


def data_of(surveys: dict[int, Survey], options: BatchOptions, item: Found) -> str:
    """The digest of `item`'s values: kept, or made from its survey (read again when gone)."""
    if item.data:
        return item.data
    survey = surveys.get(id(item))
    if survey is None:  # a first whose survey has gone, met again in its own file (rare): read again
        survey = survey_again(item, options)
    return values_digest(survey) if survey is not None else ""


def survey_again(item: Found, options: BatchOptions) -> Survey | None:
    """The survey `item` was read from, read again: the one with its digest, or without one, the
    first of its ID."""
    surveys, _ = _read_file(Path(item.file), options.year, options.limits)
    if item.key:
        return next((s for s in surveys if found(s).key == item.key), None)
    return next((s for s in surveys if s.community_id == item.community_id), None)
