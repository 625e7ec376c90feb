"""The English cue phrases of rules/criteria.toml, read: which coverage position, logic, trailing
conjunction and kind a text states, and whether a line is page furniture or a code row.

A toolkit below the parsers: the criteria parser builds its tree with them, and the diff reads the same
phrases in the sentences it compares, so both go by one wording (tests/test_layers.py lets diff use it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import NamedTuple

from policydiff.extract.rules import RuleFileError, load_rules, regex, regex_list
from policydiff.extract.sentences import open_brackets, sentence_starts

COVERAGE_ORDER = (
    "experimental_investigational",
    "not_medically_necessary",
    "not_covered",
    "medically_necessary",
)
LOGIC_ORDER = ("none", "any", "all")


@dataclass(frozen=True)
class CriteriaRules:
    logic: dict[str, list[re.Pattern[str]]]
    conjunction: dict[str, list[re.Pattern[str]]]
    coverage: dict[str, list[re.Pattern[str]]]
    kind: dict[str, list[re.Pattern[str]]]
    furniture: list[re.Pattern[str]]
    code_rows: list[re.Pattern[str]]
    notices: list[re.Pattern[str]]
    copula_opening: re.Pattern[str]
    copula_before: re.Pattern[str]
    subject_leads: list[re.Pattern[str]]
    list_last_item: re.Pattern[str]
    clause_words: re.Pattern[str]
    object_verb: re.Pattern[str]
    object_lead: re.Pattern[str]
    object_end: re.Pattern[str]


@cache
def criteria_rules() -> CriteriaRules:
    rules = load_rules("criteria")

    def section(name: str) -> dict:
        entry = rules.get(name)
        if not isinstance(entry, dict):
            raise RuleFileError(f"rule file criteria.toml: [{name}] must be a table")
        return entry

    def table(name: str, keys: tuple[str, ...]) -> dict[str, list[re.Pattern[str]]]:
        return {key: regex_list(section(name), key, "criteria") for key in keys}

    subject = section("subject")
    not_criteria = table("not_criteria", ("furniture", "code_rows", "notices"))
    return CriteriaRules(
        logic=table("logic", LOGIC_ORDER),
        conjunction=table("conjunction", ("all", "any")),
        coverage=table("coverage", COVERAGE_ORDER),
        kind=table("kind", ("note", "external", "requirement", "grouping")),
        furniture=not_criteria["furniture"],
        code_rows=not_criteria["code_rows"],
        notices=not_criteria["notices"],
        copula_opening=regex(subject, "copula_opening", "criteria"),
        copula_before=regex(subject, "copula_before", "criteria"),
        subject_leads=regex_list(subject, "leads", "criteria"),
        list_last_item=regex(subject, "list_last_item", "criteria"),
        clause_words=regex(subject, "clause_words", "criteria"),
        object_verb=regex(subject, "object_verb", "criteria"),
        object_lead=regex(subject, "object_lead", "criteria"),
        object_end=regex(subject, "object_end", "criteria"),
    )


def _first_match(patterns: dict[str, list[re.Pattern[str]]], text: str) -> tuple[str, re.Match[str]] | None:
    for key, compiled in patterns.items():
        for pattern in compiled:
            match = pattern.search(text)
            if match:
                return key, match
    return None


class StatedCoverage(NamedTuple):
    """A coverage position and where the words stating it stand in the text (text[start:end])."""

    coverage: str
    start: int
    end: int


def coverage_of(text: str) -> StatedCoverage | None:
    """The coverage position a text states and where its wording stands."""
    found = _first_match(criteria_rules().coverage, text)
    return StatedCoverage(found[0], *found[1].span()) if found else None


# What ends the words before a copula without being part of the subject ("..., including X Assays, are").
_SUBJECT_TRAIL = " \t\n,;"


def subject_of(text: str, stated: StatedCoverage) -> tuple[int, int] | None:
    """Where the words a stated coverage position is of stand in the text: those before its copula in
    its sentence and clause ("Donor lymphocyte infusion (DLI)" of "... is considered medically necessary
    for ..."), the sentence's leads (criteria.toml [subject]), spaces and a trailing comma left out; None
    when the coverage words have no copula or no words stand before it."""
    rules = criteria_rules()
    end = stated.start
    if rules.object_verb.search(text[stated.start : stated.end]):
        return _object_of(text, stated.end)
    if not rules.copula_opening.search(text[stated.start : stated.end]):
        copula = rules.copula_before.search(text[:end])
        if copula is None:
            return None
        end = copula.start()
    before = text[:end]
    # In the copula's own sentence, and its own clause of it: after the last semicolon.
    opening = start = max([*sentence_starts(before), before.rfind(";") + 1])
    for lead in rules.subject_leads:
        found = lead.match(before[start:])
        start += found.end() if found else 0
    start += len(before[start:]) - len(before[start:].lstrip())
    start = _list_start(before, opening, start)
    end = len(before.rstrip(_SUBJECT_TRAIL))
    return (start, end) if start < end else None


def _list_start(before: str, opening: int, start: int) -> int:
    """Where a subject that lists things starts when a lead ran into the list ("When ordered by a
    specialist, genetic counseling, panel testing, and tumor profiling are ...": a condition lead runs to
    its last comma, leaving "and tumor profiling"): a subject that opens on a list's last conjunction
    takes back the comma-separated parts before it, outside brackets, that hold no clause of their own."""
    rules = criteria_rules()
    if not rules.list_last_item.match(before[start:]):
        return start
    commas = [
        index
        for index in range(opening, start)
        if before[index] == "," and not open_brackets(before[opening:index])
    ]
    taken = start
    # Back from the part right before the subject; the first part holds the lead's own opening word.
    for previous, comma in reversed(list(pairwise([opening - 1, *commas]))):
        if previous < opening or rules.clause_words.search(before[previous + 1 : comma]):
            break
        taken = previous + 1
    return taken + len(before[taken:start]) - len(before[taken:start].lstrip())


def _object_of(text: str, after: int) -> tuple[int, int] | None:
    """The object of coverage words whose verb takes what they are stated of ("current evidence does not
    support" + "the use of donor lymphocyte infusion" + " for ..."): from `after`, its lead ("the use of")
    left out, to where a condition or the clause starts."""
    rules = criteria_rules()
    lead = rules.object_lead.match(text, after)  # anchored at `after`; it may match nothing
    start = lead.end() if lead else after
    found = rules.object_end.search(text, start)
    end = len(text[: found.start() if found else len(text)].rstrip(_SUBJECT_TRAIL))
    return (start, end) if start < end else None


def logic_cue(text: str) -> str | None:
    found = _first_match(criteria_rules().logic, text)
    return found[0] if found else None


def trailing_conjunction(text: str) -> str | None:
    found = _first_match(criteria_rules().conjunction, text)
    return found[0] if found else None


def is_page_mark(text: str) -> bool:
    """A page number or "Page 3 of 75" that a plain-text extractor left inline."""
    return any(pattern.search(text.strip()) for pattern in criteria_rules().furniture)


def is_not_criterion(text: str) -> bool:
    """Page furniture, a code-table row or a notice (the AMA's trademark notice) inside a criteria section."""
    return (
        is_page_mark(text)
        or is_code_row(text)
        or any(pattern.search(text) for pattern in criteria_rules().notices)
    )


def is_code_row(text: str) -> bool:
    """A code-table row or its header ("81327", "0007M Oncology ...", "CPT Codes: Code Description")."""
    return any(pattern.search(text.strip()) for pattern in criteria_rules().code_rows)


def has_cue(kind: str, text: str) -> bool:
    return any(pattern.search(text) for pattern in criteria_rules().kind[kind])
