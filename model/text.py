"""The policy's own text as the diff reads it: sentences and table rows, each with its section and page.

Cut by the extractor (extract/passages.py) from the loader's sections, compared by the diff
(diff/passages.py): the text is read once, where the other fields are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FURNITURE = "furniture"  # the kind of the passages the loader set aside as page furniture
# List bullets (U+F0B7: the Symbol-font bullet a PDF text extraction keeps): a bulleted line is a
# passage of its own, and a bullet inside one starts a clause of a list run together.
BULLETS = "•▪◦●■\uf0b7"


@dataclass(frozen=True)
class Passage:
    """A sentence (or a table row) of the policy, with the section and page it stands on."""

    kind: str  # the section kind (criteria, codes, background, ...), or FURNITURE
    heading: str
    page: int | None
    text: str
    # The last lead-in before it in its section ("... is medically necessary when:"): the coverage
    # position of a list item whose own words state none.
    lead_in: str = field(default="", compare=False)
