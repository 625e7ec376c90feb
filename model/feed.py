"""What the version store hands back: versions of a policy, its history, the change feed.

Plain data, so that the reports render what the store read without importing the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from policydiff.model.diff import DiffResult


@dataclass(frozen=True)
class Version:
    number: int  # position in version order, 1 = oldest
    id: int
    sha256: str
    source_path: str
    format: str
    title: str
    effective: str | None
    last_revised: str | None
    ingested_at: str
    date: str  # what the version is ordered by: effective, else last revised, else the day it was ingested


@dataclass(frozen=True)
class StoredPolicy:
    """One policy the store holds, as `list` shows it: its latest version's title and date."""

    payer: str
    policy_number: str
    title: str
    versions: int
    latest: str  # the latest version's date (see Version.date)
    effective: str | None
    last_revised: str | None


@dataclass(frozen=True)
class HistoryEntry:
    version: Version
    # Changes against the version before (None for the first version).
    substantive: int | None
    silent: int | None


@dataclass(frozen=True)
class FeedEntry:
    payer: str
    policy_number: str
    title: str
    older: Version
    newer: Version
    # The stored diff with its changes narrowed to the substantive ones; its summary still counts all.
    # A change is silent when `documented` is false: new revision-log rows exist and none mentions it.
    diff: DiffResult

    def to_json_dict(self) -> dict:
        return {
            "payer": self.payer,
            "policy_number": self.policy_number,
            "title": self.title,
            "older": asdict(self.older),
            "newer": asdict(self.newer),
            "summary": self.diff.summary.model_dump(mode="json"),
            "changes": [change.model_dump(mode="json") for change in self.diff.changes],
        }
