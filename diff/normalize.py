"""Criterion text -> comparable terms: lower case, abbreviations expanded, lemmas, boilerplate dropped.

Two payers say the same thing in different words ("DLI" / "donor lymphocyte infusion", "cells" /
"cell", "is considered medically necessary" / "is covered"); the comparison compares what is left.
Lemmas come from spaCy's lookup lemmatizer (spacy-lookups-data) over spacy.blank("en"): no model,
no network, the same output every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import spacy
from policydiff.extract.rules import load_rules, regex, regex_list, string_list
from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[A-Za-z0-9]+")
# "co-morbidity" / "comorbidity", "non-compliance" / "noncompliance": a prefix is one word with its stem,
# however the payer hyphenates it (split off, "co" would match any other "co-" word and "non" any negation).
_HYPHENATED_PREFIX = re.compile(r"\b(co|non|pre|post)-(?=[a-z])", re.I)


@dataclass(frozen=True)
class CompareRules:
    clause_splits: tuple[re.Pattern[str], ...]
    catch_all: tuple[re.Pattern[str], ...]
    list_phrases: tuple[re.Pattern[str], ...]
    example_asides: tuple[re.Pattern[str], ...]
    subject_separator: re.Pattern[str]
    subject_clause: re.Pattern[str]
    contrasts: tuple[frozenset[str], ...]
    policy_stopwords: frozenset[str]
    label_lead_words: frozenset[str]
    label_max_chars: int
    synonyms: dict[str, str]
    no_position: tuple[re.Pattern[str], ...]
    service_generic_words: frozenset[str]
    qualifier_words: frozenset[str]
    degree_words: frozenset[str]
    one_sided_reason: str


@cache
def compare_rules() -> CompareRules:
    """diff/rules/compare.toml, checked when loaded: a malformed file fails here, naming the key."""
    data = load_rules("compare", "diff")
    return CompareRules(
        clause_splits=tuple(regex_list(data, "clause_splits", "compare")),
        catch_all=tuple(regex_list(data, "catch_all", "compare")),
        list_phrases=tuple(regex_list(data, "list_phrases", "compare")),
        example_asides=tuple(regex_list(data, "example_asides", "compare")),
        subject_separator=regex(data, "subject_separator", "compare"),
        subject_clause=regex(data, "subject_clause", "compare"),
        contrasts=tuple(frozenset(word.lower() for word in group) for group in data.get("contrasts", [])),
        policy_stopwords=frozenset(data.get("policy_stopwords", [])),
        label_lead_words=frozenset(data.get("label_lead_words", [])),
        label_max_chars=int(data.get("label_max_chars", 64)),
        synonyms={lemma(word.lower()): group[0] for group in data.get("synonyms", []) for word in group[1:]},
        no_position=tuple(regex_list(data, "no_position", "compare")),
        service_generic_words=frozenset(
            lemma(word.lower()) for word in data.get("service_generic_words", [])
        ),
        qualifier_words=frozenset(
            lemma(word.lower()) for word in string_list(data, "qualifier_words", "compare")
        ),
        degree_words=frozenset(word.lower() for word in string_list(data, "degree_words", "compare")),
        one_sided_reason=str(data.get("one_sided_reason", "")),
    )


@cache
def _lemmatizer() -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@cache
def lemma(word: str) -> str:
    """The lookup lemma of one lower-case word ('cells' -> 'cell', 'increasing' -> 'increase')."""
    return _lemmatizer()(word)[0].lemma_ or word


def words(text: str) -> list[str]:
    return _WORD.findall(_HYPHENATED_PREFIX.sub(r"\1", text))


@dataclass(frozen=True)
class Normalizer:
    """Turns text into comparable terms under one set of abbreviations and dropped words."""

    abbreviations: dict[str, str]
    dropped: frozenset[str]

    def terms(self, text: str) -> tuple[str, ...]:
        return tuple(term for term, _ in self.sourced_terms(text))

    def spelled_out(self, text: str) -> dict[str, str]:
        """Term -> the abbreviation it was spelled out from, for the terms only an abbreviation gives
        ("epidermal" of "EGFR"): two texts sharing such a term by two abbreviations share no words."""
        sourced = self.sourced_terms(text)
        literal = {term for term, source in sourced if source is None}
        return {term: source for term, source in sourced if source is not None and term not in literal}

    def sourced_terms(self, text: str) -> list[tuple[str, str | None]]:
        """The terms of a text, each with the abbreviation it was spelled out from (None: its own word)."""
        rules = compare_rules()
        out: list[tuple[str, str | None]] = []
        for word in words(text):
            short = word if word in self.abbreviations else word.rstrip("s")
            expansion = self.abbreviations.get(short)
            for part in words(expansion) if expansion else [word]:
                lower = part.lower()
                if lower in STOP_WORDS and lower not in rules.degree_words:
                    continue
                term = lemma(lower)
                term = rules.synonyms.get(term, term)
                if (term in STOP_WORDS and term not in rules.degree_words) or term in rules.policy_stopwords:
                    continue
                if term in self.dropped or (len(term) < 2 and not term.isdigit()):
                    continue
                out.append((term, short.lower() if expansion else None))
        return out
