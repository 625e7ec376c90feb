"""The `policydiff` command: a thin layer over the library (policydiff.api and friends).

Exit codes (documented in the README and kept true by tests):
  0  every file was processed
  1  usage error (bad arguments)
  2  at least one file could not be read (missing, empty, encrypted, corrupt, not a document)
  3  at least one file was read but is not a coverage policy
  4  (ingest) at least one policy was read but not stored: no payer or policy number to file it under
  5  a parser failed on at least one file (a bug in policydiff: please report the file)
  6  at least one file went over a per-file limit (--max-pages, --timeout, --max-memory-mb)
  7  the output could not be written, or two inputs would write one output file (output.OutputError)
  130 / 143  interrupted by Ctrl-C / ended by SIGTERM (the same way: summary printed)
Errors print one line to stderr, `policydiff: PATH: problem`, control characters escaped (say); in a
batch the other files go on.
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from policydiff import __version__, store
from policydiff.batch import (
    EXECUTORS,
    Engine,
    EngineError,
    EngineUsageError,
    default_workers,
    extract_paths,
    ingest_paths,
    open_engine,
)
from policydiff.extract.dates import parse_date
from policydiff.extract.errors import ExtractError, LimitError, NotAPolicyError, ParserError, UnfiledError
from policydiff.extract.limits import DEFAULT_LIMITS, Limits
from policydiff.extract.load import DEFAULT_PDF_TEXT, PDF_TEXT_LAYERS
from policydiff.model import Comparison, DiffResult, Policy, ReadingAccount, iter_criteria
from policydiff.output import (
    OutputError,
    check_output_file,
    inert,
    json_text,
    output_folder,
    output_names,
    write_atomic,
)


def _on_first_use(module: str, name: str) -> Callable[..., Any]:
    """`name` from `module`, imported when first called: `--help` and the store's reading commands must not
    pay for spaCy, rapidfuzz and Jinja2, which the pipeline, the diff and the renderers import."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


compare_files = _on_first_use("policydiff.api", "compare_files")
diff_files = _on_first_use("policydiff.api", "diff_files")
export_fhir = _on_first_use("policydiff.fhir_export", "export_fhir")
render = _on_first_use("policydiff.render", "render")
atom_feed = _on_first_use("policydiff.render", "atom_feed")
compare_html, diff_html, digest_html, digest_report_name, policy_html = (
    _on_first_use("policydiff.html_report", name)
    for name in ("compare_html", "diff_html", "digest_html", "digest_report_name", "policy_html")
)

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_UNREADABLE = 2
EXIT_NOT_POLICY = 3
EXIT_UNFILED = 4
EXIT_PARSER_BUG = 5
EXIT_LIMIT = 6
EXIT_OUTPUT = 7

# The one table of exit codes (the README's table says the same): an error's type -> the code the command
# exits with. The library's errors carry none; the most specific type of an error decides its code.
EXIT_CODES: dict[type[Exception], int] = {
    ExtractError: EXIT_UNREADABLE,  # fetch.FetchError too: a URL that cannot be read
    NotAPolicyError: EXIT_NOT_POLICY,
    UnfiledError: EXIT_UNFILED,
    ParserError: EXIT_PARSER_BUG,
    LimitError: EXIT_LIMIT,
    OutputError: EXIT_OUTPUT,
    store.StoreError: EXIT_UNREADABLE,
    store.NotStoredError: EXIT_USAGE,
    EngineError: EXIT_UNREADABLE,
    EngineUsageError: EXIT_USAGE,
}


def exit_code_of(error: Exception | type[Exception]) -> int:
    """The code a command exits with for an error or a type of error (see EXIT_CODES)."""
    kind = error if isinstance(error, type) else type(error)
    return next(EXIT_CODES[base] for base in kind.__mro__ if base in EXIT_CODES)


def emit(text: str, output: str | None) -> None:
    if output:
        write_atomic(Path(output), text)
    else:
        sys.stdout.write(text)


# What a folder scan leaves unread: files that by their kind are no policy (provenance sidecars and other
# JSON, Markdown notes, images). A file named on the command line is always read.
NOT_POLICY_SUFFIXES = frozenset(
    {".json", ".md", ".markdown", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".tif", ".tiff", ".bmp"}
)


def expand_paths(paths: Iterable[str]) -> tuple[list[Path], list[Path]]:
    """(files to read, files skipped): files as given; folders recursively in a stable order, hidden files
    and files of a kind that is no policy (NOT_POLICY_SUFFIXES) skipped."""
    files: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            files.append(path)
            continue
        for found in sorted(path.rglob("*")):
            if not found.is_file() or any(part.startswith(".") for part in found.relative_to(path).parts):
                continue
            (skipped if found.suffix.lower() in NOT_POLICY_SUFFIXES else files).append(found)
    return files, skipped


def report_skipped(skipped: list[Path]) -> None:
    """One line saying how many files of the folders were left unread, and of which kinds."""
    if skipped:
        kinds = Counter(path.suffix.lower() for path in skipped)
        listed = ", ".join(f"{suffix} {count}" for suffix, count in sorted(kinds.items()))
        say(
            f"skipped {len(skipped)} file{'s' if len(skipped) > 1 else ''} of the folders that are no policy "
            f"by kind ({listed}); name a file to read it anyway"
        )


def say(message: object) -> None:
    """One line on stderr: `policydiff: message`, control characters escaped (see output.inert)."""
    print(f"policydiff: {inert(str(message))}", file=sys.stderr)


def report_error(error: ExtractError | OutputError) -> int:
    # The library names the limit a file went over; the option that raises it is the CLI's to say.
    option = next((o for o, field, *_ in LIMIT_OPTIONS if field == getattr(error, "limit", None)), None)
    say(f"{error}; raise it with {option}" if option else error)
    return exit_code_of(error)


# ----------------------------------------------------------------------------------------------- extract


def policy_json(policy: Policy, indent: int | None = 2) -> str:
    return json_text(policy.to_json_dict(), indent)


def policy_summary(policy: Policy) -> str:
    """A readable summary: who, what, when, how much, and the criteria outline."""
    dates = (
        ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in policy.dates if value)
        or "none found"
    )
    lines = [
        f"{policy.payer or '(payer not found)'} {policy.policy_number or '(number not found)'}: {policy.title or '(title not found)'}",
        f"  source:     {policy.source.path} ({policy.source.format}, {policy.source.pages or '?'} pages)",
        f"  dates:      {dates}",
        f"  services:   {', '.join(policy.services) or '-'}",
        f"  criteria:   {sum(1 for _ in iter_criteria(policy.criteria))} nodes in {len(policy.criteria)} trees",
        f"  codes:      {len(policy.codes)}",
        f"  revisions:  {len(policy.revisions)}",
        f"  references: {len(policy.references)}",
    ]
    if policy.criteria:
        lines.append("  criteria outline:")
        lines.extend(_outline(policy.criteria, depth=2))
    if policy.coverage:
        lines.extend(_reading_account(policy.coverage))
    if policy.warnings:
        lines.append(f"  warnings ({len(policy.warnings)}):")
        lines.extend(f"    - {warning}" for warning in policy.warnings)
    return "\n".join(map(inert, lines)) + "\n"


def _reading_account(account: ReadingAccount) -> list[str]:
    """Per section, how many lines went into some field; the unread text of sections a field reads."""
    out = [f"  reading:    {account.read} of {account.lines} lines went into some field"]
    for section in account.sections:
        heading = section.heading or "(before the first heading)"
        reader = f"read as {section.reader}" if section.reader else "no field reads it"
        out.append(
            f"    p{section.page or '?'} '{_short(heading, 50)}' [{section.kind}, {reader}]: "
            f"{section.read}/{section.lines} lines read"
        )
        if section.reader:
            out.extend(
                f"      unread p{block.page or '?'} ({block.lines} lines): {_short(block.text, 80)}"
                for block in section.unread
            )
    return out


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _outline(criteria, depth: int) -> list[str]:
    out = []
    for node in criteria:
        tags = [node.kind]
        if node.coverage:
            tags.append(node.coverage)
        if node.logic:
            tags.append(node.logic.upper())
        out.append(f"{'  ' * depth}{node.id} [{', '.join(tags)}] {_short(node.text, 90)}")
        out.extend(_outline(node.children, depth + 1))
    return out


SUFFIXES = {"json": ".json", "text": ".txt", "html": ".html", "fhir": ".fhir.json"}


def run_extract(args: argparse.Namespace) -> int:
    files, skipped = expand_paths(args.files)
    report_skipped(skipped)
    if not files:
        say("no input files")
        return EXIT_USAGE
    several = len(files) > 1
    try:
        # Where each record goes, settled before any file is read: a bad -o is one line, not a lost batch.
        if args.output and several:
            targets: list[Path | None] = output_names(files, Path(args.output), SUFFIXES[args.format])
            output_folder(Path(args.output))
        else:
            targets = [Path(args.output) if args.output else None] * len(files)
            if args.output:
                check_output_file(Path(args.output))
    except OutputError as error:
        return report_error(error)
    exit_code = EXIT_OK
    try:
        engine = open_batch_engine(args, len(files))
    except EngineError as error:
        say(error)
        return exit_code_of(error)
    progress = Progress(len(files))
    failed = 0
    try:
        # Results come in input order, so each meets its own target.
        results = extract_paths(files, engine, limits_from(args))
        for done, (path, target) in enumerate(zip(files, targets, strict=True)):
            progress.show(done, path.name, failed)
            _, policy = next(results)
            if isinstance(policy, ExtractError) or target is None:
                progress.clear()  # an error line, or a record on the terminal, is never drawn over
            if isinstance(policy, ExtractError):
                failed += 1
                exit_code = max(exit_code, report_error(policy))
                continue
            write_record(args.format, policy, several, target)
    except OutputError as error:
        # Nothing more can be written where the records go (a full disk, a read-only place): stop here.
        progress.clear()
        exit_code = max(exit_code, report_error(error))
    finally:
        progress.clear()
        engine.close()
    return exit_code


def write_record(fmt: str, policy: Policy, several: bool, target: Path | None) -> None:
    """One extracted record in format `fmt`: to its file `target`, or to stdout (JSON Lines when several)."""
    if fmt == "text":
        text = policy_summary(policy)
    elif fmt == "html":
        text = policy_html(policy, folder=target.parent if target is not None else None)
    elif fmt == "fhir":
        text = json_text(export_fhir(policy), indent=None if several and target is None else 2) + "\n"
    else:
        text = policy_json(policy, indent=None if several and target is None else 2) + "\n"
    if target is not None:
        write_atomic(target, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def add_extract_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "extract",
        help="read policy files (PDF, HTML, text) into normalized records",
        description="Read policy files into normalized records (JSON contract: policy.schema.json). "
        "One file: one JSON object. Several: JSON Lines on stdout, or one file each under -o DIR.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="policy files or folders (searched recursively)"
    )
    parser.add_argument(
        "--format", choices=["json", "text", "html"], default="json", help="output format (default json)"
    )
    parser.add_argument("-o", "--output", metavar="PATH", help="output file (one input) or folder (several)")
    add_batch_options(parser)
    add_reading_options(parser)
    parser.set_defaults(handler=run_extract)


def worker_count(text: str) -> int:
    count = int(text) if text.isdigit() else 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1 or more)")
    return count


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=default_workers(),
        metavar="N",
        help="files extracted at once, each in its own process (default: the number of cores, "
        f"{default_workers()} here); the output is the same as with 1",
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="process",
        help="where extraction runs: local worker processes (default) or an existing Dask cluster "
        "(needs policydiff[dask], and policydiff installed on the cluster's workers)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (--executor dask)",
    )


def cap(kind: type[int] | type[float]) -> Callable[[str], int | float | None]:
    """A limit option's value: a positive number, or 0 for no limit (None)."""

    def parse(text: str) -> int | float | None:
        try:
            value = kind(text)
        except ValueError:
            value = -1
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a limit (a number, 0 for none)")
        return value or None

    return parse


# The per-file limits as options: (option, Limits field, number type, metavar, what going over does).
LIMIT_OPTIONS = (
    ("--max-pages", "max_pages", int, "N", "skip a file of more than N pages"),
    ("--timeout", "timeout", float, "SECONDS", "give up on a file after SECONDS"),
    ("--max-memory-mb", "max_memory_mb", int, "MB", "give up on a file that needs more than MB megabytes"),
)


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """How each input file is read, the same on every command that reads files: the per-file limits
    (LIMIT_OPTIONS) and the PDF text layer."""
    for option, field, kind, metavar, going_over in LIMIT_OPTIONS:
        default = getattr(DEFAULT_LIMITS, field)
        parser.add_argument(
            option,
            dest=field,
            type=cap(kind),
            default=default,
            metavar=metavar,
            help=f"{going_over} (default {default:g}; 0: no limit)",
        )
    parser.add_argument(
        "--pdf-text",
        choices=PDF_TEXT_LAYERS,
        default=DEFAULT_PDF_TEXT,
        help="how PDF text is read: pdfium (default), exact (pdfplumber: the same records in substance, "
        "3x to 5x slower) or fast (exact's records, 1.4x to 2x faster than exact)",
    )


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(**{field: getattr(args, field) for _, field, *_ in LIMIT_OPTIONS})


def open_batch_engine(args: argparse.Namespace, files: int) -> Engine:
    """The engine that extracts a batch of `files` files (no worker processes for a single file)."""
    if args.scheduler and args.executor != "dask":
        raise EngineUsageError("--scheduler is for --executor dask")
    if args.executor == "dask" and not args.scheduler:
        raise EngineUsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    return open_engine(
        min(args.workers, files), args.executor, args.scheduler, limits_from(args), args.pdf_text
    )


def add_export_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="policy files as data for other engines (FHIR R4: a DTR questionnaire package)",
        description="Read policy files and write each as one FHIR R4 Bundle: a Questionnaire with one item "
        "per criterion and each group's logic as a FHIRPath calculatedExpression, an empty "
        "QuestionnaireResponse, ValueSets of the codes by system and status, and a Library of CQL. "
        "Several files: JSON Lines on stdout, or one file each under -o DIR.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="policy files or folders (searched recursively)"
    )
    parser.add_argument("--format", choices=["fhir"], default="fhir", help="output format (default fhir)")
    parser.add_argument("-o", "--output", metavar="PATH", help="output file (one input) or folder (several)")
    add_batch_options(parser)
    add_reading_options(parser)
    parser.set_defaults(handler=run_extract)


# Each command registers itself here; later commands (diff, compare, ingest, ...) add their own
# `add_*_command` function beside extract's.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_extract_command, add_export_command]


# ----------------------------------------------------------------------------------------------- store


def _reading(args: argparse.Namespace) -> AbstractContextManager[sqlite3.Connection]:
    """The store for a reading command, opened read-only: it must exist already."""
    return store.reading(store.database_path(args.db))


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="FILE",
        help="the SQLite store (default: $POLICYDIFF_DB, else ./policydiff.sqlite)",
    )


class Progress:
    """How far a batch is, on stderr: a one-line bar redrawn per file on a terminal; elsewhere (a log, a
    pipe) a plain line at each tenth of a long batch, so a log shows it going without a line per file."""

    WIDTH = 30
    PLAIN_MIN_FILES = 50  # shorter batches end before a log line would help

    def __init__(self, total: int) -> None:
        self.total = total
        self.enabled = total > 1 and sys.stderr.isatty()
        self.plain = not self.enabled and total >= self.PLAIN_MIN_FILES

    def show(self, done: int, label: str, failed: int = 0) -> None:
        failures = f" ({failed} failed)" if failed else ""
        if self.enabled:
            filled = self.WIDTH * done // self.total
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            sys.stderr.write(f"\r\x1b[K[{bar}] {done}/{self.total}{failures} {inert(label)[:60]}")
            sys.stderr.flush()
        elif self.plain and done and done * 10 // self.total > (done - 1) * 10 // self.total:
            print(f"policydiff: {done}/{self.total} files done{failures}", file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def run_ingest(args: argparse.Namespace) -> int:
    files, skipped = expand_paths(args.paths)
    report_skipped(skipped)
    if not files:
        say("no input files")
        return EXIT_USAGE
    db = store.database_path(args.db)
    conn = store.connect(db)
    try:
        engine = open_batch_engine(args, len(files))
    except EngineError as error:
        store.close_writing(conn)
        say(error)
        return exit_code_of(error)
    counts = {"new": 0, "new_version": 0, "unchanged": 0}
    failures: list[ExtractError] = []
    progress = Progress(len(files))
    exit_code = EXIT_OK
    done = 0
    try:
        outcomes = ingest_paths(
            conn, files, engine, payer=args.payer, number=args.number, limits=limits_from(args)
        )
        with stop_asked_on_ctrl_c() as stop_asked:
            for path in files:
                if stop_asked():
                    exit_code = stop_asked()
                    break
                progress.show(done, path.name, len(failures))
                ingested = next(outcomes)
                if isinstance(ingested, ExtractError):
                    progress.clear()
                    exit_code = max(exit_code, report_error(ingested))
                    failures.append(ingested)
                else:
                    counts[ingested.status] += 1
                    if args.verbose:
                        progress.clear()
                        fields = (ingested.status, ingested.payer, ingested.policy_number)
                        print(
                            *map(inert, (*fields, f"v{ingested.version}", ingested.path)),
                            sep="\t",
                            flush=True,
                        )
                done += 1
    except KeyboardInterrupt as interrupt:
        exit_code = interrupted(interrupt)
    finally:
        progress.clear()
        engine.close()
        store.close_writing(conn)
    sys.stdout.write(
        render("ingest.txt.j2", total=len(files), done=done, counts=counts, failures=failures, db=db)
    )
    return exit_code


INTERRUPT_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal's number, as shells say


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service stopped, `kill PID`), raised like Ctrl-C's KeyboardInterrupt so that the
    command ends the same way: temp files removed, workers stopped, the summary printed."""


def interrupted(interrupt: KeyboardInterrupt) -> int:
    """The exit code of a command ended by Ctrl-C (130) or SIGTERM (143)."""
    return INTERRUPT_EXIT_CODES[signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT]


@contextmanager
def stop_asked_on_ctrl_c() -> Iterator[Callable[[], int]]:
    """Ctrl-C or SIGTERM asks a batch to stop once the file in hand is stored and counted, so that the
    summary says exactly what the store holds; a second one stops at once. The callable yielded gives the
    exit code asked for (130 or 143), 0 while none is. (Outside the main thread, where signals cannot be
    handled, the signals keep their defaults.)"""
    asked: list[int] = []

    def ask(signum, frame) -> None:
        if asked:
            raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt
        asked.append(INTERRUPT_EXIT_CODES[signum])

    try:
        previous = {signum: signal.signal(signum, ask) for signum in INTERRUPT_EXIT_CODES}
    except ValueError:
        yield lambda: 0
        return
    try:
        yield lambda: asked[0] if asked else 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def add_ingest_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "ingest",
        help="store policy files as versions in the SQLite store (known files are skipped)",
        description="Extract every file (folders recursively) and store its record, keyed by payer and "
        "policy number. A file whose content is already stored is skipped; a new version of a known policy "
        "is diffed against the version before it. Each file is one transaction.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="policy files or folders")
    _add_db_option(parser)
    parser.add_argument(
        "--payer", help="payer to file records under when the document names none (one policy's files)"
    )
    parser.add_argument(
        "--number",
        help="policy number to file records under when the document prints none (one policy's files)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="one line per stored or skipped file on stdout"
    )
    add_batch_options(parser)
    add_reading_options(parser)
    parser.set_defaults(handler=run_ingest)


def run_history(args: argparse.Namespace) -> int:
    with _reading(args) as conn:
        entries = store.history(conn, args.payer, args.number)
    if args.format == "json":
        text = json_text([asdict(entry) for entry in entries]) + "\n"
    else:
        text = render("history.txt.j2", payer=args.payer, number=args.number, entries=entries)
    emit(text, None)
    return EXIT_OK


def add_history_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "history",
        help="the stored versions of a policy, oldest first",
        description="The stored versions of a policy in document-date order (effective, then revised, "
        "then ingest time), with the number of substantive and silent changes against the version before.",
    )
    parser.add_argument("payer", metavar="PAYER")
    parser.add_argument("number", metavar="NUMBER")
    _add_db_option(parser)
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    parser.set_defaults(handler=run_history)


def run_show(args: argparse.Namespace) -> int:
    with _reading(args) as conn:
        version, policy = store.show(conn, args.payer, args.number, args.version)
    if args.format == "text":
        text = f"version {version.number} ({version.date}), ingested {version.ingested_at}\n"
        text += policy_summary(policy)
    else:
        text = policy_json(policy) + "\n"
    emit(text, None)
    return EXIT_OK


def add_show_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "show",
        help="one stored version of a policy (the latest unless --version)",
        description="The stored record of one version of a policy, as `extract` emits it.",
    )
    parser.add_argument("payer", metavar="PAYER")
    parser.add_argument("number", metavar="NUMBER")
    parser.add_argument("--version", type=int, metavar="N", help="version number (1 = oldest; see history)")
    _add_db_option(parser)
    parser.add_argument("--format", choices=["json", "text"], default="json", help="output format")
    parser.set_defaults(handler=run_show)


# An ISO date at year, month or day precision: what `--since` compares at.
ISO_PREFIX = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def since_date(text: str) -> str:
    """A --since date: YYYY, YYYY-MM or YYYY-MM-DD kept at its precision, or a date in any form the
    extractor reads (5/15/2025, May 2025) -> ISO."""
    match = ISO_PREFIX.fullmatch(text.strip())
    if match:
        year, month, day = (int(part) if part else 1 for part in match.groups())
        try:
            date(year, month, day)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a calendar date") from None
        return match.group(0)
    iso = parse_date(text)
    if iso is None:
        raise argparse.ArgumentTypeError(f"cannot read {text!r} as a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return iso


def run_changes(args: argparse.Namespace) -> int:
    with _reading(args) as conn:
        entries = store.change_feed(conn, since=args.since, payer=args.payer)
    if args.format == "html":
        if not args.output:
            print(
                "policydiff: changes --format html needs -o DIR (a digest page and one report per change)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        folder = Path(args.output)
        for entry in entries:
            write_atomic(
                folder / digest_report_name(entry),
                diff_html(entry.diff, links={"Change digest": "index.html"}, folder=folder),
            )
        write_atomic(
            folder / "index.html", digest_html(entries, since=args.since, payer=args.payer, folder=folder)
        )
        return EXIT_OK
    if args.format == "json":
        text = json_text([entry.to_json_dict() for entry in entries]) + "\n"
    elif args.format == "atom":
        text = atom_feed(entries, since=args.since, payer=args.payer)
    else:
        text = render("changes.txt.j2", entries=entries, since=args.since, payer=args.payer)
    emit(text, args.output)
    return EXIT_OK


def add_changes_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "changes",
        help="the feed of substantive changes between stored versions, silent ones flagged",
        description="Substantive changes between consecutive stored versions, newest first. A change is "
        "silent when no new revision-log entry of the newer version mentions it.",
    )
    parser.add_argument(
        "--since",
        type=since_date,
        metavar="DATE",
        help="only versions dated on or after DATE: YYYY, YYYY-MM or YYYY-MM-DD, compared at the precision the version's date has (its effective date, else revised, else ingested)",
    )
    parser.add_argument("--payer", metavar="NAME", help="only this payer (any case)")
    _add_db_option(parser)
    parser.add_argument(
        "--format",
        choices=["text", "json", "html", "atom"],
        default="text",
        help="output format; html writes a digest (index.html) and one revision report per change under -o DIR; "
        "atom writes a feed a feed reader can subscribe to (one entry per pair of versions)",
    )
    parser.add_argument("-o", "--output", metavar="PATH", help="output file (text, json) or folder (html)")
    parser.set_defaults(handler=run_changes)


def run_list(args: argparse.Namespace) -> int:
    db = store.database_path(args.db)
    with _reading(args) as conn:
        policies = store.stored_policies(conn, payer=args.payer)
    if args.format == "json":
        text = json_text([asdict(policy) for policy in policies]) + "\n"
    else:
        text = render("list.txt.j2", policies=policies, payer=args.payer, db=db)
    emit(text, None)
    return EXIT_OK


def run_fetch(args: argparse.Namespace) -> int:
    from policydiff import fetch  # the HTTP client is loaded only by the command that uses it

    try:
        targets = [fetch.Target(url, args.payer, args.number) for url in args.urls]
        if args.watch:
            targets += fetch.read_watch_list(Path(args.watch))
    except ExtractError as error:
        return report_error(error)
    if not targets:
        say("no URLs (give URLs or --watch FILE)")
        return EXIT_USAGE
    db = store.database_path(args.db)
    conn = store.connect(db)
    settings = fetch.FetchSettings(
        timeout=args.http_timeout, host_delay=args.host_delay, max_bytes=args.max_download_mb * 1024 * 1024
    )
    counts = {"new": 0, "new_version": 0, "unchanged": 0, "not_modified": 0}
    exit_code = EXIT_OK
    engine = open_engine(1, "process", None, limits_from(args), args.pdf_text)
    try:
        folder = Path(args.download_dir) if args.download_dir else db.parent / "fetched"
        for target, outcome in fetch.fetch(conn, targets, engine, folder, settings):
            if isinstance(outcome, ExtractError):
                exit_code = max(exit_code, report_error(outcome))
                continue
            status = outcome.status if outcome else "not_modified"
            counts[status] += 1
            if args.verbose:
                fields = (
                    status,
                    *((outcome.payer, outcome.policy_number, f"v{outcome.version}") if outcome else ()),
                )
                print(*map(inert, (*fields, target.url)), sep="\t", flush=True)
    finally:
        engine.close()
        store.close_writing(conn)
    failed = len(targets) - sum(counts.values())
    print(
        f"{len(targets)} URLs into {db}: {counts['new']} new, {counts['new_version']} new version, "
        f"{counts['unchanged']} unchanged, {counts['not_modified']} not modified (304), {failed} failed"
    )
    return exit_code


def add_fetch_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fetch",
        help="download policies from payer sites and store each new version",
        description="Download each URL (conditional requests, retries with backoff, a delay per host, a "
        "size cap) and ingest it: a new version is stored only when the policy's content changed.",
    )
    parser.add_argument("urls", nargs="*", metavar="URL", help="policy URLs")
    parser.add_argument(
        "--watch", metavar="FILE", help="watch list: TOML [[policy]] or CSV of url, payer, number"
    )
    _add_db_option(parser)
    parser.add_argument("--payer", help="payer to file the URLs' records under when the document names none")
    parser.add_argument("--number", help="policy number to file the URLs' records under when none is printed")
    parser.add_argument(
        "--download-dir", metavar="DIR", help="where downloads are kept (default: fetched/ beside the store)"
    )
    parser.add_argument(
        "--http-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds per connect or read (default 30)",
    )
    parser.add_argument(
        "--host-delay",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds between requests to one host (default 1)",
    )
    parser.add_argument(
        "--max-download-mb", type=int, default=50, metavar="MB", help="size cap of one download (default 50)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per URL on stdout")
    add_reading_options(parser)
    parser.set_defaults(handler=run_fetch)


def add_list_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "list",
        help="the policies the store holds, with their latest version",
        description="Every stored policy by payer and number: its number of versions, its latest "
        "version's date (effective, else revised, else ingested) and title.",
    )
    parser.add_argument("--payer", metavar="NAME", help="only this payer (any case)")
    _add_db_option(parser)
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    parser.set_defaults(handler=run_list)


COMMANDS.extend(
    [
        add_ingest_command,
        add_fetch_command,
        add_list_command,
        add_history_command,
        add_show_command,
        add_changes_command,
    ]
)


# -------------------------------------------------------------------------------------------------- diff


def formatted(
    fmt: str,
    result: DiffResult | Comparison,
    template: str,
    as_html: Callable[[DiffResult | Comparison], str],
) -> str:
    """A diff or a comparison as `--format` asks: its text template, its HTML report, or its JSON."""
    if fmt == "text":
        # The templates name what they print: `result` (a diff) or `comparison`.
        key = "result" if isinstance(result, DiffResult) else "comparison"
        return render(template, **{key: result})
    if fmt == "html":
        return as_html(result)
    return json_text(result.to_json_dict()) + "\n"


def run_diff(args: argparse.Namespace) -> int:
    try:
        result = diff_files(args.old, args.new, limits_from(args), args.pdf_text)
    except ExtractError as error:
        return report_error(error)
    folder = Path(args.output).parent if args.output else None
    emit(formatted(args.format, result, "diff.txt.j2", lambda r: diff_html(r, folder=folder)), args.output)
    return EXIT_OK


def add_diff_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "diff",
        help="what changed between two versions of a policy",
        description="Compare two versions of a policy (each PDF, HTML or text) item by item: criteria "
        "aligned by content, codes, revision log, references and metadata; each change cosmetic or "
        "substantive, and substantive changes checked against the new revision-log rows (silent when "
        "none mentions them). JSON contract: diff.schema.json.",
    )
    parser.add_argument("old", metavar="OLD", help="the older version")
    parser.add_argument("new", metavar="NEW", help="the newer version")
    parser.add_argument(
        "--format", choices=["json", "text", "html"], default="json", help="output format (default json)"
    )
    parser.add_argument("-o", "--output", metavar="PATH", help="output file (default: stdout)")
    add_reading_options(parser)
    parser.set_defaults(handler=run_diff)


COMMANDS.append(add_diff_command)


# ----------------------------------------------------------------------------------------------- compare


def run_compare(args: argparse.Namespace) -> int:
    if len(args.files) < 2:
        say("compare needs at least two policy files")
        return EXIT_USAGE
    try:
        comparison = compare_files(args.files, limits_from(args), args.pdf_text)
    except ExtractError as error:
        return report_error(error)
    folder = Path(args.output).parent if args.output else None
    emit(
        formatted(args.format, comparison, "compare.txt.j2", lambda c: compare_html(c, folder=folder)),
        args.output,
    )
    return EXIT_OK


def add_compare_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare",
        help="several payers' policies on one service, side by side",
        description="Compare the policies of several payers on one service (each PDF, HTML or text): "
        "criteria grouped into concepts with each payer's own words, who sets the stricter threshold, "
        "where one payer covers what another excludes, and a code matrix. JSON contract: "
        "comparison.schema.json.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="two or more policy files")
    parser.add_argument(
        "--format", choices=["json", "text", "html"], default="json", help="output format (default json)"
    )
    parser.add_argument("-o", "--output", metavar="PATH", help="output file (default: stdout)")
    add_reading_options(parser)
    parser.set_defaults(handler=run_compare)


COMMANDS.append(add_compare_command)


class Parser(argparse.ArgumentParser):
    """argparse, with its error line inert: it quotes the arguments it did not recognize as given."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {inert(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="policydiff",
        description="Read payer coverage policies into one normalized schema and show how they differ.",
    )
    parser.add_argument("--version", action="version", version=f"policydiff {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    # Text that cannot be encoded (the bytes of a file name that is not UTF-8) is written as escapes.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        with terminate_as_interrupt():
            return args.handler(args)
    except BrokenPipeError:
        return EXIT_OK
    except OutputError as error:
        return report_error(error)
    except store.StoreError as error:  # any command's store: cannot open, not stored, damaged
        say(error)
        return exit_code_of(error)
    except KeyboardInterrupt as interrupt:
        return interrupted(interrupt)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises Terminated, so it ends a command as Ctrl-C does (main thread only: elsewhere it keeps
    its default)."""

    def terminate(signum, frame) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
