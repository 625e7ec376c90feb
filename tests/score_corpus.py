"""Per-field figures of the extraction over the corpus: the numbers quoted in issue notes.

    .venv/bin/python tests/score_corpus.py

Three yardsticks, printed apart because they mean different things:
- gold: the contract's expected extraction of the two seeds (tests/gold), for text and PDF;
- expected: hand-labelled trees of real PDFs (tests/expected), independent of the parser;
- golden: the reviewed goldens (tests/golden); a regression check (they are the parser's own output).
"""

from __future__ import annotations

import json
from pathlib import Path

from policydiff.extract.errors import ExtractError
from scoring import score_criteria, score_items, score_metadata, score_subjects, score_tables

from corpus import (
    ALL_DOCUMENTS,
    GOLD,
    GOLDEN,
    SEED_PDFS,
    SEED_TEXTS,
    UNSEEN_DOCUMENTS,
    doc_id,
    extracted,
    project,
)

EXPECTED = Path(__file__).resolve().parent / "expected"
LIST_FIELDS = ("codes", "revisions", "references")
COUNT_KEYS = ("expected", "extracted", "codes_expected", "codes_got", "revisions_expected", "revisions_got")


def score_field(field: str, expected, actual) -> dict[str, float]:
    if field == "tables":  # the whole record: codes and revision rows together
        return score_tables(expected, actual)
    if field == "subjects":  # the whole record: the criteria's texts and subjects
        return score_subjects(expected, actual)
    if field == "criteria":
        return score_criteria(expected, actual)
    if field == "metadata":
        return score_metadata(expected, actual)
    return score_items(field, expected, actual)


def line(name: str, field: str, scores: dict[str, float]) -> str:
    figures = " ".join(
        f"{key} {value:.0f}" if key in COUNT_KEYS else f"{key} {value:.2f}" for key, value in scores.items()
    )
    return f"  {name:58} {field:10} {figures}"


def main() -> None:
    print("against the contract's gold (seeds, text and PDF):")
    for path in SEED_TEXTS + SEED_PDFS:
        gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
        record = extracted(path).to_json_dict()
        metadata = {
            key: gold[key] for key in ("payer", "policy_number", "title", "dates", "related_policies")
        }
        print(line(doc_id(path), "metadata", score_metadata(metadata, record)))
        for field in ("criteria", *LIST_FIELDS):
            print(line(doc_id(path), field, score_field(field, gold[field], record[field])))
    print("against hand-written expectations (tests/expected):")
    for path in ALL_DOCUMENTS + UNSEEN_DOCUMENTS:
        for expected_file in sorted((EXPECTED / doc_id(path)).glob("*.json")):
            field = expected_file.stem
            expected = json.loads(expected_file.read_text(encoding="utf-8"))
            try:
                record = extracted(path).to_json_dict()
                actual = record if field in ("tables", "subjects") else project(record, field)
            except ExtractError as error:
                print(f"  {doc_id(path):58} {field:10} not read: {error.problem}")
                continue
            print(line(doc_id(path), field, score_field(field, expected, actual)))
    print("against the reviewed goldens (regression):")
    for path in ALL_DOCUMENTS:
        for field in ("metadata", "criteria", *LIST_FIELDS):
            golden = GOLDEN / doc_id(path) / f"{field}.json"
            if golden.exists():
                expected = json.loads(golden.read_text(encoding="utf-8"))
                actual = project(extracted(path).to_json_dict(), field)
                scores = score_field(field, expected, actual)
                print(line(doc_id(path), field, scores))


if __name__ == "__main__":
    main()
