"""What an analyst asks the store: the change feed since a date of any precision, what the store holds
(`list`), the nearest stored names for a wrong one, and the store's rows queried with plain SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_store
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
