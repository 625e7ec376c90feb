"""Code tables: the seeds against the gold, and one test per layout feature on the documents that have it.

Features no corpus document prints (several codes in one cell, a row continued on the next page with
an empty code cell, an unknown ICD-10-CM code) are tested on small documents built here in the
loaders' own shapes (tab-separated text; PDF rows with cells and x positions).
"""

from __future__ import annotations

import json

import pytest
from policydiff.api import extract_document
from policydiff.extract.codes import CodeItem, _lookalikes, header_systems, split_code_cell, status_of
from policydiff.extract.codesets import icd10cm_codes, icd10cm_known, shape_systems
from policydiff.extract.document import Cell, Document, Line
from policydiff.extract.rules import RuleFileError
from policydiff.extract.text import load_text

from corpus import CORPUS, GOLD, SEED_PDFS, SEED_TEXTS, doc_id, extracted, project

ANTHEM = CORPUS / "real" / "anthem"
UHC = CORPUS / "real" / "uhc"
BARIATRIC = ANTHEM / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
AXIAL_FUSION = ANTHEM / "SURG.00111 Axial Lumbar Interbody Fusion.pdf"
CMS_LCD = CORPUS / "real" / "medicare-cms" / "LCD - Glucose Monitors (L33822).pdf"
SHA = "0" * 64


def codes(path) -> list[dict]:
    return project(extracted(path).to_json_dict(), "codes")


def by_code(path) -> dict[str, dict]:
    return {code["code"]: code for code in codes(path)}


def from_text(text: str):
    return extract_document(load_text(text, "built.txt", SHA))


def pdf_row(page: int, top: float, *cells: tuple[str, float]) -> Line:
    """A PDF line as the loader emits it: runs with x positions (a single run is a plain line)."""
    parts = tuple(Cell(text, x0, x0 + 6.0 * len(text)) for text, x0 in cells)
    x0, x1 = parts[0].x0, parts[-1].x1
    common = dict(page=page, x0=x0, top=top, x1=x1, bottom=top + 10.0, size=10.0)
    if len(parts) == 1:
        return Line(text=parts[0].text, **common)
    return Line(text="\t".join(cell.text for cell in parts), cells=parts, **common)


def from_pdf_lines(lines: list[Line]):
    doc = Document(path="built.pdf", format="pdf", sha256=SHA, page_count=lines[-1].page, lines=lines)
    return extract_document(doc)


def gold_codes(path) -> list[dict]:
    return json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))["codes"]


# --- the seeds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SEED_TEXTS + SEED_PDFS, ids=doc_id)
def test_seed_codes_equal_gold(path):
    keys = ("system", "code", "code_end", "description", "status")
    assert [{key: code[key] for key in keys} for code in codes(path)] == gold_codes(path)


@pytest.mark.parametrize("path", SEED_PDFS, ids=doc_id)
def test_pdf_codes_carry_page_and_box(path):
    for code in extracted(path).codes:
        assert code.page is not None
        assert code.box is not None and code.box.x0 < code.box.x1 and code.box.top < code.box.bottom


def test_revision_log_inside_codes_section_is_not_a_code_table():
    # Centene's revision log sits under "Coding Implications"; its rows name "CPT codes 38215 and 86950".
    assert [code["page"] for code in codes(CORPUS / "seeds" / "centene-cp-mp-101-dli.pdf")] == [3, 3, 3, 3]


# --- layout features on the corpus --------------------------------------------------------------


def test_ruled_table_split_across_pages_with_repeated_header_and_subgroup_rows():
    # UHC's CPT table runs over pages 2-6, its header row and sub-group row repeated on every page.
    found = codes(UHC / "mri-ct-scan-site-of-service.pdf")
    assert len(found) == 121
    assert {code["page"] for code in found} == {2, 3, 4, 5, 6}
    assert [code["system"] for code in found].count("CPT") == 120
    assert found[-1] == {
        "system": "HCPCS",
        "code": "S8037",
        "code_end": None,
        "description": "Magnetic resonance cholangiopancreatography (MRCP)",
        "status": "related",
        "page": 6,
        "parts": [],
    }
    descriptions = " ".join(code["description"] for code in found)
    assert "Computed Tomography" not in descriptions and "CPT Code" not in descriptions


def test_subgroup_heading_rows_are_not_codes():
    found = codes(UHC / "surgery-elbow.pdf")
    assert [code["code"] for code in found] == [
        "24360", "24361", "24362", "24363", "24365", "24366", "29834", "29835", "29836", "29837", "29838",
    ]  # fmt: skip
    assert found[0]["description"] == "Arthroplasty, elbow; with membrane (e.g., fascial)"


def test_group_headings_and_modifiers_of_an_lcd_are_not_codes():
    found = codes(CMS_LCD)
    assert len(found) == 31  # "Group 1 (8 Codes)" + "Group 2 (23 Codes)"
    assert {code["system"] for code in found} == {"HCPCS"}
    assert {code["status"] for code in found} == {"related"}  # "does not necessarily indicate coverage"
    assert not {"CG", "EY", "KF", "KS", "KX"} & {code["code"] for code in found}


def test_codes_named_in_prose_are_not_read():
    # The LCD's criteria name "code E2101", "code A4253" ...: only the coding section's tables count.
    assert {code["page"] for code in codes(CMS_LCD)} == {11, 12, 13, 14}


def test_unruled_multi_line_descriptions_joined():
    found = by_code(BARIATRIC)
    assert found["43848"]["description"] == (
        "Revision, open, of gastric restrictive procedure for morbid obesity, other than adjustable gastric "
        "restrictive device (separate procedure)"
    )
    # A line broken after a hyphen joins without a space.
    assert found["43843"]["description"].endswith("other than vertical-banded gastroplasty")


def test_wrapped_description_in_a_ruled_cell_with_a_gap():
    assert (
        by_code(CMS_LCD)["E2101"]["description"]
        == "BLOOD GLUCOSE MONITOR WITH INTEGRATED LANCING/BLOOD SAMPLE"
    )


def test_ranges_read_as_code_and_code_end():
    ranges = [(c["code"], c["code_end"]) for c in codes(BARIATRIC) if c["code_end"]]
    assert ("Z68.35", "Z68.39") in ranges and ("E66.811", "E66.89") in ranges
    assert by_code(BARIATRIC)["E66.811"]["description"] == "Other obesity"


def test_status_from_the_governing_heading():
    statuses = {(c["system"], c["code"], c["status"]) for c in codes(BARIATRIC)}
    assert ("CPT", "43644", "covered") in statuses  # "may be Medically Necessary when criteria are met"
    assert ("CPT", "43290", "not_covered") in statuses  # "When services are Not Medically Necessary"
    assert ("ICD-10-CM", "Z68.20", "not_covered") in statuses
    assert {c["status"] for c in codes(AXIAL_FUSION)} == {"not_covered"}  # "Investigational and Not ..."
    assert {c["status"] for c in codes(UHC / "surgery-knee.pdf")} == {"related"}  # "does not imply"


def test_system_from_label_rows_of_an_unruled_list():
    systems = {c["code"]: c["system"] for c in codes(BARIATRIC)}
    assert (systems["0813T"], systems["C9784"], systems["0DP60CZ"], systems["E66.01"]) == (
        "CPT",
        "HCPCS",
        "ICD-10-PCS",
        "ICD-10-CM",
    )


def test_description_only_row_without_a_code_is_a_warning():
    policy = extracted(ANTHEM / "CG-MED-57 Cardiac Stress Testing with Electrocardiogram.pdf")
    assert [c.code for c in policy.codes] == ["93015", "93016", "93017", "93018"]
    assert any("'All diagnoses' without a code" in warning for warning in policy.warnings)


def test_matrix_table_keeps_description_column_only():
    # Botulinum toxins: diagnosis codes x "Applies to HCPCS Code" columns of X marks, and a brand column.
    found = codes(UHC / "botulinum-toxins-a-and-b.pdf")
    assert [c["code"] for c in found].count("J0585") == 1  # the matrix's column titles are not codes
    first = {c["code"]: c for c in found}
    assert first["J0585"]["description"] == "Injection, onabotulinumtoxinA, 1 unit"  # no "Botox"
    assert first["C71.0"] == {
        "system": "ICD-10-CM",
        "code": "C71.0",
        "code_end": None,
        "description": "Malignant neoplasm of cerebrum, except lobes and ventricles",
        "status": "related",
        "page": 4,
        "parts": [],
    }


# --- features no corpus document prints ---------------------------------------------------------

CODING = "Coding Information\n\n"


def test_several_codes_in_one_cell_are_one_code_each():
    policy = from_text(CODING + "CPT Codes\tDescription\n38242, 38243\tDonor cell infusions\n")
    assert [(c.code, c.description) for c in policy.codes] == [
        ("38242", "Donor cell infusions"),
        ("38243", "Donor cell infusions"),
    ]


def test_asterisks_and_footnote_marks_stripped_from_codes():
    policy = from_text(CODING + "CPT®* Codes\tDescription\n38242*†\tAllogeneic lymphocyte infusions\n")
    assert [(c.system, c.code) for c in policy.codes] == [("CPT", "38242")]


def test_unknown_icd10cm_code_kept_with_a_warning():
    policy = from_text(CODING + "ICD-10-CM Codes\tDescription\nC91.00\tALL\nC91.99\tNo such code\n")
    assert [c.code for c in policy.codes] == ["C91.00", "C91.99"]
    assert [w for w in policy.warnings if "C91" in w] == [
        "page 1: ICD-10-CM code C91.99 is not in the ICD-10-CM code set; kept as printed"
    ]


def test_icd10cm_codes_printed_without_their_dot_read_in_the_dotted_form():
    policy = from_text(
        CODING
        + "ICD-10-CM Diagnosis Codes\tDescription\n"
        + "E6601\tMorbid (severe) obesity due to excess calories\n"
        + "Z6841-Z6845\tBody mass index [BMI] 40.0 and over, adult\n"
        + "M1A0710\tIdiopathic chronic gout, right ankle and foot, without tophus\n"
        + "E662\tMorbid (severe) obesity with alveolar hypoventilation\n"
    )
    assert [(c.system, c.code, c.code_end) for c in policy.codes] == [
        ("ICD-10-CM", "E66.01", None),
        ("ICD-10-CM", "Z68.41", "Z68.45"),
        ("ICD-10-CM", "M1A.0710", None),
        ("ICD-10-CM", "E66.2", None),
    ]
    assert not [w for w in policy.warnings if "code set" in w or "shape" in w]


def test_a_dotless_token_that_is_also_hcpcs_stays_hcpcs_under_a_hcpcs_header():
    # E0601 is the HCPCS code of a CPAP device; only the code set's knowledge makes a token ICD-10-CM.
    policy = from_text(
        CODING + "HCPCS Codes\tDescription\nE0601\tContinuous positive airway pressure device\n"
    )
    assert [(c.system, c.code) for c in policy.codes] == [("HCPCS", "E0601")]


def test_code_of_the_wrong_shape_for_its_column_is_a_warning():
    policy = from_text(CODING + "CPT Codes\tDescription\nJ0585\tOnabotulinumtoxinA\n")
    assert [(c.system, c.code) for c in policy.codes] == [("HCPCS", "J0585")]
    assert any("J0585 under 'CPT Codes' does not have the shape of a CPT code" in w for w in policy.warnings)


def test_row_continued_on_next_page_with_empty_code_cell():
    header = (("HCPCS Code", 40.0), ("Description", 120.0))
    policy = from_pdf_lines(
        [
            pdf_row(1, 100.0, ("Applicable Codes", 36.0)),
            pdf_row(1, 130.0, *header),
            pdf_row(1, 145.0, ("K0601", 36.0), ("Replacement battery for external infusion pump", 122.0)),
            pdf_row(2, 40.0, *header),  # the header row repeated on the next page
            pdf_row(2, 55.0, ("owned by patient, silver oxide, 1.5 volt, each", 122.0)),
            pdf_row(2, 70.0, ("K0605", 36.0), ("Replacement battery, lithium, 4.5 volt, each", 122.0)),
        ]
    )
    assert [(c.code, c.description, c.page) for c in policy.codes] == [
        ("K0601", "Replacement battery for external infusion pump owned by patient, silver oxide, 1.5 volt, each", 1),
        ("K0605", "Replacement battery, lithium, 4.5 volt, each", 2),
    ]  # fmt: skip


def test_unruled_list_read_by_baseline_whatever_the_line_order():
    # A loader may emit a narrow code column apart from its descriptions: rows are rebuilt by position.
    policy = from_pdf_lines(
        [
            pdf_row(1, 100.0, ("Coding", 36.0)),
            pdf_row(1, 120.0, ("When services are Not Medically Necessary:", 36.0)),
            pdf_row(1, 135.0, ("ICD-10 Procedure", 60.0)),
            pdf_row(1, 150.0, ("0SG00AJ-0SG00ZJ", 60.0)),
            pdf_row(1, 165.0, ("0SG03A0", 60.0)),
            pdf_row(1, 150.0, ("Fusion of lumbar vertebral joint, open", 180.0)),
            pdf_row(1, 165.0, ("Fusion of lumbar vertebral joint with interbody fusion device,", 180.0)),
            pdf_row(1, 178.0, ("percutaneous approach", 180.0)),
        ]
    )
    assert [(c.system, c.code, c.code_end, c.description, c.status) for c in policy.codes] == [
        ("ICD-10-PCS", "0SG00AJ", "0SG00ZJ", "Fusion of lumbar vertebral joint, open", "not_covered"),
        ("ICD-10-PCS", "0SG03A0", None, "Fusion of lumbar vertebral joint with interbody fusion device, "
         "percutaneous approach", "not_covered"),
    ]  # fmt: skip


# --- the pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("C81.00-C96.9", [CodeItem("C81.00", "C96.9")]),
        ("K0601-K0605", [CodeItem("K0601", "K0605")]),
        ("0SG00AJ-0SG00ZJ", [CodeItem("0SG00AJ", "0SG00ZJ")]),
        ("C91.00 - C91.02", [CodeItem("C91.00", "C91.02")]),
        ("0312T through 0317T", [CodeItem("0312T", "0317T")]),
        (
            "38242, 38243 and 38240",
            [CodeItem("38242", None), CodeItem("38243", None), CodeItem("38240", None)],
        ),
        ("E66.01*", [CodeItem("E66.01", None)]),
        ("12345-6789-01", [CodeItem("12345-6789-01", None)]),
        ("Policy developed", None),
        ("BLUNTED", None),
        ("38242 Allogeneic", None),
    ],
)
def test_split_code_cell(cell, items):
    assert split_code_cell(cell) == items


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Considered Medically Necessary when criteria in the applicable policy statements listed above are met:",
         "covered"),
        ("When services are Investigational and Not Medically Necessary:", "not_covered"),
        ("For the procedure codes listed above when criteria are not met", "not_covered"),
        ("Listing of a code in this policy does not imply that the service described by the code is a covered "
         "or non-covered health service.", "related"),
        ("The appearance of a code in this section does not necessarily indicate coverage.", "related"),
        ("Inclusion or exclusion of a procedure code does not constitute or imply member coverage. "
         "When services may be Medically Necessary when criteria are met:", "covered"),
        ("Deleted codes may not be eligible for reimbursement.", None),
    ],
)  # fmt: skip
def test_status_of(text, status):
    assert status_of(text) == status


@pytest.mark.parametrize(
    ("text", "systems"),
    [
        ("CPT®* Codes", ("CPT",)),
        ("ICD-10 Procedure", ("ICD-10-PCS",)),
        ("Diagnosis Code", ("ICD-10-CM",)),
        ("CPT/HCPCS Codes", ("CPT", "HCPCS")),
        ("Revenue Codes", ("Revenue",)),
        ("HCPCS MODIFIERS", None),
        ("restrictive device (separate procedure)", None),
        ("Reviews, Revisions, and Approvals", None),
    ],
)
def test_header_systems(text, systems):
    assert header_systems(text) == systems


def test_shapes_and_code_set():
    assert shape_systems("0813T") == ["CPT"]
    assert shape_systems("C9784") == ["HCPCS"]
    assert shape_systems("0DV64ZZ") == ["ICD-10-PCS"]
    assert shape_systems("E66.811") == ["ICD-10-CM"]
    assert shape_systems("E66811") == ["ICD-10-CM"]  # without its dot, known to the code set
    assert shape_systems("E66899") == []  # without a dot and unknown: no code of any system
    assert shape_systems("G4733") == ["HCPCS", "ICD-10-CM"]  # G47.33 is known; a header decides
    assert shape_systems("0450") == []  # a revenue code only under a revenue column
    assert shape_systems("0450", ("Revenue",)) == ["Revenue"]
    assert icd10cm_known("G35.A") and icd10cm_known("E66.811") and not icd10cm_known("C91.99")


def test_the_icd10cm_code_set_agrees_with_the_library_it_is_read_from():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the library's own data loading
        import simple_icd_10_cm as library

    assert len(icd10cm_codes()) > 90_000
    for code in sorted(icd10cm_codes()):
        assert library.is_valid_item(code) and library.is_category_or_subcategory(code), code
    for code in [
        "E66.01",
        "E6601",
        "S72.001A",
        "C7A",
        "M1A.0710",
        "Z68.41",
        "A00-A09",
        "1",
        "E660.1",
        "C91.99",
    ]:
        expected = library.is_valid_item(code) and library.is_category_or_subcategory(code)
        assert icd10cm_known(code) == expected, code


def test_descriptions_emitted_apart_from_their_codes_are_taken_back():
    # The loader reads Anthem's narrow code column as a side column and emits the descriptions after
    # the next heading ("References"): rows are rebuilt from the page's positions.
    found = by_code(AXIAL_FUSION)
    assert found["0SG33A0"]["description"] == (
        "Fusion of lumbosacral joint with interbody fusion device, anterior approach, anterior column, "
        "percutaneous approach"
    )
    assert all(code["description"] for code in found.values())


@pytest.mark.parametrize(
    "table",
    [{}, {"CC": "C"}, {"C": "C"}, {"\u0421": "CC"}, {"\u0421": "-"}, {"\u0421": 1}],
    ids=["empty", "two-characters", "ascii-key", "two-letters", "not-a-letter", "not-text"],
)
def test_a_lookalike_rule_maps_one_non_ascii_character_to_one_ascii_letter(table):
    assert _lookalikes({"\u0421": "C"}) == {0x421: "C"}  # Cyrillic Es, drawn like C
    with pytest.raises(RuleFileError, match=r"codes\.toml: \[?lookalikes"):
        _lookalikes(table)
