"""Services: spaCy rule components over spacy.blank("en"), patterns in rules/services.toml.

The noun phrase a coverage position is said of. The position's place in the text comes from
rules/criteria.toml (criteria.py finds it); this module reads the subject before it, or the phrase
after a lead-in ("the use of ..."), drops abbreviation definitions and footnote marks; a bare
abbreviation is spelled out where the text defines it (not only in a capitalized heading), from the
definitions extract/abbreviations.py found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import spacy
from policydiff.extract.rules import RuleFileError, load_rules, string_list
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

MAX_SERVICE_TOKENS = 10
AUXILIARIES = (
    "is",
    "are",
    "be",
    "will",
    "also",
    "considered",
    "generally",
    "usually",
    "normally",
    "typically",
)
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_SPLIT_SERVICES = re.compile(r"\s*(?:,|\band/or\b|\band\b|\bor\b|/(?=\s))\s*", re.I)
_SPACES = re.compile(r"\s+")
_FOOTNOTE_MARKS = re.compile(r"[*†‡§]+$")  # "procedure*": a mark pointing to a footnote, not part of the name


@dataclass(frozen=True)
class ServiceRules:
    nlp: Language
    matchers: dict[str, Matcher]
    not_a_service: frozenset[str]
    strip_leading: tuple[str, ...]
    qualifier_starts: frozenset[str]
    verb_starts: frozenset[str]
    indication_starts: tuple[str, ...]
    residual_starts: frozenset[str]
    shared_head_modifiers: frozenset[str]


def _patterns(rules: dict, key: str) -> list[list[dict]]:
    entries = rules.get(key)
    if not isinstance(entries, list) or not entries:
        raise RuleFileError(f"rule file services.toml: [[{key}]] must be one or more tables with 'pattern'")
    patterns = []
    for entry in entries:
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
            raise RuleFileError(
                f"rule file services.toml: [[{key}]] 'pattern' must be a list of token tables"
            )
        patterns.append(pattern)
    return patterns


@cache
def service_rules() -> ServiceRules:
    """The spaCy pipeline and matchers of rules/services.toml, validated by spaCy on load."""
    rules = load_rules("services")
    nlp = spacy.blank("en")
    matchers = {}
    for key in ("lead", "subject_start", "subject_stop", "subject_aside"):
        matcher = Matcher(nlp.vocab, validate=True)
        try:
            matcher.add(key, _patterns(rules, key))
        except (ValueError, KeyError) as error:
            raise RuleFileError(f"rule file services.toml: [[{key}]]: {error}") from error
        matchers[key] = matcher
    table = rules.get("not_a_service")
    if not isinstance(table, dict):
        raise RuleFileError("rule file services.toml: [not_a_service] must be a table")
    return ServiceRules(
        nlp=nlp,
        matchers=matchers,
        not_a_service=frozenset(word.lower() for word in string_list(table, "words", "services")),
        strip_leading=tuple(sorted(string_list(table, "strip_leading", "services"), key=len, reverse=True)),
        qualifier_starts=frozenset(
            word.lower() for word in string_list(table, "qualifier_starts", "services")
        ),
        verb_starts=frozenset(word.lower() for word in string_list(table, "verb_starts", "services")),
        indication_starts=tuple(word.lower() for word in string_list(table, "indication_starts", "services")),
        residual_starts=frozenset(word.lower() for word in string_list(table, "residual_starts", "services")),
        shared_head_modifiers=frozenset(
            word.lower() for word in string_list(table, "shared_head_modifiers", "services")
        ),
    )


def _window(text: str, position_start: int | None, size: int) -> tuple[str, int | None]:
    """At most `size` characters of a sentence, centred on its coverage position where it has one (the
    service is named within a few words of it), and `position_start` moved with them. A sentence longer
    than spaCy takes (nlp.max_length) is only ever a text with no sentence breaks."""
    if len(text) <= size:
        return text, position_start
    start = max(0, (position_start or 0) - size // 2)
    start = max(0, min(start, len(text) - size))
    return text[start : start + size], None if position_start is None else position_start - start


def _clean_service(phrase: str, abbreviations: dict[str, str], rules: ServiceRules) -> list[str]:
    """The services a subject phrase names: abbreviation definitions and footnote marks dropped, a bare
    abbreviation spelled out where the text defines it. One defined only in capitals ("CONTINUOUS
    GLUCOSE MONITORS (CGMs)", a heading or a code's description) is kept: the text calls it "a CGM"."""
    phrase = _SPACES.sub(" ", _PARENTHETICAL.sub("", phrase)).strip(" ,;:.")
    services = []
    parts = [_FOOTNOTE_MARKS.sub("", part.strip()) for part in _SPLIT_SERVICES.split(phrase)]
    for index, part in enumerate(parts):
        if part.lower() in rules.not_a_service:
            continue
        for lead in rules.strip_leading:
            if part.lower().startswith(lead + " "):
                part = part[len(lead) + 1 :]
        words = part.split()
        if not services and words and words[0].lower() in rules.residual_starts:
            return []  # "all other procedures": what the policy has not named, no service of its own
        following = parts[index + 1].split() if index + 1 < len(parts) else []
        if len(words) == 1 and words[0].lower() in rules.shared_head_modifiers and len(following) > 1:
            # "Initial and reoperative bariatric procedures": the lone modifier shares the next head.
            words = [words[0], *following[1:]]
        # Cut only where a service of its own is left: "Surgery for severe obesity" is not just "Surgery".
        cut = next(
            (i for i, word in enumerate(words) if i > 1 and word.lower() in rules.indication_starts), None
        )
        words = words[:cut]
        part = " ".join(words)
        if not words or (words[0].lower() in rules.qualifier_starts and services):
            continue
        if words[0].lower() in rules.verb_starts and not services:
            return []  # the subject opens on a verb: a clause ("that could be impacted by X or Y"), no service
        if part.lower() in rules.not_a_service or words[0].lower() in rules.verb_starts:
            continue
        if any(ch.isdigit() for ch in part) or part.count("(") != part.count(")"):
            continue
        if words[0] in abbreviations and not abbreviations[words[0]].isupper():
            words = [*abbreviations[words[0]].split(), *words[1:]]
        part = " ".join(words)
        services.append(part[0].upper() + part[1:])
    return services


def services_named(text: str, position_start: int | None, abbreviations: dict[str, str]) -> list[str]:
    """The services a coverage sentence is about.

    `position_start` is where its coverage position begins in `text` ("is considered medically
    necessary"); the subject is read before it, or after a lead-in such as "the use of".
    """
    rules = service_rules()
    text, position_start = _window(text, position_start, rules.nlp.max_length)
    doc = rules.nlp(text)
    first_lead = 0
    if position_start is not None:
        subject = _subject_before(doc, position_start, rules)
        named = _clean_service(subject, abbreviations, rules) if subject else []
        if named:
            return named
        if subject:
            # Words naming nothing before a position that is itself a lead-in ("To be eligible for
            # coverage of X"): the service is read there, not from a lead-in further on.
            first_lead = next((token.i for token in doc if token.idx >= position_start), len(doc))
    stops = sorted(start for _, start, _ in rules.matchers["subject_stop"](doc))
    # Leads in reading order, the longest first where several start on one word.
    leads = sorted(rules.matchers["lead"](doc), key=lambda match: (match[1], -match[2]))
    for _, lead_start, lead_end in leads:
        if first_lead and not first_lead <= lead_start <= first_lead + 1:
            continue
        stop = next((i for i in stops if i > lead_end), len(doc))
        if stop - lead_end <= MAX_SERVICE_TOKENS:
            named = _clean_service(doc[lead_end:stop].text, abbreviations, rules)
            if named:
                return named
    return []


def _subject_before(doc: Doc, position_start: int, rules: ServiceRules) -> str:
    """The words between the last subject opener ("that", a comma) and the coverage position, short of
    an aside set off by commas (", using a portable monitor,") that follows the service's name."""
    end = next((token.i for token in doc if token.idx >= position_start), len(doc))
    depth = [0] * (len(doc) + 1)  # parentheses open before each token: openers inside them do not count
    for token in doc:
        depth[token.i + 1] = max(0, depth[token.i] + (token.text == "(") - (token.text == ")"))  # "2)" too
    openers = [
        (start, match_end)
        for _, start, match_end in rules.matchers["subject_start"](doc)
        if match_end <= end and depth[start] == 0
    ]
    aside_starts = [
        start for _, start, _ in rules.matchers["subject_aside"](doc) if start < end and depth[start] == 0
    ]
    # An aside after every opener but commas cuts the subject: the commas around it are its own.
    sentence_start = max((m_end for start, m_end in openers if doc[start].text != ","), default=0)
    aside = min((start for start in aside_starts if start >= sentence_start), default=None)
    if aside is not None:
        end = aside
        while end > sentence_start and doc[end - 1].text == ",":
            end -= 1
    starts = [match_end for _, match_end in openers if match_end <= end]
    start = max(starts, default=0)
    # An auxiliary (or hedge) right before the position belongs to it ("... boost is considered",
    # "... surgery is generally not reasonable").
    while end > start and doc[end - 1].lower_ in AUXILIARIES:
        end -= 1
    if end <= start or end - start > MAX_SERVICE_TOKENS + 4:
        return ""
    return doc[start:end].text
