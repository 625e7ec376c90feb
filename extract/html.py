"""HTML loader (selectolax): written next; placeholder so the package imports."""

from __future__ import annotations

from policydiff.extract.document import Document
from policydiff.extract.errors import ExtractError


def load_html(data: bytes, path: str, sha256: str) -> Document:
    raise ExtractError(path, "HTML loading is not implemented yet")
