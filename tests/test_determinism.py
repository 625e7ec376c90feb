"""Same input, same output, whatever Python's string hashing: records, diffs and comparisons are
produced in separate processes under different PYTHONHASHSEED values and must be byte-identical.

Set iteration order follows the hash seed, so an ordering that leaks from a set into a record shows
up here and nowhere else (one process always uses one seed).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from corpus import CORPUS, SEED_PDFS, SEED_TEXTS

L33822 = CORPUS / "real" / "medicare-cms" / "l33822-versions"
BARIATRIC_NCD = next((CORPUS / "real" / "medicare-cms").glob("NCD*100.1*.html"))

COMMANDS = {
    "extract": ["extract", *map(str, SEED_TEXTS + SEED_PDFS), "--workers", "1"],
    "diff": ["diff", str(L33822 / "L33822_2020.txt"), str(L33822 / "L33822_2021.txt")],
    "compare": ["compare", str(BARIATRIC_NCD), *map(str, SEED_TEXTS)],
}


def output_under(seed: str, command: list[str]) -> bytes:
    environment = os.environ | {"PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "policydiff", *command], env=environment, capture_output=True, check=True
    )
    return done.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_output_does_not_depend_on_the_hash_seed(name):
    first, *others = (output_under(seed, COMMANDS[name]) for seed in ("0", "1", "4242"))
    assert first, "the command printed nothing"
    for other in others:
        assert other == first
