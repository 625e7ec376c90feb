"""Abbreviations a text defines ("donor lymphocyte infusion (DLI)"): the one finder of the project,
used by the criteria parser (the record's abbreviations) and by the comparison.

A definition is a short form in parentheses with a capital in it, after its long form: the shortest
run of words before "(SHORT)" whose letters spell SHORT in order, first letter first (Schwartz &
Hearst 2003). The record keeps the words as printed ("Centers for Medicare & Medicaid Services"); the
comparison reads words as runs of letters and digits and a plural short form as its singular.
No spaCy here: the diff imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# "donor lymphocyte infusion (DLI)", "reverse transcription PCR (RT-PCR)": a short form in parentheses.
PARENTHESIZED_SHORT_FORM = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9&/\-]{1,9})\s*\)")
_WORD = re.compile(r"[A-Za-z0-9]+")
# Words before "(" a long form is looked for in (Schwartz-Hearst needs at most twice the short form's).
WORDS_BEFORE = 12


def short_forms(text: str) -> Iterator[tuple[str, int]]:
    """Each parenthesized short form with a capital in it, and where its "(" stands."""
    if "(" not in text:
        return
    for match in PARENTHESIZED_SHORT_FORM.finditer(text):
        if any(char.isupper() for char in match.group(1)):
            yield match.group(1), match.start()


def abbreviations_defined(paragraphs: list[str]) -> dict[str, str]:
    """The record's abbreviations: short form (as printed) -> long form (its words as printed). The
    first definition wins, except that one in capitals (a heading, a code's description) gives way to a
    later one in running text."""
    found: dict[str, str] = {}
    for text in paragraphs:
        for short, start in short_forms(text):
            if short in found and not found[short].isupper():
                continue
            long = long_form(short, text[:start].split()[-WORDS_BEFORE:])
            if long and (short not in found or not long.isupper()):
                found[short] = long
    return found


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
    # Marks around the words are no part of them: "[cell-free DNA", "/American Society of Hematology".
    long_form = text[start:].split(")")[-1].strip(" ,;:-®™“”\"'").lstrip("([*/")
    if (len(long_form.split()) < 2 and "-" not in long_form) or long_form.lower() == short.lower():
        return None
    # Cut after a parenthesis that closed before it, the long form must still open with the short
    # form's first letter ("(MP-UL) or low non-ultralow risk (MP-LNUL)" defines nothing).
    if long_form[0].lower() != letters[0]:
        return None
    return long_form


def defined_abbreviations(texts: list[str]) -> dict[str, str]:
    """Short form -> long form as the comparison matches them: a plural short form as its singular
    ("CGMs" -> CGM), the first definition of a short form wins."""
    found: dict[str, str] = {}
    for text in texts:
        for printed, start in short_forms(text):
            # Dropping a plural's lower-case "s" keeps the capital short_forms asked for.
            short = printed[:-1] if len(printed) > 2 and printed.endswith("s") else printed
            if short in found:
                continue
            # Words as runs of letters and digits: "poly (ADP-ribose) polymerase (PARP)" spells PARP
            # across its own parenthesis and hyphen.
            long = long_form(short, _WORD.findall(text[:start]))
            if long:
                found[short] = long
    return found
