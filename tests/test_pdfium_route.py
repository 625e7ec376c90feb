"""The pdfium text layer (extract/pdfium.py, the default `--pdf-text pdfium`): on every PDF of the corpus,
a record equal in substance to the exact pdfplumber route's (policydiff's own diff finds no substantive
change), words grouped by pdfplumber's own rules, and the option reaches the loader from every entry."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pypdfium2 as pdfium
import pytest
from pdfmaker import rotated_margin_pdf
from policydiff import extract_file
from policydiff.api import extract_bytes
from policydiff.diff import diff_policies
from policydiff.extract.errors import ExtractError
from policydiff.extract.limits import NO_LIMITS
from policydiff.extract.pdfium import PdfiumPage, _pdfplumber_words, group_words
from policydiff.extract.words import word_of_pdfplumber
from test_bad_input import INPUTS, POLICY_LINES

from corpus import ALL_PDFS, NOT_POLICIES, PAYMENT_POLICIES, ROOT, SEED_PDFS, doc_id, extracted

EVERY_PDF = ALL_PDFS + PAYMENT_POLICIES + NOT_POLICIES
CENTENE_PDF = SEED_PDFS[0]


def _record(path, pdf_text: str):
    try:
        return extract_file(path, pdf_text=pdf_text)
    except ExtractError as error:
        return str(error)


def _default(path):
    try:
        return extracted(path)
    except ExtractError as error:
        return str(error)


@pytest.mark.parametrize("path", EVERY_PDF, ids=doc_id)
def test_pdfium_record_equals_exact_in_substance(path):
    exact, pdfium_record = _record(path, "exact"), _default(path)
    if isinstance(exact, str) or isinstance(pdfium_record, str):
        assert pdfium_record == exact  # refused alike (not a policy), with the same message
        return
    changes = diff_policies(exact, pdfium_record).changes
    # Two PDFs differed here until the exact route read them as pdfium does: Scanning-Computerized-...-CPVP14
    # ("10.Visual field defects;": a number label set close to its word is now a label) and 340B-...-CPP-150
    # (its footer reads "-Revised:" on two pages in pdfminer and "- Revised:" on the third, which stayed in
    # the body: furniture is now told apart with spaces ignored).
    assert [change for change in changes if change.significance == "substantive"] == []


@pytest.mark.parametrize("path", EVERY_PDF, ids=doc_id)
def test_words_are_grouped_by_pdfplumbers_rules(path):
    # group_words is a faster form of pdfplumber's WordExtractor for the loader's options: on the same
    # characters it gives the same words, boxes and sizes, and the same share of bold characters per word.
    document = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            chars = PdfiumPage(document, index, str(path)).chars
            everyone = np.arange(chars.text.size)
            theirs = [word_of_pdfplumber(word) for word in _pdfplumber_words(chars, everyone)]
            assert group_words(chars) == theirs, f"{path.name} page {index + 1}"
    finally:
        document.close()


def test_turned_text_is_grouped_by_pdfplumbers_rules_in_its_place():
    # No corpus PDF turns its text: a margin note set at 90 degrees takes pdfplumber's own extractor, and
    # its words come where its characters stand in the stream (before the body here).
    data = rotated_margin_pdf(POLICY_LINES[:10], "Proprietary and confidential")
    document = pdfium.PdfDocument(data)
    try:
        chars = PdfiumPage(document, 0, "turned.pdf").chars
        words = group_words(chars)
    finally:
        document.close()
    assert 0 < np.count_nonzero(~chars.upright) < chars.text.size
    everyone = np.arange(chars.text.size)
    assert words == [word_of_pdfplumber(word) for word in _pdfplumber_words(chars, everyone)]
    # pdfplumber reads turned characters top to bottom (its char_dir_rotated default), so a note turned to
    # read upwards comes out backwards on both routes, before the body where the stream sets it.
    assert [word.text[::-1] for word in words[:3]] == ["confidential", "and", "Proprietary"]


def _outcome(data: bytes, name: str, pdf_text: str):
    try:
        return extract_bytes(data, name, pdf_text=pdf_text).model_dump()
    except ExtractError as error:
        # pdfium and pdfminer word the cause of a corrupt file differently; the verdict is the same.
        return type(error), str(error).split(" (", 1)[0]


# Malformed structure pdfminer fails on (reader crashes, issue 14) that pdfium may read or refuse in its own
# words: on these the pdfium route must only end cleanly, as a record or as the file's one-line error.
READER_CRASHES = {
    "no-mediabox.pdf",
    "non-numeric-mediabox.pdf",
    "string-mediabox.pdf",
    "cyclic-parent.pdf",
    "deep-page-tree.pdf",
    "inflates-to-1-GiB.pdf",
}
BAD_PDFS = [
    name
    for name in INPUTS
    if name.endswith(".pdf") and name not in {"missing.pdf", "500-pages.pdf"} | READER_CRASHES
]


@pytest.mark.parametrize("name", sorted(READER_CRASHES))
def test_malformed_pdfs_end_cleanly_on_the_pdfium_route(name):
    outcome = _outcome(INPUTS[name](), name, "pdfium")
    assert isinstance(outcome, dict) or issubclass(outcome[0], ExtractError)


@pytest.mark.parametrize("name", BAD_PDFS)
def test_bad_pdfs_fail_alike_on_both_routes(name):
    data = INPUTS[name]()
    exact, pdfium_outcome = _outcome(data, name, "exact"), _outcome(data, name, "pdfium")
    if isinstance(exact, dict):
        assert isinstance(pdfium_outcome, dict)
        assert not [
            change
            for change in diff_policies(
                extract_bytes(data, name, pdf_text="exact"), extract_bytes(data, name)
            ).changes
            if change.significance == "substantive"
        ]
    else:
        assert pdfium_outcome == exact


@pytest.fixture
def pdfminer_pages(monkeypatch) -> list[int]:
    """Pages pdfminer interprets (the pdfium route interprets none)."""
    import pdfplumber

    pages: list[int] = []
    layout = pdfplumber.page.Page.layout

    def counting(self):
        pages.append(self.page_number)
        return layout.fget(self)

    monkeypatch.setattr(pdfplumber.page.Page, "layout", property(counting))
    return pages


def test_the_default_route_is_pdfium_and_the_exact_route_pdfminer(pdfminer_pages):
    extract_file(CENTENE_PDF)
    assert pdfminer_pages == []
    extract_file(CENTENE_PDF, pdf_text="exact")
    assert pdfminer_pages


def test_cli_option_takes_the_exact_route_to_a_record_equal_in_substance(run, pdfminer_pages):
    code, out, err = run("extract", "--pdf-text", "exact", CENTENE_PDF)
    assert code == 0, err
    assert pdfminer_pages
    record = extract_file(CENTENE_PDF, pdf_text="exact")
    assert json.loads(out) == json.loads(record.model_dump_json())
    assert not diff_policies(record, extracted(CENTENE_PDF)).changes


_READ_IN_THREADS = """
import sys, time
from concurrent.futures import ThreadPoolExecutor
from policydiff.extract.pdfium import open_pdfium

files = [(open(path, "rb").read(), path) for path in sys.argv[2:]]

def read(file):
    with open_pdfium(*file) as document:
        return [(page.height, page.words(), page.edges, page.close()) for page in document.pages[:3]]

alone = [read(file) for file in files]
until = time.monotonic() + float(sys.argv[1])
with ThreadPoolExecutor(4) as pool:
    while time.monotonic() < until:
        assert list(pool.map(read, files)) == alone
"""


def test_pdfium_is_read_from_several_threads_without_crashing():
    # pdfium is not thread-safe (a Dask worker runs its tasks on threads): without the route's lock this
    # process died of a segmentation fault or a trap within a few seconds, every time of four.
    reading = subprocess.run(
        [sys.executable, "-c", _READ_IN_THREADS, "4", *map(str, ALL_PDFS)], capture_output=True, text=True
    )
    assert reading.returncode == 0, reading.stderr[-2000:]


def test_under_a_memory_cap_an_encrypted_pdf_takes_the_exact_route(pdfminer_pages):
    # Its streams cannot be measured before pdfium decrypts them (extract/inflate.py), and pdfium would end
    # the process on a stream inflating past the cap: pdfminer inflates in steps, checking the cap.
    encrypted = ROOT / "tests" / "data" / "encrypted-empty-password.pdf"
    extract_file(encrypted, NO_LIMITS)
    assert pdfminer_pages == []
    extract_file(encrypted)  # the default limits hold a memory cap
    assert pdfminer_pages
