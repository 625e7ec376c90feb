"""Thresholds and amounts that changed, with their values before and after.

The criteria parser reads quantities into Criterion.quantities; when both versions carry them they
are paired by what they measure (then by order). When it read none, the numbers replaced in the
word-level diff stand in, so 'grade 2' -> 'grade 1' is reported with its values either way.
"""

from __future__ import annotations

import re

from policydiff.model import Quantity
from policydiff.model.diff import QuantityChange, WordOp

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# Comparator words just before the number, or before the word naming what is measured ('higher than grade 2').
_BEFORE_NUMBER = r"(?:\s+[A-Za-z]+)?\s*$"
COMPARATOR_WORDS = (
    (re.compile(r"(?:<=|≤|at most|no more than|up to)" + _BEFORE_NUMBER, re.I), "<="),
    (re.compile(r"(?:>=|≥|at least|no less than)" + _BEFORE_NUMBER, re.I), ">="),
    (re.compile(r"(?:<|less than|lower than|fewer than|below|under)" + _BEFORE_NUMBER, re.I), "<"),
    (re.compile(r"(?:>|more than|greater than|higher than|above|over|exceeds?)" + _BEFORE_NUMBER, re.I), ">"),
)
MEASURED = re.compile(
    r"(?<![A-Za-z])(?!(?:than|to|under|over|above|below|most|least|of|or|and)\b)([A-Za-z]{2,})\s*$"
)
CONTEXT_WORDS = 3


def measured(quantity: Quantity) -> tuple:
    return (quantity.comparator, quantity.value, quantity.value_end, (quantity.unit or "").lower())


def quantity_changes(
    before: list[Quantity], after: list[Quantity], ops: list[WordOp]
) -> list[QuantityChange]:
    if before or after:
        return parsed_changes(before, after)
    return number_changes(ops)


def parsed_changes(before: list[Quantity], after: list[Quantity]) -> list[QuantityChange]:
    remaining = list(after)
    pairs: list[tuple[Quantity | None, Quantity | None]] = []
    unpaired = []
    for quantity in before:
        same = next((q for q in remaining if q.quantity and q.quantity == quantity.quantity), None)
        if same is None:
            unpaired.append(quantity)
        else:
            remaining.remove(same)
            pairs.append((quantity, same))
    for quantity in unpaired:
        pairs.append((quantity, remaining.pop(0) if remaining else None))
    pairs.extend((None, quantity) for quantity in remaining)
    return [
        QuantityChange(quantity=(old or new).quantity, before=old, after=new)
        for old, new in pairs
        if old is None or new is None or measured(old) != measured(new)
    ]


def number_changes(ops: list[WordOp]) -> list[QuantityChange]:
    """Numbers replaced one for one in a substantive run, read with the words just before them."""
    changes = []
    for place, op in enumerate(ops):
        if op.op != "replace" or op.significance != "substantive":
            continue
        old_numbers, new_numbers = NUMBER.findall(op.left), NUMBER.findall(op.right)
        if not old_numbers or len(old_numbers) != len(new_numbers):
            continue
        for old, new in zip(old_numbers, new_numbers, strict=True):
            if old != new:
                before = read(ops[:place], op.left, ops[place + 1 :], old, "left")
                after = read(ops[:place], op.right, ops[place + 1 :], new, "right")
                changes.append(
                    QuantityChange(quantity=before.quantity or after.quantity, before=before, after=after)
                )
    return changes


def read(previous: list[WordOp], run: str, following: list[WordOp], number: str, side: str) -> Quantity:
    """The quantity around `number`: a few words before it (comparator, what is measured), a unit after."""
    lead = " ".join("".join(getattr(op, side) for op in previous).split()[-CONTEXT_WORDS:])
    trail = "".join(getattr(op, side) for op in following).lstrip()
    text = f"{lead} {run.strip()}".strip()
    before_number = text[: text.rfind(number)]
    comparator = next((symbol for pattern, symbol in COMPARATOR_WORDS if pattern.search(before_number)), None)
    after_number = (text[text.rfind(number) + len(number) :] + " " + trail).lstrip()
    unit = "%" if after_number.startswith("%") else None
    text += "%" if unit and not text.endswith("%") else ""
    measured_word = MEASURED.search(before_number)
    name = measured_word.group(1).lower() if measured_word else None
    return Quantity(
        text=text, quantity=name, comparator=comparator, value=float(number.replace(",", "")), unit=unit
    )
