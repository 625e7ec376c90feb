"""Revision pairs made from tracker documents of different payers by editing copies as a payer would
(tests/data/tracker-edits.toml): every edit is found, with the right direction, and nothing else is
substantive; byte-identical tracker pairs have no change at all."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from policydiff import diff_files
from policydiff.diff.words import key
from policydiff.extract.errors import ExtractError

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
                if isinstance(item, str):
                    parts.append(item)
                elif hasattr(item, "model_dump_json"):
                    parts.append(item.model_dump_json())
                else:  # a metadata value: a list of services, related policies ...
                    parts.append(json.dumps(item, default=str))
    return f" {key(' '.join(parts))} "


@pytest.fixture(scope="module", params=PAIRS, ids=[pair["name"] for pair in PAIRS])
def pair(request, tmp_path_factory):
    source = ROOT / request.param["source"]
    copy = tmp_path_factory.mktemp(request.param["name"]) / source.name
    copy.write_text(edited(source, request.param["edit"]), encoding="utf-8")
    # The edited copy keeps the original's provenance (the tracker's sidecar names where it was published).
    sidecar = source.with_suffix(".meta.json")
    if sidecar.exists():
        copy.with_suffix(".meta.json").write_bytes(sidecar.read_bytes())
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


# ------------------------------------------------------------- the tracker's own pairs: no change at all


def tracker_pairs() -> list[tuple[Path, Path]]:
    """Each policy the tracker saved on both dates: (first saved, last saved)."""
    saved: dict[str, list[Path]] = {}
    for path in sorted((CORPUS / "tracker").rglob("*")):
        if path.suffix in (".pdf", ".html"):
            slug = path.stem.rsplit("_", 2)[0]
            saved.setdefault(slug, []).append(path)
    return [(paths[0], paths[-1]) for paths in saved.values() if len(paths) > 1]


# A flattened page (saved without line breaks, extract/reflow.py) keeps the site's navigation inline: BCBS
# North Carolina's login menu changed a link's words ("Blue Connect" -> "the member portal") and its footer
# menu lost a link ("COVID-19"). The menus are told apart as navigation (its skip link up to the page's
# title printed again; a run of link labels in the footer): no change (a strict xfail until then).
PAIRS_SAVED = [
    pytest.param(older, newer, id=older.stem.rsplit("_", 2)[0]) for older, newer in tracker_pairs()
]


@pytest.mark.parametrize(("older", "newer"), PAIRS_SAVED)
def test_a_tracker_pair_whose_policy_did_not_change_has_no_change(older, newer):
    """Byte-identical pairs, and the pairs whose web page around the policy changed (BCBS Tennessee,
    BCBS North Carolina, Wellmark): no change at all, or both refused alike as no policy."""
    try:
        result = diff_files(older, newer)
    except ExtractError as error:
        assert older.read_bytes() == newer.read_bytes() or type(error).__name__ == "NotAPolicyError", error
        with pytest.raises(type(error)):
            diff_files(newer, newer)
        return
    assert [change.summary for change in result.changes if change.significance == "substantive"] == []
