"""Fuzzing: arbitrary and policy-shaped input through the loaders, every field parser, the date grammar
and the diff. Nothing may escape but the documented errors (ExtractError and its kinds).

Each target runs twice: a CI-sized run (derandomized, so it is the same run every time) and a long
random run of LONG_EXAMPLES examples, marked slow (pytest --run-slow)."""

from __future__ import annotations

import contextlib
import re
from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policydiff.api import extract_document
from policydiff.diff import diff_policies
from policydiff.extract.codes import parse_codes
from policydiff.extract.criteria import parse_criteria
from policydiff.extract.dates import find_all_dates, parse_date
from policydiff.extract.document import Cell, Document, Line
from policydiff.extract.errors import ExtractError, NotAPolicyError
from policydiff.extract.load import load_bytes
from policydiff.extract.metadata import parse_metadata
from policydiff.extract.references import parse_references
from policydiff.extract.revisions import parse_revisions
from policydiff.extract.sections import segment
from policydiff.extract.text import load_text
from policydiff.model import Policy
from policydiff.model.policy import (
    DATE_PATTERN,
    CodeStatus,
    CodeSystem,
    Coverage,
    Criterion,
    Kind,
    Logic,
    Quantity,
)

CI_EXAMPLES = 60
LONG_EXAMPLES = 10_000
RUNS = [
    pytest.param(CI_EXAMPLES, id="ci"),
    pytest.param(LONG_EXAMPLES, id="long", marks=pytest.mark.slow),
]
ISO = re.compile(DATE_PATTERN)


def fuzz(examples: int, strategy: st.SearchStrategy, check) -> None:
    """Run `check` on `examples` values drawn from `strategy`."""
    settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=examples == CI_EXAMPLES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )(given(strategy)(check))()


# ------------------------------------------------------------------------------------ policy-shaped text

# What policies are made of: headings, cue phrases, labels, codes, dates, citations, table separators.
# fmt: off
FRAGMENTS = [
    "Coverage Policy", "Policy", "Criteria", "Medical Necessity Criteria", "Coding", "Coding Information",
    "CPT Codes", "HCPCS Codes", "ICD-10 Codes", "Revision History", "Review History", "References",
    "Description", "Background", "Definitions", "Policy History", "Applicable Codes", "Related Policies",
    "is considered medically necessary when", "is not medically necessary", "experimental",
    "investigational", "unproven", "not covered", "all of the following", "any of the following",
    "one of the following", "none of the following", "and", "or", "AND", "OR", "I.", "II.", "A.", "B.",
    "1.", "2)", "a.", "(i)", "•", "-", "o", "38215", "38242", "86950", "S2150", "J3490", "C91.00",
    "Z94.84", "0261", "CP.MP.101", "0001-0002", "38204-38215", "01/2023", "2023-02-15", "March 2021",
    "Q1 2022", "12/31/2025", "2/30/2020", "13/45/9999", "Effective Date:", "Last Revised:",
    "Next Review Date:", "Smith J, Doe A, et al.", "doi:10.1000/xyz.123", "PMID: 12345678",
    "N Engl J Med. 2019;380(1):1-10.", "https://example.org/a", "Date", "Action", "Code", "Description",
    "Covered", "Not covered", ":", "(", ")", "\t", "≥", "<", "40", "kg/m2", "age", "years", "BMI", "18",
    "%", "Cigna", "Centene", "Anthem", "UnitedHealthcare", "Aetna", "®", "…", "....... 3", "Page 1 of 2",
]
# fmt: on
fragment = st.sampled_from(FRAGMENTS)
words = st.lists(st.one_of(fragment, fragment, st.text(max_size=12)), min_size=1, max_size=8)
line_text = words.map(" ".join)
INDENTS = [0.0, 18.0, 36.0, 54.0, 72.0]


@st.composite
def lines(draw) -> list[Line]:
    out = []
    for index, text in enumerate(draw(st.lists(line_text, max_size=40))):
        parts = [part.strip() for part in text.split("\t")]
        x0 = draw(st.sampled_from(INDENTS))
        cells = tuple(Cell(part, x0 + 100.0 * i, x0 + 100.0 * i + 90.0) for i, part in enumerate(parts))
        out.append(
            Line(
                text="\t".join(parts),
                page=1 + index // 15,
                x0=x0,
                top=float(index % 15) * 14.0,
                x1=x0 + 5.0 * len(text),
                bottom=float(index % 15) * 14.0 + 10.0,
                size=draw(st.sampled_from([0.0, 9.0, 10.0, 12.0, 14.0])),
                bold=draw(st.booleans()),
                cells=cells if len(cells) > 1 else (),
                heading_level=draw(st.none() | st.integers(1, 4)),
            )
        )
    return out


documents = lines().map(
    lambda body: Document(
        path="fuzz.pdf",
        format="pdf",
        sha256="0" * 64,
        page_count=max((line.page for line in body), default=1),
        lines=body,
    )
)


# ------------------------------------------------------------------------------------------- loaders


@pytest.mark.parametrize("examples", RUNS)
def test_the_loaders_read_any_bytes_or_say_why_not(examples):
    policy_bytes = st.lists(line_text, max_size=30).map(lambda rows: "\n".join(rows).encode("utf-8"))
    markup = st.lists(line_text, max_size=20).map(
        lambda rows: ("<html><body>" + "".join(f"<p>{row}</p><li>{row}" for row in rows)).encode("utf-8")
    )

    def check(data: bytes) -> None:
        with contextlib.suppress(ExtractError):
            load_bytes(data, "fuzz")

    fuzz(examples, st.one_of(st.binary(max_size=3000), policy_bytes, markup), check)


@pytest.mark.parametrize("examples", RUNS)
def test_the_text_loader_keeps_every_line_it_reads_in_the_body_or_the_furniture(examples):
    def check(text: str) -> None:
        doc = load_text(text, "fuzz.txt", "0" * 64)
        for line in [*doc.lines, *doc.furniture]:
            assert line.text.strip() and "\n" not in line.text

    fuzz(examples, st.one_of(st.text(max_size=2000), st.lists(line_text).map("\n".join)), check)


# ------------------------------------------------------------------------------------- field parsers

PARSERS = {
    "codes": lambda doc, sections: parse_codes(doc, sections),
    "revisions": lambda doc, sections: parse_revisions(doc, sections),
    "references": lambda doc, sections: parse_references(doc, sections),
    "criteria": lambda doc, sections: parse_criteria(doc, sections),
    "metadata": lambda doc, sections: parse_metadata(doc, sections),
}


@pytest.mark.parametrize("examples", RUNS)
@pytest.mark.parametrize("field", list(PARSERS))
def test_each_field_parser_reads_any_document(examples, field):
    def check(doc: Document) -> None:
        PARSERS[field](doc, segment(doc))

    fuzz(examples, documents, check)


@pytest.mark.parametrize("examples", RUNS)
def test_extraction_of_any_document_gives_a_valid_record_or_not_a_policy(examples):
    def check(doc: Document) -> None:
        try:
            policy = extract_document(doc)
        except NotAPolicyError:
            return
        Policy.model_validate(policy.model_dump())

    fuzz(examples, documents, check)


# ------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize("examples", RUNS)
def test_the_date_grammar_gives_iso_dates_or_nothing(examples):
    def check(text: str) -> None:
        iso = parse_date(text)
        assert iso is None or ISO.match(iso), iso
        assert all(ISO.match(found) for found in find_all_dates(text))

    date_like = st.lists(
        st.one_of(fragment, st.integers(0, 3000).map(str), st.sampled_from("/-., ")), max_size=8
    ).map("".join)
    fuzz(examples, st.one_of(st.text(max_size=60), date_like), check)


# ---------------------------------------------------------------------------------------------- diff

VOCABULARY = st.sampled_from(
    ["donor", "lymphocyte", "infusion", "relapse", "BMI", "40", "age", "18", "years", "chimerism", "%",
     "medically", "necessary", "all", "any", "following", "the", "a", "not"]
)  # fmt: skip
prose = st.lists(VOCABULARY, min_size=1, max_size=12).map(" ".join)
iso_dates = st.none() | st.sampled_from(["2020-01", "2021-03-15", "2022-12", "2023-02-01"])
quantities = st.builds(
    Quantity,
    text=prose,
    quantity=st.none() | st.sampled_from(["BMI", "age"]),
    comparator=st.none() | st.sampled_from(["<", "<=", ">", ">=", "=", "range"]),
    value=st.sampled_from([18.0, 40.0, 5.5, 100.0]),
    value_end=st.none() | st.just(65.0),
    unit=st.none() | st.sampled_from(["years", "%"]),
)


def criteria_trees(depth: int) -> st.SearchStrategy[list[Criterion]]:
    children = st.just([]) if depth == 0 else criteria_trees(depth - 1)
    node = st.builds(
        Criterion,
        id=st.sampled_from(["I", "I.A", "I.A.1", "II", "1", "2", "A"]),
        label=st.none() | st.sampled_from(["I.", "A.", "1."]),
        text=prose,
        kind=st.sampled_from(get_args(Kind)),
        coverage=st.none() | st.sampled_from(get_args(Coverage)),
        logic=st.none() | st.sampled_from(get_args(Logic)),
        service=st.none() | st.sampled_from(["donor lymphocyte infusion", "bariatric surgery"]),
        quantities=st.lists(quantities, max_size=2),
        children=children,
        page=st.none() | st.integers(1, 5),
    )
    return st.lists(node, max_size=4)


policies = st.builds(
    Policy,
    source=st.just({"path": "policy.txt", "sha256": "0" * 64, "format": "text"}),
    payer=st.none() | st.sampled_from(["Cigna", "Centene"]),
    policy_number=st.none() | st.sampled_from(["0261", "CP.MP.101"]),
    title=prose,
    dates=st.fixed_dictionaries({"effective": iso_dates, "last_revised": iso_dates}),
    services=st.lists(st.sampled_from(["donor lymphocyte infusion", "bariatric surgery"]), max_size=2),
    criteria=criteria_trees(2),
    codes=st.lists(
        st.fixed_dictionaries(
            {
                "system": st.sampled_from(get_args(CodeSystem)),
                "code": st.sampled_from(["38215", "38242", "S2150", "C91.00", "0001"]),
                "code_end": st.none() | st.just("38250"),
                "description": st.none() | prose,
                "status": st.none() | st.sampled_from(get_args(CodeStatus)),
            }
        ),
        max_size=5,
    ),
    revisions=st.lists(
        st.fixed_dictionaries({"date": iso_dates, "type": st.none() | st.just("Revised"), "summary": prose}),
        max_size=4,
    ),
    references=st.lists(
        st.fixed_dictionaries({"text": prose, "year": st.none() | st.integers(1990, 2025)}), max_size=3
    ),
)


@pytest.mark.parametrize("examples", RUNS)
def test_the_diff_of_any_two_records_runs_and_a_record_has_no_changes_against_itself(examples):
    def check(pair: tuple[Policy, Policy]) -> None:
        old, new = pair
        diff_policies(old, new)
        assert diff_policies(old, old).changes == []

    fuzz(examples, st.tuples(policies, policies), check)
