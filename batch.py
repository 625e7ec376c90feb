"""Batches: extraction fanned out to worker processes or to a Dask cluster, results in input order.

The parent process reads each file and sends its bytes to a worker (so a worker on another machine needs
no access to the files); the worker runs `extract_bytes` and sends the record back. The parent consumes
results in input order, so a batch prints, reports and stores exactly what a serial run would. For ingest,
the parent also checks each file's hash against the store before sending it (a known file is never
parsed) and does every SQLite write itself, one transaction per file, as ingest.store_policy defines.

At most `window` files are in flight, so memory stays flat however long the batch.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import signal
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from policydiff import store
from policydiff.extract.errors import ExtractError, ParserError
from policydiff.extract.limits import DEFAULT_LIMITS, Limits, limited, max_file_bytes
from policydiff.extract.load import DEFAULT_PDF_TEXT, read_file
from policydiff.model import Policy

EXECUTORS = ("process", "dask")
# Files in flight per worker: one being extracted, one queued behind it while the parent writes.
IN_FLIGHT_PER_WORKER = 2
# How often a worker checks that the process that started it is still there.
ORPHAN_CHECK_S = 1.0

Outcome = TypeVar("Outcome")


class EngineError(Exception):
    """The executor cannot be used (Dask not installed, scheduler unreachable): one line saying why."""


class EngineUsageError(EngineError):
    """The executor options do not fit together."""


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def extraction_job(
    data: bytes, path: str, limits: Limits = DEFAULT_LIMITS, pdf_text: str = DEFAULT_PDF_TEXT
) -> Policy | ExtractError:
    """What a worker runs for one file: its record, or its error (whatever went wrong), returned rather
    than raised so that it comes back as a result (ExtractError pickles whole: extract/errors.py)."""
    try:
        from policydiff.api import extract_bytes  # in the worker: the parent may only need the store

        return extract_bytes(data, path, limits, pdf_text)
    except ExtractError as error:
        return error
    except Exception as error:  # extract_bytes turns failures into ExtractErrors: this is a last net
        return _internal_error(path, "extracting", error)
    finally:
        freeze_what_lives_on()


@functools.cache
def freeze_what_lives_on() -> None:
    """Once per process, after its first file: what the imports and the first parse built (spaCy's
    vocabulary and pipeline, the rules, the code sets) lives as long as the process. Collected once and
    frozen, it is no longer walked by every full collection, which each page's many small objects set
    off: 8% of a corpus extraction's CPU, 12% on the pdfium route (bench/README.md)."""
    gc.collect()
    gc.freeze()


def _internal_error(path: str, stage: str, error: BaseException) -> ParserError:
    return ParserError(
        path, f"internal error while {stage} ({type(error).__name__}: {error}); please report it"
    )


# One file's extraction as a worker runs it: extraction_job with the batch's settings bound (a partial of a
# module function, so it pickles to worker processes and Dask workers alike).
Job = Callable[[bytes, str], "Policy | ExtractError"]


class _Pending(Protocol):
    def result(self) -> Policy | ExtractError: ...


class Engine(Protocol):
    """Runs extraction jobs: `submit` starts one, `window` is how many may be in flight."""

    window: int

    def submit(self, data: bytes, path: str) -> _Pending: ...

    def close(self) -> None: ...


class SerialEngine:
    """Extraction in this process, one file at a time."""

    window = 1

    def __init__(self, job: Job = extraction_job) -> None:
        self.job = job

    def submit(self, data: bytes, path: str) -> _Pending:
        done: Future[Policy | ExtractError] = Future()
        done.set_result(self.job(data, path))
        return done

    def close(self) -> None:
        pass


def _start_worker(parent: int) -> None:
    """Ctrl-C is the parent's to handle (it stops the batch after the files in hand), and a worker
    whose parent was killed exits instead of holding the parent's output pipes open.

    SIGTERM gets its default action back: a forked worker inherits the CLI's handler that turns it into
    an exception, and a pool ends its workers with SIGTERM when one of them died. A worker that caught
    it as an exception lived on, and the pool's manager thread waited for it forever, holding up the
    parent's exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


@dataclass(frozen=True)
class _Survived:
    """A worker process's result, or this file's error when a worker died (crashed, or killed by the
    system for memory) while the file was in flight."""

    future: Future[Policy | ExtractError]
    path: str

    def result(self) -> Policy | ExtractError:
        try:
            return self.future.result()
        except BrokenProcessPool as error:
            return ExtractError(self.path, f"a worker process died while extracting it ({error})")
        except Exception as error:  # the record could not cross back (e.g. too deep to pickle)
            return _internal_error(self.path, "passing its record back from a worker", error)


class ProcessEngine:
    """Extraction in `workers` local processes."""

    def __init__(self, workers: int, job: Job = extraction_job) -> None:
        self.job = job
        self.workers = workers
        # Started on the first file to extract: a re-ingest of known files starts no process.
        self.pool: ProcessPoolExecutor | None = None
        self.window = IN_FLIGHT_PER_WORKER * workers

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, initializer=_start_worker, initargs=(os.getpid(),)
        )

    def submit(self, data: bytes, path: str) -> _Pending:
        self.pool = self.pool or self._new_pool()
        try:
            future = self.pool.submit(self.job, data, path)
        except BrokenProcessPool:  # a worker died on an earlier file: the batch goes on in a new pool
            self.pool.shutdown(wait=False)  # its manager thread ends its workers on its own
            self.pool = self._new_pool()
            future = self.pool.submit(self.job, data, path)
        return _Survived(future, path)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class DaskEngine:
    """Extraction on an existing Dask cluster (dask.distributed; its workers need policydiff installed)."""

    CONNECT_TIMEOUT_S = 10

    def __init__(self, scheduler: str, job: Job = extraction_job) -> None:
        self.job = job
        try:
            from distributed import Client
        except ImportError as error:
            raise EngineError(
                "a Dask cluster needs dask.distributed: pip install 'policydiff[dask]'"
            ) from error
        try:
            self.client = Client(scheduler, timeout=self.CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler} ({error})") from error
        threads = sum(self.client.nthreads().values())
        self.window = IN_FLIGHT_PER_WORKER * max(threads, 1)

    def submit(self, data: bytes, path: str) -> _Pending:
        # pure=False: two files with the same bytes but different names are two records.
        return self.client.submit(self.job, data, path, pure=False)

    def close(self) -> None:
        self.client.close()


def open_engine(
    workers: int,
    executor: str = "process",
    scheduler: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    pdf_text: str = DEFAULT_PDF_TEXT,
) -> Engine:
    """The engine for a batch, holding each file to `limits` and reading PDFs' text with `pdf_text`.
    Raises EngineError when the Dask scheduler cannot be used. (Dask runs tasks on threads: there only
    the page limit applies, see extract/limits.py.)"""
    job = functools.partial(extraction_job, limits=limits, pdf_text=pdf_text)
    if executor == "dask":
        if not scheduler:
            raise EngineUsageError("the dask executor needs a scheduler address (e.g. tcp://10.0.0.5:8786)")
        return DaskEngine(scheduler, job)
    if executor != "process":
        raise EngineUsageError(f"unknown executor {executor!r} (choose from {', '.join(EXECUTORS)})")
    return SerialEngine(job) if workers <= 1 else ProcessEngine(workers, job)


def _in_order(jobs: Iterable[Callable[[], Outcome]], window: int) -> Iterator[Outcome]:
    """Each job's outcome in input order. A job is started when taken from `jobs` (that is when it
    submits its extraction) and returns a function that waits for its outcome; at most `window` wait."""
    waiting: deque[Callable[[], Outcome]] = deque()
    for job in jobs:
        waiting.append(job())
        if len(waiting) >= window:
            yield waiting.popleft()()
    while waiting:
        yield waiting.popleft()()


def extract_paths(
    paths: Iterable[Path], engine: Engine, limits: Limits = DEFAULT_LIMITS
) -> Iterator[tuple[Path, Policy | ExtractError]]:
    """Each file's record, or the ExtractError saying why it has none, in input order. `limits` caps
    how much of each file is read (the engine holds its extraction to them)."""

    def start(path: Path) -> Callable[[], tuple[Path, Policy | ExtractError]]:
        try:
            pending = engine.submit(read_file(path, max_file_bytes(limits)), str(path))
        except ExtractError as error:
            unreadable = error
            return lambda: (path, unreadable)
        return lambda: (path, pending.result())

    return _in_order((lambda path=path: start(path) for path in paths), engine.window)


def ingest_paths(
    conn: sqlite3.Connection,
    paths: Iterable[Path],
    engine: Engine,
    payer: str | None = None,
    number: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[store.Ingested | ExtractError]:
    """Store each file as a version of its policy (ingest.store_policy), extraction on `engine`; outcomes in
    input order. Storing a file (its diffs against the versions around it) is held to `limits` as its
    extraction is."""

    from policydiff import ingest  # the diff engine, only when something is stored

    def start(path: Path) -> Callable[[], store.Ingested | ExtractError]:
        name = str(path)
        try:
            data = read_file(path, max_file_bytes(limits))
        except ExtractError as error:
            unreadable = error
            return lambda: unreadable
        sha256 = hashlib.sha256(data).hexdigest()
        if store.unchanged(conn, name, sha256):
            # Asked again at its turn, as a serial run would: a version stored in between (an older
            # document that lands before it) renumbers it. (Extracted only if the database was
            # replaced under the batch: versions are never deleted.)
            return lambda: (
                store.unchanged(conn, name, sha256) or _store(name, sha256, engine.submit(data, name))
            )
        pending = engine.submit(data, name)
        return lambda: _store(name, sha256, pending)

    def _store(name: str, sha256: str, pending: _Pending) -> store.Ingested | ExtractError:
        policy = pending.result()
        if isinstance(policy, ExtractError):
            return policy
        try:
            with limited(name, limits):
                return ingest.store_policy(conn, name, sha256, policy, payer, number)
        except ExtractError as error:
            return error
        except Exception as error:  # a bug in storing one file fails that file; the batch goes on
            return _internal_error(name, "storing", error)

    return _in_order((lambda path=path: start(path) for path in paths), engine.window)
