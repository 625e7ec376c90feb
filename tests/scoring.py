"""Scorers of an extraction against an expected record (the seeds' gold, a reviewed golden file,
a hand-labelled expected tree). `tests/score_corpus.py` runs them over the corpus and prints the figures.

score_criteria: criteria nodes are matched by normalized text (rapidfuzz ratio), one to one, best
first; then kind, coverage, logic and parent are compared on the matched pairs.
score_items: codes, revision rows and references, matched one to one by a key (exact, or by
normalized text similarity); then the named fields are compared on the matched pairs.
score_metadata: field by field equality.
score_tables: a document's code count (distinct code entries, within CODE_COUNT_TOLERANCE), its sample codes
with their status, and its revision-row count, against hand-read figures (tests/expected/<doc>/tables.json).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz import fuzz

MATCH_THRESHOLD = 90.0
_NON_WORD = re.compile(r"[^\w%<>=]+")


def _normalized(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def _flatten(nodes: list[dict], parent: str | None = None) -> list[dict]:
    flat = []
    for node in nodes:
        flat.append({**node, "parent": parent})
        flat.extend(_flatten(node.get("children", []), _normalized(node["text"])))
    return flat


def _match(
    expected: list[dict], actual: list[dict], similarity: Callable[[dict, dict], float]
) -> list[tuple[dict, dict]]:
    """Pairs of (expected, actual) items, one to one, most similar first, down to MATCH_THRESHOLD."""
    pairs = sorted(
        ((similarity(a, b), i, j) for i, a in enumerate(expected) for j, b in enumerate(actual)),
        reverse=True,
    )
    used_expected: set[int] = set()
    used_actual: set[int] = set()
    matched: list[tuple[dict, dict]] = []
    for score, i, j in pairs:
        if score < MATCH_THRESHOLD:
            break
        if i not in used_expected and j not in used_actual:
            used_expected.add(i)
            used_actual.add(j)
            matched.append((expected[i], actual[j]))
    return matched


def score_criteria(expected: list[dict], actual: list[dict]) -> dict[str, float]:
    """Node recall and precision, and kind/coverage/logic/parent accuracy over matched nodes (0..1)."""
    wanted, got = _flatten(expected), _flatten(actual)
    matched = _match(wanted, got, lambda a, b: fuzz.ratio(_normalized(a["text"]), _normalized(b["text"])))

    def accuracy(key: str) -> float:
        if not matched:
            return 0.0
        if key == "parent":
            same = sum(
                (a["parent"] is None and b["parent"] is None)
                or (a["parent"] is not None and b["parent"] is not None
                    and fuzz.ratio(a["parent"], b["parent"]) >= MATCH_THRESHOLD)
                for a, b in matched
            )  # fmt: skip
        else:
            same = sum(a.get(key) == b.get(key) for a, b in matched)
        return same / len(matched)

    return {
        "expected": float(len(wanted)),
        "extracted": float(len(got)),
        "recall": len(matched) / len(wanted) if wanted else 1.0,
        "precision": len(matched) / len(got) if got else 1.0,
        "kind": accuracy("kind"),
        "coverage": accuracy("coverage"),
        "logic": accuracy("logic"),
        "parent": accuracy("parent"),
        "service": accuracy("service"),
    }


# The fields compared on matched items, per record field; the key says what makes two items the same.
ITEM_FIELDS = {
    "codes": ("description", "status"),
    "revisions": ("date", "approval_date", "type"),
    "references": ("number", "doi", "year", "url"),
}


def _item_key(field: str, item: dict) -> str:
    if field == "codes":
        return f"{item['system']} {item['code']} {item.get('code_end')}"
    if field == "revisions":
        return _normalized(item.get("summary") or "")
    return _normalized(item.get("text") or "")


def score_items(field: str, expected: list[dict], actual: list[dict]) -> dict[str, float]:
    """Recall and precision of items, and per-field accuracy over matched pairs (0..1)."""
    if field == "codes":  # a code is itself or nothing

        def similarity(a: dict, b: dict) -> float:
            return 100.0 if _item_key(field, a) == _item_key(field, b) else 0.0

    else:

        def similarity(a: dict, b: dict) -> float:
            return fuzz.ratio(_item_key(field, a), _item_key(field, b))

    matched = _match(expected, actual, similarity)
    scores = {
        "expected": float(len(expected)),
        "extracted": float(len(actual)),
        "recall": len(matched) / len(expected) if expected else 1.0,
        "precision": len(matched) / len(actual) if actual else 1.0,
        "text_exact": sum(_item_key(field, a) == _item_key(field, b) for a, b in matched) / len(matched)
        if matched
        else 1.0,
    }
    for name in ITEM_FIELDS[field]:
        scores[name] = sum(a.get(name) == b.get(name) for a, b in matched) / len(matched) if matched else 1.0
    return scores


def score_metadata(expected: dict, actual: dict) -> dict[str, float]:
    """1.0 or 0.0 per metadata field present in `expected` (dates field by field)."""
    scores: dict[str, float] = {}
    for key, value in expected.items():
        if key == "dates":
            for name, date in value.items():
                scores[f"dates.{name}"] = float((actual.get("dates") or {}).get(name) == date)
        else:
            scores[key] = float(actual.get(key) == value)
    return scores


# A code count within this fraction of the document's is right: a wrapped row read twice or a code missed
# in a list of hundreds is a small error, a table not read at all is not.
CODE_COUNT_TOLERANCE = 0.05


def distinct_codes(codes: list[dict]) -> set[tuple[str, str | None]]:
    """The distinct code entries of a record (a code listed under several headings is one entry)."""
    return {(code["code"], code.get("code_end")) for code in codes}


def score_tables(expected: dict, record: dict) -> dict[str, float]:
    """Code count, sample codes with status, and revision rows of a record against a tables.json."""
    got = len(distinct_codes(record.get("codes", [])))
    want = expected["code_count"]
    statuses: dict[tuple[str, str | None], set[str]] = {}
    for code in record.get("codes", []):
        statuses.setdefault((code["code"], code.get("code_end")), set()).add(code.get("status"))
    samples = expected["codes"]
    samples_ok = sum(
        sample["status"] in statuses.get((sample["code"], sample.get("code_end")), set())
        for sample in samples
    )
    revisions = len(record.get("revisions", []))
    return {
        "codes_expected": float(want),
        "codes_got": float(got),
        "count_ok": float(abs(got - want) <= CODE_COUNT_TOLERANCE * want),
        "samples": samples_ok / len(samples) if samples else 1.0,
        "revisions_expected": float(expected["revision_count"]),
        "revisions_got": float(revisions),
        "revisions_ok": float(revisions == expected["revision_count"]),
    }


def _words_only(text: str) -> str:
    # A loader may drop a registered sign or markup the reader wrote down as printed.
    return " ".join(re.sub(r"[^\w\s]", "", text).split())


def stated_subjects(statement: str, criteria: list[dict]) -> list[str | None]:
    """The subject's words (Criterion.subject) of each criterion whose text opens with `statement`; a
    statement a document prints twice (a policy statement repeated under its exclusions) gives two."""
    opening = _words_only(statement)
    return [
        node["text"][node["subject"]["start"] : node["subject"]["end"]] if node.get("subject") else None
        for node in _flatten(criteria)
        if _words_only(node["text"]).startswith(opening)
    ]


def score_subjects(expected: dict, record: dict) -> dict[str, float]:
    """tests/expected/<doc-id>/subjects.json: the share of statements whose every reading has the subject
    written down (a statement not found counts as wrong)."""
    right = sum(
        1
        for statement, subject in expected["subjects"].items()
        if (found := stated_subjects(statement, record["criteria"])) and set(found) == {subject}
    )
    total = len(expected["subjects"])
    return {"expected": total, "right": right / total if total else 1.0}
