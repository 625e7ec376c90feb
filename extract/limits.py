"""Per-file caps on pages, time and memory, so one huge or hostile file cannot stall or sink a batch.

The caps are enforced inside the process that extracts the file, not in a child process per file:
nothing to start per file, and the loaded rules and caches stay warm from one file to the next.
- pages: the loader counts a PDF's pages before reading any of them;
- time: an interval timer (SIGALRM) interrupts the extraction when its time is up;
- memory: the address-space limit (RLIMIT_AS) is set to the process's current size plus the cap
  while the file is extracted, then restored; an allocation beyond it fails with MemoryError.
Signals and process-wide limits belong to the main thread: an extraction on another thread (a thread
pool) is held to the page cap only. Workers that are processes (a process pool, the CLI) get all three.
The memory cap needs Linux (/proc and an enforced RLIMIT_AS); elsewhere it is not applied.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from policydiff.extract.errors import LimitError

try:
    import resource
except ImportError:  # Windows: no address-space limit
    resource = None  # type: ignore[assignment]


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
        raise LimitError(
            path, f"too many pages ({pages}; the limit is {max_pages}: raise it with --max-pages)"
        )


class _TimeUp(BaseException):
    """Raised by the timer; a BaseException so that no `except Exception` in a library swallows it."""


@contextmanager
def limited(path: str, limits: Limits) -> Iterator[None]:
    """Run the body under the time and memory caps; going over either raises LimitError naming the file."""
    on_main_thread = threading.current_thread() is threading.main_thread()
    # Memory outermost: its limit is restored after the timer is disarmed, whatever happens inside.
    with (
        _memory_limit(path, limits.max_memory_mb if on_main_thread else None),
        _time_limit(path, limits.timeout if on_main_thread else None),
    ):
        yield


@contextmanager
def _time_limit(path: str, seconds: float | None) -> Iterator[None]:
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def time_up(signum, frame):
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _TimeUp:
        raise LimitError(
            path, f"took longer than the time limit ({seconds:g} s: raise it with --timeout)"
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _address_space_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def _memory_limit(path: str, megabytes: int | None) -> Iterator[None]:
    current = _address_space_bytes() if megabytes and resource is not None else None
    if current is None:
        try:
            yield
        except MemoryError:
            raise LimitError(path, "ran out of memory") from None
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = current + megabytes * 2**20
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            cap = min(cap, bound)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    # While the exception unwinds under the cap, generators being closed fail again for want of memory;
    # Python prints those as "Exception ignored in ..." on stderr. They are this one error: keep them quiet.
    unraisable_hook = sys.unraisablehook
    sys.unraisablehook = functools.partial(_unless_memory_error, unraisable_hook)
    try:
        yield
    except MemoryError:
        raise LimitError(
            path, f"needed more memory than the limit ({megabytes} MB: raise it with --max-memory-mb)"
        ) from None
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        sys.unraisablehook = unraisable_hook


def _unless_memory_error(hook, unraisable) -> None:
    if not isinstance(unraisable.exc_value, MemoryError):
        hook(unraisable)
