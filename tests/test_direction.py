"""Direction rules (diff/direction.py): which way coverage moved, from quantities, lists and wording."""

from __future__ import annotations

import pytest
from policydiff.diff.direction import (
    code_direction,
    code_status_direction,
    combine,
    coverage_direction,
    listed_item_direction,
    logic_direction,
    polarity,
    range_direction,
    threshold_direction,
    turned,
    wording_direction,
)
from policydiff.model import Quantity


def q(comparator, value, end=None, unit=None, name="bmi") -> Quantity:
    return Quantity(
        text=f"{name} {comparator} {value}",
        quantity=name,
        comparator=comparator,
        value=value,
        value_end=end,
        unit=unit,
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (q(">=", 40), q(">=", 35), "looser"),  # BMI bar lowered
        (q(">=", 35), q(">=", 40), "stricter"),
        (q("<=", 4), q("<=", 2), "stricter"),  # up to 4 visits -> up to 2
        (q("<", 100, unit="%"), q("<", 95, unit="%"), "stricter"),
        (q(">=", 40), q(">", 40), "stricter"),  # the bar itself no longer qualifies
        (q(">", 40), q(">=", 40), "looser"),
        (q("range", 18, 65), q("range", 18, 75), "looser"),
        (q("range", 18, 65), q("range", 21, 70), "unclear"),  # shifted, neither inside the other
        (q(">=", 40), q(">=", 40), "neutral"),
        (q(None, 2), q(None, 1), "unclear"),  # 'grade 2' -> 'grade 1': no comparison to read
        (q("<=", 4, unit="mg"), q("<=", 2, unit="g"), "unclear"),
        (None, q(">=", 18), "stricter"),
        (q(">=", 18), None, "looser"),
    ],
)
def test_threshold_direction(before, after, expected):
    assert threshold_direction(before, after).direction == expected


def test_a_threshold_verdict_says_its_values():
    assert threshold_direction(q(">=", 40), q(">=", 35)).reasons == ("bmi bmi >= 40 -> bmi >= 35",)


@pytest.mark.parametrize(
    ("logic", "sign", "added", "expected"),
    [
        ("any", 1, True, "looser"),  # a new indication in a list any one of which qualifies
        ("any", 1, False, "stricter"),
        ("all", 1, True, "stricter"),  # a new requirement among those that must all be met
        ("all", 1, False, "looser"),
        ("none", 1, True, "stricter"),
        ("any", -1, True, "stricter"),  # a new item in a list of exclusions
        ("any", -1, False, "looser"),
    ],
)
def test_an_item_in_a_list_goes_by_the_list_logic(logic, sign, added, expected):
    assert listed_item_direction("indication", None, logic, sign, added).direction == expected


@pytest.mark.parametrize(
    ("kind", "coverage", "added", "expected"),
    [
        ("indication", None, True, "looser"),
        ("exclusion", "not_medically_necessary", True, "stricter"),
        ("contraindication", None, True, "stricter"),
        ("requirement", None, True, "stricter"),
        ("requirement", None, False, "looser"),
        ("statement", "medically_necessary", True, "looser"),
        ("statement", "experimental_investigational", True, "stricter"),
        ("statement", None, True, "unclear"),
        ("note", None, True, "neutral"),
    ],
)
def test_an_item_in_no_list_goes_by_its_kind(kind, coverage, added, expected):
    assert listed_item_direction(kind, coverage, None, 1, added).direction == expected


def test_logic_and_coverage():
    assert logic_direction("any", "all").direction == "stricter"
    assert logic_direction("all", "any").direction == "looser"
    assert logic_direction("any", "none").direction == "unclear"
    assert coverage_direction("medically_necessary", "not_covered").direction == "stricter"
    assert coverage_direction("experimental_investigational", "medically_necessary").direction == "looser"
    assert coverage_direction("not_covered", "not_medically_necessary").direction == "neutral"


@pytest.mark.parametrize(
    ("inserted", "deleted", "expected"),
    [
        (["age 18 or older with"], [], "stricter"),  # a qualifier added narrows the population
        ([], ["adult"], "looser"),  # a qualifier removed widens it
        ([], ["with prior authorization"], "looser"),  # an approval requirement removed
        (["must be documented"], [], "stricter"),
        (["or adolescents"], [], "looser"),  # widening words
        (["children"], ["adults"], "unclear"),  # reworded, no cue
        (["not"], [], "unclear"),  # a negation turns the sentence around
        ([], [], "neutral"),
    ],
)
def test_wording_direction(inserted, deleted, expected):
    assert wording_direction(inserted, deleted).direction == expected


def test_a_ground_for_denial_turns_the_direction():
    assert polarity("exclusion", None) == -1
    assert polarity("statement", "not_covered") == -1
    assert polarity("indication", None) == 1
    narrowed = wording_direction(["in adults"], [])
    assert turned(narrowed, -1).direction == "looser"  # an exclusion narrowed excludes less
    assert turned(narrowed, 1) == narrowed


def test_codes():
    assert code_direction("covered", added=True).direction == "looser"
    assert code_direction("not_covered", added=True).direction == "stricter"
    assert code_direction("covered", added=False).direction == "stricter"
    assert code_direction(None, added=True).direction == "looser"  # listed, status unread: covered
    assert code_direction("related", added=True).direction == "unclear"  # listed for information
    assert code_status_direction("covered", "not_covered").direction == "stricter"
    assert range_direction("covered", entered=True, left=False).direction == "looser"
    assert range_direction("covered", entered=True, left=True).direction == "unclear"


def test_combine():
    looser = listed_item_direction("indication", None, "any", 1, True)
    stricter = logic_direction("any", "all")
    assert combine([looser, logic_direction("all", "all")]).direction == "looser"
    assert combine([looser, stricter]).direction == "unclear"
    assert combine([]).direction == "neutral"


def test_codes_inserted_into_the_text_count_as_codes_added():
    assert wording_direction(["0409U "], []).direction == "looser"  # status unread: a listed code
    assert wording_direction([], ["81445"]).direction == "stricter"
    assert wording_direction(["0409U and more"], []).direction == "stricter"  # words, not only codes


@pytest.mark.parametrize(
    ("module", "reader", "file", "key"),
    [
        ("policydiff.diff.direction", "direction_rules", "direction", "requirement_words"),
        ("policydiff.diff.normalize", "compare_rules", "compare", "clause_splits"),
    ],
)
def test_a_malformed_diff_rule_fails_on_load_with_the_one_rule_error(monkeypatch, module, reader, file, key):
    # The diff's rule files go through the extractors' loader: one error class, naming the file and key.
    import importlib

    from policydiff.extract.rules import RuleFileError, load_rules

    rules = importlib.import_module(module)
    broken = {**load_rules(file, "diff"), key: ["(unclosed"]}
    monkeypatch.setattr(rules, "load_rules", lambda name, package: broken)
    getattr(rules, reader).cache_clear()
    try:
        with pytest.raises(RuleFileError, match=rf"rule file {file}\.toml: '{key}' pattern"):
            getattr(rules, reader)()
    finally:
        getattr(rules, reader).cache_clear()
