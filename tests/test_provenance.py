"""Issue 19: an item's provenance is its page and box and, for an item that goes on over a page break, its
part on each page: the page, the box there and the span of the item's text printed there (docling's
provenance items). Before, the lines after the break had no place at all."""

from __future__ import annotations

import pytest
from policydiff.extract.errors import ExtractError
from policydiff.extract.load import load_file
from policydiff.model import Box, Criterion, ProvenancePart, Span, iter_criteria
from pydantic import ValidationError

from corpus import ALL_DOCUMENTS, CORPUS, UNSEEN_DOCUMENTS, doc_id, extracted

CIGNA = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf"
GLUCOSE_MONITORS = CORPUS / "real" / "medicare-cms" / "LCD - Glucose Monitors (L33822).pdf"
REGENCE_LAB46 = CORPUS / "tracker" / "regence" / "regence_regence-lab46_2026-02-05_f122c3a56cb1.pdf"


def _items(path):
    record = extracted(path)
    return [
        *((item, item.text) for item in iter_criteria(record.criteria)),
        *((item, item.summary) for item in record.revisions),
        *((item, item.text) for item in record.references),
        *((block, block.text) for section in record.coverage.sections for block in section.unread),
    ]


def _printed(path, words):
    """(page, text) of each part of the one item whose text holds `words`, read from the record."""
    [(item, text)] = [(item, text) for item, text in _items(path) if words in text]
    return [(part.page, text[part.span.start : part.span.end]) for part in item.parts]


# Each written from the document: where its page ends inside the item and the next page goes on.
def test_a_reference_over_a_page_break_has_its_part_on_each_page():
    # Cigna's reference 1: page 8 ends "... a single center experience. Bio Blood Marrow" above the footer;
    # page 9 goes on under its running header with "Transplant. 2007 Jan;13(1):116-23.".
    [(page_8, first), (page_9, rest)] = _printed(CIGNA, "Arellano ML")
    assert (page_8, page_9) == (8, 9)
    assert first.endswith("a single center experience. Bio Blood Marrow")
    assert rest == "Transplant. 2007 Jan;13(1):116-23."


def test_a_revision_row_over_a_page_break_has_its_summary_cell_on_each_page():
    # CMS L33822's revision R13 (01/01/2024): its "Revision History Explanation" cell ends page 19 with
    # "ANALYSIS OF"; page 20 goes on with "EVIDENCE (RATIONALE FOR DETERMINATION):" below the table's
    # header printed again. The row's other cells ("Reasons for Change") are no part of the summary: the
    # page-19 part ended inside "EVIDENCE" when the whole row's text was aligned with it.
    parts = _printed(GLUCOSE_MONITORS, "ANALYSIS OF EVIDENCE (RATIONALE FOR DETERMINATION): Removed")
    crossing = [(page, text) for page, text in parts if page in (19, 20)]
    assert [page for page, _ in crossing] == [19, 20]
    assert crossing[0][1].endswith("ANALYSIS OF")
    assert crossing[1][1].startswith("EVIDENCE (RATIONALE FOR DETERMINATION):")


def test_a_criterion_of_a_text_document_has_its_part_on_each_page():
    # Regence LAB46 as a tracker saved its text: item I ends its first page with "... when either of the
    # following are met (see Policy"; the page footer "LAB46 | 2" stands between, then "Guidelines):".
    [(page_1, first), (page_2, rest)] = _printed(REGENCE_LAB46, "The use of cell-free tumor DNA testing")
    assert (page_1, page_2) == (1, 2)
    assert first.endswith("when either of the following are met (see Policy")
    assert rest == "Guidelines):"
    [item] = [node for node in iter_criteria(extracted(REGENCE_LAB46).criteria) if node.text.endswith(rest)]
    assert item.box is None and all(part.box is None for part in item.parts)  # text has no geometry


def test_a_title_of_two_lines_has_its_box_around_both():
    # Cigna's title is printed in two lines on page 1: "Donor Lymphocyte Infusion and Hematopoietic" over
    # "Progenitor Cell (HPC) Boost". Its provenance was the first line's box.
    box = extracted(CIGNA).metadata_provenance["title"].box
    lines = [
        line
        for line in load_file(CIGNA).lines
        if line.page == 1
        and line.text in ("Donor Lymphocyte Infusion and Hematopoietic", "Progenitor Cell (HPC) Boost")
    ]
    assert len(lines) == 2
    for line in lines:
        assert box.x0 <= line.x0 and box.top <= line.top and line.x1 <= box.x1 and line.bottom <= box.bottom


def test_the_parts_of_an_item_are_its_whole_text_page_by_page():
    crossing = 0
    for path in [*ALL_DOCUMENTS, *UNSEEN_DOCUMENTS]:
        try:
            items = _items(path)
        except ExtractError:  # refused: tests/test_unseen_frame.py says which, and why
            continue
        for item, text in items:
            if not item.parts:
                continue
            crossing += 1
            assert (item.parts[0].page, item.parts[0].box) == (item.page, item.box)
            assert [part.page for part in item.parts] == sorted({part.page for part in item.parts})
            # Between the parts, before the first and after the last: nothing but spacing.
            cuts = [0, *(edge for part in item.parts for edge in (part.span.start, part.span.end)), len(text)]
            gaps = [text[start:end] for start, end in zip(cuts[::2], cuts[1::2], strict=True)]
            assert all(not gap.strip() for gap in gaps), (doc_id(path), item.page, gaps)
    assert crossing >= 40  # 46 items of these documents go on over a page break


def test_parts_out_of_order_or_outside_the_text_are_refused():
    def criterion(*spans: tuple[int, int, int]) -> Criterion:
        parts = [ProvenancePart(page=page, span=Span(start=start, end=end)) for page, start, end in spans]
        return Criterion(id="1", text="first page, second page", kind="statement", page=1, parts=parts)

    assert len(criterion((1, 0, 11), (2, 12, 23)).parts) == 2
    for spans in (
        ((1, 0, 11), (2, 12, 24)),  # past the text's end
        ((1, 12, 23), (2, 0, 11)),  # spans out of order
        ((1, 0, 11), (1, 12, 23)),  # one page twice
        ((2, 0, 11), (3, 12, 23)),  # the first part is not at the item's page
        ((1, 0, 23),),  # one part: an item on one page has none
    ):
        with pytest.raises(ValidationError):
            criterion(*spans)
    box = Box(x0=0, top=0, x1=1, bottom=1)
    with pytest.raises(ValidationError):  # the first part's box is the item's
        Criterion(
            id="1",
            text="a b",
            kind="statement",
            page=1,
            box=box,
            parts=[
                ProvenancePart(page=1, span=Span(start=0, end=1)),
                ProvenancePart(page=2, span=Span(start=2, end=3)),
            ],
        )
