"""Criteria of several payers' policies -> concepts: the rows of the comparison table.

A criterion is cut into facets (its coverage preamble dropped, a sentence naming two indications cut
in two); facets are compared as normalized terms (diff/normalize.py) with rapidfuzz's token-set ratio
and an overlap weighted by how rare each term is in the compared policies; facets of one service and
one stance (condition for coverage, exclusion, other) whose similarity passes a bar are grouped, with
complete linkage across payers so that a chain of near matches never joins two different things.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations

from policydiff.diff.normalize import Normalizer, compare_rules, words
from policydiff.model import ComparedPolicy, Concept, Criterion, MemberText, Policy, ServiceGroup
from policydiff.model.comparison import Polarity
from rapidfuzz import fuzz

# Two facets state the same concept at this similarity (0..1); every pair across payers in a concept
# must reach LINK (complete linkage), so two rows never merge through one loose match.
SAME_CONCEPT = 0.62
LINK = 0.45
# Two service names are one service at this token-set ratio of their terms.
SAME_SERVICE = 85
# A statement may be this many times longer (in weighted terms) than another it restates.
BALANCE = 3.0
# How much a term of the policies' shared context (lead-ins, coverage preambles) counts.
CONTEXT_WEIGHT = 0.35
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


@dataclass
class Vocabulary:
    """What similarity needs to know about all compared facets: term weights and shared context."""

    weights: dict[str, float] = field(default_factory=dict)
    context: frozenset[str] = frozenset()

    def weight(self, term: str) -> float:
        return self.weights.get(term, 1.0) * (CONTEXT_WEIGHT if term in self.context else 1.0)


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


def compared_policy(key: str, policy: Policy) -> ComparedPolicy:
    return ComparedPolicy(
        key=key,
        payer=policy.payer,
        policy_number=policy.policy_number,
        title=policy.title,
        sha256=policy.source.sha256,
        path=policy.source.path,
        services=service_names(policy),
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
    for key, names in named.items():
        for name in names:
            terms = " ".join(sorted(set(normalizer.terms(name)))) or name.lower()
            match = next(
                (
                    group
                    for group in groups
                    if key not in group["names"]
                    and fuzz.token_set_ratio(terms, group["terms"]) >= SAME_SERVICE
                ),
                None,
            )
            if match:
                match["names"][key] = name
            else:
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


def polarity(kind: str, coverage: str | None) -> Polarity:
    if kind in ("exclusion", "contraindication") or coverage in EXCLUDING_COVERAGE:
        return "excludes"
    if kind == "indication" or (kind == "statement" and coverage == "medically_necessary"):
        return "covers"
    if kind == "requirement":
        return "requires"
    return "neutral"


def is_catch_all(text: str) -> bool:
    return any(pattern.search(text) for pattern in compare_rules().catch_all)


def split_preamble(text: str, subject_terms: Normalizer) -> tuple[str, str]:
    """(preamble, rest): 'DLI is considered medically necessary' | 'for the treatment of ...'. Only
    when the words before the coverage phrase name the service and little else: in 'More than one
    device per 6 months is not medically necessary' they are the concept itself."""
    for pattern in compare_rules().coverage_phrases:
        match = pattern.search(text)
        if (
            match
            and len(words(text[match.end() :])) >= 2
            and len(set(subject_terms.terms(text[: match.start()]))) <= MAX_SUBJECT_TERMS
        ):
            return text[: match.end()], text[match.end() :].strip(" ,")
    return "", text


def split_clauses(text: str) -> list[str]:
    parts = [text]
    for pattern in compare_rules().clause_splits:
        parts = [piece.strip(" ,;") for part in parts for piece in pattern.split(part)]
    return [part for part in parts if words(part)]


def is_lead_in(criterion: Criterion) -> bool:
    """A header whose words only introduce its children ('... any of the following:')."""
    return bool(criterion.children) and criterion.text.rstrip().endswith(":")


def criterion_services(
    criterion: Criterion,
    ancestors: tuple[Criterion, ...],
    key: str,
    names: list[str],
    mapping: dict[tuple[str, str], str],
    normalizer: Normalizer,
) -> list[str | None]:
    """Service groups a criterion speaks of: its own or inherited service, else the services its words
    name ('DLI and HPC boost are ...'), else its policy's only service; None when it speaks of none of
    several (a policy-wide statement, compared with the other policies' policy-wide statements)."""
    own = criterion.service or next((a.service for a in reversed(ancestors) if a.service), None)
    if own:
        return [mapping[(key, own)]]
    terms = set(normalizer.terms(criterion.text))
    named = [name for name in names if (name_terms := set(normalizer.terms(name))) and name_terms <= terms]
    if named or len(names) == 1:
        return [mapping[(key, name)] for name in (named or names)]
    return [None]


@dataclass
class FacetDraft:
    policy: str
    criterion: Criterion
    text: str
    kind: str
    coverage: str | None
    service: str | None
    catch_all: bool


def draft_facets(
    keyed: list[tuple[str, Policy]],
    mapping: dict[tuple[str, str], str],
    normalizer: Normalizer,
    subject_terms: Normalizer,
) -> tuple[list[FacetDraft], list[str]]:
    """Every facet of every criterion, and the context texts (lead-ins and coverage preambles).
    `normalizer` reads service names in texts; `subject_terms` drops them."""
    drafts: list[FacetDraft] = []
    context: list[str] = []
    for key, policy in keyed:
        names = service_names(policy)
        for criterion, ancestors in walk(policy.criteria):
            catch_all = is_catch_all(criterion.text)
            if is_lead_in(criterion) and not catch_all:
                context.append(criterion.text)
                continue
            coverage = criterion.coverage or next(
                (a.coverage for a in reversed(ancestors) if a.coverage), None
            )
            preamble, rest = split_preamble(criterion.text, subject_terms)
            context.append(preamble)
            parts = [rest] if catch_all else split_clauses(rest) or [criterion.text]
            for service in criterion_services(criterion, ancestors, key, names, mapping, normalizer):
                for part in parts:
                    drafts.append(
                        FacetDraft(key, criterion, part, criterion.kind, coverage, service, catch_all)
                    )
    return drafts, context


def build_facets(
    drafts: list[FacetDraft], context_texts: list[str], normalizer: Normalizer
) -> tuple[list[Facet], Vocabulary]:
    facets = [
        Facet(
            index=index,
            policy=draft.policy,
            criterion=draft.criterion,
            text=draft.text,
            terms=normalizer.terms(draft.text),
            kind=draft.kind,
            coverage=draft.coverage,
            polarity=polarity(draft.kind, draft.coverage),
            service=draft.service,
            catch_all=draft.catch_all,
            quantity_names=frozenset(
                (quantity.quantity or quantity.unit or "").lower()
                for quantity in draft.criterion.quantities
                if quantity.quantity or quantity.unit
            ),
        )
        for index, draft in enumerate(drafts)
    ]
    documents = {(facet.policy, facet.criterion.id, facet.text): set(facet.terms) for facet in facets}
    frequency = Counter(term for terms in documents.values() for term in terms)
    total = len(documents) or 1
    weights = {term: 1.0 + math.log(total / count) for term, count in frequency.items()}
    context = frozenset(term for text in context_texts for term in normalizer.terms(text))
    return facets, Vocabulary(weights=weights, context=context)


def similarity(a: Facet, b: Facet, vocabulary: Vocabulary) -> float:
    """0..1: token-set ratio of the distinctive terms, averaged with their rarity-weighted overlap,
    damped when one statement is far longer; a measured thing both state ('grade', 'BMI') adds a little."""
    terms_a, terms_b = set(a.terms), set(b.terms)
    if not terms_a or not terms_b:
        return 0.0
    core_a = terms_a - vocabulary.context or terms_a
    core_b = terms_b - vocabulary.context or terms_b
    # The token-set ratio scores a subset 100: with one distinctive term on a side, that says little.
    scorer = fuzz.token_set_ratio if min(len(core_a), len(core_b)) >= 2 else fuzz.token_sort_ratio
    ratio = scorer(" ".join(sorted(core_a)), " ".join(sorted(core_b))) / 100
    shared = sum(vocabulary.weight(term) for term in terms_a & terms_b)
    smaller, larger = sorted(
        (sum(vocabulary.weight(term) for term in terms_a), sum(vocabulary.weight(term) for term in terms_b))
    )
    overlap = shared / smaller if smaller else 0.0
    # Both measures forgive a short statement inside a long one; inside a far longer one (a clause
    # inside a paragraph) that says little about whether the two state the same thing.
    balance = min(1.0, BALANCE * smaller / larger) if larger else 0.0
    bonus = 0.1 if a.quantity_names & b.quantity_names else 0.0
    return round(min(1.0, (ratio + overlap) / 2 * balance + bonus), 4)


def cluster(facets: list[Facet], vocabulary: Vocabulary) -> list[list[Facet]]:
    """Groups of facets stating one concept: best pairs first, complete linkage across payers."""
    scores = {
        (a.index, b.index): similarity(a, b, vocabulary)
        for a, b in combinations(facets, 2)
        if a.policy != b.policy
    }
    groups: dict[int, list[Facet]] = {facet.index: [facet] for facet in facets}
    root = {facet.index: facet.index for facet in facets}
    for (first, second), score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
        if score < SAME_CONCEPT:
            break
        left, right = sorted((root[first], root[second]))
        if left == right:
            continue
        cross = [
            scores[tuple(sorted((x.index, y.index)))]
            for x in groups[left]
            for y in groups[right]
            if x.policy != y.policy
        ]
        if min(cross) < LINK:
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


def concept_of(group: list[Facet], keys: list[str]) -> Concept:
    members: dict[str, list[str]] = {key: [] for key in keys}
    texts: dict[str, list[MemberText]] = {key: [] for key in keys}
    for facet in group:
        if facet.criterion.id not in members[facet.policy]:
            members[facet.policy].append(facet.criterion.id)
        texts[facet.policy].append(member_text(facet))
    return Concept(
        id="",
        kind=group[0].kind,
        label=label(group),
        service=group[0].service,
        members=members,
        texts=texts,
        stated_by=[key for key in keys if members[key]],
        catch_all=group[0].catch_all,
    )


def group_concepts(
    facets: list[Facet], vocabulary: Vocabulary, keys: list[str], services: list[ServiceGroup]
) -> tuple[list[Concept], dict[int, str]]:
    """Concepts in table order (service, kind, first appearance), and facet index -> concept id."""
    service_order = {group.label: index for index, group in enumerate(services)}
    buckets: dict[tuple, list[Facet]] = {}
    for facet in facets:
        buckets.setdefault((facet.service, BUCKET[facet.polarity], facet.catch_all), []).append(facet)
    groups: list[list[Facet]] = []
    for (_, _, catch_all), members in buckets.items():
        groups.extend([members] if catch_all else cluster(members, vocabulary))
    groups.sort(
        key=lambda group: (
            service_order.get(group[0].service, len(service_order)),
            KIND_ORDER.index(group[0].kind) if group[0].kind in KIND_ORDER else len(KIND_ORDER),
            group[0].catch_all,
            group[0].index,
        )
    )
    concepts: list[Concept] = []
    owner: dict[int, str] = {}
    for number, group in enumerate(groups, start=1):
        concept = concept_of(group, keys).model_copy(update={"id": f"C{number}"})
        concepts.append(concept)
        owner.update({facet.index: concept.id for facet in group})
    return concepts, owner
