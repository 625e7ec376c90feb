"""Flattened pages: web pages saved as text with their line breaks lost (six in the tracker's corpus, four
payers). Their lines are rebuilt from headings, labels, list lead-ins and sentence ends (extract/reflow.py);
what the rebuilding may join is said in a warning. Expected values are in tests/expected/<doc_id>/, written
from reading each page."""

from __future__ import annotations

from pathlib import Path

import pytest
from policydiff.extract.load import load_file
from policydiff.extract.markup_copy import MARKUP_COPY_WARNING, markup_copy
from policydiff.extract.reflow import FLATTENED_WARNING, is_flattened
from policydiff.model.policy import iter_criteria

from corpus import CORPUS, SEED_TEXTS, TRACKER, doc_id, extracted

FLATTENED = [
    "anthem/anthem_anthem-lab-00015_2026-02-05_185474c0c32a.html",
    "bcbsnc/bcbsnc_bcbsnc-liquid-biopsy-g2054_2026-02-05_97c8003af937.html",
    "bcbst/bcbst_bcbst-ctdna-liquid-biopsy_2026-02-05_d05542ad08ef.html",
    "highmark/highmark_highmark-l113_2026-02-05_d4e017a69857.html",
    "highmark/highmark_highmark-l123_2026-02-05_68af5f8c67c3.html",
    "highmark/highmark_highmark-l267-navdx_2026-03-22_66bdeb4a45d0.html",
]
# Text with its line breaks: the seeds and the tracker's PDF texts are never reflowed.
WITH_LINE_BREAKS = SEED_TEXTS + [path for path in TRACKER if path.suffix == ".pdf"]


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.mark.parametrize("path", WITH_LINE_BREAKS, ids=doc_id)
def test_text_with_line_breaks_is_not_flattened(path):
    assert not is_flattened(_text(path))


@pytest.mark.parametrize("name", FLATTENED)
def test_a_flattened_page_is_read_and_says_its_lines_were_rebuilt(name):
    path = CORPUS / "tracker" / name
    assert is_flattened(_text(path))
    policy = extracted(path)  # no longer refused as "not a coverage policy"
    # (A page that kept its elements' markup is read from that markup, and says so.)
    assert (MARKUP_COPY_WARNING if "bcbsnc" in name else FLATTENED_WARNING) in policy.warnings
    assert policy.criteria


BCBSNC = CORPUS / "tracker" / FLATTENED[1]


def test_a_flattened_page_is_read_from_the_markup_its_elements_kept():
    # BCBS North Carolina's saved page holds each element twice: its markup, escaped in a data attribute
    # whose first opening tag went with the stripped tags ("... When Liquid Biopsy is covered</h2>\r\n<ol
    # type=\&#34;1\&#34;>\r\n<li>For individuals ..."), and its text flattened. Read from the flattened
    # text, the third-level list ("Recommended biomarkers include:" i. to x.) was ten top-level notes, the
    # heading "When Liquid Biopsy is covered" opened the first criterion, the codes were not read and the
    # log had 3 rows (score_corpus recall 0.73, precision 0.70, parent 0.42).
    policy = extracted(BCBSNC)
    assert MARKUP_COPY_WARNING in policy.warnings
    lung = next(
        node for node in policy.criteria if node.text.startswith("For individuals diagnosed with non-small")
    )
    assert lung.logic == "any" and [child.label for child in lung.children] == ["a.", "b.", "c.", "d."]
    biomarkers = lung.children[2].children
    assert [child.label for child in biomarkers][::3] == ["i.", "iv.", "vii.", "x."]
    assert [biomarkers[0].text, biomarkers[-1].text] == ["ALK rearrangements.", "PD-L1 expression levels."]
    assert not any("When Liquid Biopsy" in node.text for node in iter_criteria(policy.criteria))
    # "Applicable service codes: 81162, 81163, ..., 0611U, 0612U" under "Billing/Coding/Physician
    # Documentation Information"
    assert len(policy.codes) == 48 and policy.codes[-1].code == "0612U"
    # The log under "Policy Implementation/Update Information", 1/1/2019 to 12/31/25; the site's footer
    # after the policy ("Disclosures: ...", the copyright) is page furniture, not the last row.
    assert len(policy.revisions) == 23 and policy.revisions[-1].date == "2025-12-31"
    assert policy.revisions[-1].summary.endswith("effective 1/1/2026. (lpr)")
    assert (policy.title, policy.policy_number, policy.payer) == (
        "Liquid Biopsy",
        "AHS-G2054",
        "BCBS North Carolina",
    )


def test_markup_copies_need_a_page_of_elements():
    # One attribute's end in a text is no page of elements: the text is read as it is.
    assert markup_copy('text &#34;}}" id="a"> more text</p>') is None


def test_headings_in_capitals_and_a_run_in_list_are_rebuilt():
    # BCBS Tennessee: "... POLICY Circulating tumor DNA ... MEDICAL APPROPRIATENESS Circulating tumor DNA
    # ... if ALL of the following are met: Diagnosis of advanced or metastatic cancer (solid tumors)
    # Treatment with a medication ... IMPORTANT REMINDERS Any specific products ..."
    path = CORPUS / "tracker" / FLATTENED[2]
    headings = [line.text for line in load_file(path).lines if line.heading_level]
    assert headings[:4] == ["DESCRIPTION", "POLICY", "MEDICAL APPROPRIATENESS", "IMPORTANT REMINDERS"]
    statement = next(node for node in extracted(path).criteria if node.logic == "all")
    assert statement.text.endswith("if ALL of the following are met:")
    assert statement.children[0].text == "Diagnosis of advanced or metastatic cancer (solid tumors)"
    assert statement.children[-1].text.startswith("Individuals have not had previous somatic tumor testing")


def test_header_labels_and_a_semicolon_list_are_rebuilt():
    # Highmark: "Medical Policy: L-267-001 Topic: NavDx Section: Laboratory Effective Date: January 29, 2024
    # ... when ONE or more of the following criteria have been met: Individual is prior to surgery for
    # HPV-driven head and neck cancer; or Individual is within 5 years post-operative ..."
    policy = extracted(CORPUS / "tracker" / FLATTENED[5])
    assert (policy.policy_number, policy.title, policy.dates.effective) == (
        "L-267-001",
        "NavDx",
        "2024-01-29",
    )
    statement = policy.criteria[0]
    assert statement.logic == "any"
    assert [child.text for child in statement.children] == [
        "Individual is prior to surgery for HPV-driven head and neck cancer; or",
        "Individual is within 5 years post-operative of having HPV-driven head and neck cancer.",
    ]
    assert {code.code for code in policy.codes} >= {"0356U"}


def test_a_page_that_holds_each_block_twice_lists_it_once():
    # BCBS North Carolina's saved page holds much of its text twice over (a script's copy beside the page).
    lines = [line.text for line in load_file(CORPUS / "tracker" / FLATTENED[1]).lines]
    assert lines.count("Origination: 01/2019") == 1


def test_a_table_of_named_tests_with_bracketed_descriptions_is_one_row_per_test():
    # Highmark L-113 lists tests as "Name [description]" rows under group labels, run together on the
    # flattened page ("Gene Expression Assays: BluePrint ... [Proprietary ...] ColonSentry [...] ...
    # Procedure Codes 0005U, ... Other Novel Assays: ChemoFX [...] CPT 81535 and 81536 DEPArray[...]").
    policy = extracted(
        CORPUS / "tracker" / "highmark" / "highmark_highmark-l113_2026-02-05_d4e017a69857.html"
    )
    statement = next(
        node for node in policy.criteria if "The following tests used in the screening" in node.text
    )
    groups = {child.text: child for child in statement.children}
    assert list(groups) == ["Gene Expression Assays:", "Other Novel Assays:"]
    expression = groups["Gene Expression Assays:"].children
    assert len(expression) == 8 and {node.kind for node in expression} == {"exclusion"}
    assert (
        expression[1].text
        == "ColonSentry [Proprietary 7-gene signature to detect colorectal cancer from GeneNews]"
    )
    novel = groups["Other Novel Assays:"].children
    assert len(novel) == 15
    # The codes column of a row ("CPT 81535 and 81536" after ChemoFX's) is a code row of its own, not the
    # start of the next test's name, and no criterion.
    assert novel[0].text == "ChemoFX [Proprietary test from Helomics to assess chemosensitivity]"
    texts = [node.text for node in iter_criteria(policy.criteria)]
    assert "CPT 81535 and 81536" not in texts
    assert "Procedure Codes 0005U, 0019U, 81455, 81479, 81599, 84999, 0053U, 0057U" not in texts
    assert novel[1].text.startswith("DEPArray[")


def test_a_block_printed_twice_with_a_mark_spaced_apart_is_listed_once():
    # BCBS North Carolina's page holds "When Liquid Biopsy is not covered" and its exclusions twice, the
    # second copy with "CELLSEARCH ® CTC" where the first has "CELLSEARCH® CTC": each exclusion was a
    # node twice.
    page = CORPUS / "tracker" / "bcbsnc" / "bcbsnc_bcbsnc-liquid-biopsy-g2054_2026-02-05_97c8003af937.html"
    texts = [node.text for node in iter_criteria(extracted(page).criteria)]
    assert sum("Cell capture-enumeration assays of CTCs" in text for text in texts) == 1
    assert sum("urinary liquid biopsy" in text for text in texts) == 1
