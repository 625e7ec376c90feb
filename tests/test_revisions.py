"""Revision logs on the corpus: one test per layout feature, on the documents that have it."""

from __future__ import annotations

import json

import pytest
from policydiff.extract.document import Cell, Line
from policydiff.extract.revisions import DATE, SUMMARY, TYPE, join_cell, read_header

from corpus import CORPUS, GOLD, SEED_PDFS, SEED_TEXTS, doc_id, extracted

ANTHEM = CORPUS / "real" / "anthem"
UHC = CORPUS / "real" / "uhc"
CMS_LCD = CORPUS / "real" / "medicare-cms" / "LCD - Glucose Monitors (L33822).pdf"
ROW_FIELDS = ("date", "approval_date", "type", "summary")


def rows(path) -> list[dict]:
    return [{key: row[key] for key in ROW_FIELDS} for row in extracted(path).to_json_dict()["revisions"]]


@pytest.mark.parametrize("path", SEED_TEXTS + SEED_PDFS, ids=doc_id)
def test_seed_revisions_equal_gold(path):
    gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))["revisions"]
    assert rows(path) == gold


@pytest.mark.parametrize("path", SEED_PDFS, ids=doc_id)
def test_pdf_rows_carry_page_and_box(path):
    for revision in extracted(path).revisions:
        assert revision.page is not None
        assert revision.box is not None and revision.box.x0 < revision.box.x1


def test_table_found_inside_another_section_not_at_its_link():
    # Centene's log sits under "Coding Implications"; "Revision Log" on page 1 is only a link.
    revisions = extracted(CORPUS / "seeds" / "centene-cp-mp-101-dli.pdf").revisions
    assert [revision.page for revision in revisions] == [3, 3, 3, 3, 3, 4, 4, 4, 4]


def test_month_year_dates_stay_month_precision():
    revisions = rows(CORPUS / "seeds" / "centene-cp-mp-101-dli.txt")
    assert (revisions[1]["date"], revisions[1]["approval_date"]) == ("2016-10", "2016-11")


def test_table_with_a_revision_date_column_but_no_summary_is_not_a_log():
    # Cigna's Medicare table has a "Revision Effective Date" column: not a revision log.
    assert len(rows(CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf")) == 2


def test_wrapped_cells_joined():
    first = rows(ANTHEM / "CG-MED-57 Cardiac Stress Testing with Electrocardiogram.pdf")[0]
    assert first == {
        "date": "2026-05-14",
        "approval_date": None,
        "type": "Reviewed",
        "summary": "Medical Policy & Technology Assessment Committee (MPTAC) review. Added “Summary for "
        "Members and Families section.” Revised Description, Discussion/General Information, Definitions, "
        "References, Websites for Additional Information, and Index sections.",
    }


def test_row_without_status_starts_a_row():
    revisions = rows(ANTHEM / "CG-MED-57 Cardiac Stress Testing with Electrocardiogram.pdf")
    assert len(revisions) == 11
    assert revisions[9]["date"] == "2018-05-03"
    assert revisions[9]["type"] is None
    assert revisions[9]["summary"].startswith("The document header wording updated")


def test_table_continued_on_next_page_without_repeated_header():
    revisions = extracted(ANTHEM / "SURG.00111 Axial Lumbar Interbody Fusion.pdf").revisions
    assert len(revisions) == 22
    assert [(r.page, r.date, r.type) for r in revisions[-2:]] == [
        (6, "2010-05-13", "Reviewed"),
        (6, "2009-05-21", "New"),
    ]


def test_row_continued_across_pages_under_repeated_header():
    # CMS R14 starts on page 17 and runs on under a repeated header on pages 18 and 19.
    revisions = extracted(CMS_LCD).revisions
    r14 = next(r for r in revisions if r.page == 17 and r.date == "2024-01-01")
    assert "Contact with the beneficiary or designee regarding refills" in r14.summary
    assert r14.summary.endswith("per CMS Final Rule CMS-1780-F.")
    assert r14.type == "Provider Education/Guidance Other (CMS Final Rule CMS-1780-F)"


def test_cms_revision_history_one_row_per_revision():
    revisions = extracted(CMS_LCD).revisions
    # R16 .. R1, the header cut in two by the table finder on page 25 (R10) included.
    assert len(revisions) == 16
    assert [r.date for r in revisions[6:8]] == ["2022-02-28", "2022-02-28"]
    r8 = next(r for r in revisions if r.date == "2021-07-18")
    assert "Removed: Four times or more per day testing with blood glucose monitor" in r8.summary
    assert r8.type == "Provider Education/Guidance Reconsideration Request"


def test_uhc_one_row_per_date_with_its_bullet_groups():
    revisions = rows(UHC / "sleep-studies.pdf")
    assert len(revisions) == 1
    assert revisions[0]["date"] == "2026-07-01"
    summary = revisions[0]["summary"]
    assert summary.startswith("Coverage Rationale Attended Full-Channel Polysomnography")
    assert "Definitions Updated definition of “Polysomnography (Attended)”" in summary
    assert summary.endswith("Archived previous policy version 2026T0334RR")


def test_uhc_bullets_continued_on_next_page():
    (revision,) = rows(UHC / "botulinum-toxins-a-and-b.pdf")
    assert revision["date"] == "2026-01-01"
    assert "Myobloc is medically necessary for the treatment of cervical dystonia" in revision["summary"]
    assert revision["summary"].endswith("Archived previous policy version 2025D0017AM")


def test_header_without_cells_read_as_a_run_of_header_phrases():
    header = read_header(Line(text="Status Date Action", page=1))
    assert header is not None and header.roles == (TYPE, DATE, SUMMARY)
    assert (
        read_header(Line(text="Contractor Determination Name/Number Revision Effective Date", page=1)) is None
    )


def test_header_cut_in_two_is_completed_by_its_second_half():
    top = Line(
        text="Revision History Date\tRevision History Number\t\tReasons for Change",
        page=25,
        cells=(
            Cell("Revision History Date", 52),
            Cell("Revision History Number", 143),
            Cell("", 218),
            Cell("Reasons for Change", 376),
        ),
    )
    partial = read_header(top)
    assert partial is not None and partial.partial
    bottom = Line(text="Revision History Explanation", page=25, x0=218, cells=())
    header = read_header(bottom, partial)
    assert header is not None and header.roles == (DATE, "ignored", SUMMARY, TYPE)


def test_word_broken_at_line_end_rejoined():
    assert join_cell(["revisions are non-\ndiscretionary updates", "per CMS"]) == (
        "revisions are non-discretionary updates per CMS"
    )


def test_text_after_the_table_on_the_next_page_is_not_a_wrapped_cell():
    # CG-SURG-83's History ends at the foot of page 32; page 33 opens with the legal notice.
    last = extracted(
        ANTHEM / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
    ).revisions[-1]
    assert (last.date, last.type) == ("2018-07-26", "New")
    assert last.summary.endswith("guideline document with the same title.")


CARELON = CORPUS / "tracker" / "carelon"
SOMATIC_TUMOR = CARELON / "carelon_carelon-somatic-tumor-2025_2026-02-05_ef372e686045.pdf"
LIQUID_BIOPSY = CARELON / "carelon_carelon-liquid-biopsy-2025_2026-02-05_7b656afb3d46.pdf"


def test_a_text_log_with_each_cell_on_its_own_line_keeps_its_status_and_its_header_out_of_summaries():
    # Carelon's History as a tracker saved its text: "Updated codes" / "10/01/2025" / "n/a Unchanged CPT code
    # update: ..." (status, review date, effective date and action a line each), the header "Status Review
    # Date Effective Date Action" printed again at the next page's top, and "Revised 10/28/2024," /
    # "07/16/2024," / "04/15/2024" / "11/17/2024 IMPP review. ..." (three review dates in one cell). The
    # status went to the end of the row above, the header into the summary of the row it cut, and the
    # last review date started a row of its own: 15 rows of 14.
    somatic = extracted(SOMATIC_TUMOR)
    assert len(somatic.revisions) == 14
    [updated] = [row for row in somatic.revisions if row.date == "2025-10-01"]
    assert (updated.type, updated.summary) == (
        "Updated codes",
        "n/a Unchanged CPT code update: added 0578U, 0586U, 0592U, 0597U (NMN).",
    )
    [reviewed] = [row for row in somatic.revisions if row.date == "2024-10-28"]
    assert reviewed.type == "Revised"
    assert reviewed.summary.startswith("07/16/2024, 04/15/2024 11/17/2024 IMPP review. Revised indications")
    assert not any("Status Review Date" in row.summary for row in somatic.revisions)
    assert not any(d.code == "revisions.text_before_entries" for d in somatic.diagnostics)
    # The liquid biopsy guideline's log: its header printed again at page 18's top, between two rows.
    liquid = extracted(LIQUID_BIOPSY)
    [january] = [row for row in liquid.revisions if row.date == "2025-01-01"]
    assert january.type == "Updated codes"
    assert january.summary.endswith("Revised long descriptions for 0486U, 0487U, and 0507U.")


BCBSM_CTDNA = CORPUS / "tracker" / "bcbsm" / "bcbsm_bcbsm-ctdna_2026-02-05_00cdf7069ec7.pdf"


def test_the_label_of_the_next_review_date_closes_a_revision_log():
    # BCBSM's "Joint BCBSM/BCN Medical Policy History" ends "... formatting to assist with flow" /
    # "Next Review Date: 4th Qtr, 2026"; the next page opens Blue Care Network's part of the policy
    # ("BLUE CARE NETWORK BENEFIT COVERAGE POLICY: ... I. Coverage Determination: ..."), which went into
    # the log's last row. The label (metadata.toml's next_review) now closes the log; what follows is in
    # the reading account.
    record = extracted(BCBSM_CTDNA)
    assert len(record.revisions) == 18
    assert record.revisions[-1].summary.endswith(
        "movement of policy language and formatting to assist with flow"
    )
    assert not any(
        "BLUE CARE NETWORK" in row.summary or "Next Review" in row.summary for row in record.revisions
    )
    unread = [block.text for section in record.coverage.sections for block in section.unread]
    assert any(text.startswith("Next Review Date") and "BLUE CARE NETWORK" in text for text in unread)


COUNSELING = (
    CORPUS / "tracker" / "bcbsm" / "bcbsm_bcbsm-genetic-testing-counseling_2026-02-05_c494cf33f78a.pdf"
)


def test_a_dated_note_inside_a_row_is_no_row_of_its_own():
    # BCBSM's history: the row "5/1/25 2/18/25 • Deleted code 81433, ... Vendor managed: N/A (ds)" goes on
    # with "7/10/25: corrected typographical error in code section. 96401 changed to 96041", a note dated
    # inside the same cell. It was read as a 17th row.
    record = extracted(COUNSELING)
    assert len(record.revisions) == 16
    assert record.revisions[-1].date == "2025-05-01"
    assert record.revisions[-1].summary.endswith(
        "7/10/25: corrected typographical error in code section. 96401 changed to 96041"
    )
