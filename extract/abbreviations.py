"""Abbreviations a text defines ("donor lymphocyte infusion (DLI)"): the one long-form finder of the
project, used by the criteria parser (through services.py's spaCy matcher) and by the comparison.

The long form is the shortest run of words before "(SHORT)" whose letters spell SHORT in order, first
letter first (Schwartz & Hearst 2003). No spaCy here: the diff imports this module.
"""

from __future__ import annotations

import re

# "donor lymphocyte infusion (DLI)": a short form in parentheses after its long form.
PARENTHESIZED_SHORT_FORM = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9/&-]{1,9}?)s?\s*\)")
_WORD = re.compile(r"[A-Za-z0-9]+")


def long_form(short: str, words: list[str]) -> str | None:
    """Schwartz-Hearst: the fewest trailing words whose characters spell `short` in order."""
    letters = [ch.lower() for ch in short if ch.isalnum()]
    if not letters or not letters[0].isalpha():
        return None
    limit = min(len(letters) + 5, len(letters) * 2)
    candidate_words = words[-limit:]
    text = " ".join(candidate_words)
    s_index, l_index = len(letters) - 1, len(text) - 1
    while s_index >= 0:
        ch = letters[s_index]
        while l_index >= 0 and (
            text[l_index].lower() != ch or (s_index == 0 and l_index > 0 and text[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        s_index -= 1
        l_index -= 1
    start = text.rfind(" ", 0, l_index + 1) + 1
    long_form = text[start:].split(")")[-1].strip(" ,;:-®™")
    if (len(long_form.split()) < 2 and "-" not in long_form) or long_form.lower() == short.lower():
        return None
    return long_form


def defined_abbreviations(texts: list[str]) -> dict[str, str]:
    """Short form -> long form, as the texts define them; the first definition of a short form wins."""
    found: dict[str, str] = {}
    for text in texts:
        for match in PARENTHESIZED_SHORT_FORM.finditer(text):
            short = match.group(1)
            if not any(char.isupper() for char in short) or short in found:
                continue
            # Words as runs of letters and digits: "poly (ADP-ribose) polymerase (PARP)" spells PARP
            # across its own parenthesis and hyphen.
            long = long_form(short, _WORD.findall(text[: match.start()]))
            if long:
                found[short] = long
    return found
