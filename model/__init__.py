"""The normalized schema: the only package the others share."""

from __future__ import annotations

from policydiff.model.comparison import (
    ABSENT,
    CodeRow,
    ComparedPolicy,
    Comparison,
    Concept,
    Contradiction,
    ContradictionSide,
    MemberText,
    PayerVerdict,
    QuantityComparison,
    QuantityValue,
    ServiceGroup,
)
from policydiff.model.diff import Change, DiffResult, DiffSummary, QuantityChange, WordOp
from policydiff.model.policy import (
    SCHEMA_VERSION,
    Box,
    Code,
    Criterion,
    Dates,
    Policy,
    Quantity,
    Reference,
    Revision,
    Source,
    iter_criteria,
)

__all__ = [
    "ABSENT",
    "SCHEMA_VERSION",
    "Box",
    "Change",
    "Code",
    "CodeRow",
    "ComparedPolicy",
    "Comparison",
    "Concept",
    "Contradiction",
    "ContradictionSide",
    "Criterion",
    "Dates",
    "DiffResult",
    "DiffSummary",
    "MemberText",
    "PayerVerdict",
    "Policy",
    "Quantity",
    "QuantityChange",
    "QuantityComparison",
    "QuantityValue",
    "Reference",
    "Revision",
    "ServiceGroup",
    "Source",
    "WordOp",
    "iter_criteria",
]
