"""Which way coverage moved: stricter, looser, neutral or unclear, by deterministic rules.

Pure functions over model values (quantities, kinds, coverage positions, list logic, changed words),
so the revision diff and the cross-payer comparison tell direction the same way. Each returns a
Verdict: the direction and the sentences saying why (wording in diff/rules/direction.toml).

Every rule is stated for a *condition for coverage* (an indication, a requirement, a covering
statement: meeting it leads to coverage). For a *ground for denial* (an exclusion, a
contraindication, a non-covering statement) the same edit moves coverage the other way: `polarity`
tells which an item is and `turned` applies it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from policydiff.extract.rules import RuleFileError, load_rules, regex, regex_list, string_list
from policydiff.model.diff import Direction
from policydiff.model.policy import Quantity

NEGATIVE_COVERAGE = frozenset({"not_medically_necessary", "experimental_investigational", "not_covered"})
NEGATIVE_KINDS = frozenset({"exclusion", "contraindication"})
CODE_STATUSES = ("covered", "not_covered", "related")


@dataclass(frozen=True)
class Verdict:
    direction: Direction
    reasons: tuple[str, ...] = ()


NEUTRAL = Verdict("neutral")
# A whole sentence: a capital first, a period last.
_SENTENCE = re.compile(r"^[A-Z].*[.!]$", re.S)


@dataclass(frozen=True)
class DirectionRules:
    requirement_words: tuple[re.Pattern[str], ...]
    widening_words: tuple[re.Pattern[str], ...]
    negation_words: tuple[re.Pattern[str], ...]
    exclusion_sentences: tuple[re.Pattern[str], ...]
    code_token: re.Pattern[str]
    informational_sections: frozenset[str]
    unread_code_status: str
    reasons: dict[str, str]


REASON_KEYS = (
    "item_added_alternative",
    "item_removed_alternative",
    "item_added_condition",
    "item_removed_condition",
    "item_added_absent",
    "item_removed_absent",
    "kind_added",
    "kind_removed",
    "negative_context",
    "threshold",
    "threshold_added",
    "threshold_removed",
    "logic",
    "coverage",
    "qualifier_added",
    "qualifier_removed",
    "requirement_added",
    "requirement_removed",
    "widening_added",
    "widening_removed",
    "negation",
    "exclusion_added",
    "exclusion_removed",
    "code_added",
    "code_removed",
    "code_status",
    "codes_entered",
    "codes_left",
    "mixed",
    "place_or_kind",
)


@cache
def direction_rules() -> DirectionRules:
    """diff/rules/direction.toml, checked when loaded: a malformed file fails here, naming the key."""
    data = load_rules("direction", "diff")
    reasons = data.get("reasons", {})
    missing = [name for name in REASON_KEYS if not isinstance(reasons.get(name), str)]
    if missing:
        raise RuleFileError(f"rule file direction.toml: [reasons] lacks {', '.join(missing)}")
    status = data.get("unread_code_status")
    if status not in CODE_STATUSES:
        raise RuleFileError(f"rule file direction.toml: 'unread_code_status' must be one of {CODE_STATUSES}")
    return DirectionRules(
        requirement_words=tuple(regex_list(data, "requirement_words", "direction")),
        widening_words=tuple(regex_list(data, "widening_words", "direction")),
        negation_words=tuple(regex_list(data, "negation_words", "direction")),
        exclusion_sentences=tuple(regex_list(data, "exclusion_sentences", "direction")),
        code_token=regex(data, "code_token", "direction"),
        informational_sections=frozenset(string_list(data, "informational_sections", "direction")),
        unread_code_status=status,
        reasons=reasons,
    )


def reason(name: str, **values: object) -> str:
    return direction_rules().reasons[name].format(**values)


# ------------------------------------------------------------------------------------------- combining


def opposite(direction: Direction) -> Direction:
    return {"stricter": "looser", "looser": "stricter"}.get(direction, direction)  # type: ignore[return-value]


def polarity(kind: str | None, coverage: str | None) -> int:
    """+1 for a condition for coverage, -1 for a ground for denial (exclusion, non-covering statement)."""
    return -1 if kind in NEGATIVE_KINDS or coverage in NEGATIVE_COVERAGE else 1


def turned(verdict: Verdict, sign: int) -> Verdict:
    """The verdict of an edit to a ground for denial, from the verdict of the same edit to a condition."""
    if sign >= 0 or verdict.direction not in ("stricter", "looser"):
        return verdict
    return Verdict(opposite(verdict.direction), (*verdict.reasons, reason("negative_context")))


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """One verdict of several parts: neutral parts aside, all agreeing or else unclear."""
    parts = [verdict for verdict in verdicts if verdict.direction != "neutral"]
    reasons = tuple(dict.fromkeys(text for verdict in parts for text in verdict.reasons))
    directions = {verdict.direction for verdict in parts}
    if not directions:
        return NEUTRAL
    if len(directions) == 1:
        return Verdict(directions.pop(), reasons)
    return Verdict("unclear", (*reasons, reason("mixed")))


# ------------------------------------------------------------------------------------------ thresholds


@dataclass(frozen=True)
class Interval:
    """The values that satisfy a quantity: low..high, each end open (excluded) or closed."""

    low: float
    low_open: bool
    high: float
    high_open: bool

    def within(self, other: Interval) -> bool:
        low_ok = self.low > other.low or (self.low == other.low and (self.low_open or not other.low_open))
        high_ok = self.high < other.high or (
            self.high == other.high and (self.high_open or not other.high_open)
        )
        return low_ok and high_ok


def interval(quantity: Quantity) -> Interval | None:
    """What values satisfy the quantity; None when it states no comparison ('grade 2')."""
    value, end = quantity.value, quantity.value_end
    match quantity.comparator:
        case ">=":
            return Interval(value, False, math.inf, True)
        case ">":
            return Interval(value, True, math.inf, True)
        case "<=":
            return Interval(-math.inf, True, value, False)
        case "<":
            return Interval(-math.inf, True, value, True)
        case "range" if end is not None:
            return Interval(min(value, end), False, max(value, end), False)
        case "=":
            return Interval(value, False, value, False)
    return None


def describe(quantity: Quantity | None) -> str:
    return quantity.text if quantity is not None else "(none)"


def threshold_direction(before: Quantity | None, after: Quantity | None) -> Verdict:
    """How a threshold a patient must meet moved: fewer qualifying values is stricter.

    'BMI >= 40' -> '>= 35' is looser; 'up to 4 visits' -> 'up to 2' stricter; a range that only
    shifted, or a quantity with no comparator ('grade 2' -> 'grade 1'), is unclear. A threshold
    added where there was none is stricter (a new limit); one removed is looser. Also answers, across
    payers, whether `after` is stricter than `before`.
    """
    if before is None and after is None:
        return NEUTRAL
    if before is None:
        return Verdict("stricter", (reason("threshold_added", after=describe(after)),))
    if after is None:
        return Verdict("looser", (reason("threshold_removed", before=describe(before)),))
    why = (
        reason(
            "threshold",
            quantity=after.quantity or before.quantity or "",
            before=before.text,
            after=after.text,
        ).strip(),
    )
    if (before.unit or "").lower() != (after.unit or "").lower():
        return Verdict("unclear", why)
    old, new = interval(before), interval(after)
    if old is None or new is None:
        return Verdict("neutral" if before.value == after.value else "unclear", why)
    if old == new:
        return Verdict("neutral", why)
    if new.within(old):
        return Verdict("stricter", why)
    if old.within(new):
        return Verdict("looser", why)
    return Verdict("unclear", why)


# ------------------------------------------------------------------------------- structure and position


def logic_direction(before: str | None, after: str | None) -> Verdict:
    """'any of the following' -> 'all of the following' is stricter; the reverse looser."""
    if before == after:
        return NEUTRAL
    why = (reason("logic", before=before, after=after),)
    if (before, after) == ("any", "all"):
        return Verdict("stricter", why)
    if (before, after) == ("all", "any"):
        return Verdict("looser", why)
    return Verdict("unclear", why)


def coverage_direction(before: str | None, after: str | None) -> Verdict:
    """Covered -> not covered (any negative position) is stricter; the reverse looser."""
    if before == after:
        return NEUTRAL
    why = (reason("coverage", before=before, after=after),)
    if before is None or after is None:
        return Verdict("unclear", why)
    was, now = before not in NEGATIVE_COVERAGE, after not in NEGATIVE_COVERAGE
    if was == now:
        return Verdict("neutral", why)
    return Verdict("stricter" if was else "looser", why)


def listed_item_direction(
    kind: str, coverage: str | None, parent_logic: str | None, parent_sign: int, added: bool
) -> Verdict:
    """An item added to (or removed from) a list, by how the list combines, else by the item's kind.

    In a list any one of which qualifies, a new item is another way in (looser); in a list that must
    all be met, another condition (stricter); in a list none of which may be present, another bar
    (stricter). Under a ground for denial (`parent_sign` -1) each turns around. An item in no list
    of known logic goes by its own kind: an indication or a covering statement added is looser; an
    exclusion, contraindication, requirement or non-covering statement added is stricter; a note
    neutral.
    """
    verb = "added" if added else "removed"
    if parent_logic in ("any", "all", "none"):
        role = {"any": "alternative", "all": "condition", "none": "absent"}[parent_logic]
        grows = "looser" if parent_logic == "any" else "stricter"
        direction: Direction = grows if added else opposite(grows)
        return turned(Verdict(direction, (reason(f"item_{verb}_{role}"),)), parent_sign)
    if kind == "note" or (kind == "statement" and coverage is None):
        return NEUTRAL if kind == "note" else Verdict("unclear", (reason(f"kind_{verb}", kind=kind),))
    widens = kind == "indication" or (kind == "statement" and coverage not in NEGATIVE_COVERAGE)
    direction = "looser" if widens == added else "stricter"
    name = kind if kind != "statement" else f"statement ({coverage})"
    return Verdict(direction, (reason(f"kind_{verb}", kind=name),))


# -------------------------------------------------------------------------------------------- wording


def matching(patterns: Sequence[re.Pattern[str]], phrases: Sequence[str]) -> list[str]:
    return [phrase.strip() for phrase in phrases if any(p.search(phrase) for p in patterns)]


def wording_direction(inserted: Sequence[str], deleted: Sequence[str]) -> Verdict:
    """How words inserted into and deleted from a condition moved it (a population, a qualifier).

    A negation in either makes it unclear. Otherwise requirement words inserted ('must', 'prior
    authorization', 'only') are stricter and deleted looser; widening words ('or', 'any', 'including')
    the other way round; and plain words only inserted narrow the condition (a qualifier added:
    stricter), only deleted widen it (looser). Words both inserted and deleted, with no cue, are
    unclear: a reworded condition.
    """
    rules = direction_rules()
    inserted = [p for p in inserted if p.strip()]
    deleted = [p for p in deleted if p.strip()]
    if not inserted and not deleted:
        return NEUTRAL
    added_codes, removed_codes = codes_in_words(inserted), codes_in_words(deleted)
    if (added_codes is not None or not inserted) and (removed_codes is not None or not deleted):
        # Only codes changed: codes listed in the text, their status unread.
        return combine(
            [
                *(code_direction(None, True) for _ in added_codes or []),
                *(code_direction(None, False) for _ in removed_codes or []),
            ]
        )
    negations = matching(rules.negation_words, [*inserted, *deleted])
    if negations:
        return Verdict("unclear", (reason("negation", words=quoted(negations)),))
    verdicts = []
    # A cue counts by how many more times it stands inserted than deleted: 'ovarian or breast' ->
    # 'ovarian, breast or prostate' moved an 'or', it did not add one.
    cues = (
        (rules.requirement_words, "stricter", "requirement"),
        (rules.widening_words, "looser", "widening"),
    )
    for patterns, grows, name in cues:
        net = cue_count(patterns, inserted) - cue_count(patterns, deleted)
        if net:
            phrases = matching(patterns, inserted if net > 0 else deleted)
            verb = "added" if net > 0 else "removed"
            direction: Direction = grows if net > 0 else opposite(grows)  # type: ignore[assignment]
            verdicts.append(Verdict(direction, (reason(f"{name}_{verb}", words=quoted(phrases)),)))
        elif matching(patterns, [*inserted, *deleted]):
            verdicts.append(NEUTRAL)
    if verdicts:
        return combine(verdicts)
    if inserted and deleted:
        return Verdict(
            "unclear",
            (
                reason("qualifier_added", words=quoted(inserted)),
                reason("qualifier_removed", words=quoted(deleted)),
            ),
        )
    if inserted:
        return Verdict("stricter", (reason("qualifier_added", words=quoted(inserted)),))
    return Verdict("looser", (reason("qualifier_removed", words=quoted(deleted)),))


def cue_count(patterns: Sequence[re.Pattern[str]], phrases: Sequence[str]) -> int:
    return sum(len(pattern.findall(phrase)) for pattern in patterns for phrase in phrases)


def exclusions_apart(inserted: Sequence[str], deleted: Sequence[str]) -> tuple[Verdict, list[str], list[str]]:
    """Whole sentences inserted or deleted that exclude something by themselves ("... is non-covered."),
    as their own verdict (an exclusion added: stricter; removed: looser, wherever it stands, so never
    turned by a context of denial), and the other phrases, for wording_direction."""
    added, removed = _exclusion_sentences(inserted), _exclusion_sentences(deleted)
    verdicts = [
        *([Verdict("stricter", (reason("exclusion_added", words=quoted(added)),))] if added else []),
        *([Verdict("looser", (reason("exclusion_removed", words=quoted(removed)),))] if removed else []),
    ]
    return (
        combine(verdicts),
        [phrase for phrase in inserted if phrase.strip() not in added],
        [phrase for phrase in deleted if phrase.strip() not in removed],
    )


def _exclusion_sentences(phrases: Sequence[str]) -> list[str]:
    """Whole sentences among `phrases` that state a non-coverage of their own ("NGS for cancer screening
    of patients without symptoms is non-covered.")."""
    sentences = [phrase.strip() for phrase in phrases if _SENTENCE.match(phrase.strip())]
    return matching(direction_rules().exclusion_sentences, sentences)


def quoted(phrases: Sequence[str]) -> str:
    return ", ".join(f"'{phrase}'" for phrase in phrases)


# ---------------------------------------------------------------------------------------------- codes


def code_status(status: str | None) -> str:
    return status or direction_rules().unread_code_status


def codes_in_words(phrases: Sequence[str]) -> list[str] | None:
    """The codes a run of words names, when every word of it is a code (else None)."""
    words = [word for phrase in phrases for word in re.findall(r"[0-9A-Za-z]+", phrase)]
    if not words or not all(direction_rules().code_token.match(word) for word in words):
        return None
    return words


def code_direction(status: str | None, added: bool) -> Verdict:
    """A covered code added is looser, removed stricter; a non-covered code the other way; related unclear."""
    status = code_status(status)
    verb = "added" if added else "removed"
    if status == "related":  # listed for information: whether it is covered, the list does not say
        return Verdict("unclear", (reason(f"code_{verb}", status=status),))
    grows = "looser" if status == "covered" else "stricter"
    return Verdict(
        grows if added else opposite(grows), (reason(f"code_{verb}", status=status.replace("_", " ")),)
    )


def code_status_direction(before: str | None, after: str | None) -> Verdict:
    """covered -> not covered is stricter; the reverse looser; to or from 'related' unclear."""
    before, after = code_status(before), code_status(after)
    if before == after:
        return NEUTRAL
    why = (reason("code_status", before=before, after=after),)
    if {before, after} == {"covered", "not_covered"}:
        return Verdict("stricter" if before == "covered" else "looser", why)
    return Verdict("unclear", why)


def range_direction(status: str | None, entered: bool, left: bool) -> Verdict:
    """Codes entering a range count as codes added with its status; codes leaving as removed."""
    status = code_status(status)
    if not (entered or left):
        return NEUTRAL
    if status == "related":
        return Verdict("unclear", (reason("codes_entered" if entered else "codes_left", status=status),))
    grows = "looser" if status == "covered" else "stricter"
    label = status.replace("_", " ")
    parts = []
    if entered:
        parts.append(Verdict(grows, (reason("codes_entered", status=label),)))
    if left:
        parts.append(Verdict(opposite(grows), (reason("codes_left", status=label),)))
    return combine(parts)
