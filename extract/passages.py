"""The policy's own text, sentence by sentence: what the diff compares besides the parsed fields.

Each section the segmenter found (page furniture and site navigation already removed by the loaders)
is cut into sentences, and each table row is a passage of its own; the lines the loader set aside as
furniture come along as passages of kind FURNITURE. diff/passages.py aligns and compares them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from policydiff.extract.document import Line, Section
from policydiff.extract.sentences import open_brackets, sentence_starts
from policydiff.model.text import BULLETS, FURNITURE, Passage

# An outline label opening a sentence ("A.", "2)", "(iv)"): numbering, not the policy's words.
LEADING_LABEL = re.compile(r"^(?:\(?(?:[0-9]{1,2}|[ivxlcIVXLC]{1,4}|[a-zA-Z])[.)](?:\s+|$))+")
# A dollar sign before no amount: the delimiter of inline math ("$n = 25$") the text kept.
MATH_DELIMITER = re.compile(r"\$(?!\s?\d)")
# An enumerator in parentheses anywhere ("it must 1) be eligible, 2) be ..."): numbering, wherever
# the lines break; not the end of a range or a number ("criteria (1-4) above", "(95% CI 2.29-8.48)").
ENUMERATOR = re.compile(
    r"(?<![\w)])(?:\((?:[0-9]{1,2}|[a-z]|[ivx]{1,4})|(?<![-–/.])(?:[0-9]{1,2}|[a-z]|[ivx]{1,4}))\)(?=\s)"
)
BULLET_LINE = re.compile(rf"\s*[{BULLETS}]\s")
# A page number line ("Page 2 of 6", "- 2 -"); a bare number may be the policy's own (a line break in "per
# 30 days"), so it stays.
PAGE_NUMBER_LINE = re.compile(r"\s*(?:page\s+\d{1,3}(?:\s+of\s+\d{1,3})?|-\s*\d{1,3}\s*-)\s*", re.I)


def passages(sections: Sequence[Section], furniture: Sequence[Line] = ()) -> list[Passage]:
    """Sentences of every section, in reading order; each table row is a passage of its own.

    The lines the loader set aside as page furniture come first, as passages of kind FURNITURE: never
    compared, they tell words that went into a running header from words that were deleted. A passage
    with no word (a lone mark) is left out.
    """
    found: list[Passage] = [Passage(FURNITURE, "", line.page, line.text) for line in furniture]
    for section in sections:
        heading = section.heading.strip()
        if heading:  # a heading is the policy's words too (and a line may be taken for one)
            found.append(Passage(section.kind, heading, section.page, heading))
        lead_in = ""
        for block in blocks(section):
            if block[0].is_row:
                row = " ".join(cell.text for cell in block[0].cells if cell.text.strip())
                found.append(Passage(section.kind, heading, block[0].page, row))
                continue
            text = " ".join(line.text for line in block)
            for passage in sentences(section.kind, heading, block[0].page, text):
                found.append(replace(passage, lead_in=lead_in))
                if passage.text.endswith(":"):  # "... is medically necessary when:" heads what follows
                    lead_in = passage.text
    return [passage for passage in found if any(ch.isalnum() for ch in passage.text)]


def blocks(section: Section) -> list[list[Line]]:
    """Runs of running-text lines (a bulleted line starts one), and each table row alone; page numbers
    the loader left are dropped."""
    found: list[list[Line]] = []
    for line in section.lines:
        if PAGE_NUMBER_LINE.fullmatch(line.text):
            continue
        if line.is_row or not found or found[-1][0].is_row or BULLET_LINE.match(line.text):
            found.append([line])  # a list item is a passage of its own: its bullet ends no sentence
        else:
            found[-1].append(line)
    return found


def _without_enumerators(text: str) -> str:
    """The text without its enumerators; a bare "92)" closing a bracket opened before it ("(n = 92)")
    is the policy's number, not numbering."""

    def dropped(found: re.Match[str]) -> str:
        if not found.group().startswith("(") and open_brackets(text[: found.start()]):
            return found.group()
        return " "

    return ENUMERATOR.sub(dropped, text)


def sentences(kind: str, heading: str, page: int, text: str) -> list[Passage]:
    text = _without_enumerators(MATH_DELIMITER.sub("", " ".join(text.split())))
    # A passage is a sentence or a clause (a list's lead-in ends at its colon).
    text = " ".join(text.split())
    bounds = [0, *sentence_starts(text, clauses=True), len(text)]
    parts = (LEADING_LABEL.sub("", text[start:end].strip()) for start, end in pairwise(bounds))
    return [Passage(kind, heading, page, part) for part in parts if part]
