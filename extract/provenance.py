"""Where an item of the record is printed: the page it starts on, the box around its lines there, and for
an item that goes on over a page break its part on each page (docling's provenance items). Only the field
parsers need it (rapidfuzz aligns an item's text with its lines): the reading commands of the CLI load
documents' modules without it."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from policydiff.extract.document import Line
from policydiff.model import Box, Provenance, ProvenancePart, Span
from rapidfuzz.distance import Indel, Opcodes


def lines_box(lines: Sequence[Line], fmt: str) -> Box | None:
    """An item's box as the record's provenance gives it: around its lines on the page it starts on.
    Text and HTML lines carry synthetic positions (line indices), not points on a page: only a PDF's
    lines have one."""
    if fmt != "pdf" or not lines:
        return None
    on_first_page = [line for line in lines if line.page == lines[0].page]
    return Box(
        x0=min(line.x0 for line in on_first_page),
        top=min(line.top for line in on_first_page),
        x1=max(line.x1 for line in on_first_page),
        bottom=max(line.bottom for line in on_first_page),
    )


def placed(lines: Sequence[Line], text: str, fmt: str, printed: Sequence[str] | None = None) -> Provenance:
    """Where an item joined from `lines` is printed: its page and box, and for an item that goes on over
    a page break its part on each page, with the span of `text` printed there. `text` is the item's text
    as the record gives it, which may differ from what its lines print (labels left out, hyphens and
    spacing joined, a glued paragraph split): the two are aligned character by character, and a page
    none of whose characters are in `text` has no part (nor is the item's page). `printed` is what each
    line gave the item where that is not the line's text (one column of a table row)."""
    pages = [list(on_page) for _, on_page in groupby(lines, key=lambda line: line.page)]
    if len(pages) < 2:
        return Provenance(page=lines[0].page if lines else None, box=lines_box(lines, fmt))
    texts = list(printed) if printed is not None else [line.text for line in lines]
    # Where each page's printing starts in the lines' text joined, at its first character not a space.
    starts, offset, index = [], 0, 0
    for on_page in pages:
        page_text = "\n".join(texts[index : index + len(on_page)])
        index += len(on_page)
        starts.append(offset + len(page_text) - len(page_text.lstrip()))
        offset += len(page_text) + 1
    alignment = Indel.opcodes("\n".join(texts), text)
    cuts = [*(_aligned(alignment, start, len(text)) for start in starts[1:]), len(text)]
    parts, start = [], 0
    for on_page, cut in zip(pages, cuts, strict=True):
        span = _trimmed(text, start, cut)
        if span is not None:
            parts.append(ProvenancePart(page=on_page[0].page, box=lines_box(on_page, fmt), span=span))
        start = max(start, cut)
    if not parts:
        return Provenance(page=lines[0].page, box=lines_box(pages[0], fmt))
    return Provenance(page=parts[0].page, box=parts[0].box, parts=parts if len(parts) > 1 else [])


def _aligned(alignment: Opcodes, position: int, target_length: int) -> int:
    """Where `position` of the aligned source falls in its target: a character of the source missing
    from the target falls where the target's text after it goes on."""
    for tag, source_start, source_end, target_start, _ in alignment:
        if source_start <= position < source_end:
            return target_start + (position - source_start if tag == "equal" else 0)
    return target_length


def _trimmed(text: str, start: int, end: int) -> Span | None:
    """text[start:end] without the spacing around it, or none where nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start=start, end=end) if start < end else None
