"""What an analyst asks the store: the change feed since a date of any precision, what the store holds
(`list`), the nearest stored names for a wrong one, and the store's rows queried with plain SQL."""

from __future__ import annotations

import json
import sqlite3
import zlib
from contextlib import closing
from pathlib import Path

import pytest
import test_store
from policydiff import store
from policydiff.store import on_or_after

from corpus import CORPUS

CIGNA = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
CENTENE = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"


@pytest.fixture
def month_dated_store(tmp_path: Path, run) -> Path:
    """Cigna 0261 as v1 effective 5/15/2024 and v2 effective "09/2024" (a month, no day)."""
    db = tmp_path / "store.sqlite"
    older = test_store.cigna_variant(tmp_path, "cigna-2024-05.txt", effective="5/15/2024")
    newer = test_store.cigna_variant(tmp_path, "cigna-2024-09.txt", effective="09/2024", threshold="<90%")
    assert run("ingest", older, newer, "--db", db)[0] == 0
    return db


def feed_dates(run, db: Path, *since: str) -> list[str]:
    code, out, err = run("changes", "--db", db, "--format", "json", *since)
    assert code == 0, err
    return [entry["newer"]["date"] for entry in json.loads(out)]


def test_since_compares_at_the_precision_the_version_date_has(month_dated_store, run):
    assert feed_dates(run, month_dated_store) == ["2024-09"]
    # Issue 21: --since 2024-09-01 dropped the version revised "2024-09", and --since 2024-09 was refused.
    for since in ("2024-09-01", "2024-09-30", "2024-09", "2024"):
        assert feed_dates(run, month_dated_store, "--since", since) == ["2024-09"], since
    for since in ("2024-10-01", "2024-10", "2025"):
        assert feed_dates(run, month_dated_store, "--since", since) == [], since


@pytest.mark.parametrize("since", ["2024-13", "2024-02-30", "24-09", "soon"])
def test_since_refuses_what_is_not_a_date(month_dated_store, run, since):
    code, _, err = run("changes", "--db", month_dated_store, "--since", since)
    assert code == 1
    assert "--since" in err


def test_on_or_after_takes_the_coarser_precision():
    assert on_or_after("2024-09", "2024-09-15")
    assert on_or_after("2024-09-15", "2024-09")
    assert not on_or_after("2024-08-31", "2024-09")
    assert not on_or_after("2023", "2024-01-01")
    assert on_or_after("2024-01-01", "2024")


@pytest.fixture
def two_payer_store(tmp_path: Path, run) -> Path:
    """Cigna 0261 in two versions (2025-05-15, 2026-05-15), Cigna 0262 and Centene CP.MP.101 in one."""
    db = tmp_path / "store.sqlite"
    revised = test_store.cigna_variant(tmp_path, "cigna-2026.txt", effective="5/15/2026", threshold="<90%")
    other = test_store.cigna_variant(tmp_path, "cigna-0262.txt", number="0262")
    assert run("ingest", CIGNA, CENTENE, revised, other, "--db", db)[0] == 0
    return db


def test_list_shows_every_stored_policy_with_its_latest_version(two_payer_store, run):
    code, out, err = run("list", "--db", two_payer_store, "--format", "json")
    assert code == 0, err
    listed = {(p["payer"], p["policy_number"]): p for p in json.loads(out)}
    assert list(listed) == [("Centene", "CP.MP.101"), ("Cigna", "0261"), ("Cigna", "0262")]
    assert (listed["Cigna", "0261"]["versions"], listed["Cigna", "0261"]["latest"]) == (2, "2026-05-15")
    assert (listed["Cigna", "0262"]["versions"], listed["Cigna", "0262"]["latest"]) == (1, "2025-05-15")
    assert "Donor Lymphocyte Infusion" in listed["Centene", "CP.MP.101"]["title"]

    code, out, _ = run("list", "--db", two_payer_store, "--payer", "cigna")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("\t")[:4] == ["Cigna", "0261", "2 versions", "latest 2026-05-15"]
    assert lines[-1].startswith("2 policies of cigna in ")


@pytest.mark.parametrize(
    "command, suggested",
    [
        (("list", "--payer", "Cigan"), "nearest stored: Cigna"),
        (("changes", "--payer", "Centine"), "nearest stored: Centene"),
        (("history", "Cigna", "261"), "nearest stored: Cigna 0261"),
        (("show", "Cigan", "0262"), "nearest stored: Cigna 0262"),
        (("history", "Centene", "CP.MP.110"), "nearest stored: Centene CP.MP.101"),
    ],
)
def test_an_unknown_payer_or_number_names_the_nearest_stored_ones(two_payer_store, run, command, suggested):
    # Issue 21: a wrong payer or number got "no changes" with no hint.
    code, out, err = run(*command, "--db", two_payer_store)
    assert (code, out) == (1, "")
    assert suggested in err, err


def test_a_name_like_nothing_stored_points_to_list(two_payer_store, run):
    code, _, err = run("changes", "--payer", "Zzyzx Health", "--db", two_payer_store)
    assert code == 1
    assert "no payer Zzyzx Health in the store" in err
    assert "policydiff list" in err


# The README's query: which policies list a code, and with what status (latest versions only).
CODE_QUERY = """
SELECT payer, policy_number, version, page, status FROM codes
WHERE system = 'CPT' AND code = ? AND latest ORDER BY payer, policy_number
"""


def test_plain_sql_over_the_store_rows_answers_which_policies_list_a_code(two_payer_store):
    # Cigna 0261 lists 38242 under "Considered Medically Necessary when criteria ... are met"; Centene
    # CP.MP.101 lists it in a bare code table (no coverage statement): related.
    rows = test_store.query(two_payer_store, CODE_QUERY.replace("?", "'38242'"))
    assert [(payer, number, version, status) for payer, number, version, _, status in rows] == [
        ("Centene", "CP.MP.101", 1, "related"),
        ("Cigna", "0261", 2, "covered"),
        ("Cigna", "0262", 1, "covered"),
    ]


def test_the_views_number_versions_as_the_store_does_and_hold_one_row_per_criterion_and_change(
    two_payer_store, run
):
    rows = test_store.query(
        two_payer_store,
        "SELECT version, date FROM policy_versions WHERE payer = 'Cigna' AND policy_number = '0261' "
        "ORDER BY version",
    )
    assert rows == [(1, "2025-05-15"), (2, "2026-05-15")]
    # Criteria at every depth, each with its page: Centene CP.MP.101 has I, I.A, I.B, I.C and I.C.1...
    ids = [
        row[0]
        for row in test_store.query(
            two_payer_store, "SELECT criterion FROM criteria WHERE payer = 'Centene' AND page IS NOT NULL"
        )
    ]
    assert {"I", "I.A", "I.B", "I.C", "I.C.1"} <= set(ids)
    # The threshold edit of Cigna 0261 v2 (<100% -> <90%) is a substantive criteria change, as the feed says.
    feed = json.loads(run("changes", "--db", two_payer_store, "--format", "json")[1])
    (entry,) = feed
    rows = test_store.query(
        two_payer_store,
        "SELECT older_version, version, summary FROM changes WHERE significance = 'substantive' "
        "AND section = 'criteria'",
    )
    assert rows
    assert {summary for _, _, summary in rows} == {
        c["summary"] for c in entry["changes"] if c["section"] == "criteria"
    }
    assert {(older, newer) for older, newer, _ in rows} == {(1, 2)}


VIEW_QUERIES = (
    "SELECT * FROM criteria ORDER BY payer, policy_number, version, criterion",
    "SELECT * FROM codes ORDER BY payer, policy_number, version, system, code, page, status",
    "SELECT * FROM changes ORDER BY payer, policy_number, version, section, subject, summary, page",
)


def older_copy(db: Path, copy: Path, schema: int) -> None:
    """`db` as a store of `schema` wrote it: 4, records and diffs as JSON text and views over them; 5,
    each compressed whole by zlib, with the row tables."""
    with closing(sqlite3.connect(db)) as new, closing(sqlite3.connect(copy)) as old:
        for statements in store.MIGRATIONS[:schema]:
            for statement in statements:
                if not callable(statement):  # migration 5's step converts records: there are none yet
                    old.execute(statement)
        old.execute(f"PRAGMA user_version = {schema}")
        tables = ["policies", "versions", "diffs", "same_content_files"]
        tables += ["criterion_rows", "code_rows", "change_rows"] if schema == 5 else []
        for table in tables:
            columns = [name for (name,) in old.execute(f"SELECT name FROM pragma_table_info('{table}')")]
            rows = new.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            if table in ("versions", "diffs"):  # the JSON is the last column of both
                rows = [(*row[:-1], older_json(new, table, row, schema)) for row in rows]
            if rows:
                old.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        old.commit()


def older_json(new: sqlite3.Connection, table: str, row: tuple, schema: int) -> str | bytes:
    text = store.record_json(new, row[0]) if table == "versions" else store.unpacked(row[-1])
    return zlib.compress(text.encode(), 9) if schema == 5 else text


@pytest.mark.parametrize("schema", [4, 5])
def test_an_older_store_is_read_then_migrated_to_records_against_their_base_with_the_same_answers(
    two_payer_store, tmp_path, run, schema
):
    # Issue 20: records were stored as JSON text (schema 4: 37 KB for the Centene seed), then each whole
    # by zlib (schema 5), now against their base by zstd (6). A store written before reads the same
    # read-only, and once migrated gives the same rows, answers and bases as a store written now.
    old = tmp_path / f"schema-{schema}.sqlite"
    older_copy(two_payer_store, old, schema)
    commands = (
        ("changes", "--format", "json"),
        ("show", "Cigna", "0261", "--version", "1", "--format", "json"),
        ("show", "Cigna", "0261", "--format", "json"),
    )
    answers = [run(*command, "--db", two_payer_store) for command in commands]
    assert [run(*command, "--db", old) for command in commands] == answers  # read-only: not migrated
    assert test_store.query(old, "PRAGMA user_version") == [(schema,)]
    before = [test_store.query(old, sql) for sql in VIEW_QUERIES]
    assert all(before)
    with closing(store.connect(old)):  # a writing open migrates
        pass
    assert [test_store.query(old, sql) for sql in VIEW_QUERIES] == before
    assert [test_store.query(two_payer_store, sql) for sql in VIEW_QUERIES] == before
    bases = "SELECT id, base_id FROM versions ORDER BY id"
    assert test_store.query(old, bases) == test_store.query(two_payer_store, bases)
    # Cigna 0261's 2026 version (the third file ingested) is stored against its 2025 version.
    assert (3, 1) in test_store.query(old, bases)
    for db in (old, two_payer_store):
        assert test_store.query(db, "SELECT DISTINCT typeof(record) FROM versions") == [("blob",)]
        with closing(sqlite3.connect(db)) as conn:
            for version_id, record in conn.execute("SELECT id, record FROM versions").fetchall():
                assert len(record) * 3 < len(store.record_json(conn, version_id))
            for (diff,) in conn.execute("SELECT diff FROM diffs"):
                assert diff.startswith(store.ZSTD_MAGIC)
    assert [run(*command, "--db", old) for command in commands] == answers
