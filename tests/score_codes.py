"""Precision and recall of extracted codes against an expected list (the seeds' gold, the goldens).

A code is matched on (system, code, code_end); a matched code whose description or status differs is
counted apart, so a figure says both whether the codes were found and whether they were read right.

    .venv/bin/python tests/score_codes.py      (prints one line per document and the totals)
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from corpus import ALL_DOCUMENTS, GOLD, GOLDEN, SEED_PDFS, SEED_TEXTS, doc_id, extracted, project


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    matched: int = 0
    wrong_description: int = 0
    wrong_status: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(*(a + b for a, b in zip(vars(self).values(), vars(other).values(), strict=True)))

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    def line(self, name: str) -> str:
        return (
            f"{name:70} expected {self.expected:4} found {self.found:4} P {self.precision:.3f} "
            f"R {self.recall:.3f} wrong description {self.wrong_description} status {self.wrong_status}"
        )


def _key(code: dict) -> tuple:
    return (code["system"], code["code"], code.get("code_end"))


def score(expected: list[dict], actual: list[dict]) -> Score:
    matched = Counter(map(_key, expected)) & Counter(map(_key, actual))
    result = Score(expected=len(expected), found=len(actual), matched=sum(matched.values()))
    remaining = list(actual)
    for code in expected:
        twin = next((item for item in remaining if _key(item) == _key(code)), None)
        if twin is None:
            continue
        remaining.remove(twin)
        result.wrong_description += twin.get("description") != code.get("description")
        result.wrong_status += twin.get("status") != code.get("status")
    return result


def gold_codes(path) -> list[dict]:
    return json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))["codes"]


def golden_codes(path) -> list[dict] | None:
    golden = GOLDEN / doc_id(path) / "codes.json"
    return json.loads(golden.read_text(encoding="utf-8")) if golden.exists() else None


def main() -> None:
    total = Score()
    print("against the contract's gold (seeds):")
    for path in SEED_TEXTS + SEED_PDFS:
        result = score(gold_codes(path), project(extracted(path).to_json_dict(), "codes"))
        total += result
        print(result.line(doc_id(path)))
    print(total.line("total (gold)"))
    total = Score()
    print("against the goldens (reviewed by eye):")
    for path in ALL_DOCUMENTS:
        expected = golden_codes(path)
        if expected is None:
            continue
        result = score(expected, project(extracted(path).to_json_dict(), "codes"))
        total += result
        print(result.line(doc_id(path)))
    print(total.line("total (goldens)"))


if __name__ == "__main__":
    main()
