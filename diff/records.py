"""Changes of the revision log, the references and the metadata of two versions."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from policydiff.diff.significance import reasons_of, word_ops
from policydiff.diff.words import key, same_layout_aside
from policydiff.model import Policy, Reference, Revision
from policydiff.model.diff import Change, MetadataValue, WordOp
from rapidfuzz import fuzz

Item = TypeVar("Item", Revision, Reference)
SIMILAR_REVISION = 80  # ratio of two log rows of the same date that are one row reworded
SIMILAR_REFERENCE = 90  # token_sort_ratio of two citations that are one reference updated
# Metadata that helps reading and says nothing about coverage: its changes are cosmetic.
READING_AIDS = frozenset({"abbreviations"})
DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?(?:doi:\s*)?", re.IGNORECASE)


def pair_items(
    left: list[Item], right: list[Item], passes: Sequence[Callable[[Item, Item], bool]]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs made pass by pass (first match in document order), then the unpaired of each side."""
    pairs: list[tuple[int, int]] = []
    free_left, free_right = list(range(len(left))), list(range(len(right)))
    for same in passes:
        for li in list(free_left):
            ri = next((r for r in free_right if same(left[li], right[r])), None)
            if ri is not None:
                pairs.append((li, ri))
                free_left.remove(li)
                free_right.remove(ri)
    return sorted(pairs, key=lambda pair: pair[1]), free_left, free_right


def text_fields(
    pairs: Sequence[tuple[str, str | None, str | None]],
) -> tuple[list[str], list[str], bool, list]:
    """Fields that differ among (name, before, after) texts: names, reasons, substantive?, word ops."""
    fields, reasons, substantive, ops = [], [], False, []
    for name, before, after in pairs:
        if same_layout_aside(before or "", after or ""):
            continue
        field_ops = word_ops(before or "", after or "")
        field_substantive, field_reasons = reasons_of(field_ops)
        fields.append(name)
        reasons.extend(r for r in field_reasons if r not in reasons)
        substantive |= field_substantive
        ops = ops or field_ops
    return fields, reasons, substantive, ops


def one_sided(section, item, side: str, subject: str) -> Change:
    verb = "removed" if side == "left" else "added"
    return Change(
        id="",
        section=section,
        change=verb,
        left=item if side == "left" else None,
        right=item if side == "right" else None,
        significance="substantive",
        subject=subject,
        summary=f"{subject} {verb}",
        reasons=[f"{section[:-1] if section.endswith('s') else section} {verb}"],
        left_ids=[subject] if side == "left" else [],
        right_ids=[subject] if side == "right" else [],
    )


def modified(section, before, after, subject, fields, reasons, substantive, ops: list[WordOp]) -> Change:
    return Change(
        id="",
        section=section,
        change="modified",
        field=",".join(fields),
        left=before,
        right=after,
        significance="substantive" if substantive else "cosmetic",
        subject=subject,
        summary=f"{subject} modified: {', '.join(fields)}",
        reasons=reasons,
        left_ids=[subject],
        right_ids=[subject],
        words=ops,
    )


# --------------------------------------------------------------------------------------------- revisions


def revision_subject(row: Revision) -> str:
    return f"revision {row.date or '(undated)'}"


def revision_changes(left: list[Revision], right: list[Revision]) -> list[Change]:
    """Rows new in the right version are 'added': the rows that document the other changes."""
    pairs, removed, added = pair_items(
        left,
        right,
        (
            lambda a, b: (a.date, key(a.summary)) == (b.date, key(b.summary)),
            lambda a, b: key(a.summary) == key(b.summary),
            lambda a, b: a.date == b.date and fuzz.ratio(key(a.summary), key(b.summary)) >= SIMILAR_REVISION,
        ),
    )
    changes = []
    for li, ri in pairs:
        before, after = left[li], right[ri]
        fields, reasons, substantive, ops = text_fields(
            [
                ("date", before.date, after.date),
                ("approval_date", before.approval_date, after.approval_date),
                ("type", before.type, after.type),
                ("summary", before.summary, after.summary),
            ]
        )
        if fields:
            changes.append(
                modified(
                    "revisions", before, after, revision_subject(after), fields, reasons, substantive, ops
                )
            )
    changes.extend(one_sided("revisions", left[i], "left", revision_subject(left[i])) for i in removed)
    changes.extend(one_sided("revisions", right[i], "right", revision_subject(right[i])) for i in added)
    return changes


# -------------------------------------------------------------------------------------------- references


def doi(reference: Reference) -> str | None:
    return DOI_PREFIX.sub("", reference.doi).lower().rstrip(".") if reference.doi else None


def citation(reference: Reference) -> str:
    return key(reference.text)


def reference_subject(reference: Reference) -> str:
    return f"reference {reference.number}" if reference.number is not None else "reference"


def reference_changes(left: list[Reference], right: list[Reference]) -> list[Change]:
    pairs, removed, added = pair_items(
        left,
        right,
        (
            lambda a, b: doi(a) is not None and doi(a) == doi(b),
            lambda a, b: a.pmid is not None and a.pmid == b.pmid,
            lambda a, b: citation(a) == citation(b),
            lambda a, b: fuzz.token_sort_ratio(citation(a), citation(b)) >= SIMILAR_REFERENCE,
        ),
    )
    changes = []
    for li, ri in pairs:
        before, after = left[li], right[ri]
        fields, reasons, substantive, ops = text_fields(
            [
                ("text", before.text, after.text),
                ("doi", doi(before), doi(after)),
                ("pmid", before.pmid, after.pmid),
            ]
        )
        if before.number != after.number:
            fields.append("number")
            reasons.append("renumbering")
        if fields:
            changes.append(
                modified(
                    "references", before, after, reference_subject(after), fields, reasons, substantive, ops
                )
            )
    changes.extend(one_sided("references", left[i], "left", reference_subject(left[i])) for i in removed)
    changes.extend(one_sided("references", right[i], "right", reference_subject(right[i])) for i in added)
    return changes


# ---------------------------------------------------------------------------------------------- metadata


def metadata_values(policy: Policy) -> list[tuple[str, MetadataValue | None]]:
    return [
        ("payer", policy.payer),
        ("policy_number", policy.policy_number),
        ("title", policy.title or None),
        *((f"dates.{name}", value) for name, value in policy.dates),
        ("services", policy.services or None),
        ("related_policies", policy.related_policies or None),
        ("abbreviations", policy.abbreviations or None),
    ]


def as_text(value: MetadataValue | None) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{short} = {long}" for short, long in sorted(value.items()))
    if isinstance(value, list):
        return "; ".join(sorted(value, key=str.lower))
    return value or ""


def metadata_changes(left: Policy, right: Policy) -> list[Change]:
    changes = []
    for (name, before), (_, after) in zip(metadata_values(left), metadata_values(right), strict=True):
        if before == after:
            continue
        subject = name.replace("_", " ").replace("dates.", "date ")
        if before is None or after is None:
            change = one_sided(
                "metadata", before if after is None else after, "left" if after is None else "right", subject
            )
            update: dict = {"field": name}
            if name in READING_AIDS:
                update |= {"significance": "cosmetic", "reasons": ["abbreviations are reading aids"]}
            changes.append(change.model_copy(update=update))
            continue
        fields, reasons, substantive, ops = text_fields([(name, as_text(before), as_text(after))])
        if not fields:  # same items in another order
            fields, reasons = [name], ["order"]
        if name in READING_AIDS:
            reasons, substantive = ["abbreviations are reading aids"], False
        changes.append(modified("metadata", before, after, subject, fields, reasons, substantive, ops))
    return changes
