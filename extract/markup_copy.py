"""A flattened page that kept each element's markup, escaped, inside one of its attributes.

A content manager's page may carry every text element twice: its markup as a string in a data attribute
(`data-cmp-data-layer="{... &#34;xdm:text&#34;:&#34;<h2>Policy</h2>\\r\\n<p>...&#34;}}" id="text-1">`) and
its rendered text. A page saved with its tags stripped keeps the rendered text flattened (lists, headings
and tables run together) and, of the attribute, everything after the first '>' inside it: the markup of
the element minus its first opening tag. So the saved text goes

    <page's opening text> <head 1> </h2>\\r\\n<p>...   &#34;}}" id="...">  <head 1 ...rendered 1...> <head 2> </h2>...

Each element's head (the words of its first child, whose opening tag went with the stripped tags) ends
right before its first tag, and its rendered copy, after the attribute's end, opens with the same
words. This module rebuilds the page as HTML from the markup copies, each opened by its head, and hands
it to the HTML loader, so nested lists, headings and tables read as on the live page; the rendered
copies are dropped as repeats.
"""

from __future__ import annotations

import html
import re

# The end of an attribute holding an element's markup as JSON, then the rest of the element's opening tag.
_ATTRIBUTE_END = re.compile(r'&#34;\}\}"(?:\s+[\w:-]+="[^"<>]*")*\s*>')
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
# The markup copy starts at its first block tag: a rendered copy may hold an inline tag as text
# ("Testing for <i>ESR1</i> Mutations"), and inline markup that opened an element goes with its head.
_BLOCK_TAG = re.compile(
    r"<(/?)(h[1-6]|p|div|ul|ol|li|table|thead|tbody|tr|td|th|blockquote|pre)\b[^<>]*>", re.I
)
# JSON escapes inside the attribute: line breaks, quotes (written \&#34;), slashes.
_JSON_ESCAPES = (("\\r", "\r"), ("\\n", "\n"), ("\\t", "\t"), ("\\&#34;", '"'), ("\\/", "/"))
# Fewer copies than this are no page of elements but a stray string.
MIN_COPIES = 3
# How many words of an element's end are looked for to find where its rendered copy ends.
TAIL_WORDS = 12
# The longest head looked for (words): a heading, a header field, the first sentence of a paragraph.
MAX_HEAD_WORDS = 80
MARKUP_COPY_WARNING = (
    "flattened page read from the markup copies its elements kept in attributes (its rendered text, "
    "the same words, dropped)"
)


def may_hold_markup_copies(data: bytes) -> bool:
    """Whether a file's bytes may hold such copies (an attribute's end is there): the one test run on
    every text file before it is decoded for them."""
    return b'&#34;}}"' in data


def markup_copy(text: str) -> tuple[str, str, str] | None:
    """(the text before the first element, the page's elements as HTML, the text after the last one's
    rendered copy) of a flattened page whose elements kept their markup in attributes; None for any
    other text."""
    ends = list(_ATTRIBUTE_END.finditer(text))
    if len(ends) < MIN_COPIES:
        return None
    starts = [0, *(end.end() for end in ends[:-1])]
    pieces = [text[start : end.start()] for start, end in zip(starts, ends, strict=True)]
    firsts = [_BLOCK_TAG.search(piece) for piece in pieces]
    if any(first is None for first in firsts):
        return None
    befores = [piece[: first.start()] for piece, first in zip(pieces, firsts, strict=True)]
    # The words right before the first tag that the next rendered copy opens with.
    following = [*befores[1:], text[ends[-1].end() :]]
    heads = [_overlap(before, after) for before, after in zip(befores, following, strict=True)]
    opening = _words(befores[0])
    opening = " ".join(opening[: len(opening) - len(heads[0])])
    parts = []
    for piece, first, head in zip(pieces, firsts, heads, strict=True):
        tag = first.group(2).lower() if first.group(1) else "p"
        markup = piece[first.start() :]
        for escaped, plain in _JSON_ESCAPES:
            markup = markup.replace(escaped, plain)
        parts.append(
            f"<{tag}>{html.escape(' '.join(head), quote=False)}" + ("" if first.group(1) else f"</{tag}>")
        )
        parts.append(markup)
    rendered_last = text[ends[-1].end() :]
    closing = _after(_words(f"{' '.join(heads[-1])} {parts[-1]}"), rendered_last)
    return opening, "\n".join(parts), closing


def _after(words: list[str], text: str) -> str:
    """What follows the last words of `words` in `text`, spacing aside (a rendered copy may set a mark
    apart, "CELLSEARCH ® CTC"); all of `text` when they are not there."""
    text = html.unescape(text)
    needle = "".join(words[-TAIL_WORDS:])
    packed, offsets = [], []
    for index, char in enumerate(text):
        if not char.isspace():
            packed.append(char)
            offsets.append(index)
    found = "".join(packed).find(needle) if needle else -1
    return text[offsets[found + len(needle) - 1] + 1 :].strip() if found >= 0 else text.strip()


def _words(text: str) -> list[str]:
    return html.unescape(_TAG.sub(" ", text)).split()


def _overlap(before: str, after: str) -> list[str]:
    """The longest run of words that ends `before` and opens `after`."""
    ending, opening = _words(before)[-MAX_HEAD_WORDS:], _words(after)[:MAX_HEAD_WORDS]
    for size in range(min(len(ending), len(opening)), 0, -1):
        if ending[-size:] == opening[:size]:
            return ending[-size:]
    return []
