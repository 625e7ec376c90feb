"""Section segmentation on real documents: each heading shape held by the document that showed it.

Expected kinds were read from the documents: what the heading says and what stands under it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from policydiff.extract.document import Section
from policydiff.extract.load import load_file
from policydiff.extract.sections import OTHER, segment
from policydiff.model.policy import iter_criteria

from corpus import CORPUS, extracted

ANTHEM = CORPUS / "real" / "anthem"
BCBSM = CORPUS / "tracker" / "bcbsm"
CARDIAC_STRESS = ANTHEM / "CG-MED-57 Cardiac Stress Testing with Electrocardiogram.pdf"
BARIATRIC = ANTHEM / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
CTDNA = BCBSM / "bcbsm_bcbsm-ctdna_2026-02-05_00cdf7069ec7.pdf"
COUNSELING = BCBSM / "bcbsm_bcbsm-genetic-testing-counseling_2026-02-05_c494cf33f78a.pdf"
SUSCEPTIBILITY = BCBSM / "bcbsm_bcbsm-cancer-susceptibility_2026-02-05_f315316bad8f.pdf"
GENE_PANELS = CORPUS / "tracker" / "anthem" / "anthem_anthem-gene-52_2026-02-05_3aae824a0055.pdf"
CARELON = CORPUS / "tracker" / "carelon" / "carelon_carelon-liquid-biopsy-2025_2026-02-05_7b656afb3d46.pdf"
BCBST = CORPUS / "tracker" / "bcbst" / "bcbst_bcbst-ctdna-liquid-biopsy_2026-02-05_d05542ad08ef.html"


@cache
def sections(path: Path) -> list[Section]:
    return segment(load_file(path))


def kind_of(path: Path, heading: str) -> str:
    return next(section.kind for section in sections(path) if section.heading.strip().startswith(heading))


def test_a_summary_for_members_is_no_criteria():
    # Anthem's plain-language retelling of the policy, after the criteria: "Cardiac stress testing with
    # EKG is not clinically appropriate when ..." is not a second set of criteria.
    assert kind_of(CARDIAC_STRESS, "Summary for Members and Families") == OTHER
    texts = [node.text for node in iter_criteria(extracted(CARDIAC_STRESS).criteria)]
    assert not any(text.startswith("A cardiac stress test with EKG") for text in texts)
    assert any(text.startswith("Cardiac stress testing with electrocardiogram") for text in texts)


def test_websites_for_additional_information_are_no_references():
    assert kind_of(BARIATRIC, "Websites for Additional Information") == OTHER
    references = extracted(BARIATRIC).references
    assert len(references) == 261
    assert not any("obesityaction.org" in (reference.url or reference.text) for reference in references)


def test_the_statement_and_inclusions_of_a_blue_plan_are_criteria():
    # "Medical Policy Statement", "Inclusionary and Exclusionary Guidelines", "Inclusions:": no criteria
    # were read before (the document's tree has 28 nodes, tests/expected).
    kinds = {section.heading.strip(): section.kind for section in sections(CTDNA)}
    assert kinds["Medical Policy Statement"] == kinds["Inclusions:"] == kinds["Exclusions:"] == "criteria"
    texts = [node.text for node in iter_criteria(extracted(CTDNA).criteria)]
    assert any(text.startswith("Individual has not been previously tested") for text in texts)


def test_a_heading_with_a_remark_in_brackets_is_known_by_its_words():
    # "CPT/HCPCS Level II Codes (Note: The inclusion of a code in this list is not a guarantee of" wraps
    # into "coverage. Please refer ...": still the codes heading, not a sentence going on.
    assert kind_of(SUSCEPTIBILITY, "CPT/HCPCS Level II Codes") == "codes"
    codes = {code.code for code in extracted(SUSCEPTIBILITY).codes}
    assert {"81201", "81445", "81437"} <= codes


def test_a_qualified_history_heading_is_a_revision_log_and_its_column_header_no_heading():
    # "Joint I/BCN Medical Policy History" over a table whose first column header is "Policy" (then
    # "Effective Date" on the next line): the rows were read as criteria under a "Policy" heading.
    assert kind_of(COUNSELING, "Joint I/BCN Medical Policy History") == "revisions"
    assert not any(section.heading.strip() == "Policy" for section in sections(COUNSELING))
    texts = [node.text for node in iter_criteria(extracted(COUNSELING).criteria)]
    assert not any(text[:1].isdigit() and "/" in text.split()[0] for text in texts), texts


def test_a_compound_heading_and_a_wrapped_sentence_end():
    # "Description/Scope" is a description heading; "indications." ends a wrapped sentence, no heading.
    assert kind_of(GENE_PANELS, "Description/Scope") == "description"
    assert not any(section.heading.strip() == "indications." for section in sections(GENE_PANELS))


def test_an_unknown_heading_marked_up_as_a_known_one_ends_its_section():
    # BCBS Tennessee's page: <h2>IMPORTANT REMINDERS</h2> ... <h2>ADDITIONAL INFORMATION</h2>; the second
    # is no disclaimer. "MEDICAL APPROPRIATENESS" (a phrase of sections.toml) holds the criteria.
    assert kind_of(BCBST, "ADDITIONAL INFORMATION") == OTHER
    assert kind_of(BCBST, "MEDICAL APPROPRIATENESS") == "criteria"


def test_a_heading_the_contents_list_names_takes_back_its_section():
    # Carelon's contents list names "General Criteria for Genetic Liquid Biopsy Testing" beside "Clinical
    # Indications"; an unlisted "Definitions" paragraph inside it had swallowed all the criteria after it.
    # "... Genetic / Liquid Biopsy Testing." (a sentence wrapped onto a listed entry's words) is no heading.
    assert kind_of(CARELON, "Definitions") == "definitions"
    assert kind_of(CARELON, "General Criteria for Genetic Liquid Biopsy Testing") == "criteria"
    assert kind_of(CARELON, "Cancer Site-Specific Criteria") == "criteria"
    assert kind_of(CARELON, "Repeat Diagnostic Intervention") == OTHER  # the framework before the policy
    assert not any(section.heading.strip() == "Liquid Biopsy Testing." for section in sections(CARELON))


UHC_HEME = CORPUS / "tracker" / "uhc" / "uhc_uhc-molecular-oncology-heme_2026-03-22_5d88b7f840cf.pdf"
EVICORE = CORPUS / "tracker" / "evicore" / "evicore_evicore-liquid-biopsy-2026_2026-02-05_26bd2acf12a0.pdf"


def test_contents_entries_revision_rows_and_a_side_panel_start_no_section():
    # UHC's contents list ("Coverage Rationale .... 1", under "Table of Contents Page"), its revision log
    # ("Coverage Rationale" / "Added language to clarify ...") and its "Related Commercial Policies" panel
    # printed at page 1's end, after which page 2 goes on with the clonoSEQ list.
    found = sections(UHC_HEME)
    assert not any("...." in section.heading for section in found)
    criteria = [section for section in found if section.kind == "criteria"]
    assert [(section.heading, section.level, section.resumed) for section in criteria] == [
        ("Coverage Rationale", 1, False),
        ("Coverage Rationale", 2, True),
    ]
    assert criteria[1].lines[0].text == "Acute lymphoblastic leukemia"
    clonoseq = extracted(UHC_HEME).criteria[2]
    assert [child.text for child in clonoseq.children] == [
        "Acute lymphoblastic leukemia",
        "Multiple myeloma",
        "Chronic lymphocytic leukemia",
    ]


def test_an_introduction_right_under_a_heading_is_that_sections_own():
    # eviCore: "Criteria" / "Introduction" / "Requests for liquid biopsy testing are reviewed using the
    # following criteria." The introduction of "Billing and Reimbursement" after it ends the criteria.
    kinds = [(section.heading, section.kind) for section in sections(EVICORE)]
    assert ("Criteria", "criteria") in kinds
    start = kinds.index(("Criteria", "criteria"))
    assert kinds[start + 1] == ("Introduction", "criteria")
    assert kinds[start + 2] == ("Introduction", "description")


def test_a_question_that_opens_on_a_known_start_is_a_heading():
    # eviCore's evidence review opens with "What is Multi-Cancer Early Detection Screening?": it ended
    # the criteria, which ran to the references before. (Four nodes: the opening note, the E/I/U
    # statement and its two bullets.)
    mced = CORPUS / "tracker" / "evicore" / "evicore_evicore-mced-2026_2026-02-05_c7436f8f60e4.pdf"
    assert kind_of(mced, "What is Multi-Cancer Early Detection Screening?") == "background"
    assert len(list(iter_criteria(extracted(mced).criteria))) == 4


def test_a_known_phrase_in_the_capitals_of_a_sections_sub_headings_is_one_of_them():
    # "Rationale" opens on "GENERAL PRINCIPLES OF GENETIC TESTS": its sub-headings are set in capitals, so
    # "MEDICAL NECESSITY CRITERIA" further down is one of them (the evidence review's summary of criteria),
    # not a second criteria section; its 46 nodes were read as the policy's before.
    found = [(section.heading.strip(), section.kind, section.level) for section in sections(COUNSELING)]
    assert ("MEDICAL NECESSITY CRITERIA", "background", 2) in found
    assert ("SUMMARY OF EVIDENCE", "background", 2) in found
    assert [heading for heading, kind, _ in found if kind == "criteria"] == [
        "Medical Policy Statement",
        "Inclusionary and Exclusionary Guidelines",
    ]
    # A second policy of the plan: "Background" opens on "DIAGNOSTIC TESTING".
    panels = BCBSM / "bcbsm_bcbsm-genetic-testing-panels_2026-02-05_d06a1e158ab5.pdf"
    assert ("SUMMARY OF EVIDENCE", "background", 2) in [
        (section.heading.strip(), section.kind, section.level) for section in sections(panels)
    ]
    # Where the headings themselves are set in capitals they stay peers: "POLICY GUIDELINES" opens on
    # "TESTING FOR TARGETED TREATMENT SELECTION", and "BACKGROUND" after it is a section of its own.
    regence = CORPUS / "tracker" / "regence" / "regence_regence-lab46_2026-02-05_f122c3a56cb1.pdf"
    assert ("BACKGROUND", "background", 1) in [
        (section.heading.strip(), section.kind, section.level) for section in sections(regence)
    ]


BCBSMA = CORPUS / "tracker" / "bcbsma" / "bcbsma_bcbsma-ctdna-797_2026-02-05_e4bfb11dc3a5.pdf"


def test_authorization_and_code_headings_end_the_policy_and_a_compound_headings_part_is_its_sub_heading():
    # BCBSMA: "Prior Authorization Information" and "CPT Codes / HCPCS Codes / ICD Codes" were unknown, so
    # the authorization table and the code descriptions were read as 18 criteria. "CPT Codes" under the
    # compound heading is its part: the sentence under the compound ("... MUST be met for the following
    # codes to be covered ...") still governs the codes listed under the part.
    found = [(section.heading.strip(), section.kind, section.level) for section in sections(BCBSMA)]
    assert ("Prior Authorization Information", "applicability", 1) in found
    assert ("CPT Codes / HCPCS Codes / ICD Codes", "codes", 1) in found
    assert ("CPT Codes", "codes", 2) in found
    assert ("Endnotes", OTHER, 1) in found
    record = extracted(BCBSMA)
    assert [(code.code, code.status) for code in record.codes] == [
        ("81445", "covered"),
        ("81450", "covered"),
        ("81455", "covered"),
    ]
    assert not any("prior authorization" in node.text.lower() for node in iter_criteria(record.criteria))


def test_a_criteria_heading_inside_a_quoted_medicare_document_is_the_quotes():
    # BCBS Michigan's "Government Regulations" prints Medicare's NCDs and LCDs, headings and all:
    # "Nationally Non-Covered Indications" (cancer susceptibility panels) and "Coverage Indications
    # Limitations and/or Medical Necessity" (ctDNA, a WPS LCD on CellSearch) opened criteria sections, so
    # 43 and 14 quoted sentences were the policies' criteria, and rows of the ctDNA comparison
    # ("Services performed for excessive frequency are not medically necessary").
    bcbsm = CORPUS / "tracker" / "bcbsm"
    panels = extracted(bcbsm / "bcbsm_bcbsm-cancer-susceptibility_2026-02-05_f315316bad8f.pdf")
    # Its own two statements, under "Medical Policy Statement" ("... may are established ...", sic)
    assert [node.text[:40] for node in panels.criteria] == [
        "Limited genetic cancer susceptibility pa",
        "Genetic cancer susceptibility panel test",
    ]
    ctdna = extracted(bcbsm / "bcbsm_bcbsm-ctdna_2026-02-05_00cdf7069ec7.pdf")
    texts = [node.text for node in iter_criteria(ctdna.criteria)]
    assert not [text for text in texts if "Medicare" in text or "CellSearch" in text]
    quoted = [
        section for section in ctdna.coverage.sections if section.heading.startswith("Coverage Indications")
    ]
    assert [section.kind for section in quoted] == ["background"]
