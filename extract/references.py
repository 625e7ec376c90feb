"""Reference lists -> Reference items."""

from __future__ import annotations

from policydiff.extract.document import Document, Section
from policydiff.model import Reference


def parse_references(doc: Document, sections: list[Section]) -> tuple[list[Reference], list[str]]:
    return [], []
