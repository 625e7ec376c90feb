"""The Python API: the same jobs as the CLI, for engines that embed the toolkit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from policydiff.diff import diff_policies
from policydiff.diff.compare import compare_policies
from policydiff.extract.codes import parse_codes
from policydiff.extract.criteria import parse_criteria
from policydiff.extract.document import Document
from policydiff.extract.errors import ExtractError, NotAPolicyError, ParserError
from policydiff.extract.limits import DEFAULT_LIMITS, Limits, limited, max_file_bytes
from policydiff.extract.load import DEFAULT_PDF_TEXT, load_bytes, loader_module, read_file, sniff_format
from policydiff.extract.metadata import parse_metadata
from policydiff.extract.passages import passages
from policydiff.extract.reading import account_reading
from policydiff.extract.references import parse_references
from policydiff.extract.revisions import parse_revisions
from policydiff.extract.sections import segment
from policydiff.model import Comparison, DiffResult, Policy, Source
from policydiff.model.text import Passage

T = TypeVar("T")


def extract_document(doc: Document) -> Policy:
    """A loaded document -> the normalized record. Raises NotAPolicyError when nothing policy-like is found."""
    sections = segment(doc)
    metadata = parse_metadata(doc, sections)
    criteria = parse_criteria(doc, sections)
    codes, code_warnings = parse_codes(doc, sections)
    revisions, revision_warnings = parse_revisions(doc, sections)
    references, reference_warnings = parse_references(doc, sections)
    known_kinds = {section.kind for section in sections} & {"criteria", "codes", "revisions"}
    # A policy number alone is not enough: a README or a journal article may cite one.
    if not (known_kinds or codes or criteria.criteria):
        raise NotAPolicyError(doc.path, "not a coverage policy (no criteria, codes or revision log found)")
    policy = Policy(
        source=Source(path=doc.path, sha256=doc.sha256, format=doc.format, pages=doc.page_count or None),
        payer=metadata.payer,
        policy_number=metadata.policy_number,
        title=metadata.title,
        dates=metadata.dates,
        services=criteria.services,
        abbreviations=criteria.abbreviations,
        related_policies=metadata.related_policies,
        metadata_provenance=metadata.provenance,
        criteria=criteria.criteria,
        codes=codes,
        revisions=revisions,
        references=references,
    )
    # Taken from the finished record, so every field's reading is accounted for by one mechanism.
    policy.coverage, reading_warnings = account_reading(policy, doc, sections)
    return policy.with_diagnostics(
        [
            *doc.warnings,
            *metadata.warnings,
            *criteria.warnings,
            *code_warnings,
            *revision_warnings,
            *reference_warnings,
            *reading_warnings,
        ]
    )


def extract_file(
    path: str | Path, limits: Limits = DEFAULT_LIMITS, pdf_text: str = DEFAULT_PDF_TEXT
) -> Policy:
    """Read one policy file (PDF, HTML or text, told apart by content) into its normalized record.

    Raises policydiff.extract.errors.ExtractError (with a one-line message naming the file) for a file
    that cannot be read as a policy; LimitError when it goes over one of `limits` (pages, time, memory).
    `pdf_text` is how a PDF's text layer is read: "pdfium" (the default), "exact" (pdfplumber, the same
    record in substance, slower) or "fast" (the exact route's record by a shorter way).
    """
    return extract_bytes(read_file(path, max_file_bytes(limits)), str(path), limits, pdf_text)


def extract_bytes(
    data: bytes, path: str, limits: Limits = DEFAULT_LIMITS, pdf_text: str = DEFAULT_PDF_TEXT
) -> Policy:
    """A policy file's content (`path` names it in the record and in errors) -> its normalized record.

    Raises ExtractError as extract_file does. This is what batch workers run: they receive the bytes,
    so a worker on another machine needs no access to the files.
    """
    return read_bytes(data, path, limits, pdf_text, extract_document)


def read_bytes(data: bytes, path: str, limits: Limits, pdf_text: str, read: Callable[[Document], T]) -> T:
    """`read` applied to the loaded document, under the limits, a parser bug reported as the file's error."""
    # The loader's first import is the program's memory, not the file's: done before the caps apply.
    loader_module(sniff_format(data))
    with limited(path, limits):
        with _failures_as_file_errors(path, "reading"):
            doc = load_bytes(data, path, limits.max_pages, pdf_text)
        with _failures_as_file_errors(path, "parsing"):
            return read(doc)


@contextmanager
def _failures_as_file_errors(path: str, stage: str) -> Iterator[None]:
    """Any other failure in one file's work (a bug, in policydiff or a library it calls) becomes this
    file's ParserError, so that a batch goes on; the documented errors pass through as they are."""
    try:
        yield
    except (ExtractError, MemoryError):  # MemoryError: the memory cap, reported by `limited`
        raise
    except Exception as error:
        raise ParserError(
            path, f"internal error while {stage} ({type(error).__name__}: {error}); please report it"
        ) from error


def record_and_text(doc: Document) -> tuple[Policy, list[Passage]]:
    """The record and the policy's own text, sentence by sentence (for a complete, honest diff)."""
    return extract_document(doc), passages(segment(doc), doc.furniture)


def diff_files(
    old_path: str | Path,
    new_path: str | Path,
    limits: Limits = DEFAULT_LIMITS,
    pdf_text: str = DEFAULT_PDF_TEXT,
) -> DiffResult:
    """What changed from the policy file `old_path` to `new_path` (each PDF, HTML or text).

    Besides the records, the diff reads both texts: words no parser understood still show, as text
    changes of their section. Raises ExtractError, as extract_file does, for a file that cannot be read
    as a policy; each file is held to `limits`, and so is the diff itself (a LimitError naming the newer
    file).
    """
    old, old_text = read_bytes(
        read_file(old_path, max_file_bytes(limits)), str(old_path), limits, pdf_text, record_and_text
    )
    new, new_text = read_bytes(
        read_file(new_path, max_file_bytes(limits)), str(new_path), limits, pdf_text, record_and_text
    )
    with limited(str(new_path), limits), _failures_as_file_errors(str(new_path), "diffing"):
        return diff_policies(old, new, old_text, new_text)


def compare_files(
    paths: list[str | Path], limits: Limits = DEFAULT_LIMITS, pdf_text: str = DEFAULT_PDF_TEXT
) -> Comparison:
    """Several payers' policies on one service (each file PDF, HTML or text) side by side: criteria
    grouped into concepts, who is stricter, contradictions, and the code matrix.

    Raises ExtractError, as extract_file does, for a file that cannot be read as a policy (each file is
    held to `limits`), and ValueError for fewer than two files.
    """
    return compare_policies([extract_file(path, limits, pdf_text) for path in paths])
