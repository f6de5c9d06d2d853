"""The worker pool of a batch: work sent to worker processes in chunks and its results taken
back in order, item by item; or, with one job, the same work done here as it is asked for.

What the work is (reading files, assessing communities) is the caller's: nothing here knows.

The pool fails cleanly, whatever happens around it:
- an error or an interrupt in this process (a full disk while writing a report, Ctrl-C,
  SIGTERM) abandons the pool: the work not yet sent is dropped, every worker is ended (SIGTERM,
  which workers obey; SIGKILL for one that has not ended within a second) and the pipes are
  closed, so no worker is left blocked writing a result nobody reads;
- a worker that dies while it holds a chunk (SIGKILL, the out-of-memory killer) loses that chunk
  only: `result` raises `WorkerLost` for it, a new worker takes its place, the rest goes on (a
  batch lists the chunk's files or communities as failed, worded by the `worker_lost` message);
- a worker whose parent dies (SIGKILL) ends by itself: the system kills it where it can (Linux),
  and every worker checks its parent twice a second.

Each worker has a pipe of its own to this process and a thread here that feeds it, one chunk at
a time, from a queue shared by all (so the workers stay busy while this process reads a table or
writes reports), and puts the answer in the chunk's future.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from carbon_cli.core.memory import _collect_less

Progress = Callable[[int], None]
GRACE_S = 1.0  # how long an ended worker is given to exit before it is killed
PARENT_CHECK_S = 0.5  # how often a worker checks that its parent is alive


class WorkerLost(Exception):
    """The worker process holding a chunk ended before it answered (killed, out of memory)."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(exitcode)
        self.exitcode = exitcode

    @property
    def cause(self) -> str:
        """How it ended: `SIGKILL`, `exit code 3`."""
        code = self.exitcode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return signal.Signals(-code).name
            return f"signal {-code}"
        return f"exit code {code}"

    def __str__(self) -> str:
        return f"the worker process ended abruptly ({self.cause})"


@dataclass(eq=False)
class _Task:
    fn: Callable[..., list[Any]]
    chunk: list[Any] | None
    args: tuple[Any, ...]
    future: Future[list[Any]] = field(default_factory=Future)


class _Slot:
    """A worker process, its end of the pipe, and the thread here that feeds it."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.process: Any = None
        self.conn: Any = None
        self.lost = False  # its worker died: waiting for the pool to start another
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="carbon-pool-slot", daemon=True)

    def _serve(self) -> None:
        pool = self.pool
        while True:
            task = pool._tasks.get()
            if task is None or pool._stopping:
                break
            if not task.future.set_running_or_notify_cancel():
                continue
            try:
                answer = self._ask(task)
            except WorkerLost as lost:
                task.future.set_exception(lost)
                if pool._stopping:
                    break
                self._replaced()
                continue
            except BaseException as exc:  # given to whoever waits for the chunk
                task.future.set_exception(exc)
                continue
            kind, value = answer
            if kind == "ok":
                task.future.set_result(value)
            else:
                task.future.set_exception(value)
        with contextlib.suppress(OSError, ValueError):
            if not pool._stopping and self.process is not None:  # a clean end: the worker stops itself
                self.conn.send(None)

    def _ask(self, task: _Task) -> tuple[str, Any]:
        from multiprocessing.connection import wait

        conn, process = self.conn, self.process
        try:
            conn.send((task.fn, task.chunk, task.args))
            task.chunk = None  # the worker has it now: not held here
            while True:
                ready = wait([conn, process.sentinel])
                if conn in ready:
                    return conn.recv()
                if process.sentinel in ready and not conn.poll():
                    break
        except (EOFError, OSError):
            pass
        process.join(GRACE_S)
        raise WorkerLost(process.exitcode)

    def _replaced(self) -> None:
        """Wait until the pool has started a new worker here (or is stopping)."""
        self.ready.clear()
        with contextlib.suppress(OSError):
            self.conn.close()
        self.lost = True
        self.ready.wait()


class Pool:
    """`jobs` worker processes, started now; see the module's docstring. Chunks go in with
    `submit`, answers come out with `result`; then `close()` at the end, or `abandon()` on any
    error or interrupt."""

    def __init__(self, jobs: int) -> None:
        self._context = multiprocessing.get_context()
        self._fork = self._context.get_start_method() == "fork"
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._stopping = False
        self._closed = False
        self._slots = [_Slot(self) for _ in range(jobs)]
        try:
            # every worker forked before any thread of the pool exists
            for slot in self._slots:
                slot.process, slot.conn = self._spawn()
            for slot in self._slots:
                slot.thread.start()
        except BaseException:
            self.abandon()
            raise

    def _spawn(self) -> tuple[Any, Any]:
        here, there = self._context.Pipe(duplex=True)
        # a forked worker holds copies of this process's ends of the other workers' pipes (and
        # its own): closed there, so a pipe is only ever held by its two processes
        inherited = [here, *(s.conn for s in self._slots if s.conn is not None)] if self._fork else []
        process = self._context.Process(
            target=_worker, args=(there, inherited, os.getpid()), name="carbon-worker", daemon=True
        )
        try:
            process.start()
        finally:
            there.close()
        return process, here

    def _respawn(self) -> None:
        for slot in self._slots:
            if slot.lost and not self._stopping:
                with contextlib.suppress(ValueError):
                    slot.process.close()
                slot.process, slot.conn = self._spawn()
                slot.lost = False
                slot.ready.set()

    def submit(self, fn: Callable[..., list[Any]], chunk: list[Any], args: tuple[Any, ...]) -> Future[list[Any]]:
        if self._stopping or self._closed:
            raise RuntimeError("the pool is closed")
        self._respawn()
        task = _Task(fn, chunk, args)
        self._tasks.put(task)
        return task.future

    def result(self, future: Future[list[Any]]) -> list[Any]:
        """The chunk's answer, waited for (interruptible); `WorkerLost` when its worker died."""
        while True:
            self._respawn()
            with contextlib.suppress(TimeoutError):
                return future.result(timeout=0.1)
            if not any(slot.thread.is_alive() for slot in self._slots) and not future.done():
                raise RuntimeError("the worker pool stopped with work left")  # a bug here: never wait for ever

    def close(self) -> None:
        """The batch is done: each worker is told to stop, and waited for."""
        if self._closed or self._stopping:
            return
        try:
            for _ in self._slots:
                self._tasks.put(None)
            for slot in self._slots:
                while slot.thread.is_alive():
                    self._respawn()
                    slot.thread.join(0.1)
            deadline = time.monotonic() + 5
            for slot in self._slots:
                slot.process.join(max(0.0, deadline - time.monotonic()))
        except BaseException:
            self.abandon()
            raise
        self._closed = True
        self._end_all()

    def abandon(self) -> None:
        """Stop now (an error, an interrupt): drop the work not yet sent, end every worker,
        wait for none of their answers. Returns within about two seconds."""
        if self._closed:
            return
        self._stopping = True
        with contextlib.suppress(queue.Empty):
            while True:
                task = self._tasks.get_nowait()
                if task is not None:
                    task.future.cancel()
        for _ in self._slots:
            self._tasks.put(None)  # idle feeding threads wake up and end
        for slot in self._slots:
            slot.ready.set()
        self._end_all()
        self._closed = True

    def _end_all(self) -> None:
        processes = [s.process for s in self._slots if s.process is not None]
        for process in processes:
            if process.is_alive():
                with contextlib.suppress(OSError, ValueError):
                    process.terminate()
        deadline = time.monotonic() + GRACE_S
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.exitcode is None:
                with contextlib.suppress(OSError, ValueError):
                    process.kill()
                process.join(GRACE_S)
        for slot in self._slots:
            if slot.thread.is_alive():
                slot.thread.join(GRACE_S)
            with contextlib.suppress(OSError, ValueError):
                if slot.conn is not None:
                    slot.conn.close()


def start_pool(jobs: int) -> Pool | None:
    """`jobs` worker processes, started now, forked from this process while it is small, not
    when the first part is sent (after a table has been read); None for one job: the work is
    done here."""
    return Pool(jobs) if jobs > 1 else None


def chunked(items: list[Any], jobs: int) -> list[list[Any]]:
    """Four chunks per worker, of at most 256 items: done in-process, each chunk's surveys are
    let go as soon as it is assessed."""
    size = max(1, min(256, math.ceil(len(items) / (jobs * 4))))
    return [items[i : i + size] for i in range(0, len(items), size)]


def pool_map(
    fn: Callable[..., list[Any]],
    chunks: list[list[Any]],
    args: tuple[Any, ...],
    pool: Pool | None,
    progress: Progress | None,
    lost: Callable[[Any, WorkerLost], Any],
    key: Callable[[Any], Any] = lambda item: item,
) -> Iterator[Any]:
    """fn over chunks, in order, item by item, reporting progress per chunk: in the pool, every
    chunk sent off now; inline, each done as its items are asked for. The items of a chunk whose
    worker died are given as `lost(key(item), error)` (only their keys are held meanwhile)."""
    if pool is None:
        return _inline(fn, chunks, args, progress)
    keys = [[key(item) for item in chunk] for chunk in chunks]
    futures = [pool.submit(fn, chunk, args) for chunk in chunks]
    chunks.clear()
    return _collected(pool, futures, keys, progress, lost)


def _inline(
    fn: Callable[..., list[Any]], chunks: list[list[Any]], args: tuple[Any, ...], progress: Progress | None
) -> Iterator[Any]:
    chunks.reverse()
    while chunks:
        chunk = chunks.pop()  # held no longer than its work
        yield from fn(chunk, *args)
        if progress:
            progress(len(chunk))


def _collected(
    pool: Pool,
    futures: list[Future[list[Any]]],
    keys: list[list[Any]],
    progress: Progress | None,
    lost: Callable[[Any, WorkerLost], Any],
) -> Iterator[Any]:
    for chunk, future in zip(keys, futures, strict=True):
        try:
            yield from pool.result(future)
        except WorkerLost as error:
            yield from (lost(k, error) for k in chunk)
        if progress:
            progress(len(chunk))


# --- in the worker processes -------------------------------------------------------------------


def _worker(conn: Any, inherited: list[Any], parent: int) -> None:
    """A worker's life: chunks from its pipe, answers back, until told to stop or the pipe closes.

    Ctrl-C reaches the whole process group: the main process handles it, workers ignore it.
    SIGTERM ends a worker at once, whatever it is doing (the main process's own handler, which
    unwinds it, is not kept here)."""
    for other in inherited:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(AttributeError, ValueError, OSError):  # not where the system has no masks
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # forked while the main process held it
    _watch_parent(parent)
    _collect_less()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fn, chunk, args = task
        del task
        try:
            answer: tuple[str, Any] = ("ok", fn(chunk, *args))
        except BaseException as exc:  # raised again in the main process
            exc.add_note("in a worker process:\n" + "".join(traceback.format_exception(exc)))
            answer = ("error", exc)
        del chunk
        try:
            conn.send(answer)
        except OSError:
            return  # the main process has gone or given up
        except Exception as exc:  # an answer that cannot be pickled
            try:
                conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
            except OSError:
                return
        del answer


def _watch_parent(parent: int) -> None:
    """End this worker when its parent dies: at once where the system can say so (Linux), and
    within PARENT_CHECK_S everywhere."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="carbon-parent-watch", daemon=True).start()
