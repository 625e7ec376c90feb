"""Inflating in steps (extract/inflate.py): the output zlib gives at once, and a measure of a PDF's streams
that stops a stream made to inflate to gigabytes before pdfium holds it."""

from __future__ import annotations

import tracemalloc
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from policydiff.extract.inflate import in_steps, inflate_in_steps, inflated_bytes
from test_bad_input import INPUTS

from corpus import ALL_PDFS, ROOT


@given(st.binary(max_size=300_000), st.sampled_from([1, 6, 9]))
def test_inflating_in_steps_gives_what_zlib_gives_at_once(data, level):
    packed = zlib.compress(data, level) + b"endstream trailing bytes"
    assert b"".join(inflate_in_steps(in_steps(packed))) == zlib.decompress(
        packed[: -len(b"endstream trailing bytes")]
    )


def test_a_truncated_stream_raises_as_zlib_does():
    packed = zlib.compress(bytes(range(256)) * 1000)
    with pytest.raises(zlib.error):
        zlib.decompress(packed[:-10])
    with pytest.raises(zlib.error):
        b"".join(inflate_in_steps(in_steps(packed[:-10])))


def test_the_measure_stops_past_the_most_and_keeps_none_of_it():
    bomb = INPUTS["inflates-to-1-GiB.pdf"]()
    tracemalloc.start()
    try:
        measured = inflated_bytes(bomb, 300 * 2**20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 300 * 2**20 < measured <= 310 * 2**20
    assert peak < 40 * 2**20  # a step of output and a step of input, not the stream


@pytest.mark.parametrize("path", ALL_PDFS[:4], ids=lambda path: path.name)
def test_corpus_pdfs_inflate_to_a_few_megabytes(path):
    assert 10_000 < inflated_bytes(path.read_bytes(), 2**31) < 20 * 2**20


def test_an_encrypted_pdf_cannot_be_measured():
    assert (
        inflated_bytes((ROOT / "tests" / "data" / "encrypted-empty-password.pdf").read_bytes(), 2**31) is None
    )
