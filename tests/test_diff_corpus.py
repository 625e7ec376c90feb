"""The revision diff end to end on real documents: CMS LCD L33822 2020 -> 2021, the seeds' text against
their PDF, and a revision pair made by editing the Centene seed (tests/data)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from policydiff import diff_files
from policydiff.cli import main
from policydiff.diff import diff_policies
from policydiff.model import Revision

from corpus import CORPUS, SEED_TEXTS, SPEC, doc_id, extracted

L33822 = CORPUS / "real" / "medicare-cms" / "l33822-versions"
SEED = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
REVISED = CORPUS / "seeds" / "revised" / "centene-cp-mp-101-dli-revised.txt"
DIFF_SCHEMA = json.loads((SPEC / "diff.schema.json").read_text(encoding="utf-8"))


def l33822_diff(with_log: bool = False):
    old, new = extracted(L33822 / "L33822_2020.txt"), extracted(L33822 / "L33822_2021.txt")
    if with_log:
        # The texts are the coverage sections only; the LCD's revision history table (gold) is the log.
        gold = json.loads((L33822 / "gold_revision_history.json").read_text(encoding="utf-8"))
        rows = [
            Revision(date=gold["revision_effective_date"], summary=change["revision_text"])
            for change in gold["documented_changes"] + gold["excluded_from_scoring"]
        ]
        new = new.model_copy(update={"revisions": rows})
    return diff_policies(old, new)


def criteria_change(result, words: str):
    """The criteria change whose left (or right) text holds `words`."""
    found = [
        c
        for c in result.changes
        if c.section == "criteria" and words in ((c.left or c.right).text if c.left or c.right else "")
    ]
    assert len(found) == 1, [c.summary for c in found]
    return found[0]


def test_l33822_removed_criterion_is_found_r1():
    change = criteria_change(l33822_diff(), "four or more times a day")
    assert (change.change, change.significance) == ("removed", "substantive")


def test_l33822_injections_to_administrations_and_medicare_covered_removed_r2_r3():
    change = criteria_change(l33822_diff(), "Medicare-covered continuous subcutaneous insulin infusion")
    assert change.significance == "substantive"
    edits = [(op.op, op.left.strip(), op.right.strip()) for op in change.edits]
    assert edits == [("replace", "injections", "administrations"), ("delete", "Medicare-covered", "")]


def test_l33822_criteria_1_4_to_1_3_is_cosmetic_renumbering():
    change = criteria_change(l33822_diff(), "determined that criteria (1-4)")
    assert "(1-3)" in change.right.text
    assert change.significance == "cosmetic"
    assert [op.reason for op in change.edits] == ["renumbering"]


def test_l33822_changes_are_documented_by_the_lcd_revision_history():
    result = l33822_diff(with_log=True)
    assert criteria_change(result, "four or more times a day").documented is True
    assert criteria_change(result, "Medicare-covered continuous subcutaneous").documented is True
    jsonschema.validate(result.to_json_dict(), DIFF_SCHEMA)


@pytest.mark.parametrize("text", SEED_TEXTS, ids=doc_id)
def test_seed_text_against_its_pdf_has_no_substantive_change(text):
    result = diff_policies(extracted(text), extracted(text.with_suffix(".pdf")))
    assert [c.summary for c in result.substantive_changes] == []


# ------------------------------------------------------------------------------ the edited-seed pair

# Every edit made to corpus/seeds/revised/centene-cp-mp-101-dli-revised.txt:
# (section, change, subject, documented, direction).
EXPECTED_SUBSTANTIVE = [
    ("criteria", "modified", "criterion I", False, "stricter"),  # any -> all of the following indications
    ("criteria", "modified", "criterion I.A", True, "looser"),  # decrease the risk of -> prevent or treat
    ("criteria", "removed", "criterion I.C.2", False, "looser"),  # contraindication removed
    ("criteria", "modified", "criterion II.C", True, "stricter"),  # excluded above grade 2 -> above grade 1
    ("codes", "removed", "CPT 86950", True, "unclear"),  # codes listed "for informational purposes only"
    ("codes", "added", "CPT 38243", True, "unclear"),
]
# The policy's own bookkeeping: listed, not counted as changes to coverage.
EXPECTED_BOOKKEEPING = [
    ("metadata", "modified", "date last revised"),  # 02/23 -> 02/24
    ("revisions", "added", "revision 2024-02"),  # the new log row
]
EXPECTED_COSMETIC = {
    "criterion I.C.1",  # pre-transplant -> pre-trans- plant (hyphenation)
    "criterion I.C.2 (was I.C.3)",  # renumbered after the removal
    "criterion I.C.3 (was I.C.4)",  # renumbered and reflowed over two lines
    "criterion II.A",  # ';' -> '.'
    "revision 2018-10",  # curly quotes -> straight quotes
    # Not an edit of its own: items take their kind from the lead-in, so any -> all turns this indication
    # into a requirement; criterion I's logic change says it.
    "criterion I.B",
}


def revised_pair():
    return diff_policies(extracted(SEED), extracted(REVISED))


def test_revised_seed_every_expected_change_and_nothing_else_substantive():
    result = revised_pair()
    found = [(c.section, c.change, c.subject, c.documented, c.direction) for c in result.substantive_changes]
    assert [change for change in found if change[:3] not in EXPECTED_BOOKKEEPING] == EXPECTED_SUBSTANTIVE
    assert [(c.section, c.change, c.subject) for c in result.bookkeeping_changes] == EXPECTED_BOOKKEEPING
    assert (result.summary.silent, result.summary.substantive, result.summary.bookkeeping) == (2, 6, 2)
    assert result.summary.by_direction.model_dump() == {
        "stricter": 2,
        "looser": 2,
        "unclear": 2,
        "neutral": 0,
    }


def test_revised_seed_cosmetic_edits_are_cosmetic():
    cosmetic = {c.subject for c in revised_pair().cosmetic_changes}
    assert cosmetic >= EXPECTED_COSMETIC
    assert cosmetic - EXPECTED_COSMETIC <= {"abbreviations"}  # HPC, defined by the new code's description


def test_revised_seed_threshold_and_logic_are_named():
    by_subject = {c.subject: c for c in revised_pair().changes}
    assert by_subject["criterion I"].field == "text,logic"
    [quantity] = by_subject["criterion II.C"].quantities
    assert (quantity.quantity, quantity.before.value, quantity.after.value) == ("grade", 2, 1)


def test_revised_seed_backwards_mirrors_the_changes():
    forward = revised_pair()
    backward = diff_policies(extracted(REVISED), extracted(SEED))
    flip = {"added": "removed", "removed": "added"}
    assert sorted((c.section, flip.get(c.change, c.change)) for c in backward.substantive_changes) == sorted(
        (c.section, c.change) for c in forward.substantive_changes
    )


# ----------------------------------------------------------------------------------- API and CLI


def test_diff_files_reads_both_files():
    result = diff_files(SEED, REVISED)
    assert result.left.path.endswith("centene-cp-mp-101-dli.txt")
    # With both texts read, the diff sees that I.B's words are unchanged: its kind, decided by the
    # parent's new logic, is a cosmetic change there, not a substantive one.
    found = [(c.section, c.change, c.subject, c.documented, c.direction) for c in result.substantive_changes]
    assert [change for change in found if change[:3] not in EXPECTED_BOOKKEEPING] == [
        change for change in EXPECTED_SUBSTANTIVE if change[2] != "criterion I.B"
    ]
    assert "criterion I.B" in {c.subject for c in result.cosmetic_changes}


def test_cli_diff_json_follows_the_contract(capsys):
    assert main(["diff", str(SEED), str(REVISED)]) == 0
    emitted = json.loads(capsys.readouterr().out)
    jsonschema.validate(emitted, DIFF_SCHEMA)
    assert emitted["summary"]["silent"] == 2


def test_cli_diff_text_to_a_file(tmp_path):
    out = tmp_path / "changes.txt"
    assert main(["diff", str(SEED), str(REVISED), "--format", "text", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "SILENT criterion I.C.2 removed" in text
    assert text.index("SUBSTANTIVE CHANGES") < text.index("COSMETIC CHANGES")


def test_cli_diff_of_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["diff", str(SEED), str(tmp_path / "missing.pdf")]) == 2
    assert "missing.pdf" in capsys.readouterr().err


def test_cli_diff_html_report(tmp_path):
    out = tmp_path / "changes.html"
    assert main(["diff", str(SEED), str(REVISED), "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert page.count("data-silent") == 2


def test_a_reports_page_links_open_each_source_from_where_the_report_is_written(tmp_path, monkeypatch):
    # The links named the sources as given on the command line (relative to where the command ran), so a
    # report written into another folder linked to files that are not there. Each link now leads from the
    # report's folder to the source.
    import os
    from urllib.parse import unquote

    from selectolax.lexbor import LexborHTMLParser

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "reports" / "changes.html"
    out.parent.mkdir()
    old, new = (os.path.relpath(path, tmp_path) for path in (SEED, REVISED))
    assert main(["diff", old, new, "--format", "html", "-o", "reports/changes.html"]) == 0
    links = LexborHTMLParser(out.read_text(encoding="utf-8")).css("a.page-link")
    assert links
    targets = set()
    for link in links:
        target, _, page = link.attributes["href"].partition("#page=")
        assert page.isdigit() and link.text().strip() == f"page {page}"
        targets.add((out.parent / unquote(target)).resolve())
    assert targets == {SEED.resolve(), REVISED.resolve()}
