"""Inflating a PDF's Flate streams a step at a time, so that a stream made to inflate to gigabytes (a
"zip bomb") is stopped by the file's caps before it is held in memory.

The exact route (pdfminer) inflates through `inflate_in_steps`, checking the caps between steps. pdfium
inflates in C, where no check can come between: before pdfium opens a file under a memory cap,
`inflated_bytes` measures what its streams inflate to, keeping none of it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator

from policydiff.extract.limits import checkpoint

# Output of one step of inflation; input is given this much at a time (so what zlib copies of the input
# left over, its unconsumed tail or the data after the stream's end, stays small).
INFLATE_STEP_BYTES = 8 * 2**20
INPUT_STEP_BYTES = 2**16

# Where a stream's data starts: after the keyword and its end of line ("endstream" is no start).
_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
# An encrypted PDF's streams are ciphertext until pdfium decrypts them: they cannot be measured here.
_ENCRYPTED = re.compile(rb"/Encrypt\b")


def inflate_in_steps(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """The zlib stream that `chunks` hold, inflated INFLATE_STEP_BYTES at a time, the time and memory caps
    checked between steps (limits.checkpoint); data after the stream's end is ignored, and a truncated
    stream raises zlib.error as zlib.decompress does."""
    inflater = zlib.decompressobj()
    for chunk in chunks:
        pending = chunk
        while pending and not inflater.eof:
            piece = inflater.decompress(pending, INFLATE_STEP_BYTES)
            if piece:
                yield piece
                checkpoint()
            pending = inflater.unconsumed_tail
        if inflater.eof:
            return
    raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")


def in_steps(data: bytes | memoryview) -> Iterator[memoryview]:
    """`data` in pieces of INPUT_STEP_BYTES, not copied."""
    view = memoryview(data)
    return (view[start : start + INPUT_STEP_BYTES] for start in range(0, len(view), INPUT_STEP_BYTES))


def _is_zlib(head: bytes) -> bool:
    """A zlib header (RFC 1950): deflate method, and the two bytes a multiple of 31."""
    return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


def _counted(pieces: Iterator[bytes], most: int) -> tuple[int, bytes]:
    """(bytes inflated, counted up to just past `most`; the first two) of a stream; a corrupt or truncated
    stream counts what inflated before the error."""
    size, head = 0, b""
    try:
        for piece in pieces:
            head = head or piece[:2]
            size += len(piece)
            if size > most:
                break
    except zlib.error:
        pass
    return size, head


def _stream_size(data: memoryview, most: int) -> int:
    """What the stream starting `data` inflates to, counted up to just past `most`."""
    size, head = _counted(inflate_in_steps(in_steps(data)), most)
    if size <= most and _is_zlib(head):  # deflated twice over: the reader holds the inner layer too
        inner, _ = _counted(inflate_in_steps(inflate_in_steps(in_steps(data))), most)
        size = max(size, inner)
    return size


def inflated_bytes(data: bytes, most: int) -> int | None:
    """What the Flate streams of PDF `data` inflate to, in all, counted up to just past `most` bytes;
    None for an encrypted PDF (its streams cannot be read before decryption)."""
    if _ENCRYPTED.search(data):
        return None
    view = memoryview(data)
    total = 0
    for start in _STREAM_START.finditer(data):
        if total > most:
            break
        if _is_zlib(data[start.end() : start.end() + 2]):
            # The stream runs to its zlib end: no need to find its /Length or its endstream.
            total += _stream_size(view[start.end() :], most - total)
    return total
