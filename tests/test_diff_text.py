"""The diff reads the policy's own text: every changed word shows, and layout alone is no change.

Properties over real documents: a generated word edit anywhere in the policy is shown by some change
(structured, or a text change of its section); the same policy re-wrapped, re-paginated, or with its
site navigation changed has no substantive change.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policydiff import diff_files
from policydiff.api import record_and_text
from policydiff.diff.words import key
from policydiff.extract.load import load_bytes

from corpus import ALL_DOCUMENTS, CORPUS, SEED_TEXTS, doc_id

DATA = Path(__file__).resolve().parent / "data"
CENTENE = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
L33822_2021 = CORPUS / "real" / "medicare-cms" / "l33822-versions" / "L33822_2021.txt"
WORDS = ("pediatric", "quarterly", "hereditary", "biopsy", "fourteen")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rewrapped(text: str, width: int) -> str:
    """Every running-text line wrapped at `width` (table rows, with their tabs, kept whole)."""
    out = []
    for line in text.split("\n"):
        if "\t" in line or len(line) <= width:
            out.append(line)
            continue
        bullet = re.match(r"^(\s*(?:[-*•]|\d{1,2}[.)]|[A-Za-z][.)])\s+)", line)
        indent = " " * len(bullet.group(1)) if bullet else re.match(r"^\s*", line).group()
        out.append(
            textwrap.fill(
                line, width, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False
            )
        )
    return "\n".join(out)


def repaginated(text: str, every: int, header: str) -> str:
    """Page breaks every `every` lines, each page opened by a running header and a page number."""
    lines = text.split("\n")
    pages = [lines[i : i + every] for i in range(0, len(lines), every)]
    return "\f".join(
        "\n".join([header, f"Page {n} of {len(pages)}", *page]) for n, page in enumerate(pages, start=1)
    )


def substantive(result) -> list[str]:
    return [change.summary for change in result.changes if change.significance == "substantive"]


@pytest.mark.parametrize("width", [60, 75, 90, 105, 120])
@pytest.mark.parametrize("path", [*SEED_TEXTS, L33822_2021], ids=doc_id)
def test_a_txt_policy_rewrapped_has_no_change(path, width, tmp_path):
    text = path.read_text(encoding="utf-8")
    result = diff_files(path, write(tmp_path, path.name, rewrapped(text, width)))
    assert substantive(result) == []


@pytest.mark.parametrize("every", [25, 40])
def test_a_policy_repaginated_with_running_headers_has_no_change(every, tmp_path):
    text = CENTENE.read_text(encoding="utf-8")
    header = "CLINICAL POLICY Donor Lymphocyte Infusion"
    result = diff_files(CENTENE, write(tmp_path, CENTENE.name, repaginated(text, every, header)))
    assert substantive(result) == []


def test_a_web_page_whose_site_navigation_changed_has_no_change(tmp_path):
    page = (DATA / "sample-policy.html").read_text(encoding="utf-8")
    navigation = (
        '<nav><a href="/">Home</a> <a href="/members">Members</a> '
        '<a href="/providers?session=8f2a">Find a provider</a> <a href="/login">Log in</a></nav>'
    )
    changed = page.replace('<nav><a href="/">Home</a></nav>', navigation)
    assert changed != page
    result = diff_files(DATA / "sample-policy.html", write(tmp_path, "sample-policy.html", changed))
    assert substantive(result) == []


# ----------------------------------------------------------------------------- generated word edits


def shown_words(result, side: str) -> set[str]:
    """Every word a change shows on one side: its changed runs, and the whole of an item added/removed."""
    found: set[str] = set()
    for change in result.changes:
        for op in change.edits:
            found.update(key(getattr(op, side)).split())
        item = getattr(change, side)
        if item is not None and (change.change in ("added", "removed") or not change.words):
            found.update(key(item if isinstance(item, str) else item.model_dump_json()).split())
    return found


LINES = CENTENE.read_text(encoding="utf-8").split("\n")
# Lines of the policy's own text: not its running headers (a line repeated through the document).
EDITABLE = [
    (number, line)
    for number, line in enumerate(LINES)
    if len([w for w in line.split() if w.isalpha() and len(w) > 3]) >= 3 and LINES.count(line) < 3
]


@st.composite
def edits(draw):
    number, line = draw(st.sampled_from(EDITABLE))
    words = line.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 3]
    place = draw(st.sampled_from(candidates))
    op = draw(st.sampled_from(["insert", "delete", "replace"]))
    new = draw(st.sampled_from(WORDS))
    old = words[place]
    if op == "insert":
        words.insert(place, new)
    elif op == "delete":
        del words[place]
    else:
        words[place] = new
    return number, " ".join(words), op, old, new


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit=edits())
def test_property_a_word_edited_anywhere_is_shown_by_some_change(edit, tmp_path):
    number, line, op, old, new = edit
    lines = CENTENE.read_text(encoding="utf-8").split("\n")
    lines[number] = line
    result = diff_files(CENTENE, write(tmp_path, CENTENE.name, "\n".join(lines)))
    if op in ("insert", "replace"):
        assert new in shown_words(result, "right"), (op, old, new, line)
    if op in ("delete", "replace"):
        assert key(old) in shown_words(result, "left"), (op, old, new, line)


@pytest.mark.parametrize(("before", "after"), [("(n = 92)", "(n = 95)"), ("(HR 0.70)", "(HR 0.75)")])
def test_a_number_that_closes_a_bracket_is_shown_when_edited(before, after, tmp_path):
    # A bare number before ")" was taken for an enumerator ("it must 1) be ..., 2) be ...") and dropped from
    # the text the diff compares: an edited sample size or hazard ratio in the background showed nowhere.
    sentence = "Therefore, salvage therapies to combat the refractory disease are required."
    text = CENTENE.read_text(encoding="utf-8")
    assert text.count(sentence) == 1
    old = write(
        tmp_path, "old.txt", text.replace(sentence, sentence.replace("therapies", f"therapies {before}"))
    )
    new = write(
        tmp_path, "new.txt", text.replace(sentence, sentence.replace("therapies", f"therapies {after}"))
    )
    result = diff_files(old, new)
    assert key(before).split()[-1] in shown_words(result, "left")
    assert key(after).split()[-1] in shown_words(result, "right")


CUT_NOWHERE = ("al.", "e.g.", "i.e.", "vs.", "no.", "u.s.")


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=doc_id)
def test_the_text_is_not_cut_after_an_abbreviation(path):
    # The text the diff compares was cut at every period before a capital: "Kolb et al. | Blood 1990",
    # "Policy No. | 83", "the U.S. | Food and Drug Administration". It is cut by extract/sentences.py's
    # rule now (abbreviations, initials, open brackets), at clause ends as well.
    _, text = record_and_text(load_bytes(path.read_bytes(), str(path), None, "pdfium"))
    assert [passage.text for passage in text if passage.text.split()[-1].lower() in CUT_NOWHERE] == []
