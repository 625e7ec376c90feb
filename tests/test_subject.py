"""Criterion.subject: what a coverage statement is stated of, against what a reader wrote down from the
documents (tests/expected/<doc-id>/subjects.json: the two seeds, three payers the parser was not developed
on, two CMS LCDs and a payment policy), and the comparison's preamble cut at it."""

from __future__ import annotations

import json

import pytest
from policydiff.diff.concepts import split_preamble, subject_list
from policydiff.diff.normalize import Normalizer
from policydiff.extract.cues import coverage_of, subject_of
from policydiff.model import Criterion, Span
from pydantic import ValidationError
from scoring import stated_subjects
from test_criteria_expected import EXPECTED

from corpus import ALL_DOCUMENTS, UNSEEN_DOCUMENTS, doc_id, extracted

WRITTEN = {
    doc_id(path): path
    for path in ALL_DOCUMENTS + UNSEEN_DOCUMENTS
    if (EXPECTED / doc_id(path) / "subjects.json").exists()
}


def test_each_written_down_subject_has_its_document():
    assert len(WRITTEN) == 8


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_subjects_are_what_the_document_states_its_positions_of(name):
    expected = json.loads((EXPECTED / name / "subjects.json").read_text(encoding="utf-8"))["subjects"]
    criteria = extracted(WRITTEN[name]).to_json_dict()["criteria"]
    for statement, subject in expected.items():
        found = stated_subjects(statement, criteria)
        # A statement a document prints twice is of the same subject in both places.
        assert found and set(found) == {subject}, (statement, found)


def stated_of(text: str, subject: str) -> Criterion:
    """A coverage statement with the record's spans: its coverage words as the criteria parser reads
    them, and `subject` where it stands in the text."""
    stated = coverage_of(text)
    return Criterion(
        id="1",
        text=text,
        kind="statement",
        coverage=stated.coverage,
        coverage_words=Span(start=stated.start, end=stated.end),
        subject=Span(start=text.index(subject), end=text.index(subject) + len(subject)),
    )


def test_the_preamble_is_cut_after_the_records_coverage_words_when_they_have_a_subject():
    # diff/rules/compare.toml holds no coverage wording: the comparison cuts where the record says.
    text = "DLI is considered medically necessary for relapse after allogeneic HSCT"
    covered = stated_of(text, "DLI")
    terms = Normalizer(abbreviations={}, dropped=frozenset())
    assert split_preamble(covered, terms) == (
        "DLI is considered medically necessary",
        "for relapse after allogeneic HSCT",
    )
    assert split_preamble(covered.model_copy(update={"subject": None}), terms) == ("", text)
    # A subject after the coverage words (the object of "does not support") is in the rest, not cut at.
    text = "Evidence does not support DLI for relapse after allogeneic HSCT"
    excluded = stated_of(text, "DLI")
    # (The service's name dropped, as the comparison drops it: two terms are left before its end.)
    service_dropped = Normalizer(abbreviations={}, dropped=frozenset({"dli"}))
    assert split_preamble(excluded, service_dropped) == ("", text)
    assert subject_list(excluded) == ([], text)


def test_a_subject_stands_in_the_text_beside_the_coverage_words_not_in_them():
    with pytest.raises(ValidationError, match="subject 0:40 not in the criterion's text"):
        Criterion(id="1", text="DLI is covered", kind="indication", subject=Span(start=0, end=40))
    text = "Evidence does not support DLI"
    stated = Span(start=0, end=25)
    with pytest.raises(ValidationError, match="a subject must stand beside the criterion's coverage words"):
        Criterion(id="1", text=text, kind="exclusion", coverage_words=stated, subject=Span(start=20, end=29))
    with pytest.raises(ValidationError, match="a subject must stand beside the criterion's coverage words"):
        Criterion(id="1", text=text, kind="exclusion", subject=Span(start=26, end=29))  # no coverage words
    after = Criterion(
        id="1", text=text, kind="exclusion", coverage_words=stated, subject=Span(start=26, end=29)
    )
    assert text[after.subject.start : after.subject.end] == "DLI"


# No corpus document states a list after a condition (every record is byte-identical with and without
# the rule): these sentences are written to the shape, each beside the shape the rule must leave alone.
@pytest.mark.parametrize(
    ("text", "subject"),
    [
        # The condition lead ran to its last comma and left "and tumor profiling".
        (
            "When requested by a specialist, genetic counseling, panel testing, and tumor profiling are "
            "considered medically necessary for patients with cancer.",
            "genetic counseling, panel testing, and tumor profiling",
        ),
        # A condition that lists things of its own, and items with commas in brackets.
        (
            "When A, B, or C is ordered, X, Y (a, b), and Z are considered medically necessary.",
            "X, Y (a, b), and Z",
        ),
        # A condition that lists things, over a subject that does not.
        (
            "If the patient has diabetes, hypertension, or apnea, bariatric surgery is considered medically "
            "necessary.",
            "bariatric surgery",
        ),
    ],
)
def test_a_list_subject_after_a_condition_keeps_every_item(text, subject):
    stated = coverage_of(text)
    start, end = subject_of(text, stated)
    assert text[start:end] == subject


def test_a_list_subject_is_split_only_where_nothing_stated_before_it_leaves_the_comparison():
    rest = "for patients with a BMI of 40 or greater"
    # A date the sentence opens with is a lead, not a statement: the items and the rest are compared.
    text = (
        f"Effective for services on and after February 21, 2006, RYGBP, BPD/DS, and LAGB are covered {rest}"
    )
    assert subject_list(stated_of(text, "RYGBP, BPD/DS, and LAGB")) == (["RYGBP", "BPD/DS", "LAGB"], rest)
    # A condition, or a sentence before the subject's, would be dropped with the leads: the statement
    # stays whole.
    for before in ("When requested by a surgeon, ", "Bariatric surgery for obesity. "):
        text = f"{before}RYGBP, BPD/DS, and LAGB are covered {rest}"
        assert subject_list(stated_of(text, "RYGBP, BPD/DS, and LAGB")) == ([], text)
