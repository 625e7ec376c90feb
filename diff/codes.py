"""Code changes by (system, code): added, removed, description or status changed, ranges as ranges.

Rows listed the same way in both versions are paired directly. The rest are grouped by overlap
within a system: a group with rows on both sides is one range change that says which codes entered
or left, so '38215, 38216, 38217' -> '38215-38217' is a cosmetic change of notation, not three
removals and an addition.
"""

from __future__ import annotations

import re
from collections import defaultdict

from policydiff.diff.direction import (
    code_direction,
    code_status_direction,
    combine,
    range_direction,
)
from policydiff.diff.significance import reasons_of, word_ops
from policydiff.diff.words import same_layout_aside
from policydiff.model import Code
from policydiff.model.diff import Change

EXPANDABLE = re.compile(r"^([A-Z]*)(\d+)([A-Z]*)$")
LARGEST_EXPANSION = 10_000


def label(code: Code) -> str:
    return f"{code.code}-{code.code_end}" if code.code_end else code.code


def subject(code: Code) -> str:
    return f"{code.system} {label(code)}"


def row_key(code: Code) -> tuple[str, str, str]:
    return (code.system, code.code.strip().upper(), (code.code_end or "").strip().upper())


def bounds(code: Code) -> tuple[str, str]:
    start, end = row_key(code)[1:]
    return (start, end) if end and end >= start else (start, start)


def expansion(code: Code) -> set[str] | None:
    """Every code a row covers, when the row is a single code or a range of numbered codes."""
    start, end = bounds(code)
    if start == end:
        return {start}
    first, last = EXPANDABLE.match(start), EXPANDABLE.match(end)
    if not (first and last) or (first[1], first[3], len(first[2])) != (last[1], last[3], len(last[2])):
        return None
    low, high = int(first[2]), int(last[2])
    if high - low > LARGEST_EXPANSION:
        return None
    width = len(first[2])
    return {f"{first[1]}{n:0{width}d}{first[3]}" for n in range(low, high + 1)}


def code_changes(left: list[Code], right: list[Code]) -> list[Change]:
    changes: list[Change] = []
    right_by_key: dict[tuple, list[int]] = defaultdict(list)
    for index, code in enumerate(right):
        right_by_key[row_key(code)].append(index)
    paired_right: set[int] = set()
    unpaired_left: list[int] = []
    for index, code in enumerate(left):
        candidates = [i for i in right_by_key[row_key(code)] if i not in paired_right]
        if candidates:
            paired_right.add(candidates[0])
            change = pair_change(code, right[candidates[0]])
            if change:
                changes.append(change)
        else:
            unpaired_left.append(index)
    unpaired_right = [i for i in range(len(right)) if i not in paired_right]
    for lefts, rights in overlapping(left, right, unpaired_left, unpaired_right):
        changes.extend(group_changes([left[i] for i in lefts], [right[i] for i in rights]))
    return changes


def pair_change(before: Code, after: Code) -> Change | None:
    fields, reasons, substantive, ops = [], [], False, []
    if not same_layout_aside(before.description or "", after.description or ""):
        ops = word_ops(before.description or "", after.description or "")
        text_substantive, text_reasons = reasons_of(ops)
        fields.append("description")
        reasons.extend(text_reasons)
        substantive |= text_substantive
    if before.status != after.status:
        fields.append("status")
        reasons.append(f"status {before.status} -> {after.status}")
        substantive = True
    if not fields:
        return None
    # A code's description says what the code is, not whether it is covered: only its status moves coverage.
    verdict = code_status_direction(before.status, after.status)
    return Change(
        id="",
        section="codes",
        change="modified",
        field=",".join(fields),
        left=before,
        right=after,
        significance="substantive" if substantive else "cosmetic",
        subject=subject(after),
        summary=f"{subject(after)} modified: {', '.join(fields)}",
        reasons=reasons,
        left_ids=[subject(before)],
        right_ids=[subject(after)],
        words=ops,
        direction=verdict.direction if substantive else None,
        direction_reasons=list(verdict.reasons) if substantive else [],
    )


def overlapping(
    left: list[Code], right: list[Code], lefts: list[int], rights: list[int]
) -> list[tuple[list[int], list[int]]]:
    """Connected groups of unpaired rows whose code ranges overlap, within one system (a sweep by start)."""
    rows = sorted(
        [(left[i].system, *bounds(left[i]), 0, i) for i in lefts]
        + [(right[i].system, *bounds(right[i]), 1, i) for i in rights]
    )
    groups: list[tuple[list[int], list[int]]] = []
    reach: tuple[str, str] | None = None  # (system, highest end) of the group being built
    for system, start, end, side, index in rows:
        if reach is None or reach[0] != system or start > reach[1]:
            groups.append(([], []))
            reach = (system, end)
        else:
            reach = (system, max(reach[1], end))
        groups[-1][side].append(index)
    # Document order: rows of the older version first (where they stood), then new rows.
    return sorted(
        ((sorted(ls), sorted(rs)) for ls, rs in groups),
        key=lambda group: (not group[0], min(group[0] or group[1])),
    )


def group_changes(lefts: list[Code], rights: list[Code]) -> list[Change]:
    if not (lefts and rights):
        return [
            Change(
                id="",
                section="codes",
                change="removed" if lefts else "added",
                left=code if lefts else None,
                right=code if rights else None,
                significance="substantive",
                subject=subject(code),
                summary=f"{subject(code)} {'removed' if lefts else 'added'}",
                reasons=["code " + ("removed" if lefts else "added")],
                left_ids=[subject(code)] if lefts else [],
                right_ids=[subject(code)] if rights else [],
                direction=code_direction(code.status, added=not lefts).direction,
                direction_reasons=list(code_direction(code.status, added=not lefts).reasons),
            )
            for code in lefts or rights
        ]
    return [range_change(lefts, rights)]


def range_change(lefts: list[Code], rights: list[Code]) -> Change:
    before_codes, after_codes = covered(lefts), covered(rights)
    statuses_before = {code.status for code in lefts}
    statuses_after = {code.status for code in rights}
    fields = ["range"]
    if before_codes is not None and after_codes is not None:
        entered, left_range = sorted(after_codes - before_codes), sorted(before_codes - after_codes)
    else:
        # Ranges of codes that cannot be enumerated (ICD-10 chapters): name the rows instead.
        entered = sorted({label(c) for c in rights} - {label(c) for c in lefts})
        left_range = sorted({label(c) for c in lefts} - {label(c) for c in rights})
    substantive = bool(entered or left_range)
    reasons = ["codes entered or left a range"] if substantive else ["range notation"]
    if statuses_before != statuses_after:
        fields.append("status")
        reasons.append("status changed")
        substantive = True
    status_before = next(iter(statuses_before)) if len(statuses_before) == 1 else None
    status_after = next(iter(statuses_after)) if len(statuses_after) == 1 else None
    verdict = combine(
        [
            range_direction(status_after, entered=bool(entered), left=False),
            range_direction(status_before, entered=False, left=bool(left_range)),
            code_status_direction(status_before, status_after),
        ]
    )
    title = " / ".join(subject(code) for code in rights)
    return Change(
        id="",
        section="codes",
        change="modified",
        field=",".join(fields),
        left=lefts[0],
        right=rights[0],
        significance="substantive" if substantive else "cosmetic",
        subject=title,
        summary=f"{title} modified: {', '.join(fields)}"
        + (f" (entered: {listing(entered)})" if entered else "")
        + (f" (left: {listing(left_range)})" if left_range else ""),
        reasons=reasons,
        left_ids=[subject(code) for code in lefts],
        right_ids=[subject(code) for code in rights],
        codes_entered=entered,
        codes_left=left_range,
        direction=verdict.direction if substantive else None,
        direction_reasons=list(verdict.reasons) if substantive else [],
    )


def covered(codes: list[Code]) -> set[str] | None:
    result: set[str] = set()
    for code in codes:
        codes_of_row = expansion(code)
        if codes_of_row is None:
            return None
        result |= codes_of_row
    return result


def listing(codes: list[str], shown: int = 8) -> str:
    if len(codes) <= shown:
        return ", ".join(codes)
    return f"{', '.join(codes[:shown])}, ... ({len(codes)} codes)"
