"""A word of a PDF page as either text layer hands it to the loader (extract/pdf.py): its text, box, font
size and whether it is set mostly in a bold font."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# The loader's pdfplumber extract_words options, which the pdfium route's word grouping follows: words split
# on size (superscripts) but not on font (a bold colon or a symbol font's "®" stays in its word), with
# their characters (for bold), pdfplumber's default tolerances, blank characters splitting.
LOADER_WORD_OPTIONS = {"extra_attrs": ["size"], "keep_blank_chars": False, "return_chars": True}

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@cache
def is_bold_font(fontname: str) -> bool:
    # Once per font name, not per character: a page has thousands of characters and a few fonts.
    return _BOLD_FONT.search(fontname) is not None


def mostly_bold(bold_chars: int, chars: int) -> bool:
    return bold_chars * 2 > chars


def word_of_pdfplumber(word: dict) -> Word:
    """A word of pdfplumber's extract_words (extra_attrs=["size"], return_chars=True)."""
    fontnames = [char.get("fontname") or "" for char in word["chars"]]
    return Word(
        text=word["text"],
        x0=float(word["x0"]),
        x1=float(word["x1"]),
        top=float(word["top"]),
        bottom=float(word["bottom"]),
        size=float(word["size"]),
        bold=mostly_bold(sum(map(is_bold_font, fontnames)), len(fontnames)),
    )
