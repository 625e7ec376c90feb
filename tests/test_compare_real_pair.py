"""Cross-payer comparison on one service from two real payers: Anthem CG-SURG-83 (bariatric surgery)
against Medicare NCD 100.1 (bariatric surgery for co-morbid conditions related to morbid obesity).

Every assertion was checked by eye against both texts. The two payers cut the field into services
differently (Anthem: initial, revision, repair, endoluminal, "all other" procedures; the NCD: covered
procedures, a non-covered list, MAC discretion), so most shared rows join statements filed under
services that do not correspond.
"""

from __future__ import annotations

import pytest
from policydiff.diff.compare import compare_policies
from policydiff.model import ABSENT, Comparison, iter_criteria

from corpus import CORPUS, extracted

ANTHEM_BARIATRIC = (
    CORPUS
    / "real"
    / "anthem"
    / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
)
NCD_BARIATRIC = (
    CORPUS
    / "real"
    / "medicare-cms"
    / "NCD - Bariatric Surgery for Treatment of Co-Morbid Conditions Related to Morbid Obesity (100.1).html"
)


@pytest.fixture(scope="module")
def pair() -> Comparison:
    return compare_policies([extracted(ANTHEM_BARIATRIC), extracted(NCD_BARIATRIC)])


def concept_holding(comparison: Comparison, key: str, criterion: str):
    [concept] = [concept for concept in comparison.concepts if criterion in concept.members[key]]
    return concept


def cms_facets(concept) -> list[str]:
    return [member.facet for member in concept.texts["cms"]]


def test_the_two_payers_are_keyed_anthem_and_cms(pair):
    assert [policy.key for policy in pair.policies] == ["anthem", "cms"]


def test_laparoscopic_banding_is_one_service_named_by_both_payers(pair):
    [group] = [group for group in pair.services if group.label == "Laparoscopic adjustable gastric banding"]
    assert group.match == "same"
    assert set(group.names) == {"anthem", "cms"}


def test_the_ncds_non_covered_procedures_are_read_as_its_exclusions(pair):
    # NCD 100.1 C: a list of six procedures non-covered for all beneficiaries, drawn without bullets.
    for criterion in ("7.1", "7.2", "7.3", "7.4", "7.5", "7.6"):
        concept = concept_holding(pair, "cms", criterion)
        assert concept.kind == "exclusion"
        assert [member.polarity for member in concept.texts["cms"]] == ["excludes"]


@pytest.mark.parametrize(
    ("criterion", "facet_start"),
    [
        ("7.1", "Open adjustable gastric banding"),  # Anthem covers only laparoscopic banding
        ("7.2", "Open sleeve gastrectomy"),  # Anthem names no approach for the sleeve
        ("2", "Effective for dates of service on and after February 21, 2006"),  # facility certification
        ("6", "under the Medicare program"),  # supplemented fasting
    ],
)
def test_statements_only_the_ncd_makes_stand_on_its_side_only(pair, criterion, facet_start):
    concepts = [concept for concept in pair.concepts if criterion in concept.members["cms"]]
    assert concepts[0].texts["cms"][0].facet.startswith(facet_start)
    for concept in concepts:  # a sentence naming two things is cut in two rows
        assert concept.stated_by == ["cms"]
        assert concept.members["anthem"] == []


@pytest.mark.parametrize(
    "criterion",
    [
        "1.A",  # age 18 or older: the NCD sets no age
        "1.B.2",  # endoscopic sleeve gastroplasty: the NCD does not name it
        "1.D.4",  # pre-operative education: the NCD does not require it
    ],
)
def test_statements_only_anthem_makes_stand_on_its_side_only(pair, criterion):
    concept = concept_holding(pair, "anthem", criterion)
    assert concept.stated_by == ["anthem"]
    assert concept.members["cms"] == []


def test_the_ncds_three_conditions_for_sleeve_gastrectomy_keep_their_letters(pair):
    # "only when all of the following conditions a.-c. are satisfied" (<ol type="a">).
    for criterion in ("8.a", "8.b", "8.c"):
        concept = concept_holding(pair, "cms", criterion)
        assert concept.texts["cms"][-1].id == criterion
    assert (
        concept_holding(pair, "cms", "8.a")
        .texts["cms"][-1]
        .facet.startswith("The beneficiary has a body-mass")
    )


def test_the_ncd_lists_no_codes_so_its_column_is_absent(pair):
    assert pair.codes
    assert {row.members["cms"] for row in pair.codes} == {ABSENT}
    assert "CMS 100.1: no codes were read, so its codes all show as absent" in pair.warnings
    # Anthem lists 93 codes, some in two tables: 77 rows of the matrix.
    assert {policy.key: policy.code_count for policy in pair.policies} == {"anthem": 93, "cms": 0}
    assert len(pair.codes) == 77


def test_a_policy_that_lists_no_codes_makes_no_code_treated_differently_in_the_report(pair):
    from policydiff.html_report import compare_html
    from selectolax.lexbor import LexborHTMLParser

    page = LexborHTMLParser(compare_html(pair))
    assert page.css_first('[data-count="codes-differing"] .number').text() == "0"
    cms_cells = page.css('#code-matrix td[data-status="no-codes"]')
    assert len(cms_cells) == len(pair.codes)
    assert all(cell.text().strip() == "— lists no codes" for cell in cms_cells)


@pytest.mark.parametrize(
    ("code", "anthem_status"),
    [
        ("43644", "covered"),  # laparoscopic Roux-en-Y gastric bypass
        ("43770", "covered"),  # laparoscopic adjustable gastric band placement
        ("43842", "not_covered"),  # vertical-banded gastroplasty
        ("43290", "not_covered"),  # endoscopic deployment of an intragastric bariatric balloon
    ],
)
def test_code_matrix_cells(pair, code, anthem_status):
    [row] = [row for row in pair.codes if row.code == code]
    assert row.members == {"anthem": anthem_status, "cms": ABSENT}


@pytest.mark.parametrize(
    ("anthem", "cms"),
    [
        ("7.L", "7.4"),  # vertical banded gastroplasty: not medically necessary / non-covered
        ("7.H", "7.6"),  # balloon systems / gastric balloon for treatment of obesity
    ],
)
def test_exclusions_both_payers_state_share_a_row(pair, anthem, cms):
    # Anthem files them under "all other gastric bypass/restrictive procedures", the NCD under its
    # list of non-covered bariatric surgery procedures: services neither payer names alike.
    concept = concept_holding(pair, "anthem", anthem)
    assert concept.kind == "exclusion"
    assert concept.members == {"anthem": [anthem], "cms": [cms]}


@pytest.mark.parametrize(
    ("anthem", "cms", "cms_facet"),
    [
        # "A body mass index (BMI) of one of the following: 35 or greater with an obesity-related
        # co-morbid condition" / "at least one co-morbidity related to obesity" (1 and 8.b)
        ("1.C.2", "8.b", "The beneficiary has at least one co-morbidity related to obesity"),
        # "Inadequate weight loss despite ... conservative medical therapy" / "previously
        # unsuccessful with medical treatment for obesity" (1 and 8.c)
        ("1.D.2", "8.c", "The beneficiary has been previously unsuccessful with medical treatment"),
    ],
)
def test_coverage_conditions_both_payers_state_share_a_row(pair, anthem, cms, cms_facet):
    concept = concept_holding(pair, "anthem", anthem)
    assert concept.members["anthem"] == [anthem]
    # The NCD states each condition twice: for the covered procedures (1) and for MACs' sleeve
    # gastrectomy decisions (8.a-c, "all of the following conditions a.-c.").
    assert concept.members["cms"] == ["1", cms]
    assert cms_facets(concept)[-1].startswith(cms_facet)


def test_the_ncds_conditions_a_to_c_are_read_as_conditions(pair):
    for criterion in ("8.a", "8.b", "8.c"):
        [member] = concept_holding(pair, "cms", criterion).texts["cms"][-1:]
        assert member.polarity in ("covers", "requires")


def test_bmi_thresholds_share_a_row_and_anthem_sets_the_higher_bar(pair):
    # Anthem 1.C.1: "A body mass index (BMI) of ... 40 or greater" (the route without a co-morbidity);
    # NCD: "body-mass index >= 35" (1) and "(BMI) >= 35 kg/m2" (8.a), always with a co-morbidity.
    concept = concept_holding(pair, "anthem", "1.C.1")
    assert concept.members == {"anthem": ["1.C.1"], "cms": ["1", "8.a"]}
    [bmi] = concept.quantities
    assert bmi.quantity == "bmi"
    assert (bmi.stricter, bmi.looser) == (["anthem"], ["cms"])
    assert [value.value for value in bmi.values["anthem"]] == [40.0]
    assert {value.value for value in bmi.values["cms"]} == {35.0}


@pytest.mark.parametrize(
    ("anthem", "cms_facet"),
    [
        ("1.B.3", "laparoscopic adjustable gastric banding (LAGB)"),
        ("1.B.1", "open and laparoscopic Biliopancreatic Diversion with Duodenal Switch"),
        ("1.B.4", "Open and laparoscopic Roux-en-Y gastric bypass (RYGBP)"),
    ],
)
def test_procedures_both_payers_cover_share_a_row(pair, anthem, cms_facet):
    # NCD B: "Open and laparoscopic RYGBP, open and laparoscopic BPD/DS or BPD/GRDS, and LAGB are
    # covered for ..." - each procedure of the sentence's subject is a row of its own.
    concept = concept_holding(pair, "anthem", anthem)
    assert concept.members == {"anthem": [anthem], "cms": ["1"]}
    assert [member.polarity for member in concept.texts["cms"]] == ["covers"]
    assert cms_facets(concept)[0].startswith(cms_facet)


@pytest.mark.parametrize(
    "criterion",
    [
        "7.C",  # biliopancreatic bypass WITHOUT duodenal switch: not the NCD's BPD with duodenal switch
        "1.B.7",  # sleeve gastrectomy: the NCD covers none nationally (8: left to MACs)
        "1.C.2.a",  # diabetes mellitus as an example of co-morbidity: the NCD's note 3 is not a condition
    ],
)
def test_more_statements_only_anthem_makes_stand_on_its_side_only(pair, criterion):
    concept = concept_holding(pair, "anthem", criterion)
    assert concept.members["cms"] == []


def test_no_contradiction_between_the_pair(pair):
    # Read by eye: Anthem excludes "BMI below 35" where the NCD covers "BMI >= 35" (they agree);
    # Anthem excludes BPD *without* duodenal switch where the NCD covers BPD *with* it.
    assert pair.contradictions == []


def test_ncd_metadata_number_and_effective_date():
    ncd = extracted(NCD_BARIATRIC)
    assert (ncd.policy_number, ncd.dates.effective) == ("100.1", "2013-09-24")
    assert ncd.title.startswith("NCD 100.1: Bariatric Surgery")


def test_ncds_non_covered_list_excludes_each_item_on_its_own():
    # "...; Intestinal bypass surgery; and, Gastric balloon ...": the trailing "and" closes the list.
    [heading] = [node for node in extracted(NCD_BARIATRIC).criteria if node.id == "7"]
    assert (heading.logic, heading.service) == ("any", "Bariatric surgery procedures")


def test_anthem_bmi_items_measure_what_their_lead_in_names():
    # "A body mass index (BMI) of one of the following: 40 or greater, or 35 or greater with ..."
    nodes = {node.id: node for node in iter_criteria(extracted(ANTHEM_BARIATRIC).criteria)}
    assert nodes["1.C"].quantities == []  # "one of the following" is the list's logic, not a BMI of 1
    for item, value in (("1.C.1", 40.0), ("1.C.2", 35.0)):
        [bmi] = nodes[item].quantities
        assert (bmi.quantity, bmi.comparator, bmi.value) == ("BMI", ">=", value)
