"""Coverage sections -> the criteria forest."""

from __future__ import annotations

from dataclasses import dataclass, field

from policydiff.extract.document import Document, Section
from policydiff.model import Criterion


@dataclass
class CriteriaResult:
    criteria: list[Criterion] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    abbreviations: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse_criteria(doc: Document, sections: list[Section]) -> CriteriaResult:
    return CriteriaResult()
