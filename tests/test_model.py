"""The model's generated schema is committed, and every emitted record honours the contract."""

from __future__ import annotations

import json

import jsonschema
import pytest
from policydiff.extract.cues import coverage_of
from policydiff.model import Code, Criterion, Diagnostic, Quantity, Span, iter_criteria
from policydiff.model.schema import SCHEMA_PATH, schema_text
from pydantic import ValidationError

from corpus import ALL_DOCUMENTS, SHARED, SPEC, doc_id, extracted


def test_committed_schema_matches_models():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "model/policy.schema.json drifted from the models: run `python -m policydiff.model.schema --write`"
    )


def test_contract_copy_is_current():
    shared = SHARED / "spec"
    if not shared.is_dir():
        pytest.skip("../shared/spec is not beside this checkout")
    for path in sorted(shared.glob("*.json")):
        assert (SPEC / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name


def contract(name: str) -> dict:
    return json.loads((SPEC / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_record_validates_against_contract(path):
    record = extracted(path).to_json_dict()
    jsonschema.validate(record, contract("policy.schema.json"), cls=jsonschema.Draft202012Validator)


def test_contract_rejects_a_broken_record():
    record = extracted(ALL_DOCUMENTS[0]).to_json_dict()
    record["dates"]["effective"] = "15 May 2025"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(record, contract("policy.schema.json"), cls=jsonschema.Draft202012Validator)


def test_a_code_row_says_which_codes_it_covers():
    single = Code(system="CPT", code="38243")
    span = Code(system="ICD-10-CM", code="E6600", code_end="E6609")
    assert single.covers("38243") and not single.covers("38242")
    assert span.covers("E6600") and span.covers("E6605") and span.covers("E6609")
    assert not span.covers("E6610") and not span.covers("E661") and not span.covers("E66001")


def test_a_diagnostic_takes_its_stage_from_its_code():
    # Issue 19: eighteen call sites named the stage twice (code="revisions.x", stage="revisions").
    diagnostic = Diagnostic(code="revisions.row_without_date", page=2, message="row skipped")
    assert diagnostic.stage == "revisions"
    assert Diagnostic.model_validate_json(diagnostic.model_dump_json()) == diagnostic
    with pytest.raises(ValidationError, match="not of stage"):
        Diagnostic(code="revisions.row_without_date", stage="codes", message="row skipped")


def test_a_quantity_says_where_it_stands_in_its_criterion_and_a_wrong_place_is_refused():
    bmi = Quantity(text="40 or greater", quantity="BMI", comparator=">=", value=40, start=11, end=24)
    criterion = Criterion(id="1", text="A BMI of a 40 or greater", kind="indication", quantities=[bmi])
    assert criterion.text[bmi.start : bmi.end] == "40 or greater"
    with pytest.raises(ValidationError, match="not at 10:23"):
        Criterion(
            id="1",
            text="A BMI of a 40 or greater",
            kind="indication",
            quantities=[bmi.model_copy(update={"start": 10, "end": 23})],
        )


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_every_quantity_and_coverage_position_of_the_corpus_has_its_place(path):
    nodes = list(iter_criteria(extracted(path).criteria))
    assert all(quantity.start is not None for node in nodes for quantity in node.quantities)
    # A position is read from the item's own words, so each one stated has them.
    assert all((node.coverage is None) == (node.coverage_words is None) for node in nodes)
    for node in nodes:
        if node.coverage_words:
            assert coverage_of(node.text) == (
                node.coverage,
                node.coverage_words.start,
                node.coverage_words.end,
            )


def test_coverage_words_outside_the_text_are_refused():
    with pytest.raises(ValidationError, match="coverage words 5:40 not in the criterion's text"):
        Criterion(id="1", text="DLI is covered", kind="indication", coverage_words=Span(start=5, end=40))
