"""The normalized schema: the only package the others share."""

from __future__ import annotations

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
    "SCHEMA_VERSION",
    "Box",
    "Code",
    "Criterion",
    "Dates",
    "Policy",
    "Quantity",
    "Reference",
    "Revision",
    "Source",
    "iter_criteria",
]
