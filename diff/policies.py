"""diff_policies: every change between two policy records, classified and checked against the log."""

from __future__ import annotations

from collections.abc import Sequence

from policydiff.diff.codes import code_changes
from policydiff.diff.criteria import criteria_changes
from policydiff.diff.documented import document
from policydiff.diff.passages import changed_texts, furniture_texts, shown_by_text, text_changes
from policydiff.diff.records import metadata_changes, reference_changes, revision_changes
from policydiff.diff.words import key
from policydiff.model import Policy
from policydiff.model.diff import (
    SECTIONS,
    Change,
    DiffResult,
    DiffSummary,
    DirectionCounts,
    SectionCounts,
    Side,
)
from policydiff.model.text import Passage

UNCHANGED = "the words of the text are unchanged there"
VERBATIM = frozenset({"criteria", "references", "revisions"})
VERBATIM_FIELDS = frozenset({"title", "services", "related_policies"})


def side(policy: Policy) -> Side:
    return Side(
        path=policy.source.path,
        format=policy.source.format,
        payer=policy.payer,
        policy_number=policy.policy_number,
        title=policy.title,
        sha256=policy.source.sha256,
        dates=policy.dates,
    )


def furniture(*policies: Policy) -> list[str]:
    """Running-header phrases of both versions (title, number): text that is page furniture, not policy."""
    phrases = {key(value) for p in policies for value in (p.title, p.policy_number or "") if key(value)}
    return sorted(phrases, key=lambda phrase: (-len(phrase), phrase))


def diff_policies(
    left: Policy, right: Policy, left_text: Sequence[Passage] = (), right_text: Sequence[Passage] = ()
) -> DiffResult:
    """What changed from `left` (the older version) to `right` (the newer), item by item.

    With the texts of both versions (diff/passages.py), words no structured change holds are text
    changes of their section, and a section whose words did not change has no substantive change.
    Changes come substantive first, then by section (criteria, codes, metadata, revisions,
    references) in document order; each has a stable id within the result.
    """
    header = furniture(left, right)
    revisions = revision_changes(left.revisions, right.revisions)
    new_rows = [change.right for change in revisions if change.change == "added"]
    found = [
        *criteria_changes(left.criteria, right.criteria, header),
        *code_changes(left.codes, right.codes),
        *metadata_changes(left, right),
        *revisions,
        *reference_changes(left.references, right.references),
    ]
    if left_text or right_text:
        found = [*settled(found, left_text, right_text), *text_changes(left_text, right_text, found, header)]
    documented = [document(bookkept(paged(change)), new_rows, bool(right.revisions)) for change in found]
    ordered = sorted(
        documented,
        key=lambda change: (change.significance != "substantive", SECTIONS.index(change.section)),
    )
    counters: dict[str, int] = {}
    changes = []
    for change in ordered:
        counters[change.section] = counters.get(change.section, 0) + 1
        changes.append(change.model_copy(update={"id": f"{change.section}-{counters[change.section]}"}))
    return DiffResult(
        left=side(left),
        right=side(right),
        changes=changes,
        summary=summarize(changes, len(new_rows)),
        new_revisions=new_rows,
    )


def settled(changes: list[Change], left: Sequence[Passage], right: Sequence[Passage]) -> list[Change]:
    """Substantive changes whose words stand in no changed sentence are the parser's cut: cosmetic.

    Only the sections read from the text verbatim are checked (metadata is normalized: its dates
    are not the words that stand in the text); when no sentence changed at all, none is substantive.
    """
    texts, furniture = changed_texts(left, right), furniture_texts(left, right)
    return [
        change.model_copy(
            update={"significance": "cosmetic", "reasons": [*change.reasons, UNCHANGED], "direction": None}
        )
        if change.significance == "substantive"
        and (not texts or (verbatim(change) and not shown_by_text(change, texts, furniture)))
        else change
        for change in changes
    ]


def verbatim(change: Change) -> bool:
    """Changes of items that stand in the text word for word (not dates, payer or number, read from headers)."""
    return change.section in VERBATIM or (change.section == "metadata" and change.field in VERBATIM_FIELDS)


def paged(change: Change) -> Change:
    """The pages of the items before and after, for the reports' links."""
    update = {}
    for side in ("left", "right"):
        page = getattr(getattr(change, side), "page", None)
        if getattr(change, f"{side}_page") is None and page is not None:
            update[f"{side}_page"] = page
    return change.model_copy(update=update) if update else change


def bookkept(change: Change) -> Change:
    """The change marked as the policy's own record keeping (its dates, its log), direction set.

    Bookkeeping is listed, never counted as a change to coverage; a substantive change with no
    coverage rule of its own (a reference, the title) has no bearing on coverage: neutral.
    """
    bookkeeping = change.section == "revisions" or (change.field or "").startswith("dates.")
    direction = change.direction
    if change.significance != "substantive":
        direction = None
    elif direction is None:
        direction = "neutral"
    return change.model_copy(update={"bookkeeping": bookkeeping, "direction": direction})


def summarize(changes: list[Change], new_revisions: int) -> DiffSummary:
    by_section = {section: SectionCounts() for section in SECTIONS}
    for change in changes:
        counts = by_section[change.section]
        setattr(counts, change.change, getattr(counts, change.change) + 1)
        setattr(counts, change.significance, getattr(counts, change.significance) + 1)
        counts.silent += change.documented is False
    substantive = [c for c in changes if c.significance == "substantive" and not c.bookkeeping]
    by_direction = DirectionCounts()
    for change in substantive:
        direction = change.direction or "neutral"
        setattr(by_direction, direction, getattr(by_direction, direction) + 1)
    return DiffSummary(
        total=len(changes),
        substantive=len(substantive),
        cosmetic=sum(change.significance == "cosmetic" for change in changes),
        documented=sum(change.documented is True for change in substantive),
        silent=sum(change.documented is False for change in substantive),
        undetermined=sum(change.documented is None for change in substantive),
        new_revisions=new_revisions,
        bookkeeping=sum(change.bookkeeping for change in changes if change.significance == "substantive"),
        by_direction=by_direction,
        by_section=by_section,
    )
