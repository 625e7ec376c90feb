"""Reference lists on the corpus: one entry per citation, however it is numbered, wrapped and grouped."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from policydiff.extract.load import load_file
from policydiff.extract.references import parse_references
from policydiff.extract.sections import segment
from policydiff.extract.text import load_text
from policydiff.model import Reference

from corpus import CORPUS, GOLD, SEED_PDFS, SEED_TEXTS, doc_id, extracted

GOLD_KEYS = ("number", "text", "doi", "year", "url")
CIGNA_PDF = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf"
CENTENE_PDF = CORPUS / "seeds" / "centene-cp-mp-101-dli.pdf"
SLEEP_STUDIES = CORPUS / "real" / "uhc" / "sleep-studies.pdf"
KNEE = CORPUS / "real" / "uhc" / "surgery-knee.pdf"
CARDIAC_STRESS = CORPUS / "real" / "anthem" / "CG-MED-57 Cardiac Stress Testing with Electrocardiogram.pdf"
GLUCOSE_LCD = CORPUS / "real" / "medicare-cms" / "LCD - Glucose Monitors (L33822).pdf"


@cache
def references_of(path: Path) -> tuple[list[Reference], list[str]]:
    doc = load_file(path)
    return parse_references(doc, segment(doc))


def references_of_text(text: str) -> tuple[list[Reference], list[str]]:
    doc = load_text(text, "inline.txt", "0" * 64)
    return parse_references(doc, segment(doc))


@pytest.mark.parametrize("path", SEED_TEXTS + SEED_PDFS, ids=doc_id)
def test_seeds_equal_the_gold(path):
    gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))["references"]
    references, warnings = references_of(path)
    assert [{key: getattr(ref, key) for key in GOLD_KEYS} for ref in references] == gold
    assert warnings == []


def test_reference_wrapped_across_lines_with_a_broken_web_address():
    references, _ = references_of(CIGNA_PDF)
    fourth = references[3]
    assert fourth.text.endswith(
        "Available at URL address: <https://www.cms.gov/medicare-coverage-database/reports/"
        "local-coverage-proposed-lcds-alphabetical-report.aspx?proposedStatus=A&sortBy=title>"
    )
    assert fourth.url == (
        "https://www.cms.gov/medicare-coverage-database/reports/local-coverage-proposed-lcds-alphabetical-report"
        ".aspx?proposedStatus=A&sortBy=title"
    )


def test_reference_wrapped_across_pages():
    references, _ = references_of(CIGNA_PDF)
    first = references[0]
    assert first.page == 8  # starts at the foot of page 8, ends at the top of page 9 after the running header
    assert first.text.endswith("Bio Blood Marrow Transplant. 2007 Jan;13(1):116-23.")
    assert first.box is not None and first.box.top > 600


def test_number_at_the_start_of_a_wrapped_line_is_not_a_new_reference():
    # Centene prints "...2004;34(1):1 to" / "12. doi: 10.1038/sj.bmt.1704525" inside reference 11.
    references, _ = references_of(CENTENE_PDF)
    assert [ref.number for ref in references] == list(range(1, 27))
    assert references[10].text.endswith("2004;34(1):1 to 12. doi: 10.1038/sj.bmt.1704525")


def test_unnumbered_author_year_list_split_by_paragraph_gaps():
    references, warnings = references_of(SLEEP_STUDIES)
    assert len(references) == 60
    assert all(ref.number is None for ref in references)
    eckert = next(ref for ref in references if ref.text.startswith("Eckert DJ"))
    # "Chest. 2007" ends a line, "Feb;131(2):595-607." opens the next: one citation.
    assert eckert.text.endswith("Chest. 2007 Feb;131(2):595-607.")
    assert eckert.year == 2007
    assert warnings == []


def test_unnumbered_citation_continued_on_the_next_page():
    references, _ = references_of(SLEEP_STUDIES)
    texts = [ref.text for ref in references]
    assert texts[texts.index(next(t for t in texts if t.startswith("Collop NA, Tracy SL"))) + 1].startswith(
        "Cross MD, Vennelle M"
    )


def test_citations_printed_run_together_become_two_references():
    references, _ = references_of(KNEE)
    assert len(references) == 20
    ecri = next(index for index, ref in enumerate(references) if ref.text.startswith("ECRI Institute"))
    assert references[ecri].text.endswith("(Custom Product Brief).")
    assert references[ecri + 1].text.startswith("Farr J, Cole BJ, Sherman S, et al.")


def test_sub_list_headings_are_not_references_and_restart_numbering():
    references, _ = references_of(CARDIAC_STRESS)
    # Peer-reviewed 1-2, then agency publications 1-33; "Websites for Additional Information" after them
    # is a section of its own (no references: tests/test_sections.py).
    assert [ref.number for ref in references] == [1, 2, *range(1, 34)]
    assert not any(
        ref.text.startswith(("Peer Reviewed", "Government Agency", "Websites")) for ref in references
    )


def test_numbered_with_brackets_and_sub_list_headings_in_text():
    references, warnings = references_of_text(
        "References\n"
        "[1] Kolb HJ. Graft-versus-leukemia effects of transplantation. Blood. 2008 Dec;112(12):4371-83.\n"
        "[2] Soiffer RJ. Donor lymphocyte infusions for acute myeloid leukaemia. Best Pract Res Clin Haematol.\n"
        "2008 Sep;21(3):455-66. PMID: 18790449\n"
        "Websites:\n"
        "[1] National Cancer Institute (NCI). Plasma Cell Neoplasms. Available at: https://www.cancer.gov/types/myeloma.\n"
    )
    assert [(ref.number, ref.year, ref.pmid) for ref in references] == [
        (1, 2008, None),
        (2, 2008, "18790449"),
        (1, None, None),
    ]
    assert references[1].text.endswith("Best Pract Res Clin Haematol. 2008 Sep;21(3):455-66. PMID: 18790449")
    assert references[2].url == "https://www.cancer.gov/types/myeloma"
    assert warnings == []


def test_bibliography_marked_not_applicable_has_no_references():
    references, warnings = references_of(GLUCOSE_LCD)
    assert references == []
    assert warnings == []


def test_a_sub_list_heading_is_known_whatever_its_case_punctuation_and_spacing():
    # references.toml holds one spelling of each heading; rules.phrase_key compares words only, so a
    # document's "Peer-Reviewed Publications:" or "GOVERNMENT AGENCY, MEDICAL SOCIETY AND OTHER ..."
    # (no serial comma, no colon) is the same heading, not a citation, and restarts the numbering.
    references, warnings = references_of_text(
        "References\n"
        "Peer-Reviewed  Publications:\n"
        "1. Kolb HJ. Graft-versus-leukemia effects of transplantation. Blood. 2008 Dec;112(12):4371-83.\n"
        "GOVERNMENT AGENCY, MEDICAL SOCIETY AND OTHER AUTHORITATIVE PUBLICATIONS\n"
        "1. National Cancer Institute (NCI). Plasma Cell Neoplasms. Available at: https://www.cancer.gov/types/myeloma.\n"
    )
    assert [(ref.number, ref.year) for ref in references] == [(1, 2008), (1, None)]
    assert warnings == []


def test_text_in_a_reference_list_that_is_no_citation_is_a_warning():
    references, warnings = references_of_text(
        "References\nKolb HJ. Graft-versus-leukemia effects. Blood. 2008 Dec;112(12):4371-83.\n"
        "See the policy bulletin board for more\n"
    )
    assert len(references) == 1
    assert [(w.code, w.page, w.message) for w in warnings] == [
        (
            "references.not_a_citation",
            1,
            "text in the reference list not read as a citation: 'See the policy bulletin board for more'",
        )
    ]


GENE_14 = CORPUS / "tracker" / "anthem" / "anthem_anthem-gene-14_2026-02-05_ce0137c701b2.pdf"


def test_a_line_over_a_numbering_that_starts_again_heads_a_sub_list():
    # Anthem's CG-GENE-14 lists its references per test, each list numbered from 1 under the test's name:
    # "21. Yoo HL, ... Clin Lymphoma Myeloma Leuk. 2019; 19(7):406-412" (no closing period) / "BRAF Mutation
    # Analysis" / "1. Aguilera D, Janss A, ...", and "... Neoplasia. 2011; 13(1):1-11." / "PIK3CA Mutation
    # Analysis" / "1. André F, ...". Without a colon, with a digit or after an unclosed citation, the name
    # went into the citation above and the next list's first citation with it.
    references, _ = references_of(GENE_14)
    texts = [ref.text for ref in references]
    assert any(text.endswith("Clin Lymphoma Myeloma Leuk. 2019; 19(7):406-412") for text in texts)
    assert any(text.startswith("Aguilera D, Janss A, Mazewski C, et al.") for text in texts)
    assert any(text.endswith("Neoplasia. 2011; 13(1):1-11.") for text in texts)
    assert any(text.startswith("André F, Ciruelos E, Rubovszky G, et al.") for text in texts)
    assert not any("Mutation Analysis 1." in text for text in texts)


def test_a_citation_that_ends_on_its_doi_ends_there():
    # BCBS North Carolina's page prints one citation a paragraph, some ending on their DOI with no period
    # ("... Cancer discovery. Jun 2014;4(6):650-61. doi:10.1158/2159-8290.Cd-13-1014"): read run together,
    # the next citation went on the same one, and the glued-citation cut then split it inside the DOI
    # ("Cd-13-1014 Cabel L, Proudhon C, ..." was a citation; 37 references for 89 printed).
    page = CORPUS / "tracker" / "bcbsnc" / "bcbsnc_bcbsnc-liquid-biopsy-g2054_2026-02-05_97c8003af937.html"
    references = extracted(page).references
    haber = next(reference for reference in references if reference.text.startswith("Haber DA"))
    assert (
        haber.text.endswith("doi:10.1158/2159-8290.Cd-13-1014")
        and haber.doi == "10.1158/2159-8290.Cd-13-1014"
    )
    assert not [reference for reference in references if reference.text.startswith(("Cd-", "Ccr-", "CCR-"))]
    assert len(references) == 92


def test_a_doi_wrapped_under_its_citation_goes_on_with_it():
    # eviCore's numbered list as text: "31. Guven DC, ... Crit Rev Oncol Hematol. 2021;168:103528." then,
    # at the label column, "doi: 10.1016/j.critrevonc.2021.103528.": the line after a whole citation was
    # a reference of its own. Text that cannot open a citation goes on with the one before.
    guide = (
        CORPUS / "tracker" / "evicore" / "evicore_evicore-liquid-biopsy-2025-v2_2026-02-05_89600bfa7192.pdf"
    )
    references = extracted(guide).references
    assert not [reference for reference in references if reference.text.startswith("doi")]
    (guven,) = [reference for reference in references if reference.number == 31]
    assert guven.text.endswith("doi: 10.1016/j.critrevonc.2021.103528.")
