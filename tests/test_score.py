"""The scorer behind the figures in issue notes must see a missing, extra or misread item."""

from __future__ import annotations

from scoring import score_items, score_metadata

CODES = [
    {
        "system": "CPT",
        "code": "38242",
        "code_end": None,
        "description": "Allogeneic lymphocyte infusions",
        "status": "covered",
    },
    {"system": "CPT", "code": "38243", "code_end": None, "description": "HPC boost", "status": "covered"},
]


def test_a_missing_code_lowers_recall_and_a_misread_status_lowers_accuracy():
    actual = [dict(CODES[0], status="related")]
    scores = score_items("codes", CODES, actual)
    assert scores["recall"] == 0.5
    assert scores["precision"] == 1.0
    assert scores["status"] == 0.0


def test_revision_rows_match_by_summary_text_despite_reflow():
    expected = [{"date": "2023-02", "summary": "Added contraindication criteria I.C.1. through 4."}]
    actual = [{"date": "2023-03", "summary": "Added  contraindication criteria I.C.1.  through 4"}]
    scores = score_items("revisions", expected, actual)
    assert (scores["recall"], scores["date"]) == (1.0, 0.0)


def test_metadata_fields_score_one_by_one():
    scores = score_metadata(
        {"payer": "Cigna", "dates": {"effective": "2025-05-15"}}, {"payer": "Cigna", "dates": {}}
    )
    assert scores == {"payer": 1.0, "dates.effective": 0.0}
