"""Section segmentation: headings by phrase (rules/sections.toml) and by typography.

A heading whose words match a phrase of the data file starts a section of that kind at level 1.
A line that only looks like a heading (larger than the body text, or a short bold line) starts a
sub-section that inherits the kind of the section around it, so "Home Sleep Apnea Testing" under
"Coverage Rationale" is still criteria; but one marked up as the known heading above it (the same
markup level) is its peer: it ends that section and opens one of kind OTHER, which no field reads. Known
headings of no field's kind ("Summary for Members and Families") are of kind OTHER by phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from policydiff.extract.cues import coverage_of, is_code_row
from policydiff.extract.document import Document, Line, Section
from policydiff.extract.rules import RuleFileError, load_rules, regex, regex_list, string_list

_TRAILING_PAGE = re.compile(r"[\s.…]*\d{1,3}$")
_NON_WORD = re.compile(r"[^\w/&,()\-.' ]+")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.;,]$")
_OUTLINE = r"\(?[0-9ivxlcIVXLCa-zA-Z]{1,4}[.)]"  # "B.", "iv)", "(2)"
_LIST_LABEL = re.compile(rf"^(?:[•▪§o\-–]|{_OUTLINE})\s")
_OUTLINE_LABEL = re.compile(rf"^{_OUTLINE}\s")
_TOC_ENTRY = re.compile(r"(?:\.{4,}|…{2,})\s*\d{1,3}\s*$")  # "Coverage Rationale ........ 1"

MAX_HEADING_WORDS = 12
TABLE_KINDS = ("codes", "revisions")  # sections whose heading a table follows
INTRODUCTION = "description"  # the kind of "Introduction", "Overview", "Summary"
MAX_QUALIFIERS = 3  # words before a known phrase that still make a heading of it
MIN_QUALIFIED_WORDS = 3  # and the fewest words of that phrase
PREAMBLE = "preamble"
OTHER = "other"  # sections no field reads: a known phrase of no field, or an unknown peer heading
REMARK_TABLE = "remark"  # the table of sections.toml that is no section kind
# The kinds a section quoting another body's document holds as its own sub-headings (sections.toml quoting).
QUOTED_KINDS = ("criteria", "codes")


def normalize_heading(text: str) -> str:
    """A heading as sections.toml's phrases are compared with it. Unlike rules.phrase_key it keeps the
    punctuation inside a heading (brackets, slashes, periods, commas): on a page whose line breaks were
    lost, the reflow finds headings inside running text by this key, and 'Centers for Medicare and
    Medicaid Services (CMS).' opening a reference is not the heading it would be with its brackets
    dropped (the words-only key moved headings in three corpus documents and lost a revision log)."""
    text = text.replace("&", " and ").replace("\t", " ")
    text = _TRAILING_PAGE.sub("", text.strip())
    text = _NON_WORD.sub(" ", text.lower())
    text = text.replace(" :", ":").rstrip(":. ").strip()
    return _SPACES.sub(" ", text)


@dataclass(frozen=True)
class SectionRules:
    phrases: dict[str, str]  # normalized heading phrase -> section kind
    questions: dict[str, str]  # normalized question start ("what is") -> section kind
    # (pattern the whole normalized heading matches, section kind): a heading with the service's name in it
    patterns: list[tuple[re.Pattern[str], str]]
    # normalized headings of sections that quote other bodies' documents, headings and all
    quoting: frozenset[str]


@cache
def section_rules() -> SectionRules:
    """rules/sections.toml read once: each kind's `phrases` and optional `questions`, checked on load."""
    phrases: dict[str, str] = {}
    questions: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    quoting: set[str] = set()
    for kind, entry in load_rules("sections").items():
        if kind == REMARK_TABLE:
            continue
        if not isinstance(entry, dict):
            raise RuleFileError(f"rule file sections.toml: [{kind}] must be a table with 'phrases'")
        for phrase in string_list(entry, "phrases", "sections"):
            key = normalize_heading(phrase)
            if phrases.get(key, kind) != kind:
                raise RuleFileError(f"rule file sections.toml: phrase {phrase!r} is under two kinds")
            phrases[key] = kind
        if "questions" in entry:
            questions.update(
                (normalize_heading(start), kind) for start in string_list(entry, "questions", "sections")
            )
        if "patterns" in entry:
            patterns.extend((pattern, kind) for pattern in regex_list(entry, "patterns", "sections"))
        if "quoting" in entry:
            for phrase in string_list(entry, "quoting", "sections"):
                if phrases.get(normalize_heading(phrase)) != kind:
                    raise RuleFileError(
                        f"rule file sections.toml: quoting {phrase!r} is not a phrase of [{kind}]"
                    )
                quoting.add(normalize_heading(phrase))
    return SectionRules(phrases=phrases, questions=questions, patterns=patterns, quoting=frozenset(quoting))


def heading_phrases() -> dict[str, str]:
    """Normalized phrase -> section kind, from rules/sections.toml."""
    return section_rules().phrases


@cache
def heading_remark() -> re.Pattern[str]:
    """A remark in brackets after a heading's words ("CPT/HCPCS Codes (Note: the inclusion of a code")."""
    return regex(load_rules("sections")[REMARK_TABLE], "pattern", "sections")


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
    # A line that starts in lower case ends a sentence wrapped from the line before ("... indications.").
    if line.heading_level is None and text.lstrip()[:1].islower():
        return None
    label = _LIST_LABEL.match(text)
    if label is not None:
        if not _numbered_heading(line, text):
            return None
        text = text[label.end() :]
    return _known_heading(text)


def _known_heading(text: str) -> str | None:
    """The kind of a heading's words: the whole phrase, else the phrase before a remark in brackets, else
    a compound of known phrases of one kind ("Description/Scope", "Background/Overview"), else a question
    that opens on a known question start ("What is liquid biopsy testing?")."""
    if question := _question_kind(text):
        return question
    phrases = heading_phrases()
    for candidate in (text, heading_remark().sub("", text)):
        if len(candidate.split()) <= MAX_HEADING_WORDS and (
            kind := phrases.get(normalize_heading(candidate))
        ):
            return kind
    words = text.split()
    if len(words) > MAX_HEADING_WORDS:
        return None
    key = normalize_heading(text)
    if kind := next((kind for pattern, kind in section_rules().patterns if pattern.fullmatch(key)), None):
        return kind
    if "/" in text:
        kinds = {phrases.get(normalize_heading(part)) for part in text.split("/")}
        if len(kinds) == 1 and None not in kinds:
            return kinds.pop()
    return _qualified_phrase(words)


def _question_kind(text: str) -> str | None:
    text = text.strip()
    if not text.endswith("?") or len(text.split()) > MAX_HEADING_WORDS:
        return None
    lowered = normalize_heading(text)
    return next(
        (kind for start, kind in section_rules().questions.items() if lowered.startswith(start + " ")), None
    )


def _qualified_phrase(words: list[str]) -> str | None:
    """The kind of a title-cased heading that ends in a known phrase of three or more words after a few
    qualifying words ("Joint BCBSM/BCN Medical Policy History"); a sentence's end never qualifies, nor a
    masthead that ends in a shorter phrase ("Medical Coverage Policy"), nor a column header."""
    if not all(word[:1].isupper() or not word[:1].isalpha() for word in words):
        return None
    phrases = heading_phrases()
    for start in range(1, min(len(words) - MIN_QUALIFIED_WORDS, MAX_QUALIFIERS) + 1):
        kind = phrases.get(normalize_heading(" ".join(words[start:])))
        # A coverage position after other words heads a table's column ("Code Not Medically Necessary").
        if kind is not None and kind != "criteria":
            return kind
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
    top_line: Line | None = None
    subheadings_alike = False
    capitals_below = False  # the section's heading, in other case, has a first sub-heading in capitals
    last_seen = {normalize_heading(line.text): index for index, line in enumerate(doc.lines)}
    listed: set[str] = set()  # the headings a contents list names
    listed_kind: str | None = None  # the kind of the last known heading it names
    opened: set[str] = set()  # the known headings that have started a section
    announcing: Section | None = None  # a criteria section whose last line announces a list
    for index, line in enumerate(doc.lines):
        # A contents list names the headings that come later: an entry is no heading, whether it prints a
        # page number or (a web page's contents) names a heading that stands again further down.
        # An entry with dot leaders and a page number is one, whatever heading is above it (a contents
        # list headed "Table of Contents Page").
        listing = _TOC_ENTRY.search(line.text) is not None
        if listing or (
            top_kind == "toc" and (_is_toc_row(line) or last_seen[normalize_heading(line.text)] > index)
        ):
            sections[-1].lines.append(line)
            listed.add(normalize_heading(heading_text(line) or line.text))
            continue
        kind = phrase_kind(line)
        if announcing is not None and kind is None and _first_of_next_page(doc.lines, index, announcing):
            # A side panel ("Related Commercial Policies") printed at the page's end cut a list short:
            # the next page's text goes on with it.
            sections.append(replace(announcing, lines=[], level=2, resumed=True))
            top_kind, announcing = announcing.kind, None
        following = doc.lines[index + 1] if index + 1 < len(doc.lines) else None
        continued = _continues(line, following) and not heading_remark().search(line.text)
        # A revision log's rows name the sections they changed ("Coverage Rationale" / "Added language
        # ..."): a heading that already opened a section is the log's words there, not a second section.
        key = normalize_heading(heading_text(line) or "")
        named_again = top_kind == "revisions" and key in opened
        if kind == INTRODUCTION and _introduces(sections[-1]):
            # "Criteria" / "Introduction" / "Requests ... are reviewed using the following criteria.":
            # an introduction right under a heading is that section's own.
            sections.append(Section(kind=top_kind, heading=heading_text(line) or "", level=2))
            continue
        if kind is not None and kind == top_kind and top_line is not None and _names_a_part(top_line, key):
            # "CPT Codes / HCPCS Codes / ICD Codes" over "CPT Codes": a part the heading names is its
            # sub-heading (the sentence under the heading governs the list under the part).
            sections.append(Section(kind=top_kind, heading=heading_text(line) or "", level=2))
            continue
        if (
            kind is not None
            and kind != top_kind
            and (_labels_codes(top_kind, doc.lines, index) or _quoted(top_line, kind))
        ):
            # "Not Medically Necessary" over "Code Not Medically Necessary" / "81327": inside a code list, a
            # coverage position right above code rows is a label of the list's codes, not a criteria section.
            # "Coverage Indications Limitations and/or Medical Necessity" inside "Government Regulations",
            # which prints a Medicare LCD: the LCD's criteria, a sub-heading of the quote, not the policy's.
            sections.append(Section(kind=top_kind, heading=heading_text(line) or "", level=2))
            continue
        if kind is not None and capitals_below and _in_capitals(line):
            # "Rationale" opened by "GENERAL PRINCIPLES OF GENETIC TESTS": a known phrase set in the same
            # capitals further down ("MEDICAL NECESSITY CRITERIA") is one of its sub-headings, not a section.
            sections.append(Section(kind=top_kind, heading=line.text, level=2))
            continue
        if kind is not None and not continued and not named_again and not _heads_a_column(sections[-1], kind):
            sections.append(Section(kind=kind, heading=heading_text(line) or "", level=1))
            top_kind, top_line, subheadings_alike, capitals_below = kind, line, False, False
            opened.add(key)
            if key in listed:
                listed_kind = kind
            continue
        if kind is None and not continued and _names_listed(line, listed):
            # A heading the contents list names in words no phrase knows ("General Criteria for Genetic
            # Liquid Biopsy Testing") is part of the last listed known heading's section, even after an
            # unlisted one ("Definitions" inside it); before any, of no field's kind.
            kind = listed_kind or OTHER
            sections.append(Section(kind=kind, heading=line.text, level=2 if kind == top_kind else 1))
            top_kind, top_line, subheadings_alike, capitals_below = kind, line, False, False
            continue
        if kind is None and top_line is not None and _opens_in_capitals(sections[-1], top_line, line):
            capitals_below = True
        level = typographic_level(line, body_size)
        if level is not None and top_kind != PREAMBLE and not _continues(line, following):
            alike = top_line is not None and _set_alike(line, top_line)
            if alike and sections[-1].lines and not subheadings_alike:
                top_kind, top_line = OTHER, line
                sections.append(Section(kind=top_kind, heading=line.text, level=1))
            else:
                # A heading whose first sub-heading stands right under it, set alike, sets its others so.
                subheadings_alike = subheadings_alike or alike
                sections.append(Section(kind=top_kind, heading=line.text, level=level))
            continue
        sections[-1].lines.append(line)
        if sections[-1].kind == "criteria":
            announcing = sections[-1] if line.text.rstrip().endswith(":") else None
    return [section for section in sections if section.lines or section.heading]


def _quoted(top_line: Line | None, kind: str) -> bool:
    """Whether a heading of `kind` is a sub-heading of a section that quotes another body's document
    (sections.toml `quoting`), the section `top_line` heads."""
    return (
        kind in QUOTED_KINDS
        and top_line is not None
        and normalize_heading(heading_text(top_line) or "") in section_rules().quoting
    )


def _labels_codes(top_kind: str, lines: list[Line], index: int) -> bool:
    """Whether a heading inside a codes section states a coverage position over the code rows right
    below it (one line between, for the table's header). The one place such a label is told from a
    criteria heading: the codes reader takes every codes sub-section as part of the list, and the
    status of its codes from the label's words."""
    return (
        top_kind == "codes"
        and coverage_of(lines[index].text) is not None
        and any(is_code_row(line.text) for line in lines[index + 1 : index + 3])
    )


def _first_of_next_page(lines: list[Line], index: int, announcing: Section) -> bool:
    """Whether a line opens the page after the one on which `announcing` announced its list."""
    return (
        index > 0
        and lines[index - 1].page < lines[index].page
        and announcing.lines[-1].page == lines[index - 1].page
    )


def _names_listed(line: Line, listed: set[str]) -> bool:
    """Whether a line is a heading the contents list names, not a sentence ending in its words."""
    text = line.text.strip()
    return bool(listed) and not _SENTENCE_END.search(text) and normalize_heading(text) in listed


def _introduces(current: Section) -> bool:
    """Whether a section has just opened under a known heading of a kind other than an introduction."""
    return current.level == 1 and not current.lines and current.kind not in (INTRODUCTION, PREAMBLE, OTHER)


def _heads_a_column(current: Section, kind: str) -> bool:
    """Whether a known phrase right under the heading of a table section, before any line of it, is the
    table's first column header ("Policy" / "Effective Date" under a policy history heading)."""
    return current.kind in TABLE_KINDS and current.level == 1 and not current.lines and kind != current.kind


def _names_a_part(heading: Line, key: str) -> bool:
    """Whether a compound heading ("CPT Codes / HCPCS Codes / ICD Codes") names `key` as one of its parts."""
    parts = (heading_text(heading) or "").split("/")
    return len(parts) > 1 and key in {normalize_heading(part) for part in parts}


def _in_capitals(line: Line) -> bool:
    """Whether a line could be a heading set all in capitals ("SUMMARY OF EVIDENCE")."""
    text = heading_text(line) or ""
    words = text.split()
    return (
        0 < len(words) <= MAX_HEADING_WORDS
        and text.isupper()
        and not _SENTENCE_END.search(text)
        and not _LIST_LABEL.match(text)
    )


def _opens_in_capitals(current: Section, heading: Line, line: Line) -> bool:
    """Whether a line in capitals stands right under a known heading not in capitals: the heading's
    sub-headings are set so, and the same capitals further down are its sub-headings."""
    return current.level == 1 and not current.lines and _in_capitals(line) and not _in_capitals(heading)


def _set_alike(line: Line, heading: Line) -> bool:
    """Whether a heading line is marked up as (or above) a known heading (HTML <h2> after <h2>). Size and
    weight alone do not tell: templates set their sub-headings as their section headings ("Prepay
    Review" under "Policy/Criteria"), so in a PDF an unknown heading stays a sub-section."""
    if line.heading_level is None or heading.heading_level is None:
        return False
    return line.heading_level <= heading.heading_level


def _continues(line: Line, following: Line | None) -> bool:
    """Whether the next line goes on with this one's sentence (so this line is no heading)."""
    if following is None or following.is_row or line.heading_level is not None:
        return False
    first = following.text.lstrip("(\"'“")[:1]
    return first.islower() and following.page == line.page
