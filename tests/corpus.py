"""The shipped corpus as the tests see it: every document, its id, and the projection of each field."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from policydiff import extract_file
from policydiff.model import Policy

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLDEN = Path(__file__).resolve().parent / "golden"
GOLD = Path(__file__).resolve().parent / "gold"  # the contract's expected extraction of the seeds
SPEC = Path(__file__).resolve().parent / "spec"
SHARED = ROOT.parent / "shared"

SEED_TEXTS = sorted((CORPUS / "seeds").glob("*.txt"))
SEED_PDFS = sorted((CORPUS / "seeds").glob("*.pdf"))
REAL_PDFS = sorted((CORPUS / "real").rglob("*.pdf"))
ALL_PDFS = SEED_PDFS + REAL_PDFS
REAL_HTML = sorted((CORPUS / "real").rglob("*.html"))
ALL_DOCUMENTS = SEED_TEXTS + ALL_PDFS + REAL_HTML


def _first_saved(paths: list[Path]) -> list[Path]:
    """One file per tracked policy: the tracker saved each on two dates, named PAYER_POLICY_DATE_HASH."""
    first: dict[str, Path] = {}
    for path in sorted(paths):
        first.setdefault(path.name.split("_")[1], path)
    return sorted(first.values())


# Payers the parsers were not developed on (corpus/README.md): the tracker's saved pages and PDF texts
# (landing pages and indexes among them, which are refused) and real payment-policy PDFs.
TRACKER = _first_saved([*(CORPUS / "tracker").rglob("*.pdf"), *(CORPUS / "tracker").rglob("*.html")])
PAYMENT_POLICIES = sorted((CORPUS / "payment-policies").rglob("*.pdf"))
UNSEEN_DOCUMENTS = TRACKER + PAYMENT_POLICIES
# Documents that state no coverage: every one must be refused as "not a coverage policy".
NOT_POLICIES = sorted((CORPUS / "not-policies").rglob("*.pdf"))

FIELDS = ("metadata", "criteria", "codes", "revisions", "references")
METADATA_KEYS = ("payer", "policy_number", "title", "dates", "related_policies", "services")


def doc_id(path: Path) -> str:
    """A stable id for a corpus file: its stem plus its format ('centene-cp-mp-101-dli.pdf')."""
    return f"{path.stem}.{path.suffix.lstrip('.')}"


@cache
def extracted(path: Path) -> Policy:
    return extract_file(path)


def _strip_boxes(value):
    if isinstance(value, dict):
        return {key: _strip_boxes(item) for key, item in value.items() if key != "box"}
    if isinstance(value, list):
        return [_strip_boxes(item) for item in value]
    return value


def project(record: dict, field: str):
    """The part of a record a golden file holds for `field` (boxes dropped: pages are enough to review)."""
    if field == "metadata":
        return {key: record.get(key) for key in METADATA_KEYS}
    return _strip_boxes(record.get(field, []))
