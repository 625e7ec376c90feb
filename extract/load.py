"""One entry for every format: bytes -> Document. The format is read from the content, not the name."""

from __future__ import annotations

import hashlib
from pathlib import Path

from policydiff.extract.document import Document
from policydiff.extract.errors import ExtractError

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


def load_bytes(data: bytes, path: str) -> Document:
    if not data:
        raise ExtractError(path, "empty file (0 bytes)")
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = sniff_format(data)
    if fmt == "pdf":
        from policydiff.extract.pdf import load_pdf

        return load_pdf(data, path, sha256)
    if fmt == "html":
        from policydiff.extract.html import load_html

        return load_html(data, path, sha256)
    from policydiff.extract.text import load_text_bytes

    return load_text_bytes(data, path, sha256)


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


def load_file(path: str | Path) -> Document:
    return load_bytes(read_file(path), str(path))
