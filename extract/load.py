"""One entry for every format: bytes -> Document. The format is read from the content, not the name."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from types import ModuleType

from policydiff.extract.document import Document
from policydiff.extract.errors import ExtractError
from policydiff.extract.limits import check_page_count

# How a PDF's text layer is read: pdfplumber's conversion (the reference), the fast route of
# extract/pdf_chars.py, which gives the same words (tests/test_fast_path.py), or pdfium's text page
# (extract/pdfium.py), which gives records equal in substance (tests/test_pdfium_route.py).
PDF_TEXT_LAYERS = ("pdfplumber", "fast", "pdfium")
DEFAULT_PDF_TEXT = "pdfplumber"

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
        return loader_module(fmt).load_pdf(data, path, sha256, max_pages, pdf_text)
    if fmt == "html":
        return loader_module(fmt).load_html(data, path, sha256)
    doc = loader_module(fmt).load_text_bytes(data, path, sha256)
    # Form feeds are a text file's page breaks; counting them needs no more than reading the text.
    check_page_count(path, doc.page_count, max_pages)
    return doc


def read_file(path: str | Path) -> bytes:
    """A file's bytes, or an ExtractError naming the file and why it cannot be read."""
    name = str(path)
    try:
        return Path(path).read_bytes()
    except IsADirectoryError as error:
        raise ExtractError(name, "is a folder, not a file") from error
    except FileNotFoundError as error:
        raise ExtractError(name, "no such file") from error
    except PermissionError as error:
        raise ExtractError(name, "permission denied") from error
    except OSError as error:
        raise ExtractError(name, f"cannot be read ({error.strerror or error})") from error


def load_file(path: str | Path, max_pages: int | None = None, pdf_text: str = DEFAULT_PDF_TEXT) -> Document:
    return load_bytes(read_file(path), str(path), max_pages, pdf_text)
