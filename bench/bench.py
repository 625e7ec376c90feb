"""Benchmarks of policydiff (a script, not a test): prints Markdown tables of what it measures.

    .venv/bin/python bench/bench.py [--runs 3] [--documents 1000] [--pdf-copies 2] [--skip-batches]

1. each corpus PDF: `extract_file` (the default pdfium route) beside a bare pdfplumber `extract_words`
   pass over the same file and beside `extract_file(..., pdf_text="exact")` and `pdf_text="fast"` (the
   pdfplumber routes; median of --runs runs each, interleaved in the same process), pages per second, and the peak RSS of a fresh process that extracts the file (VmHWM, so it
   includes the interpreter and the imports);
2. `diff_policies` on a real revision and a 20-policy `compare_policies` (corpus records, repeated
   under distinct payer names);
3. a 100-page PDF made by concatenating corpus PDFs (needs pypdf: the `bench` extra);
4. an `extract` batch of --pdf-copies copies of each corpus PDF, with 1 and 2 workers;
5. a corpus-scale `ingest`: --documents text variants of the seeds (edited numbers and dates) plus
   --pdf-copies variants of each corpus PDF, with 1 and 2 workers, then re-ingested unchanged;
6. `ingest` of --progress-documents text variants with its progress bar drawn (stderr a pseudo-terminal)
   and without it (stderr a pipe), by turns, median of --runs runs each: the bar must not slow the batch;
7. the store's bytes per version after an `ingest` of corpus/ (mostly first versions) and of
   --store-documents text variants (four versions of each policy): the whole file, and each record as JSON
   text beside the same record as stored (compressed).
The batches run as commands in a fresh process: "s in the command" leaves out the start-up
(interpreter and imports), "s with start-up" is what a user waits.

Measurements on a busy machine are noisy: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pty
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pdfplumber
from policydiff.api import extract_file
from policydiff.diff import diff_policies
from policydiff.diff.compare import compare_policies
from policydiff.extract.limits import NO_LIMITS
from policydiff.model import Policy
from policydiff.store import record_json

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PDFS = sorted((CORPUS / "seeds").glob("*.pdf")) + sorted((CORPUS / "real").rglob("*.pdf"))
SEED_TEXTS = sorted((CORPUS / "seeds").glob("*.txt"))
L33822 = CORPUS / "real" / "medicare-cms" / "l33822-versions"
CIGNA = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
CENTENE = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
BIG_PDF_PAGES = 100
COMPARED = 20


def elapsed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def median_seconds(work: Callable[[], object], runs: int) -> float:
    return statistics.median(elapsed(work) for _ in range(runs))


def paired_medians(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Median times of two jobs run by turns, so that a burst of load elsewhere hits both alike."""
    first_median, second_median = interleaved_medians([first, second], runs)
    return first_median, second_median


def interleaved_medians(jobs: list[Callable[[], object]], runs: int) -> list[float]:
    """Median times of jobs run by turns, so that a burst of load elsewhere hits them alike."""
    rounds = [[elapsed(job) for job in jobs] for _ in range(runs)]
    return [statistics.median(times) for times in zip(*rounds, strict=True)]


def bare_word_pass(path: Path) -> int:
    """What any pdfplumber-based reader pays at least: every page's words. Returns the page count."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words()
        return len(pdf.pages)


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def extract_in_child(path: Path) -> dict:
    """Extract one file in a fresh interpreter: its time, its peak RSS, and the peak before extracting."""
    done = subprocess.run(
        [sys.executable, __file__, "--child-extract", str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def child_extract(path: str) -> None:
    imported = peak_rss_mb()
    start = time.perf_counter()
    extract_file(path, NO_LIMITS)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "imported_mb": imported}))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# ------------------------------------------------------------------------------------------ per PDF


def bench_pdfs(runs: int) -> dict[Path, Policy]:
    print(f"## Extraction per PDF (median of {runs} runs; load average {load_average()})\n")
    print(
        "| PDF | pages | extract s | bare words s | ratio | exact s | exact/bare | fast s | fast/bare "
        "| pages/s | peak RSS MB (imports) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    records = {}
    totals = [0.0, 0.0, 0.0, 0.0, 0]
    for path in PDFS:
        records[path] = extract_file(path)  # warm: rules, lexicons and fonts loaded once, as in a batch
        extract_file(path, pdf_text="exact")
        pages = bare_word_pass(path)
        extract, bare, exact, fast = interleaved_medians(
            [
                lambda path=path: extract_file(path, NO_LIMITS),
                lambda path=path: bare_word_pass(path),
                lambda path=path: extract_file(path, NO_LIMITS, pdf_text="exact"),
                lambda path=path: extract_file(path, NO_LIMITS, pdf_text="fast"),
            ],
            runs,
        )
        child = extract_in_child(path)
        for index, figure in enumerate((extract, bare, exact, fast, pages)):
            totals[index] += figure
        print(
            f"| {path.name[:48]} | {pages} | {extract:.2f} | {bare:.2f} | {extract / bare:.2f} | "
            f"{exact:.2f} | {exact / bare:.2f} | {fast:.2f} | {fast / bare:.2f} | {pages / extract:.1f} | "
            f"{child['peak_mb']:.0f} ({child['imported_mb']:.0f}) |"
        )
    extract, bare, exact, fast, pages = totals
    print(
        f"| **all {len(PDFS)}** | {pages:.0f} | {extract:.2f} | {bare:.2f} | {extract / bare:.2f} | "
        f"{exact:.2f} | {exact / bare:.2f} | {fast:.2f} | {fast / bare:.2f} | {pages / extract:.1f} | |\n"
    )
    return records


# ------------------------------------------------------------------------------------ diff, compare


def bench_diff_and_compare(records: dict[Path, Policy], runs: int) -> None:
    print(f"## Diff and compare (median of {runs} runs)\n")
    print("| operation | s |")
    print("|---|---:|")
    old, new = (extract_file(L33822 / f"L33822_{year}.txt") for year in (2020, 2021))
    seconds = median_seconds(lambda: diff_policies(old, new), runs)
    print(f"| diff_policies L33822 2020 -> 2021 (text) | {seconds:.3f} |")
    # Two different policies: nearly every item is added, removed or modified (the worst case).
    elbow, knee = (records[CORPUS / "real" / "uhc" / f"surgery-{part}.pdf"] for part in ("elbow", "knee"))
    seconds = median_seconds(lambda: diff_policies(elbow, knee), runs)
    print(f"| diff_policies UHC surgery-elbow -> surgery-knee (two different policies) | {seconds:.3f} |")
    pool = [*records.values(), *(extract_file(path) for path in SEED_TEXTS)]
    # Repeated records under distinct payer names, so that each is a payer of its own in the table.
    policies = [
        pool[index % len(pool)].model_copy(update={"payer": f"{pool[index % len(pool)].payer} #{index}"})
        for index in range(COMPARED)
    ]
    seconds = median_seconds(lambda: compare_policies(policies), runs)
    print(f"| compare_policies, {COMPARED} policies ({len(pool)} distinct records) | {seconds:.3f} |\n")


# ---------------------------------------------------------------------------------------- 100 pages


def concatenated_pdf(folder: Path, pages: int) -> Path:
    """A PDF of `pages` pages: the corpus PDFs one after another (the last one cut short)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for path in itertools.cycle(PDFS):
        missing = pages - len(writer.pages)
        if missing <= 0:
            break
        writer.append(str(path), pages=(0, min(missing, len(PdfReader(path).pages))))
    target = folder / f"concatenated-{pages}-pages.pdf"
    with target.open("wb") as out:
        writer.write(out)
    return target


def bench_big_pdf(folder: Path, runs: int) -> None:
    try:
        big = concatenated_pdf(folder, BIG_PDF_PAGES)
    except ImportError:
        print("## 100-page PDF: skipped (pypdf is not installed: pip install 'policydiff[bench]')\n")
        return
    pages = bare_word_pass(big)
    extract, bare = paired_medians(lambda: extract_file(big, NO_LIMITS), lambda: bare_word_pass(big), runs)
    child = extract_in_child(big)
    print(f"## A {pages}-page PDF (corpus PDFs concatenated; median of {runs} runs)\n")
    print(
        "| pages | extract s | bare words s | ratio | pages/s | peak RSS MB, fresh process "
        "(after imports) | extract s, fresh process |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {pages} | {extract:.2f} | {bare:.2f} | {extract / bare:.2f} | {pages / extract:.1f} | "
        f"{child['peak_mb']:.0f} ({child['imported_mb']:.0f}) | {child['seconds']:.2f} |\n"
    )


# ------------------------------------------------------------------------------------------- ingest


def text_variants(folder: Path, count: int) -> list[Path]:
    """`count` text policies: the Cigna and Centene seeds under new policy numbers, each number in four
    versions with its own date and (Cigna) threshold, so that ingest stores versions and diffs them."""
    cigna, centene = CIGNA.read_text(encoding="utf-8"), CENTENE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        number, version = 10000 + index // 8, index // 2 % 4
        if index % 2 == 0:
            text = (
                cigna.replace("Coverage Policy Number 0261", f"Coverage Policy Number {number}")
                .replace("Effective Date5/15/2025", f"Effective Date{version + 1}/15/2025")
                .replace("<100% donor cells", f"<{100 - version}% donor cells")
            )
        else:
            text = centene.replace(
                "Reference Number: CP.MP.101", f"Reference Number: CP.MP.{number}"
            ).replace("Date of Last Revision: 02/23", f"Date of Last Revision: {version + 1:02d}/23")
        path = folder / f"text-{index:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def pdf_variants(folder: Path, copies: int) -> list[Path]:
    """Each corpus PDF `copies` times with a comment after its end: new bytes, the same document."""
    paths = []
    for copy in range(copies):
        for index, source in enumerate(PDFS):
            path = folder / f"pdf-{copy}-{index:02d}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.read_bytes() + f"\n% copy {copy}\n".encode())
            paths.append(path)
    return paths


COMMAND_CHILD = """
import sys, time
from policydiff.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
print(f"SECONDS {time.perf_counter() - start:.3f}", file=sys.stderr)
"""


def timed_command(*args: object) -> tuple[float, float, str]:
    """(seconds in `main`, seconds of the whole command with its start-up, its stdout) of one command."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COMMAND_CHILD, *map(str, args)], capture_output=True, text=True
    )
    whole = time.perf_counter() - start
    return float(done.stderr.rsplit("SECONDS ", 1)[1]), whole, done.stdout


def bench_extract_batch(folder: Path, copies: int) -> None:
    files = pdf_variants(folder / "pdfs", copies)
    print(
        f"## Extract batch: {len(files)} PDFs ({copies} copies of each corpus PDF, load average {load_average()})\n"
    )
    print("| workers | s in the command | s with start-up | files/s |")
    print("|---:|---:|---:|---:|")
    seconds = {}
    for workers in (1, 2):
        inside, whole, _ = timed_command(
            "extract", folder / "pdfs", "-o", folder / f"out-{workers}", "--workers", workers
        )
        seconds[workers] = inside
        print(f"| {workers} | {inside:.1f} | {whole:.1f} | {len(files) / inside:.2f} |")
    print(f"\nSpeed-up of 2 workers over 1: {seconds[1] / seconds[2]:.2f}x\n")


def bench_ingest(folder: Path, documents: int, pdf_copies: int) -> None:
    corpus = folder / "corpus"
    files = text_variants(corpus, documents) + pdf_variants(corpus, pdf_copies)
    print(
        f"## Ingest of {len(files)} documents ({documents} text variants of the seeds, "
        f"{pdf_copies} copies of each of the {len(PDFS)} corpus PDFs; load average {load_average()})\n"
    )
    print("| run | s in the command | s with start-up | files/s | result |")
    print("|---|---:|---:|---:|---|")
    seconds = {}
    runs = [(f"new store, {workers} worker{'s' * (workers > 1)}", workers, workers) for workers in (1, 2)]
    for label, workers, store in [*runs, ("unchanged re-ingest", 2, 2)]:
        inside, whole, out = timed_command(
            "ingest", corpus, "--db", folder / f"store-{store}.sqlite", "--workers", workers
        )
        seconds.setdefault(workers, inside)
        # "1024 files into /tmp/...sqlite: 262 new, ..." -> the counts only.
        summary = next(line for line in out.splitlines() if " new, " in line).strip().rsplit(": ", 1)[-1]
        print(f"| {label} | {inside:.2f} | {whole:.2f} | {len(files) / inside:.0f} | {summary} |")
    print(f"\nSpeed-up of 2 workers over 1: {seconds[1] / seconds[2]:.2f}x\n")


def timed_on_terminal(*args: object) -> tuple[float, int]:
    """(seconds in `main`, times the progress bar was drawn) of one command whose stderr is a
    pseudo-terminal, its output read as a terminal reads it."""
    master, slave = pty.openpty()
    shown = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    subprocess.run(
        [sys.executable, "-c", COMMAND_CHILD, *map(str, args)], stdout=subprocess.DEVNULL, stderr=slave
    )
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    text = shown.decode("utf-8", "replace")
    return float(text.rsplit("SECONDS ", 1)[1].split()[0]), text.count("\x1b[K[")


def bench_progress(folder: Path, documents: int, runs: int) -> None:
    corpus = folder / "progress-corpus"
    files = text_variants(corpus, documents)
    print(f"## Ingest with and without the progress bar: {len(files)} text documents, 2 workers, by turns")
    print(f"(median of {runs} runs each, a new store each run; load average {load_average()})\n")
    with_bar, without_bar, drawn = [], [], 0
    for run in range(runs):
        seconds, drawn = timed_on_terminal(
            "ingest", corpus, "--db", folder / f"progress-tty-{run}.sqlite", "--workers", 2
        )
        with_bar.append(seconds)
        inside, _, _ = timed_command(
            "ingest", corpus, "--db", folder / f"progress-pipe-{run}.sqlite", "--workers", 2
        )
        without_bar.append(inside)
    on, off = statistics.median(with_bar), statistics.median(without_bar)
    print("| stderr | bar drawn | s in the command | files/s |")
    print("|---|---:|---:|---:|")
    print(f"| a terminal (bar) | {drawn} times | {on:.2f} | {len(files) / on:.0f} |")
    print(f"| a pipe (a plain line per tenth) | 0 times | {off:.2f} | {len(files) / off:.0f} |")
    print(f"\nWith the bar / without: {on / off:.3f}x\n")


def store_sizes(db: Path) -> list[str]:
    """The rows of the store-size table for one store: per version, the record as JSON text, as stored,
    and the whole file."""
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count, against_base = conn.execute("SELECT count(*), count(base_id) FROM versions").fetchone()
        size = (
            conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
        )
        stored = conn.execute("SELECT id, length(record) FROM versions").fetchall()
        text = [len(record_json(conn, version_id).encode()) for version_id, _ in stored]
    packed = [length for _, length in stored]
    return [
        f"{count} versions ({against_base} stored against a base)",
        f"{sum(text) / count:,.0f} / {statistics.median(text):,.0f}",
        f"{sum(packed) / count:,.0f} / {statistics.median(packed):,.0f}",
        f"{sum(packed) / sum(text):.3f}x",
        f"{size / count:,.0f}",
    ]


def bench_store_size(folder: Path, documents: int) -> None:
    variants = folder / "store-variants"
    text_variants(variants, documents)
    print("## Store bytes per version\n")
    print(
        "| ingest | versions | record as JSON text (mean / median) | record as stored (mean / median) "
        "| stored / text | the whole file per version |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for name, source in (("corpus/", CORPUS), (f"{documents} text variants", variants)):
        db = folder / f"size-{source.name}.sqlite"
        timed_command("ingest", source, "--db", db, "--workers", 2)
        print(f"| {name} | " + " | ".join(store_sizes(db)) + " |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per timing; the median is printed")
    parser.add_argument("--documents", type=int, default=1000, help="text documents in the ingest run")
    parser.add_argument(
        "--pdf-copies", type=int, default=2, help="copies of each corpus PDF in the ingest run"
    )
    parser.add_argument(
        "--progress-documents", type=int, default=200, help="text documents in the progress-bar run"
    )
    parser.add_argument(
        "--skip-batches",
        action="store_true",
        help="leave out the extract batch, the corpus-scale ingest and the progress-bar run",
    )
    parser.add_argument(
        "--store-documents", type=int, default=400, help="text documents in the second store-size ingest"
    )
    parser.add_argument("--only-progress", action="store_true", help="run only the progress-bar comparison")
    parser.add_argument("--only-store", action="store_true", help="run only the store-size measurement")
    parser.add_argument("--child-extract", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_extract:
        child_extract(args.child_extract)
        return
    print(f"policydiff benchmarks: {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    if args.only_progress or args.only_store:
        with tempfile.TemporaryDirectory(prefix="policydiff-bench-") as temp:
            if args.only_progress:
                bench_progress(Path(temp), args.progress_documents, args.runs)
            if args.only_store:
                bench_store_size(Path(temp), args.store_documents)
        return
    records = bench_pdfs(args.runs)
    bench_diff_and_compare(records, args.runs)
    with tempfile.TemporaryDirectory(prefix="policydiff-bench-") as temp:
        bench_big_pdf(Path(temp), args.runs)
        if not args.skip_batches:
            bench_extract_batch(Path(temp), args.pdf_copies)
            bench_ingest(Path(temp), args.documents, args.pdf_copies)
            bench_progress(Path(temp), args.progress_documents, args.runs)
        bench_store_size(Path(temp), args.store_documents)


if __name__ == "__main__":
    main()
