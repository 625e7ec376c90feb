"""Criteria trees (issue 4): the seeds equal the gold, the CMS LCD versions split their CGM list, and one
test per construct (labels, bullets, indentation, continuation, nesting, inline lists, logic, kinds,
coverage wordings, services, abbreviations)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policydiff.extract.criteria import parse_criteria, read_label
from policydiff.extract.cues import coverage_of, logic_cue
from policydiff.extract.document import Document, Line
from policydiff.extract.load import load_file
from policydiff.extract.sections import segment
from policydiff.extract.text import load_text
from policydiff.model.policy import iter_criteria
from scoring import score_criteria

from corpus import CORPUS, GOLD, SEED_PDFS, SEED_TEXTS, doc_id, extracted

KEYS = ("id", "label", "text", "kind", "coverage", "logic", "service")
LCD_VERSIONS = CORPUS / "real" / "medicare-cms" / "l33822-versions"


def projected(nodes: list[dict]) -> list[dict]:
    return [{**{key: node[key] for key in KEYS}, "children": projected(node["children"])} for node in nodes]


def criteria_of_text(text: str):
    doc = load_text(text, "inline.txt", "0" * 64)
    return parse_criteria(doc, segment(doc))


def tree(result) -> list[tuple[str, str, str | None]]:
    return [(node.id, node.kind, node.logic) for node in iter_criteria(result.criteria)]


@pytest.mark.parametrize("path", SEED_TEXTS + SEED_PDFS, ids=doc_id)
def test_seed_criteria_equal_gold(path):
    gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
    record = extracted(path).to_json_dict()
    assert projected(record["criteria"]) == projected(gold["criteria"])
    assert record["services"] == gold["services"]
    scores = score_criteria(gold["criteria"], record["criteria"])
    assert scores["recall"] == scores["precision"] == scores["parent"] == 1.0


def test_seed_abbreviations_linked_to_long_forms():
    abbreviations = extracted(CORPUS / "seeds" / "centene-cp-mp-101-dli.txt").abbreviations
    assert abbreviations["DLI"] == "donor lymphocyte infusion"
    assert abbreviations["GvHD"] == "graft-versus-host-disease"


def test_seed_quantity_on_node():
    record = extracted(CORPUS / "seeds" / "centene-cp-mp-101-dli.txt")
    node = next(node for node in iter_criteria(record.criteria) if node.id == "II.C")
    assert [(q.quantity, q.comparator, q.value) for q in node.quantities] == [("grade", ">", 2)]


@pytest.mark.parametrize(("year", "count"), [("2020", 6), ("2021", 5)])
def test_lcd_cgm_criteria_are_separate_nodes(year, count):
    doc = load_file(LCD_VERSIONS / f"L33822_{year}.txt")
    result = parse_criteria(doc, segment(doc))
    head = next(
        node for node in result.criteria if node.text.startswith("Therapeutic CGMs and related supplies")
    )
    assert (head.kind, head.coverage, head.logic) == ("statement", "medically_necessary", "all")
    assert [child.label for child in head.children] == [f"{n}." for n in range(1, count + 1)]
    frequent = [child for child in head.children if "four or more times a day" in child.text]
    assert len(frequent) == (1 if year == "2020" else 0)


def test_lcd_wrapped_inline_enumeration_is_not_a_list():
    """'it must 1) be eligible ..., \\n2) be reasonable ...': a wrapped sentence, not an item "2)"."""
    doc = load_file(LCD_VERSIONS / "L33822_2021.txt")
    first = parse_criteria(doc, segment(doc)).criteria[0]
    assert first.children == [] and "2) be reasonable and necessary" in first.text


def test_a_list_under_an_unfinished_item_is_a_list_when_each_line_carries_the_next_label():
    # BCBSM: "1. Testing of an affected ... to benefit the individual" / "(excluding reproductive testing)"
    # / "a. Diagnostic" / "b. Prognostic" / "c. Therapeutic": an enumeration wraps at one label, not at
    # each, so these are the item's sub-items. The "o" sub-bullets before lower case are items too.
    path = CORPUS / "tracker" / "bcbsm" / "bcbsm_bcbsm-genetic-testing-counseling_2026-02-05_c494cf33f78a.pdf"
    roots = extracted(path).criteria
    first = roots[1].children[0]
    assert first.text.endswith("to benefit the individual (excluding reproductive testing)")
    assert [child.text for child in first.children] == ["Diagnostic", "Prognostic", "Therapeutic"]
    appropriate = next(
        node for node in iter_criteria(roots) if node.text.startswith("testing is not clinically")
    )
    assert [child.text[:40] for child in appropriate.children] == [
        "testing performed entirely for nonmedica",
        "testing not expected to provide a defini",
    ]


def test_short_heads_under_a_lead_in_are_its_items_with_their_bullets_under_them():
    # BCBSMA: "... is considered MEDICALLY NECESSARY when the following criteria have been met:" /
    # "Diagnosis:" / bullets / "Progression:" / bullets. The heads were roots and the lead-in announced
    # a list that never came (a warning said so).
    path = CORPUS / "tracker" / "bcbsma" / "bcbsma_bcbsma-ctdna-797_2026-02-05_e4bfb11dc3a5.pdf"
    record = extracted(path)
    statement = next(node for node in record.criteria if node.text.startswith("Plasma-based"))
    assert [child.text for child in statement.children] == ["Diagnosis:", "Progression:"]
    assert [len(child.children) for child in statement.children] == [2, 2]
    assert not any("announces a list" in str(warning) for warning in record.warnings)


def test_a_bullet_before_a_number_starts_an_item():
    # Highmark L-113: "• 5-Fluorouracil (5-FU) Toxicity ..." was read as a paragraph, and the seven tests
    # after it hung from it instead of from "Pharmacogenomic Panels are considered experimental/...".
    path = CORPUS / "tracker" / "highmark" / "highmark_highmark-l113_2026-02-05_d4e017a69857.html"
    panels = next(node for node in extracted(path).criteria if node.text.startswith("Pharmacogenomic Panels"))
    names = [child.text.split(" [")[0] for child in panels.children]
    assert names[:2] == ["5-Fluorouracil (5-FU) Toxicity and Chemotherapeutic Response", "Genecept Assay"]
    assert len(names) == 8


# ---------------------------------------------------------------------------------------- structure

NESTED = """Policy

I. The procedure is medically necessary when all of the following are met:
 A. Age 18 years or older; and
 B. One of the following:
  1. Condition one; or
  2. Condition two with any of the following:
   a. Finding a; or
   b. Finding b
    (1) detail one
    (2) detail two
II. The procedure is considered experimental/investigational for all other indications.
"""


def test_labels_nest_four_levels_and_more():
    result = criteria_of_text(NESTED)
    ids = [node_id for node_id, _, _ in tree(result)]
    assert ids == ["I", "I.A", "I.B", "I.B.1", "I.B.2", "I.B.2.a", "I.B.2.b", "I.B.2.b.1", "I.B.2.b.2", "II"]


def test_bullets_nest_under_the_item_that_announces_them():
    result = criteria_of_text(
        "Criteria\n\nX is medically necessary for any of the following:\n\n• one\n• two\n\nX is not covered for other uses.\n"
    )
    assert tree(result) == [
        ("1", "statement", "any"),
        ("1.1", "indication", None),
        ("1.2", "indication", None),
        ("2", "exclusion", None),
    ]


def test_indentation_nests_unlabelled_items():
    lines = [
        Line("Sleep testing is medically necessary when:", 1, x0=36, top=0, x1=300, bottom=10),
        Line("The individual is a child; or", 1, x0=54, top=12, x1=200, bottom=22),
        Line("The individual has one of the following:", 1, x0=54, top=24, x1=300, bottom=34),
        Line("Condition A", 1, x0=72, top=36, x1=130, bottom=46),
        Line("Condition B", 1, x0=72, top=48, x1=130, bottom=58),
        Line("Also, refer to the section below.", 1, x0=36, top=60, x1=300, bottom=70),
    ]
    doc = Document(
        path="x.pdf",
        format="pdf",
        sha256="0" * 64,
        page_count=1,
        lines=[Line("Coverage Rationale", 1, x0=36, top=-20, x1=200, bottom=-10), *lines],
    )
    result = parse_criteria(doc, segment(doc))
    assert tree(result) == [
        ("1", "statement", "any"), ("1.1", "indication", None), ("1.2", "requirement", "any"),
        ("1.2.1", "indication", None), ("1.2.2", "indication", None), ("2", "note", None),
    ]  # fmt: skip
    assert result.criteria[0].box is not None and result.criteria[0].page == 1


def test_item_continued_across_lines_and_pages():
    lines = [
        Line("Coverage Policy", 1, x0=36, top=0, x1=200, bottom=10, bold=True),
        Line(
            "1. The beneficiary has been using a monitor and performing frequent",
            1,
            x0=36,
            top=12,
            x1=500,
            bottom=22,
        ),
        Line("testing at home; and", 2, x0=50, top=40, x1=200, bottom=50),
        Line("2. The beneficiary is insulin-treated.", 2, x0=36, top=52, x1=300, bottom=62),
    ]
    doc = Document(path="x.pdf", format="pdf", sha256="0" * 64, page_count=2, lines=lines)
    nodes = parse_criteria(doc, segment(doc)).criteria
    assert [node.text for node in nodes] == [
        "The beneficiary has been using a monitor and performing frequent testing at home; and",
        "The beneficiary is insulin-treated.",
    ]
    assert [node.page for node in nodes] == [1, 2]


def test_inline_list_becomes_children():
    result = criteria_of_text(
        "Criteria\n\nHPC boost is medically necessary for EITHER of the following: promote engraftment; or enhancement of chimerism.\n"
    )
    (head,) = result.criteria
    assert (head.logic, [child.text for child in head.children]) == (
        "any",
        ["promote engraftment", "enhancement of chimerism"],
    )


# -------------------------------------------------------------------------------------------- logic


@pytest.mark.parametrize(
    ("text", "logic"),
    [
        ("X is medically necessary when all of the following are met:", "all"),
        ("the beneficiary must meet each of the following:", "all"),
        ("X is medically necessary for any of the following indications:", "any"),
        ("meets at least one of the following:", "any"),
        ("for EITHER of the following indications:", "any"),
        ("Does not have ANY of the following absolute contraindications:", "none"),
        ("None of the following are present:", "none"),
    ],
)
def test_logic_cues(text, logic):
    assert logic_cue(text) == logic


def test_trailing_conjunctions_give_logic():
    result = criteria_of_text(
        "Criteria\n\nX is medically necessary when:\n\n1. a is present; and\n2. b is present; and\n3. c is present.\n"
    )
    assert result.criteria[0].logic == "all"


def test_mixed_and_or_is_left_open_with_a_warning():
    result = criteria_of_text(
        "Criteria\n\nX is medically necessary when:\n\n1. a is present; and\n2. b is present; or\n3. c is present.\n"
    )
    assert result.criteria[0].logic is None
    [mixed] = [warning for warning in result.warnings if warning.code == "criteria.mixed_conjunctions"]
    assert "mix 'and' and 'or'" in mixed.message and mixed.item == result.criteria[0].id


# ---------------------------------------------------------------------------------- kinds, coverage


@pytest.mark.parametrize(
    ("text", "coverage"),
    [
        (
            "current evidence does not support the use of DLI for any of the following:",
            "not_medically_necessary",
        ),
        ("MWT is unproven and not medically necessary in children.", "not_medically_necessary"),
        (
            "Bariatric surgery is considered Investigational and Not Medically Necessary.",
            "experimental_investigational",
        ),
        (
            "DLI and HPC boost are considered not medically necessary for any other indication.",
            "not_medically_necessary",
        ),
        ("Cosmetic surgery is not covered.", "not_covered"),
        ("DLI is considered medically necessary following HSCT.", "medically_necessary"),
        ("the item(s) will be denied as not reasonable and necessary.", "not_medically_necessary"),
        # BCBS Michigan: "established" beside "investigational"
        (
            "The use of ctDNA is established when ALL of the following criteria are met.",
            "medically_necessary",
        ),
        ("A PLA test is considered established when the following criteria are met:", "medically_necessary"),
        ("Medical necessity of ctDNA testing has not been established.", "not_medically_necessary"),
        # eviCore: a modal's negation before its "be" (read as medically necessary before).
        (
            "Testing would not be considered medically necessary when prescribed for indications that do "
            "not require the companion diagnostic.",
            "not_medically_necessary",
        ),
        # BCBS Tennessee: "medically appropriate" for medically necessary (no coverage read before).
        (
            "Circulating tumor DNA (liquid biopsy) companion diagnostic assays to guide in prescribing certain "
            "medications is considered medically appropriate if ALL of the following are met:",
            "medically_necessary",
        ),
        ("The test is not considered medically appropriate for screening.", "not_medically_necessary"),
        # BCBS North Carolina's policy statement (a note before)
        (
            "BCBSNC will provide coverage for liquid biopsy in cancer management when it is determined the "
            "medical criteria or reimbursement guidelines below are met.",
            "medically_necessary",
        ),
        ("The plan will not provide coverage for cosmetic surgery.", "not_covered"),
    ],
)
def test_coverage_wordings(text, coverage):
    assert coverage_of(text)[0] == coverage


def test_a_diagnosis_established_by_a_test_states_no_coverage():
    assert coverage_of("The diagnosis is established by biopsy.") is None


def test_lone_coverage_sentences_are_indication_or_exclusion():
    result = criteria_of_text(
        "Criteria\n\nDLI is considered medically necessary after HSCT.\n\nDLI is considered not medically necessary for any other indication.\n\nNote: DLI is given by infusion.\n"
    )
    assert [(node.kind, node.coverage) for node in result.criteria] == [
        ("indication", "medically_necessary"), ("exclusion", "not_medically_necessary"), ("note", None),
    ]  # fmt: skip


def test_items_of_none_group_are_contraindications():
    result = criteria_of_text(
        NESTED.replace("B. One of the following:", "B. Does not have any of the following:")
    )
    group = result.criteria[0].children[1]
    assert (group.kind, group.logic) == ("requirement", "none")
    assert [child.kind for child in group.children] == ["contraindication", "requirement"]  # a leaf, a group


# -------------------------------------------------------------------------------------------- services


def test_services_stated_separately_and_expanded():
    text = (
        "Overview\n\nThis policy addresses donor lymphocyte infusion (DLI) and hematopoietic progenitor cell (HPC) boost.\n\n"
        "Criteria\n\nDLI is considered medically necessary after HSCT.\n\nHPC boost is considered medically necessary after HSCT.\n\n"
        "DLI and HPC boost are considered not medically necessary for any other indication.\n"
    )
    result = criteria_of_text(text)
    assert [node.service for node in result.criteria] == [
        "Donor lymphocyte infusion",
        "Hematopoietic progenitor cell boost",
        None,
    ]
    assert result.services == ["Donor lymphocyte infusion", "Hematopoietic progenitor cell boost"]


UHC_ONCOLOGY = CORPUS / "tracker" / "uhc" / "uhc_uhc-molecular-oncology_2026-02-05_12543c739d43.pdf"


def test_abbreviations_with_a_hyphen_or_before_punctuation_are_defined():
    # Issue 19: the record's abbreviations came from a spaCy Matcher beside the comparison's regex, and
    # its tokens missed short forms with a hyphen and many definitions such as UHC's "Apnea Hypopnea
    # Index (AHI)". One finder now serves both (126 definitions more over the corpus, none lost).
    sleep = extracted(CORPUS / "real" / "uhc" / "sleep-studies.pdf").abbreviations
    assert sleep["AHI"] == "Apnea Hypopnea Index"
    assert sleep["CPAP"] == "Continuous Positive Airway Pressure"
    oncology = extracted(UHC_ONCOLOGY).abbreviations
    assert oncology["RT-PCR"] == "reverse transcription polymerase chain reaction"
    assert oncology["PD-L1"] == "programmed death ligand 1"


def test_a_long_form_carries_no_mark_and_opens_with_the_short_forms_first_letter():
    # "/myelodysplastic syndrome", "[National Cancer Institute" kept the mark before the first word.
    assert extracted(CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf").abbreviations["MDS"] == (
        "myelodysplastic syndrome"
    )
    oncology = extracted(UHC_ONCOLOGY).abbreviations
    assert (oncology["NCI"], oncology["cfDNA"]) == ("National Cancer Institute", "cell-free DNA")
    # "(MP-UL) or low non-ultralow risk (MP-LNUL)": cut after the ")" the words spell nothing.
    assert "MP-LNUL" not in oncology and "MP-LR" not in oncology


def test_rule_files_load():
    from policydiff.extract.cues import criteria_rules
    from policydiff.extract.services import service_rules

    assert criteria_rules().coverage and service_rules().matchers["lead"]


def test_real_pdfs_have_criteria(tmp_path: Path):
    for name in ("uhc/sleep-studies.pdf", "medicare-cms/LCD - Glucose Monitors (L33822).pdf"):
        record = extracted(CORPUS / "real" / name)
        assert any(node.kind == "statement" for node in record.criteria)


# ------------------------------------------------------------------------------- kinds from context (issue 16)

LEAD_INS = """Policy

Service X is medically necessary when ALL of the following are met:
• The patient has condition Y; and
• Surgery is contraindicated or declined; and
• The patient is 18 years of age or older.

Service X is medically necessary for ONE of the following:
• Diagnosis A
• Diagnosis B requiring prior authorization

Service X is not medically necessary when the patient has any of the following:
• Pregnancy
• Active infection

This policy does not address Service W.

Benefits may vary between plans; refer to the member's contract.
"""


def test_a_lead_in_decides_the_kind_of_its_items_not_their_own_words():
    kinds = {node.text: node.kind for node in iter_criteria(criteria_of_text(LEAD_INS).criteria)}
    assert kinds["The patient has condition Y; and"] == "requirement"
    assert (
        kinds["Surgery is contraindicated or declined; and"] == "requirement"
    )  # "contraindicat" is not enough
    assert kinds["Diagnosis A"] == kinds["Diagnosis B requiring prior authorization"] == "indication"
    assert kinds["Pregnancy"] == kinds["Active infection"] == "exclusion"
    assert kinds["This policy does not address Service W."] == "note"
    assert kinds["Benefits may vary between plans; refer to the member's contract."] == "note"


def test_a_group_head_naming_a_use_is_an_indication_and_a_grouping_head_a_requirement():
    result = criteria_of_text(
        "Policy\n\nTesting is medically necessary when ONE of the following is met:\n\n"
        "A. Prostate Cancer:\n 1. Metastatic disease; and\n 2. Candidate for a PARP inhibitor.\n"
        "B. Meets all of the following criteria:\n 1. Tissue is unavailable; and\n 2. No prior test.\n"
    )
    kinds = {node.id: node.kind for node in iter_criteria(result.criteria)}
    assert kinds["1.A"] == "indication"
    assert kinds["1.B"] == "requirement"
    assert kinds["1.A.1"] == kinds["1.B.2"] == "requirement"


def test_page_numbers_and_code_rows_in_a_criteria_section_are_no_criteria():
    policy = extracted(CORPUS / "tracker" / "bcbsma" / "bcbsma_bcbsma-ctdna-797_2026-02-05_e4bfb11dc3a5.pdf")
    texts = [node.text for node in iter_criteria(policy.criteria)]
    assert not [text for text in texts if text.isdigit() or text.startswith(("81445", "81455", "CPT codes"))]
    (diagnosis,) = [node for node in iter_criteria(policy.criteria) if node.text == "Diagnosis:"]
    # "... or invasive biopsy is medically contraindicated), AND": a condition of an ALL list.
    assert [child.kind for child in diagnosis.children] == ["requirement", "requirement"]
    (progression,) = [node for node in iter_criteria(policy.criteria) if node.text == "Progression:"]
    assert progression.logic == "any" and {child.kind for child in progression.children} == {"indication"}


def test_a_heading_over_bullets_heads_them_and_a_running_footer_breaks_nothing():
    policy = extracted(
        CORPUS / "tracker" / "evicore" / "evicore_evicore-liquid-biopsy-2026_2026-02-05_26bd2acf12a0.pdf"
    )
    nodes = list(iter_criteria(policy.criteria))
    (esr1,) = [node for node in nodes if node.text == "ESR1 Liquid Biopsy Test"]
    assert len(esr1.children) == 5 and esr1.logic == "all"
    assert {child.kind for child in esr1.children} == {"requirement"}
    assert not [node for node in nodes if node.text.startswith("These guidelines apply to services")]


def test_external_criteria_sets_are_notes_under_their_statement():
    policy = extracted(CORPUS / "real" / "uhc" / "surgery-knee.pdf")
    first, link = policy.criteria[0], policy.criteria[1]
    assert first.kind == "statement" and first.coverage == "medically_necessary"
    assert first.children and {child.kind for child in first.children} == {"note"}  # InterQual subsets
    assert link.kind == "note" and link.text.startswith("Click here")


def test_the_lead_in_cue_wins_over_conflicting_conjunctions_with_a_warning():
    result = criteria_of_text(
        "Policy\n\nX is medically necessary for any of the following:\n\n• condition one; and\n• condition two\n"
    )
    assert tree(result)[0] == ("1", "statement", "any")
    assert any("read as 'any', check it by hand" in warning.message for warning in result.warnings)


def test_a_population_line_over_a_coverage_sentence_is_not_its_subject():
    # Carelon prints "Individuals with locally advanced (stage IIIb), recurrent, or metastatic non-small cell
    # lung cancer" (no full stop) over "Liquid (ctDNA) based testing is considered medically necessary
    # ...": read as one sentence, the population became part of the service's name.
    policy = extracted(
        CORPUS / "tracker" / "carelon" / "carelon_carelon-liquid-biopsy-2025_2026-02-05_7b656afb3d46.pdf"
    )
    texts = [node.text for node in iter_criteria(policy.criteria)]
    assert any(
        text.startswith(
            "Liquid (ctDNA) based testing is considered medically necessary for individuals with pathologically confirmed locally advanced (stage IIIb)"
        )
        for text in texts
    )
    assert not any("lung" in service.lower() for service in policy.services), policy.services


def test_a_conjunction_on_a_line_of_its_own_ends_the_item_before_it():
    # Anthem GENE.00013 sets "and" between "A." (whose last item ends in a full stop) and "B.": no node of
    # its own, and B stays A's sibling.
    policy = extracted(CORPUS / "tracker" / "anthem" / "anthem_anthem-gene-13_2026-02-05_03e99b153c66.pdf")
    texts = [node.text for node in iter_criteria(policy.criteria)]
    assert "and" not in texts
    first = policy.criteria[0]
    assert [child.label for child in first.children][:2] == ["A.", "B."]
    assert first.children[0].children[1].children[2].text.endswith("genetic condition; and")


def test_an_outline_list_after_a_bullet_list_of_notes_is_not_inside_its_last_bullet():
    # Regence LAB.46: "Notes:" over four bullets ("This policy does not address ..."), then "I. The use of
    # cell-free tumor DNA testing ... may be considered medically necessary when either of the following".
    policy = extracted(CORPUS / "tracker" / "regence" / "regence_regence-lab46_2026-02-05_f122c3a56cb1.pdf")
    labels = [node.label for node in policy.criteria]
    assert [label for label in labels if label in ("I.", "II.", "III.")] == ["I.", "II.", "III."]
    first = next(node for node in policy.criteria if node.label == "I.")
    assert first.kind == "statement" and [child.label for child in first.children] == ["A.", "B."]


SCANNING = (
    CORPUS
    / "payment-policies"
    / "wellcare-ky"
    / "Scanning-Computerized-Ophthalmic-Diagnostic-Imaging-CPVP14-PDF.pdf"
)


def test_a_number_label_set_close_to_its_word_is_a_label():
    # WellCare CPVP14 prints its lists' items 10 to 17 with no space after the number in the text layer
    # pdfminer reads ("10.Visual field defects;"): they had no label, and ids that collided with items 7
    # to 9's. Read in the document: the anterior list ends "10. Visual field defects; 11. Ocular injury;
    # 12. Diabetic eye disease; 13. Orbital cellulitis, ...", the posterior one runs to "17. Baseline and
    # annual evaluation of patients using chloroquine ..." with an item "a." under it.
    labelled = {(node.label, node.text) for node in iter_criteria(extracted(SCANNING).criteria)}
    assert {
        ("10.", "Visual field defects;"),
        ("11.", "Ocular injury;"),
        ("12.", "Diabetic eye disease;"),
    } <= (labelled)
    assert ("13.", "Degenerative myopia;") in labelled
    [baseline] = [
        node
        for node in iter_criteria(extracted(SCANNING).criteria)
        if node.text.startswith("Baseline and annual")
    ]
    assert baseline.label == "17." and [child.label for child in baseline.children][:1] == ["a."]
    # A decimal or a word after a letter is no label.
    assert read_label("2.5 mg daily") is None
    assert read_label("U.S. Food and Drug Administration") is None


def test_an_item_s_box_holds_every_line_of_it_on_its_page():
    # Issue 19: an item's provenance was its first line's box, so a reader shown where a criterion or a
    # reference stands saw one line of three. The box is now around all of the item's lines on its page.
    path = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf"
    record, doc = extracted(path), load_file(path)
    for item, opening in (
        (record.criteria[0], "Donor lymphocyte infusion (DLI)"),
        (record.references[0], "1. Arellano"),
    ):
        text = " ".join(item.text.split())
        first = next(
            i for i, line in enumerate(doc.lines) if line.page == item.page and line.text.startswith(opening)
        )
        lines = [doc.lines[first]]
        for line in doc.lines[first + 1 :]:
            if " ".join(line.text.split()) not in text:
                break
            lines.append(line)
        # Reference 1 goes on over a page break: its box is where it starts, on page 8.
        lines = [line for line in lines if line.page == item.page]
        assert len(lines) >= 2, item.text
        box = item.box
        for line in lines:
            assert (
                box.x0 <= line.x0 and box.top <= line.top and line.x1 <= box.x1 and line.bottom <= box.bottom
            )


ANTHEM_TRACKER = CORPUS / "tracker" / "anthem"


def test_a_coverage_position_over_its_statement_is_a_heading_in_plain_text_and_html_too():
    # Anthem's Position Statement: "Investigational and Not Medically Necessary:" over "Oncologic hybrid
    # personalized molecular residual disease (MRD) tests are considered investigational and not medically
    # necessary for all indications." A PDF sets the label bold (a heading); a tracker's text and the web page
    # keep no bold, and the label was a criterion of its own (tests/expected/README.md: headings are not
    # nodes when a coverage sentence of their own follows them).
    gene_59 = extracted(ANTHEM_TRACKER / "anthem_anthem-gene-59_2026-02-05_404195f9e6bf.pdf")
    assert [node.text for node in gene_59.criteria] == [
        "Oncologic hybrid personalized molecular residual disease (MRD) tests are considered investigational "
        "and not medically necessary for all indications."
    ]
    lab_15 = extracted(ANTHEM_TRACKER / "anthem_anthem-lab-00015_2026-02-05_185474c0c32a.html")
    assert [node.text for node in lab_15.criteria] == [
        "Detection of circulating tumor cells in the blood is considered investigational and not medically "
        "necessary in the management of individuals with cancer."
    ]


def test_a_print_stamp_is_no_part_of_a_criterion():
    # The tracker's text of Anthem's GENE.00013 keeps "PDF created on 12-21-2022" at the foot of page 1, right
    # above the first criterion's text on page 2: it opened that criterion.
    gene_13 = extracted(ANTHEM_TRACKER / "anthem_anthem-gene-13_2026-02-05_03e99b153c66.pdf")
    assert gene_13.criteria[0].text.startswith(
        "Testing of individual genes for germline genetic diseases is considered medically necessary"
    )
