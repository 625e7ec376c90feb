"""Metadata on the corpus: the seeds against the gold, every real PDF against what it prints (checked by
eye), and one test per label layout."""

from __future__ import annotations

import json

import pytest
from policydiff.extract.document import Document, Line
from policydiff.extract.load import load_file
from policydiff.extract.metadata import find_payer, without_scope
from policydiff.extract.provenance import lines_box

from corpus import (
    ALL_DOCUMENTS,
    ALL_PDFS,
    CORPUS,
    GOLD,
    PAYMENT_POLICIES,
    SEED_PDFS,
    SEED_TEXTS,
    doc_id,
    extracted,
)

ANTHEM = CORPUS / "real" / "anthem"
UHC = CORPUS / "real" / "uhc"
CMS_LCD = CORPUS / "real" / "medicare-cms" / "LCD - Glucose Monitors (L33822).pdf"
FIELDS = ("payer", "policy_number", "title", "dates", "related_policies")


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("path", SEED_TEXTS + SEED_PDFS, ids=doc_id)
def test_seed_metadata_equals_gold(path, field):
    gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert extracted(path).to_json_dict()[field] == gold[field]


# What each real PDF prints on its first page(s): payer, number, title, effective, last reviewed.
REAL = {
    ANTHEM / "CG-MED-57 Cardiac Stress Testing with Electrocardiogram.pdf": (
        "Anthem",
        "CG-MED-57",
        "Cardiac Stress Testing with Electrocardiogram",
        "2026-07-01",
        "2026-05-14",
    ),
    ANTHEM / "CG-RAD-31 Three-Dimensional (3-D) Rendering of Imaging Studies.pdf": (
        "Anthem",
        "CG-RAD-31",
        "Three-Dimensional (3-D) Rendering of Imaging Studies",
        "2025-10-01",
        "2025-08-07",
    ),
    ANTHEM / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf": (
        "Anthem",
        "CG-SURG-83",
        "Bariatric Surgery and Other Treatments for Clinically Severe Obesity",
        "2025-12-18",
        "2025-11-06",
    ),
    ANTHEM / "SURG.00111 Axial Lumbar Interbody Fusion.pdf": (
        "Anthem",
        "SURG.00111",
        "Axial Lumbar Interbody Fusion",
        "2026-07-01",
        "2026-05-14",
    ),
    UHC / "botulinum-toxins-a-and-b.pdf": (
        "UnitedHealthcare",
        "2026D0017AN",
        "Botulinum Toxins A and B",
        "2026-01-01",
        None,
    ),
    UHC / "mri-ct-scan-site-of-service.pdf": (
        "UnitedHealthcare",
        "MP.13.19",
        "Magnetic Resonance Imaging (MRI) and Computed Tomography (CT) Scan – Site of Service",
        "2026-01-01",
        None,
    ),
    UHC / "sleep-studies.pdf": ("UnitedHealthcare", "2026T0334SS", "Sleep Studies", "2026-07-01", None),
    UHC / "surgery-elbow.pdf": (
        "UnitedHealthcare",
        "2026T0551BB",
        "Surgery of the Elbow",
        "2026-08-01",
        None,
    ),
    UHC / "surgery-knee.pdf": ("UnitedHealthcare", "2026T0553II", "Surgery of the Knee", "2026-06-01", None),
    CMS_LCD: ("CMS", "L33822", "Glucose Monitors", "2024-10-01", None),
}


@pytest.mark.parametrize("path", list(REAL), ids=doc_id)
def test_real_pdf_metadata(path):
    record = extracted(path)
    actual = (
        record.payer,
        record.policy_number,
        record.title,
        record.dates.effective,
        record.dates.last_reviewed,
    )
    assert actual == REAL[path]


def test_label_glued_to_its_value():
    # "Effective Date5/15/2025" / "Next Review Date5/15/2026": no space after the label.
    dates = extracted(CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf").dates
    assert (dates.effective, dates.next_review) == ("2025-05-15", "2026-05-15")


def test_value_on_the_next_line_under_its_label():
    # Anthem: "Last Review Date:" ends the right-hand cell; "05/14/2026" is printed below it.
    record = extracted(ANTHEM / "SURG.00111 Axial Lumbar Interbody Fusion.pdf")
    assert record.dates.last_reviewed == "2026-05-14"


def test_original_effective_date_is_not_the_effective_date():
    # CMS prints "Original Effective Date ... 10/01/2015" above "Revision Effective Date ... 10/01/2024".
    assert extracted(CMS_LCD).dates.effective == "2024-10-01"


def test_month_year_label_value():
    assert extracted(CORPUS / "seeds" / "centene-cp-mp-101-dli.txt").dates.last_revised == "2023-02"


def test_running_header_banner_is_not_a_title_label():
    # The Cigna seed PDF carries a "CLINICAL POLICY / Donor Lymphocyte Infusion" running header.
    title = extracted(CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf").title
    assert title == "Donor Lymphocyte Infusion and Hematopoietic Progenitor Cell (HPC) Boost"


def test_related_policies_from_first_page_side_column():
    assert extracted(UHC / "sleep-studies.pdf").related_policies == [
        "Durable Medical Equipment, Orthotics, Medical Supplies, and Repairs/Replacements",
        "Obstructive and Central Sleep Apnea Treatment",
        "Sleep Studies",
        "Sleep Apnea Surgical Treatments",
    ]


def test_related_policies_several_bullets_in_one_cell():
    assert extracted(UHC / "botulinum-toxins-a-and-b.pdf").related_policies[:3] == [
        "Medical Benefit Therapeutic Equivalent Medications – Excluded Drugs",
        "Occipital Nerve Injections and Ablation (Including Occipital Neuralgia and Headache)",
        "Treatment of Temporomandibular Joint Disorders",
    ]


def test_related_documents_listed_by_id():
    assert extracted(CMS_LCD).related_policies == [
        "A52464 - Glucose Monitor - Policy Article",
        "A59330 - Response to Comments: Glucose Monitors – DL33822",
        "A55426 - Standard Documentation Requirements for All Claims Submitted to DME MACs",
        "280.1 - Durable Medical Equipment Reference List",
        "40.2 - Home Blood Glucose Monitors",
    ]


def test_related_documents_after_a_front_matter_note():
    # Anthem: "Note: For additional information, please see:" then one document per line, by id.
    record = extracted(
        ANTHEM / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
    )
    assert record.related_policies == [
        "CG-MED-59 Upper Gastrointestinal Endoscopy in Adults",
        "CG-SURG-92 Paraesophageal Hernia Repair",
    ]


def test_payer_from_web_address_alone():
    line = Line(text="Printed from https://www.uhcprovider.com/en/policies.html", page=1)
    doc = Document(path="x.txt", format="text", sha256="0" * 64, page_count=1, lines=[line])
    assert find_payer(doc) == ("UnitedHealthcare", line)


def test_a_number_known_by_its_shape_is_not_read_from_a_citation():
    # BCBS Tennessee's page prints no policy number; its front matter cites "LCD L38043" inside a reference
    # (40 words), whose shape is a CMS LCD's: the number was "L38043". Not found is the honest answer.
    page = CORPUS / "tracker" / "bcbst" / "bcbst_bcbst-ctdna-liquid-biopsy_2026-02-05_d05542ad08ef.html"
    record = extracted(page)
    assert record.policy_number is None
    assert "policy number not found" in [str(warning) for warning in record.warnings]
    # A short header line still gives its number by shape (CMS: "... (L33822)").
    assert extracted(CMS_LCD).policy_number == "L33822"


def test_a_title_wrapped_after_a_comma_goes_on():
    # BCBSM: "Title: Genetic Testing - ... Evaluation of Children with Developmental" / "Delay/Intellectual
    # Disability, Autism Spectrum Disorder," / "and/or Congenital Anomalies": the title stopped at the line
    # ending with a comma, taken for a sentence.
    panels = CORPUS / "tracker" / "bcbsm" / "bcbsm_bcbsm-genetic-testing-panels_2026-02-05_d06a1e158ab5.pdf"
    assert extracted(panels).title.endswith(
        "with Developmental Delay/Intellectual Disability, Autism Spectrum Disorder, and/or Congenital Anomalies"
    )


def test_a_title_under_its_label_in_a_two_column_header_is_read_from_the_label_s_column():
    # Wellcare: "Applicable To:" (its markets listed under it, on the left) beside "Claims Payment
    # Policy:" (the title under it, on the right, in the largest type). The first title line shares its
    # line with "Medicaid": the title lost its first half, "Frequency of Comprehensive".
    exams = next(path for path in PAYMENT_POLICIES if path.name.startswith("Frequency-of-Comprehensive"))
    assert extracted(exams).title.startswith("Frequency of Comprehensive Ophthalmological Exams")


@pytest.mark.parametrize(
    ("name", "title", "scope_line"),
    [
        # "340B Drug Payment Reduction" over "KY Only", both in the title's type.
        ("340B-Drug-Payment-Reduction", "340B Drug Payment Reduction", "KY Only"),
        # "Inpatient Readmission KY" under a running header "INPATIENT READMISSION" / "(KY ONLY)".
        ("Inpatient-Readmissions", "Inpatient Readmission", None),
    ],
)
def test_the_state_a_policy_applies_to_is_not_part_of_its_title(name, title, scope_line):
    path = next(path for path in PAYMENT_POLICIES if path.name.startswith(name))
    policy = extracted(path)
    assert policy.title == title
    # The title's box is its own lines'; the line of the state alone is in the reading account.
    box = policy.metadata_provenance["title"].box
    if scope_line:
        unread = [block.text for account in policy.coverage.sections for block in account.unread]
        assert any(text.startswith(scope_line) for text in unread)
        assert box.bottom - box.top < 20


def test_a_two_letter_word_at_a_titles_end_is_a_state_only_where_page_one_says_so():
    # "Cardiac CT" keeps its CT: no line of its page one limits a policy to Connecticut.
    doc = Document(path="cardiac-ct.txt", format="text", sha256="", page_count=1)
    doc.lines = [Line(text="Cardiac CT", page=1), Line(text="Policy Number: RAD-1", page=1)]
    assert without_scope("Cardiac CT", doc.lines[:1], doc) == ("Cardiac CT", doc.lines[:1])
    doc.furniture.append(Line(text="(CT ONLY)", page=1))
    assert without_scope("Cardiac CT", doc.lines[:1], doc) == ("Cardiac", doc.lines[:1])


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_the_title_number_and_dates_say_where_they_were_read(path):
    # Metadata carries its provenance like every item: the page (and, in a PDF, the box) of the line that
    # prints it; that line is on a page of the document and, in a PDF, inside the page.
    policy = extracted(path)
    for name, value in [("title", policy.title), ("policy_number", policy.policy_number), *policy.dates]:
        where = policy.metadata_provenance.get(name)
        assert (where is not None) == bool(value), name
        if where is not None:
            assert 1 <= where.page <= (policy.source.pages or 1)
            assert (where.box is not None) == (policy.source.format == "pdf")


def test_the_seeds_title_and_number_are_read_on_page_one():
    for path in SEED_PDFS:
        policy = extracted(path)
        found = policy.metadata_provenance
        assert found["title"].page == 1 and found["policy_number"].page == 1
        # The payer where it is named: neither seed prints it in a header; each names it in the copyright
        # line of its last page ("©2023 Centene Corporation"). Issue 19: the payer had no place.
        assert found["payer"].page == policy.source.pages
        # Each date where its label stands ("Date of Last Revision: 02/23" on Centene's first page).
        assert {name for name, value in policy.dates if value} <= set(found)
        assert all(found[name].page == 1 for name, value in policy.dates if value)


@pytest.mark.parametrize("path", [*ALL_PDFS, *PAYMENT_POLICIES], ids=doc_id)
def test_the_title_and_number_point_at_the_line_they_were_read_from_not_a_running_header(path):
    # Issue 19: their place was found after the fact, by searching the document for the value, and the
    # first copy was often a running header or footer ("Clinical UM Guideline ... CG-MED-57" at the
    # top of the page, UHC's footer): the finders now return the line they read (15 of 20 PDFs moved).
    policy, doc = extracted(path), load_file(path)
    furniture = [(line.page, lines_box([line], "pdf")) for line in doc.furniture]
    for name in ("title", "policy_number"):
        where = policy.metadata_provenance.get(name)
        if where is not None:
            assert (where.page, where.box) not in furniture, name
