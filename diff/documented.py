"""Whether the revision-log rows new in the newer version mention each substantive change.

A row mentions a criteria change when it names the criterion (or an ancestor) by its section id
('I.C.1 through 4', 'II C'), quotes the words the change inserted or deleted, or, for an added or
removed criterion, shares enough of its distinctive words. A row mentions a code by the code (or
codes in general), and the references by the word. A change no new row mentions is silent: what
analysts cannot get elsewhere, a payer changing criteria without logging it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from policydiff.diff.words import is_word, key
from policydiff.extract.rules import load_rules, regex, string_list
from policydiff.model import Revision
from policydiff.model.diff import Change

SECTION_ID = re.compile(
    r"\b([IVX]{1,4})\b(?:(?:\.\s?|\s)([A-Z])\b(?:\.?\s?(\d{1,2}))?)?(?:\.?\s*(?:through|to|-|–)\s*(\d{1,2}|[A-Z])\b)?"
)
SHARED_WORDS = 3  # distinctive words an added / removed criterion must share with a row


@dataclass(frozen=True)
class LogWording:
    generic: frozenset[str]
    suffixes: tuple[str, ...]
    code_words: re.Pattern[str]
    reference_words: re.Pattern[str]


@cache
def log_wording() -> LogWording:
    """diff/rules/documented.toml, checked when loaded."""
    data = load_rules("documented", "diff")
    return LogWording(
        generic=frozenset(word.lower() for word in string_list(data, "generic_words", "documented")),
        suffixes=tuple(string_list(data, "stem_suffixes", "documented")),
        code_words=regex(data, "code_words", "documented"),
        reference_words=regex(data, "reference_words", "documented"),
    )


def stem(word: str) -> str:
    for suffix in log_wording().suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=4096)
def distinctive(text: str) -> frozenset[str]:
    # Cached: every change of a diff is checked against every new log row, so a row's words are read
    # once per diff instead of once per change.
    return frozenset(
        stem(word)
        for word in key(text).split()
        if word not in log_wording().generic and (len(word) > 2 or word.isdigit())
    )


@lru_cache(maxsize=4096)
def section_ids(text: str) -> frozenset[str]:
    """Section ids a log row names, ranges expanded: 'I.C.1 through 4' -> ic1 ic2 ic3 ic4."""
    found = set()
    for match in SECTION_ID.finditer(text):
        roman, letter, number, last = match.groups()
        if roman == "I" and not letter and text[match.end() : match.end() + 1] != ".":
            continue  # a bare 'I' is as likely the pronoun: it needs a dot or a letter to be an id
        path = [roman.lower(), *(p.lower() for p in (letter, number) if p)]
        if last and last.isdigit() and number:
            found.update("".join([*path[:-1], str(n)]) for n in range(int(number), int(last) + 1))
        elif last and last.isalpha() and letter and not number:
            found.update(path[0] + chr(c) for c in range(ord(letter.lower()), ord(last.lower()) + 1))
        else:
            found.add("".join(path))
    return frozenset(found)


def id_key(criterion_id: str) -> str:
    return re.sub(r"[^0-9a-z]", "", criterion_id.lower())


def id_paths(change: Change) -> set[str]:
    """The ids of the criterion on both sides and of their ancestors, when ids are section paths."""
    paths = set()
    for criterion_id in change.left_ids + change.right_ids:
        parts = criterion_id.split(".")
        if not parts[0].isalpha():  # positional ids ('1.2') are not what a log row would cite
            continue
        paths.update(id_key(".".join(parts[: n + 1])) for n in range(len(parts)))
    return paths


def changed_phrases(change: Change) -> list[str]:
    phrases = []
    for op in change.words:
        if op.significance != "substantive":
            continue
        for text in (op.left, op.right):
            phrase = key(text)
            if phrase and any(word not in log_wording().generic for word in phrase.split() if is_word(word)):
                phrases.append(phrase)
    return phrases


def criteria_mention(change: Change, row: Revision) -> str | None:
    named = id_paths(change) & section_ids(row.summary)
    if named:
        return "names " + ", ".join(sorted(named)).upper()
    item = change.left if change.change == "removed" else change.right
    quoted = quoted_words(change, row)
    if quoted is None and change.change in ("added", "removed") and item is not None:
        shared = distinctive(item.text) & distinctive(row.summary)
        if len(shared) >= SHARED_WORDS:
            return "shares the words " + ", ".join(sorted(shared))
    return quoted or shared_words(change, row)


def quoted_words(change: Change, row: Revision) -> str | None:
    row_key = key(row.summary)
    for phrase in changed_phrases(change):
        if f" {phrase} " in f" {row_key} ":
            return f"quotes '{phrase}'"
    return None


def shared_words(change: Change, row: Revision) -> str | None:
    changed_words = {
        stem(w) for phrase in changed_phrases(change) for w in phrase.split()
    } - log_wording().generic
    shared = changed_words & distinctive(row.summary)
    return "mentions " + ", ".join(sorted(shared)) if shared else None


def text_mention(change: Change, row: Revision) -> str | None:
    """A change of a field or of a section's text: the row names the field or heading, or its words."""
    names = [name for name in (change.heading, (change.field or "").replace("_", " ")) if name]
    for name in names:
        if key(name) and f" {key(name)} " in f" {key(row.summary)} ":
            return f"names {name}"
    return quoted_words(change, row) or shared_words(change, row)


def code_mention(change: Change, row: Revision) -> str | None:
    codes = {code for ident in change.left_ids + change.right_ids for code in ident.split(" ", 1)[1:]}
    codes |= set(change.codes_entered) | set(change.codes_left)
    for code in sorted(codes):
        if any(re.search(rf"\b{re.escape(part)}\b", row.summary, re.IGNORECASE) for part in code.split("-")):
            return f"names {code}"
    if log_wording().code_words.search(row.summary):
        return "mentions codes in general"
    return None


def reference_mention(change: Change, row: Revision) -> str | None:
    return "mentions references" if log_wording().reference_words.search(row.summary) else None


MENTIONS = {
    "criteria": criteria_mention,
    "codes": code_mention,
    "references": reference_mention,
    "metadata": text_mention,
}


def document(change: Change, new_rows: list[Revision], has_log: bool) -> Change:
    """The change with `documented` set: None when it cannot be told (no log, cosmetic, bookkeeping).

    A substantive change in a policy that keeps a log is silent unless a new row mentions it: with
    no new row at all, none does.
    """
    mention = text_mention if change.heading else MENTIONS.get(change.section)
    if change.significance != "substantive" or change.bookkeeping or mention is None or not has_log:
        return change
    found = [(row, how) for row in new_rows if (how := mention(change, row))]
    return change.model_copy(
        update={
            "documented": bool(found),
            "documented_by": [row.summary for row, _ in found],
            "documentation": "; ".join(dict.fromkeys(how for _, how in found)) or None,
        }
    )
