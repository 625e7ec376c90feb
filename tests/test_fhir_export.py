"""FHIR R4 export: every corpus policy validates, the seeds' logic evaluates as the policy text says,
the ValueSets hold exactly the record's codes by status, and the Questionnaire round-trips to the criteria.

The QuestionnaireResponses below were written by hand from the seed texts (corpus/seeds/*.txt), not
from the export: each states a patient's answers and what the policy says about that patient.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from fhirpathpy import evaluate
from fhirpathpy.models import models
from policydiff import export_fhir
from policydiff.extract.errors import ExtractError
from policydiff.fhir_export import (
    CALCULATED_EXPRESSION,
    CODE_SYSTEM_URLS,
    KIND_SYSTEM,
    LOGIC_EXTENSION,
    MET_SUFFIX,
    icd10cm_range,
    value_set_key,
)
from policydiff.model import Code, Criterion, Policy, Source

from corpus import ALL_DOCUMENTS, SEED_PDFS, SEED_TEXTS, UNSEEN_DOCUMENTS, doc_id, extracted


def boolean(link_id: str, value: bool) -> dict:
    return {"linkId": link_id, "answer": [{"valueBoolean": value}]}


# seed stem -> [(what the patient is, answers, {group id: met?})]
SEED_CASES = {
    "centene-cp-mp-101-dli": [
        (
            "after allogeneic HSCT, to decrease the risk of relapse, no contraindication",
            [boolean("I.A", True), boolean("I.C.1", False), boolean("I.C.4", False)],
            {"I": True, "I.C": True, "II": False},
        ),
        (
            "no listed indication, and poorly controlled virulent infections (an absolute contraindication)",
            [boolean("I.A", False), boolean("I.B", False), boolean("I.C.1", True)],
            {"I": False, "I.C": False, "II": False},
        ),
        (
            "grade 3 acute GvHD: above grade 2, so current evidence does not support DLI",
            [{"linkId": "II.C", "answer": [{"valueDecimal": 3}]}],
            {"II": True},
        ),
        (
            "grade 2 acute GvHD and no other listed situation: not 'higher than grade 2'",
            [{"linkId": "II.C", "answer": [{"valueDecimal": 2}]}, boolean("II.D", False)],
            {"II": False},
        ),
    ],
    "cigna-0261-dli-hpc-boost": [
        (
            "HPC boost where studies reveal 95% donor cells (< 100%)",
            [
                boolean("2.1", False),
                {"linkId": "2.2", "answer": [{"valueQuantity": {"value": 95, "unit": "%"}}]},
            ],
            {"2": True},
        ),
        (
            "HPC boost to promote engraftment",
            [boolean("2.1", True)],
            {"2": True},
        ),
        (
            "HPC boost with 100% donor cells and no engraftment problem: neither indication",
            [
                boolean("2.1", False),
                {"linkId": "2.2", "answer": [{"valueQuantity": {"value": 100, "unit": "%"}}]},
            ],
            {"2": False},
        ),
    ],
}


def resources(bundle: dict, kind: str) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def calculated(items: list[dict]) -> dict[str, str]:
    """group linkId -> the FHIRPath that says whether its criteria are met."""
    found = {}
    for item in items:
        for child in item.get("item", []):
            if child["linkId"] == item["linkId"] + MET_SUFFIX:
                (expression,) = (e for e in child["extension"] if e["url"] == CALCULATED_EXPRESSION)
                found[item["linkId"]] = expression["valueExpression"]["expression"]
        found |= calculated(item.get("item", []))
    return found


@pytest.mark.parametrize("path", SEED_TEXTS + SEED_PDFS, ids=doc_id)
def test_hand_written_responses_meet_or_fail_each_statement_as_the_policy_says(path):
    (questionnaire,) = resources(export_fhir(extracted(path)), "Questionnaire")
    expressions = calculated(questionnaire["item"])
    for patient, answers, expected in SEED_CASES[path.stem]:
        response = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": answers}
        met = {
            group: evaluate(response, expressions[group], {"resource": response}, models["r4"])
            for group in expected
        }
        assert met == {group: [value] for group, value in expected.items()}, patient


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_every_corpus_policy_exports_as_one_valid_questionnaire_package(path):
    bundle = export_fhir(extracted(path))  # validated by fhir.resources inside
    kinds = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    assert kinds["Questionnaire"] == 1 and kinds["QuestionnaireResponse"] == 1 and kinds["Library"] == 1
    assert bundle["type"] == "collection"
    (response,) = resources(bundle, "QuestionnaireResponse")
    assert response["status"] == "in-progress"


@pytest.mark.parametrize("path", UNSEEN_DOCUMENTS, ids=doc_id)
def test_every_unseen_payers_policy_read_exports_and_round_trips(path):
    """The payers the parsers were not tuned on give the odd shapes (notes over lists, deep trees, codes
    without a known system): whatever is read as a policy exports as a valid package of its criteria."""
    try:
        policy = extracted(path)
    except ExtractError:
        pytest.skip("refused (tests/test_unseen_frame.py says which, and why)")
    bundle = export_fhir(policy)  # validated by fhir.resources inside
    (questionnaire,) = resources(bundle, "Questionnaire")
    assert _item_outline(questionnaire.get("item", [])) == _criteria_outline(policy.criteria)


def _criteria_outline(criteria: list[Criterion], parent: str | None = None) -> list[tuple]:
    rows = []
    for criterion in criteria:
        decisive = [child for child in criterion.children if child.kind != "note"]
        # A note decides nothing: its items are shown under it, with no logic of their own.
        logic = (criterion.logic or "all") if decisive and criterion.kind != "note" else None
        rows.append((criterion.id, criterion.kind, logic, parent))
        rows.extend(_criteria_outline(criterion.children, criterion.id))
    return rows


def _item_outline(items: list[dict], parent: str | None = None) -> list[tuple]:
    rows = []
    for item in items:
        if item["linkId"].endswith(MET_SUFFIX):
            continue
        kinds = [coding["code"] for coding in item.get("code", []) if coding["system"] == KIND_SYSTEM]
        logic = [e["valueCode"] for e in item.get("extension", []) if e["url"] == LOGIC_EXTENSION]
        kind = kinds[0] if kinds else "note"  # a display item carries no code
        rows.append((item["linkId"], kind, logic[0] if logic else None, parent))
        rows.extend(_item_outline(item.get("item", []), item["linkId"]))
    return rows


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_questionnaire_items_round_trip_to_criteria_ids_kinds_logic_and_parents(path):
    policy = extracted(path)
    (questionnaire,) = resources(export_fhir(policy), "Questionnaire")
    assert _item_outline(questionnaire.get("item", [])) == _criteria_outline(policy.criteria)


def _value_set_codes(bundle: dict, names_key: str) -> Counter:
    """(ValueSet key, system, code or start..end) for every code the bundle's ValueSets hold."""
    held = Counter()
    for value_set in resources(bundle, "ValueSet"):
        key = value_set["url"].removeprefix(names_key)
        for include in value_set["compose"]["include"]:
            held.update((key, include["system"], c["code"]) for c in include.get("concept", []))
            for extension in include.get("modifierExtension", []):
                bounds = {e["url"]: e["valueCode"] for e in extension["extension"]}
                held[(key, include["system"], f"{bounds['start']}..{bounds['end']}")] += 1
    return held


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_value_sets_hold_exactly_the_records_codes_by_status(path):
    policy = extracted(path)
    bundle = export_fhir(policy)
    (questionnaire,) = resources(bundle, "Questionnaire")
    prefix = questionnaire["url"] + ":valueset:"
    expected = set()
    for code in policy.codes:
        key, system = value_set_key(code.system, code.status), CODE_SYSTEM_URLS[code.system]
        if code.code_end is None:
            expected.add((key, system, code.code))
        elif code.system == "ICD-10-CM":
            expected.update((key, system, c) for c in icd10cm_range(code.code, code.code_end))
        else:
            expected.add((key, system, f"{code.code}..{code.code_end}"))
    held = _value_set_codes(bundle, prefix)
    assert set(held) == expected
    assert max(held.values(), default=1) == 1  # each code once in its ValueSet


def test_icd10cm_ranges_are_enumerated_from_the_cdc_release():
    # CG-SURG-83 lists Z68.35-Z68.39 (BMI 35.0-39.9, adult) as covered: five codes, written out here.
    assert icd10cm_range("Z68.35", "Z68.39") == ["Z68.35", "Z68.36", "Z68.37", "Z68.38", "Z68.39"]
    # A range's end includes its own subcodes: E66.0 covers E66.01 and E66.09.
    assert icd10cm_range("E66.01", "E66.1")[:3] == ["E66.01", "E66.09", "E66.1"]


def test_a_range_without_an_offline_code_list_stays_a_range_no_engine_can_misread():
    policy = Policy(
        source=Source(path="x.txt", sha256="0" * 64, format="text"),
        codes=[Code(system="CPT", code="81162", code_end="81167", status="covered")],
    )
    (value_set,) = resources(export_fhir(policy), "ValueSet")
    (include,) = value_set["compose"]["include"]
    # A modifier extension: an engine that does not know it must not read the include as all of CPT.
    (range_,) = include["modifierExtension"]
    assert {e["url"]: e["valueCode"] for e in range_["extension"]} == {"start": "81162", "end": "81167"}
    assert "concept" not in include


def test_the_export_command_writes_one_bundle_per_file(tmp_path):
    from policydiff.cli import main

    assert main(["export", *map(str, SEED_TEXTS), "-o", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [f"{p.name}.fhir.json" for p in SEED_TEXTS]
    bundle = json.loads((tmp_path / written[0]).read_text(encoding="utf-8"))
    assert bundle == export_fhir(extracted(SEED_TEXTS[0]))
