"""Where payers differ on a concept: who sets the harder bar on a shared quantity, and who covers what
another excludes (in so many words, or by covering a list of indications and excluding any other)."""

from __future__ import annotations

import math

from policydiff.diff.concepts import (
    BUCKET,
    SAME_CONCEPT,
    Facet,
    Vocabulary,
    similarity,
)
from policydiff.diff.direction import (
    Verdict,
    combine,
    listed_item_direction,
    threshold_direction,
    turned,
)
from policydiff.diff.direction import polarity as direction_polarity
from policydiff.diff.normalize import compare_rules
from policydiff.model import (
    Concept,
    Contradiction,
    ContradictionSide,
    PayerVerdict,
    Quantity,
    QuantityComparison,
    QuantityValue,
    ServiceGroup,
)

# A payer covers the same concept under another service ("instead") at this similarity: lower than
# SAME_CONCEPT because the other service's wording differs more (HPC boost vs DLI for chimerism).
INSTEAD = 0.45

_LOWER_BOUND = (">", ">=")
_UPPER_BOUND = ("<", "<=")


def _bound(value: QuantityValue) -> tuple[str, tuple[float, int]] | None:
    """('lower' | 'upper', sortable bar), or None for an equality or range (not ordered here)."""
    if value.comparator in _LOWER_BOUND:
        return "lower", (value.value, 1 if value.comparator == ">" else 0)
    if value.comparator in _UPPER_BOUND:
        return "upper", (value.value, 0 if value.comparator == "<" else 1)
    return None


def quantity_comparisons(
    concept: Concept, facets: list[Facet], names: dict[str, str]
) -> list[QuantityComparison]:
    """Per measured thing stated by several payers in the concept: the harder bar. For what a policy
    covers, harder means fewer qualify; for what it excludes, harder means more are excluded."""
    statements: dict[str, dict[str, list[QuantityValue]]] = {}
    units: dict[str, str | None] = {}
    polarity: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for facet in facets:
        if (facet.policy, facet.criterion.id) in seen:
            continue
        seen.add((facet.policy, facet.criterion.id))
        polarity.setdefault(facet.policy, facet.polarity)
        for quantity in facet.criterion.quantities:
            measured = (quantity.quantity or quantity.unit or "").lower()
            if not measured:
                continue
            units.setdefault(measured, quantity.unit)
            statements.setdefault(measured, {}).setdefault(facet.policy, []).append(
                QuantityValue(
                    id=facet.criterion.id,
                    text=quantity.text,
                    comparator=quantity.comparator,
                    value=quantity.value,
                    value_end=quantity.value_end,
                    unit=quantity.unit,
                )
            )
    comparisons = []
    for measured, values in statements.items():
        # A bare amount ('every 3 months') is a period, not a bar anyone clears.
        if len(values) < 2 or not any(v.comparator for items in values.values() for v in items):
            continue
        stricter, looser, explanation = _rank(measured, values, polarity, names)
        comparisons.append(
            QuantityComparison(
                quantity=measured,
                unit=units[measured],
                values={key: values[key] for key in concept.members if key in values},
                stricter=stricter,
                looser=looser,
                explanation=explanation,
            )
        )
    return comparisons


def _rank(
    measured: str, values: dict[str, list[QuantityValue]], polarity: dict[str, str], names: dict[str, str]
) -> tuple[list[str], list[str], str]:
    stated = "; ".join(f"{names[key]}: {', '.join(v.text for v in items)}" for key, items in values.items())
    if len({tuple((v.comparator, v.value, v.value_end) for v in items) for items in values.values()}) == 1:
        return [], [], f"{measured}: {stated} (the same bar)"
    bounds = {key: _bound(items[0]) for key, items in values.items()}
    directions = {bound[0] for bound in bounds.values() if bound}
    # An indication and a requirement are both conditions of coverage: their bars compare.
    polarities = {BUCKET[polarity[key]] for key in values}
    if None in bounds.values() or len(directions) != 1 or len(polarities) != 1:
        return [], [], f"{measured}: {stated} (not comparable as thresholds)"
    direction, excluding = directions.pop(), polarities.pop() == "exclusion"
    bars = {key: bound[1] for key, bound in bounds.items() if bound}
    # A higher lower bound and a lower upper bound both narrow who qualifies.
    harder_is_higher = (direction == "lower") != excluding
    best = max(bars.values()) if harder_is_higher else min(bars.values())
    if len(set(bars.values())) == 1:
        return [], [], f"{measured}: {stated} (the same bar)"
    stricter = [key for key, bar in bars.items() if bar == best]
    looser = [key for key in bars if key not in stricter]
    return stricter, looser, f"{measured}: {stated}; stricter: {', '.join(names[k] for k in stricter)}"


def row_verdicts(concept: Concept, facets: list[Facet]) -> dict[str, PayerVerdict]:
    """Per stating payer, whether its statement of the row is stricter or looser than the others'.
    A row one payer states: by what the statement is (diff/direction.py: a requirement or exclusion
    the others lack is stricter, another way in looser). A shared row: by its thresholds, a bar the
    others do not set counting as stricter (turned for a ground for denial)."""
    if len(concept.stated_by) == 1:
        facet = facets[0]
        verdict = listed_item_direction(
            facet.kind, facet.coverage, facet.parent_logic, facet.parent_sign, added=True
        )
        lead = compare_rules().one_sided_reason
        return {
            facet.policy: PayerVerdict(
                direction=verdict.direction, reasons=[f"{lead}: {why}" for why in verdict.reasons]
            )
        }
    bars: dict[str, dict[str, Quantity]] = {}
    sign: dict[str, int] = {}
    for facet in facets:
        sign.setdefault(facet.policy, direction_polarity(facet.kind, facet.coverage))
        # Only the bars this facet states: a criterion cut in facets holds the others' too.
        for quantity in facet.criterion.quantities:
            measured = (quantity.quantity or quantity.unit or "").lower()
            if measured and quantity.comparator and quantity.text in facet.text:
                bars.setdefault(facet.policy, {}).setdefault(measured, quantity)
    verdicts = {}
    for key in concept.stated_by:
        parts = [
            Verdict("stricter" if key in q.stricter else "looser", (q.explanation,))
            for q in concept.quantities
            if key in q.stricter or key in q.looser
        ]
        # A bar is one more condition only against payers that set none here: bars on different
        # things ('BMI 35 or greater' / 'at least one co-morbidity') do not order the payers.
        if not any(own for other, own in bars.items() if other != key):
            parts += [
                turned(threshold_direction(None, quantity), sign[key])
                for quantity in bars.get(key, {}).values()
            ]
        verdict = combine(parts)
        verdicts[key] = PayerVerdict(direction=verdict.direction, reasons=list(verdict.reasons))
    return verdicts


def _side(facets: list[Facet], owner: dict[int, str]) -> ContradictionSide:
    ids: list[str] = []
    for facet in facets:
        if facet.criterion.id not in ids:
            ids.append(facet.criterion.id)
    return ContradictionSide(
        policy=facets[0].policy,
        concept=owner[facets[0].index],
        ids=ids,
        service=facets[0].service,
        polarity=facets[0].polarity,
    )


def _quote(facets: list[Facet]) -> str:
    """Each criterion's words, its id and, where the source has pages, its page."""
    quoted = {facet.criterion.id: facet.criterion for facet in facets}
    return "; ".join(
        f"“{criterion.text.strip()}” ({id_}{f', p. {criterion.page}' if criterion.page else ''})"
        for id_, criterion in quoted.items()
    )


def _interval(value: Quantity) -> tuple[float, float] | None:
    """The values a bar admits as (low, high), its edge left to _touch; None for an amount or range."""
    if value.comparator in (">", ">="):
        return value.value, math.inf
    if value.comparator in ("<", "<="):
        return -math.inf, value.value
    return None


def _apart(covering: Facet, excluding: Facet) -> bool:
    """Both bound one measured thing and the bounds do not meet: 'covered for BMI >= 35' and 'not
    medically necessary for BMI below 35' agree."""
    for ours in covering.criterion.quantities:
        for theirs in excluding.criterion.quantities:
            if not ours.quantity or ours.quantity.lower() != (theirs.quantity or "").lower():
                continue
            a, b = _interval(ours), _interval(theirs)
            if a and b and (a[1] < b[0] or b[1] < a[0] or _touch(ours, theirs)):
                return True
    return False


def _touch(ours: Quantity, theirs: Quantity) -> bool:
    """'>= 35' and '< 35' (or '> 35' and '<= 35') share their edge but no value."""
    if ours.value != theirs.value:
        return False
    pair = {ours.comparator, theirs.comparator}
    return pair in ({">=", "<"}, {">", "<="}, {">", "<"})


def _limits(excluding: Facet, covering: Facet) -> bool:
    """The exclusion bounds what is covered rather than denying it: it restates the covered words and
    goes on ('X is covered ... if the criteria are not met, X is denied'), it adds an amount the
    covering statement does not have ('more than one device per 6 months'), or it excludes the
    values of a measured thing that the covering statement does not cover."""
    restates = " ".join(covering.text.lower().split())
    if restates and restates in " ".join(excluding.criterion.text.lower().split()):
        return True
    if _apart(covering, excluding):
        return True
    return bool(excluding.criterion.quantities) and not covering.criterion.quantities


def _explicit(
    facets: list[Facet], owner: dict[int, str], vocabulary: Vocabulary, services: list[ServiceGroup]
) -> dict[tuple, dict]:
    """A facet one payer covers that another payer, for the same service, excludes in so many words.
    A statement of no service, or of a service the other payer does not name, is no ground: the two
    may speak of different tests."""
    covering_facets = [f for f in facets if f.polarity == "covers" and not f.catch_all and f.service]
    excluding = [f for f in facets if f.polarity == "excludes" and not f.catch_all and f.service]
    scores = {
        (covering.index, other.index): similarity(covering, other, vocabulary)
        for covering in covering_facets
        for other in excluding
        if covering.policy != other.policy and covering.service == other.service
    }
    by_index = {facet.index: facet for facet in facets}
    best: dict[tuple[int, str], float] = {}  # (facet, other policy) -> its best score against that policy
    for (covering_index, other_index), score in scores.items():
        for end, policy in (
            (covering_index, by_index[other_index].policy),
            (other_index, by_index[covering_index].policy),
        ):
            best[(end, policy)] = max(best.get((end, policy), 0.0), score)
    found: dict[tuple, dict] = {}
    for (covering_index, other_index), score in scores.items():
        covering, other = by_index[covering_index], by_index[other_index]
        # Only statements that restate each other best oppose each other: "Open sleeve gastrectomy"
        # restates "Sleeve gastrectomy", not every covered procedure with a sleeve in it.
        if (
            score < SAME_CONCEPT
            or score < best[(covering.index, other.policy)]
            or score < best[(other.index, covering.policy)]
            or _limits(other, covering)
        ):
            continue
        entry = found.setdefault(
            ("explicit", owner[covering.index], owner[other.index]),
            {"covering": [], "opposing": [], "instead": []},
        )
        entry["covering"].append(covering)
        entry["opposing"].append(other)
    return found


def _by_catch_all(
    facets: list[Facet], owner: dict[int, str], vocabulary: Vocabulary, services: list[ServiceGroup]
) -> dict[tuple, dict]:
    """A facet one payer covers for a service that another payer names alike, lists indications for,
    states nothing like, and excludes 'for any other indication'; with where that payer covers the
    same thing under another service instead."""
    named_alike = {group.label: set(group.names) for group in services if group.match == "same"}
    by_policy: dict[str, list[Facet]] = {}
    for facet in facets:
        by_policy.setdefault(facet.policy, []).append(facet)
    found: dict[tuple, dict] = {}
    for covering in facets:
        # A condition among several that must all hold is part of an indication, not one: another
        # payer not listing it alone excludes nothing.
        if (
            covering.polarity != "covers"
            or covering.catch_all
            or covering.conjunct
            or covering.service not in named_alike
        ):
            continue
        for key in sorted(named_alike[covering.service] - {covering.policy}):
            theirs = by_policy[key]
            same_service = [facet for facet in theirs if facet.service == covering.service]
            catch_alls = [f for f in same_service if f.catch_all and f.polarity == "excludes"]
            listed = [f for f in same_service if not f.catch_all and f.polarity in ("covers", "requires")]
            if not catch_alls or not listed:
                continue
            if any(similarity(covering, facet, vocabulary) >= SAME_CONCEPT for facet in same_service):
                continue
            # "Advanced non-small cell lung cancer" against a payer that lists "advanced solid malignancy"
            # for the same test: half its words are in what that payer lists, so it may be one of them,
            # and an exclusion "for all other indications" is no sure ground against it.
            if any(_may_contain(facet, covering) for facet in listed):
                continue
            entry = found.setdefault(
                ("catch_all", owner[covering.index], owner[catch_alls[0].index]),
                {"covering": [], "opposing": catch_alls, "instead": []},
            )
            entry["covering"].append(covering)
            entry["instead"].extend(
                facet
                for facet in theirs
                if facet.service != covering.service
                and facet.polarity == "covers"
                and facet not in entry["instead"]
                and similarity(covering, facet, vocabulary) >= INSTEAD
            )
    return found


def _may_contain(listed: Facet, covering: Facet) -> bool:
    """Whether an indication a payer lists holds at least half of another statement's words."""
    words = set(covering.terms)
    return bool(words) and len(words & set(listed.terms)) * 2 >= len(words)


def _explain(basis: str, entry: dict, names: dict[str, str]) -> str:
    covering, opposing = entry["covering"][0], entry["opposing"][0]
    who, against = names[covering.policy], names[opposing.policy]
    service = f" {covering.service}" if covering.service else ""
    if basis == "explicit":
        why = f"{against} excludes it: {_quote(entry['opposing'])}."
    else:
        why = (
            f"{against} covers{service} only for the indications it lists and excludes any other: "
            f"{_quote(entry['opposing'])}."
        )
    instead = " ".join(
        f"{against} covers {facet.service} for it instead: {_quote([facet])}." for facet in entry["instead"]
    )
    return f"{who} covers{service} for {_quote(entry['covering'])}; {why}" + (
        f" {instead}" if instead else ""
    )


def find_contradictions(
    facets: list[Facet],
    owner: dict[int, str],
    vocabulary: Vocabulary,
    services: list[ServiceGroup],
    names: dict[str, str],
    labels: dict[str, str],
) -> list[Contradiction]:
    """Where one payer covers what another excludes, explicitly or by its catch-all, in table order.
    `names`: policy key -> the payer's name in sentences; `labels`: concept id -> label."""
    found = {
        **_explicit(facets, owner, vocabulary, services),
        **_by_catch_all(facets, owner, vocabulary, services),
    }
    order = {concept: index for index, concept in enumerate(labels)}
    ranked = sorted(found.items(), key=lambda item: (order[item[0][1]], item[0][0], order[item[0][2]]))
    return [
        Contradiction(
            id=f"X{number}",
            basis=basis,
            label=labels[covering_concept],
            covering=_side(entry["covering"], owner),
            opposing=_side(entry["opposing"], owner),
            instead=[_side([facet], owner) for facet in entry["instead"]],
            explanation=_explain(basis, entry, names),
        )
        for number, ((basis, covering_concept, _), entry) in enumerate(ranked, start=1)
    ]
