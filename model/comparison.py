"""The cross-payer comparison: what `compare` emits (contract: shared/spec/comparison.schema.json).

One row (a Concept) per thing the policies say, with each payer's criterion ids and own wording; a
code matrix; where payers' thresholds differ, who is stricter; where one covers what another
excludes, a Contradiction. Fields beyond the contract are allowed by it and carried for the reports.
"""

from __future__ import annotations

from typing import Literal

from policydiff.model.diff import Direction
from policydiff.model.policy import SCHEMA_VERSION, Coverage, Kind, Record
from pydantic import Field

ABSENT = "absent"

Polarity = Literal["covers", "excludes", "requires", "neutral"]
ServiceMatch = Literal["same", "sole", "own"]


class ComparedPolicy(Record):
    key: str = Field(description="Short key used in members below, unique in this comparison.")
    name: str = Field(
        default="",
        description="The column's name for a reader: payer and policy number, the file's name where "
        "the payer was not read.",
    )
    payer: str | None = None
    policy_number: str | None = None
    title: str
    sha256: str
    path: str | None = None
    services: list[str] = Field(default_factory=list)
    code_count: int = Field(
        default=0,
        ge=0,
        description="Codes the policy lists. 0: it lists none, so 'absent' in its column of the code "
        "matrix says nothing about the code (NCDs and many LCDs leave codes to billing articles).",
    )


class ServiceGroup(Record):
    """One service as the compared policies name it (a row group of the table)."""

    label: str
    names: dict[str, str] = Field(description="policy key -> that policy's name for the service.")
    match: ServiceMatch = Field(
        description="'same': named alike by several policies; 'sole': the only service of each policy "
        "and paired for that reason, not by name; 'own': named by one policy only."
    )


class MemberText(Record):
    """One payer's own statement of a concept: the criterion, its words, and where it is."""

    id: str
    text: str = Field(description="The criterion's full text.")
    facet: str = Field(description="The part of the text that states this concept.")
    kind: Kind
    coverage: Coverage | None = Field(
        default=None, description="The criterion's coverage position, inherited from its parents."
    )
    polarity: Polarity
    catch_all: bool = Field(default=False, description="Speaks of 'any other indication' as a whole.")
    page: int | None = None


class QuantityValue(Record):
    id: str
    text: str
    comparator: str | None = None
    value: float
    value_end: float | None = None
    unit: str | None = None


class QuantityComparison(Record):
    """One measured thing stated by several payers in a concept, and who sets the harder bar."""

    quantity: str = Field(description="What is measured ('grade', 'BMI', or the unit when unnamed).")
    unit: str | None = None
    values: dict[str, list[QuantityValue]] = Field(description="policy key -> its statements of it.")
    stricter: list[str] = Field(default_factory=list, description="Policy keys setting the harder bar.")
    looser: list[str] = Field(default_factory=list)
    explanation: str


class PayerVerdict(Record):
    """How one payer's statement of a row compares with the other payers' (diff/direction.py's terms)."""

    direction: Direction
    reasons: list[str] = Field(default_factory=list)


class Concept(Record):
    id: str = Field(description="Stable row id in this comparison, e.g. 'C3'.")
    kind: str
    label: str
    service: str | None = None
    members: dict[str, list[str]] = Field(
        description="policy key -> criterion ids that state this concept (empty: not stated)."
    )
    texts: dict[str, list[MemberText]] = Field(default_factory=dict)
    stated_by: list[str] = Field(default_factory=list)
    catch_all: bool = False
    quantities: list[QuantityComparison] = Field(default_factory=list)
    contradictions: list[str] = Field(default_factory=list, description="Ids of contradictions involved.")
    verdicts: dict[str, PayerVerdict] = Field(
        default_factory=dict,
        description="policy key -> whether its statement is stricter or looser than the others' (stating "
        "payers only): by threshold on a shared row, by what the statement is on a row one payer states.",
    )


class ContradictionSide(Record):
    policy: str
    concept: str = Field(description="Concept id holding the criteria.")
    ids: list[str]
    service: str | None = None
    polarity: Polarity


class Contradiction(Record):
    id: str
    basis: Literal["explicit", "catch_all"] = Field(
        description="'explicit': the other payer excludes it in so many words; 'catch_all': the other "
        "payer covers a list of indications for the same service and excludes any other."
    )
    label: str
    covering: ContradictionSide
    opposing: ContradictionSide
    instead: list[ContradictionSide] = Field(
        default_factory=list,
        description="Where the opposing payer covers the same concept under another service.",
    )
    explanation: str


class CodeRow(Record):
    system: str
    code: str
    code_end: str | None = None
    description: str | None = None
    members: dict[str, str | None] = Field(
        description="policy key -> status in that policy (null: listed without status), or 'absent'."
    )
    conflict: bool = Field(
        default=False, description="One policy lists the code as covered and another as not covered."
    )


class Comparison(Record):
    schema_version: Literal["1"] = SCHEMA_VERSION
    policies: list[ComparedPolicy] = Field(min_length=2)
    services: list[ServiceGroup] = Field(default_factory=list)
    concepts: list[Concept] = Field(default_factory=list)
    codes: list[CodeRow] = Field(default_factory=list)
    contradictions: list[Contradiction] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")
