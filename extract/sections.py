"""Section segmentation: headings by phrase (rules/sections.toml) and by typography.

A heading whose words match a phrase of the data file starts a section of that kind at level 1.
A line that only looks like a heading (larger than the body text, or a short bold line) starts a
sub-section that inherits the kind of the section around it, so "Home Sleep Apnea Testing" under
"Coverage Rationale" is still criteria.
"""

from __future__ import annotations

import re
from functools import cache

from policydiff.extract.document import Document, Line, Section
from policydiff.extract.rules import RuleFileError, load_rules, string_list

_TRAILING_PAGE = re.compile(r"[\s.…]*\d{1,3}$")
_NON_WORD = re.compile(r"[^\w/&,()\-.' ]+")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.;,]$")
_OUTLINE = r"\(?[0-9ivxlcIVXLCa-zA-Z]{1,4}[.)]"  # "B.", "iv)", "(2)"
_LIST_LABEL = re.compile(rf"^(?:[•▪§o\-–]|{_OUTLINE})\s")
_OUTLINE_LABEL = re.compile(rf"^{_OUTLINE}\s")

MAX_HEADING_WORDS = 12
PREAMBLE = "preamble"


def normalize_heading(text: str) -> str:
    text = text.replace("&", " and ").replace("\t", " ")
    text = _TRAILING_PAGE.sub("", text.strip())
    text = _NON_WORD.sub(" ", text.lower())
    text = text.replace(" :", ":").rstrip(":. ").strip()
    return _SPACES.sub(" ", text)


@cache
def heading_phrases() -> dict[str, str]:
    """Normalized phrase -> section kind, from rules/sections.toml."""
    rules = load_rules("sections")
    phrases: dict[str, str] = {}
    for kind, entry in rules.items():
        if not isinstance(entry, dict):
            raise RuleFileError(f"rule file sections.toml: [{kind}] must be a table with 'phrases'")
        for phrase in string_list(entry, "phrases", "sections"):
            key = normalize_heading(phrase)
            if phrases.get(key, kind) != kind:
                raise RuleFileError(f"rule file sections.toml: phrase {phrase!r} is under two kinds")
            phrases[key] = kind
    return phrases


def heading_text(line: Line) -> str | None:
    """The text a line would have as a heading: a row counts only with one filled cell or as a TOC entry."""
    if not line.is_row:
        return line.text
    filled = [cell.text for cell in line.cells if cell.text.strip()]
    if len(filled) == 1:
        return filled[0]
    return line.cells[0].text if _is_toc_row(line) else None


def phrase_kind(line: Line) -> str | None:
    """The section kind a line names, if the whole line is a known heading phrase."""
    text = heading_text(line)
    if text is None:
        return None
    if len(text.split()) > MAX_HEADING_WORDS:
        return None
    label = _LIST_LABEL.match(text)
    if label is None:
        return heading_phrases().get(normalize_heading(text))
    if _numbered_heading(line, text):
        return heading_phrases().get(normalize_heading(text[label.end() :]))
    return None


def _numbered_heading(line: Line, text: str) -> bool:
    """A bold outline-lettered line ("B. Nationally Covered Indications") is a heading whose label numbers
    it; a plain labelled line is a list item, whatever its words."""
    return (line.bold or line.heading_level is not None) and bool(_OUTLINE_LABEL.match(text))


def _is_toc_row(line: Line) -> bool:
    return len(line.cells) == 2 and line.cells[1].text.strip().isdigit()


def typographic_level(line: Line, body_size: float) -> int | None:
    """2 for a line set larger than the body, 3 for a short bold line; None for body text."""
    text = line.text
    words = text.split()
    if line.heading_level is not None:
        return line.heading_level
    if line.is_row or not words or len(words) > MAX_HEADING_WORDS:
        return None
    if _LIST_LABEL.match(text) and not _numbered_heading(line, text):
        return None
    if _SENTENCE_END.search(text) or text.endswith(":") or not any(ch.isalpha() for ch in text):
        return None
    if body_size and line.size >= body_size + 1.0:
        return 2
    if line.bold:
        return 3
    return None


def segment(doc: Document) -> list[Section]:
    """The document's lines cut into sections, in order; lines before any heading form a preamble."""
    body_size = doc.body_size
    sections = [Section(kind=PREAMBLE, heading="", level=0)]
    top_kind = PREAMBLE
    last_seen = {normalize_heading(line.text): index for index, line in enumerate(doc.lines)}
    for index, line in enumerate(doc.lines):
        # A contents list names the headings that come later: an entry is no heading, whether it prints a
        # page number or (a web page's contents) names a heading that stands again further down.
        if top_kind == "toc" and (_is_toc_row(line) or last_seen[normalize_heading(line.text)] > index):
            sections[-1].lines.append(line)
            continue
        kind = phrase_kind(line)
        if kind is not None:
            sections.append(Section(kind=kind, heading=heading_text(line) or "", level=1))
            top_kind = kind
            continue
        level = typographic_level(line, body_size)
        following = doc.lines[index + 1] if index + 1 < len(doc.lines) else None
        if level is not None and top_kind != PREAMBLE and not _continues(line, following):
            sections.append(Section(kind=top_kind, heading=line.text, level=level))
            continue
        sections[-1].lines.append(line)
    return [section for section in sections if section.lines or section.heading]


def _continues(line: Line, following: Line | None) -> bool:
    """Whether the next line goes on with this one's sentence (so this line is no heading)."""
    if following is None or following.is_row or line.heading_level is not None:
        return False
    first = following.text.lstrip("(\"'“")[:1]
    return first.islower() and following.page == line.page


def sections_of(sections: list[Section], kind: str) -> list[Section]:
    return [section for section in sections if section.kind == kind]
