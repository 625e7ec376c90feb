"""The version store: every ingested policy file in SQLite, its versions in order, and the diffs between them.

A policy is keyed by (payer, policy number), compared without regard to case. Each distinct policy content
is one version: a file whose record says exactly what a stored version of its policy says (its source,
pages, boxes and reading warnings aside) is remembered as that version's file, not stored again. A file
whose hash (sha256 of the bytes) is known either way is skipped before it is parsed. Versions
are ordered by the documents' own dates (effective, then last revised), then by ingest time; a document
that prints neither date is dated by the day it was ingested. Version numbers are positions in that order,
so an older document ingested late takes its place and renumbers the versions after it. Each version
after the first has one stored diff against the version before it; when a version lands between two
others, the diffs around it are recomputed in the same transaction.

The store only persists: the ingest service (ingest.py) reads and extracts the files, decides the key a
record is filed under, and passes the diff engine in.

Durability: WAL journal; one transaction per file (BEGIN IMMEDIATE, so concurrent writers queue on the
busy timeout instead of failing half way); schema changes are numbered migrations tracked in
PRAGMA user_version, applied in one transaction.

Size: records and diffs are stored as compact JSON compressed by zstd. A version's record is compressed
with an earlier version of the same policy (its base, stored whole) as the dictionary, so a new version
costs about what changed; a version too unlike its base is stored whole and becomes the base of those after
it, so reading any record decompresses at most two. Plain SQL reads the row tables the store fills beside
them (criteria, codes and changes), so no query needs to decompress.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Literal

import zstandard
from policydiff.extract.errors import ExtractError
from policydiff.model import Policy
from policydiff.model.diff import DiffResult
from policydiff.model.feed import FeedEntry, HistoryEntry, StoredPolicy, Version

# Computes the stored diff between two versions: the ingest service passes the diff engine in, so the
# store persists and never diffs (nor reads, nor extracts) itself.
DiffOf = Callable[[Policy, Policy], DiffResult]

DB_ENV = "POLICYDIFF_DB"
DEFAULT_DB = "policydiff.sqlite"
# Long enough for another process to finish a file's transaction (extraction happens outside it).
BUSY_TIMEOUT_MS = 60_000

# ------------------------------------------------------------------------------ stored JSON and rows


# zstd's level 15: within 10% of its smallest (level 19) at a tenth of the time (20 ms against 250 on a
# 600 KB record; zlib's level 9 is 18% larger).
ZSTD_LEVEL = 15
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# A record is stored against its base while that takes under half its whole compressed size: past it the
# policy has drifted from its base, and this version is stored whole as the base of the next ones.
DELTA_LIMIT = 0.5


def _json_bytes(value: dict) -> bytes:
    """A record or diff as compact JSON text, the form it is compressed from."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def packed(value: dict | bytes, base: bytes | None = None) -> bytes:
    """A record or diff as stored: compact JSON compressed by zstd; with `base` (the JSON text of the
    record it is stored against) as the dictionary."""
    text = value if isinstance(value, bytes) else _json_bytes(value)
    dictionary = _dictionary(base) if base is not None else None
    # With its checksum (4 bytes) a damaged frame fails to decompress instead of giving other text.
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dictionary, write_checksum=True)
    return compressor.compress(text)


def unpacked(stored: bytes | str, base: bytes | None = None) -> str:
    """The JSON text of a stored record or diff (`base`: the JSON text of the record it is stored
    against). A store opened read-only is not migrated: zlib is how schema 5 stored, text how earlier
    ones did."""
    if isinstance(stored, str):
        return stored
    try:
        if stored.startswith(ZSTD_MAGIC):
            dictionary = _dictionary(base) if base is not None else None
            return zstandard.ZstdDecompressor(dict_data=dictionary).decompress(stored).decode()
        return zlib.decompress(stored).decode()
    except (zstandard.ZstdError, zlib.error, UnicodeDecodeError) as error:
        raise ValueError(f"a stored record or diff is damaged ({error})") from error


def packed_version(text: bytes, base: tuple[int, bytes] | None) -> tuple[bytes, int | None]:
    """(stored record, base id) of a record's JSON `text`, given its policy's latest base (id, JSON text):
    against the base when that is under DELTA_LIMIT of the record's whole size, else whole (no base)."""
    whole = packed(text)
    if base is None:
        return whole, None
    base_id, base_text = base
    delta = packed(text, base_text)
    return (delta, base_id) if len(delta) < DELTA_LIMIT * len(whole) else (whole, None)


def _criterion_rows(criteria: list[dict]) -> Iterator[tuple]:
    """(page, id, label, kind, coverage, logic, service, text) of each criterion, children after their parent."""
    for criterion in criteria:
        yield tuple(
            criterion.get(key)
            for key in ("page", "id", "label", "kind", "coverage", "logic", "service", "text")
        )
        yield from _criterion_rows(criterion.get("children") or [])


def _write_version_rows(conn: sqlite3.Connection, version_id: int, record: dict) -> None:
    conn.executemany(
        "INSERT INTO criterion_rows (version_id, page, criterion, label, kind, coverage, logic, service, "
        "text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(version_id, *row) for row in _criterion_rows(record.get("criteria") or [])],
    )
    conn.executemany(
        "INSERT INTO code_rows (version_id, page, system, code, code_end, status, description) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                version_id,
                *(code.get(key) for key in ("page", "system", "code", "code_end", "status", "description")),
            )
            for code in record.get("codes") or []
        ],
    )


def _page(item: object) -> int | None:
    """The page of a changed item (a metadata value may be a bare string, with none)."""
    return item.get("page") if isinstance(item, dict) else None


def _write_change_rows(conn: sqlite3.Connection, newer_id: int, diff: dict) -> None:
    conn.executemany(
        "INSERT INTO change_rows (newer_id, page, section, change, subject, significance, documented, "
        "direction, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                newer_id,
                _page(change.get("right")) or _page(change.get("left")),
                *(change.get(key) for key in ("section", "change", "subject", "significance", "documented")),
                change.get("direction"),
                change.get("summary"),
            )
            for change in diff.get("changes") or []
        ],
    )


def _rows_and_compression(conn: sqlite3.Connection) -> None:
    """Migration 5: fill the row tables from the stored JSON, then compress it (by today's `packed`;
    migration 6 then stores each later version against its base)."""
    for version_id, text in conn.execute("SELECT id, record FROM versions").fetchall():
        record = json.loads(text)
        _write_version_rows(conn, version_id, record)
        conn.execute("UPDATE versions SET record = ? WHERE id = ?", (packed(record), version_id))
    for newer_id, text in conn.execute("SELECT newer_id, diff FROM diffs").fetchall():
        diff = json.loads(text)
        _write_change_rows(conn, newer_id, diff)
        conn.execute("UPDATE diffs SET diff = ? WHERE newer_id = ?", (packed(diff), newer_id))


def _records_against_bases(conn: sqlite3.Connection) -> None:
    """Migration 6: each policy's records stored against their base, in the order they were stored, as
    store_record stores them; diffs recompressed by zstd."""
    base: tuple[int, bytes] | None = None
    policy = None
    for version_id, policy_id in conn.execute(
        "SELECT id, policy_id FROM versions ORDER BY policy_id, id"
    ).fetchall():
        if policy_id != policy:
            base, policy = None, policy_id
        (stored,) = conn.execute("SELECT record FROM versions WHERE id = ?", (version_id,)).fetchone()
        text = unpacked(stored).encode()
        record, base_id = packed_version(text, base)
        if base_id is None:
            base = (version_id, text)
        conn.execute(
            "UPDATE versions SET record = ?, base_id = ? WHERE id = ?", (record, base_id, version_id)
        )
    for (newer_id,) in conn.execute("SELECT newer_id FROM diffs").fetchall():
        (stored,) = conn.execute("SELECT diff FROM diffs WHERE newer_id = ?", (newer_id,)).fetchone()
        conn.execute(
            "UPDATE diffs SET diff = ? WHERE newer_id = ?", (packed(unpacked(stored).encode()), newer_id)
        )


# A migration step: an SQL statement, or a function over the connection for what SQL cannot do.
Step = str | Callable[[sqlite3.Connection], None]

# Migration N (1-based) brings the schema from user_version N-1 to N. Append; never edit a shipped one.
MIGRATIONS: list[tuple[Step, ...]] = [
    (
        """CREATE TABLE policies (
            id INTEGER PRIMARY KEY,
            payer TEXT NOT NULL COLLATE NOCASE,
            policy_number TEXT NOT NULL COLLATE NOCASE,
            UNIQUE (payer, policy_number)
        )""",
        """CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            policy_id INTEGER NOT NULL REFERENCES policies(id),
            sha256 TEXT NOT NULL UNIQUE,
            source_path TEXT NOT NULL,
            format TEXT NOT NULL,
            title TEXT NOT NULL,
            effective TEXT,
            last_revised TEXT,
            ingested_at TEXT NOT NULL,
            record TEXT NOT NULL
        )""",
        "CREATE INDEX versions_by_policy ON versions(policy_id)",
        """CREATE TABLE diffs (
            newer_id INTEGER PRIMARY KEY REFERENCES versions(id),
            older_id INTEGER NOT NULL REFERENCES versions(id),
            computed_at TEXT NOT NULL,
            substantive INTEGER NOT NULL,
            silent INTEGER NOT NULL,
            diff TEXT NOT NULL
        )""",
    ),
    (
        # Files whose bytes are new but whose policy content a stored version already has (a PDF
        # downloaded again with a new timestamp inside): remembered so they are skipped before parsing.
        """CREATE TABLE same_content_files (
            sha256 TEXT PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES versions(id),
            source_path TEXT NOT NULL,
            ingested_at TEXT NOT NULL
        )""",
    ),
    (
        # The store as rows, for plain SQL (sqlite3, sqlite-utils, Datasette): read-only views over the
        # stored records, so nothing is stored twice. `version` numbers versions as _ordered_versions
        # does (document date: effective, else revised, else the ingest day; then revised, ingest time).
        """CREATE VIEW policy_versions AS
        SELECT p.id AS policy_id, p.payer, p.policy_number,
            ROW_NUMBER() OVER (
                PARTITION BY v.policy_id
                ORDER BY COALESCE(NULLIF(v.effective, ''), NULLIF(v.last_revised, ''),
                                  substr(v.ingested_at, 1, 10)),
                         COALESCE(v.last_revised, ''), v.ingested_at, v.id
            ) AS version,
            COUNT(*) OVER (PARTITION BY v.policy_id) AS versions,
            COALESCE(NULLIF(v.effective, ''), NULLIF(v.last_revised, ''), substr(v.ingested_at, 1, 10))
                AS date,
            v.effective, v.last_revised, v.title, v.format, v.source_path, v.sha256, v.ingested_at,
            v.id AS version_id
        FROM versions v JOIN policies p ON p.id = v.policy_id""",
        # One row per criterion at any depth (json_tree walks the children).
        """CREATE VIEW criteria AS
        SELECT pv.payer, pv.policy_number, pv.version, pv.version = pv.versions AS latest, pv.date,
            json_extract(t.value, '$.page') AS page,
            json_extract(t.value, '$.id') AS criterion,
            json_extract(t.value, '$.label') AS label,
            json_extract(t.value, '$.kind') AS kind,
            json_extract(t.value, '$.coverage') AS coverage,
            json_extract(t.value, '$.logic') AS logic,
            json_extract(t.value, '$.service') AS service,
            json_extract(t.value, '$.text') AS text,
            pv.version_id
        FROM policy_versions pv JOIN versions v ON v.id = pv.version_id,
            json_tree(v.record, '$.criteria') t
        WHERE t.type = 'object' AND (t.path = '$.criteria' OR t.path LIKE '%.children')""",
        """CREATE VIEW codes AS
        SELECT pv.payer, pv.policy_number, pv.version, pv.version = pv.versions AS latest, pv.date,
            json_extract(c.value, '$.page') AS page,
            json_extract(c.value, '$.system') AS system,
            json_extract(c.value, '$.code') AS code,
            json_extract(c.value, '$.code_end') AS code_end,
            json_extract(c.value, '$.status') AS status,
            json_extract(c.value, '$.description') AS description,
            pv.version_id
        FROM policy_versions pv JOIN versions v ON v.id = pv.version_id, json_each(v.record, '$.codes') c""",
        # One row per change between a version and the one before; `status` is documented / silent /
        # undetermined for a substantive change (see DiffSummary), NULL for a cosmetic one.
        """CREATE VIEW changes AS
        SELECT newer.payer, newer.policy_number, older.version AS older_version, newer.version,
            newer.date, newer.version = newer.versions AS latest,
            COALESCE(json_extract(c.value, '$.right.page'), json_extract(c.value, '$.left.page')) AS page,
            json_extract(c.value, '$.section') AS section,
            json_extract(c.value, '$.change') AS change,
            json_extract(c.value, '$.subject') AS subject,
            json_extract(c.value, '$.significance') AS significance,
            CASE WHEN json_extract(c.value, '$.significance') != 'substantive' THEN NULL
                 WHEN json_extract(c.value, '$.documented') = 1 THEN 'documented'
                 WHEN json_extract(c.value, '$.documented') = 0 THEN 'silent'
                 ELSE 'undetermined' END AS status,
            json_extract(c.value, '$.direction') AS direction,
            json_extract(c.value, '$.summary') AS summary,
            newer.version_id
        FROM diffs d
            JOIN policy_versions newer ON newer.version_id = d.newer_id
            JOIN policy_versions older ON older.version_id = d.older_id,
            json_each(d.diff, '$.changes') c""",
    ),
    (
        # Fetching (fetch.py): the validators of each URL's last download, for conditional requests.
        """CREATE TABLE fetch_state (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            checked_at TEXT NOT NULL
        )""",
        # Where and when each downloaded file came from: join versions (or same_content_files) on sha256.
        """CREATE TABLE fetched_files (
            sha256 TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            fetched_at TEXT NOT NULL
        )""",
    ),
    (
        # Records and diffs compressed (a record's JSON text was about 4 times its zlib size); the views
        # of migration 3 read row tables filled as versions and diffs are stored, with the same columns.
        """CREATE TABLE criterion_rows (
            version_id INTEGER NOT NULL REFERENCES versions(id),
            page INTEGER, criterion TEXT, label TEXT, kind TEXT, coverage TEXT, logic TEXT, service TEXT,
            text TEXT
        )""",
        "CREATE INDEX criterion_rows_by_version ON criterion_rows(version_id)",
        """CREATE TABLE code_rows (
            version_id INTEGER NOT NULL REFERENCES versions(id),
            page INTEGER, system TEXT, code TEXT, code_end TEXT, status TEXT, description TEXT
        )""",
        "CREATE INDEX code_rows_by_version ON code_rows(version_id)",
        # Rows of the diff stored for the version `newer_id` (replaced with it: see _write_diff).
        """CREATE TABLE change_rows (
            newer_id INTEGER NOT NULL REFERENCES versions(id),
            page INTEGER, section TEXT, change TEXT, subject TEXT, significance TEXT, documented INTEGER,
            direction TEXT, summary TEXT
        )""",
        "CREATE INDEX change_rows_by_version ON change_rows(newer_id)",
        "DROP VIEW criteria",
        "DROP VIEW codes",
        "DROP VIEW changes",
        """CREATE VIEW criteria AS
        SELECT pv.payer, pv.policy_number, pv.version, pv.version = pv.versions AS latest, pv.date,
            r.page, r.criterion, r.label, r.kind, r.coverage, r.logic, r.service, r.text, pv.version_id
        FROM policy_versions pv JOIN criterion_rows r ON r.version_id = pv.version_id""",
        """CREATE VIEW codes AS
        SELECT pv.payer, pv.policy_number, pv.version, pv.version = pv.versions AS latest, pv.date,
            r.page, r.system, r.code, r.code_end, r.status, r.description, pv.version_id
        FROM policy_versions pv JOIN code_rows r ON r.version_id = pv.version_id""",
        """CREATE VIEW changes AS
        SELECT newer.payer, newer.policy_number, older.version AS older_version, newer.version,
            newer.date, newer.version = newer.versions AS latest,
            r.page, r.section, r.change, r.subject, r.significance,
            CASE WHEN r.significance != 'substantive' THEN NULL
                 WHEN r.documented = 1 THEN 'documented'
                 WHEN r.documented = 0 THEN 'silent'
                 ELSE 'undetermined' END AS status,
            r.direction, r.summary, newer.version_id
        FROM diffs d
            JOIN policy_versions newer ON newer.version_id = d.newer_id
            JOIN policy_versions older ON older.version_id = d.older_id
            JOIN change_rows r ON r.newer_id = d.newer_id""",
        _rows_and_compression,
    ),
    (
        # A version's record compressed against its base, an earlier version of its policy stored whole
        # (NULL: stored whole, itself a base); see packed_version.
        "ALTER TABLE versions ADD COLUMN base_id INTEGER REFERENCES versions(id)",
        _records_against_bases,
    ),
]

Status = Literal["new", "new_version", "unchanged"]


class StoreError(Exception):
    """The database cannot be used (cannot open, missing, newer schema): one line naming it."""


class NotStoredError(StoreError):
    """A policy or version asked for is not in the store."""


# ------------------------------------------------------------------------------------------- database


def database_path(explicit: str | None) -> Path:
    """--db, else $POLICYDIFF_DB, else ./policydiff.sqlite."""
    return Path(explicit or os.environ.get(DB_ENV) or DEFAULT_DB)


def connect(path: str | Path, create: bool = True) -> sqlite3.Connection:
    """Open (creating it if `create`) and migrate the store. Transactions are explicit (autocommit mode)."""
    if not create and not Path(path).is_file():
        raise StoreError(f"{path}: no such database (run `policydiff ingest` first)")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as error:
        raise StoreError(f"{path}: cannot open the database ({error})") from error
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except (sqlite3.Error, StoreError) as error:
        conn.close()
        raise StoreError(f"{path}: cannot use the database ({error})") from error
    return conn


def close_writing(conn: sqlite3.Connection) -> None:
    """Close a connection from `connect`, leaving the file in rollback-journal mode when no other
    connection has it open: a reading command opens it read-only, and a read-only connection to a WAL
    file creates the -wal and -shm files beside it and cannot remove them. The next writer switches to
    WAL again; while another connection is open the switch fails at once and WAL stays."""
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.OperationalError:
        pass  # another connection has the file open: it stays in WAL mode
    finally:
        conn.close()


def connect_read_only(path: str | Path) -> sqlite3.Connection:
    """Open an existing store for reading only: nothing is created, migrated or locked for writing, so a
    store on a read-only mount, or one another process is writing, can be read."""
    if not Path(path).is_file():
        raise StoreError(f"{path}: no such database (run `policydiff ingest` first)")
    uri = Path(path).absolute().as_uri()
    # mode=ro still needs the WAL index beside the file; where nothing can be created (a read-only mount)
    # the file is read as immutable: no one can be writing it there.
    for mode in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(
            f"{uri}?{mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            current = _schema_version(conn)
        except sqlite3.OperationalError as error:
            conn.close()
            problem = error
            continue
        except sqlite3.DatabaseError as error:
            conn.close()
            raise StoreError(f"{path}: cannot read the database ({error})") from error
        if current == 0 or current > len(MIGRATIONS):
            conn.close()
            raise StoreError(
                f"{path}: not a store of this policydiff (schema version {current}, "
                f"this policydiff reads 1 to {len(MIGRATIONS)})"
            )
        return conn
    raise StoreError(f"{path}: cannot open the database ({problem})")


@contextmanager
def reading(path: str | Path) -> Iterator[sqlite3.Connection]:
    """The store opened read-only for a reading command; a damaged database (a bad page, a record that is
    not a record) is a StoreError naming the file, not a traceback."""
    conn = connect_read_only(path)
    try:
        yield conn
    except (sqlite3.DatabaseError, ValueError) as error:
        raise StoreError(f"{path}: cannot read the database ({str(error).splitlines()[0]})") from error
    finally:
        conn.close()


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, waiting for a concurrent writer: SQLite answers this pragma "database is locked"
    at once, without its busy handler, while another process creates or migrates the same file."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations in one transaction (readers of a current schema take no lock)."""
    if _schema_version(conn) == len(MIGRATIONS):
        return
    with transaction(conn):
        current = _schema_version(conn)  # another process may have migrated while this one waited
        if current > len(MIGRATIONS):
            raise StoreError(
                f"its schema version {current} is newer than this policydiff knows ({len(MIGRATIONS)})"
            )
        for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
            for step in statements:
                if callable(step):
                    step(conn)
                else:
                    conn.execute(step)
            conn.execute(f"PRAGMA user_version = {number}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (the write lock is taken up front)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ------------------------------------------------------------------------------------------- versions


def _ordered_versions(conn: sqlite3.Connection, policy_id: int) -> list[Version]:
    rows = conn.execute(
        "SELECT id, sha256, source_path, format, title, effective, last_revised, ingested_at "
        "FROM versions WHERE policy_id = ?",
        (policy_id,),
    ).fetchall()
    unnumbered = [Version(0, *row, date=row[5] or row[6] or row[7][:10]) for row in rows]
    unnumbered.sort(key=lambda v: (v.date, v.last_revised or "", v.ingested_at, v.id))
    return [replace(v, number=number) for number, v in enumerate(unnumbered, start=1)]


def record_json(conn: sqlite3.Connection, version_id: int) -> str:
    """The JSON text of a stored version's record."""
    # A store of schema 5 or older, opened read-only, has no bases.
    base_column = "base_id" if _schema_version(conn) >= 6 else "NULL"
    stored, base_id = conn.execute(
        f"SELECT record, {base_column} FROM versions WHERE id = ?", (version_id,)
    ).fetchone()
    if base_id is None:
        return unpacked(stored)
    (base,) = conn.execute("SELECT record FROM versions WHERE id = ?", (base_id,)).fetchone()
    return unpacked(stored, unpacked(base).encode())


def _latest_base(conn: sqlite3.Connection, policy_id: int) -> tuple[int, bytes] | None:
    """(id, JSON text) of the policy's version stored whole most recently: the base of its next version."""
    row = conn.execute(
        "SELECT id, record FROM versions WHERE policy_id = ? AND base_id IS NULL ORDER BY id DESC LIMIT 1",
        (policy_id,),
    ).fetchone()
    return None if row is None else (row[0], unpacked(row[1]).encode())


def _record(conn: sqlite3.Connection, version_id: int) -> Policy:
    return Policy.model_validate_json(record_json(conn, version_id))


def _relink(conn: sqlite3.Connection, policy_id: int, path: str, diff_of: DiffOf) -> None:
    """Make each version's stored diff be against the version now before it (inside the caller's transaction)."""
    versions = _ordered_versions(conn, policy_id)
    linked = dict(
        conn.execute(
            "SELECT newer_id, older_id FROM diffs WHERE newer_id IN "
            "(SELECT id FROM versions WHERE policy_id = ?)",
            (policy_id,),
        ).fetchall()
    )
    _drop_diff(conn, versions[0].id)
    for older, newer in pairwise(versions):
        if linked.get(newer.id) == older.id:
            continue
        try:
            diff = diff_of(_record(conn, older.id), _record(conn, newer.id)).to_json_dict()
        except Exception as error:
            # A failing diff must not leave a version without its diff: the file's transaction rolls back.
            raise ExtractError(
                path, f"not stored: diff of version {older.number} -> {newer.number} failed ({error})"
            ) from error
        _write_diff(conn, newer.id, older.id, diff)


def _drop_diff(conn: sqlite3.Connection, newer_id: int) -> None:
    """The diff stored for version `newer_id`, with its change rows."""
    conn.execute("DELETE FROM change_rows WHERE newer_id = ?", (newer_id,))
    conn.execute("DELETE FROM diffs WHERE newer_id = ?", (newer_id,))


def _write_diff(conn: sqlite3.Connection, newer_id: int, older_id: int, diff: dict) -> None:
    """Store `diff` as version `newer_id`'s diff against `older_id`, in place of any before it."""
    _drop_diff(conn, newer_id)
    conn.execute(
        "INSERT INTO diffs (newer_id, older_id, computed_at, substantive, silent, diff) VALUES (?, ?, ?, ?, ?, ?)",
        (newer_id, older_id, _now(), diff["summary"]["substantive"], diff["summary"]["silent"], packed(diff)),
    )
    _write_change_rows(conn, newer_id, diff)


# ------------------------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class Ingested:
    path: str
    status: Status
    payer: str
    policy_number: str
    version: int  # the version's number after this ingest


def _known(conn: sqlite3.Connection, sha256: str) -> tuple[str, str, int] | None:
    """(payer, policy number, version number) of the version these bytes were read as, if any."""
    row = conn.execute(
        "SELECT p.id, p.payer, p.policy_number, v.id FROM versions v JOIN policies p ON p.id = v.policy_id "
        "WHERE v.sha256 = ?1 UNION ALL "
        "SELECT p.id, p.payer, p.policy_number, v.id FROM same_content_files f "
        "JOIN versions v ON v.id = f.version_id JOIN policies p ON p.id = v.policy_id WHERE f.sha256 = ?1",
        (sha256,),
    ).fetchone()
    if row is None:
        return None
    policy_id, payer, number, version_id = row
    number_of = {v.id: v.number for v in _ordered_versions(conn, policy_id)}
    return payer, number, number_of[version_id]


# What a record says, as opposed to how one file of it was read.
_READING_KEYS = frozenset(
    {"source", "warnings", "diagnostics", "metadata_provenance", "page", "box", "coverage"}
)


def policy_content(record: dict) -> object:
    """A stored record (JSON) without its source, pages, boxes and reading warnings."""
    if isinstance(record, dict):
        return {key: policy_content(value) for key, value in record.items() if key not in _READING_KEYS}
    if isinstance(record, list):
        return [policy_content(value) for value in record]
    return record


def _same_content(conn: sqlite3.Connection, policy_id: int, content: object) -> int | None:
    """The id of a version of the policy whose record says exactly `content`, if any."""
    for (version_id,) in conn.execute(
        "SELECT id FROM versions WHERE policy_id = ? ORDER BY id", (policy_id,)
    ).fetchall():
        if policy_content(json.loads(record_json(conn, version_id))) == content:
            return version_id
    return None


def unchanged(conn: sqlite3.Connection, name: str, sha256: str) -> Ingested | None:
    """The stored version whose file has this hash, reported for `name`; None when the content is new."""
    known = _known(conn, sha256)
    return Ingested(name, "unchanged", *known) if known else None


def store_record(
    conn: sqlite3.Connection,
    name: str,
    sha256: str,
    record: Policy,
    key: tuple[str, str],
    diff_of: DiffOf,
) -> Ingested:
    """Store the record extracted from the file `name` (content hash `sha256`) as a version of the policy
    filed under `key` (payer, number), in one transaction; `diff_of` computes the diffs to the versions
    around it. Raises ExtractError naming the file."""
    key_payer, key_number = key
    try:
        with transaction(conn):
            # Another process may have stored the same bytes while this one was extracting.
            known = _known(conn, sha256)
            if known:
                return Ingested(name, "unchanged", *known)
            conn.execute(
                "INSERT INTO policies (payer, policy_number) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (key_payer, key_number),
            )
            policy_id, stored_versions = conn.execute(
                "SELECT p.id, count(v.id) FROM policies p LEFT JOIN versions v ON v.policy_id = p.id "
                "WHERE p.payer = ? AND p.policy_number = ? GROUP BY p.id",
                (key_payer, key_number),
            ).fetchone()
            stored_record = record.to_json_dict()
            twin = _same_content(conn, policy_id, policy_content(stored_record))
            if twin is not None:
                conn.execute(
                    "INSERT INTO same_content_files (sha256, version_id, source_path, ingested_at) "
                    "VALUES (?, ?, ?, ?)",
                    (sha256, twin, name, _now()),
                )
                return Ingested(name, "unchanged", *_known(conn, sha256))
            stored, base_id = packed_version(_json_bytes(stored_record), _latest_base(conn, policy_id))
            version_id = conn.execute(
                "INSERT INTO versions (policy_id, sha256, source_path, format, title, effective, "
                "last_revised, ingested_at, record, base_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    policy_id,
                    sha256,
                    name,
                    record.source.format,
                    record.title,
                    record.dates.effective,
                    record.dates.last_revised,
                    _now(),
                    stored,
                    base_id,
                ),
            ).lastrowid
            _write_version_rows(conn, version_id, stored_record)
            _relink(conn, policy_id, name, diff_of)
            number_of = {v.id: v.number for v in _ordered_versions(conn, policy_id)}
    except sqlite3.Error as error:
        raise ExtractError(name, f"not stored: database error ({error})") from error
    status: Status = "new_version" if stored_versions else "new"
    return Ingested(name, status, key_payer, key_number, number_of[version_id])


# ------------------------------------------------------------------------------------------- fetching


def fetch_validators(conn: sqlite3.Connection, url: str) -> dict[str, str]:
    """The conditional-request headers for `url` from its last download (none before the first)."""
    row = conn.execute("SELECT etag, last_modified FROM fetch_state WHERE url = ?", (url,)).fetchone()
    if row is None:
        return {}
    etag, last_modified = row
    headers = {"If-None-Match": etag} if etag else {}
    return headers | ({"If-Modified-Since": last_modified} if last_modified else {})


def record_fetch(
    conn: sqlite3.Connection, url: str, sha256: str | None, etag: str | None, last_modified: str | None
) -> None:
    """Remember a check of `url`: with `sha256`, a download (its validators, and its bytes' URL and
    time); without, a 304 (only the time of the check)."""
    now = _now()
    with transaction(conn):
        if sha256 is None:
            conn.execute("UPDATE fetch_state SET checked_at = ? WHERE url = ?", (now, url))
            return
        conn.execute(
            "INSERT OR REPLACE INTO fetch_state (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?)",
            (url, etag, last_modified, now),
        )
        conn.execute(
            "INSERT OR IGNORE INTO fetched_files (sha256, url, fetched_at) VALUES (?, ?, ?)",
            (sha256, url, now),
        )


# ------------------------------------------------------------------------------------------- reading


# How many stored names a "not in the store" message suggests, and how alike (rapidfuzz WRatio, 0-100)
# one must be to be suggested: below it a suggestion is noise.
SUGGESTIONS = 3
SUGGESTION_CUTOFF = 60


def nearest(wanted: str, stored: list[str]) -> list[str]:
    """The stored names most like `wanted` (a mistyped payer or policy number), best first."""
    from rapidfuzz import fuzz, process  # only when a name is not in the store: reads stay light

    found = process.extract(
        wanted,
        stored,
        scorer=fuzz.WRatio,
        processor=str.casefold,
        limit=SUGGESTIONS,
        score_cutoff=SUGGESTION_CUTOFF,
    )
    return [name for name, _, _ in found]


def _not_stored(what: str, wanted: str, stored: list[str]) -> NotStoredError:
    """`what` is not in the store, with the nearest stored names (or what the store holds, if few)."""
    suggestions = nearest(wanted, stored)
    if suggestions:
        return NotStoredError(f"no {what} in the store; nearest stored: {', '.join(suggestions)}")
    if stored:
        return NotStoredError(f"no {what} in the store (run `policydiff list` to see what it holds)")
    return NotStoredError(f"no {what} in the store (it holds no policies yet)")


def _stored_payers(conn: sqlite3.Connection) -> list[str]:
    return [payer for (payer,) in conn.execute("SELECT DISTINCT payer FROM policies ORDER BY payer")]


def check_payer(conn: sqlite3.Connection, payer: str) -> None:
    """Raise NotStoredError, naming the nearest stored payers, when no policy of `payer` is stored."""
    if not conn.execute("SELECT 1 FROM policies WHERE payer = ?", (payer,)).fetchone():
        raise _not_stored(f"payer {payer}", payer, _stored_payers(conn))


def _policy_id(conn: sqlite3.Connection, payer: str, number: str) -> int:
    row = conn.execute(
        "SELECT id FROM policies WHERE payer = ? AND policy_number = ?", (payer, number)
    ).fetchone()
    if row is not None:
        return row[0]
    # Among every stored policy: the number may be right and the payer mistyped, or the reverse.
    keys = [
        f"{stored_payer} {stored_number}"
        for stored_payer, stored_number in conn.execute(
            "SELECT payer, policy_number FROM policies ORDER BY payer, policy_number"
        )
    ]
    raise _not_stored(f"policy {payer} {number}", f"{payer} {number}", keys)


def stored_policies(conn: sqlite3.Connection, payer: str | None = None) -> list[StoredPolicy]:
    """Every stored policy (of `payer`, any case), by payer then number, with its latest version."""
    if payer:
        check_payer(conn, payer)
    rows = conn.execute(
        "SELECT id, payer, policy_number FROM policies"
        + (" WHERE payer = ?" if payer else "")
        + " ORDER BY payer COLLATE NOCASE, policy_number COLLATE NOCASE",
        (payer,) if payer else (),
    ).fetchall()
    listed = []
    for policy_id, key_payer, key_number in rows:
        ordered = _ordered_versions(conn, policy_id)
        if not ordered:
            continue
        latest = ordered[-1]
        listed.append(
            StoredPolicy(
                key_payer,
                key_number,
                latest.title,
                len(ordered),
                latest.date,
                latest.effective,
                latest.last_revised,
            )
        )
    return listed


def versions(conn: sqlite3.Connection, payer: str, number: str) -> list[Version]:
    """Every stored version of a policy, oldest first."""
    return _ordered_versions(conn, _policy_id(conn, payer, number))


def history(conn: sqlite3.Connection, payer: str, number: str) -> list[HistoryEntry]:
    policy_id = _policy_id(conn, payer, number)
    counts = {
        newer_id: (substantive, silent)
        for newer_id, substantive, silent in conn.execute(
            "SELECT d.newer_id, d.substantive, d.silent FROM diffs d JOIN versions v ON v.id = d.newer_id "
            "WHERE v.policy_id = ?",
            (policy_id,),
        )
    }
    return [HistoryEntry(v, *counts.get(v.id, (None, None))) for v in _ordered_versions(conn, policy_id)]


def show(
    conn: sqlite3.Connection, payer: str, number: str, version: int | None = None
) -> tuple[Version, Policy]:
    """One version's record: the latest, or version `version` (1 = oldest)."""
    stored = versions(conn, payer, number)
    if version is None:
        chosen = stored[-1]
    elif 1 <= version <= len(stored):
        chosen = stored[version - 1]
    else:
        raise NotStoredError(f"{payer} {number} has versions 1 to {len(stored)}, not {version}")
    return chosen, _record(conn, chosen.id)


def on_or_after(date: str, since: str) -> bool:
    """Whether an ISO date of any precision (2024, 2024-09, 2024-09-15) is on or after `since`, compared
    at the coarser of the two precisions: a version revised "2024-09" is on or after 2024-09-15, since
    the document does not say which day of September it means."""
    precision = min(len(date), len(since))
    return date[:precision] >= since[:precision]


def change_feed(
    conn: sqlite3.Connection, since: str | None = None, payer: str | None = None
) -> list[FeedEntry]:
    """The substantive changes between consecutive versions, newest version date first.

    `since` keeps diffs whose newer version is dated on or after it (ISO of any precision, compared at
    the coarser of the two: see on_or_after; Version.date);
    `payer` keeps one payer (any case).
    """
    query = (
        "SELECT p.id, p.payer, p.policy_number, d.newer_id, d.older_id, d.diff "
        "FROM diffs d JOIN versions v ON v.id = d.newer_id JOIN policies p ON p.id = v.policy_id"
    )
    if payer:
        check_payer(conn, payer)
    rows = conn.execute(query + (" WHERE p.payer = ?" if payer else ""), (payer,) if payer else ()).fetchall()
    entries = []
    orders: dict[int, dict[int, Version]] = {}
    for policy_id, key_payer, key_number, newer_id, older_id, diff_json in rows:
        if policy_id not in orders:
            orders[policy_id] = {v.id: v for v in _ordered_versions(conn, policy_id)}
        newer, older = orders[policy_id][newer_id], orders[policy_id][older_id]
        if since and not on_or_after(newer.date, since):
            continue
        diff = DiffResult.model_validate_json(unpacked(diff_json))
        entries.append(
            FeedEntry(
                payer=key_payer,
                policy_number=key_number,
                title=newer.title,
                older=older,
                newer=newer,
                diff=diff.model_copy(update={"changes": diff.substantive_changes}),
            )
        )
    entries.sort(key=lambda e: (e.newer.date, e.newer.ingested_at), reverse=True)
    return entries
