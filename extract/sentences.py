"""Where the sentences of a run of text start: one rule for the text loader's rebuilding of flattened
pages (extract/reflow.py) and for a criterion's subject (extract/cues.py).

A sentence ends at a period, '!' or '?' (with any closing quotes or brackets after it) followed by a
space and a capital, a digit or an opening bracket; not after an abbreviation (rules/reflow.toml
`abbreviations`) or an initial, and not inside an open bracket.
"""

from __future__ import annotations

import re
from functools import cache

from policydiff.extract.rules import load_rules, string_list

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"(\S+)$")
_INITIAL = re.compile(r"[a-z]\.")


@cache
def _abbreviations() -> frozenset[str]:
    """Words that end with a period without ending a sentence."""
    return frozenset(word.lower() for word in string_list(load_rules("reflow"), "abbreviations", "reflow"))


def open_brackets(text: str) -> bool:
    return text.count("(") > text.count(")")


def sentence_starts(text: str) -> list[int]:
    """Where each sentence after the first starts in `text` (the offset of its first character)."""
    starts: list[int] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        word = _WORD_BEFORE.search(text, 0, match.start())
        before = word.group(1).lstrip('("“').lower() if word else ""
        if (
            before in _abbreviations()
            or _INITIAL.fullmatch(before)
            or open_brackets(text[start : match.start()])
        ):
            continue
        starts.append(match.end())
        start = match.end()
    return starts
