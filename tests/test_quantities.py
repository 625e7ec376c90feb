"""Thresholds read from criteria text: the quantities the diff compares ("grade 2 -> grade 1")."""

from __future__ import annotations

import pytest
from policydiff.extract.quantities import parse_quantities


@pytest.mark.parametrize(
    ("text", "measured", "comparator", "value", "unit"),
    [
        ("In the presence of higher than grade 2 acute GvHD;", "grade", ">", 2, None),
        ("enhancement of chimerism when studies reveal <100% donor cells", "donor cells", "<", 100, "%"),
        ("BMI of 40 or greater; or", "BMI", ">=", 40, None),
        ("Individual is age 18 years or older; and", "age", ">=", 18, "years"),
        ("performing frequent (four or more times a day) testing", "frequency", ">=", 4, "times/day"),
        ("within 30 days of the procedure", "time", "<=", 30, "days"),
        ("children and adolescents less than 18 years of age", "age", "<", 18, "years"),
        ("Body mass index (BMI) ≥ 50", "BMI", ">=", 50, None),
        ("Within six (6) months prior to ordering the CGM", "time", "<=", 6, "months"),
        ("left ventricular ejection fraction ≤ 40%", "ejection fraction", "<=", 40, "%"),
        # The comparator after "of age" (read as "=" before: the age words stood between them).
        ("Members 18 years of age or older with a diagnosis", "age", ">=", 18, "years"),
        ("Patients 65 years old and over", "age", ">=", 65, "years"),
        ("Individual is 50 years of age or younger;", "age", "<=", 50, "years"),
        # A sentence's capital is not the name's (carelon: "Age 50 years or younger" beside "age 18").
        ("Age 50 years or younger", "age", "<=", 50, "years"),
        ("Platelet count ≥450", "platelet count", ">=", 450, None),
        ("Level 4 codes (99284/G0383)", "level", "=", 4, None),
        ("FEV1 less than 60%", "FEV1", "<", 60, "%"),
    ],
)
def test_threshold(text, measured, comparator, value, unit):
    first = parse_quantities(text)[0]
    assert (first.quantity, first.comparator, first.value, first.unit) == (measured, comparator, value, unit)


def test_range():
    (quantity,) = parse_quantities("patients between 18 and 65 years")
    assert (quantity.comparator, quantity.value, quantity.value_end, quantity.unit) == (
        "range",
        18,
        65,
        "years",
    )


@pytest.mark.parametrize(
    "text", ["coverage criteria (1-6) are met", "code E2101 and criteria (1-4)", "ICD-10 code list"]
)
def test_cross_references_and_codes_are_not_quantities(text):
    assert parse_quantities(text) == []


def test_a_count_of_list_items_is_not_a_quantity():
    # "one of the following" says how many items to meet (the list's logic), not an amount.
    assert parse_quantities("A body mass index (BMI) of one of the following:") == []


def test_a_threshold_opening_the_text_is_read():
    [quantity] = parse_quantities("40 or greater, or")
    assert (quantity.quantity, quantity.comparator, quantity.value) == (None, ">=", 40)


def test_spelled_out_bmi_and_its_unit_read_as_one_name():
    [quantity] = parse_quantities("The beneficiary has a body-mass index (BMI) ≥ 35 kg/m 2 ,")
    assert (quantity.quantity, quantity.comparator, quantity.value, quantity.unit) == (
        "BMI",
        ">=",
        35,
        "kg/m2",
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("before", [{"words": "at least", "comparator": "≥≥"}], r"\[\[before\]\] needs 'comparator'"),
        ("after", [{"words": "or (more", "comparator": ">="}], r"'words' pattern"),
        ("number_words", {"six": "6"}, r"\[number_words\] must map words to int"),
        ("units", "kg", r"'units' must be a list"),
    ],
)
def test_a_malformed_quantity_rule_fails_on_load_naming_the_file_and_key(monkeypatch, key, value, message):
    from policydiff.extract import quantities
    from policydiff.extract.rules import RuleFileError, load_rules

    broken = {**load_rules("quantities"), key: value}
    monkeypatch.setattr(quantities, "load_rules", lambda name: broken)
    quantities.grammar.cache_clear()
    try:
        with pytest.raises(RuleFileError, match=rf"rule file quantities\.toml: .*{message}"):
            quantities.grammar()
    finally:
        quantities.grammar.cache_clear()
