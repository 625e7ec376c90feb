"""Parallel batches: worker processes and a Dask cluster give exactly what a serial run gives."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import policydiff.api
import pytest

from corpus import CORPUS

CIGNA = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
CENTENE = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
CENTENE_PDF = CORPUS / "seeds" / "centene-cp-mp-101-dli.pdf"
# Generous for a busy machine: a terminated worker ends in milliseconds.
WORKERS_END_WITHIN_S = 20
L33822_2020 = CORPUS / "real" / "medicare-cms" / "l33822-versions" / "L33822_2020.txt"


def cigna_version(folder: Path, name: str, effective: str, threshold: str = "<100%") -> Path:
    """The Cigna seed with another effective date and chimerism threshold: another version of 0261."""
    text = CIGNA.read_text(encoding="utf-8")
    for old, new in (("Effective Date5/15/2025", f"Effective Date{effective}"), ("<100% donor", threshold)):
        assert old in text
        text = text.replace(old, f"{new} donor" if old == "<100% donor" else new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def batch(tmp_path: Path) -> list[Path]:
    """Files that exercise every outcome, in an order where later files land before earlier versions:
    three versions of one policy (the oldest last), the same bytes twice, a PDF, a record with no policy
    number (refused at ingest), a file that is not a policy and an empty file."""
    folder = tmp_path / "batch"
    folder.mkdir()
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    readme = folder / "readme.txt"
    readme.write_text("Nothing to see here.\n", encoding="utf-8")
    return [
        cigna_version(folder, "v2.txt", "6/1/2025", "<95%"),
        CENTENE_PDF,
        cigna_version(folder, "v3.txt", "9/1/2025", "<90%"),
        empty,
        CIGNA,
        L33822_2020,
        CENTENE,
        readme,
        cigna_version(folder, "v0.txt", "1/1/2025", "<99%"),
        CIGNA,
    ]


def stored(db: Path) -> list[tuple]:
    """The store's content without the times of ingest and diff (the only things two runs may differ in)."""
    with closing(sqlite3.connect(db)) as conn:
        versions = conn.execute(
            "SELECT v.id, p.payer, p.policy_number, v.sha256, v.source_path, v.effective, v.record "
            "FROM versions v JOIN policies p ON p.id = v.policy_id ORDER BY v.id"
        ).fetchall()
        diffs = conn.execute(
            "SELECT newer_id, older_id, substantive, silent, diff FROM diffs ORDER BY newer_id"
        ).fetchall()
    return versions + diffs


def test_extract_on_two_workers_prints_what_one_worker_prints(batch, run):
    serial = run("extract", *batch, "--workers", "1")
    parallel = run("extract", *batch, "--workers", "2")
    assert parallel == serial
    code, out, err = serial
    assert code == 3  # the empty file is 2, the readme 3: the worst wins
    assert len(out.splitlines()) == 8
    assert err.count("policydiff: ") == 2


def test_ingest_on_two_workers_stores_what_one_worker_stores(batch, tmp_path, run):
    serial = run("ingest", *batch, "--db", tmp_path / "serial.sqlite", "-v", "--workers", "1")
    parallel = run("ingest", *batch, "--db", tmp_path / "parallel.sqlite", "-v", "--workers", "2")
    assert parallel[0] == serial[0] == 4
    # Same lines, same version numbers, same order; only the database named in the summary differs.
    assert parallel[1].replace("parallel.sqlite", "serial.sqlite") == serial[1]
    assert parallel[2] == serial[2]
    assert "unchanged\tCigna\t0261\tv2\t" in serial[1]  # the repeated seed, renumbered by v0 before it
    assert stored(tmp_path / "parallel.sqlite") == stored(tmp_path / "serial.sqlite")


def test_a_worker_that_dies_fails_the_files_in_flight_and_the_batch_goes_on(tmp_path, run, monkeypatch):
    real = policydiff.api.parse_codes

    def crash_on_centene(doc, sections):
        if "centene" in doc.path:
            os._exit(1)  # as a segfault or the kernel's OOM killer would end the worker
        return real(doc, sections)

    # Worker processes are forked from this one, so they run the patched parser.
    monkeypatch.setattr(policydiff.api, "parse_codes", crash_on_centene)
    folder = tmp_path / "batch"
    folder.mkdir()
    later = [cigna_version(folder, f"v{month}.txt", f"{month}/1/2025") for month in range(1, 10)]
    code, out, err = run("extract", CENTENE, *later, "--workers", "2")
    assert code == 2
    assert err.startswith(f"policydiff: {CENTENE}: a worker process died")
    # Files submitted after the crash go to a new pool of workers.
    assert len(out.splitlines()) >= 5
    # Every worker of both pools has ended: one that lived on (it took the pool's SIGTERM for the CLI's
    # Terminated) kept the pool's manager thread waiting, and this process could never exit.
    deadline = time.monotonic() + WORKERS_END_WITHIN_S
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert multiprocessing.active_children() == []


def test_a_scheduler_without_dask_or_dask_without_a_scheduler_is_a_usage_error(run):
    code, _, err = run("extract", CIGNA, CENTENE, "--scheduler", "tcp://127.0.0.1:8786")
    assert code == 1
    assert err == "policydiff: --scheduler is for --executor dask\n"
    code, _, err = run("extract", CIGNA, CENTENE, "--executor", "dask")
    assert code == 1
    assert "needs --scheduler ADDRESS" in err


@pytest.fixture(scope="module")
def dask_scheduler():
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (pip install 'policydiff[dask]')"
    )
    # One single-threaded worker in this process: it runs the same code a remote worker would.
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_extract_on_a_dask_cluster_prints_what_a_serial_run_prints(batch, run, dask_scheduler):
    serial = run("extract", *batch, "--workers", "1")
    assert run("extract", *batch, "--executor", "dask", "--scheduler", dask_scheduler) == serial


def test_ingest_on_a_dask_cluster_stores_what_a_serial_run_stores(batch, tmp_path, run, dask_scheduler):
    serial = run("ingest", *batch, "--db", tmp_path / "serial.sqlite", "--workers", "1")
    on_dask = run(
        "ingest",
        *batch,
        "--db",
        tmp_path / "dask.sqlite",
        "--executor",
        "dask",
        "--scheduler",
        dask_scheduler,
    )
    assert on_dask[0] == serial[0]
    assert on_dask[2] == serial[2]
    assert stored(tmp_path / "dask.sqlite") == stored(tmp_path / "serial.sqlite")


def test_a_worker_freezes_what_lives_on_after_its_first_file():
    # Issue 20: full collections walked spaCy's and the rules' objects again and again (8-12% of an
    # extraction's CPU). After its first file a worker (or the CLI's own process) freezes them, once.
    script = (
        "import gc, sys\n"
        "from policydiff.batch import extraction_job\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "print(gc.get_freeze_count())\n"
        "extraction_job(data, sys.argv[1])\n"
        "first = gc.get_freeze_count()\n"
        "extraction_job(data, sys.argv[1])\n"
        "print(first, gc.get_freeze_count() == first)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(CENTENE)], capture_output=True, text=True, check=True
    )
    before, after = done.stdout.splitlines()
    frozen, once = after.split()
    assert (before, once) == ("0", "True")
    assert int(frozen) > 50_000  # objects: about 94,000 after a text seed
