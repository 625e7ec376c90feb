"""Six payers' liquid-biopsy / ctDNA policies side by side (tests/expected/compare-ctdna/expected.json).

The expectation was written from the saved policy texts: rows the payers share, statements one payer
alone makes, statements that must not share a row, and no contradiction at all (a false contradiction
costs an analyst more than a missed one). Statements are found by their words, not by ids or keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policydiff.diff.compare import compare_policies
from policydiff.model import Comparison

from corpus import CORPUS, extracted

EXPECTED = json.loads(
    (Path(__file__).parent / "expected" / "compare-ctdna" / "expected.json").read_text(encoding="utf-8")
)
DOCUMENTS = [CORPUS / "tracker" / name for name in EXPECTED["documents"]]


@pytest.fixture(scope="module")
def six() -> Comparison:
    return compare_policies([extracted(path) for path in DOCUMENTS])


def rows_stating(comparison: Comparison, document: int, words: str) -> list[str]:
    """Ids of the rows in which document `document` states a criterion holding `words`."""
    key = comparison.policies[document].key
    return [
        concept.id
        for concept in comparison.concepts
        if any(words.lower() in member.text.lower() for member in concept.texts.get(key, []))
    ]


def share_a_row(comparison: Comparison, statements: list) -> bool:
    found = [set(rows_stating(comparison, document, words)) for document, words in statements]
    assert all(found), statements
    return bool(set.intersection(*found))


def test_six_payers_each_with_a_column_of_its_own(six):
    assert len({policy.key for policy in six.policies}) == 6
    assert len({policy.name for policy in six.policies}) == 6
    assert not any(policy.name.endswith("-2") for policy in six.policies)


def test_no_contradiction(six):
    # BCBS Michigan covers ctDNA for advanced solid malignancies and excludes "all other indications related
    # to solid tumors": Anthem's "Advanced Non-Small Cell Lung Cancer" may be one of the listed ones, so
    # the catch-all is no ground for a contradiction (it was one, a strict xfail, until the guard).
    assert [c.explanation for c in six.contradictions] == [] and EXPECTED["contradictions"] == 0


def _with_known_regressions(cases: list[dict]) -> list:
    """Cases as test parameters; one a later change broke is a strict xfail naming it, until it is fixed."""
    return [
        pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=case["known_regression"]))
        if "known_regression" in case
        else case
        for case in cases
    ]


@pytest.mark.parametrize(
    "case", _with_known_regressions(EXPECTED["shared"]), ids=lambda case: case["why"][:40]
)
def test_statements_of_one_concept_share_a_row(six, case):
    assert share_a_row(six, case["statements"])


@pytest.mark.parametrize("case", EXPECTED["one_sided"], ids=lambda case: case["why"][:40])
def test_statements_one_payer_makes_stand_alone(six, case):
    document, words = case["statement"]
    key = six.policies[document].key
    rows = [c for c in six.concepts if c.id in rows_stating(six, document, words)]
    assert rows and all(row.stated_by == [key] for row in rows)


@pytest.mark.parametrize("case", EXPECTED["no_row"], ids=lambda case: case["why"][:40])
def test_statements_that_are_no_criterion_stand_in_no_row(six, case):
    document, words = case["statement"]
    assert rows_stating(six, document, words) == []


@pytest.mark.parametrize("case", EXPECTED["apart"], ids=lambda case: case["why"][:40])
def test_statements_of_different_things_stay_apart(six, case):
    assert not share_a_row(six, case["statements"])


def test_no_statement_stands_in_two_rows(six):
    from test_compare_three_payers import repeated_statements

    assert repeated_statements(six) == []


def test_a_statement_is_cut_where_the_record_says_its_coverage_words_stand(six):
    # The comparison reads no coverage wording of its own: the predicate is the criterion's coverage_words
    # (read by the criteria parser) with their copula. eviCore's "These tests are considered Experimental,
    # Investigational, or Unproven." was cut after "Experimental" by the comparison's own phrase list, and
    # the row stood for "Investigational, or Unproven."; the parser's words run through the whole list, so
    # nothing is left after them and the statement is the row's whole.
    statement = "These tests are considered Experimental, Investigational, or Unproven."
    facets = [
        member.facet for concept in six.concepts for texts in concept.texts.values() for member in texts
    ]
    assert statement in facets
    assert "Investigational, or Unproven." not in facets
