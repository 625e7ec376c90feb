"""The documented errors of reading a file: one line naming the file and the problem. They carry no exit
codes: the CLI maps each type to its code in one table (cli.EXIT_CODES)."""

from __future__ import annotations


class ExtractError(Exception):
    """A file that cannot be read as a policy. `str()` is the one-line message the CLI prints."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self):
        # Pickled by message only, the default would call __init__ with one argument: keep both so an
        # error raised in a worker process reaches the parent intact.
        return (type(self), (self.path, self.problem))


class NotAPolicyError(ExtractError):
    """Readable, but nothing in it looks like a coverage policy."""


class ParserError(ExtractError):
    """A parser failed on this file: a bug in policydiff, reported per file so a batch goes on."""


class LimitError(ExtractError):
    """The file went over a per-file cap (pages, time or memory): raise the cap to read it. `limit` names
    the cap (a field of extract.limits.Limits), so that a caller can say how it is raised."""

    def __init__(self, path: str, problem: str, limit: str | None = None) -> None:
        super().__init__(path, problem)
        self.limit = limit

    def __reduce__(self):
        return (type(self), (self.path, self.problem, self.limit))


class UnfiledError(ExtractError):
    """A policy was read but has no payer or no policy number to file it under."""
