"""Wrapped lines of one paragraph, cell or citation joined back into one text (every parser's rule)."""

from __future__ import annotations

import re

# A line that ends in a word broken at its hyphen: a letter or digit, then the hyphen.
_BROKEN_AT_HYPHEN = re.compile(r"[A-Za-z0-9]-$")
# Words after a suspended hyphen, which keeps its space: "pre- and post-operative", "short- or long-term",
# "one- to two-week".
_SUSPENSIONS = frozenset({"and", "or", "to", "nor", "through", "and/or"})


def join_wrapped(left: str, right: str) -> str:
    """`left` and the line that continues it. A compound broken at its hyphen by the line end ("non-" /
    "discretionary", "COVID-" / "19") is joined with its hyphen and no space; a suspended hyphen keeps its
    space. (A word the typesetter hyphenated, "contin-" / "ued", is the PDF loader's to repair first.)"""
    if not left or not right:
        return left or right
    first = right.split()[0]
    if (
        _BROKEN_AT_HYPHEN.search(left)
        and first[:1].isalnum()
        and first.lower().rstrip(",;:.") not in _SUSPENSIONS
    ):
        return left + right
    return f"{left} {right}"
