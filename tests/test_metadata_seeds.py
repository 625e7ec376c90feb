"""Issue 2's promise: payer, policy number, title and dates of both seeds, as text and as PDF, equal the gold."""

from __future__ import annotations

import json

import pytest

from corpus import GOLD, SEED_PDFS, SEED_TEXTS, doc_id, extracted

SEEDS = SEED_TEXTS + SEED_PDFS


def gold_for(path) -> dict:
    return json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SEEDS, ids=doc_id)
@pytest.mark.parametrize("field", ["payer", "policy_number", "title", "dates"])
def test_seed_metadata_equals_gold(path, field):
    record = extracted(path).to_json_dict()
    expected = gold_for(path)[field]
    if field == "dates":
        record[field] = {key: record[field].get(key) for key in expected}
    assert record[field] == expected
