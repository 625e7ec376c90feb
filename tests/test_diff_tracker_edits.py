"""Revision pairs made from tracker documents of different payers by editing copies as a payer would
(tests/data/tracker-edits.toml): every edit is found, with the right direction, and nothing else is
substantive; byte-identical tracker pairs have no change at all."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from policydiff import diff_files
from policydiff.diff.words import key

from corpus import CORPUS

ROOT = CORPUS.parent
PAIRS = tomllib.loads((Path(__file__).parent / "data" / "tracker-edits.toml").read_text(encoding="utf-8"))[
    "pair"
]


def edited(source: Path, edits: list[dict]) -> str:
    text = source.read_text(encoding="utf-8")
    for edit in edits:
        assert text.count(edit["find"]) == 1, edit["find"]
        text = text.replace(edit["find"], edit["replace"])
    return text


def shown(change) -> str:
    """Every word a change shows: its changed runs, or the whole item added or removed."""
    parts = [op.left + " " + op.right for op in change.edits]
    if change.change in ("added", "removed") or not change.words:
        for item in (change.left, change.right):
            if item is not None:
                parts.append(item if isinstance(item, str) else item.model_dump_json())
    return f" {key(' '.join(parts))} "


@pytest.fixture(scope="module", params=PAIRS, ids=[pair["name"] for pair in PAIRS])
def pair(request, tmp_path_factory):
    source = ROOT / request.param["source"]
    copy = tmp_path_factory.mktemp(request.param["name"]) / source.name
    copy.write_text(edited(source, request.param["edit"]), encoding="utf-8")
    return request.param, diff_files(source, copy)


def test_every_edit_is_found_with_its_direction(pair):
    spec, result = pair
    for edit in spec["edit"]:
        listed = result.bookkeeping_changes if edit["direction"] == "bookkeeping" else result.coverage_changes
        found = [change for change in listed if f" {key(edit['shows'])} " in shown(change)]
        assert found, (edit["kind"], [c.summary for c in result.substantive_changes])
        if edit["direction"] != "bookkeeping":
            # The change that carries the edit says its direction; others it brought along (a services
            # list that names the new item) may have no bearing on coverage, never the other way.
            directions = {c.direction for c in found}
            assert edit["direction"] in directions and directions <= {edit["direction"], "neutral"}, (
                edit["kind"],
                [(c.summary, c.direction, c.direction_reasons) for c in found],
            )


def test_nothing_else_is_substantive(pair):
    spec, result = pair
    edits = [key(edit["shows"]) for edit in spec["edit"] if edit["direction"] != "bookkeeping"]
    unexplained = [
        (change.summary, change.redline)
        for change in result.coverage_changes
        if not any(f" {words} " in shown(change) for words in edits)
    ]
    assert unexplained == []
