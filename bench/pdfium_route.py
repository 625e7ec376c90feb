"""The pdfium route (the default) against the exact route and a bare pdfplumber word pass (a script).

    .venv/bin/python bench/pdfium_route.py [--runs 1] [--per-pdf]

On the same files in one run, prints Markdown tables: for a 100-page PDF (the corpus PDFs concatenated,
as bench/bench.py makes it) and, with --per-pdf, for each corpus PDF (seeds, real, payment policies),
the CPU seconds of `extract_file(..., pdf_text="exact")` (pdfplumber), of a bare pdfplumber
`extract_words` pass, and of `extract_file(..., pdf_text="pdfium")`; the ratios exact/bare and
pdfium/bare; pages per second of each; then the peak RSS of a fresh process that extracts the 100-page
PDF by the pdfium route.

Times are CPU seconds of this process (time.process_time), median of --runs runs taken by turns: on a
shared machine wall time measures the other processes as much as this one; wall seconds of the whole
run are printed beside the load average. After the first file, what lives as long as the process is
frozen out of the garbage collector's passes, as the CLI and batch workers do (all three timings run in
that process). About 1 minute on a quiet 2-core machine (4 minutes with --per-pdf).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from policydiff.api import extract_file
from policydiff.batch import freeze_what_lives_on
from policydiff.extract.limits import NO_LIMITS

# bench/bench.py (the script's folder is first on sys.path): the bare word pass and the 100-page PDF.
from bench import bare_word_pass, concatenated_pdf, load_average, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PDFS = (
    sorted((CORPUS / "seeds").glob("*.pdf"))
    + sorted((CORPUS / "real").rglob("*.pdf"))
    + sorted((CORPUS / "payment-policies").rglob("*.pdf"))
)
BIG_PDF_PAGES = 100


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def interleaved_cpu_medians(jobs: list[Callable[[], object]], runs: int) -> list[float]:
    """Median CPU times of jobs run by turns."""
    rounds = [[cpu_seconds(job) for job in jobs] for _ in range(runs)]
    return [statistics.median(times) for times in zip(*rounds, strict=True)]


def three_ways(path: Path, runs: int) -> tuple[int, float, float, float]:
    """(pages, exact s, bare words s, pdfium s) of one PDF."""
    extract_file(path, pdf_text="pdfium")  # warm: rules and lexicons loaded once, as in a batch
    freeze_what_lives_on()  # what the first file built, frozen once as the CLI and batch workers do
    pages = bare_word_pass(path)
    exact, bare, pdfium_s = interleaved_cpu_medians(
        [
            lambda: extract_file(path, NO_LIMITS, pdf_text="exact"),
            lambda: bare_word_pass(path),
            lambda: extract_file(path, NO_LIMITS, pdf_text="pdfium"),
        ],
        runs,
    )
    return pages, exact, bare, pdfium_s


def row(name: str, pages: int, exact: float, bare: float, pdfium_s: float) -> str:
    return (
        f"| {name[:48]} | {pages} | {exact:.2f} | {bare:.2f} | {pdfium_s:.2f} | {exact / bare:.2f} | "
        f"**{pdfium_s / bare:.3f}** | {pages / exact:.1f} | {pages / bare:.1f} | {pages / pdfium_s:.1f} |"
    )


HEADER = (
    "| PDF | pages | exact s | bare words s | pdfium s | exact/bare | pdfium/bare "
    "| exact pages/s | bare pages/s | pdfium pages/s |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def child_extract(path: str) -> None:
    imported = peak_rss_mb()
    start = time.perf_counter()
    extract_file(path, NO_LIMITS, pdf_text="pdfium")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "imported_mb": imported}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1, help="runs per timing; the median is printed")
    parser.add_argument("--per-pdf", action="store_true", help="also each corpus PDF, one by one")
    parser.add_argument("--child-extract", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_extract:
        child_extract(args.child_extract)
        return
    started = time.perf_counter()
    print(f"pdfium route: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load {load_average()}\n")
    with tempfile.TemporaryDirectory(prefix="policydiff-bench-") as temp:
        big = concatenated_pdf(Path(temp), BIG_PDF_PAGES)
        print(f"## A {BIG_PDF_PAGES}-page PDF (corpus PDFs concatenated; CPU s, median of {args.runs})\n")
        print(HEADER)
        print(row(big.name, *three_ways(big, args.runs)))
        done = subprocess.run(
            [sys.executable, __file__, "--child-extract", str(big)],
            capture_output=True,
            text=True,
            check=True,
        )
        child = json.loads(done.stdout)
    if args.per_pdf:
        print(f"\n## Per PDF (CPU s, median of {args.runs})\n")
        print(HEADER)
        totals = [0, 0.0, 0.0, 0.0]
        for path in PDFS:
            figures = three_ways(path, args.runs)
            totals = [total + figure for total, figure in zip(totals, figures, strict=True)]
            print(row(path.name, *figures))
        print(row(f"**all {len(PDFS)}**", *totals))
    print(
        f"\nPeak RSS of a fresh process extracting the {BIG_PDF_PAGES}-page PDF by the pdfium route: {child['peak_mb']:.0f} MB "
        f"({child['imported_mb']:.0f} MB after the imports); {child['seconds']:.2f} s wall in that process.\n"
    )
    print(f"Whole run: {time.perf_counter() - started:.0f} s wall; load average now {load_average()}.")


if __name__ == "__main__":
    main()
