"""Cross-payer comparison: concepts, code matrix, contradictions, on the seeds and on real policies."""

from __future__ import annotations

import hashlib
import json

import jsonschema
import pytest
from policydiff import compare_files
from policydiff.cli import EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main
from policydiff.diff.compare import compare_policies
from policydiff.extract.abbreviations import defined_abbreviations
from policydiff.model import ABSENT, Comparison, Policy, iter_criteria

from corpus import CORPUS, GOLD, SHARED, SPEC, extracted

SEED_NAMES = ("centene-cp-mp-101-dli", "cigna-0261-dli-hpc-boost")
ANTHEM_3D = CORPUS / "real" / "anthem" / "CG-RAD-31 Three-Dimensional (3-D) Rendering of Imaging Studies.pdf"
UHC_MRI_CT = CORPUS / "real" / "uhc" / "mri-ct-scan-site-of-service.pdf"
LCD_VERSIONS = CORPUS / "real" / "medicare-cms" / "l33822-versions"


def gold_policy(name: str) -> Policy:
    """The contract's expected record of a seed, with the source it lacks."""
    path = GOLD / f"{name}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["source"] = {
        "path": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "format": "text",
    }
    return Policy.model_validate(record)


def seed_policies(source: str) -> list[Policy]:
    if source == "gold":
        return [gold_policy(name) for name in SEED_NAMES]
    return [extracted(CORPUS / "seeds" / f"{name}.{source}") for name in SEED_NAMES]


@pytest.fixture(scope="module", params=["gold", "txt", "pdf"])
def seeds(request) -> Comparison:
    return compare_policies(seed_policies(request.param))


def concepts_holding(comparison: Comparison, key: str, criterion: str):
    return [concept for concept in comparison.concepts if criterion in concept.members[key]]


def test_relapse_statements_of_both_payers_share_a_concept(seeds):
    [concept] = concepts_holding(seeds, "centene", "I.A")
    assert concept.members["cigna"] == ["1"]
    assert concept.service == "Donor lymphocyte infusion"
    assert concept.label == "Decrease the risk of relapse of hematologic malignancy"
    assert [member.facet for member in concept.texts["cigna"]][-1].startswith("there is high risk of relapse")


def test_hpc_boost_indications_stand_on_cignas_side_only(seeds):
    for criterion in ("2.1", "2.2"):
        [concept] = concepts_holding(seeds, "cigna", criterion)
        assert concept.service == "Hematopoietic progenitor cell boost"
        assert concept.members["centene"] == []
        assert concept.stated_by == ["cigna"]


def test_centene_contraindications_stand_on_centenes_side_only(seeds):
    for criterion in ("I.C.1", "I.C.2", "I.C.3", "I.C.4"):
        [concept] = concepts_holding(seeds, "centene", criterion)
        assert concept.kind == "contraindication"
        assert concept.members["cigna"] == []


def test_catch_all_exclusions_share_a_concept_per_service(seeds):
    [dli, hpc] = concepts_holding(seeds, "cigna", "3")
    assert (dli.service, hpc.service) == ("Donor lymphocyte infusion", "Hematopoietic progenitor cell boost")
    assert dli.catch_all and dli.members == {"centene": ["II.A"], "cigna": ["3"]}
    assert hpc.members == {"centene": [], "cigna": ["3"]}


def test_every_criterion_that_is_not_a_lead_in_is_in_a_concept(seeds):
    for policy in seeds.policies:
        placed = {criterion for concept in seeds.concepts for criterion in concept.members[policy.key]}
        source = next(p for p in seed_policies("gold") if p.payer and p.payer.lower() == policy.key)
        leaves = {node.id for node in iter_criteria(source.criteria) if not node.children}
        assert leaves <= placed


def test_code_matrix(seeds):
    matrix = {row.code: row.members for row in seeds.codes}
    assert matrix["38242"] == {"centene": "related", "cigna": "covered"}
    for code in ("38215", "86950", "S2150"):
        assert matrix[code]["centene"] != ABSENT and matrix[code]["cigna"] == ABSENT
    assert matrix["38243"] == {"centene": ABSENT, "cigna": "covered"}
    assert set(matrix) == {"38215", "38242", "38243", "86950", "S2150"}


def test_chimerism_contradiction_is_flagged_and_is_the_only_one(seeds):
    [contradiction] = seeds.contradictions
    assert contradiction.basis == "catch_all"
    assert (contradiction.covering.policy, contradiction.covering.ids) == ("centene", ["I.B"])
    assert (contradiction.opposing.policy, contradiction.opposing.ids) == ("cigna", ["3"])
    [instead] = contradiction.instead
    assert (instead.policy, instead.ids, instead.service) == (
        "cigna",
        ["2.2"],
        "Hematopoietic progenitor cell boost",
    )
    concept = next(c for c in seeds.concepts if c.id == contradiction.covering.concept)
    assert concept.members == {"centene": ["I.B"], "cigna": []}
    assert contradiction.id in concept.contradictions


@pytest.mark.parametrize("schema_dir", [SPEC, SHARED / "spec"], ids=["tests-spec", "shared-spec"])
def test_output_validates_against_the_contract(seeds, schema_dir):
    path = schema_dir / "comparison.schema.json"
    if not path.exists():
        pytest.skip(f"{path} not present")
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(seeds.to_json_dict())))


def test_same_input_gives_the_same_table():
    policies = seed_policies("txt")
    assert compare_policies(policies).to_json_dict() == compare_policies(policies).to_json_dict()


def test_order_of_policies_changes_no_grouping():
    policies = seed_policies("txt")

    def groups(comparison: Comparison) -> set[frozenset]:
        return {
            frozenset((key, criterion) for key, ids in concept.members.items() for criterion in ids)
            for concept in comparison.concepts
        }

    assert groups(compare_policies(policies)) == groups(compare_policies(policies[::-1]))


def test_abbreviations_are_read_from_criteria_text():
    cigna = extracted(CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt")
    found = defined_abbreviations([node.text for node in iter_criteria(cigna.criteria)])
    assert found["DLI"].lower() == "donor lymphocyte infusion"
    assert found["HSCT"].lower() == "hematopoietic stem cell transplantation"
    assert found["HPC"].lower() == "hematopoietic progenitor cell"


def test_stricter_payer_on_a_shared_threshold():
    """Two payers exclude DLI in acute GvHD above a grade: the one excluding from grade 1 up excludes
    more patients, so it is the stricter one."""
    centene = gold_policy("centene-cp-mp-101-dli")
    other = gold_policy("centene-cp-mp-101-dli").model_copy(update={"payer": "Other payer"})
    stricter = extracted(CORPUS / "seeds" / "centene-cp-mp-101-dli.txt")
    [gvhd] = [node for node in iter_criteria(stricter.criteria) if node.id == "II.C"]
    assert gvhd.quantities and gvhd.quantities[0].value == 2
    looser_gvhd = gvhd.model_copy(
        update={
            "text": gvhd.text.replace("grade 2", "grade 3"),
            "quantities": [
                gvhd.quantities[0].model_copy(update={"value": 3.0, "text": "higher than grade 3"})
            ],
        }
    )
    stricter_gvhd = gvhd.model_copy()

    def with_gvhd(policy: Policy, node) -> Policy:
        statement = policy.criteria[1]
        children = [node if child.id == "II.C" else child for child in statement.children]
        return policy.model_copy(
            update={"criteria": [policy.criteria[0], statement.model_copy(update={"children": children})]}
        )

    comparison = compare_policies([with_gvhd(centene, stricter_gvhd), with_gvhd(other, looser_gvhd)])
    [concept] = concepts_holding(comparison, "centene", "II.C")
    assert concept.members["other-payer"] == ["II.C"]
    [quantity] = concept.quantities
    assert (quantity.quantity, quantity.stricter, quantity.looser) == ("grade", ["centene"], ["other-payer"])


# ------------------------------------------------------------------------------------- real policies


def test_real_imaging_pair_shares_services_but_no_concept():
    """Anthem CG-RAD-31 (3-D rendering of CT/MRI/US) and UnitedHealthcare MP.13.19 (site of service for
    MRI/CT) are the corpus's two payers' policies on the same imaging; read by eye, none of the 3-D
    rendering indications restates a site-of-service condition, and they list no code in common.
    The comparison pairs the two services and must not invent shared rows or contradictions."""
    comparison = compare_files([ANTHEM_3D, UHC_MRI_CT])
    [service] = comparison.services
    assert service.match == "sole" and set(service.names) == {"anthem", "unitedhealthcare"}
    assert not [concept.label for concept in comparison.concepts if len(concept.stated_by) > 1]
    assert comparison.contradictions == []
    rows = {row.code: row.members for row in comparison.codes}
    assert rows["76376"]["anthem"] != ABSENT and rows["76376"]["unitedhealthcare"] == ABSENT
    assert rows["70450"]["anthem"] == ABSENT and rows["70450"]["unitedhealthcare"] != ABSENT
    assert all(sum(status != ABSENT for status in row.members.values()) == 1 for row in comparison.codes)


def test_unchanged_criteria_of_two_lcd_versions_share_concepts():
    """Two versions of one LCD side by side: every criterion whose words did not change is in the same
    row as its twin, and no row holds a criterion without its twin while holding others."""
    old, new = LCD_VERSIONS / "L33822_2020.txt", LCD_VERSIONS / "L33822_2021.txt"
    comparison = compare_files([old, new])
    old_ids = {n.text: n.id for n in iter_criteria(extracted(old).criteria) if not n.children}
    new_ids = {n.text: n.id for n in iter_criteria(extracted(new).criteria) if not n.children}
    twins = {old_ids[text]: new_ids[text] for text in old_ids if text in new_ids}
    assert len(twins) >= 20
    for left, right in twins.items():
        holding = concepts_holding(comparison, "cms", left)
        assert holding and all(right in concept.members["cms-2"] for concept in holding), left


# ------------------------------------------------------------------------------------------------- CLI


def test_cli_compare_json_and_text(tmp_path, capsys):
    centene, cigna = (str(CORPUS / "seeds" / f"{name}.txt") for name in SEED_NAMES)
    out = tmp_path / "comparison.json"
    assert main(["compare", centene, cigna, "-o", str(out)]) == EXIT_OK
    record = json.loads(out.read_text(encoding="utf-8"))
    assert [policy["key"] for policy in record["policies"]] == ["centene", "cigna"]
    assert main(["compare", centene, cigna, "--format", "text"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "CONTRADICTIONS (1)" in text and "HCPCS S2150" in text
    assert 'centene  I.A: "To decrease the risk of relapse of hematologic malignancy"' in text


def test_cli_compare_needs_two_readable_files(tmp_path, capsys):
    centene = str(CORPUS / "seeds" / "centene-cp-mp-101-dli.txt")
    assert main(["compare", centene]) == EXIT_USAGE
    assert main(["compare", centene, str(tmp_path / "missing.pdf")]) == EXIT_UNREADABLE
    assert "missing.pdf" in capsys.readouterr().err


def test_columns_are_named_by_payer_and_number_and_never_numbered():
    """Two versions of one CMS LCD (their texts carry no number the parser reads): one name, so the
    file name tells them apart, never 'CMS-2'.
    A policy whose payer was not read is named by its file, not by a payer guessed elsewhere."""
    old, new = LCD_VERSIONS / "L33822_2020.txt", LCD_VERSIONS / "L33822_2021.txt"
    comparison = compare_files([old, new])
    assert [policy.name for policy in comparison.policies] == [
        "CMS (L33822_2020.txt)",
        "CMS (L33822_2021.txt)",
    ]
    centene, cigna = seed_policies("txt")
    unnamed = centene.model_copy(update={"payer": None})
    names = [policy.name for policy in compare_policies([unnamed, cigna]).policies]
    assert names == ["centene-cp-mp-101-dli CP.MP.101", "Cigna 0261"]


def test_a_contradiction_quotes_both_sides_with_their_pages():
    """Centene I.B is on page 1 and Cigna 3 on page 2 of the seed PDFs: the explanation quotes both with them."""
    [contradiction] = compare_policies(seed_policies("pdf")).contradictions
    assert "To convert the recipient stem cells" in contradiction.explanation
    assert "(I.B, p. 1)" in contradiction.explanation and "(3, p. 2)" in contradiction.explanation


def test_a_code_one_payer_covers_and_another_excludes_is_flagged():
    centene = gold_policy("centene-cp-mp-101-dli")
    code = centene.codes[0]
    excluding = centene.model_copy(
        update={"payer": "Other payer", "codes": [code.model_copy(update={"status": "not_covered"})]}
    )
    covering = centene.model_copy(update={"codes": [code.model_copy(update={"status": "covered"})]})
    [row] = compare_policies([covering, excluding]).codes
    assert row.conflict and row.members == {"centene": "covered", "other-payer": "not_covered"}
    [same] = compare_policies([covering, covering.model_copy(update={"payer": "Other payer"})]).codes
    assert not same.conflict
