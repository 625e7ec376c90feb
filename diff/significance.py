"""Cosmetic or substantive: deterministic rules over the word-level diff of two texts.

A differing run is cosmetic when it only touches form: punctuation (not symbols that carry meaning
such as < or %), case, quote style, hyphenation or word splitting, a list connector at the end of an
item, page furniture (running header, page number) that leaked into the text, or a cross-reference
whose labels were renumbered consistently with the alignment ("criteria (1-4)" -> "(1-3)" after an
item was removed). Whitespace and reflow never make a run. Anything else changes a word that carries
meaning and is substantive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from policydiff.diff.words import Run, Token, comparable, is_word, key, runs, slice_text, tokens
from policydiff.model.diff import WordOp

# Symbols that change what a criterion says (thresholds, ranges, alternatives).
MEANINGFUL_SYMBOLS = frozenset("<>=%+±$/×≤≥&#~")
LIST_CONNECTORS = frozenset({"and", "or"})
HEADER_WORDS = frozenset(
    {"clinical", "policy", "medical", "coverage", "guideline", "page", "of", "continued"}
)
NEGATIONS = frozenset({"not", "no", "non", "never", "except", "excluding", "without", "nor", "none"})
HEADING_SMALL_WORDS = frozenset({"and", "or", "of", "the", "for", "with", "in", "on", "to", "a", "an"})
SENTENCE_ENDS = frozenset({".", ":", ";", "!", "?"})
PAGE_NUMBER = re.compile(r"\bpage \d+(?: of \d+)?\b")

# A cross-reference to labelled items: "criteria (1-4)", "criterion (2)", "items a - c", "I.C.1 through 4".
_ATOM = r"\(?(?:[0-9]{1,2}|[a-z])\)?"
REFERENCE = re.compile(
    rf"\b(?:criteria|criterion|items?|sections?|numbers?|bullets?)\s+"
    rf"({_ATOM}(?:\s*(?:-|–|through|to|and|or|,)\s*{_ATOM})*)(?![\w])",
    re.IGNORECASE,
)
REFERENCE_ATOM = re.compile(r"[0-9]{1,2}|(?<![a-z])[a-z](?![a-z])", re.IGNORECASE)
REFERENCE_RANGE = re.compile(r"\s*(?:-|–|through|to)\s*", re.IGNORECASE)

# Left labels -> right labels under the alignment (None when the labels cannot be resolved).
Renumber = Callable[[list[str]], list[str] | None]


@dataclass(frozen=True)
class CrossReference:
    start: int
    end: int
    labels: tuple[str, ...]


def cross_references(text: str) -> list[CrossReference]:
    found = []
    for match in REFERENCE.finditer(text):
        labels = expand_reference(match.group(1))
        if labels:
            found.append(CrossReference(match.start(1), match.end(1), tuple(labels)))
    return found


def expand_reference(text: str) -> list[str]:
    """'(1-4)' -> 1 2 3 4; '(a) - (c)' -> a b c; '1, 3 and 5' -> 1 3 5."""
    atoms = [(m.group().lower(), m.start(), m.end()) for m in REFERENCE_ATOM.finditer(text)]
    labels: list[str] = []
    for index, (atom, _, end) in enumerate(atoms):
        following = atoms[index + 1] if index + 1 < len(atoms) else None
        between = text[end : following[1]].strip("() ") if following else ""
        if following and REFERENCE_RANGE.fullmatch(" " + between + " "):
            labels.extend(label_range(atom, following[0])[:-1])
        else:
            labels.append(atom)
    return labels


def label_range(first: str, last: str) -> list[str]:
    if first.isdigit() and last.isdigit() and int(first) <= int(last):
        return [str(n) for n in range(int(first), int(last) + 1)]
    if first.isalpha() and last.isalpha() and first <= last:
        return [chr(c) for c in range(ord(first), ord(last) + 1)]
    return [first, last]


def classify(left: Sequence[str], right: Sequence[str], at_end: bool, furniture: Sequence[str]) -> str | None:
    """The cosmetic reason for replacing tokens `left` by `right`, or None when the change is substantive."""
    left_kept = [t for t in left if is_word(t) or t in MEANINGFUL_SYMBOLS]
    right_kept = [t for t in right if is_word(t) or t in MEANINGFUL_SYMBOLS]
    if left_kept == right_kept:
        return "punctuation"
    if [t.lower() for t in left_kept] == [t.lower() for t in right_kept]:
        return "case"
    if joined(left_kept) == joined(right_kept):
        return "hyphenation"
    if at_end and one_connector_dropped(left_kept, right_kept):
        return "list connector"
    if not (left_kept and right_kept) and is_furniture(" ".join(left_kept + right_kept), furniture):
        return "page furniture"
    return None


def is_heading(step: Run, left_tokens: list[Token], right_tokens: list[Token]) -> bool:
    """A heading glued to a paragraph ('... necessary. High Utilization'): a label, not policy words.

    Only an insertion or deletion of two or more capitalized words between sentences counts, and
    never one holding a negation or a number.
    """
    if step.op == "insert":
        toks, start, end = right_tokens, step.j1, step.j2
    elif step.op == "delete":
        toks, start, end = left_tokens, step.i1, step.i2
    else:
        return False
    words = [t.text for t in toks[start:end] if is_word(t.text)]
    if len(words) < 2 or any(w.lower() in NEGATIONS or any(ch.isdigit() for ch in w) for w in words):
        return False
    if not all(w[0].isupper() for w in words if w.lower() not in HEADING_SMALL_WORDS):
        return False
    before_ok = start == 0 or toks[start - 1].text in SENTENCE_ENDS
    after_ok = end == len(toks) or toks[end].text[0].isupper()
    return before_ok and after_ok


def joined(words: Sequence[str]) -> str:
    return "".join(words).lower()


def one_connector_dropped(left: Sequence[str], right: Sequence[str]) -> bool:
    """'...; and' -> '...': a list connector added or dropped at the end (and <-> or is a change of logic)."""
    left_bare, right_bare = without_connector(left), without_connector(right)
    one_side = (len(left_bare) == len(left)) != (len(right_bare) == len(right))
    return one_side and joined(left_bare) == joined(right_bare)


def without_connector(words: Sequence[str]) -> list[str]:
    """Words of a run at the end of an item, less the trailing 'and' / 'or' that joins list items."""
    words = list(words)
    while words and words[-1].lower() in LIST_CONNECTORS:
        words.pop()
    return words


def is_furniture(text: str, furniture: Sequence[str]) -> bool:
    """A run made only of a running header: the title or number of the policy, a page number."""
    remaining = key(text)
    stripped = PAGE_NUMBER.sub(" ", remaining)
    for phrase in furniture:
        if phrase:
            stripped = stripped.replace(phrase, " ")
    if stripped.split() == remaining.split():
        return False
    return all(word in HEADER_WORDS for word in stripped.split())


def word_ops(
    left: str, right: str, renumber: Renumber | None = None, furniture: Sequence[str] = ()
) -> list[WordOp]:
    """The word-level diff of two texts, each differing run classified cosmetic or substantive."""
    left_tokens, right_tokens = tokens(left), tokens(right)
    steps = runs(comparable(left_tokens), comparable(right_tokens))
    renumbered = renumbered_runs(left, right, left_tokens, right_tokens, steps, renumber)
    ops = []
    for index, step in enumerate(steps):
        left_slice = slice_text(left, left_tokens, step.i1, step.i2)
        right_slice = slice_text(right, right_tokens, step.j1, step.j2)
        if step.op == "equal":
            ops.append(WordOp(op="equal", left=left_slice, right=right_slice))
            continue
        at_end = not any(is_word(t.text) for t in left_tokens[step.i2 :] + right_tokens[step.j2 :])
        reason = "renumbering" if index in renumbered else None
        if reason is None and is_heading(step, left_tokens, right_tokens):
            reason = "heading"
        reason = reason or classify(
            comparable(left_tokens[step.i1 : step.i2]),
            comparable(right_tokens[step.j1 : step.j2]),
            at_end,
            furniture,
        )
        ops.append(
            WordOp(
                op=step.op,
                left=left_slice,
                right=right_slice,
                significance="cosmetic" if reason else "substantive",
                reason=reason,
            )
        )
    return ops


def renumbered_runs(
    left: str,
    right: str,
    left_tokens: list[Token],
    right_tokens: list[Token],
    steps: list[Run],
    renumber: Renumber | None,
) -> set[int]:
    """Indices of the runs that only rewrite cross-references the way the alignment renumbered them."""
    if renumber is None:
        return set()
    left_refs, right_refs = cross_references(left), cross_references(right)
    if not left_refs or len(left_refs) != len(right_refs):
        return set()
    found = set()
    for index, step in enumerate(steps):
        if step.op == "equal":
            continue
        left_ref = enclosing(left_refs, left_tokens, step.i1, step.i2)
        right_ref = enclosing(right_refs, right_tokens, step.j1, step.j2)
        if left_ref is None or right_ref is None or left_refs.index(left_ref) != right_refs.index(right_ref):
            continue
        if renumber(list(left_ref.labels)) == list(right_ref.labels):
            found.add(index)
    return found


def enclosing(refs: list[CrossReference], toks: list[Token], i1: int, i2: int) -> CrossReference | None:
    """The cross-reference that holds tokens i1..i2 (or, for an insertion, the point before i1)."""
    if i1 == i2:
        start = end = toks[i1 - 1].end if i1 else 0
    else:
        start, end = toks[i1].start, toks[i2 - 1].end
    for ref in refs:
        if ref.start <= start and end <= ref.end:
            return ref
    return None


def reasons_of(ops: list[WordOp]) -> tuple[bool, list[str]]:
    """(substantive?, the reasons in order of first appearance) over a text's differing runs."""
    substantive = any(op.significance == "substantive" for op in ops)
    reasons = []
    for op in ops:
        reason = op.reason or ("words" if op.significance == "substantive" else None)
        if reason and reason not in reasons:
            reasons.append(reason)
    if not reasons:  # no run differs: the texts differ in spacing or typography only
        left, right = "".join(op.left for op in ops), "".join(op.right for op in ops)
        reasons = ["whitespace" if left.split() == right.split() else "quote style or typography"]
    return substantive, reasons
