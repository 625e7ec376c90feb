"""The HTML reports, read back through an HTML parser: every item of the record is on the page, the
counts are the JSON's, and hostile policy text stays text."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest
from policydiff.cli import main
from policydiff.diff import diff_policies
from policydiff.diff.compare import compare_policies
from policydiff.html_report import assets, compare_html, diff_html, policy_html, text_pieces
from policydiff.model import Criterion, Policy, Quantity, Span, iter_criteria
from policydiff.model.diff import SECTIONS
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from corpus import ALL_DOCUMENTS, CORPUS, GOLD, ROOT, SEED_PDFS, SEED_TEXTS, doc_id, extracted

SOURCE = {"path": "policy.txt", "sha256": "0" * 64, "format": "text"}
GOLD_NAMES = ["centene-cp-mp-101-dli", "cigna-0261-dli-hpc-boost"]
REVISED_CENTENE = ROOT / "corpus" / "seeds" / "revised" / "centene-cp-mp-101-dli-revised.txt"
L33822 = CORPUS / "real" / "medicare-cms" / "l33822-versions"
DIFF_PAIRS = {
    "centene-revised": (SEED_TEXTS[0], REVISED_CENTENE),
    "l33822-2020-2021": (L33822 / "L33822_2020.txt", L33822 / "L33822_2021.txt"),
    **{f"{text.stem}-text-vs-pdf": (text, pdf) for text, pdf in zip(SEED_TEXTS, SEED_PDFS, strict=True)},
}
HOSTILE = '<script>alert("x")</script>" onload="alert(1)" <img src=x onerror=alert(2)>'


def gold_policy(name: str) -> Policy:
    record = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))
    return Policy.model_validate({**record, "source": {**SOURCE, "path": f"{name}.txt"}})


def policy_of(case: str | Path) -> Policy:
    return gold_policy(case) if isinstance(case, str) else extracted(case)


def text_of(node: Node | None) -> str:
    return " ".join((node.text(deep=True) if node else "").split())


def words(text: str) -> str:
    return " ".join(text.split())


POLICY_CASES = [*GOLD_NAMES, *ALL_DOCUMENTS]
POLICY_IDS = [f"gold-{name}" for name in GOLD_NAMES] + [doc_id(path) for path in ALL_DOCUMENTS]


@cache
def policy_page(case: str | Path) -> HTMLParser:
    return HTMLParser(policy_html(policy_of(case)))


# ----------------------------------------------------------------------------------------------- policy


@pytest.mark.parametrize("case", POLICY_CASES, ids=POLICY_IDS)
def test_the_policy_report_shows_every_criterion_in_order_with_its_words(case):
    policy, page = policy_of(case), policy_page(case)
    nodes = list(iter_criteria(policy.criteria))
    items = page.css("li.criterion")
    assert [item.attributes["data-criterion"] for item in items] == [node.id for node in nodes]
    for item, node in zip(items, nodes, strict=True):
        assert text_of(item.css_first(".criterion-text")) == words(node.text)
    assert f"Criteria ({len(nodes)})" in text_of(page.css_first("nav.toc"))


@pytest.mark.parametrize("case", ALL_DOCUMENTS, ids=doc_id)
def test_the_subject_coverage_words_and_each_threshold_are_marked_in_place_in_the_criterion_text(case):
    # Where the record's spans say (Criterion.subject and coverage_words, Quantity.start/end), not found
    # again; a threshold inside a subject is marked as both.
    policy, page = policy_of(case), policy_page(case)
    for item, node in zip(page.css("li.criterion"), iter_criteria(policy.criteria), strict=True):
        text = item.css_first(".criterion-text")
        marks = [text_of(mark) for mark in text.css("mark.quantity")]
        assert marks == [words(quantity.text) for quantity in node.quantities], node.id
        stated, subject = node.coverage_words, node.subject
        coverage = [words(node.text[stated.start : stated.end])] if stated else []
        assert [text_of(mark) for mark in text.css("mark.coverage")] == coverage, node.id
        # The subject's pieces (cut where a threshold inside it starts and ends) read as its words.
        subject_words = words(" ".join(mark.text() for mark in text.css("mark.subject")))
        assert subject_words == (words(node.text[subject.start : subject.end]) if subject else ""), node.id


def test_a_threshold_inside_a_subject_is_marked_as_both():
    # The pieces cut where each span starts and ends, each with every mark it stands in.
    text = "Repeat infusion for chimerism of <100% donor cells is considered medically necessary"
    criterion = Criterion(
        id="1",
        text=text,
        kind="statement",
        coverage="medically_necessary",
        coverage_words=Span(start=text.index("considered"), end=len(text)),
        subject=Span(start=0, end=text.index(" is ")),
        quantities=[
            Quantity(
                text="<100% donor cells",
                comparator="<",
                value=100,
                unit="%",
                start=text.index("<"),
                end=text.index(" is "),
            )
        ],
    )
    assert text_pieces(criterion) == [
        ("Repeat infusion for chimerism of ", "subject"),
        ("<100% donor cells", "subject quantity"),
        (" is ", ""),
        ("considered medically necessary", "coverage"),
    ]


@pytest.mark.parametrize("case", POLICY_CASES, ids=POLICY_IDS)
def test_every_group_says_all_any_or_none_and_coverage_positions_are_marked(case):
    policy, page = policy_of(case), policy_page(case)
    for item, node in zip(page.css("li.criterion"), iter_criteria(policy.criteria), strict=True):
        line = item.css_first(".criterion-line")
        badge = line.css_first("[data-logic-badge]")
        assert (badge.text() if badge else None) == (node.logic.upper() if node.logic else None)
        coverage = line.css_first(".badge.coverage")
        assert (coverage is not None) == (node.coverage is not None)
        if node.coverage:
            assert node.coverage.replace("_", " ").split()[0] in text_of(coverage).lower()


@pytest.mark.parametrize("case", POLICY_CASES, ids=POLICY_IDS)
def test_the_codes_table_lists_every_code_with_filters_for_the_systems_and_statuses_present(case):
    policy, page = policy_of(case), policy_page(case)
    rows = page.css("#codes-table tbody tr")
    assert len(rows) == len(policy.codes)
    for row, code in zip(rows, policy.codes, strict=True):
        cells = [text_of(cell) for cell in row.css("td")]
        assert cells[0] == code.system and cells[1].startswith(code.code)
        assert row.attributes["data-status"] == (code.status or "none")
        assert cells[4] == (f"p. {code.page}" if code.page else "")
    if policy.codes:
        systems = [o.attributes["value"] for o in page.css("#codes-system option")][1:]
        assert sorted(systems) == sorted({code.system for code in policy.codes})
        statuses = {o.attributes["value"] for o in page.css("#codes-status option")} - {""}
        assert statuses == {code.status or "none" for code in policy.codes}


@pytest.mark.parametrize("case", POLICY_CASES, ids=POLICY_IDS)
def test_the_timeline_references_and_warnings_are_all_there_with_their_pages(case):
    policy, page = policy_of(case), policy_page(case)
    rows = page.css("ol.timeline li")
    assert len(rows) == len(policy.revisions)
    dates = [row.css_first("time").attributes["datetime"] for row in rows if row.css_first("time")]
    assert dates == sorted(dates, reverse=True)
    references = page.css("li.reference")
    assert len(references) == len(policy.references)
    for item, reference in zip(references, policy.references, strict=True):
        assert text_of(item.css_first(".reference-text")) == words(reference.text)
        assert (f"p. {reference.page}" in text_of(item)) == bool(reference.page)
    assert len(page.css("ul.warnings li")) == len(policy.warnings)


@pytest.mark.parametrize("case", POLICY_CASES, ids=POLICY_IDS)
def test_the_header_names_payer_number_title_and_dates(case):
    policy, page = policy_of(case), policy_page(case)
    header = page.css_first("header.report-header")
    assert text_of(header.css_first("[data-field=title]")) == words(policy.title or "(untitled)")
    if policy.payer:
        assert text_of(header.css_first("[data-field=payer]")) == policy.payer
    if policy.policy_number:
        assert text_of(header.css_first("[data-field=policy_number]")) == policy.policy_number
    shown = {node.attributes["data-date"]: node.attributes["datetime"] for node in header.css("[data-date]")}
    assert shown == {name: value for name, value in policy.dates if value}


def test_dois_and_pmids_are_plain_links_to_doi_org_and_pubmed():
    policy = gold_policy("centene-cp-mp-101-dli")
    with_doi = [reference for reference in policy.references if reference.doi]
    assert len(with_doi) == 15
    policy.references[0].pmid = "17166786"
    page = HTMLParser(policy_html(policy))
    hrefs = {a.attributes["href"] for a in page.css(".ref-links a")}
    assert {f"https://doi.org/{reference.doi}" for reference in with_doi} <= hrefs
    assert "https://pubmed.ncbi.nlm.nih.gov/17166786/" in hrefs


def test_extract_writes_the_policy_report(tmp_path):
    out = tmp_path / "report.html"
    assert main(["extract", str(SEED_TEXTS[1]), "--format", "html", "-o", str(out)]) == 0
    page = HTMLParser(out.read_text(encoding="utf-8"))
    assert text_of(page.css_first("[data-field=policy_number]")) == "0261"
    assert len(page.css("li.criterion")) == sum(1 for _ in iter_criteria(extracted(SEED_TEXTS[1]).criteria))


def test_diff_and_compare_write_their_reports(tmp_path):
    diff_out, compare_out = tmp_path / "diff.html", tmp_path / "compare.html"
    assert (
        main(["diff", str(SEED_TEXTS[0]), str(REVISED_CENTENE), "--format", "html", "-o", str(diff_out)]) == 0
    )
    assert main(["compare", *map(str, SEED_TEXTS), "--format", "html", "-o", str(compare_out)]) == 0
    result, _ = diff_case("centene-revised")
    diff_page = HTMLParser(diff_out.read_text(encoding="utf-8"))
    assert len(diff_page.css("[data-change]")) == len(result.changes)
    comparison = compare_policies([extracted(path) for path in SEED_TEXTS])
    compare_page = HTMLParser(compare_out.read_text(encoding="utf-8"))
    assert len(compare_page.css("#concept-matrix tr.concept")) == len(comparison.concepts)


# ----------------------------------------------------------------------------------------------- safety


def hostile_policy() -> Policy:
    record = json.loads((GOLD / "centene-cp-mp-101-dli.json").read_text(encoding="utf-8"))
    record["title"] = HOSTILE
    record["payer"] = HOSTILE
    record["criteria"][0]["text"] = HOSTILE
    record["criteria"][0]["id"] = '"><script>alert(3)</script>'
    record["codes"][0]["description"] = HOSTILE
    record["codes"][0]["system"] = "other"
    record["revisions"][0]["summary"] = HOSTILE
    record["references"][0].update(
        url="javascript:alert(4)", doi='"><script>alert(5)</script>', pmid="1 onclick"
    )
    record["references"][1]["url"] = "JaVaScRiPt:alert(6)"
    record["references"][2]["url"] = "data:text/html,<script>alert(7)</script>"
    record["warnings"] = [HOSTILE]
    return Policy.model_validate({**record, "source": {**SOURCE, "path": HOSTILE}})


def assert_inert(html: str) -> HTMLParser:
    """Only the report's own script runs, no handler attributes, and links are web, fragment or relative."""
    page = HTMLParser(html)
    scripts = page.css("script")
    assert [script.text() for script in scripts] == [str(assets().js)]
    assert page.css("img, iframe, object, embed, link, base, form, [src]") == []
    for node in page.css("*"):
        assert not [name for name in node.attributes if name.lower().startswith("on")], node.html
    for link in page.css("a"):
        href = link.attributes["href"]
        assert href.startswith(("https://", "http://", "#")) or ":" not in href.split("/")[0], href
    return page


def test_hostile_policy_text_renders_as_text_in_the_policy_report():
    page = assert_inert(
        policy_html(hostile_policy(), links={"evil": "javascript:alert(8)", "ok": "diff.html"})
    )
    assert text_of(page.css_first("h1")) == words(HOSTILE)
    assert text_of(page.css_first("li.criterion .criterion-text")) == words(HOSTILE)
    assert text_of(page.css("ul.warnings li")[0]) == words(HOSTILE)
    assert "javascript:alert(4)" in text_of(page.css_first("li.reference"))
    assert [
        a.attributes["href"] for a in page.css("nav.toc a") if not a.attributes["href"].startswith("#")
    ] == ["diff.html"]


def test_hostile_policy_text_renders_as_text_in_the_revision_and_comparison_reports():
    hostile, plain = hostile_policy(), gold_policy("centene-cp-mp-101-dli")
    diff_page = assert_inert(diff_html(diff_policies(plain, hostile)))
    assert HOSTILE in diff_page.text()
    compare_page = assert_inert(
        compare_html(compare_policies([hostile, gold_policy("cigna-0261-dli-hpc-boost")]))
    )
    assert HOSTILE in compare_page.text()


def test_hostile_policy_text_renders_as_text_in_the_change_digest():
    from policydiff.html_report import digest_html, digest_report_name
    from policydiff.model.feed import FeedEntry, Version

    hostile, plain = hostile_policy(), gold_policy("centene-cp-mp-101-dli")
    versions = [
        Version(number, number, "0" * 64, HOSTILE, "text", HOSTILE, "2023-02", None, "2024-01-01", "2023-02")
        for number in (1, 2)
    ]
    entry = FeedEntry(
        HOSTILE, '../../x" onclick="alert(9)', HOSTILE, *versions, diff_policies(plain, hostile)
    )
    page = assert_inert(digest_html([entry], payer=HOSTILE))
    assert HOSTILE in page.text()
    # The revision report's file name stays a plain name inside the digest folder.
    assert [a.attributes["href"] for a in page.css("tr[data-entry] a")] == [digest_report_name(entry)]
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.html", digest_report_name(entry))
    csp = page.css_first('meta[http-equiv="Content-Security-Policy"]').attributes["content"]
    assert "default-src 'none'" in csp


@pytest.mark.parametrize("report", ["policy", "diff", "compare"])
def test_each_report_is_one_self_contained_file(report):
    seeds = [gold_policy(name) for name in GOLD_NAMES]
    html = {
        "policy": lambda: policy_html(seeds[0]),
        "diff": lambda: diff_html(diff_policies(seeds[0], seeds[0])),
        "compare": lambda: compare_html(compare_policies(seeds)),
    }[report]()
    page = assert_inert(html)
    csp = page.css_first('meta[http-equiv="Content-Security-Policy"]').attributes["content"]
    assert "default-src 'none'" in csp and assets().js_hash in csp and assets().css_hash in csp
    assert [style.text() for style in page.css("style")] == [str(assets().css)]
    assert "@import" not in html and "url(" not in str(assets().css)
    assert "@media print" in str(assets().css)


# ------------------------------------------------------------------------------------------------- diff


@cache
def diff_case(name: str):
    left, right = DIFF_PAIRS[name]
    result = diff_policies(extracted(left), extracted(right))
    return result, HTMLParser(diff_html(result))


@pytest.mark.parametrize("name", list(DIFF_PAIRS))
def test_the_revision_report_counts_are_the_jsons(name):
    result, page = diff_case(name)
    summary = result.to_json_dict()["summary"]
    shown = {
        node.attributes["data-count"]: int(text_of(node.css_first(".number")))
        for node in page.css(".counts li")
    }
    expected = {**summary, **summary["by_direction"]}
    assert shown == {key: expected[key] for key in shown}
    assert set(shown) >= {"total", "substantive", "cosmetic", "silent", "stricter", "looser", "bookkeeping"}
    for row in page.css("#section-counts tbody tr"):
        counts = summary["by_section"][row.attributes["data-section"]]
        assert [int(text_of(cell)) for cell in row.css("td")] == [
            counts[key]
            for key in ("added", "removed", "modified", "moved", "substantive", "cosmetic", "silent")
        ]


@pytest.mark.parametrize("name", list(DIFF_PAIRS))
def test_the_revision_report_leads_with_direction_and_filters_by_section_significance_direction(name):
    result, page = diff_case(name)
    lead = [node.attributes["data-lead"] for node in page.css(".coverage-changes li")]
    assert lead == [change.id for change in result.coverage_changes]
    order = ["stricter", "looser", "unclear", "neutral"]
    directions = [c.direction for c in result.coverage_changes]
    assert directions == sorted(directions, key=order.index)
    filters = {node.attributes["data-change-filter"] for node in page.css("[data-change-filter]")}
    assert filters == {"section", "significance", "direction"}
    for node in page.css("[data-change]"):
        change = next(c for c in result.changes if f"change-{c.id}" == node.attributes["id"])
        assert node.attributes["data-direction"] == (change.direction or "none")
        assert node.attributes["data-section"] == change.section
    for change in result.changes:
        if change.change == "modified" and change.words and change.section != "codes":
            sides = page.css_first(f"#change-{change.id} [data-side-by-side]")
            assert sides is not None
            before, after = sides.css_first('[data-side="left"]'), sides.css_first('[data-side="right"]')
            assert bool(before.css("del")) == any(op.left.strip() for op in change.edits)
            assert bool(after.css("ins")) == any(op.right.strip() for op in change.edits)


@pytest.mark.parametrize("name", list(DIFF_PAIRS))
def test_the_revision_report_shows_every_change_once_flagged_by_kind_significance_and_silence(name):
    result, page = diff_case(name)
    shown = page.css("[data-change]")
    assert [node.attributes["id"] for node in shown] == [
        f"change-{change.id}"
        for section in SECTIONS
        for change in result.changes
        if change.section == section
    ]
    for node in shown:
        change = next(c for c in result.changes if f"change-{c.id}" == node.attributes["id"])
        classes = node.attributes["class"].split()
        assert change.significance in classes
        assert ("silent" in classes) == (change.documented is False)
        assert (node.css_first("[data-silent]") is not None) == (change.documented is False)
        label = text_of(node.css_first(f".badge.change-{change.change}"))
        assert change.change.capitalize() in label
    assert len(page.css("[data-silent]")) == sum(change.documented is False for change in result.changes)
    assert len(page.css("#new-revisions-table tbody tr")) == len(result.new_revisions)
    if result.cosmetic_changes:
        assert page.css_first("#hide-cosmetic") is not None


def test_a_modified_criterion_is_shown_side_by_side_and_as_a_word_redline():
    result, page = diff_case("centene-revised")
    change = next(c for c in result.changes if c.subject == "criterion II.C")
    article = page.css_first(f"#change-{change.id}")
    # Each side is its own sentence, its changed words marked (the markers read out to screen readers).
    before, after = (
        words(re.sub(r"\[(?:removed|added): ([^\]]*)\]", r"\1", text_of(side)))
        for side in article.css(".sides .side")
    )
    assert words(change.left.text) in before and words(change.right.text) in after
    redline = article.css_first("[data-redline]")
    removed = [text_of(node) for node in redline.css("del")]
    added = [text_of(node) for node in redline.css("ins")]
    assert removed == [
        f"[removed: {words(op.left)} ]" for op in change.words if op.op in ("delete", "replace")
    ]
    assert added == [f"[added: {words(op.right)} ]" for op in change.words if op.op in ("insert", "replace")]
    assert (removed, added) == (["[removed: 2 ]"], ["[added: 1 ]"])
    [quantity] = change.quantities
    shown = text_of(article.css_first(".quantity-changes"))
    assert f"{quantity.before.text} → {quantity.after.text}" in shown


def test_code_changes_are_a_table_and_the_new_log_row_is_listed():
    _, page = diff_case("centene-revised")
    rows = page.css("#code-changes tbody tr")
    assert [(row.attributes["data-change"], text_of(row.css("td")[1])) for row in rows] == [
        ("removed", "CPT 86950"),
        ("added", "CPT 38243"),
    ]
    [row] = page.css("#new-revisions-table tbody tr")
    assert "Replaced CPT code 86950 with 38243" in text_of(row)


def test_a_move_is_shown_as_a_move_from_one_parent_to_another():
    def node(cid, text, children=()):
        return {
            "id": cid,
            "label": cid.rsplit(".", 1)[-1] + ".",
            "text": text,
            "kind": "indication",
            "children": children,
        }

    before = Policy.model_validate(
        {
            "source": SOURCE,
            "criteria": [
                node(
                    "I",
                    "Covered for:",
                    [node("I.A", "Relapse of leukemia."), node("I.B", "Mixed chimerism.")],
                ),
                node("II", "Not covered for:", [node("II.A", "Total host chimerism.")]),
            ],
        }
    )
    after = Policy.model_validate(
        {
            "source": SOURCE,
            "criteria": [
                node("I", "Covered for:", [node("I.A", "Relapse of leukemia.")]),
                node(
                    "II",
                    "Not covered for:",
                    [node("II.A", "Total host chimerism."), node("II.B", "Mixed chimerism.")],
                ),
            ],
        }
    )
    page = HTMLParser(diff_html(diff_policies(before, after)))
    [article] = page.css("[data-change=moved]")
    assert "Moved" in text_of(article.css_first(".badge.change-moved"))
    assert [text_of(path) for path in article.css(".move-path")] == ["I", "II"]


# ---------------------------------------------------------------------------------------------- compare


COMPARE_CASES = {
    "seed-texts": SEED_TEXTS,
    "seed-pdfs": SEED_PDFS,
    "gold": GOLD_NAMES,
}


@cache
def compare_case(name: str):
    comparison = compare_policies([policy_of(case) for case in COMPARE_CASES[name]])
    links = {policy.key: f"{policy.key}.html" for policy in comparison.policies}
    return comparison, HTMLParser(compare_html(comparison, links=links))


@pytest.mark.parametrize("name", list(COMPARE_CASES))
def test_the_concept_matrix_has_one_row_per_concept_with_each_payers_own_words(name):
    comparison, page = compare_case(name)
    keys = [policy.key for policy in comparison.policies]
    rows = page.css("#concept-matrix tr.concept")
    assert sorted(row.attributes["data-concept"] for row in rows) == sorted(c.id for c in comparison.concepts)
    assert int(text_of(page.css_first("[data-count=concepts] .number"))) == len(
        comparison.to_json_dict()["concepts"]
    )
    concepts = {concept.id: concept for concept in comparison.concepts}
    for row in rows:
        concept = concepts[row.attributes["data-concept"]]
        cells = row.css("td")
        assert [cell.attributes["data-policy"] for cell in cells] == keys
        for cell, key in zip(cells, keys, strict=True):
            members = concept.texts.get(key, [])
            assert ("absent" in cell.attributes.get("class", "")) == (not concept.members[key])
            assert [text_of(q) for q in cell.css("blockquote.wording")] == [words(m.facet) for m in members]
        assert (row.css_first("a.badge.contradiction") is not None) == bool(concept.contradictions)


@pytest.mark.parametrize("name", list(COMPARE_CASES))
def test_a_services_rows_stand_under_one_heading_per_kind(name):
    # Rows group by service, then by kind (indications, requirements, exclusions ...), each kind once.
    comparison, page = compare_case(name)
    kinds = {concept.id: concept.kind for concept in comparison.concepts}
    for body in page.css("#concept-matrix tbody"):
        headings, current = [], None
        for row in body.css("tr"):
            if "kind-row" in row.attributes.get("class", ""):
                current = row.attributes["data-kind"]
                headings.append(current)
            elif "concept" in row.attributes.get("class", "").split():
                assert kinds[row.attributes["data-concept"]] == current
        assert headings and len(headings) == len(set(headings))


def test_the_seed_chimerism_contradiction_is_flagged_and_linked_both_ways():
    comparison, page = compare_case("seed-texts")
    assert comparison.contradictions
    for contradiction in comparison.contradictions:
        article = page.css_first(f"#contradiction-{contradiction.id}")
        assert article is not None and "Contradiction" in text_of(article.css_first(".badge"))
        targets = {a.attributes["href"] for a in article.css("a")}
        assert f"#concept-{contradiction.covering.concept}" in targets
        assert page.css_first(
            f'#concept-{contradiction.covering.concept} a[href="#contradiction-{contradiction.id}"]'
        )


@pytest.mark.parametrize("name", list(COMPARE_CASES))
def test_the_code_matrix_gives_each_codes_status_in_each_policy(name):
    comparison, page = compare_case(name)
    keys = [policy.key for policy in comparison.policies]
    rows = page.css("#code-matrix tbody tr")
    assert len(rows) == len(comparison.to_json_dict()["codes"])
    for row, code in zip(rows, comparison.codes, strict=True):
        assert row.attributes["data-code"] == code.code
        statuses = [cell.attributes["data-status"] for cell in row.css("td[data-status]")]
        assert statuses == [code.members.get(key) or "none" for key in keys]


def test_the_comparison_links_to_each_policys_report():
    comparison, page = compare_case("seed-texts")
    hrefs = [a.attributes["href"] for a in page.css("ul.compared-policies a")]
    assert hrefs == [f"{policy.key}.html" for policy in comparison.policies]


def test_stricter_and_looser_thresholds_are_marked_in_their_cells():
    def record(payer, text, bmi):
        quantity = {"text": f"BMI of {bmi} or greater", "quantity": "BMI", "comparator": ">=", "value": bmi}
        criterion = {
            "quantities": [quantity],
            "id": "1",
            "text": text,
            "kind": "indication",
            "coverage": "medically_necessary",
            "service": "Bariatric surgery",
        }
        source = {**SOURCE, "sha256": ("a" if payer == "Alpha" else "b") * 64}
        return Policy.model_validate(
            {"source": source, "payer": payer, "title": "Bariatric surgery", "criteria": [criterion]}
        )

    comparison = compare_policies(
        [
            record(
                "Alpha",
                "Bariatric surgery is medically necessary for adults with a BMI of 40 or greater.",
                40,
            ),
            record(
                "Beta", "Bariatric surgery is medically necessary for adults with a BMI of 35 or greater.", 35
            ),
        ]
    )
    page = HTMLParser(compare_html(comparison))
    compared = [q for concept in comparison.concepts for q in concept.quantities if q.stricter]
    assert compared, "the comparison found no threshold to rank"
    assert len(page.css(".badge.stricter")) - 1 == sum(len(q.stricter) for q in compared)
    assert len(page.css(".badge.looser")) - 1 == sum(len(q.looser) for q in compared)


# -------------------------------------------------------------------------------------------- contrast


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(ink: str, paper: str) -> float:
    lighter, darker = sorted((luminance(ink), luminance(paper)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    ("ink", "paper"),
    [
        ("ink", "paper"),
        ("ink", "panel"),
        ("muted", "paper"),
        ("muted", "panel"),
        ("accent", "paper"),
        ("added-ink", "added-bg"),
        ("removed-ink", "removed-bg"),
        ("moved-ink", "moved-bg"),
        ("warn-ink", "warn-bg"),
        ("info-ink", "info-bg"),
        ("info-ink", "panel"),
    ],
)
def test_text_colours_meet_wcag_aa_contrast_on_their_backgrounds(ink, paper):
    css = str(assets().css)
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", css))
    assert contrast(colours[ink], colours[paper]) >= 4.5


def test_the_comparison_leads_with_the_answer_per_service_and_filters_its_rows():
    comparison, page = compare_case("seed-texts")
    names = {policy.key: policy.name for policy in comparison.policies}
    [dli] = page.css('[data-service-summary="Donor lymphocyte infusion"]')
    assert text_of(dli.css_first("[data-answer=covered]")) == f"{names['centene']}, {names['cigna']}"
    shared = [
        c for c in comparison.concepts if c.service == "Donor lymphocyte infusion" and len(c.stated_by) > 1
    ]
    assert [a.attributes["href"] for a in dli.css("[data-answer=shared] a")] == [
        f"#concept-{c.id}" for c in shared
    ]
    # The summary comes before the matrix, and the matrix can be cut to shared rows, differences or one payer.
    html = page.html
    assert html.index("data-service-summary") < html.index('id="concept-matrix"')
    options = [o.attributes["value"] for o in page.css("#concepts-show option")]
    assert options == ["", "shared", "differs", "one"]
    for row in page.css("#concept-matrix tr.concept"):
        concept = next(c for c in comparison.concepts if c.id == row.attributes["data-concept"])
        assert ("shared" in row.attributes["data-show"].split()) == (len(concept.stated_by) > 1)
        assert row.attributes["data-payers"].split() == concept.stated_by
    # A quote's page links to that criterion in its policy's report.
    pages = [a.attributes["href"] for a in page.css("#concept-matrix a.page")]
    assert "centene.html#criterion-I.A" in pages


def test_the_code_matrix_flags_a_code_covered_by_one_and_not_covered_by_another():
    centene = policy_of(GOLD_NAMES[0])
    code = centene.codes[0]
    other = centene.model_copy(
        update={"payer": "Other payer", "codes": [code.model_copy(update={"status": "not_covered"})]}
    )
    mine = centene.model_copy(update={"codes": [code.model_copy(update={"status": "covered"})]})
    page = HTMLParser(compare_html(compare_policies([mine, other])))
    [row] = page.css("#code-matrix tbody tr")
    assert row.attributes["data-agreement"].split() == ["differs", "conflict"]
    assert row.css_first(".badge.contradiction") is not None


# ------------------------------------------------------------------------- page numbers as evidence links


def linked_paths(page: HTMLParser, folder: Path) -> list[tuple[Path, str, str]]:
    """(file, fragment, page shown) of every page link, the href read from the report's folder."""
    found = []
    for link in page.css("a[data-page]"):
        path, _, fragment = link.attributes["href"].partition("#")
        found.append(((folder / unquote(path)).resolve(), fragment, link.attributes["data-page"]))
    return found


def test_each_page_number_of_a_policy_report_opens_the_source_at_that_page(tmp_path):
    policy = extracted(SEED_PDFS[0])
    folder = tmp_path / "reports"
    links = linked_paths(HTMLParser(policy_html(policy, folder=folder)), folder)
    paged = [
        item for item in [*iter_criteria(policy.criteria), *policy.codes, *policy.references] if item.page
    ]
    assert len(links) >= len(paged) > 0
    assert {path for path, _, _ in links} == {SEED_PDFS[0].resolve()}
    assert all(fragment == f"page={shown}" for _, fragment, shown in links)


def test_an_item_over_a_page_break_links_each_page_it_is_printed_on(tmp_path):
    # Cigna's reference 1 starts at the foot of page 8 and ends at the top of page 9 (tests/test_provenance.py).
    page = HTMLParser(
        policy_html(extracted(CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.pdf"), folder=tmp_path)
    )
    first = page.css_first("#references li.reference")
    assert text_of(first.css_first(".reference-text")).startswith("Arellano ML")
    assert [link.attributes["data-page"] for link in first.css("a[data-page]")] == ["8", "9"]
    assert "pp.\u00a08, 9" in first.text(deep=True)


def test_a_comparison_without_policy_reports_opens_each_quote_at_its_source_page(tmp_path):
    comparison = compare_policies([extracted(path) for path in SEED_PDFS])
    links = linked_paths(HTMLParser(compare_html(comparison, folder=tmp_path)), tmp_path)
    assert {path for path, _, _ in links} == {path.resolve() for path in SEED_PDFS}
    assert all(fragment == f"page={shown}" for _, fragment, shown in links)


def test_the_digest_states_each_coverage_change_and_links_it_to_its_report_and_page(tmp_path):
    from policydiff.html_report import digest_html, digest_report_name
    from policydiff.model.feed import FeedEntry, Version

    old, new = extracted(SEED_TEXTS[0]), extracted(REVISED_CENTENE)
    result = diff_policies(old, new)
    versions = [
        Version(
            number, number, "0" * 64, policy.source.path, "text", policy.title, None, date, "2024-01-01", date
        )
        for number, policy, date in ((1, old, "2023-02"), (2, new, "2024-02"))
    ]
    entry = FeedEntry("Centene", "CP.MP.101", old.title, *versions, result)
    page = HTMLParser(digest_html([entry], folder=tmp_path))
    items = page.css("ul.digest-changes li")
    assert [item.attributes["data-change"] for item in items] == [c.id for c in result.coverage_changes]
    report = digest_report_name(entry)
    for item, change in zip(items, result.coverage_changes, strict=True):
        assert item.css_first("a:not([data-page])").attributes["href"] == f"{report}#change-{change.id}"
        assert change.summary in text_of(item)
        assert ("Silent" in text_of(item)) == (change.documented is False)
    # A removed item's page is the older version's, anything else the newer one's.
    sources = {SEED_TEXTS[0].resolve(), REVISED_CENTENE.resolve()}
    links = linked_paths(page, tmp_path)
    assert len(links) == len(items) and {path for path, _, _ in links} == sources


def test_each_warning_of_the_policy_report_links_its_page_and_criterion(tmp_path):
    path = CORPUS / "real" / "uhc" / "sleep-studies.pdf"
    policy = extracted(path)
    page = HTMLParser(policy_html(policy, folder=tmp_path))
    items = page.css("ul.warnings li")
    assert [item.attributes["data-code"] for item in items] == [d.code for d in policy.diagnostics]
    for item, diagnostic in zip(items, policy.diagnostics, strict=True):
        links = {a.attributes["href"] for a in item.css("a")}
        if diagnostic.stage == "criteria":
            assert f"#criterion-{diagnostic.item}" in links
            assert page.css_first(f'li.criterion[id="criterion-{diagnostic.item}"]') is not None
        if diagnostic.page:
            assert any(href.endswith(f"#page={diagnostic.page}") for href in links)
    assert any(d.stage == "criteria" for d in policy.diagnostics)  # the case this test is about
