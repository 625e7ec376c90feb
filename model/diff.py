"""What changed between two versions of a policy (contract: shared/spec/diff.schema.json).

The contract fixes section, change, field, left, right, similarity, significance and documented;
the rest (word-level operations, quantities before and after, codes that entered or left a range,
where a moved item came from and went to, why a change is cosmetic, which log row documents it) is
what the text and HTML reports lay out without computing anything themselves.
"""

from __future__ import annotations

from typing import Literal

from policydiff.model.policy import (
    SCHEMA_VERSION,
    Code,
    Criterion,
    Dates,
    Quantity,
    Record,
    Reference,
    Revision,
)
from pydantic import Field

Section = Literal["metadata", "criteria", "codes", "revisions", "references"]
ChangeKind = Literal["added", "removed", "modified", "moved"]
Significance = Literal["substantive", "cosmetic"]
WordOpKind = Literal["equal", "insert", "delete", "replace"]
Direction = Literal["stricter", "looser", "neutral", "unclear"]

DIRECTION_ORDER: tuple[Direction, ...] = ("stricter", "looser", "unclear", "neutral")
SECTIONS: tuple[Section, ...] = ("criteria", "codes", "metadata", "revisions", "references")
CHANGE_KINDS: tuple[ChangeKind, ...] = ("added", "removed", "modified", "moved")

MetadataValue = str | list[str] | dict[str, str]
Item = Criterion | Code | Revision | Reference | MetadataValue


class WordOp(Record):
    """One step of a word-level diff. `left` + `right` of all ops rebuild both texts exactly."""

    op: WordOpKind
    left: str = ""
    right: str = ""
    significance: Significance | None = Field(default=None, description="None for equal runs.")
    reason: str | None = Field(
        default=None, description="Why a differing run is cosmetic (case, punctuation, hyphenation, ...)."
    )


class QuantityChange(Record):
    """A threshold or amount that changed: 'grade 2' -> 'grade 1', '<100%' -> '<95%'."""

    quantity: str | None = Field(default=None, description="What is measured, when known.")
    before: Quantity | None = None
    after: Quantity | None = None


class Change(Record):
    id: str = Field(description="Stable within one diff: section and position, e.g. 'criteria-3'.")
    section: Literal["metadata", "criteria", "codes", "revisions", "references"]
    change: ChangeKind
    field: str | None = None
    left: Item | None = None
    right: Item | None = None
    similarity: float | None = Field(default=None, ge=0, le=1)
    significance: Significance
    documented: bool | None = None
    subject: str = Field(
        description="What the change is about, for a reader: 'criterion I.C.2', 'CPT 38215'."
    )
    summary: str = Field(description="One line saying what changed.")
    reasons: list[str] = Field(
        default_factory=list, description="Why the change is cosmetic, or what makes it substantive."
    )
    left_ids: list[str] = Field(
        default_factory=list, description="Ids of the items before (several when items were merged)."
    )
    right_ids: list[str] = Field(
        default_factory=list, description="Ids of the items after (several when an item was split)."
    )
    words: list[WordOp] = Field(default_factory=list, description="Word-level diff of the text.")
    quantities: list[QuantityChange] = Field(default_factory=list)
    moved_from: str | None = Field(default=None, description="Parent id (or position) before a move.")
    moved_to: str | None = Field(default=None, description="Parent id (or position) after a move.")
    codes_entered: list[str] = Field(default_factory=list, description="Codes a range now includes.")
    codes_left: list[str] = Field(default_factory=list, description="Codes a range no longer includes.")
    documented_by: list[str] = Field(
        default_factory=list, description="Summaries of the new revision-log rows that mention the change."
    )
    documentation: str | None = Field(
        default=None, description="How the log mentions it (section id, code, key words)."
    )
    direction: Direction | None = Field(
        default=None,
        description="Which way coverage moved (substantive changes; None for cosmetic ones): "
        "stricter, looser, neutral (no bearing on coverage) or unclear (the rules cannot tell).",
    )
    direction_reasons: list[str] = Field(default_factory=list, description="Why it has its direction.")
    bookkeeping: bool = Field(
        default=False,
        description="The policy's own record keeping (its dates, its revision log): listed, not counted.",
    )
    heading: str | None = Field(
        default=None, description="For a change of the text: the heading of the section it stands in."
    )
    left_page: int | None = Field(default=None, description="Page of the item (or sentence) before.")
    right_page: int | None = Field(default=None, description="Page of the item (or sentence) after.")

    @property
    def edits(self) -> list[WordOp]:
        """The differing runs of the word-level diff (the equal runs left out)."""
        return [op for op in self.words if op.op != "equal"]

    @property
    def redline(self) -> str:
        """The sentence with its changed words marked as `git diff --word-diff` does: [-old-]{+new+}.

        An item added or removed is marked whole; a change without a word diff has no redline.
        """
        if not self.words:
            item = self.right if self.change == "added" else self.left if self.change == "removed" else None
            text = (
                item
                if isinstance(item, str)
                else next(
                    (getattr(item, f) for f in ("text", "summary", "description") if getattr(item, f, None)),
                    None,
                )
            )
            if not text:
                return ""
            return f"{{+{text.strip()}+}}" if self.change == "added" else f"[-{text.strip()}-]"
        parts = []
        for op in self.words:
            if op.op == "equal":
                parts.append(op.right)
                continue
            if op.left.strip():
                parts.append(f"[-{op.left.strip()}-]")
            if op.right.strip():
                parts.append(f"{{+{op.right.strip()}+}}")
            parts.append(" " if op.left[-1:].isspace() or op.right[-1:].isspace() else "")
        return " ".join("".join(parts).split())


class SectionCounts(Record):
    added: int = 0
    removed: int = 0
    modified: int = 0
    moved: int = 0
    substantive: int = 0
    cosmetic: int = 0
    silent: int = 0


class DirectionCounts(Record):
    stricter: int = 0
    looser: int = 0
    unclear: int = 0
    neutral: int = 0


class DiffSummary(Record):
    total: int = 0
    substantive: int = Field(
        default=0, description="Substantive changes to the policy, bookkeeping (its dates, its log) aside."
    )
    cosmetic: int = 0
    documented: int = Field(default=0, description="Substantive changes a new revision-log row mentions.")
    silent: int = Field(default=0, description="Substantive changes no new revision-log row mentions.")
    undetermined: int = Field(
        default=0, description="Substantive changes whose documentation cannot be told (documented null)."
    )
    new_revisions: int = 0
    bookkeeping: int = Field(default=0, description="Changes of the policy's own dates and revision log.")
    by_direction: DirectionCounts = Field(default_factory=DirectionCounts)
    by_section: dict[Section, SectionCounts] = Field(default_factory=dict)


class Side(Record):
    path: str | None = None
    format: str | None = None
    payer: str | None
    policy_number: str | None
    title: str
    sha256: str
    dates: Dates = Field(default_factory=Dates)


class DiffResult(Record):
    schema_version: Literal["1"] = SCHEMA_VERSION
    left: Side
    right: Side
    changes: list[Change] = Field(
        default_factory=list, description="Substantive first, then by section and document order."
    )
    summary: DiffSummary = Field(default_factory=DiffSummary)
    new_revisions: list[Revision] = Field(
        default_factory=list, description="Revision-log rows of the newer document absent from the older."
    )

    @property
    def substantive_changes(self) -> list[Change]:
        return [change for change in self.changes if change.significance == "substantive"]

    @property
    def coverage_changes(self) -> list[Change]:
        """Substantive changes other than bookkeeping, stricter first (then looser, unclear, neutral)."""
        found = [c for c in self.substantive_changes if not c.bookkeeping]
        return sorted(found, key=lambda change: DIRECTION_ORDER.index(change.direction or "neutral"))

    @property
    def bookkeeping_changes(self) -> list[Change]:
        return [change for change in self.substantive_changes if change.bookkeeping]

    @property
    def cosmetic_changes(self) -> list[Change]:
        return [change for change in self.changes if change.significance == "cosmetic"]

    @property
    def silent_changes(self) -> list[Change]:
        return [change for change in self.changes if change.documented is False]

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")
