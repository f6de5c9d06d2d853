"""The worker pool of a batch: work sent to worker processes in chunks and its results taken
back in order, item by item; or, with one job, the same work done here as it is asked for.

What the work is (reading files, assessing communities) is the caller's: nothing here knows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from carbon_cli.core.memory import _collect_less

Progress = Callable[[int], None]


def start_pool(jobs: int) -> ProcessPoolExecutor | None:
    """`jobs` worker processes, started now (None for one job: the work is done here)."""
    if jobs <= 1:
        return None
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start)
    # the workers start now, forked from this process while it is small, not when the first
    # part is sent (after a table has been read)
    pool.submit(int)
    return pool


def abandon_pool(pool: ProcessPoolExecutor) -> None:
    """Interrupted or failed: stop the workers now, not after their chunk."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def chunked(items: list[Any], jobs: int) -> list[list[Any]]:
    """Four chunks per worker, of at most 256 items: done in-process, each chunk's surveys are
    let go as soon as it is assessed."""
    size = max(1, min(256, math.ceil(len(items) / (jobs * 4))))
    return [items[i : i + size] for i in range(0, len(items), size)]


def pool_map(
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


def _worker_start() -> None:
    """Ctrl-C reaches the whole process group: the main process handles it, workers ignore it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _collect_less()
