"""Words of a text and the word-level diff between two texts.

Texts are compared as sequences of word and symbol tokens, so whitespace and reflow never make a
difference; each differing run keeps the exact characters (spaces included) of both texts, so the
ops rebuild both texts for an inline redline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

TOKEN = re.compile(r"\w+(?:[.'’]\w+)*|[^\w\s]")
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "`": "'", "´": "'"})
DASHES = re.compile(r"[‐‑‒–—―−]")
MARKS = re.compile(r"[®™©†‡*]")


@dataclass(frozen=True)
class Token:
    text: str  # normalized form (NFKC, straight quotes, ASCII dashes); case kept
    start: int  # character span in the original text
    end: int


@dataclass(frozen=True)
class Run:
    """One step of the token alignment: tokens left[i1:i2] became right[j1:j2]."""

    op: str  # equal, insert, delete, replace
    i1: int
    i2: int
    j1: int
    j2: int


def normalize(text: str) -> str:
    """Typography away: compatibility forms, curly quotes, dash variants, trademark marks."""
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    return MARKS.sub(" ", DASHES.sub("-", text))


def tokens(text: str) -> list[Token]:
    # NFKC may change lengths, so normalize token by token to keep the spans of the original text.
    found = (Token(normalize(m.group()).strip(), m.start(), m.end()) for m in TOKEN.finditer(text))
    return [token for token in found if token.text]


def comparable(toks: list[Token]) -> list[str]:
    return [token.text for token in toks]


def is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    """The words of a text, lower case, single-spaced: equal keys differ only cosmetically in form."""
    return " ".join(t.lower() for t in comparable(tokens(text)) if is_word(t))


def runs(left: list[str], right: list[str]) -> list[Run]:
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    return [Run(*opcode) for opcode in matcher.get_opcodes()]


def slice_text(text: str, toks: list[Token], i1: int, i2: int) -> str:
    """Characters of tokens i1..i2, with the whitespace that follows them (so slices concatenate)."""
    if i1 == i2:
        return ""
    start = 0 if i1 == 0 else toks[i1].start
    end = len(text) if i2 == len(toks) else toks[i2].start
    return text[start:end]


def same_layout_aside(left: str, right: str) -> bool:
    """Equal but for whitespace and line breaks (reflow is not a change at all)."""
    return left.split() == right.split()
