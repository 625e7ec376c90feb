"""Criteria trees against hand-labelled expected trees (tests/expected/<doc-id>/criteria.json).

The expected trees were written by hand from the PDF text, not copied from the parser: they are the
yardstick. Floors are what the parser reaches now, so a regression fails; raise them as it improves.
Where an expected tree covers only part of a document (its SCOPE.md says which), the extracted
forest is cut to the top-level nodes from the one matching the first expected node to the one
matching the last.
"""

from __future__ import annotations

import json

import pytest
from rapidfuzz import fuzz
from scoring import MATCH_THRESHOLD, score_criteria

from corpus import CORPUS, doc_id, extracted

EXPECTED = CORPUS.parent / "tests" / "expected"
METRICS = ("recall", "precision", "kind", "coverage", "logic", "parent", "service")

# document -> floors of the scores of score.score_criteria (0..1)
FLOORS = {
    "uhc/sleep-studies.pdf": dict(
        recall=0.93, precision=0.93, kind=0.95, coverage=0.97, logic=0.97, parent=1.0, service=0.88
    ),
    "anthem/CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf": dict(
        recall=1.0, precision=1.0, kind=0.92, coverage=1.0, logic=1.0, parent=0.98, service=0.94
    ),
    "medicare-cms/LCD - Glucose Monitors (L33822).pdf": dict(
        recall=1.0, precision=1.0, kind=0.89, coverage=0.97, logic=1.0, parent=1.0, service=0.81
    ),
    "uhc/surgery-knee.pdf": dict(
        recall=1.0, precision=1.0, kind=1.0, coverage=1.0, logic=1.0, parent=1.0, service=1.0
    ),
}


def _same_text(a: str, b: str) -> bool:
    return fuzz.ratio(a.lower(), b.lower()) >= MATCH_THRESHOLD


def in_scope(expected: list[dict], actual: list[dict]) -> list[dict]:
    """The extracted top-level nodes from the one matching the first expected node to the last's."""
    starts = [i for i, node in enumerate(actual) if _same_text(node["text"], expected[0]["text"])]
    ends = [i for i, node in enumerate(actual) if _same_text(node["text"], expected[-1]["text"])]
    first = starts[0] if starts else 0
    last = ends[-1] if ends and ends[-1] >= first else len(actual) - 1
    return actual[first : last + 1]


def scores_of(name: str) -> dict[str, float]:
    path = CORPUS / "real" / name
    expected = json.loads((EXPECTED / doc_id(path) / "criteria.json").read_text(encoding="utf-8"))
    actual = extracted(path).to_json_dict()["criteria"]
    if (EXPECTED / doc_id(path) / "SCOPE.md").exists():
        actual = in_scope(expected, actual)
    return score_criteria(expected, actual)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_criteria_reach_expected_floors(name):
    scores = scores_of(name)
    below = {metric: round(scores[metric], 3) for metric in METRICS if scores[metric] < FLOORS[name][metric]}
    assert not below, f"{name}: below the floor: {below} (all scores: {scores})"
