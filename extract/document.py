"""The intermediate document every loader produces and every field parser reads.

pages -> lines. A line is one visual line of the body (page furniture already removed), with its
geometry and typography. Where a line is made of separate columns (a table row, a code list, the
seeds' tab-separated rows) its `cells` hold them, left to right; `text` is the cells joined by a tab,
so a parser that does not care about columns reads `text` and one that does reads `cells`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policydiff.model import Diagnostic


@dataclass(frozen=True)
class Cell:
    text: str
    x0: float = 0.0
    x1: float = 0.0


@dataclass(frozen=True)
class Line:
    text: str
    page: int
    x0: float = 0.0
    top: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    size: float = 0.0
    bold: bool = False
    cells: tuple[Cell, ...] = ()
    # Lines from one ruled table share its id (unique in the document); a table split across pages
    # gets one id per page: parsers join them by their header rows.
    table: int | None = None
    # The table row this line is (a ruled table row is one line however many text lines its cells span).
    row: int | None = None
    # Heading level where the loader knows it from markup (HTML <h2>, markdown-ish '#'), else None.
    heading_level: int | None = None

    @property
    def is_row(self) -> bool:
        return len(self.cells) > 1


@dataclass
class Document:
    path: str
    format: str  # "pdf" | "html" | "text"
    sha256: str
    page_count: int
    lines: list[Line] = field(default_factory=list)
    # What the loader removed or could not read (each with its message in words an analyst understands).
    warnings: list[Diagnostic] = field(default_factory=list)
    # The full text of removed page furniture, kept so metadata (payer names, copyright lines,
    # policy numbers in running headers) can still be read from it.
    furniture: list[Line] = field(default_factory=list)
    # Where the document was published, when known: a sibling provenance file's `sourceUrl`, or the
    # page's own <link rel="canonical"> / og:url. Evidence of the payer, never text of the policy.
    source_url: str | None = None
    # The site's own name (HTML og:site_name), evidence of the payer like the source URL.
    site_name: str | None = None

    @property
    def body_size(self) -> float:
        """The most common font size of body text (weighted by characters)."""
        weights: dict[float, int] = {}
        for line in self.lines:
            if line.size:
                key = round(line.size, 1)
                weights[key] = weights.get(key, 0) + len(line.text)
        return max(weights, key=weights.__getitem__) if weights else 0.0


@dataclass
class Section:
    """A run of lines under one heading, with the canonical kind its heading maps to."""

    kind: str  # criteria, codes, revisions, references, description, background, definitions, ...
    heading: str
    level: int
    lines: list[Line] = field(default_factory=list)
    # The rest of the section of this heading, resumed after a side panel printed between (no heading of
    # its own: its first line goes on with the earlier part's last).
    resumed: bool = False

    @property
    def page(self) -> int | None:
        return self.lines[0].page if self.lines else None
