"""The revision diff on records built here and on the contract's gold records of the seeds."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policydiff.diff import diff_policies
from policydiff.diff.significance import word_ops
from policydiff.model import Code, Policy, Quantity, Reference, Revision
from policydiff.render import render

from corpus import GOLD, SPEC

SOURCE = {"path": "policy.txt", "sha256": "0" * 64, "format": "text"}
DIFF_SCHEMA = json.loads((SPEC / "diff.schema.json").read_text(encoding="utf-8"))


def gold(name: str) -> dict:
    record = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))
    return {**record, "source": SOURCE}


def policy(**fields) -> Policy:
    return Policy.model_validate({"source": SOURCE, "title": "Test policy", **fields})


def node(cid: str, text: str, children=(), **fields) -> dict:
    label = cid.rsplit(".", 1)[-1] + "."
    return {
        "id": cid,
        "label": label,
        "text": text,
        "kind": "indication",
        "children": list(children),
        **fields,
    }


def changes_of(left: Policy, right: Policy) -> list[tuple]:
    result = diff_policies(left, right)
    jsonschema.validate(result.to_json_dict(), DIFF_SCHEMA)
    return [(c.section, c.change, c.field, c.significance) for c in result.changes]


LIST = [
    node("I.1", "The member has diabetes mellitus; and,"),
    node("I.2", "The member has been testing four or more times a day; and,"),
    node("I.3", "The member uses insulin injections three or more times a day; and,"),
    node("I.4", "The practitioner confirmed that criteria (1-3) above are met."),
]


def cgm_list(items: list[dict]) -> Policy:
    return policy(
        criteria=[
            node("I", "Covered when all of the following are met:", items, logic="all", kind="statement")
        ]
    )


# ------------------------------------------------------------------------------------------- identity


@pytest.mark.parametrize("name", ["centene-cp-mp-101-dli", "cigna-0261-dli-hpc-boost"])
def test_a_gold_record_against_itself_has_no_change(name):
    record = Policy.model_validate(gold(name))
    result = diff_policies(record, record)
    assert result.changes == []
    assert result.summary.total == 0


# ----------------------------------------------------------------------------------------- alignment


def test_a_renumbered_item_is_the_same_item_and_its_new_label_is_cosmetic():
    after = copy.deepcopy(LIST)
    del after[1]
    for place, item in enumerate(after, start=1):
        item["id"], item["label"] = f"I.{place}", f"{place}."
    after[2]["text"] = "The practitioner confirmed that criteria (1-2) above are met."
    result = diff_policies(cgm_list(LIST), cgm_list(after))
    by_subject = {c.subject: c for c in result.changes}
    assert [c.subject for c in result.substantive_changes] == ["criterion I.2"]
    assert result.substantive_changes[0].change == "removed"
    renumbered = by_subject["criterion I.3 (was I.4)"]
    assert renumbered.significance == "cosmetic"
    assert [op.reason for op in renumbered.edits] == ["renumbering"]
    assert by_subject["criterion I.2 (was I.3)"].field == "label"


def test_a_cross_reference_that_no_longer_matches_the_renumbering_is_substantive():
    after = copy.deepcopy(LIST)
    after[3]["text"] = "The practitioner confirmed that criteria (1-2) above are met."
    result = diff_policies(cgm_list(LIST), cgm_list(after))
    assert [(c.subject, c.significance) for c in result.changes] == [("criterion I.4", "substantive")]


def test_a_split_item_is_one_modified_change():
    before = cgm_list([node("I.1", "The member has diabetes mellitus and uses insulin three times a day.")])
    after = cgm_list(
        [
            node("I.1", "The member has diabetes mellitus."),
            node("I.2", "The member uses insulin three times a day."),
        ]
    )
    result = diff_policies(before, after)
    assert len(result.changes) == 1
    change = result.changes[0]
    assert (change.change, change.significance) == ("modified", "substantive")
    assert "split" in change.field
    assert change.right_ids == ["I.1", "I.2"]
    mirrored = diff_policies(after, before).changes
    assert len(mirrored) == 1 and "merged" in mirrored[0].field


def test_paragraphs_cut_differently_are_aligned_as_runs_not_by_resemblance():
    usual = "For members not on insulin, up to 100 strips every 3 months are covered."
    usual_insulin = "For members on insulin, up to 300 strips every 3 months are covered."
    high = "For members not on insulin, more than 100 strips every 3 months are covered if (a) - (c) are met."
    high_insulin = (
        "For members on insulin, more than 300 strips every 3 months are covered if (a) - (c) are met."
    )
    before = policy(
        criteria=[
            node(str(n), text, label=None)
            for n, text in enumerate([usual, usual_insulin, f"{high} {high_insulin}"], 1)
        ]
    )
    after = policy(
        criteria=[
            node(str(n), text, label=None)
            for n, text in enumerate([f"{usual} {usual_insulin}", high, high_insulin], 1)
        ]
    )
    result = diff_policies(before, after)
    assert [(c.field, c.left_ids, c.right_ids, c.significance) for c in result.changes] == [
        ("merged", ["1", "2"], ["1"], "cosmetic"),
        ("split", ["3"], ["2", "3"], "cosmetic"),
    ]


def test_an_item_moved_to_another_parent_is_a_substantive_move():
    before = policy(
        criteria=[
            node("I", "Covered for:", [node("I.A", "Relapse of leukemia."), node("I.B", "Mixed chimerism.")]),
            node("II", "Not covered for:", [node("II.A", "Total host chimerism.")]),
        ]
    )
    after = policy(
        criteria=[
            node("I", "Covered for:", [node("I.A", "Relapse of leukemia.")]),
            node(
                "II",
                "Not covered for:",
                [node("II.A", "Total host chimerism."), node("II.B", "Mixed chimerism.")],
            ),
        ]
    )
    [change] = diff_policies(before, after).changes
    assert (change.change, change.field, change.significance) == ("moved", "parent", "substantive")
    assert (change.moved_from, change.moved_to) == ("I", "II")


def test_items_in_another_order_are_a_cosmetic_move():
    after = [copy.deepcopy(LIST[1]), copy.deepcopy(LIST[0]), *copy.deepcopy(LIST[2:])]
    after[0]["label"], after[1]["label"] = after[1]["label"], after[0]["label"]
    result = diff_policies(cgm_list(LIST), cgm_list(after))
    assert result.summary.substantive == 0
    # A swap: neither item kept its place relative to the other, so both moved (either reading direction).
    assert [(c.change, c.field) for c in result.changes] == [("moved", "label,order")] * 2


def test_logic_and_coverage_changes_are_named_fields():
    before = cgm_list(LIST)
    after = cgm_list(copy.deepcopy(LIST))
    after.criteria[0].logic = "any"
    after.criteria[0].coverage = "not_medically_necessary"
    [change] = diff_policies(before, after).changes
    assert change.field == "coverage,logic"
    assert change.significance == "substantive"


# ----------------------------------------------------------------------------------------- quantities


def test_a_threshold_change_reports_values_before_and_after():
    before = cgm_list([node("I.1", "In the presence of higher than grade 2 acute GvHD;")])
    after = cgm_list([node("I.1", "In the presence of higher than grade 1 acute GvHD;")])
    [change] = diff_policies(before, after).changes
    [quantity] = change.quantities
    assert (quantity.quantity, quantity.before.value, quantity.after.value) == ("grade", 2, 1)
    assert quantity.before.comparator == ">"


def test_a_number_no_parser_read_is_read_by_the_criteria_grammar():
    # Issue 19: the diff read a replaced number with its own comparator list: "or younger" after the
    # number was no comparator, so the change had no direction; and the word before a number was taken
    # for what it measures ("on and after June 27" measured "june").
    before = cgm_list([node("I.1", "Patients aged 50 years or younger at diagnosis;")])
    after = cgm_list([node("I.1", "Patients aged 45 years or younger at diagnosis;")])
    [change] = diff_policies(before, after).changes
    [quantity] = change.quantities
    assert (quantity.quantity, quantity.before.comparator, quantity.before.unit) == ("age", "<=", "years")
    assert (quantity.before.value, quantity.after.value) == (50, 45)
    assert change.direction == "stricter"
    dated = [node("I.1", "For services performed on and after June 27, 2012, see the NCD.")]
    moved = [node("I.1", "For services performed on and after June 28, 2012, see the NCD.")]
    [change] = diff_policies(cgm_list(dated), cgm_list(moved)).changes
    assert [q.quantity for q in change.quantities] == [None]


def test_parsed_quantities_are_paired_by_what_they_measure():
    text = "Mixed chimerism with fewer donor cells"
    before = cgm_list(
        [
            node(
                "I.1",
                text,
                quantities=[
                    Quantity(
                        text="<100%", quantity="donor cells", comparator="<", value=100, unit="%"
                    ).model_dump()
                ],
            )
        ]
    )
    after = cgm_list(
        [
            node(
                "I.1",
                text,
                quantities=[
                    Quantity(
                        text="<95%", quantity="donor cells", comparator="<", value=95, unit="%"
                    ).model_dump()
                ],
            )
        ]
    )
    [change] = diff_policies(before, after).changes
    assert change.field == "quantity"
    assert (change.quantities[0].before.value, change.quantities[0].after.value) == (100, 95)


# --------------------------------------------------------------------------------------------- codes


def cpt(code: str, end: str | None = None, status: str = "covered", description: str | None = None) -> Code:
    return Code(system="CPT", code=code, code_end=end, status=status, description=description)


def test_codes_listed_one_by_one_or_as_a_range_are_the_same_codes():
    before = policy(codes=[cpt("38215"), cpt("38216"), cpt("38217")])
    after = policy(codes=[cpt("38215", "38217")])
    [change] = diff_policies(before, after).changes
    assert (change.change, change.field, change.significance) == ("modified", "range", "cosmetic")


def test_a_range_change_says_which_codes_entered_and_left():
    before = policy(codes=[cpt("38200", "38205")])
    after = policy(codes=[cpt("38202", "38207")])
    [change] = diff_policies(before, after).changes
    assert change.codes_entered == ["38206", "38207"]
    assert change.codes_left == ["38200", "38201"]
    assert change.significance == "substantive"


def test_code_status_and_description_changes():
    before = policy(codes=[cpt("38242", description="Allogeneic lymphocyte infusions", status="covered")])
    cosmetic = policy(codes=[cpt("38242", description="allogeneic lymphocyte infusions.", status="covered")])
    status = policy(codes=[cpt("38242", description="Allogeneic lymphocyte infusions", status="not_covered")])
    assert changes_of(before, cosmetic) == [("codes", "modified", "description", "cosmetic")]
    assert changes_of(before, status) == [("codes", "modified", "status", "substantive")]


def test_codes_are_keyed_by_system_and_code():
    before = policy(codes=[cpt("38242"), Code(system="HCPCS", code="S2150")])
    after = policy(codes=[Code(system="HCPCS", code="S2150"), cpt("38242"), cpt("86950")])
    assert changes_of(before, after) == [("codes", "added", None, "substantive")]


# --------------------------------------------------------------------------------- log, refs, metadata


def test_references_are_matched_by_doi_then_by_citation():
    ref = "Deol A, Lum LG. Role of donor lymphocyte infusions. Cancer Treat Rev. 2010;36(7):528-538."
    before = policy(references=[Reference(number=3, text=ref, doi="10.1016/j.ctrv.2010.03.004")])
    renumbered = policy(
        references=[Reference(number=4, text=ref + " ", doi="https://doi.org/10.1016/J.CTRV.2010.03.004")]
    )
    assert changes_of(before, renumbered) == [("references", "modified", "number", "cosmetic")]
    other = policy(
        references=[Reference(number=3, text="Kolb HJ. Donor leukocyte transfusions. Blood. 1990.")]
    )
    assert sorted(changes_of(before, other)) == [
        ("references", "added", None, "substantive"),
        ("references", "removed", None, "substantive"),
    ]


def test_metadata_changes_are_reported_per_date_and_field():
    before = policy(policy_number="CP.MP.101", dates={"effective": "2023-02-01", "last_revised": "2023-02"})
    after = policy(policy_number="CP.MP.101", dates={"effective": "2024-02-01", "next_review": "2025-02"})
    found = {(c.field, c.change) for c in diff_policies(before, after).changes}
    assert found == {
        ("dates.effective", "modified"),
        ("dates.last_revised", "removed"),
        ("dates.next_review", "added"),
    }


# --------------------------------------------------------------------------------------- documented


def test_changes_no_new_log_row_mentions_are_silent():
    after_items = copy.deepcopy(LIST)
    after_items[2]["text"] = "The member uses insulin administrations three or more times a day; and,"
    after_items[0]["text"] = "The member has type 1 diabetes mellitus; and,"
    before = cgm_list(LIST)
    log = [
        Revision(
            date="2021-07", summary='Revised: "injections" to "administrations" in the insulin criterion.'
        )
    ]
    after = cgm_list(after_items).model_copy(update={"revisions": log})
    result = diff_policies(before, after)
    documented = {c.subject: c.documented for c in result.changes}
    assert documented == {"criterion I.1": False, "criterion I.3": True, "revision 2021-07": None}
    assert result.summary.silent == 1 and result.summary.documented == 1
    assert result.summary.new_revisions == 1


def test_without_a_revision_log_documentation_cannot_be_told():
    after_items = copy.deepcopy(LIST)
    after_items[0]["text"] = "The member has type 1 diabetes mellitus; and,"
    result = diff_policies(cgm_list(LIST), cgm_list(after_items))
    assert [c.documented for c in result.changes] == [None]
    assert result.summary.undetermined == 1 and result.summary.silent == 0


def test_a_change_in_a_policy_whose_log_gained_no_row_is_silent():
    """Silent means silent: the policy keeps a log, and no new row documents the change."""
    after_items = copy.deepcopy(LIST)
    after_items[0]["text"] = "The member has type 1 diabetes mellitus; and,"
    log = [Revision(date="2019-01", summary="Policy created.")]
    before = cgm_list(LIST).model_copy(update={"revisions": log})
    after = cgm_list(after_items).model_copy(update={"revisions": log})
    result = diff_policies(before, after)
    assert [(c.subject, c.documented) for c in result.changes] == [("criterion I.1", False)]
    assert (result.summary.silent, result.summary.undetermined, result.summary.new_revisions) == (1, 0, 0)


def test_the_policys_own_date_bump_and_log_row_are_bookkeeping_not_counted():
    log = [Revision(date="2019-01", summary="Policy created.")]
    new_row = Revision(date="2024-02", summary="Annual review; no change.")
    before = cgm_list(LIST).model_copy(update={"revisions": log})
    after = cgm_list(LIST).model_copy(
        update={
            "revisions": [*log, new_row],
            "dates": before.dates.model_copy(update={"last_revised": "2024-02"}),
        }
    )
    result = diff_policies(before, after)
    assert {c.subject for c in result.bookkeeping_changes} == {"date last revised", "revision 2024-02"}
    assert (result.summary.substantive, result.summary.bookkeeping, result.summary.silent) == (0, 2, 0)
    assert result.coverage_changes == []


def test_a_log_row_naming_a_section_id_range_documents_its_items():
    added = [*copy.deepcopy(LIST), node("I.5", "No active substance use.")]
    log = [Revision(date="2023-02", summary="Added contraindication criteria I.4 through 5.")]
    result = diff_policies(cgm_list(LIST), cgm_list(added).model_copy(update={"revisions": log}))
    criteria_changes = [c for c in result.changes if c.section == "criteria"]
    assert [(c.subject, c.documented) for c in criteria_changes] == [("criterion I.5", True)]


# -------------------------------------------------------------------------------------- significance


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ("acute graft-versus-host disease;", "acute graft-versus-host disease.", "punctuation"),
        ("Does not have ANY of the following", "Does not have any of the following", "case"),
        ("poorly controlled pre-transplant", "poorly controlled pre-trans- plant", "hyphenation"),
        ("criteria are met; and", "criteria are met", "list connector"),
        (
            "will be denied. High Utilization For a beneficiary",
            "will be denied. For a beneficiary",
            "heading",
        ),
        (
            "the treating practitioner Page 3 of 7 has an in-person visit",
            "the treating practitioner has an in-person visit",
            "page furniture",
        ),
    ],
)
def test_cosmetic_runs(before, after, reason):
    edits = [op for op in word_ops(before, after, furniture=["test policy"]) if op.op != "equal"]
    assert [(op.significance, op.reason) for op in edits] == [("cosmetic", reason)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("multiple daily injections of insulin", "multiple daily administrations of insulin"),
        ("criteria are met; and", "criteria are met; or"),
        ("fewer than 100% donor cells", "fewer than 95% donor cells"),
        ("fewer than 90% donor cells", "fewer than 90 donor cells"),
        ("is medically necessary", "is not medically necessary"),
        ("will be denied. Not Covered For Children.", "will be denied."),
    ],
)
def test_substantive_runs(before, after):
    edits = [op for op in word_ops(before, after) if op.op != "equal"]
    assert edits and all(op.significance == "substantive" for op in edits)


def test_word_ops_rebuild_both_texts():
    before = "The beneficiary is insulin-treated with multiple (three or more) daily injections of insulin or a\nMedicare-covered pump; and,"
    after = "The beneficiary is insulin-treated with multiple (three or more) daily administrations of insulin or a continuous pump; and,"
    ops = word_ops(before, after)
    assert "".join(op.left for op in ops) == before
    assert "".join(op.right for op in ops) == after


def test_whitespace_and_quote_style_alone_are_cosmetic():
    before = policy(revisions=[Revision(date="2018-10", summary="Removed “who has not relapsed” from I.B.")])
    after = policy(revisions=[Revision(date="2018-10", summary='Removed "who has not relapsed"\n from I.B.')])
    [change] = diff_policies(before, after).changes
    assert change.significance == "cosmetic"
    assert change.reasons == ["quote style or typography"]


# ------------------------------------------------------------------------------------------ output


def test_text_output_lists_substantive_changes_first():
    after_items = copy.deepcopy(LIST)
    after_items[0]["text"] = "The member has diabetes mellitus. And,"
    after_items[1]["text"] = "The member has been testing twice a day; and,"
    result = diff_policies(cgm_list(LIST), cgm_list(after_items))
    text = render("diff.txt.j2", result=result)
    assert text.index("SUBSTANTIVE CHANGES") < text.index("criterion I.2") < text.index("COSMETIC CHANGES")
    assert text.index("COSMETIC CHANGES") < text.index("criterion I.1")
    assert "The member has been testing [-four or more times-]{+twice+} a day; and," in text
    assert "2 changes: 1 substantive" in text


# ------------------------------------------------------------------------------------------ properties

WORDS = st.sampled_from(
    [
        "member",
        "diabetes",
        "insulin",
        "injections",
        "daily",
        "testing",
        "relapse",
        "chimerism",
        "donor",
        "grade",
        "acute",
        "transplant",
        "infusion",
        "leukemia",
        "covered",
        "necessary",
        "practitioner",
        "visit",
        "months",
        "three",
        "four",
    ]
)
TEXTS = st.lists(WORDS, min_size=3, max_size=9).map(lambda words: " ".join(words).capitalize() + ".")


@st.composite
def forests(draw, depth: int = 0, prefix: str = "") -> list[dict]:
    count = draw(st.integers(min_value=0 if depth else 1, max_value=4 if depth < 2 else 0))
    items = []
    for place in range(1, count + 1):
        cid = f"{prefix}{place}"
        children = draw(forests(depth=depth + 1, prefix=f"{cid}.")) if depth < 2 else []
        items.append(
            {
                "id": cid,
                "label": f"{place}.",
                "text": draw(TEXTS),
                "kind": draw(st.sampled_from(["indication", "requirement", "exclusion"])),
                "logic": draw(st.sampled_from([None, "all", "any"])),
                "children": children,
            }
        )
    return items


CODES = st.lists(
    st.builds(
        lambda n, status: Code(system="CPT", code=f"{38200 + n}", status=status),
        st.integers(min_value=0, max_value=30),
        st.sampled_from(["covered", "not_covered"]),
    ),
    max_size=6,
    unique_by=lambda code: code.code,
)
REVISIONS = st.lists(
    st.builds(lambda year, text: Revision(date=f"{year}-01", summary=text), st.integers(2015, 2024), TEXTS),
    max_size=4,
)


@st.composite
def policies(draw) -> Policy:
    return policy(
        title=draw(st.sampled_from(["Donor Lymphocyte Infusion", "Glucose Monitors"])),
        criteria=draw(forests()),
        codes=[code.model_dump() for code in draw(CODES)],
        revisions=[row.model_dump() for row in draw(REVISIONS)],
    )


def siblings_lists(items: list[dict]) -> list[list[dict]]:
    lists = [items]
    for item in items:
        lists.extend(siblings_lists(item["children"]))
    return lists


@st.composite
def revisions_of(draw, record: Policy) -> Policy:
    """Another version of `record`: items removed, added, reworded, swapped; codes and log edited."""
    data = record.model_dump()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        lists = [items for items in siblings_lists(data["criteria"]) if items]
        if not lists:
            break
        items = draw(st.sampled_from(lists))
        place = draw(st.integers(min_value=0, max_value=len(items) - 1))
        edit = draw(st.sampled_from(["remove", "add", "reword", "swap", "status", "log"]))
        if edit == "remove" and len(lists) > 1:
            del items[place]
        elif edit == "add":
            items.insert(place, {**items[place], "text": draw(TEXTS), "children": []})
        elif edit == "reword":
            items[place]["text"] = items[place]["text"].replace(draw(WORDS), draw(WORDS), 1)
        elif edit == "swap" and place + 1 < len(items):
            items[place], items[place + 1] = items[place + 1], items[place]
        elif edit == "status" and data["codes"]:
            data["codes"][0]["status"] = (
                "covered" if data["codes"][0]["status"] != "covered" else "not_covered"
            )
        elif edit == "log":
            data["revisions"].append({"date": "2025-01", "summary": draw(TEXTS)})
    return Policy.model_validate(data)


@st.composite
def versions(draw) -> tuple[Policy, Policy]:
    first = draw(policies())
    return first, draw(revisions_of(first))


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(policies())
def test_property_a_policy_against_itself_has_no_change(record):
    assert diff_policies(record, record).changes == []


def mirrored(change) -> tuple:
    kind = {"added": "removed", "removed": "added"}.get(change.change, change.change)
    return (change.section, kind, tuple(change.right_ids), tuple(change.left_ids))


@PROPERTY
@given(st.one_of(versions(), st.tuples(policies(), policies())))
def test_property_diff_b_a_mirrors_diff_a_b(pair):
    a, b = pair
    forward = diff_policies(a, b).changes
    backward = diff_policies(b, a).changes
    one_sided = {"added", "removed"}
    assert sorted(mirrored(c) for c in forward if c.change in one_sided) == sorted(
        (c.section, c.change, tuple(c.left_ids), tuple(c.right_ids))
        for c in backward
        if c.change in one_sided
    )
    assert len(forward) == len(backward)
    assert sum(c.significance == "substantive" for c in forward) == sum(
        c.significance == "substantive" for c in backward
    )
