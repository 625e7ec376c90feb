"""One entry for every format: bytes -> Document. The format is read from the content, not the name."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import stat
from collections import Counter
from pathlib import Path
from types import ModuleType

from policydiff.extract.document import Document
from policydiff.extract.errors import ExtractError
from policydiff.extract.limits import check_page_count, file_too_large
from policydiff.extract.markup_copy import may_hold_markup_copies
from policydiff.model import Diagnostic

# How a PDF's text layer is read: pdfium's text page (extract/pdfium.py), 3x to 5x faster than pdfplumber,
# whose records are equal in substance to pdfplumber's on every corpus PDF (tests/test_pdfium_route.py);
# "exact", pdfplumber's conversion, the reading the parsers were developed on; or "fast", the same words
# as "exact" by a shorter way through pdfminer (extract/pdf_chars.py, tests/test_fast_path.py).
PDF_TEXT_LAYERS = ("pdfium", "exact", "fast")
DEFAULT_PDF_TEXT = "pdfium"

# A document printed twice into one file (second_copy_start): its opening lines come again, at least
# this many lines on, and this share of the second copy's lines are the first copy's.
OPENING_LINES = 3
MIN_REPEATED_LINES = 10
REPEAT_SHARE = 0.9
_SPACES = re.compile(r"\s+")
# A policy tracker saves `<stem>.meta.json` beside each file it fetched: provenance, not a policy.
PROVENANCE_SUFFIX = ".meta.json"

_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<div", b"<p>", b"<table", b"<h1")


def sniff_format(data: bytes) -> str:
    """'pdf', 'html' or 'text' from the first bytes; binary content that is none of these is refused."""
    head = data[:2048]
    if head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        probe = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    else:
        probe = head
    lowered = probe.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in lowered[:512] for marker in _HTML_MARKERS) or lowered.startswith(b"<?xml"):
        return "html"
    return "text"


def loader_module(fmt: str) -> ModuleType:
    """The loader of a format ('pdf', 'html', 'text'), imported on first use: pdfplumber is slow to import,
    and a text-only run need not pay for it."""
    return importlib.import_module(f"policydiff.extract.{fmt}")


def load_bytes(
    data: bytes, path: str, max_pages: int | None = None, pdf_text: str = DEFAULT_PDF_TEXT
) -> Document:
    """A file's content -> Document; `max_pages` caps the pages read (LimitError beyond it); `pdf_text`
    is one of PDF_TEXT_LAYERS."""
    if pdf_text not in PDF_TEXT_LAYERS:
        raise ValueError(f"unknown PDF text layer {pdf_text!r} (choose from {', '.join(PDF_TEXT_LAYERS)})")
    if not data:
        raise ExtractError(path, "empty file (0 bytes)")
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = sniff_format(data)
    if fmt == "pdf":
        doc = loader_module(fmt).load_pdf(data, path, sha256, max_pages, pdf_text)
    elif fmt == "html":
        doc = loader_module(fmt).load_html(data, path, sha256)
    else:
        _refuse_json(data, path)
        # A flattened page that kept its elements' markup is read from that markup, by the HTML loader.
        copy = (
            loader_module("html").load_markup_copy(data, path, sha256)
            if may_hold_markup_copies(data)
            else None
        )
        doc = copy or loader_module(fmt).load_text_bytes(data, path, sha256)
        # Form feeds are a text file's page breaks; counting them needs no more than reading the text.
        check_page_count(path, doc.page_count, max_pages)
    doc.source_url = source_url_beside(path) or doc.source_url
    start = second_copy_start([line.text for line in doc.lines])
    if start is not None:
        page = doc.lines[start].page
        where = f"on page {page}" if doc.page_count > 1 else "part-way through"
        doc.warnings.append(
            Diagnostic(
                code="load.repeated_document",
                page=page,
                message=f"repeated document: the text starts over {where} (the same document twice in one "
                "file?); its criteria and codes may be listed twice",
            )
        )
    return doc


def _refuse_json(data: bytes, path: str) -> None:
    """JSON is data, not a policy's text: a record policydiff wrote (`extract -o`), named where a policy
    file was meant, was read as a text policy and gave a record of its own JSON."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith((b"{", b"[")):
        return
    try:
        parsed = json.loads(stripped)
    except ValueError:  # text that opens with a brace or a bracket
        return
    if isinstance(parsed, dict) and "schema_version" in parsed and "source" in parsed:
        raise ExtractError(
            path, "a policydiff record (JSON), not a policy document: name the policy's own file"
        )
    raise ExtractError(path, "JSON data, not a policy document (PDF, HTML or text)")


def second_copy_start(texts: list[str]) -> int | None:
    """Where a text that is one document twice over starts its second copy, else None: the lines from
    there repeat the lines before them (REPEAT_SHARE of them at least, in any order: page breaks may
    fall elsewhere), and the two copies are about as long as each other."""
    keys = [_SPACES.sub(" ", text).strip().lower() for text in texts]
    if len(keys) < 2 * MIN_REPEATED_LINES:
        return None
    opening = keys[:OPENING_LINES]
    for start in range(MIN_REPEATED_LINES, len(keys) - MIN_REPEATED_LINES + 1):
        if keys[start : start + OPENING_LINES] != opening:
            continue
        first, second = Counter(keys[:start]), Counter(keys[start:])
        shorter = min(start, len(keys) - start)
        if (
            shorter >= REPEAT_SHARE * max(start, len(keys) - start)
            and sum((first & second).values()) >= REPEAT_SHARE * shorter
        ):
            return start
    return None


def source_url_beside(path: str) -> str | None:
    """The `sourceUrl` of the provenance sidecar saved beside `path`, if there is a readable one."""
    sidecar = Path(path).with_suffix(PROVENANCE_SUFFIX)
    try:
        url = json.loads(sidecar.read_text(encoding="utf-8")).get("sourceUrl")
    except (OSError, ValueError, AttributeError):
        # No sidecar, or not one a tracker wrote: the policy is read without its provenance.
        return None
    return url if isinstance(url, str) and url.strip() else None


def read_file(path: str | Path, max_bytes: int | None = None) -> bytes:
    """A file's bytes, or an ExtractError naming the file and why it cannot be read.

    Only a regular file is read: a device such as /dev/zero never ends, and a FIFO blocks until someone
    writes to it (it is opened without waiting, so the refusal comes at once). No more than `max_bytes`
    are read (LimitError beyond them)."""
    name = str(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as error:
        raise ExtractError(name, "no such file") from error
    except PermissionError as error:
        raise ExtractError(name, "permission denied") from error
    except OSError as error:
        raise ExtractError(name, f"cannot be read ({error.strerror or error})") from error
    with os.fdopen(handle, "rb") as file:
        mode = os.fstat(handle).st_mode
        if stat.S_ISDIR(mode):
            raise ExtractError(name, "is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise ExtractError(name, "not a regular file (a device, pipe or socket): save it to a file first")
        size = os.fstat(handle).st_size
        try:
            data = file.read() if max_bytes is None else file.read(max_bytes + 1)
        except OSError as error:
            raise ExtractError(name, f"cannot be read ({error.strerror or error})") from error
    if max_bytes is not None and max(size, len(data)) > max_bytes:
        raise file_too_large(name, max(size, len(data)), max_bytes)
    return data


def load_file(path: str | Path, max_pages: int | None = None, pdf_text: str = DEFAULT_PDF_TEXT) -> Document:
    return load_bytes(read_file(path), str(path), max_pages, pdf_text)
