"""Where the sentences of a run of text start: one rule for the text loader's rebuilding of flattened
pages (extract/reflow.py), a criterion's subject (extract/cues.py) and the passages the diff compares
(extract/passages.py, which cuts at clause ends as well).

A sentence ends at a period, '!' or '?' (with any closing quotes or brackets after it) followed by a
space and a capital, a digit or an opening bracket; not after an abbreviation (rules/reflow.toml
`abbreviations`) or an initial, and not inside a bracket opened a few lines before. A clause ends there
too, and at ';' or ':' before a capital, a digit, a bracket or a quote (an emphasis mark before it
allowed).
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

from policydiff.extract.rules import load_rules, string_list

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
_CLAUSE_END = re.compile(r"(?<=[.;:!?])\s+(?=[*_]*[A-Z0-9(\[\"“'‘])")
_WORD_BEFORE = re.compile(r"(\S+)$")
_INITIAL = re.compile(r"[a-z]\.")
# How far back (characters) an open bracket holds a sentence end: about three lines of a page.
BRACKET_REACH = 300


@cache
def _abbreviations() -> frozenset[str]:
    """Words that end with a period without ending a sentence."""
    return frozenset(word.lower() for word in string_list(load_rules("reflow"), "abbreviations", "reflow"))


def open_brackets(text: str) -> bool:
    return text.count("(") > text.count(")")


def sentence_starts(text: str, clauses: bool = False) -> list[int]:
    """Where each sentence (or, with `clauses`, each clause) after the first starts in `text` (the offset
    of its first character)."""
    starts: list[int] = []
    start = 0
    for match in (_CLAUSE_END if clauses else _SENTENCE_END).finditer(text):
        word = _WORD_BEFORE.search(text, 0, match.start())
        before = word.group(1).lstrip('("“').lower() if word else ""
        # A bracket opened in the last few lines holds its sentence; one a source left open further back
        # ("(n= " at a page break) must not glue the rest of a section into one sentence.
        inside = text[max(start, match.start() - BRACKET_REACH) : match.start()]
        if before in _abbreviations() or _INITIAL.fullmatch(before) or open_brackets(inside):
            continue
        starts.append(match.end())
        start = match.end()
    return starts


def sentences(text: str) -> list[str]:
    """The text cut where each sentence starts, each piece stripped."""
    bounds = [0, *sentence_starts(text), len(text)]
    return [piece for start, end in pairwise(bounds) if (piece := text[start:end].strip())]
