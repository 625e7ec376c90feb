"""Code tables -> Code items (CPT, HCPCS, ICD-10-CM/PCS, NDC, revenue)."""

from __future__ import annotations

from policydiff.extract.document import Document, Section
from policydiff.model import Code


def parse_codes(doc: Document, sections: list[Section]) -> tuple[list[Code], list[str]]:
    return [], []
