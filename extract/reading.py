"""The record's account of its own reading: per section, which lines went into some field and which
went nowhere, and a warning where a section that should feed a field gave it nothing.

The account is taken from the finished record, not from each parser's bookkeeping, so every field
(and every future parser) is covered by one mechanism: a line counts as read when most of its words
stand, in the same order, in the text of some item of the record (three-word runs, so a line is not
"read" because its words occur scattered about). Joins that parsers make are part of the item texts
searched: a revision row's date before its summary, a code before its description, a label before
its criterion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from itertools import groupby

from policydiff.extract.cues import coverage_of
from policydiff.extract.document import Document, Line, Section
from policydiff.extract.provenance import placed
from policydiff.extract.wrap import join_wrapped
from policydiff.model import (
    Diagnostic,
    Policy,
    ReadingAccount,
    SectionAccount,
    UnreadBlock,
    iter_criteria,
)

RUN = 3  # words: a line is matched by runs of this many consecutive words
READ_SHARE = 0.5  # a line is read when at least this share of its words lies in a matched run
# The field that reads each kind of section (sections.toml names the kinds); other kinds (background,
# description, definitions, ...) are read by no field, and their lines are reported as such.
READERS = {
    "preamble": "metadata",
    "criteria": "criteria",
    "codes": "codes",
    "revisions": "revisions",
    "references": "references",
}
# How a warning names what a section of each reader's kind should have given.
YIELD_NAMES = {
    "criteria": "criteria",
    "codes": "codes",
    "revisions": "revision-log rows",
    "references": "references",
}
# Sections where coverage wording is discussed or quoted rather than stated (evidence, citations,
# history, contract boilerplate), or read by a field of their own: such wording there is no sign of
# criteria that went unread.
DISCUSSING = {"background", "references", "revisions", "criteria", "codes", "toc", "boilerplate"}
STATING_LINES = 2  # lines with coverage wording that make a section look like criteria
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class Runs:
    """Every run of up to RUN consecutive words in a field's item texts."""

    runs: set[tuple[str, ...]] = field(default_factory=set)

    def add(self, text: str) -> None:
        tokens = words(text)
        for size in range(1, RUN + 1):
            self.runs.update(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))

    def reads(self, tokens: list[str]) -> bool:
        """Whether most of a line's words stand in runs found in the field's texts."""
        if len(tokens) < RUN:
            return tuple(tokens) in self.runs
        covered = [False] * len(tokens)
        for i in range(len(tokens) - RUN + 1):
            if tuple(tokens[i : i + RUN]) in self.runs:
                covered[i : i + RUN] = [True] * RUN
        return sum(covered) >= READ_SHARE * len(tokens)


def date_spellings(value: str | None) -> list[str]:
    """The ways a document may print an ISO date of the record: 2025-01-15 -> 01/15/2025, 1/15/2025,
    January 15, 2025, 01/2025, January 2025, 2025-01-15."""
    if not value:
        return []
    parts = value.split("-")
    year, month = parts[0], parts[1]
    name = MONTHS[int(month) - 1]
    spellings = [value, f"{month}/{year}", f"{int(month)}/{year}", f"{name} {year}", f"{name[:3]} {year}"]
    if len(parts) == 3:
        day = parts[2]
        spellings += [
            f"{month}/{day}/{year}",
            f"{int(month)}/{int(day)}/{year}",
            f"{name} {int(day)}, {year}",
            f"{name[:3]} {int(day)}, {year}",
            f"{int(day)} {name} {year}",
        ]
    return spellings


def field_texts(policy: Policy) -> dict[str, Iterator[str]]:
    """Per field, the texts its items were read from (with the joins its parser made)."""

    def metadata() -> Iterator[str]:
        yield from (policy.payer or "", policy.policy_number or "", policy.title)
        yield from policy.related_policies
        for _, value in policy.dates:
            yield from date_spellings(value)
        yield from (f"{short} {long}" for short, long in policy.abbreviations.items())

    def criteria() -> Iterator[str]:
        for node in iter_criteria(policy.criteria):
            yield f"{node.label or ''} {node.text}"

    def codes() -> Iterator[str]:
        spans = [f"{code.code} {code.code_end}" if code.code_end else code.code for code in policy.codes]
        for span, code in zip(spans, policy.codes, strict=True):
            yield f"{span} {code.description or ''}"
        # Codes a line lists side by side ("Applicable service codes: 81162, 81163, 0011M") stand in the
        # record in that order, each with no description: as one run they read that line.
        yield " ".join(spans)

    def revisions() -> Iterator[str]:
        for row in policy.revisions:
            for spelling in date_spellings(row.date) or [""]:
                yield f"{spelling} {' '.join(date_spellings(row.approval_date)[:1])} {row.type or ''} {row.summary}"

    def references() -> Iterator[str]:
        for reference in policy.references:
            yield f"{reference.number or ''} {reference.text}"

    return {
        "metadata": metadata(),
        "criteria": criteria(),
        "codes": codes(),
        "revisions": revisions(),
        "references": references(),
    }


def field_runs(policy: Policy) -> dict[str, Runs]:
    found: dict[str, Runs] = {}
    for name, texts in field_texts(policy).items():
        runs = Runs()
        for text in texts:
            runs.add(text)
        found[name] = runs
    return found


def _line_text(line: Line) -> str:
    return " ".join(cell.text for cell in line.cells) if line.is_row else line.text


def _unread_blocks(lines: Iterable[Line], doc: Document) -> list[UnreadBlock]:
    """Consecutive unread lines of a page joined into one block each, with its page and its box."""
    blocks = []
    for run in (list(on_page) for _, on_page in groupby(lines, key=lambda line: line.page)):
        text = reduce(join_wrapped, (_line_text(line).strip() for line in run))
        blocks.append(UnreadBlock(text=text, lines=len(run), **dict(placed(run, text, doc.format))))
    return blocks


def _runs_of_unread(section: Section, unread: set[int]) -> list[list[Line]]:
    """The section's unread lines in runs of consecutive lines."""
    runs: list[list[Line]] = []
    last = -2
    for index, line in enumerate(section.lines):
        if index in unread:
            if index != last + 1:
                runs.append([])
            runs[-1].append(line)
            last = index
    return runs


def _groups(sections: list[Section]) -> list[list[Section]]:
    """Top-level sections with the sub-sections that inherit their kind (a "Coding" heading over its
    "CPT" and "ICD-10" tables): a field may be read from any of them."""
    groups: list[list[Section]] = []
    for section in sections:
        if section.level > 1 and groups and groups[-1][0].kind == section.kind:
            groups[-1].append(section)
        else:
            groups.append([section])
    return groups


def _section_account(section: Section, doc: Document, runs: dict[str, Runs]) -> SectionAccount:
    worded = [(index, words(_line_text(line))) for index, line in enumerate(section.lines)]
    worded = [(index, tokens) for index, tokens in worded if tokens]
    unread = {index for index, tokens in worded if not any(field.reads(tokens) for field in runs.values())}
    return SectionAccount(
        heading=section.heading,
        kind=section.kind,
        page=section.page,
        reader=READERS.get(section.kind),
        lines=len(worded),
        read=len(worded) - len(unread),
        unread=[block for run in _runs_of_unread(section, unread) for block in _unread_blocks(run, doc)],
    )


def _gave_nothing(group: list[Section], runs: dict[str, Runs]) -> Diagnostic | None:
    """A warning when a section (with its sub-sections) that a field reads gave that field nothing."""
    top = group[0]
    reader = READERS.get(top.kind)
    if reader not in YIELD_NAMES:
        return None
    tokens = [words(_line_text(line)) for section in group for line in section.lines]
    tokens = [line for line in tokens if line]
    if not tokens or any(runs[reader].reads(line) for line in tokens):
        return None
    page = next((section.page for section in group if section.page), None)
    return Diagnostic(
        code="reading.section_gave_nothing",
        page=page,
        message=f"page {page}: '{top.heading}' section of {len(tokens)} lines gave no {YIELD_NAMES[reader]}",
    )


def _states_coverage_unread(group: list[Section], runs: dict[str, Runs]) -> Diagnostic | None:
    """A warning when a section no field reads ("Description", "Definitions") states coverage
    positions, as criteria do, in lines that went into no criterion: criteria the sections missed."""
    top = group[0]
    if top.kind in DISCUSSING:
        return None
    stating = [
        line
        for section in group
        for line in section.lines
        if coverage_of(_line_text(line)) and not runs["criteria"].reads(words(_line_text(line)))
    ]
    if len(stating) < STATING_LINES:
        return None
    heading = top.heading or "(before the first heading)"
    return Diagnostic(
        code="reading.coverage_unread",
        page=stating[0].page,
        message=f"page {stating[0].page}: '{heading}' section states coverage in {len(stating)} lines "
        f'("{_line_text(stating[0]).strip()[:60]}") that went into no criteria',
    )


def account_reading(
    policy: Policy, doc: Document, sections: list[Section]
) -> tuple[ReadingAccount, list[Diagnostic]]:
    """The reading account of `policy` over the sections it was read from, and warnings for sections
    that should have fed a field and gave it nothing."""
    runs = field_runs(policy)
    accounts = [_section_account(section, doc, runs) for section in sections]
    warnings = [
        warning
        for group in _groups(sections)
        for warning in (_gave_nothing(group, runs), _states_coverage_unread(group, runs))
        if warning
    ]
    account = ReadingAccount(
        lines=sum(section.lines for section in accounts),
        read=sum(section.read for section in accounts),
        sections=accounts,
    )
    return account, warnings
