"""Revision logs / policy history -> Revision rows."""

from __future__ import annotations

from policydiff.extract.document import Document, Section
from policydiff.model import Revision


def parse_revisions(doc: Document, sections: list[Section]) -> tuple[list[Revision], list[str]]:
    return [], []
