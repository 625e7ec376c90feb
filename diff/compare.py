"""Several payers' policies on one service -> one comparison table (contract: comparison.schema.json).

Rows are concepts (diff/concepts.py): what the policies state, grouped by kind and meaning, each
payer's criterion ids and own words in its cell. Per concept: who states it, who sets the harder bar
on a shared quantity, and where one payer covers what another excludes (diff/contrast.py). Beside
it, the code matrix: every code of any policy x policy -> its status there, or 'absent'.
Deterministic: the same policies in the same order give the same table.
"""

from __future__ import annotations

from pathlib import PurePath

from policydiff.diff.concepts import (
    align_services,
    build_facets,
    compared_policy,
    draft_facets,
    group_concepts,
    policy_keys,
    service_names,
    walk,
)
from policydiff.diff.contrast import find_contradictions, quantity_comparisons, row_verdicts
from policydiff.diff.normalize import Normalizer
from policydiff.extract.abbreviations import defined_abbreviations
from policydiff.model import ABSENT, Code, CodeRow, Comparison, Policy
from spacy.lang.en.stop_words import STOP_WORDS

SYSTEM_ORDER = ("CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS", "NDC", "Revenue", "other")


def policy_name(policy: Policy) -> str:
    """A column's name: the payer and the policy number, so that two policies of one payer are told
    apart by number; the file's name stands in for an unread payer (a payer guessed from a cited
    policy would name the column after someone else)."""
    payer = policy.payer or (PurePath(policy.source.path).stem if policy.source.path else None)
    return " ".join(part for part in (payer, policy.policy_number) if part) or policy.title


def column_names(policies: list[Policy]) -> list[str]:
    """Each policy's name, with its file's name added where two are alike (two versions of one
    policy): never a number the policies do not carry ('CMS-2')."""
    names = [policy_name(policy) for policy in policies]
    return [
        f"{name} ({PurePath(policy.source.path or policy.title).name})" if names.count(name) > 1 else name
        for name, policy in zip(names, policies, strict=True)
    ]


def abbreviations(policies: list[Policy]) -> dict[str, str]:
    """Short forms as any of the policies define them (its own list first, then 'long form (SHORT)' in
    its criteria, title and services); the first policy to define one wins. Short forms that are also
    common words ('ALL', 'ANY') are not expanded: in criteria they are mostly the word."""
    merged: dict[str, str] = {}
    for policy in policies:
        texts = [policy.title, *policy.services, *(criterion.text for criterion, _ in walk(policy.criteria))]
        for short, long_form in {**defined_abbreviations(texts), **policy.abbreviations}.items():
            if short.lower() not in STOP_WORDS:
                merged.setdefault(short, long_form)
    return merged


def code_matrix(keyed: list[tuple[str, Policy]]) -> tuple[list[CodeRow], list[str]]:
    """Every code of any policy x policy -> its status there; a code inside another policy's listed
    range takes that range's status; otherwise 'absent'."""
    listed: dict[tuple[str, str, str | None], dict[str, Code]] = {}
    warnings: list[str] = []
    for key, policy in keyed:
        for code in policy.codes:
            row = listed.setdefault((code.system, code.code, code.code_end), {})
            first = row.setdefault(key, code)
            if first.status != code.status:
                warnings.append(
                    f"{policy_name(policy)} lists {code.system} {code.code} twice, as {first.status} and "
                    f"{code.status}; the comparison shows {first.status}"
                )
    rows = []
    for (system, value, end), by_policy in listed.items():
        members: dict[str, str | None] = {}
        for key, policy in keyed:
            if key in by_policy:
                members[key] = by_policy[key].status
                continue
            # A code inside another policy's listed range takes that range's status.
            span = next(
                (
                    c
                    for c in policy.codes
                    if c.system == system and c.code_end is not None and c.covers(value)
                ),
                None,
            )
            members[key] = span.status if span else ABSENT
        description = next((c.description for c in by_policy.values() if c.description), None)
        statuses = set(members.values())
        rows.append(
            CodeRow(
                system=system,
                code=value,
                code_end=end,
                description=description,
                members=members,
                conflict={"covered", "not_covered"} <= statuses,
            )
        )
    rows.sort(
        key=lambda row: (
            SYSTEM_ORDER.index(row.system) if row.system in SYSTEM_ORDER else len(SYSTEM_ORDER),
            row.code,
            row.code_end or "",
        )
    )
    return rows, warnings


def compare_policies(policies: list[Policy]) -> Comparison:
    """The comparison table of two or more policies. Raises ValueError for fewer than two."""
    if len(policies) < 2:
        raise ValueError("a comparison needs at least two policies")
    keys = policy_keys(policies)
    keyed = list(zip(keys, policies, strict=True))
    names = dict(zip(keys, column_names(policies), strict=True))
    compared = [compared_policy(key, names[key], policy) for key, policy in keyed]

    plain = Normalizer(abbreviations(policies), frozenset())
    named = {key: service_names(policy) for key, policy in keyed}
    services, mapping = align_services(named, plain)
    # Service names say which row group a criterion is in, not which concept: drop them from terms.
    service_terms = frozenset(
        term for names_ in named.values() for name in names_ for term in plain.terms(name)
    )
    distinctive = Normalizer(plain.abbreviations, service_terms)
    drafts, context = draft_facets(keyed, mapping, plain, distinctive)
    facets, vocabulary = build_facets(drafts, context, distinctive)
    concepts, owner = group_concepts(facets, vocabulary, keys, services)
    facets = [facet for facet in facets if facet.index in owner]

    facets_of: dict[str, list] = {}
    for facet in facets:
        facets_of.setdefault(owner[facet.index], []).append(facet)
    labels = {concept.id: concept.label for concept in concepts}
    contradictions = find_contradictions(facets, owner, vocabulary, services, names, labels)
    involved: dict[str, list[str]] = {}
    for contradiction in contradictions:
        for side in (contradiction.covering, contradiction.opposing, *contradiction.instead):
            ids = involved.setdefault(side.concept, [])
            if contradiction.id not in ids:
                ids.append(contradiction.id)
    concepts = [
        concept.model_copy(
            update={
                "quantities": quantity_comparisons(concept, facets_of[concept.id], names),
                "contradictions": involved.get(concept.id, []),
            }
        )
        for concept in concepts
    ]
    concepts = [
        concept.model_copy(update={"verdicts": row_verdicts(concept, facets_of[concept.id])})
        for concept in concepts
    ]
    codes, warnings = code_matrix(keyed)
    for policy in policies:
        if not policy.criteria:
            warnings.append(f"{policy_name(policy)}: no criteria were read, so its column states no concept")
        if not policy.codes:
            warnings.append(f"{policy_name(policy)}: no codes were read, so its codes all show as absent")
    return Comparison(
        policies=compared,
        services=services,
        concepts=concepts,
        codes=codes,
        contradictions=contradictions,
        warnings=warnings,
    )
