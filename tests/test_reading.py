"""The record's account of its own reading (`coverage`, issue 16): what went into some field and what
went nowhere, per section, and a warning where a criteria or codes section gave nothing."""

from __future__ import annotations

import pytest
from policydiff.api import extract_bytes
from policydiff.cli import policy_summary
from policydiff.extract.errors import ExtractError
from policydiff.extract.load import load_bytes
from policydiff.extract.reading import account_reading
from policydiff.extract.sections import segment
from policydiff.html_report import policy_html
from policydiff.model import iter_criteria

from corpus import ALL_DOCUMENTS, CORPUS, UNSEEN_DOCUMENTS, doc_id, extracted

SEED = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
# A row of a code table pasted into the criteria: a shape no field reads there.
CODE_ROWS = (
    "0242U Targeted genomic sequence analysis panel, solid organ neoplasm, cell-free circulating DNA "
    "analysis of 55-74 genes, interrogation for sequence variants, gene copy number amplifications"
)


def _criteria_sections(policy):
    return [section for section in policy.coverage.sections if section.kind == "criteria"]


def test_the_account_covers_every_section_and_adds_up():
    policy = extracted(SEED)
    assert policy.coverage is not None
    assert policy.coverage.lines == sum(section.lines for section in policy.coverage.sections)
    assert policy.coverage.read == sum(section.read for section in policy.coverage.sections)
    (criteria,) = _criteria_sections(policy)
    assert criteria.heading == "Coverage Policy" and criteria.reader == "criteria"
    assert criteria.read == criteria.lines > 0  # every line of this criteria section went into a node
    background = [section for section in policy.coverage.sections if section.kind == "background"]
    assert background and all(section.reader is None for section in background)


def test_a_paragraph_added_to_the_criteria_in_an_unknown_shape_shows_up_as_unread():
    text = SEED.read_text(encoding="utf-8")
    anchor = "DLI and HPC boost are considered not medically necessary for any other indication."
    assert anchor in text
    edited = text.replace(anchor, f"{anchor}\n\n{CODE_ROWS}\n", 1).encode("utf-8")
    policy = extract_bytes(edited, "edited.txt")
    (criteria,) = _criteria_sections(policy)
    unread = [block.text for block in criteria.unread]
    assert any(block.startswith("0242U Targeted genomic sequence") for block in unread), unread
    assert criteria.read == criteria.lines - 1
    assert all("0242U" not in node.text for node in policy.criteria)


def test_a_criterion_the_record_lost_is_reported_unread_with_its_page():
    """The account is taken from the record: a node missing from it leaves its lines unread."""
    doc = load_bytes(SEED.read_bytes(), str(SEED))
    policy = extracted(SEED).model_copy(deep=True)
    lost = policy.criteria.pop(0)
    account, _ = account_reading(policy, doc, segment(doc))
    (criteria,) = [section for section in account.sections if section.kind == "criteria"]
    assert [block.text for block in criteria.unread] == [lost.text]
    assert criteria.unread[0].page == lost.page


def test_a_criteria_section_that_gives_nothing_is_named_in_a_warning():
    doc = load_bytes(SEED.read_bytes(), str(SEED))
    policy = extracted(SEED).model_copy(deep=True)
    policy.criteria = []
    account, warnings = account_reading(policy, doc, segment(doc))
    (criteria,) = [section for section in account.sections if section.kind == "criteria"]
    assert criteria.read == 0
    assert f"page 1: 'Coverage Policy' section of {criteria.lines} lines gave no criteria" in [
        warning.message
        for warning in warnings
        if warning.code == "reading.section_gave_nothing" and warning.page == 1
    ]


def test_a_line_of_codes_the_record_holds_is_read():
    # BCBS Michigan prints four codes a line under "Established codes:" ("S3870 81228 81229 81349"): the
    # codes were read, but the account judged the line by runs of words, which no single code's text
    # holds, so the line was unread and the section said it "gave no codes".
    panels = CORPUS / "tracker" / "bcbsm" / "bcbsm_bcbsm-genetic-testing-panels_2026-02-05_d06a1e158ab5.pdf"
    policy = extracted(panels)
    assert {"S3870", "81228", "81229", "81349"} <= {code.code for code in policy.codes}
    assert not [warning for warning in policy.diagnostics if warning.code == "reading.section_gave_nothing"]
    unread = [block.text for section in policy.coverage.sections for block in section.unread]
    assert not [text for text in unread if "S3870 81228" in text]


def test_the_text_and_html_reports_show_what_was_not_read():
    policy = extracted(SEED)
    text = policy_summary(policy)
    assert f"reading:    {policy.coverage.read} of {policy.coverage.lines} lines went into some field" in text
    assert "'Coverage Policy' [criteria, read as criteria]: 5/5 lines read" in text
    assert "unread p1" in text  # the code notes under "Coding Information" went nowhere
    html = policy_html(policy)
    assert 'id="reading"' in html and 'class="unread-block"' in html


@pytest.mark.parametrize("path", ALL_DOCUMENTS + UNSEEN_DOCUMENTS, ids=lambda path: path.name[:60])
def test_every_criteria_section_yields_criteria_or_a_warning_naming_it(path):
    try:
        policy = extracted(path)
    except ExtractError:
        pytest.skip("refused: not a record")
    assert policy.coverage is not None
    for section in _criteria_sections(policy):
        if section.lines:
            named = any(f"'{section.heading}' section" in warning for warning in policy.warnings)
            assert section.read > 0 or named, f"{section.heading!r} gave nothing and no warning says so"


def test_criteria_a_section_heading_missed_are_not_a_silent_gap():
    """Regence LAB46 prints its criteria under "MEDICAL POLICY CRITERIA" inside what the sections read
    as its description: either they are read, or a warning says where coverage was stated unread."""
    policy = extracted(CORPUS / "tracker" / "regence" / "regence_regence-lab46_2026-02-05_f122c3a56cb1.pdf")
    stated = [warning for warning in policy.warnings if "section states coverage" in warning]
    assert policy.criteria or any("'DESCRIPTION' section" in warning for warning in stated), policy.warnings


@pytest.mark.parametrize("path", [*ALL_DOCUMENTS, *UNSEEN_DOCUMENTS], ids=doc_id)
def test_each_warning_is_a_diagnostic_with_its_stage_page_and_item(path):
    """What the reader could not do, as data a program can act on: one diagnostic per warning, in the
    same order, its code under its stage, its page one of the document's, its criterion one of the
    record's."""
    try:
        policy = extracted(path)
    except ExtractError as error:
        pytest.skip(f"refused: {error}")
    assert [d.message for d in policy.diagnostics] == policy.warnings
    ids = {node.id for node in iter_criteria(policy.criteria)}
    for diagnostic in policy.diagnostics:
        assert diagnostic.code.startswith(f"{diagnostic.stage}.")
        assert diagnostic.page is None or 1 <= diagnostic.page <= (policy.source.pages or 1)
        if diagnostic.stage == "criteria":
            assert diagnostic.item in ids and diagnostic.page is not None
