"""Criteria of several payers' policies -> concepts: the rows of the comparison table.

A criterion is cut into facets (its coverage preamble dropped, a sentence naming two indications cut
in two); facets are compared as normalized terms (diff/normalize.py) with rapidfuzz's token-set ratio
and an overlap weighted by how rare each term is in the compared policies; facets of one stance
(condition for coverage, exclusion, other) whose similarity passes a bar are grouped, with complete
linkage across payers so that a chain of near matches never joins two different things. Services
bound the matching only where they correspond: a facet of a service both payers name is compared with
the other payer's facets of that service; a facet of a service the other payer does not name (payers
cut a field into services differently) is compared with all of the other payer's facets of its stance.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from policydiff.diff.direction import polarity as direction_polarity
from policydiff.diff.normalize import Normalizer, compare_rules, words
from policydiff.extract.abbreviations import defined_abbreviations
from policydiff.extract.sentences import sentence_starts
from policydiff.model import ComparedPolicy, Concept, Criterion, MemberText, Policy, ServiceGroup
from policydiff.model.comparison import Polarity
from rapidfuzz import fuzz
from spacy.lang.en.stop_words import STOP_WORDS

# Two facets state the same concept at this similarity (0..1); every pair across payers in a concept
# must reach LINK (complete linkage), so two rows never merge through one loose match.
SAME_CONCEPT = 0.62
LINK = 0.45
# Notes and other words that take no position are one row only at this similarity: the same words.
SAME_ASIDE = 0.9
# A facet is scored against the facets that hold one of its this many rarest terms (candidate_pairs).
BLOCKING_TERMS = 3
# Two service names are one service at this token-sort ratio of their specific terms.
SAME_SERVICE = 85
# A statement may be this many times longer (in weighted terms) than another it restates.
BALANCE = 3.0
# How much a term of the policies' shared context (lead-ins, coverage preambles) counts.
CONTEXT_WEIGHT = 0.35
# A lead-in ("35 or greater with a co-morbid condition including:") states a concept of its own when,
# its list phrase dropped, at least this many distinctive terms are left.
MIN_LEAD_IN_TERMS = 3
# The words before a coverage phrase are the service (not the concept) when, service names dropped,
# at most this many terms are left ('The use of 3-D image rendering is ...').
MAX_SUBJECT_TERMS = 2

# Facets are matched within a service and a stance: payers label the same condition an indication or
# a requirement, the same bar a contraindication or an exclusion.
BUCKET = {"covers": "condition", "requires": "condition", "excludes": "exclusion", "neutral": "other"}
KIND_ORDER = ("statement", "indication", "requirement", "contraindication", "exclusion", "note")
EXCLUDING_COVERAGE = ("not_medically_necessary", "experimental_investigational", "not_covered")


@dataclass(frozen=True)
class Facet:
    """One thing one criterion states: the unit that is matched across payers."""

    index: int
    policy: str
    criterion: Criterion
    text: str
    terms: tuple[str, ...]
    kind: str
    coverage: str | None
    polarity: Polarity
    service: str | None
    catch_all: bool
    quantity_names: frozenset[str]
    # How the list holding the criterion combines ('all': one of several conditions that must all
    # hold, part of an indication rather than one itself) and whether that list grants (+1) or denies (-1).
    parent_logic: str | None = None
    parent_sign: int = 1
    # Terms only an abbreviation of the text gives, with it ("epidermal" -> "egfr").
    spelled_out: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def conjunct(self) -> bool:
        return self.parent_logic == "all"


@dataclass(frozen=True)
class FacetShape:
    """What similarity reads of one facet, worked out once per facet (a 20-policy comparison scores
    some 80,000 pairs)."""

    terms: frozenset[str]
    core: str
    core_size: int
    weight: float
    words: frozenset[str]


@dataclass
class Vocabulary:
    """What similarity needs to know about all compared facets: term weights and shared context; and
    what it has worked out so far (each facet's shape, each pair's score: similarity is symmetric)."""

    weights: dict[str, float] = field(default_factory=dict)
    context: frozenset[str] = frozenset()
    shapes: dict[int, FacetShape] = field(default_factory=dict)
    scores: dict[tuple[int, int], float] = field(default_factory=dict)

    def weight(self, term: str) -> float:
        return self.weights.get(term, 1.0) * (CONTEXT_WEIGHT if term in self.context else 1.0)

    def shape(self, facet: Facet) -> FacetShape:
        if facet.index not in self.shapes:
            terms = frozenset(facet.terms)
            core = terms - self.context or terms
            self.shapes[facet.index] = FacetShape(
                terms=terms,
                core=" ".join(sorted(core)),
                core_size=len(core),
                weight=sum(self.weight(term) for term in terms),
                words=frozenset(word.lower() for word in words(facet.text)),
            )
        return self.shapes[facet.index]


def policy_keys(policies: list[Policy]) -> list[str]:
    """Short unique keys: the payer's name in lower case ('cigna'), numbered when it repeats."""
    keys: list[str] = []
    for index, policy in enumerate(policies, start=1):
        base = re.sub(r"[^a-z0-9]+", "-", (policy.payer or policy.policy_number or "").lower()).strip("-")
        base = base or f"policy-{index}"
        key, suffix = base, 2
        while key in keys:
            key, suffix = f"{base}-{suffix}", suffix + 1
        keys.append(key)
    return keys


def compared_policy(key: str, name: str, policy: Policy) -> ComparedPolicy:
    return ComparedPolicy(
        key=key,
        name=name,
        payer=policy.payer,
        policy_number=policy.policy_number,
        title=policy.title,
        sha256=policy.source.sha256,
        path=policy.source.path,
        services=service_names(policy),
        code_count=len(policy.codes),
    )


def walk(
    criteria: list[Criterion], ancestors: tuple[Criterion, ...] = ()
) -> Iterator[tuple[Criterion, tuple]]:
    for node in criteria:
        yield node, ancestors
        yield from walk(node.children, (*ancestors, node))


def service_names(policy: Policy) -> list[str]:
    """The services a policy addresses: its list, then any named only on criteria, else its title."""
    names = list(policy.services)
    for criterion, _ in walk(policy.criteria):
        if criterion.service and criterion.service not in names:
            names.append(criterion.service)
    return names or ([policy.title] if policy.title else [])


def align_services(
    named: dict[str, list[str]], normalizer: Normalizer
) -> tuple[list[ServiceGroup], dict[tuple[str, str], str]]:
    """Services named alike by several policies are one; when each policy is left with exactly one
    service matched by no other, those are paired too (the policies were put side by side on it)."""
    groups: list[dict] = []
    # Term -> positions of the groups whose names hold it: a name is matched only against groups
    # sharing a word with it (names sharing none never reach SAME_SERVICE).
    holding: dict[str, list[int]] = {}
    generic = compare_rules().service_generic_words
    for key, names in named.items():
        for name in names:
            terms = set(normalizer.terms(name))
            # Whole names compared: a name inside a longer one ('Circulating tumor cells' in 'Circulating
            # tumor cells and circulating tumor DNA') is another service, unless the rest is generic.
            specific = sorted(terms - generic or terms) or [name.lower()]
            terms = " ".join(specific)
            candidates = sorted({position for term in specific for position in holding.get(term, [])})
            match = next(
                (
                    groups[position]
                    for position in candidates
                    if key not in groups[position]["names"]
                    and fuzz.token_sort_ratio(terms, groups[position]["terms"]) >= SAME_SERVICE
                ),
                None,
            )
            if match:
                match["names"][key] = name
            else:
                for term in specific:
                    holding.setdefault(term, []).append(len(groups))
                groups.append({"label": name, "terms": terms, "names": {key: name}})
    own = [group for group in groups if len(group["names"]) == 1]
    owners = [next(iter(group["names"])) for group in own]
    if len(named) > 1 and sorted(owners) == sorted(named) and len(set(owners)) == len(owners):
        sole = {"label": " / ".join(group["label"] for group in own), "names": {}, "match": "sole"}
        for group in own:
            sole["names"].update(group["names"])
        groups = [group for group in groups if group not in own] + [sole]
    result = [
        ServiceGroup(
            label=group["label"],
            names=group["names"],
            match=group.get("match") or ("same" if len(group["names"]) > 1 else "own"),
        )
        for group in groups
    ]
    mapping = {(key, name): group.label for group in result for key, name in group.names.items()}
    return result, mapping


def named_by(services: list[ServiceGroup]) -> dict[str | None, frozenset[str]]:
    """Service group label -> keys of the policies that name it."""
    return {group.label: frozenset(group.names) for group in services}


def comparable(a: Facet, b: Facet, naming: dict[str | None, frozenset[str]]) -> bool:
    """Two facets may state one concept: of one service, or of services that do not correspond (the
    other payer does not name the service at all: it files the same statement under another one, or
    under none)."""
    if a.service == b.service:
        return True
    if a.policy == b.policy:
        return False
    return b.policy not in naming.get(a.service, frozenset()) and a.policy not in naming.get(
        b.service, frozenset()
    )


def takes_no_position(text: str) -> bool:
    """A scope sentence, disclaimer, reference to general exclusions or question of benefit: words
    that neither cover nor exclude anything, however they are worded."""
    return any(pattern.search(text) for pattern in compare_rules().no_position)


def polarity(kind: str, coverage: str | None, text: str = "") -> Polarity:
    """A note takes no position even under an excluding heading ('depression is not a contraindication')."""
    if kind == "note" or takes_no_position(text):
        return "neutral"
    if kind in ("exclusion", "contraindication") or coverage in EXCLUDING_COVERAGE:
        return "excludes"
    if kind == "indication" or (kind == "statement" and coverage == "medically_necessary"):
        return "covers"
    if kind == "requirement":
        return "requires"
    return "neutral"


def is_catch_all(text: str) -> bool:
    return any(pattern.search(text) for pattern in compare_rules().catch_all)


def split_preamble(criterion: Criterion, subject_terms: Normalizer) -> tuple[str, str]:
    """(preamble, rest): 'DLI is considered medically necessary' | 'for the treatment of ...': up to the
    end of the record's coverage words, when they have a subject (Criterion.subject) and the words up to
    it (a sentence before the subject's counts) name the service and little else: in 'More than one
    device per 6 months is not medically necessary' they are the concept itself."""
    text, subject, stated = criterion.text, criterion.subject, criterion.coverage_words
    if (
        subject is not None
        and stated is not None
        and subject.end <= stated.start  # an object after the coverage words is in the rest
        and not text[stated.end :].lstrip().startswith(".")  # the statement ends there: nothing to cut
        and len(words(text[stated.end :])) >= 2
        and len(set(subject_terms.terms(text[: subject.end]))) <= MAX_SUBJECT_TERMS
    ):
        return text[: stated.end], text[stated.end :].strip(" ,")
    return "", text


def subject_list(criterion: Criterion) -> tuple[list[str], str]:
    """(items, rest) of a coverage statement whose subject lists several things ('Open and laparoscopic
    RYGBP, open and laparoscopic BPD/DS, and LAGB are covered for ...'): each item is a thing the
    statement covers; ([], text) when the subject is not such a list."""
    rules, text, found, stated = compare_rules(), criterion.text, criterion.subject, criterion.coverage_words
    if found is None or stated is None or found.end > stated.start:
        return [], text
    # The record's subject is the list, the sentence's leads left out where it was read. Those leads are
    # left out of the items and the rest alike, so one that states something (a condition, a clause, a
    # sentence before the subject's) keeps the statement whole: no word of it leaves the comparison.
    if sentence_starts(text[: found.end]) or rules.subject_clause.search(text[: found.end]):
        return [], text
    items = [item.strip(" ,;") for item in rules.subject_separator.split(text[found.start : found.end])]
    if len(items) >= 2 and all(words(item) for item in items):
        return items, text[stated.end :].strip(" ,")
    return [], text


def split_clauses(text: str) -> list[str]:
    parts = [text]
    for pattern in compare_rules().clause_splits:
        parts = [piece.strip(" ,;") for part in parts for piece in pattern.split(part)]
    return [part for part in parts if words(part)]


def is_lead_in(criterion: Criterion) -> bool:
    """A header that introduces its children ('... any of the following:')."""
    return bool(criterion.children) and criterion.text.rstrip().endswith(":")


def lead_in_statement(criterion: Criterion, subject_terms: Normalizer) -> str:
    """What a lead-in states besides introducing its list ('35 or greater with an obesity-related
    co-morbid condition' of '... including, but not limited to:'), or '' when it only introduces."""
    _, rest = split_preamble(criterion, subject_terms)
    for pattern in compare_rules().list_phrases:
        rest = pattern.sub("", rest)
    rest = rest.strip(" ,;:")
    # "A body mass index (BMI) of": its items complete the phrase, it states nothing alone.
    if not words(rest) or words(rest)[-1].lower() in STOP_WORDS:
        return ""
    return rest if len(set(subject_terms.terms(rest))) >= MIN_LEAD_IN_TERMS else ""


def named_quantities(
    criterion: Criterion, ancestors: tuple[Criterion, ...], text: str, normalizer: Normalizer
) -> str:
    """The facet's words with the measured things only its lead-in names ('BMI' before '40 or
    greater' under 'A body mass index (BMI) of one of the following:'), so that an item is compared
    and labelled as what it measures."""
    if not ancestors:
        return text
    said, lead = set(normalizer.terms(text)), set(normalizer.terms(ancestors[-1].text))
    inherited = [
        quantity.quantity
        for quantity in criterion.quantities
        if quantity.quantity
        and re.search(rf"(?<!\w){re.escape(quantity.text)}(?!\w)", text)
        and not (name := set(normalizer.terms(quantity.quantity))) <= said
        and name <= lead
    ]
    return " ".join([*dict.fromkeys(inherited), text])


def compared_words(text: str, criterion: Criterion) -> str:
    """The words a facet is compared by: its amounts are compared as quantities (contrast.py), and
    examples in parentheses ('(such as the Orbera ...)') illustrate rather than state the concept."""
    for quantity in criterion.quantities:
        text = text.replace(quantity.text, " ")
    # "laparoscopic adjustable gastric banding (LAGB)": the short form repeats its long form.
    for short in defined_abbreviations([text]):
        text = re.sub(rf"\(\s*{re.escape(short)}s?\s*\)", " ", text)
    for pattern in compare_rules().example_asides:
        text = pattern.sub(" ", text)
    return text


def criterion_services(
    criterion: Criterion,
    ancestors: tuple[Criterion, ...],
    key: str,
    names: dict[str, frozenset[str]],
    mapping: dict[tuple[str, str], str],
    normalizer: Normalizer,
) -> list[str | None]:
    """Service groups a criterion speaks of: its own or inherited service, else the services its words
    name ('DLI and HPC boost are ...'), else its policy's only service; None when it speaks of none of
    several (a policy-wide statement, compared with the other policies' policy-wide statements)."""
    own = criterion.service or next((a.service for a in reversed(ancestors) if a.service), None)
    if own:
        return [mapping[(key, own)]]
    return named_services(criterion.text, key, names, mapping, normalizer)


def named_services(
    text: str,
    key: str,
    names: dict[str, frozenset[str]],
    mapping: dict[tuple[str, str], str],
    normalizer: Normalizer,
) -> list[str | None]:
    """Service groups whose names (name -> its terms) the words name, else the policy's only service,
    else [None]."""
    terms = set(normalizer.terms(text))
    named = [name for name, name_terms in names.items() if name_terms and name_terms <= terms]
    if named or len(names) == 1:
        return [mapping[(key, name)] for name in (named or names)]
    return [None]


def facet_parts(
    criterion: Criterion, catch_all: bool, subject_terms: Normalizer, context: list[str]
) -> tuple[list[str], list[str]] | None:
    """(things a subject lists, the other parts) of a criterion's words; its lead-in words and
    coverage preamble go to `context`. None for a lead-in that only introduces its list."""
    if is_lead_in(criterion) and not catch_all:
        statement = lead_in_statement(criterion, subject_terms)
        if not statement:
            context.append(criterion.text)
            return None
        return [], [statement]
    preamble, rest = split_preamble(criterion, subject_terms)
    context.append(preamble)
    if catch_all:
        return [], [rest]
    listed, rest = ([], rest) if preamble else subject_list(criterion)
    return listed, split_clauses(rest) or [criterion.text]


@dataclass
class FacetDraft:
    policy: str
    criterion: Criterion
    text: str
    kind: str
    coverage: str | None
    service: str | None
    catch_all: bool
    parent_logic: str | None
    parent_sign: int


def draft_facets(
    keyed: list[tuple[str, Policy]],
    mapping: dict[tuple[str, str], str],
    normalizer: Normalizer,
    subject_terms: Normalizer,
) -> tuple[list[FacetDraft], list[list[str]]]:
    """Every facet of every criterion, and each policy's context texts (lead-ins and coverage
    preambles). `normalizer` reads service names in texts; `subject_terms` drops them."""
    drafts: list[FacetDraft] = []
    contexts: list[list[str]] = []
    for key, policy in keyed:
        context: list[str] = []
        contexts.append(context)
        names = {name: frozenset(normalizer.terms(name)) for name in service_names(policy)}
        for criterion, ancestors in walk(policy.criteria):
            catch_all = is_catch_all(criterion.text)
            coverage = criterion.coverage or next(
                (a.coverage for a in reversed(ancestors) if a.coverage), None
            )
            cut = facet_parts(criterion, catch_all, subject_terms, context)
            if cut is None:
                continue
            listed, parts = cut
            parent = ancestors[-1] if ancestors else None
            parent_logic = parent.logic if parent else None
            parent_sign = direction_polarity(parent.kind, parent.coverage) if parent else 1
            services = criterion_services(criterion, ancestors, key, names, mapping, normalizer)
            if listed:
                # Each listed thing is its own service (named or not); the conditions are said of all.
                placed = [(item, named_services(item, key, names, mapping, normalizer)) for item in listed]
                placed += [(part, [None]) for part in parts]
            else:
                placed = [(part, services) for part in parts]
            for part, part_services in placed:
                text = named_quantities(criterion, ancestors, part, normalizer)
                for service in part_services:
                    drafts.append(
                        FacetDraft(
                            key,
                            criterion,
                            text,
                            criterion.kind,
                            coverage,
                            service,
                            catch_all,
                            parent_logic,
                            parent_sign,
                        )
                    )
    return drafts, contexts


def build_facets(
    drafts: list[FacetDraft], contexts: list[list[str]], normalizer: Normalizer
) -> tuple[list[Facet], Vocabulary]:
    """Facets with their terms. A facet that is nothing but a service's name ('Laparoscopic adjustable
    gastric banding' in a list of covered procedures) keeps those words: they are its concept."""
    with_service_names = Normalizer(normalizer.abbreviations, frozenset())
    facets = [
        Facet(
            index=index,
            policy=draft.policy,
            criterion=draft.criterion,
            text=draft.text,
            terms=normalizer.terms(words_)
            or with_service_names.terms(words_)
            or normalizer.terms(draft.text),
            kind=draft.kind,
            coverage=draft.coverage,
            polarity=polarity(draft.kind, draft.coverage, draft.criterion.text),
            parent_logic=draft.parent_logic,
            parent_sign=draft.parent_sign,
            service=draft.service,
            catch_all=draft.catch_all,
            quantity_names=frozenset(
                (quantity.quantity or quantity.unit or "").lower()
                for quantity in draft.criterion.quantities
                if quantity.quantity or quantity.unit
            ),
            spelled_out=normalizer.spelled_out(words_),
        )
        for index, draft in enumerate(drafts)
        for words_ in [compared_words(draft.text, draft.criterion)]
    ]
    documents = {(facet.policy, facet.criterion.id, facet.text): set(facet.terms) for facet in facets}
    frequency = Counter(term for terms in documents.values() for term in terms)
    total = len(documents) or 1
    weights = {term: 1.0 + math.log(total / count) for term, count in frequency.items()}
    # Context is what the lead-ins of half the policies (rounded down) say ('following', 'criteria'):
    # among six, two payers' lead-ins naming the FDA do not make the FDA a common word of the others'.
    in_contexts = Counter(
        term for texts in contexts for term in {term for text in texts for term in normalizer.terms(text)}
    )
    shared = max(1, len(contexts) // 2)
    context = frozenset(term for term, count in in_contexts.items() if count >= shared)
    return facets, Vocabulary(weights=weights, context=context)


def contrasting(words_a: frozenset[str], words_b: frozenset[str]) -> bool:
    """One says a word the other opposes and not that word ('with duodenal switch' / 'without
    duodenal switch'): never one concept, however alike the rest. Words in lower case."""
    for group in compare_rules().contrasts:
        only_a, only_b = (words_a & group) - words_b, (words_b & group) - words_a
        if only_a and only_b:
            return True
    return False


def similarity(a: Facet, b: Facet, vocabulary: Vocabulary) -> float:
    """0..1: token-set ratio of the distinctive terms, averaged with their rarity-weighted overlap,
    damped when one statement is far longer; a measured thing both state ('grade', 'BMI') adds a little."""
    pair = (a.index, b.index) if a.index < b.index else (b.index, a.index)
    if pair not in vocabulary.scores:
        vocabulary.scores[pair] = _similarity(a, b, vocabulary)
    return vocabulary.scores[pair]


def _similarity(a: Facet, b: Facet, vocabulary: Vocabulary) -> float:
    shape_a, shape_b = vocabulary.shape(a), vocabulary.shape(b)
    if not shape_a.terms or not shape_b.terms or contrasting(shape_a.words, shape_b.words):
        return 0.0
    if apart := spelled_apart(a, b):
        # "HER2" and "EGFR" both spell out as "... epidermal growth factor receptor": no word in common.
        shape_a, shape_b = _without(shape_a, apart, vocabulary), _without(shape_b, apart, vocabulary)
        if not shape_a.terms or not shape_b.terms:
            return 0.0
    # The token-set ratio scores a subset 100: with one distinctive term on a side, that says little.
    scorer = fuzz.token_set_ratio if min(shape_a.core_size, shape_b.core_size) >= 2 else fuzz.token_sort_ratio
    ratio = scorer(shape_a.core, shape_b.core) / 100
    overlap, balance, bonus = _weighted_overlap(a, b, vocabulary, shape_a, shape_b)
    return round(min(1.0, (ratio + overlap) / 2 * balance + bonus), 4)


def spelled_apart(a: Facet, b: Facet) -> frozenset[str]:
    """Terms two facets share only by spelling out two different abbreviations."""
    return frozenset(
        term
        for term, short in a.spelled_out.items()
        if term in b.spelled_out and b.spelled_out[term] != short
    )


def _without(shape: FacetShape, terms: frozenset[str], vocabulary: Vocabulary) -> FacetShape:
    kept = shape.terms - terms
    core = kept - vocabulary.context or kept
    return FacetShape(
        terms=kept,
        core=" ".join(sorted(core)),
        core_size=len(core),
        weight=sum(vocabulary.weight(term) for term in kept),
        words=shape.words,
    )


def _weighted_overlap(
    a: Facet,
    b: Facet,
    vocabulary: Vocabulary,
    shape_a: FacetShape | None = None,
    shape_b: FacetShape | None = None,
) -> tuple[float, float, float]:
    """(rarity-weighted overlap, balance, bonus): the parts of similarity that need no string matching."""
    shape_a, shape_b = shape_a or vocabulary.shape(a), shape_b or vocabulary.shape(b)
    shared = sum(vocabulary.weight(term) for term in shape_a.terms & shape_b.terms)
    smaller, larger = sorted((shape_a.weight, shape_b.weight))
    overlap = shared / smaller if smaller else 0.0
    # Both measures forgive a short statement inside a long one; inside a far longer one (a clause
    # inside a paragraph) that says little about whether the two state the same thing.
    balance = min(1.0, BALANCE * smaller / larger) if larger else 0.0
    bonus = 0.1 if a.quantity_names & b.quantity_names else 0.0
    return overlap, balance, bonus


def may_reach(a: Facet, b: Facet, vocabulary: Vocabulary, bar: float) -> bool:
    """Whether similarity can reach `bar`, its string ratio taken at its best (1): a cheap test that
    spares string matching on most candidate pairs."""
    overlap, balance, bonus = _weighted_overlap(a, b, vocabulary)
    return (1 + overlap) / 2 * balance + bonus >= bar


def candidate_pairs(facets: list[Facet], vocabulary: Vocabulary) -> set[tuple[int, int]]:
    """Pairs of facets of different policies that may state one concept: one's rarest terms (its
    BLOCKING_TERMS heaviest) appear in the other. Two statements of one concept share what is
    particular to it; pairs that share only common words ('test', 'cancer') are never scored, so the
    work grows with the matches rather than with the square of the facets."""
    postings: dict[str, list[Facet]] = {}
    # A statement of numbers alone ('4', '81445': a page or a code run into the criteria) names no concept.
    facets = [f for f in facets if any(not term.isdigit() for term in vocabulary.shape(f).terms)]
    for facet in facets:
        for term in vocabulary.shape(facet).terms:
            postings.setdefault(term, []).append(facet)
    pairs: set[tuple[int, int]] = set()
    for facet in facets:
        terms = sorted(vocabulary.shape(facet).terms, key=lambda term: (-vocabulary.weight(term), term))
        for term in terms[:BLOCKING_TERMS]:
            for other in postings[term]:
                if other.policy != facet.policy:
                    pairs.add(
                        (facet.index, other.index)
                        if facet.index < other.index
                        else (other.index, facet.index)
                    )
    return pairs


def cluster(
    facets: list[Facet], vocabulary: Vocabulary, naming: dict[str | None, frozenset[str]], bar: float
) -> list[list[Facet]]:
    """Groups of facets stating one concept: best pairs first, complete linkage across payers; a
    group never holds two facets of one policy's different services. Only candidate pairs (sharing a
    rare term, see candidate_pairs) are ranked; linkage scores any other pair when it is needed."""

    no_concept = compare_rules().degree_words | compare_rules().qualifier_words

    def score(a: Facet, b: Facet) -> float:
        if not comparable(a, b, naming):
            return 0.0
        # Under two services, a statement that says nothing beyond its service and coverage ('for all
        # indications': degree words alone; 'newly diagnosed': qualifiers alone) is not the other
        # service's statement.
        if a.service != b.service and (
            vocabulary.shape(a).terms <= no_concept or vocabulary.shape(b).terms <= no_concept
        ):
            return 0.0
        return similarity(a, b, vocabulary)

    by_index = {facet.index: facet for facet in facets}
    scores = {
        pair: value
        for pair in candidate_pairs(facets, vocabulary)
        if may_reach(by_index[pair[0]], by_index[pair[1]], vocabulary, bar)
        and (value := score(by_index[pair[0]], by_index[pair[1]])) >= bar
    }
    groups: dict[int, list[Facet]] = {facet.index: [facet] for facet in facets}
    root = {facet.index: facet.index for facet in facets}
    ranked = [pair for pair, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]
    # Statements filed under one service pair before statements under services that do not
    # correspond; and one-to-one first: a second statement of one payer joins a row only once every
    # payer's best counterparts are paired ('BMI 35 or greater with a co-morbid condition' states the
    # co-morbidity row as well as the BMI row, and goes where no other statement of its payer is).
    passes = [(same, one_to_one) for same in (True, False) for one_to_one in (True, False)]
    for same_service, one_to_one in passes:
        for first, second in ranked:
            if (by_index[first].service == by_index[second].service) != same_service:
                continue
            left, right = sorted((root[first], root[second]))
            if left == right:
                continue
            shared = {x.policy for x in groups[left]} & {y.policy for y in groups[right]}
            if one_to_one and shared:
                continue
            cross = [score(x, y) for x in groups[left] for y in groups[right] if x.policy != y.policy]
            if min(cross) < LINK or any(
                not comparable(x, y, naming)
                for x in groups[left]
                for y in groups[right]
                if x.policy == y.policy
            ):
                continue
            for facet in groups.pop(right):
                root[facet.index] = left
                groups[left].append(facet)
    return [sorted(group, key=lambda facet: facet.index) for _, group in sorted(groups.items())]


def label(facets: list[Facet]) -> str:
    """A short name in a payer's own words: the shortest statement, lead words and tail trimmed."""
    rules = compare_rules()
    best = min(facets, key=lambda facet: (len(words(facet.text)), facet.index))
    tokens = best.text.strip(" ;:,.").split()
    while len(tokens) > 1 and tokens[0].lower().strip(",") in rules.label_lead_words:
        tokens.pop(0)
    text = " ".join(tokens)
    if len(text) > rules.label_max_chars:
        text = text[: rules.label_max_chars].rsplit(" ", 1)[0].rstrip(" ,;:(") + "…"
    return text[:1].upper() + text[1:]


def member_text(facet: Facet) -> MemberText:
    return MemberText(
        id=facet.criterion.id,
        text=facet.criterion.text,
        facet=facet.text,
        kind=facet.criterion.kind,
        coverage=facet.coverage,
        polarity=facet.polarity,
        catch_all=facet.catch_all,
        page=facet.criterion.page,
    )


def concept_of(number: int, group: list[Facet], keys: list[str]) -> Concept:
    """Row `number` of the table. Every row has a cell per policy, and rows grow with the policies:
    built from parts already typed, so not validated again (that cost would grow with their square),
    and the policies that do not state it share one empty cell."""
    stated: dict[str, list[str]] = {}
    said: dict[str, list[MemberText]] = {}
    for facet in group:
        ids = stated.setdefault(facet.policy, [])
        if facet.criterion.id not in ids:
            ids.append(facet.criterion.id)
        said.setdefault(facet.policy, []).append(member_text(facet))
    not_stated: list = []
    members = {key: stated.get(key, not_stated) for key in keys}
    texts = {key: said.get(key, not_stated) for key in keys}
    return Concept.model_construct(
        id=f"C{number}",
        kind=group[0].kind,
        label=label(group),
        service=group[0].service,
        members=members,
        texts=texts,
        stated_by=[key for key in keys if key in stated],
        catch_all=group[0].catch_all,
        quantities=[],
        contradictions=[],
    )


def one_row_each(groups: list[list[Facet]]) -> list[list[Facet]]:
    """A statement a criterion makes of several services ('... of gastric bypass, gastric restrictive
    procedures or their reversal when there is a surgical complication') is drafted once per service; it
    stays in one row: the one most payers share, else the first in the table. A catch-all stays in each service's row:
    it is that service's answer ('X, Y and Z are not medically necessary for all indications')."""
    best: dict[tuple[str, str, str], int] = {}
    for number, group in enumerate(groups):
        payers = len({facet.policy for facet in group})
        for facet in group:
            if facet.catch_all:
                continue
            statement = (facet.policy, facet.criterion.id, facet.text)
            held = best.get(statement)
            if held is None or payers > len({f.policy for f in groups[held]}):
                best[statement] = number
    kept = [
        [
            facet
            for facet in group
            if facet.catch_all or best[(facet.policy, facet.criterion.id, facet.text)] == number
        ]
        for number, group in enumerate(groups)
    ]
    return [group for group in kept if group]


def group_concepts(
    facets: list[Facet], vocabulary: Vocabulary, keys: list[str], services: list[ServiceGroup]
) -> tuple[list[Concept], dict[int, str]]:
    """Concepts in table order (service, kind, first appearance), and facet index -> concept id (the
    facets one_row_each set aside, repeats of a statement another row holds, have none)."""
    service_order = {group.label: index for index, group in enumerate(services)}
    naming = named_by(services)
    # A catch-all speaks of everything its own service covers: it is grouped per service, not by words.
    buckets: dict[tuple, list[Facet]] = {}
    for facet in facets:
        service = facet.service if facet.catch_all else None
        buckets.setdefault((service, BUCKET[facet.polarity], facet.catch_all), []).append(facet)
    groups: list[list[Facet]] = []
    for (_, _, catch_all), members in buckets.items():
        if catch_all:
            groups.append(members)
            continue
        # A note, a scope sentence or a disclaimer states no criterion: it shares a row only with
        # another payer's (nearly) same words, never on a few words in common.
        aside = {f.index for f in members if f.kind == "note" or takes_no_position(f.text)}
        groups.extend(cluster([f for f in members if f.index in aside], vocabulary, naming, SAME_ASIDE))
        groups.extend(cluster([f for f in members if f.index not in aside], vocabulary, naming, SAME_CONCEPT))
    groups.sort(
        key=lambda group: (
            service_order.get(group[0].service, len(service_order)),
            KIND_ORDER.index(group[0].kind) if group[0].kind in KIND_ORDER else len(KIND_ORDER),
            group[0].catch_all,
            group[0].index,
        )
    )
    groups = one_row_each(groups)
    concepts: list[Concept] = []
    owner: dict[int, str] = {}
    for number, group in enumerate(groups, start=1):
        concept = concept_of(number, group, keys)
        concepts.append(concept)
        owner.update({facet.index: concept.id for facet in group})
    return concepts, owner
