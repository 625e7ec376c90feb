"""Thresholds and amounts that changed, with their values before and after.

The criteria parser reads quantities into Criterion.quantities; when both versions carry them they
are paired by what they measure (then by order). When it read none (a passage of prose, an item with
a bare number), the numbers replaced in the word-level diff stand in, read by the same grammar
(extract/quantities.py) from the words around them, so 'grade 2' -> 'grade 1' is reported with its
values either way.
"""

from __future__ import annotations

import re

from policydiff.extract.quantities import quantity_at
from policydiff.model import Quantity
from policydiff.model.diff import QuantityChange, WordOp

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# Words read on each side of a replaced number: enough for "greater than or equal to 40 years of age".
CONTEXT_WORDS = 6
WORD_AND_SPACE = re.compile(r"\s*\S+\s*")


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
    """The quantity around `number` in `run`, read by the criteria parser's grammar from the words
    around it on one side of the diff; a bare value where the grammar reads no quantity there."""
    lead = "".join(WORD_AND_SPACE.findall("".join(getattr(op, side) for op in previous))[-CONTEXT_WORDS:])
    trail = "".join(WORD_AND_SPACE.findall("".join(getattr(op, side) for op in following))[:CONTEXT_WORDS])
    found = quantity_at(lead + run + trail, len(lead) + run.rfind(number))
    return found or Quantity(text=(lead + run).strip(), value=float(number.replace(",", "")))
