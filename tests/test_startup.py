"""Start-up: `--help` and the store's reading commands import neither spaCy nor rapidfuzz (nor Jinja2 where
they print no template), which the pipeline, the diff and the renderers need. Each runs in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from corpus import SEED_TEXTS

HEAVY = ("spacy", "rapidfuzz", "jinja2")


def heavy_imports(*argv: str) -> list[str]:
    """The heavy modules a fresh process has imported after running `policydiff ARGV`."""
    script = (
        "import sys, contextlib, io\n"
        "from policydiff.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main({list(argv)!r})\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.replace("'", '"'))


def test_help_imports_no_pipeline_library():
    assert heavy_imports("--help") == []
    assert heavy_imports("ingest", "--help") == []


@pytest.fixture(scope="module")
def store_with_one_policy(tmp_path_factory):
    from policydiff.cli import main

    db = tmp_path_factory.mktemp("store") / "store.sqlite"
    assert main(["ingest", str(SEED_TEXTS[0]), "--db", str(db), "--workers", "1"]) == 0
    return db


def test_reading_the_store_imports_neither_spacy_nor_rapidfuzz(store_with_one_policy):
    db = str(store_with_one_policy)
    assert heavy_imports("show", "Centene", "CP.MP.101", "--db", db) == []
    assert heavy_imports("history", "Centene", "CP.MP.101", "--db", db) == ["jinja2"]  # its text template
    # An unknown policy: the nearest stored names are suggested, by rapidfuzz.
    assert heavy_imports("history", "Nobody", "0", "--db", db) == ["rapidfuzz"]
    assert heavy_imports("changes", "--format", "json", "--db", db) == []
