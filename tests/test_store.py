"""The version store on a real SQLite file: ingest, re-ingest, versions in document order, the change feed,
and what a killed or concurrent ingest leaves behind."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import policydiff.api
import pytest
from mounts import read_only, run_with_mounts
from policydiff import ingest, store
from policydiff.cli import expand_paths
from policydiff.diff import diff_policies
from policydiff.model import Policy

from corpus import ALL_PDFS, CORPUS

CIGNA = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
CENTENE = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
CENTENE_PDF = CORPUS / "seeds" / "centene-cp-mp-101-dli.pdf"
L33822 = CORPUS / "real" / "medicare-cms" / "l33822-versions"


def query(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


def cigna_variant(
    folder: Path, name: str, number: str = "0261", effective: str = "5/15/2025", threshold: str = "<100%"
) -> Path:
    """The Cigna seed with its number, effective date or chimerism threshold edited: another version."""
    text = CIGNA.read_text(encoding="utf-8")
    for old, new in (
        ("Coverage Policy Number 0261", f"Coverage Policy Number {number}"),
        ("Effective Date5/15/2025", f"Effective Date{effective}"),
        ("<100% donor cells", f"{threshold} donor cells"),
    ):
        assert old in text
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def many_policies(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    return [cigna_variant(folder, f"policy-{9000 + i}.txt", number=str(9000 + i)) for i in range(count)]


def assert_whole(db: Path) -> list[str]:
    """The database is intact and every version is a whole record of the file it names; the paths of
    every stored file."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    assert query(db, "SELECT count(*) FROM policies WHERE id NOT IN (SELECT policy_id FROM versions)") == [
        (0,)
    ]
    paths = []
    with closing(sqlite3.connect(db)) as conn:
        for version_id, sha256, path in conn.execute(
            "SELECT id, sha256, source_path FROM versions"
        ).fetchall():
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha256
            assert Policy.model_validate_json(store.record_json(conn, version_id)).source.sha256 == sha256
            paths.append(path)
    # Files read as a stored version's content (same policy, other bytes).
    for sha256, path in query(db, "SELECT sha256, source_path FROM same_content_files"):
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha256
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------------- schema


def test_a_new_store_is_migrated_in_wal_mode_and_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "store.sqlite"
    with closing(store.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with closing(store.connect(db)) as conn:  # reopening applies nothing twice
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
        conn.execute(f"PRAGMA user_version = {len(store.MIGRATIONS) + 1}")
    with pytest.raises(store.StoreError, match=r"schema version \d+ is newer than this policydiff"):
        store.connect(db)


def test_reading_commands_do_not_create_a_database(tmp_path, run):
    db = tmp_path / "absent.sqlite"
    code, _, err = run("history", "Cigna", "0261", "--db", db)
    assert code == 2
    assert "no such database" in err
    assert not db.exists()


def test_the_database_path_comes_from_the_environment_without_db(tmp_path, run, monkeypatch):
    db = tmp_path / "from-env.sqlite"
    monkeypatch.setenv(store.DB_ENV, str(db))
    code, out, _ = run("ingest", CIGNA)
    assert code == 0
    assert str(db) in out
    assert query(db, "SELECT payer, policy_number FROM policies") == [("Cigna", "0261")]


# ------------------------------------------------------------------------------------------- ingest


def test_reingest_is_a_no_op_decided_by_hash_before_parsing(tmp_path, run, monkeypatch):
    db = tmp_path / "store.sqlite"
    code, out, _ = run("ingest", CIGNA, CENTENE, "--db", db)
    assert code == 0
    assert "2 new, 0 new versions, 0 unchanged, 0 failed" in out
    before = query(db, "SELECT * FROM versions ORDER BY id")

    def must_not_parse(*_):
        raise AssertionError("a known file was parsed")

    monkeypatch.setattr(policydiff.api, "extract_document", must_not_parse)
    code, out, _ = run("ingest", CIGNA, CENTENE, "--db", db, "-v")
    assert code == 0
    assert "0 new, 0 new versions, 2 unchanged, 0 failed" in out
    assert f"unchanged\tCigna\t0261\tv1\t{CIGNA}" in out
    assert query(db, "SELECT * FROM versions ORDER BY id") == before


def test_new_bytes_with_the_same_policy_content_are_no_new_version(tmp_path, run, monkeypatch):
    # A PDF downloaded again differs in its bytes (timestamps, IDs), not in what the policy says; and the
    # Centene seed reads to the same record from its text and from its PDF.
    db = tmp_path / "store.sqlite"
    redownloaded = tmp_path / "centene-again.pdf"
    redownloaded.write_bytes(CENTENE_PDF.read_bytes() + b"\n% downloaded again\n")
    code, out, _ = run("ingest", CENTENE_PDF, redownloaded, CENTENE, "--db", db, "-v")
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()[:3]] == ["new", "unchanged", "unchanged"]
    assert "1 new, 0 new versions, 2 unchanged, 0 failed" in out
    assert len(query(db, "SELECT id FROM versions")) == 1
    assert sorted(assert_whole(db)) == sorted(map(str, (CENTENE_PDF, redownloaded, CENTENE)))

    def must_not_parse(*_):
        raise AssertionError("a known file was parsed")

    monkeypatch.setattr(policydiff.api, "extract_document", must_not_parse)
    code, out, _ = run("ingest", redownloaded, "--db", db)
    assert code == 0 and "0 new, 0 new versions, 1 unchanged, 0 failed" in out


def test_a_failed_file_is_named_and_the_batch_goes_on(tmp_path, run):
    db = tmp_path / "store.sqlite"
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out, err = run("ingest", empty, CIGNA, "--db", db)
    assert code == 2
    assert err.splitlines() == [f"policydiff: {empty}: empty file (0 bytes)"]
    assert "1 new, 0 new versions, 0 unchanged, 1 failed" in out
    assert f"failed: {empty}: empty file (0 bytes)" in out
    assert query(db, "SELECT source_path FROM versions") == [(str(CIGNA),)]


def test_a_batch_draws_a_progress_bar_only_on_a_terminal(tmp_path, run, monkeypatch):
    db = tmp_path / "store.sqlite"
    assert run("ingest", CIGNA, CENTENE, "--db", db)[2] == ""  # stderr is not a terminal here
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run("ingest", CIGNA, CENTENE, "--db", db)
    assert code == 0
    assert f"[{'#' * 15}{'-' * 15}] 1/2 {CENTENE.name}" in err
    assert err.endswith("\r\x1b[K")  # the bar is wiped before the summary
    assert "0 new, 0 new versions, 2 unchanged, 0 failed" in out
    # The failures so far are on the bar, and the error's own line is never drawn over.
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, _, err = run("ingest", empty, CIGNA, CENTENE, "--db", db)
    assert f"2/3 (1 failed) {CENTENE.name}" in err
    assert f"\r\x1b[Kpolicydiff: {empty}: empty file (0 bytes)\n" in err


def test_a_long_batch_logs_a_plain_line_at_each_tenth_when_stderr_is_no_terminal(capsys):
    from policydiff.cli import Progress

    progress = Progress(120)
    for done in range(120):
        progress.show(done, f"file-{done}.pdf", failed=done // 50)
    progress.clear()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "policydiff: 12/120 files done"
    assert lines[4] == "policydiff: 60/120 files done (1 failed)"
    assert len(lines) == 9  # 12, 24, ... 108: the closing summary says the rest
    short = Progress(Progress.PLAIN_MIN_FILES - 1)
    for done in range(short.total):
        short.show(done, "x.pdf")
    assert capsys.readouterr().err == ""


def test_an_extract_batch_draws_the_bar_with_its_failures_only_on_a_terminal(tmp_path, run, monkeypatch):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, _, err = run("extract", empty, CIGNA, CENTENE, "-o", tmp_path / "out")
    assert "[" not in err  # stderr is not a terminal here: the error line only
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run("extract", empty, CIGNA, CENTENE, "-o", tmp_path / "again")
    assert code != 0
    assert f"[{'#' * 10}{'-' * 20}] 1/3 (1 failed) {CIGNA.name}" in err
    assert f"2/3 (1 failed) {CENTENE.name}" in err
    assert err.endswith("\r\x1b[K")
    assert sorted(path.name for path in (tmp_path / "again").rglob("*.json")) == sorted(
        [f"{CIGNA.name}.json", f"{CENTENE.name}.json"]
    )


def test_a_record_without_policy_number_is_refused_unless_a_number_is_given(tmp_path, run):
    db = tmp_path / "store.sqlite"
    code, _, err = run("ingest", L33822 / "L33822_2020.txt", "--db", db)
    assert code == 4
    assert "L33822_2020.txt: not stored: no policy number found in the document" in err
    assert query(db, "SELECT count(*) FROM versions") == [(0,)]

    code, out, _ = run("ingest", L33822 / "L33822_2020.txt", "--db", db, "--number", "L33822")
    assert code == 0
    code, out, _ = run("show", "cms", "l33822", "--db", db)
    record = json.loads(out)
    assert record["payer"] == "CMS"
    assert record["policy_number"] is None  # the record keeps what the document says
    assert (
        "policy number not found in the document; filed under 'L33822' as given at ingest"
        in (record["warnings"])
    )


def test_a_failing_diff_stores_nothing(tmp_path, run, monkeypatch):
    db = tmp_path / "store.sqlite"
    assert run("ingest", CIGNA, "--db", db)[0] == 0

    def broken_diff(*_):
        raise RuntimeError("alignment exploded")

    monkeypatch.setattr(ingest, "diff_policies", broken_diff)
    revised = cigna_variant(tmp_path, "revised.txt", effective="5/15/2026")
    code, _, err = run("ingest", revised, "--db", db)
    assert code == 2
    assert f"{revised}: not stored: diff of version 1 -> 2 failed (alignment exploded)" in err
    assert query(db, "SELECT source_path FROM versions") == [(str(CIGNA),)]
    assert query(db, "SELECT count(*) FROM diffs") == [(0,)]


# ------------------------------------------------------------------------------------------- versions


def test_a_revised_version_is_diffed_and_shows_in_the_change_feed(tmp_path, run):
    db = tmp_path / "store.sqlite"
    revised = cigna_variant(tmp_path, "cigna-2026.txt", effective="5/15/2026", threshold="<90%")
    assert run("ingest", CIGNA, CENTENE, "--db", db)[0] == 0
    code, out, _ = run("ingest", revised, "--db", db, "-v")
    assert code == 0
    assert f"new_version\tCigna\t0261\tv2\t{revised}" in out

    code, out, _ = run("changes", "--db", db, "--format", "json")
    (entry,) = json.loads(out)
    assert (entry["payer"], entry["policy_number"]) == ("Cigna", "0261")
    assert (entry["older"]["number"], entry["older"]["date"]) == (1, "2025-05-15")
    assert (entry["newer"]["number"], entry["newer"]["date"]) == (2, "2026-05-15")
    threshold = [
        c for c in entry["changes"] if c["section"] == "criteria" and "<90%" in json.dumps(c["right"])
    ]
    assert threshold, entry["changes"]

    code, out, _ = run("changes", "--db", db)
    assert "Cigna 0261" in out
    assert "v1 (2025-05-15) -> v2 (2026-05-15)" in out
    assert threshold[0]["summary"] in out

    assert json.loads(run("changes", "--db", db, "--since", "2026-01-01", "--format", "json")[1])
    assert json.loads(run("changes", "--db", db, "--since", "June 1, 2026", "--format", "json")[1]) == []
    assert json.loads(run("changes", "--db", db, "--payer", "centene", "--format", "json")[1]) == []


def test_the_html_digest_links_a_revision_report_per_change(tmp_path, run):
    from selectolax.lexbor import LexborHTMLParser

    db = tmp_path / "store.sqlite"
    revised = cigna_variant(tmp_path, "cigna-2026.txt", effective="5/15/2026", threshold="<90%")
    assert run("ingest", CIGNA, revised, "--db", db)[0] == 0
    assert run("changes", "--db", db, "--format", "html")[0] == 1  # html needs a folder
    out = tmp_path / "digest"
    assert run("changes", "--db", db, "--format", "html", "-o", out)[0] == 0
    index = LexborHTMLParser((out / "index.html").read_text(encoding="utf-8"))
    (row,) = index.css("tr[data-entry]")
    (entry,) = json.loads(run("changes", "--db", db, "--format", "json")[1])
    assert row.css_first('[data-field="substantive"]').text() == str(entry["summary"]["substantive"])
    report = out / row.css_first("a").attributes["href"]
    page = LexborHTMLParser(report.read_text(encoding="utf-8"))
    assert "<90%" in page.body.text()
    assert any(a.attributes.get("href") == "index.html" for a in page.css("a"))


def test_an_older_version_ingested_late_lands_in_its_place(tmp_path, run):
    db = tmp_path / "store.sqlite"
    versions = {
        year: cigna_variant(tmp_path, f"cigna-{year}.txt", effective=f"5/15/{year}", threshold=threshold)
        for year, threshold in (("2025", "<100%"), ("2026", "<95%"), ("2027", "<90%"))
    }
    for year in ("2027", "2025", "2026"):
        assert run("ingest", versions[year], "--db", db)[0] == 0

    code, out, _ = run("history", "Cigna", "0261", "--db", db, "--format", "json")
    history = json.loads(out)
    assert [(h["version"]["number"], h["version"]["effective"]) for h in history] == [
        (1, "2025-05-15"),
        (2, "2026-05-15"),
        (3, "2027-05-15"),
    ]
    assert history[0]["substantive"] is None
    # Every diff is against the version now before it: the 2027 diff was recomputed against 2026.
    pairs = query(
        db,
        "SELECT o.effective, n.effective FROM diffs d JOIN versions o ON o.id = d.older_id "
        "JOIN versions n ON n.id = d.newer_id ORDER BY n.effective",
    )
    assert pairs == [("2025-05-15", "2026-05-15"), ("2026-05-15", "2027-05-15")]
    assert json.loads(run("show", "Cigna", "0261", "--version", 1, "--db", db)[1])["dates"]["effective"] == (
        "2025-05-15"
    )
    code, _, err = run("show", "Cigna", "0261", "--version", 4, "--db", db)
    assert code == 1
    assert "has versions 1 to 3, not 4" in err


def test_the_change_feed_as_atom_is_a_feed_a_reader_can_subscribe_to(tmp_path, run):
    from xml.etree import ElementTree

    atom = "{http://www.w3.org/2005/Atom}"
    db = tmp_path / "store.sqlite"
    revised = cigna_variant(tmp_path, "cigna-2026.txt", effective="5/15/2026", threshold="<90%")
    assert run("ingest", CIGNA, revised, "--db", db)[0] == 0
    code, out, _ = run("changes", "--db", db, "--format", "atom")
    assert code == 0
    feed = ElementTree.fromstring(out.encode("utf-8"))
    assert feed.tag == f"{atom}feed"
    assert feed.findtext(f"{atom}id").startswith("urn:uuid:")
    (entry,) = feed.findall(f"{atom}entry")
    assert entry.findtext(f"{atom}title").startswith("Cigna 0261: ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z", entry.findtext(f"{atom}updated"))
    assert entry.findtext(f"{atom}author/{atom}name") == "Cigna"
    content = entry.findtext(f"{atom}content")
    (change,) = json.loads(run("changes", "--db", db, "--format", "json")[1])[0]["changes"][:1]
    assert f"- {change['summary']} ({change['direction']})" in content
    assert "<[-100-]{+90+}% donor cells" in content and "(bookkeeping)" in content
    # The same pair of versions keeps its id, so a reader does not show it again.
    again = ElementTree.fromstring(run("changes", "--db", db, "--format", "atom")[1].encode("utf-8"))
    assert again.find(f"{atom}entry").findtext(f"{atom}id") == entry.findtext(f"{atom}id")
    # Nothing since a date: still a valid feed, with no entry.
    code, out, _ = run("changes", "--db", db, "--format", "atom", "--payer", "cigna", "--since", "2030")
    empty = ElementTree.fromstring(out.encode("utf-8"))
    assert code == 0 and empty.findall(f"{atom}entry") == []
    assert empty.findtext(f"{atom}title").endswith("of cigna since 2030")


def test_the_real_l33822_revision_shows_in_the_change_feed(tmp_path, run):
    db = tmp_path / "store.sqlite"
    for year in ("2020", "2021"):
        code, _, _ = run("ingest", L33822 / f"L33822_{year}.txt", "--db", db, "--number", "L33822")
        assert code == 0
    code, out, _ = run("changes", "--db", db, "--format", "json")
    (entry,) = json.loads(out)
    assert entry["older"]["source_path"].endswith("L33822_2020.txt")
    assert entry["newer"]["source_path"].endswith("L33822_2021.txt")
    # CMS's own revision history: the four-times-a-day testing prerequisite for CGMs was removed.
    removed = [
        c["left"]["text"] for c in entry["changes"] if (c["section"], c["change"]) == ("criteria", "removed")
    ]
    assert any("four or more times a day" in text for text in removed), removed
    code, out, _ = run("changes", "--db", db)
    assert "=== CMS L33822" in out
    assert "four or more times a day" in out


def test_the_corpus_ingests_once_and_reingests_as_a_no_op(tmp_path, run):
    db = tmp_path / "store.sqlite"
    files, _ = expand_paths([CORPUS])
    _, out, err = run("ingest", CORPUS, "--db", db)
    stored = set(assert_whole(db))
    assert {str(path) for path in ALL_PDFS} <= stored, err
    failed = [line for line in out.splitlines() if line.startswith("  failed: ")]
    # Every file is accounted for once (the tracker saved most policies twice: the second is unchanged).
    summary = re.search(r"(\d+) new, (\d+) new versions?, (\d+) unchanged, (\d+) failed", out)
    assert sum(map(int, summary.groups())) == len(files)
    assert int(summary.group(4)) == len(failed)
    before = query(db, "SELECT * FROM versions ORDER BY id")

    _, out, _ = run("ingest", CORPUS, "--db", db)
    known = sum(map(int, summary.groups()[:3]))
    assert f"0 new, 0 new versions, {known} unchanged, {len(failed)} failed" in out
    assert query(db, "SELECT * FROM versions ORDER BY id") == before


# ------------------------------------------------------------------------------------------- processes


def ingest_process(db: Path, *paths: Path, verbose: bool = False) -> subprocess.Popen:
    args = [sys.executable, "-m", "policydiff", "ingest", "--db", str(db), *map(str, paths)]
    return subprocess.Popen(
        [*args, "-v"] if verbose else args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_process_killed_mid_batch_keeps_every_committed_file_and_no_half_record(tmp_path, run):
    db = tmp_path / "store.sqlite"
    files = many_policies(tmp_path / "batch", 24)
    process = ingest_process(db, *files, verbose=True)
    reported = []
    for line in process.stdout:  # each line is printed after its file's transaction committed
        reported.append(line.split("\t")[-1].strip())
        if len(reported) == 3:
            os.kill(process.pid, signal.SIGKILL)
            break
    reported.extend(line.split("\t")[-1].strip() for line in process.stdout)
    assert process.wait() == -signal.SIGKILL

    stored = assert_whole(db)
    assert set(reported) <= set(stored)
    assert len(stored) < len(files)

    code, out, _ = run("ingest", tmp_path / "batch", "--db", db)
    assert code == 0
    assert f"{len(files) - len(stored)} new, 0 new versions, {len(stored)} unchanged, 0 failed" in out


@pytest.mark.parametrize(
    ("stop", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_ctrl_c_or_sigterm_stops_a_parallel_ingest_and_keeps_what_it_stored(tmp_path, run, stop, exit_code):
    db = tmp_path / "store.sqlite"
    files = many_policies(tmp_path / "batch", 24)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "policydiff",
            "ingest",
            "--db",
            str(db),
            "-v",
            "--workers",
            "2",
            *map(str, files),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reported = []
    for line in process.stdout:
        reported.append(line)
        if len(reported) == 3:
            os.kill(process.pid, stop)
            break
    out, err = process.communicate(timeout=120)
    assert process.returncode == exit_code, err
    stored = assert_whole(db)
    done = re.search(r"interrupted after (\d+) of 24 files", out)
    assert done, out
    # Every file counted as done is stored whole; nothing else is (a transaction cut short rolls back).
    assert len(stored) == int(done.group(1)) < len(files)
    assert f"{len(stored)} files into {db}: {len(stored)} new" in out

    code, out, _ = run("ingest", tmp_path / "batch", "--db", db)
    assert code == 0
    assert f"{len(files) - len(stored)} new, 0 new versions, {len(stored)} unchanged, 0 failed" in out


def test_two_concurrent_ingests_store_every_file_once(tmp_path):
    db = tmp_path / "store.sqlite"
    files = many_policies(tmp_path / "batch", 16)
    # Opposite orders, so that the two processes meet in the middle of the batch.
    processes = [ingest_process(db, *files), ingest_process(db, *reversed(files))]
    outputs = [process.communicate() for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs

    assert sorted(assert_whole(db)) == sorted(map(str, files))
    assert query(db, "SELECT count(*), count(DISTINCT sha256) FROM versions") == [(16, 16)]
    assert query(db, "SELECT count(*) FROM policies") == [(16,)]
    summaries = [out.splitlines()[-1] for out, _ in outputs]
    new = [int(summary.split(": ")[1].split(" new,")[0]) for summary in summaries]
    assert sum(new) == 16, summaries


# ------------------------------------------------------------------------------------ reading commands


# ------------------------------------------------------------------------------ records against a base


def store_file(conn: sqlite3.Connection, path: Path, key: tuple[str, str]) -> dict:
    """Store the record of `path` under `key`, as ingest does; the record's JSON as it was stored."""
    record = policydiff.api.extract_file(path)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    store.store_record(conn, str(path), sha256, record, key, diff_policies)
    return record.to_json_dict()


def stored_bases(conn: sqlite3.Connection) -> list[tuple[int, int | None, int]]:
    """(id, base id, stored bytes) of every version, in the order stored."""
    return conn.execute("SELECT id, base_id, length(record) FROM versions ORDER BY id").fetchall()


def test_a_revision_is_stored_against_the_version_before_it_at_a_fraction_of_its_size(tmp_path):
    # Issue 20: every version cost its whole compressed record (5.6 KB for CMS's 2021 L33822); stored
    # with the 2020 version as the dictionary, it costs about what changed.
    with closing(store.connect(tmp_path / "store.sqlite")) as conn:
        records = [
            store_file(conn, L33822 / f"L33822_{year}.txt", ("CMS", "L33822")) for year in (2020, 2021)
        ]
        (first, no_base, _), (second, base, stored) = stored_bases(conn)
        assert (no_base, base) == (None, first)
        assert stored * 8 < len(store.packed(records[1]))
        assert [json.loads(store.record_json(conn, version)) for version in (first, second)] == records


def test_a_version_unlike_its_base_is_stored_whole_and_becomes_the_base_of_the_next(tmp_path):
    # Two documents filed under one key: the second has little in common with the first, so against it
    # it would take more than half its own size; the revision of the second is stored against it.
    key = ("Payer", "1")
    revised = CORPUS / "seeds" / "revised" / "centene-cp-mp-101-dli-revised.txt"
    with closing(store.connect(tmp_path / "store.sqlite")) as conn:
        records = [store_file(conn, path, key) for path in (CIGNA, CENTENE, revised)]
        (_, no_base, _), (centene, unlike, _), (_, base, _) = rows = stored_bases(conn)
        assert (no_base, unlike, base) == (None, None, centene)
        assert [json.loads(store.record_json(conn, version)) for version, _, _ in rows] == records


def _l33822_store(folder: Path, run) -> Path:
    """A store holding the two L33822 versions, alone in `folder`, in WAL mode (as a writer that is still
    running, or was killed, leaves it: ingest itself leaves rollback-journal mode when it is alone)."""
    folder.mkdir()
    db = folder / "store.sqlite"
    for year in ("2020", "2021"):
        assert run("ingest", L33822 / f"L33822_{year}.txt", "--db", db, "--number", "L33822")[0] == 0
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
    return db


def test_reading_commands_leave_no_files_beside_the_store(tmp_path, run):
    # Issue 20: after `make demo`, out/demo.sqlite-wal and -shm stayed: a read-only connection to a WAL
    # file creates them and cannot remove them.
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "store.sqlite"
    for year in ("2020", "2021"):
        assert run("ingest", L33822 / f"L33822_{year}.txt", "--db", db, "--number", "L33822")[0] == 0
    for args in READS:
        assert run(*args, "--db", db)[0] == 0, args
    assert sorted(path.name for path in folder.iterdir()) == ["store.sqlite"]
    with closing(store.connect(db)) as conn:  # a writer switches back to WAL
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


READS = (["history", "CMS", "L33822"], ["show", "CMS", "L33822", "--format", "text"], ["changes"])


def test_the_reading_commands_read_a_store_on_a_read_only_mount(tmp_path, run):
    db = _l33822_store(tmp_path / "store", run)
    for args, expected in zip(
        READS, ("CMS L33822: 2 versions", "version 2 (", "=== CMS L33822"), strict=True
    ):
        command = [sys.executable, "-m", "policydiff", *args, "--db", str(db)]
        done = run_with_mounts([read_only(db.parent)], command)
        assert (done.returncode, done.stderr) == (0, ""), args
        assert expected in done.stdout, args


def test_a_damaged_store_is_one_line_for_each_reading_command(tmp_path, run):
    db = _l33822_store(tmp_path / "store", run)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    data = bytearray(db.read_bytes())
    # Every page but the first (the header and the schema) overwritten: the tables' pages are damaged.
    for start in range(page_size, len(data), page_size):
        data[start : start + 64] = b"\xa5" * 64
    db.write_bytes(bytes(data))
    for args in READS:
        code, out, err = run(*args, "--db", db)
        assert (code, out) == (2, ""), args
        assert err == f"policydiff: {db}: cannot read the database (database disk image is malformed)\n", args


def test_a_damaged_record_is_one_line_naming_the_store(tmp_path, run):
    # Bytes changed inside a stored record, where SQLite's pages are intact: the record's checksum fails.
    db = _l33822_store(tmp_path / "store", run)
    with closing(sqlite3.connect(db)) as conn:
        (record,) = conn.execute("SELECT record FROM versions WHERE base_id IS NULL").fetchone()
        damaged = record[:100] + bytes(50) + record[150:]
        conn.execute("UPDATE versions SET record = ? WHERE base_id IS NULL", (damaged,))
        conn.commit()
    for version in ("1", "2"):  # the second is stored against the first
        code, out, err = run("show", "CMS", "L33822", "--version", version, "--db", db)
        assert (code, out) == (2, "")
        assert err.startswith(
            f"policydiff: {db}: cannot read the database (a stored record or diff is damaged"
        )
        assert len(err.splitlines()) == 1
