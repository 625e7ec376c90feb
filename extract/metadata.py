"""Metadata: payer, policy number, title, dates and related policies.

Labels and payer names are data (rules/metadata.toml, rules/payers.toml). Values are read after a
label on the same line or, where the label ends its line, on the next one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from policydiff.extract.dates import find_date
from policydiff.extract.document import Document, Line, Section
from policydiff.extract.provenance import placed
from policydiff.extract.rules import RuleFileError, load_rules, phrase_alternation, regex_list, string_list
from policydiff.extract.sections import PREAMBLE, heading_phrases, normalize_heading
from policydiff.model import Dates, Diagnostic
from policydiff.model.policy import Provenance

# Lines of the first pages searched for labelled fields: metadata sits in the front matter.
FRONT_MATTER_LINES = 60
# A title broken over lines spans at most this many; a line with a date and at most this many words is
# a date line ("Effective Date: January 1, 2026", "Status: Revised Effective Date: 10/05/2025").
TITLE_MAX_LINES = 5
DATE_LINE_WORDS = 10
# A line of a header (label and value, a version line) has at most this many words; a sentence more.
HEADER_LINE_WORDS = 12
UNLABELLED_NUMBER_LINE_WORDS = 20  # the longest line a number known by its shape alone is read from
# The page-1 lines that can hold a header naming the payer (logo text, plan name).
HEADER_LINES = 15
# A copyright notice: "©2025 EviCore", "Copyright 2026 United HealthCare Services, Inc.".
_COPYRIGHT = re.compile(r"©|\bcopyright\s*(?:©\s*)?\d{4}", re.I)
# "1  /1/26": a text extraction's spaces inside a date.
_SPACED_DATE_SLASH = re.compile(r"(?<=\d)\s+/(?=\s*\d)")
# A number printed with its hyphen spaced out ("AHS - G2054") is the number "AHS-G2054".
_SPACED_HYPHEN = re.compile(r"\s*-\s*")
# A label's value printed below it is looked for in this many following lines.
VALUE_BELOW_LINES = 2
# A date is a label's value when it starts at most this many characters after the label (": ", "# "),
# and is read from at most this many characters.
MAX_GAP_AFTER_LABEL = 3
DATE_AFTER_LABEL_CHARS = 48
# sections.typographic_level: 3 is a short bold line of body size (2 is larger type).
BOLD_HEADING_LEVEL = 3
_BULLET_MARK = re.compile(r"(?:^|\s)[•▪§■◦]\s+")
# "A52464 - Glucose Monitor - Policy Article", "40.2 - Home Blood Glucose Monitors", "CG-MED-59 Upper ..."
_DOCUMENT_ID_ITEM = re.compile(r"^(?=[\w.-]*\d)[A-Z0-9][\w.-]*\s+(?:[-–]\s+)?[A-Z]")
_NOT_AN_ITEM = re.compile(r"^(?:n/?a|none)?$", re.I)


@dataclass
class Metadata:
    payer: str | None = None
    policy_number: str | None = None
    title: str = ""
    dates: Dates = field(default_factory=Dates)
    related_policies: list[str] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)


def _label_pattern(labels: list[str], separator: str = r"\s*[:#.]?\s*") -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z])(?:{phrase_alternation(labels)})(?![a-z]){separator}", re.I)


def _scope_patterns(states: list[str], word: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a state named as a policy's scope anywhere, a state's code or its scope at a title's end)."""
    if not isinstance(word, str) or not word.strip():
        raise RuleFileError("rule file metadata.toml: [title] scope_word must be a word")
    codes = "|".join(re.escape(state) for state in states)
    named = re.compile(rf"\b({codes})\s+{re.escape(word)}\b", re.I)
    at_end = re.compile(rf"[\s(–-]*\b({codes})(\s+{re.escape(word)})?\)?\s*$", re.I)
    return named, at_end


@cache
def _rules() -> dict:
    rules = load_rules("metadata")
    compiled = {
        "number_label": _label_pattern(string_list(rules["policy_number"], "labels", "metadata")),
        "number_value": re.compile(rules["policy_number"]["value_pattern"]),
        "other_number_label": _label_pattern(string_list(rules["policy_number"], "not_labels", "metadata")),
        "number_shapes": [
            re.compile(p) for p in string_list(rules["policy_number"], "unlabelled_patterns", "metadata")
        ],
        "title_label": _label_pattern(string_list(rules["title"], "labels", "metadata")),
        # Other fields' labels count only with their ':' ("Section: Laboratory", not "Section 1862").
        "other_label": _label_pattern(
            string_list(rules["other_labels"], "labels", "metadata"), separator=r"\s*#?\s*:\s*"
        ),
        "banners": regex_list(rules["title"], "banners", "metadata"),
        "not_title": regex_list(rules["title"], "never", "metadata"),
        "scope": _scope_patterns(
            string_list(rules["title"], "scope_states", "metadata"), rules["title"].get("scope_word", "")
        ),
        "related_cue": re.compile(
            "|".join(re.escape(cue) for cue in string_list(rules["related"], "cues", "metadata")), re.I
        ),
        "dates": {},
    }
    compiled["date_tiers"] = {}
    for date_field in rules["dates"]:
        labels = string_list(rules["dates"], date_field, "metadata")
        compiled["dates"][date_field] = _label_pattern(labels)
        bare = [label for label in labels if " " not in label.strip()]
        specific = [label for label in labels if label not in bare]
        compiled["date_tiers"][date_field] = [
            (_label_pattern(tier), tier is bare) for tier in (specific, bare) if tier
        ]
    cues = string_list(rules["header_dates"], "code_row_cues", "metadata")
    compiled["code_row"] = re.compile(rf"\b(?:{'|'.join(re.escape(cue) for cue in cues)})\s*$", re.I)
    return compiled


@cache
def _payer_names() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern of every payer's aliases and web domains, longest first (so "EviCore by Evernorth" is
    read whole, not as a shorter alias inside it), and the payer each lower-cased name stands for."""
    owner: dict[str, str] = {}
    for name, entry in load_rules("payers").items():
        for alias in string_list(entry, "aliases", "payers") + string_list(entry, "domains", "payers"):
            if owner.setdefault(alias.lower(), name) != name:
                raise RuleFileError(
                    f"rule file payers.toml: {alias!r} names both {owner[alias.lower()]} and {name}"
                )
    alternatives = "|".join(re.escape(alias) for alias in sorted(owner, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I), owner


def date_label(date_field: str) -> re.Pattern[str]:
    """The labels of one of the record's dates (metadata.toml [dates]): "Next Review Date:" also closes a
    revision log (extract/revisions.py)."""
    return _rules()["dates"][date_field]


def payers_named(text: str) -> list[str]:
    """The payers a text names, one entry per mention."""
    pattern, owner = _payer_names()
    return [owner[match.group(0).lower()] for match in pattern.finditer(text)]


def _front_lines(doc: Document) -> list[Line]:
    """Page-one furniture, then the first body lines (whatever their page: CMS prints its dates on page 4,
    after a contractor table that the PDF loader keeps as a few row lines)."""
    header = [line for line in doc.furniture if line.page == 1]
    return header + doc.lines[:FRONT_MATTER_LINES]


def _texts(line: Line) -> list[tuple[str, float, float]]:
    """The line's cells (or the line itself) as text with its horizontal span."""
    if line.cells:
        return [(cell.text, cell.x0, cell.x1) for cell in line.cells]
    return [(line.text, line.x0, line.x1)]


def _value_below(lines: list[Line], index: int, x0: float, x1: float) -> tuple[str, int]:
    """The value printed under a label that ends its line, and the index of its line: the next line set
    under the label's column (Anthem right-aligns "Last Review Date:" and puts its date on the next line),
    else the next line ("" at the label's own index when no line follows)."""
    following = lines[index + 1 : index + 1 + VALUE_BELOW_LINES]
    for offset, line in enumerate(following, start=index + 1):
        for text, cell_x0, cell_x1 in _texts(line):
            if x1 > x0 and cell_x1 > cell_x0 and cell_x0 < x1 and x0 < cell_x1 and text.strip():
                return text.strip(), offset
    return (following[0].text.strip(), index + 1) if following else ("", index)


def _labelled_value(
    lines: list[Line], label: re.Pattern[str], not_labels: set[int] | None = None
) -> tuple[str, int] | None:
    """The text after `label` at the start of a line or cell (same cell, or the value below), and the index
    of the line that holds it. Lines whose id is in `not_labels` (a running header: a banner such as
    "CLINICAL POLICY", not a label) can hold a value, not a label."""
    for index, line in enumerate(lines):
        if not_labels and id(line) in not_labels:
            continue
        for text, x0, x1 in _texts(line):
            match = label.match(text.strip())
            if not match:
                continue
            rest, at = text.strip()[match.end() :].strip(), index
            if not rest:
                rest, at = _value_below(lines, index, x0, x1)
            if rest and not _is_label_line(rest):
                return rest, at
    return None


def find_policy_number(doc: Document) -> tuple[str, Line] | None:
    """The policy number and the line it is printed on."""
    rules = _rules()
    front = _front_lines(doc)
    for index, line in enumerate(front):
        for text, x0, x1 in _texts(line):
            for label in rules["number_label"].finditer(text):
                if _inside(label, rules["other_number_label"], text):
                    continue
                rest, at = text[label.end() :], index
                if not rest.strip():
                    rest, at = _value_below(front, index, x0, x1)
                words = _until_next_label(rest).split()
                value = rules["number_value"].fullmatch(words[0].rstrip(".-,;")) if words else None
                if value:
                    return value.group(0), front[at]
    # A number known by its shape alone is read from header lines, never from a sentence or citation of the
    # body ("... Retrieved from ... LCD L38043"): a policy cites other payers' documents.
    everything = [
        line for line in front + doc.furniture if len(line.text.split()) <= UNLABELLED_NUMBER_LINE_WORDS
    ]
    for shape in rules["number_shapes"]:
        for line in everything:
            match = shape.search(line.text)
            if match:
                return _SPACED_HYPHEN.sub("-", match.group(1 if shape.groups else 0)), line
    return None


def _inside(match: re.Match[str], other: re.Pattern[str], text: str) -> bool:
    """Whether `match` is part of a longer label of `other` ("Publication Number" holds "Number")."""
    return any(
        found.start() <= match.start() and match.end() <= found.end() and found.group(0) != match.group(0)
        for found in other.finditer(text)
    )


def _until_next_label(text: str) -> str:
    """A label's value ends where the next label begins ("GENE.00059Publish Date: 07/06/2022")."""
    rules = _rules()
    starts = [
        match.start()
        for pattern in (
            rules["number_label"],
            rules["title_label"],
            rules["other_label"],
            *rules["dates"].values(),
        )
        for match in [pattern.search(text, 1)]
        if match
    ]
    return text[: min(starts)] if starts else text


def find_dates(doc: Document) -> tuple[Dates, dict[str, Line]]:
    """Each date from its label in the front matter: a label of several words ("Publish Date") anywhere
    in it before a bare one ("effective"), which a sentence of the body may hold; and the line of each
    date's label (where it was read)."""
    found: dict[str, str] = {}
    where: dict[str, Line] = {}
    front = _front_lines(doc)
    for date_field, tiers in _rules()["date_tiers"].items():
        for label, is_bare in tiers:
            # A bare word ("effective") labels a date only in a header-like line, not in a sentence.
            lines = (
                front
                if not is_bare
                else [line for line in front if len(line.text.split()) <= HEADER_LINE_WORDS]
            )
            labelled = _labelled_date(lines, label, date_field)
            if labelled is not None:
                found[date_field], where[date_field] = labelled
                break
    fields = [key for key in found if key in Dates.model_fields]
    return Dates(**{key: found[key] for key in fields}), {key: where[key] for key in fields}


def _labelled_date(front: list[Line], label: re.Pattern[str], date_field: str) -> tuple[str, Line] | None:
    for index, line in enumerate(front):
        for text, x0, x1 in _texts(line):
            text = _SPACED_DATE_SLASH.sub("/", text)
            for match in label.finditer(text):
                # A longer label of another field at the same place wins ("Original Effective Date"
                # must not be read as "Effective Date"); a code row's date is no date of the policy.
                if _starts_longer_label(text, match, date_field) or _rules()["code_row"].search(
                    text[: match.start()]
                ):
                    continue
                rest = text[match.end() :]
                if rest.strip():
                    date = find_date(rest[:DATE_AFTER_LABEL_CHARS])
                    near = date is not None and date[1].start() <= MAX_GAP_AFTER_LABEL
                else:
                    # The value below may follow a short lead-in ("For services performed on or after").
                    date = find_date(_value_below(front, index, x0, x1)[0][:DATE_AFTER_LABEL_CHARS])
                    near = date is not None
                if near and date is not None:
                    return date[0], line
    return None


def _starts_longer_label(text: str, match: re.Match[str], date_field: str) -> bool:
    for other_field, other in _rules()["dates"].items():
        if other_field == date_field:
            continue
        for other_match in other.finditer(text):
            if other_match.start() < match.start() < other_match.end() or (
                other_match.start() <= match.start() and other_match.end() > match.end()
            ):
                return True
    return False


# A text that may name the payer, and its line (None for the source address and the site name).
Evidence = tuple[str, Line | None]


def _payer_evidence(doc: Document) -> list[list[Evidence]]:
    """Texts where a document names its own publisher, strongest first: the page-1 header, the running
    headers and footers, copyright lines, then where it was published (source address, site name). The
    body is no evidence: it cites other organisations (a Medicare NCD, an NCCN guideline)."""
    header = [line for line in doc.furniture if line.page == 1]
    header += [line for line in doc.lines[:HEADER_LINES] if line.page == 1]
    copyright_lines = [line for line in [*doc.furniture, *doc.lines] if _COPYRIGHT.search(line.text)]
    published = [(text, None) for text in (doc.source_url, doc.site_name) if text]
    return [[(line.text, line) for line in lines] for lines in (header, doc.furniture, copyright_lines)] + [
        published
    ]


def find_payer(doc: Document) -> tuple[str, Line | None] | None:
    """The payer named most at the strongest place of evidence that names one payer more than any other,
    and the first line there that names it (None when it was the source address or site name); None
    when no place decides (no name, or a tie everywhere)."""
    for evidence in _payer_evidence(doc):
        named = [(name, line) for text, line in evidence for name in payers_named(text)]
        ranked = Counter(name for name, _ in named).most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            payer = ranked[0][0]
            return payer, next(line for name, line in named if name == payer)
    return None


# A title and the lines it is printed on (none with no title).
Titled = tuple[str, list[Line]]
NO_TITLE: Titled = ("", [])


def find_title(doc: Document, sections: list[Section], policy_number: str | None) -> Titled:
    rules = _rules()
    # Labels are read from the body only: a running header ("CLINICAL POLICY") is a banner, not a label.
    # The page-1 running header joins them in reading order: it may be the only copy of a value below its
    # label (a text extraction keeps "Somatic Tumor Testing" under "Appropriate Use Criteria:" once per page).
    page_one_body = _reading_order([*doc.lines[:FRONT_MATTER_LINES], *doc.furniture], page=1)
    labelled = _labelled_value(page_one_body, rules["title_label"], {id(line) for line in doc.furniture})
    if labelled:
        value, index = labelled
        following = _continuation(page_one_body, index)
        title = " ".join([_until_next_label(value), *(line.text for line in following)])
        return _clean_title(title), [page_one_body[index], *following]
    # Typography: the largest text on the first page that is neither a payer banner nor a label.
    page_one = [line for line in doc.lines if line.page == 1 and line.size]
    if page_one:
        candidates = [line for line in page_one if _title_like(line.text) and not _is_label_line(line.text)]
        if candidates:
            biggest = max(line.size for line in candidates)
            if biggest > doc.body_size + 1:
                title_lines = [line for line in candidates if abs(line.size - biggest) < 0.2][:3]
                return _clean_title(" ".join(line.text for line in title_lines)), title_lines
    # Plain text: the title-like lines next to the policy number, else the first run of title-cased
    # lines, in the front matter before the first section (the page-1 running header included: a
    # text extraction keeps it inline, where it may be the title's only copy).
    # The policy number anchors its title anywhere in the front matter; a title-cased run is looked for
    # only before the first section heading.
    preamble = next((section for section in sections if section.kind == PREAMBLE), None)
    by_number = _title_by_number(
        _reading_order([*doc.lines[:FRONT_MATTER_LINES], *doc.furniture], 1), policy_number
    )
    before_sections = _reading_order([*(preamble.lines if preamble else []), *doc.furniture], page=1)
    title, lines = by_number if by_number[0] else _title_cased_run(before_sections, policy_number)
    return _clean_title(title), lines


def _reading_order(lines: list[Line], page: int) -> list[Line]:
    """A page's lines, body and furniture together, top to bottom."""
    return sorted((line for line in lines if line.page == page), key=lambda line: line.top)


def _continuation(lines: list[Line], index: int) -> list[Line]:
    """The lines after lines[index] that go on with a title broken over several lines."""
    following: list[Line] = []
    for line in lines[index + 1 : index + 1 + TITLE_MAX_LINES]:
        if line.page != lines[index].page or (line.size and abs(line.size - lines[index].size) > 0.2):
            break
        # A title wrapped in a list of its words breaks after a comma ("... Disability, Autism Spectrum Disorder,").
        wrapped = line.text.rstrip().removesuffix(",")
        if not _title_line(wrapped) or not _title_cased(wrapped):
            break
        following.append(line)
    return following


def _title_line(text: str) -> bool:
    """Whether a line can be (part of) a title: no label, heading, sentence, date line or banner."""
    return _title_like(text) and not _is_label_line(text) and not _never_title(text) and not _numbered(text)


def _numbered(text: str) -> bool:
    """Whether a line gives a number after a number label ("BCBSA Reference Number: 2.04.141")."""
    rules = _rules()
    return any(
        rules["number_value"].match(text[label.end() :].strip())
        for label in rules["number_label"].finditer(text)
    )


def _number_at(text: str, policy_number: str) -> re.Match[str] | None:
    spaced = _SPACED_HYPHEN.pattern.join(re.escape(part) for part in policy_number.split("-"))
    return re.search(rf"(?<![\w.]){spaced}(?![\w])", text)


def _title_by_number(lines: list[Line], policy_number: str | None) -> Titled:
    """The title printed next to the policy number: on its line ("NCD 100.1: Bariatric Surgery"), in the
    title-like lines right above it, else right below it (label lines between skipped)."""
    if not policy_number:
        return NO_TITLE
    at = next((i for i, line in enumerate(lines) if _number_at(line.text, policy_number)), None)
    if at is None:
        return NO_TITLE
    number = _number_at(lines[at].text, policy_number)
    rest, before = lines[at].text[number.end() :], lines[at].text[: number.start()]
    if re.match(r"\s*[:–-]\s+\S", rest) and _title_like(rest) and not _is_label_line(lines[at].text):
        return lines[at].text, [lines[at]]
    # "Liquid Biopsy AHS - G2054": a web page's title names the policy before its number.
    if not rest.strip() and len(before.split()) >= 2 and _title_line(before) and _title_cased(before):
        return before, [lines[at]]
    above: list[Line] = []
    for line in reversed(lines[max(0, at - TITLE_MAX_LINES) : at]):
        if not _title_line(line.text):
            break
        above.insert(0, line)
    if above:
        return " ".join(line.text for line in above), above
    for index in range(at + 1, min(len(lines), at + 1 + TITLE_MAX_LINES)):
        text = lines[index].text
        if _is_label_line(text) or _number_at(text, policy_number):
            continue
        if _title_line(text):
            title_lines = [lines[index], *_continuation(lines, index)]
            return " ".join(line.text for line in title_lines), title_lines
        break
    return NO_TITLE


def _title_cased_run(lines: list[Line], policy_number: str | None) -> Titled:
    """Last resort, with no label, no typography and nothing next to the policy number: the first run
    of lines set like a title (mostly capitalized words), never the first sentence of the body."""
    for index, line in enumerate(lines):
        if policy_number and _number_at(line.text, policy_number):
            continue
        if _title_line(line.text) and _title_cased(line.text):
            title_lines = [line, *_continuation(lines, index)]
            return " ".join(title_line.text for title_line in title_lines), title_lines
    return NO_TITLE


def _never_title(text: str) -> bool:
    """A date line, an address, a copyright, a sentence, a banner or site navigation is never a title."""
    if _COPYRIGHT.search(text) or text.rstrip().endswith((".", ";", ",")) or _BULLET_MARK.search(text):
        return True
    if find_date(text) is not None and len(text.split()) <= DATE_LINE_WORDS:
        return True
    return any(pattern.search(text) for pattern in _rules()["not_title"])


_MINOR_WORDS = {"a", "an", "and", "or", "of", "the", "for", "to", "in", "on", "with", "by", "at", "vs", "vs."}


def _title_cased(text: str) -> bool:
    words = [word for word in re.findall(r"[A-Za-z][\w'-]*", text) if word.lower() not in _MINOR_WORDS]
    return bool(words) and sum(word[0].isupper() for word in words) >= 0.8 * len(words)


def _is_label_line(text: str) -> bool:
    rules = _rules()
    if rules["number_label"].match(text) or rules["other_label"].match(text):
        return True
    if any(label.match(text) for label in rules["dates"].values()):
        return True
    return normalize_heading(text) in heading_phrases()


def _title_like(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 20 or "\t" in text:
        return False
    if payers_named(text) and len(words) <= 6:
        return False
    if re.search(r"\bpage \d", text, re.I) or any(banner.match(text) for banner in _rules()["banners"]):
        return False
    return sum(ch.isalpha() for ch in text) >= 4


def _clean_title(text: str) -> str:
    text = _rules()["title_label"].sub("", text, count=1) if _rules()["title_label"].match(text) else text
    return re.sub(r"\s+", " ", text).strip(" :-–")


def without_scope(title: str, lines: list[Line], doc: Document) -> Titled:
    """The title without the state it applies to ("... KY Only", "... KY" where page one says "(KY ONLY)"),
    and without a line that held only that."""
    named, at_end = _rules()["scope"]
    found = at_end.search(title)
    # (A lower-case word is never a state: "... in" is not Indiana.)
    if found is None or not title[: found.start()].strip() or not found.group(1).isupper():
        return title, lines
    page_one = _reading_order([*doc.lines, *doc.furniture], page=1)
    scoped = {match.group(1).upper() for line in page_one for match in named.finditer(line.text)}
    if found.group(2) is None and found.group(1) not in scoped:
        return title, lines
    return title[: found.start()], [line for line in lines if at_end.fullmatch(line.text) is None]


def _related_items(section: Section) -> list[str]:
    """The policies a related-policies section lists.

    Where it has bullets, the bullet items (a side column's cell may hold several, and its other rows,
    interleaved by position, are not items); else, where lines start with a document id ("A52464 - ..."),
    those lines; else every line. A bold body-size line (a link) read as a sub-heading is an item too;
    a larger sub-heading ("Keywords") is not.
    """
    lines = [line.text for line in section.lines]
    if section.level >= BOLD_HEADING_LEVEL:
        lines.insert(0, section.heading)
    if any(_BULLET_MARK.search(text) for text in lines):
        items: list[str] = []
        previous_was_item = False
        for line in section.lines:
            pieces = _BULLET_MARK.split(line.text)
            if len(pieces) == 1:
                # A bullet item wrapped onto a line of its own continues it; other lines are not items.
                if previous_was_item and line.text[:1].islower():
                    items[-1] = f"{items[-1]} {line.text}"
                continue
            items.extend(piece for piece in pieces[1:])
            previous_was_item = True
        return [_one_line(item) for item in items if _one_line(item)]
    lines = [text for text in lines if not _NOT_AN_ITEM.match(text.strip())]
    identified = [text for text in lines if _DOCUMENT_ID_ITEM.match(text)]
    return [_one_line(text) for text in identified or lines]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ;,")


def _noted_related(doc: Document) -> list[str]:
    """Documents listed, one per line by id, after a front-matter note that introduces related documents."""
    items: list[str] = []
    lines = doc.lines[:FRONT_MATTER_LINES]
    for index, line in enumerate(lines):
        if not (_rules()["related_cue"].search(line.text) and line.text.rstrip().endswith(":")):
            continue
        for following in lines[index + 1 :]:
            if not _DOCUMENT_ID_ITEM.match(following.text):
                break
            items.append(_one_line(following.text))
    return items


def find_related(doc: Document, sections: list[Section]) -> list[str]:
    related: list[str] = []
    listed = [item for section in sections if section.kind == "related" for item in _related_items(section)]
    for item in listed + _noted_related(doc):
        if item and item not in related and normalize_heading(item) not in heading_phrases():
            related.append(item)
    return related


def parse_metadata(doc: Document, sections: list[Section]) -> Metadata:
    payer, payer_line = find_payer(doc) or (None, None)
    policy_number, number_line = find_policy_number(doc) or (None, None)
    title, title_lines = without_scope(*find_title(doc, sections, policy_number), doc)
    dates, date_lines = find_dates(doc)
    metadata = Metadata(
        payer=payer,
        policy_number=policy_number,
        title=title,
        dates=dates,
        related_policies=find_related(doc, sections),
    )
    printed = {
        name: (value, lines)
        for name, value, lines in (
            ("payer", payer, [payer_line] if payer_line else []),
            ("title", title, title_lines),
            ("policy_number", policy_number, [number_line] if number_line else []),
            *((name, getattr(dates, name), [line]) for name, line in date_lines.items()),
        )
        if value and lines
    }
    metadata.provenance = {name: placed(lines, value, doc.format) for name, (value, lines) in printed.items()}
    missing = [
        (
            metadata.payer is None,
            "metadata.payer_not_found",
            "payer not identified: no payer of rules/payers.toml is named more than another in the"
            " header, running headers and footers, copyright lines or source address",
        ),
        (policy_number is None, "metadata.number_not_found", "policy number not found"),
        (not metadata.title, "metadata.title_not_found", "title not found"),
    ]
    metadata.warnings = [
        Diagnostic(code=code, message=message) for absent, code, message in missing if absent
    ]
    return metadata
