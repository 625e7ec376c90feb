"""Scorers of an extraction against an expected record (the seeds' gold, a reviewed golden file).

score_criteria: criteria nodes are matched by normalized text (rapidfuzz ratio), one to one, best
first; then kind, coverage, logic and parent are compared on the matched pairs.
"""

from __future__ import annotations

import re

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


def score_criteria(expected: list[dict], actual: list[dict]) -> dict[str, float]:
    """Node recall and precision, and kind/coverage/logic/parent accuracy over matched nodes (0..1)."""
    wanted, got = _flatten(expected), _flatten(actual)
    pairs = sorted(
        (
            (fuzz.ratio(_normalized(a["text"]), _normalized(b["text"])), i, j)
            for i, a in enumerate(wanted)
            for j, b in enumerate(got)
        ),
        reverse=True,
    )
    matched: list[tuple[dict, dict]] = []
    used_wanted: set[int] = set()
    used_got: set[int] = set()
    for similarity, i, j in pairs:
        if similarity < MATCH_THRESHOLD:
            break
        if i not in used_wanted and j not in used_got:
            used_wanted.add(i)
            used_got.add(j)
            matched.append((wanted[i], got[j]))

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
