"""Three policies on bariatric surgery side by side: Anthem CG-SURG-83, Medicare NCD 100.1 and the
Novitas LCD L35022 that applies the NCD locally.

Every assertion was checked by eye against the three texts. The LCD restates the NCD's bar by
reference ("meets BMI requirements stated in national policy") and adds its own lists: co-morbid
conditions, what counts as failed medical treatment, contraindications, follow-up care. So it
shares rows with Anthem on the conditions and evaluations both spell out, and with both on failed
medical treatment; its contraindication list is its own.
"""

from __future__ import annotations

import pytest
from policydiff.diff.compare import compare_policies
from policydiff.model import Comparison

from corpus import CORPUS, extracted

ANTHEM = (
    CORPUS
    / "real"
    / "anthem"
    / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
)
NCD = (
    CORPUS
    / "real"
    / "medicare-cms"
    / "NCD - Bariatric Surgery for Treatment of Co-Morbid Conditions Related to Morbid Obesity (100.1).html"
)
LCD = CORPUS / "real" / "medicare-cms" / "LCD - Bariatric Surgical Management of Morbid Obesity (L35022).html"


@pytest.fixture(scope="module")
def three() -> Comparison:
    return compare_policies([extracted(ANTHEM), extracted(NCD), extracted(LCD)])


def row(comparison: Comparison, key: str, criterion: str):
    """The one row holding `criterion` of policy `key` as a condition or exclusion."""
    rows = [concept for concept in comparison.concepts if criterion in concept.members[key]]
    assert len(rows) == 1, [concept.label for concept in rows]
    return rows[0]


def test_the_two_cms_documents_get_their_own_keys(three):
    assert [(policy.key, policy.policy_number) for policy in three.policies] == [
        ("anthem", "CG-SURG-83"),
        ("cms", "100.1"),
        ("cms-2", "L35022"),
    ]


def test_failed_medical_treatment_is_one_row_of_all_three(three):
    # Anthem 1.D.2 "Inadequate weight loss despite a committed attempt at conservative medical therapy";
    # NCD "previously unsuccessful with medical treatment for obesity" (B and the LSG conditions, c.);
    # LCD "deemed to have been unsuccessful with medical treatment of obesity if all of the following".
    concept = row(three, "cms-2", "7")
    assert concept.members == {"anthem": ["1.D.2"], "cms": ["1", "8.c"], "cms-2": ["7"]}


def test_anthem_and_the_lcd_share_co_morbid_conditions_the_ncd_does_not_list(three):
    # The NCD asks for "at least one co-morbidity" and names none; Anthem and the LCD list them.
    diabetes = row(three, "cms-2", "4.1")  # "Type II diabetes mellitus (by ADA diagnostic criteria)"
    assert (diabetes.members["anthem"], diabetes.members["cms"]) == (["1.C.2.a"], [])
    hypertension = row(three, "cms-2", "4.2")  # "Refractory hypertension (defined as 140/90 despite ...)"
    assert (hypertension.members["anthem"], hypertension.members["cms"]) == (["1.C.2.c"], [])


def test_obesity_related_hypoventilation_is_not_the_co_morbidity_requirement(three):
    # "Obesity-related hypoventilation" is one listed condition; "co-morbidity related to obesity" is the
    # requirement of having one. Shared words "obesity" and "related" must not join them.
    co_morbidity = row(three, "cms", "8.b")
    assert co_morbidity.members == {"anthem": ["1.C.2"], "cms": ["1", "8.b"], "cms-2": []}
    assert row(three, "cms-2", "4.6").stated_by == ["cms-2"]


def test_bmi_row_anthem_is_stricter_than_the_ncd_and_the_lcd_defers_to_it(three):
    concept = row(three, "cms", "8.a")
    assert concept.members["anthem"] == ["1.C.1"]
    [bmi] = concept.quantities
    assert (bmi.quantity, bmi.stricter, bmi.looser) == ("bmi", ["anthem"], ["cms"])
    # LCD 7.1 "meets BMI requirements stated in national policy" gives no number: a row of its own.
    assert row(three, "cms-2", "7.1").stated_by == ["cms-2"]


def test_mini_gastric_bypass_is_excluded_by_anthem_and_the_lcd(three):
    # Anthem 7.A "One anastomosis gastric bypass, also known as mini gastric bypass"; LCD "Mini-gastric bypass."
    concept = row(three, "cms-2", "3.1")
    assert concept.kind == "exclusion"
    assert concept.members == {"anthem": ["7.A"], "cms": [], "cms-2": ["3.1"]}


def test_preoperative_mental_health_evaluation_is_shared_by_anthem_and_the_lcd(three):
    # Anthem "Pre-operative medical and mental health evaluations and clearances"; LCD "must undergo
    # preoperative psychological evaluation and clearance".
    concept = row(three, "cms-2", "9")
    assert concept.members == {"anthem": ["1.D.3"], "cms": [], "cms-2": ["9"]}


def test_ncd_procedures_stay_with_anthem_where_the_lcd_says_nothing(three):
    for anthem, ncd in (("1.B.3", "1"), ("7.L", "7.4"), ("7.H", "7.6")):  # LAGB, VBG, gastric balloon
        concept = row(three, "anthem", anthem)
        assert (concept.members["cms"], concept.members["cms-2"]) == ([ncd], [])


def test_the_lcds_contraindications_and_its_own_procedures_are_one_sided(three):
    for criterion in ("12.4", "12.6", "3.2", "13"):  # tobacco, eating disorders, Fobi pouch, cholecystectomy
        assert row(three, "cms-2", criterion).stated_by == ["cms-2"]


def test_non_compliance_is_no_contradiction_of_failed_treatment(three):
    # LCD 12.3 excludes "Non-compliance with medical treatment of obesity"; the NCD covers those
    # "previously unsuccessful with medical treatment": opposite reasons, not the same statement.
    assert row(three, "cms-2", "12.3").stated_by == ["cms-2"]
    assert three.contradictions == []


def test_no_statement_stands_in_two_rows(three):
    # A statement one criterion makes of several services (Anthem 2: "... when there is documentation of
    # a surgical complication") was a row under each of four services; it is one row. Catch-alls ("not
    # medically necessary for all indications") stay with each service they answer for.
    assert repeated_statements(three) == []


def repeated_statements(comparison: Comparison) -> list[tuple[str, str, str]]:
    seen: set[tuple[str, str, str]] = set()
    repeated = []
    for concept in comparison.concepts:
        if concept.catch_all:
            continue
        for key, members in concept.texts.items():
            for member in members:
                statement = (key, member.id, member.facet)
                if statement in seen:
                    repeated.append(statement)
                seen.add(statement)
    return repeated


def test_a_statement_that_ends_at_its_coverage_words_is_not_cut_there(three):
    # The LCD: "Repeat bariatric surgery is generally not reasonable and necessary. Medicare does not
    # provide prior authorization ...": the coverage words end the first sentence, so there is no
    # condition to cut off after them; a row took the next sentences, a facet opening with ". Medicare
    # does not ...", for the statement. (Found on BCBS Michigan's quote of a Medicare LCD, "Services
    # performed for excessive frequency are not medically necessary. Patients should be ...", which is no
    # criterion of the policy since its Government Regulations section is read as a quote.)
    facets = [
        member.facet for concept in three.concepts for texts in concept.texts.values() for member in texts
    ]
    assert not [facet for facet in facets if facet.lstrip().startswith((".", ",", ";"))]
    assert any(
        facet.startswith("Repeat bariatric surgery is generally not reasonable and necessary. Medicare")
        for facet in facets
    )
