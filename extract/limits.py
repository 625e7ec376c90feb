"""Per-file caps on pages, time and memory, so one huge or hostile file cannot stall or sink a batch.

The caps are enforced inside the process that extracts the file, not in a child process per file:
nothing to start per file, and the loaded rules and caches stay warm from one file to the next.
- pages: the loader counts a PDF's pages before reading any of them;
- time and memory: one interval timer (SIGALRM) ticks while the file is extracted; at each tick the
  elapsed time and the peak resident memory since the file began (VmHWM, reset through
  /proc/self/clear_refs, so a spike between two ticks counts) are checked, and going over either cap
  interrupts the extraction; the peak is checked once more when the file is done. Memory is watched rather than capped with RLIMIT_AS alone: CPython does
  not survive every failed allocation (the interpreter crashed in 3 runs of 20 when the address space
  ran out), so the address-space limit stays only as a backstop far above the cap, against one huge
  allocation that the next tick would come too late for.
Signals and process-wide limits belong to the main thread: an extraction on another thread (a thread
pool) is held to the page cap only. Workers that are processes (a process pool, the CLI) get all three.
The memory cap needs Linux (/proc); elsewhere only the time cap applies.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from policydiff.extract.errors import LimitError

try:
    import resource
except ImportError:  # Windows: no address-space limit
    resource = None  # type: ignore[assignment]

# How often time and memory are checked while a file is extracted.
TICK_S = 0.05
# The address-space backstop: this many times the memory cap above what the process already maps.
BACKSTOP_FACTOR = 4


@dataclass(frozen=True)
class Limits:
    """Per-file caps; None (or 0 from the command line) turns one off."""

    # Coverage policies run to tens of pages, rarely a hundred or two.
    max_pages: int | None = 300
    # Seconds for one file; the longest policy of the corpus takes a few.
    timeout: float | None = 120.0
    # Megabytes of memory one file may take beyond what the program already holds.
    max_memory_mb: int | None = 2048


DEFAULT_LIMITS = Limits()
NO_LIMITS = Limits(max_pages=None, timeout=None, max_memory_mb=None)


def check_page_count(path: str, pages: int, max_pages: int | None) -> None:
    if max_pages and pages > max_pages:
        raise LimitError(path, f"too many pages ({pages}; the limit is {max_pages})", "max_pages")


def max_file_bytes(limits: Limits) -> int | None:
    """The most of a file that is read: a file larger than the memory cap cannot be read within it."""
    return limits.max_memory_mb * 2**20 if limits.max_memory_mb else None


def file_too_large(path: str, size: int, max_bytes: int) -> LimitError:
    return LimitError(
        path,
        f"file too large ({size / 2**20:,.0f} MB; the limit is {max_bytes // 2**20} MB)",
        "max_memory_mb",
    )


class _TimeUp(BaseException):
    """Raised by the timer; a BaseException so that no `except Exception` in a library swallows it."""


class _OverMemory(BaseException):
    """Raised by the timer when the file's memory went over its cap (a BaseException, as _TimeUp)."""


@contextmanager
def limited(path: str, limits: Limits) -> Iterator[None]:
    """Run the body under the time and memory caps; going over either raises LimitError naming the file."""
    on_main_thread = threading.current_thread() is threading.main_thread()
    timeout = limits.timeout if on_main_thread and hasattr(signal, "setitimer") else None
    megabytes = limits.max_memory_mb if on_main_thread else None
    resident = _reset_peak_resident() if megabytes else None
    memory_cap = resident + megabytes * 2**20 if resident is not None and megabytes else None
    over_time = f"took longer than the time limit ({timeout:g} s)" if timeout else ""
    over_memory = f"needed more memory than the limit ({megabytes} MB)"
    if not timeout and memory_cap is None:
        try:
            yield
        except MemoryError:
            raise LimitError(path, "ran out of memory") from None
        return
    deadline = time.monotonic() + timeout if timeout else None
    # The watchdog fires at most once per file and is disarmed before anything else when the body ends:
    # a tick that came while a large extraction was being freed used to raise a second time, outside any
    # handler, and kill the process (or pytest) by SIGALRM.
    watch = _Watch()

    def check() -> None:
        if not watch.armed:
            return
        if deadline is not None and time.monotonic() >= deadline:
            watch.disarm()
            raise _TimeUp
        if memory_cap is not None and (_peak_resident_bytes() or 0) > memory_cap:
            watch.disarm()
            raise _OverMemory

    def tick(signum, frame) -> None:
        if not _held:  # inside an `uninterrupted` section the cap is checked when it ends
            check()

    global _running_check, _running_memory_cap
    outer_check, _running_check = _running_check, check
    outer_cap, _running_memory_cap = _running_memory_cap, memory_cap
    interval = min(TICK_S, timeout) if timeout else TICK_S
    previous = signal.signal(signal.SIGALRM, tick)
    signal.setitimer(signal.ITIMER_REAL, interval, interval)
    try:
        try:
            with _address_space_backstop(megabytes if memory_cap is not None else None):
                yield
        finally:
            watch.disarm()
            _running_check, _running_memory_cap = outer_check, outer_cap
        if memory_cap is not None and (_peak_resident_bytes() or 0) > memory_cap:
            raise _OverMemory
    except _TimeUp:
        raise LimitError(path, over_time, "timeout") from None
    except (_OverMemory, MemoryError):
        raise LimitError(path, over_memory, "max_memory_mb") from None
    finally:
        watch.disarm()
        signal.signal(signal.SIGALRM, previous)


# The caps of the file being extracted on the main thread, checked on demand by `checkpoint`, and its
# memory cap in bytes of resident memory (`memory_left`).
_running_check: Callable[[], None] | None = None
_running_memory_cap: int | None = None


def memory_left() -> int | None:
    """Bytes the running file may still take under its memory cap; None with no cap (none set, off the
    main thread, or no /proc). For C work that no tick can interrupt, measured before it starts."""
    if _running_memory_cap is None or threading.current_thread() is not threading.main_thread():
        return None
    resident = _statm_bytes(1)
    return None if resident is None else max(_running_memory_cap - resident, 0)


# How deep the main thread is in sections the watchdog does not break into (`uninterrupted`).
_held = 0


@contextmanager
def uninterrupted() -> Iterator[None]:
    """A section the watchdog does not break into, for a C library's objects opened and closed in it: an
    exception raised by a tick between pypdfium2 creating a page and the code that closes it left the page
    open until the process ended (and pdfium said so on stderr at exit). A cap passed inside is raised
    when the section ends. Off the main thread, where no watchdog runs, nothing changes."""
    global _held
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _held += 1
    try:
        yield
    finally:
        _held -= 1
    if not _held:
        checkpoint()


def checkpoint() -> None:
    """Check the running file's time and memory caps now (nothing outside `limited`, or off the main
    thread). For work done in C calls too long for a tick to come between them: inflating a compressed
    stream grows by a gigabyte in one call, and the tick after it would come too late to keep the cap."""
    if _running_check is not None and threading.current_thread() is threading.main_thread():
        _running_check()


class _Watch:
    """Whether the watchdog may still fire; disarming also stops the interval timer."""

    def __init__(self) -> None:
        self.armed = True

    def disarm(self) -> None:
        # The flag first: a signal already delivered but not yet handled then finds the watch disarmed.
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)


def _statm_bytes(field: int) -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _reset_peak_resident() -> int | None:
    """Start a new peak (Linux: "5" to clear_refs resets VmHWM); the resident bytes now."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # the peak then runs from the process's start: the cap only errs on the strict side
    return _statm_bytes(1)


def _peak_resident_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return _statm_bytes(1)


@contextmanager
def _address_space_backstop(megabytes: int | None) -> Iterator[None]:
    """RLIMIT_AS far above the cap, restored afterwards: against one allocation too large to wait for a tick."""
    mapped = _statm_bytes(0) if megabytes and resource is not None else None
    if mapped is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    backstop = mapped + BACKSTOP_FACTOR * megabytes * 2**20
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            backstop = min(backstop, bound)
    resource.setrlimit(resource.RLIMIT_AS, (backstop, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
