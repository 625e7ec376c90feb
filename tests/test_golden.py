"""Golden records of the corpus, one file per document and field, reviewed by eye against the source.

Regenerate only on purpose: `pytest tests/test_golden.py --update-golden`, then read the git diff.
A missing golden file fails (a document added to the corpus gets its goldens by --update-golden, reviewed).
"""

from __future__ import annotations

import json

import pytest

from corpus import ALL_DOCUMENTS, FIELDS, GOLDEN, doc_id, extracted, project


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_golden(path, field, update_golden):
    actual = project(extracted(path).to_json_dict(), field)
    golden_file = GOLDEN / doc_id(path) / f"{field}.json"
    if update_golden:
        golden_file.parent.mkdir(parents=True, exist_ok=True)
        golden_file.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert golden_file.exists(), (
        f"no golden file {golden_file.relative_to(GOLDEN.parent)}: write it with --update-golden and review it"
    )
    expected = json.loads(golden_file.read_text(encoding="utf-8"))
    assert actual == expected
