"""The normalized policy record: what `extract` emits (contract: shared/spec/policy.schema.json).

Every item carries its provenance (page, and box where the loader knew it), as docling's items do,
so that an analyst can go from any criterion, code, revision row or reference back to the page.
Fields beyond the contract are allowed by it; fields in it are never renamed or narrowed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1"

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"

Kind = Literal["statement", "indication", "contraindication", "exclusion", "requirement", "note"]
Coverage = Literal[
    "medically_necessary", "not_medically_necessary", "experimental_investigational", "not_covered"
]
Logic = Literal["all", "any", "none"]
CodeSystem = Literal["CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS", "NDC", "Revenue", "other"]
CodeStatus = Literal["covered", "not_covered", "related"]
SourceFormat = Literal["pdf", "html", "text"]
# Where a diagnostic arose: the loader, a field parser, the reading account, or filing at ingest.
Stage = Literal["load", "metadata", "criteria", "codes", "revisions", "references", "reading", "filing"]


class Record(BaseModel):
    """Base of every model: strict about unknown input fields, so typos in callers fail loudly."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Box(Record):
    """Where an item sits on its page, in PDF points from the top-left corner."""

    x0: float
    top: float
    x1: float
    bottom: float


class Span(Record):
    """Where some words stand in a text: text[start:end]."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class ProvenancePart(Record):
    """The part of an item printed on one page, for an item that goes on over a page break (docling's
    provenance items)."""

    page: int = Field(ge=1)
    box: Box | None = Field(
        default=None, description="Around the item's lines on this page; none outside PDFs."
    )
    span: Span = Field(description="The characters of the item's text printed on this page.")


class Provenance(Record):
    page: int | None = Field(default=None, ge=1, description="1-based page the item starts on.")
    box: Box | None = Field(
        default=None,
        description="Bounding box of the item's lines on that page (the lines after a page break are in "
        "`parts`); none outside PDFs.",
    )
    parts: list[ProvenancePart] = Field(
        default_factory=list,
        description="For an item that goes on over a page break, its part on each page, in order: the page, the "
        "box there and the span of the item's text (a criterion's or reference's text, a revision's summary, an "
        "unread block's text) printed there; the first part is at `page` and `box`. Empty for an item printed "
        "on one page, whose whole text is there.",
    )

    def _spanned_text(self) -> str | None:
        """The text the parts' spans index; none for an item of one line (a code, a metadata field)."""
        return None

    @model_validator(mode="after")
    def _parts_follow_the_item(self) -> Provenance:
        if not self.parts:
            return self
        if len(self.parts) < 2 or self.parts[0].page != self.page or self.parts[0].box != self.box:
            raise ValueError("parts are for an item on more than one page, the first at its page and box")
        text = self._spanned_text()
        end = 0
        for part in self.parts:
            if not end <= part.span.start < part.span.end or (text is not None and part.span.end > len(text)):
                raise ValueError(
                    f"part on page {part.page}: span {part.span.start}:{part.span.end} out of order"
                )
            end = part.span.end
        if any(a.page >= b.page for a, b in zip(self.parts, self.parts[1:], strict=False)):
            raise ValueError("parts must be on pages in order, one each")
        return self


class Source(Record):
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    format: SourceFormat
    pages: int | None = Field(default=None, ge=1)


class Dates(Record):
    effective: str | None = Field(default=None, pattern=DATE_PATTERN)
    last_revised: str | None = Field(default=None, pattern=DATE_PATTERN)
    last_reviewed: str | None = Field(default=None, pattern=DATE_PATTERN)
    next_review: str | None = Field(default=None, pattern=DATE_PATTERN)


class Quantity(Record):
    """A threshold or amount stated in a criterion ('BMI of 40 or greater', '<100% donor cells')."""

    text: str = Field(description="The words the quantity was read from.")
    quantity: str | None = Field(default=None, description="What is measured, e.g. 'BMI', 'age', 'grade'.")
    comparator: Literal["<", "<=", ">", ">=", "=", "range"] | None = None
    value: float
    value_end: float | None = Field(default=None, description="Upper bound of a range.")
    unit: str | None = None
    start: int | None = Field(
        default=None,
        ge=0,
        description="Where `text` starts in its criterion's text, a character offset (text[start:end]); "
        "none for a number a diff read from the words around it.",
    )
    end: int | None = Field(default=None, ge=0, description="Where `text` ends there (exclusive).")


class Criterion(Provenance):
    id: str = Field(
        description="Stable path of labels, e.g. 'I.C.1'; for unlabelled items a positional path."
    )
    label: str | None = None
    text: str
    kind: Kind
    coverage: Coverage | None = None
    coverage_words: Span | None = Field(
        default=None,
        description="Where the words that state `coverage` stand in `text` ('is considered medically "
        "necessary'); none when the item states no coverage position of its own.",
    )
    subject: Span | None = Field(
        default=None,
        description="Where the words the coverage position is stated of stand in `text`: the service or "
        "population before its copula ('Donor lymphocyte infusion (DLI)' of '... is considered medically "
        "necessary for ...'), or the object after a verb that takes it ('donor lymphocyte infusion' of "
        "'current evidence does not support the use of donor lymphocyte infusion for ...'); none when the "
        "coverage words have neither or nothing stands there.",
    )
    logic: Logic | None = None
    service: str | None = None
    quantities: list[Quantity] = Field(default_factory=list)
    children: list[Criterion] = Field(default_factory=list)

    def _spanned_text(self) -> str:
        return self.text

    @model_validator(mode="after")
    def _spans_are_in_the_text(self) -> Criterion:
        for name, words in (("coverage words", self.coverage_words), ("subject", self.subject)):
            if words is not None and not 0 <= words.start < words.end <= len(self.text):
                raise ValueError(f"{name} {words.start}:{words.end} not in the criterion's text")
        stated, subject = self.coverage_words, self.subject
        if subject is not None and (
            stated is None or (stated.start < subject.end and subject.start < stated.end)
        ):
            raise ValueError("a subject must stand beside the criterion's coverage words, not in them")
        for quantity in self.quantities:
            if quantity.start is not None and self.text[quantity.start : quantity.end] != quantity.text:
                raise ValueError(
                    f"quantity {quantity.text!r} is not at {quantity.start}:{quantity.end} of the criterion's text"
                )
        return self


class Code(Provenance):
    system: CodeSystem
    code: str
    code_end: str | None = None
    description: str | None = None
    status: CodeStatus | None = None

    def covers(self, code: str) -> bool:
        """Whether this row covers `code` of its system: the code itself, or a code inside its range (codes
        of one length compare character by character: 'E6601' is inside 'E6600'-'E6609', 'E661' is not)."""
        if self.code_end is None:
            return code == self.code
        return len(code) == len(self.code) == len(self.code_end) and self.code <= code <= self.code_end


class Revision(Provenance):
    date: str | None = Field(pattern=DATE_PATTERN)
    approval_date: str | None = Field(default=None, pattern=DATE_PATTERN)
    type: str | None = None
    summary: str

    def _spanned_text(self) -> str:
        return self.summary


class Reference(Provenance):
    number: int | None = None
    text: str
    authors: list[str] = Field(default_factory=list)
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None

    def _spanned_text(self) -> str:
        return self.text


class UnreadBlock(Provenance):
    """Consecutive lines of one section that no field of the record took up."""

    text: str
    lines: int = Field(ge=1)

    def _spanned_text(self) -> str:
        return self.text


class SectionAccount(Record):
    """How much of one section of the document went into the record."""

    heading: str
    kind: str = Field(description="What the heading says the section is: criteria, codes, background, ...")
    page: int | None = Field(default=None, ge=1)
    reader: str | None = Field(
        default=None, description="The field that reads sections of this kind; None where no field does."
    )
    lines: int = Field(ge=0)
    read: int = Field(ge=0, description="Lines whose words went into some field of the record.")
    unread: list[UnreadBlock] = Field(default_factory=list)


class ReadingAccount(Record):
    """The record's account of its own reading: what went into some field and what went nowhere."""

    lines: int = Field(ge=0)
    read: int = Field(ge=0)
    sections: list[SectionAccount] = Field(default_factory=list)


class Diagnostic(Record):
    """One thing the reader could not do or was unsure of, as data: what (a stable code a program can act
    on), where (the stage, the page, the item), and in words (the message, one of the record's warnings)."""

    code: str = Field(
        pattern=r"^[a-z]+\.[a-z0-9_]+$",
        description="Stable name of the kind of problem, '<stage>.<what>' (criteria.mixed_conjunctions).",
    )
    stage: Stage
    page: int | None = Field(default=None, ge=1)
    item: str | None = Field(
        default=None,
        description="The item it is about: a criterion id, a code, a revision-log date, a reference number.",
    )
    message: str = Field(description="What happened, in words a policy analyst understands.")

    @model_validator(mode="before")
    @classmethod
    def _stage_from_code(cls, data: object) -> object:
        """The stage is the code's first part, so a caller names the kind once ('criteria.x' -> criteria)."""
        if isinstance(data, dict) and "stage" not in data and isinstance(data.get("code"), str):
            return {**data, "stage": data["code"].partition(".")[0]}
        return data

    @model_validator(mode="after")
    def _stage_matches_code(self) -> Diagnostic:
        if self.code.partition(".")[0] != self.stage:
            raise ValueError(f"diagnostic {self.code!r} is not of stage {self.stage!r}")
        return self


class Policy(Record):
    schema_version: Literal["1"] = SCHEMA_VERSION
    source: Source
    payer: str | None = None
    policy_number: str | None = None
    title: str = ""
    dates: Dates = Field(default_factory=Dates)
    services: list[str] = Field(default_factory=list)
    abbreviations: dict[str, str] = Field(
        default_factory=dict, description="Short form -> long form, as defined in this document (DLI -> ...)."
    )
    related_policies: list[str] = Field(default_factory=list)
    metadata_provenance: dict[
        Literal[
            "payer", "title", "policy_number", "effective", "last_revised", "last_reviewed", "next_review"
        ],
        Provenance,
    ] = Field(
        default_factory=dict,
        description="Where the payer, the title, the policy number and each date were read: the page (and "
        "box) of the line that names the payer or prints the title or number, or a date's label; absent "
        "when read from no one line (a payer known from the source address).",
    )
    criteria: list[Criterion] = Field(default_factory=list)
    codes: list[Code] = Field(default_factory=list)
    revisions: list[Revision] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(
        default_factory=list,
        description="The warnings as data, one each, in the same order: code, stage, page and item.",
    )
    coverage: ReadingAccount | None = Field(
        default=None, description="Per section, the lines read into some field and the lines left unread."
    )

    @model_validator(mode="after")
    def _warnings_are_the_diagnostics_in_words(self) -> Policy:
        # A record made before diagnostics existed has warnings only; otherwise the two are one list.
        if self.diagnostics and [d.message for d in self.diagnostics] != self.warnings:
            raise ValueError("warnings must be the messages of the diagnostics, in order")
        return self

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")

    def with_diagnostics(self, diagnostics: list[Diagnostic]) -> Policy:
        """This record with `diagnostics`, and its warnings their messages (the one way both are set)."""
        return self.model_copy(
            update={"diagnostics": list(diagnostics), "warnings": [d.message for d in diagnostics]}
        )


def iter_criteria(criteria: list[Criterion]):
    """Every criterion of a forest, depth first, in document order."""
    for node in criteria:
        yield node
        yield from iter_criteria(node.children)
