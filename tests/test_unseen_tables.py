"""Codes and revision logs of policies from payers the parsers were not developed on (issue 15).

tests/expected/<doc>/tables.json holds what each document lists, written from reading it: how many
distinct codes, a few codes with the status the document gives them, and how many revision-log rows.
Then one regression test per table or log shape, each on a real document.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policydiff.model import iter_criteria
from scoring import score_tables

from corpus import PAYMENT_POLICIES, TRACKER, UNSEEN_DOCUMENTS, doc_id, extracted

EXPECTED = Path(__file__).resolve().parent / "expected"
DOCUMENTS = [path for path in UNSEEN_DOCUMENTS if (EXPECTED / doc_id(path) / "tables.json").exists()]
# Revision rows still read wrong, by how many (a floor: a document may get better, never worse).
# bcbsm-genetic-testing-counseling: a dated note inside the last row's comments ("7/10/25: corrected
# typographical error") is read as a row. carelon-somatic-tumor-2025: rows whose status, dates and action
# stand on separate lines ("Updated codes" / "10/01/2025" / "n/a Unchanged ..."). cms-ncd-90-2: the
# "Other Versions" table after the log is read as two more rows.
REVISION_MISSES = {"bcbsm-genetic-testing-counseling": 1, "carelon-somatic-tumor-2025": 5, "cms-ncd-90-2": 2}


def expected_tables(path: Path) -> dict:
    return json.loads((EXPECTED / doc_id(path) / "tables.json").read_text(encoding="utf-8"))


def record(path: Path) -> dict:
    return extracted(path).to_json_dict()


def policy_key(path: Path) -> str:
    """The tracker's policy id ('bcbsm-ctdna'), or a payment policy's file stem."""
    return path.stem.split("_")[1] if path in TRACKER else path.stem


def payer_of(path: Path) -> str:
    return path.parent.name


def codes_of(path: Path) -> dict[tuple[str, str | None], set[str]]:
    statuses: dict[tuple[str, str | None], set[str]] = {}
    for code in record(path)["codes"]:
        statuses.setdefault((code["code"], code.get("code_end")), set()).add(code["status"])
    return statuses


def test_expectations_cover_the_unseen_policies():
    assert len(DOCUMENTS) >= 25
    # Every payer whose saved files include a coverage policy with line structure (the rest are landing
    # pages, error pages, a retired notice, or pages the tracker saved flattened to one line).
    assert len({payer_of(path) for path in DOCUMENTS}) >= 9
    assert any(path in PAYMENT_POLICIES for path in DOCUMENTS)


def test_code_counts_within_five_percent_on_nine_documents_in_ten():
    right = [path for path in DOCUMENTS if score_tables(expected_tables(path), record(path))["count_ok"]]
    assert len(right) >= 0.9 * len(DOCUMENTS), sorted(
        set(map(policy_key, DOCUMENTS)) - set(map(policy_key, right))
    )


@pytest.mark.parametrize("path", DOCUMENTS, ids=policy_key)
def test_code_count_and_sample_codes(path):
    expected = expected_tables(path)
    scores = score_tables(expected, record(path))
    assert scores["count_ok"], (scores["codes_expected"], scores["codes_got"])
    statuses = codes_of(path)
    for sample in expected["codes"]:
        assert sample["status"] in statuses.get((sample["code"], sample.get("code_end")), set()), sample


@pytest.mark.parametrize("path", DOCUMENTS, ids=policy_key)
def test_revision_rows(path):
    expected = expected_tables(path)["revision_count"]
    got = len(record(path)["revisions"])
    assert abs(got - expected) <= REVISION_MISSES.get(policy_key(path), 0), (expected, got)


# --- one test per shape, on a real document ---------------------------------------------------------


def unseen(key: str) -> Path:
    (path,) = [path for path in UNSEEN_DOCUMENTS if policy_key(path) == key]
    return path


def code(path: Path, value: str) -> dict:
    (found,) = [item for item in record(path)["codes"] if item["code"] == value][:1]
    return found


def test_label_led_plain_text_row_and_its_wrapped_description():
    # Regence prints the system in the row's first column: "CPT 0091U Oncology ..." then " 0179U ...".
    path = unseen("regence-lab46")
    assert code(path, "0091U")["system"] == "CPT"
    assert code(path, "0179U")["description"].endswith("with report of significant mutation(s)")


def test_code_alone_on_its_line_takes_the_description_below():
    # BCBS Massachusetts: "81445" on a line, its description on the four lines under it.
    description = code(unseen("bcbsma-ctdna-797"), "81445")["description"]
    assert description.startswith("Targeted genomic sequence analysis panel, solid organ neoplasm")
    assert description.endswith("copy number variants or rearrangements, if performed")


def test_repeated_table_labels_are_not_page_furniture():
    # UnitedHealthcare repeats "CPT Code Description" on every page and prints "HCPCS Code Description"
    # over G0327: the text loader sets them aside as running headers, the codes reader takes them back.
    assert code(unseen("uhc-molecular-oncology"), "G0327")["system"] == "HCPCS"


def test_status_heading_inside_a_code_list():
    # Carelon's web page: "Not Medically Necessary" stands as a heading over the second half of the list.
    statuses = codes_of(unseen("carelon-liquid-biopsy-landing"))
    assert statuses[("0007M", None)] == {"not_covered"}
    assert statuses[("81462", None)] == {"covered"}


@pytest.mark.parametrize(
    "policy", ["carelon-liquid-biopsy-2025", "carelon-liquid-biopsy-landing", "carelon-somatic-tumor-2025"]
)
def test_a_status_heading_inside_a_code_list_opens_no_criteria_section(policy):
    # "Not Medically Necessary" over "Code Not Medically Necessary" / "81327" (the PDFs' text and the web
    # page alike) opened a criteria section: the code rows after it were criteria too (the liquid biopsy
    # PDF's precision 0.50 in score_corpus; 38, 3 and 59 such items). A coverage position right above code
    # rows inside a codes section is now a label of the list.
    path = unseen(policy)
    criteria = [node.text for node in iter_criteria(extracted(path).criteria)]
    described = [code["description"] for code in record(path)["codes"] if code.get("description")]
    assert described
    assert not [text for text in criteria if any(description[:50] in text for description in described)]


def test_code_grid_under_established_and_other_codes():
    # BCBS Michigan: six codes a line under "Established codes:" and "Other codes (investigational ...):".
    statuses = codes_of(unseen("bcbsm-genetic-testing-panels"))
    assert statuses[("81229", None)] == {"covered"}
    assert statuses[("0209U", None)] == {"not_covered"}


def test_code_last_table_with_codes_run_into_the_name():
    # eviCore: "Procedures addressed by this guideline | Procedure codes", the code ending each row.
    path = unseen("evicore-liquid-biopsy-2026")
    assert code(path, "81170")["description"] == "ABL1 mutation analysis"
    assert {item["code"] for item in record(unseen("evicore-mced-2026"))["codes"]} == {"81599", "81479"}


def test_code_with_its_equivalent_in_parentheses():
    # WellCare: "99281 (G0380) | Emergency department visit ..." in a table under a criteria heading.
    statuses = codes_of(unseen("Emergency-Department-Facility-Coding-CPP-105-PDF"))
    assert ("99283", None) in statuses and ("G0382", None) in statuses


def test_codes_that_support_coverage_are_covered():
    statuses = codes_of(unseen("Fundus-Photography-CPVP29-PDF"))
    assert statuses[("B39.4", None)] == {"covered"}


def test_codes_named_in_a_revision_log_are_not_listed_codes():
    # Carelon's History rows name codes moved in and out ("removed ... 0012M, 0013M"); the code tables
    # do not list them.
    codes = codes_of(unseen("carelon-somatic-tumor-2025"))
    assert ("0012M", None) not in codes and ("0090U", None) not in codes


def test_plain_text_log_continues_across_page_furniture():
    # Anthem's Document History runs over a page break with the running header and footer inline.
    dates = [row["date"] for row in record(unseen("anthem-gene-14"))["revisions"]]
    assert dates[:3] == ["2022-11-10", "2022-06-29", "2022-02-17"]
    assert len(dates) == 8


def test_date_inside_a_wrapped_sentence_starts_no_row():
    # "Updated Coding section to include" / "07/01/2023 CPT changes, ..." is one row of Anthem's log.
    dates = [row["date"] for row in record(unseen("anthem-gene-52"))["revisions"]]
    assert "2023-07-01" not in dates and "2022-09-30" not in dates


def test_log_under_a_heading_the_sections_missed():
    # BCBS Michigan: "Joint BCBSM/BCN Medical Policy History", a stacked header, rows led by three dates.
    rows = record(unseen("bcbsm-ctdna"))["revisions"]
    assert rows[0]["date"] == "2009-01-01" and rows[0]["summary"].endswith("Joint policy established")
    assert len(rows) == 18


def test_header_cell_wrapped_into_its_own_row():
    # WellCare: "Reviews, Revisions, and Approvals | Date | Approval" over a row holding "Date".
    rows = record(unseen("Scanning-Computerized-Ophthalmic-Diagnostic-Imaging-CPVP14-PDF"))["revisions"]
    assert [(row["date"], row["approval_date"]) for row in rows] == [
        ("2019-12", "2019-12"),
        ("2020-04", "2020-06"),
    ]


def test_date_ending_a_sentence_starts_no_row():
    # BCBS Massachusetts: "... Clarified coding information." / "Effective 9/1/2017." under the 9/1/2017 row.
    assert len(record(unseen("bcbsma-ctdna-797"))["revisions"]) == 5
