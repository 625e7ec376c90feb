"""Each HTML report opened in headless Debian chromium: no console error, nothing fetched, the controls
work, and a PNG screenshot of each (full page, first screen, and print) saved under test-artifacts/."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import CHROMIUM, Chromium, Page
from policydiff.cli import main
from policydiff.diff import diff_policies
from policydiff.diff.compare import compare_policies
from policydiff.html_report import compare_html, diff_html, policy_html
from policydiff.model import Policy

from corpus import CORPUS, GOLD, ROOT, SEED_PDFS, SEED_TEXTS, extracted

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]

ARTIFACTS = ROOT / "test-artifacts"
REPORT_DIR = ARTIFACTS / "reports"
SCREENSHOTS = ROOT / "docs" / "screenshots"  # the README's, copied from here by --update-screenshots
BARIATRIC = (
    CORPUS
    / "real"
    / "anthem"
    / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
)
REVISED_CENTENE = ROOT / "corpus" / "seeds" / "revised" / "centene-cp-mp-101-dli-revised.txt"
L33822 = CORPUS / "real" / "medicare-cms" / "l33822-versions"


def hostile_seed() -> Policy:
    record = json.loads((GOLD / "cigna-0261-dli-hpc-boost.json").read_text(encoding="utf-8"))
    record["title"] = '<script>console.error("injected")</script>" onload="console.error(1)'
    record["references"][0]["url"] = "javascript:console.error(2)"
    return Policy.model_validate(
        {**record, "source": {"path": "x.txt", "sha256": "0" * 64, "format": "text"}}
    )


def seed_comparison():
    return compare_policies([extracted(path) for path in SEED_PDFS])


def bariatric_comparison():
    """Anthem CG-SURG-83, Medicare NCD 100.1 and the Novitas LCD L35022 (the Makefile's BARIATRIC)."""
    cms = CORPUS / "real" / "medicare-cms"
    return compare_policies(
        [
            extracted(BARIATRIC),
            extracted(next(cms.glob("NCD*100.1*.html"))),
            extracted(next(cms.glob("LCD*L35022*.html"))),
        ]
    )


REPORTS: dict[str, Callable[[], str]] = {
    "compare-bariatric": lambda: compare_html(bariatric_comparison(), folder=REPORT_DIR),
    "policy-centene-pdf": lambda: policy_html(
        extracted(SEED_PDFS[0]), links={"Revision report": "diff-centene-revised.html"}
    ),
    "policy-cigna-pdf": lambda: policy_html(extracted(SEED_PDFS[1])),
    "policy-anthem-bariatric": lambda: policy_html(extracted(BARIATRIC)),
    "policy-hostile": lambda: policy_html(hostile_seed()),
    "diff-centene-revised": lambda: diff_html(
        diff_policies(extracted(SEED_TEXTS[0]), extracted(REVISED_CENTENE)),
        links={"Older version": "policy-centene-pdf.html"},
    ),
    "diff-l33822-2020-2021": lambda: diff_html(
        diff_policies(extracted(L33822 / "L33822_2020.txt"), extracted(L33822 / "L33822_2021.txt"))
    ),
    "compare-seeds": lambda: compare_html(
        seed_comparison(),
        links=dict(
            zip(
                (p.key for p in seed_comparison().policies),
                ("policy-centene-pdf.html", "policy-cigna-pdf.html"),
                strict=True,
            )
        ),
    ),
}


# ------------------------------------------------------------------------ what `make demo` writes

DEMO = ARTIFACTS / "demo"
SEED_TEXT = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
SEED_PDF = CORPUS / "seeds" / "centene-cp-mp-101-dli.pdf"
# Each report of the demo -> the README screenshot taken of it.
DEMO_REPORTS = {
    "digest/index.html": "change-digest.png",
    "digest/Centene-CP.MP.101-v1-v2.html": "revision-report.png",
    "policy-report.html": "policy-report.png",
    "comparison-report.html": "comparison-report.png",
}


@pytest.fixture(scope="module")
def demo() -> Path:
    """The demo's reports, made by the commands the Makefile's `demo` runs (in-process): the Centene seed
    stored, then its revision; the change digest; the seed's policy report; the seeds' comparison."""
    shutil.rmtree(DEMO, ignore_errors=True)
    DEMO.mkdir(parents=True)
    out, db = DEMO.relative_to(ROOT), DEMO.relative_to(ROOT) / "demo.sqlite"
    seeds = [path.relative_to(ROOT) for path in (SEED_TEXT, REVISED_CENTENE, SEED_PDF, *SEED_PDFS)]
    commands = [
        ["ingest", seeds[0], "--db", db],
        ["ingest", seeds[1], "--db", db],
        ["changes", "--db", db, "--format", "html", "-o", out / "digest"],
        ["extract", seeds[2], "--format", "html", "-o", out / "policy-report.html"],
        ["compare", *seeds[3:], "--format", "html", "-o", out / "comparison-report.html"],
    ]
    # From the repository root with relative paths, as the Makefile runs them (the reports show the paths).
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        for command in commands:
            assert main([str(part) for part in command]) == 0, command
    finally:
        os.chdir(previous)
    return DEMO


def linked_file(href: str) -> tuple[Path, str]:
    """The file an absolute file: URL names, and its fragment."""
    parts = urlsplit(href)
    assert parts.scheme == "file", href
    return Path(unquote(parts.path)), parts.fragment


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    chromium = Chromium()
    yield chromium
    chromium.close()


def open_report(browser: Chromium, name: str) -> Page:
    path = REPORT_DIR / f"{name}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REPORTS[name](), encoding="utf-8")
    return browser.open(path)


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_report_opens_without_console_errors_or_network_and_is_screenshotted(browser, name):
    page = open_report(browser, name)
    assert page.evaluate("document.documentElement.classList.contains('js')"), (
        "the report's script did not run"
    )
    page.screenshot(ARTIFACTS / f"{name}.png")
    page.screenshot(ARTIFACTS / f"{name}-screen.png", full_page=False)
    page.screenshot(ARTIFACTS / f"{name}-print.png", media="print")
    log = page.settle()
    assert log.errors == []
    own = (REPORT_DIR / f"{name}.html").resolve().as_uri()
    assert log.requests == [own], "the report fetched something besides itself"
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def visible(page: Page, selector: str) -> int:
    return page.evaluate(
        f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
        ".filter(e => e.getClientRects().length > 0).length"
    )


def test_the_codes_table_filters_by_system_and_status_and_sorts(browser):
    policy = extracted(BARIATRIC)
    page = open_report(browser, "policy-anthem-bariatric")
    assert visible(page, "#codes-table tbody tr") == len(policy.codes)
    page.evaluate(
        "(s => { s.value = 'HCPCS'; s.dispatchEvent(new Event('change')); })(document.getElementById('codes-system'))"
    )
    hcpcs = sum(code.system == "HCPCS" for code in policy.codes)
    assert hcpcs and visible(page, "#codes-table tbody tr") == hcpcs
    assert (
        page.evaluate("document.querySelector('#codes [data-count]').textContent")
        == f"{hcpcs} of {len(policy.codes)} shown"
    )
    status = next(code.status for code in policy.codes if code.system == "HCPCS") or "none"
    page.evaluate(
        f"(s => {{ s.value = {json.dumps(status)}; s.dispatchEvent(new Event('change')); }})(document.getElementById('codes-status'))"
    )
    both = sum(code.system == "HCPCS" and (code.status or "none") == status for code in policy.codes)
    assert visible(page, "#codes-table tbody tr") == both
    order = (
        "Array.from(document.querySelectorAll('#codes-table tbody tr td.code')).map(td => td.dataset.sort)"
    )
    page.evaluate("document.querySelectorAll('#codes-table thead button')[1].click()")
    ascending = page.evaluate(order)
    page.evaluate("document.querySelectorAll('#codes-table thead button')[1].click()")
    assert page.evaluate(order) == list(reversed(ascending))
    assert sorted(ascending) == sorted(code.code for code in policy.codes)
    assert (
        page.evaluate("document.querySelectorAll('#codes-table thead th')[1].getAttribute('aria-sort')")
        == "descending"
    )
    assert page.settle().errors == []


def test_the_switch_hides_cosmetic_changes_and_keeps_the_substantive_ones(browser):
    result = diff_policies(extracted(SEED_TEXTS[0]), extracted(REVISED_CENTENE))
    page = open_report(browser, "diff-centene-revised")
    cosmetic = "[data-change][data-significance=cosmetic]"
    substantive = "[data-change][data-significance=substantive]"
    assert visible(page, cosmetic) == len(result.cosmetic_changes) > 0
    page.evaluate("document.getElementById('hide-cosmetic').click()")
    assert visible(page, cosmetic) == 0
    assert visible(page, substantive) == len(result.substantive_changes)
    page.screenshot(ARTIFACTS / "diff-centene-revised-substantive-only.png")
    page.evaluate("document.getElementById('hide-cosmetic').click()")
    assert visible(page, cosmetic) == len(result.cosmetic_changes)
    assert page.settle().errors == []


def test_the_code_matrix_shows_only_codes_treated_differently_on_request(browser):
    comparison = seed_comparison()
    page = open_report(browser, "compare-seeds")
    keys = [policy.key for policy in comparison.policies]
    page.evaluate(
        "(s => { s.value = 'differs'; s.dispatchEvent(new Event('change')); })(document.getElementById('codes-agreement'))"
    )
    differing = sum(len({row.members.get(key, "absent") for key in keys}) > 1 for row in comparison.codes)
    assert visible(page, "#code-matrix tbody tr") == differing
    assert page.settle().errors == []


@pytest.mark.parametrize("show", ["shared", "differs", "one"])
def test_the_concept_matrix_shows_shared_rows_differences_or_one_payers_rows_on_request(
    browser, show, request
):
    comparison = bariatric_comparison()
    page = open_report(browser, "compare-bariatric")
    page.evaluate(
        f"(s => {{ s.value = '{show}'; s.dispatchEvent(new Event('change')); }})"
        "(document.getElementById('concepts-show'))"
    )
    keys = len(comparison.policies)
    wanted = {
        "shared": lambda concept: len(concept.stated_by) > 1,
        "one": lambda concept: len(concept.stated_by) == 1,
        "differs": lambda concept: (
            len(concept.stated_by) < keys or any(v.direction != "neutral" for v in concept.verdicts.values())
        ),
    }[show]
    assert visible(page, "#concept-matrix tr.concept") == sum(1 for c in comparison.concepts if wanted(c))
    # A kind's heading (Indications, Exclusions ...) shows exactly when a row under it shows.
    headings = page.evaluate(
        "Array.from(document.querySelectorAll('#concept-matrix tr.kind-row')).map(h => {"
        " let shown = false;"
        " for (let r = h.nextElementSibling; r && !r.classList.contains('kind-row'); r = r.nextElementSibling)"
        "   if (r.classList.contains('concept') && r.getClientRects().length > 0) shown = true;"
        " return [h.getClientRects().length > 0, shown]; })"
    )
    assert headings and all(heading == shown for heading, shown in headings)
    page.evaluate("document.getElementById('concepts-show').scrollIntoView()")
    page.screenshot(ARTIFACTS / f"compare-bariatric-{show}-screen.png", full_page=False)
    assert page.settle().errors == []
    if show == "shared" and request.getfixturevalue("update_screenshots"):
        shutil.copyfile(
            ARTIFACTS / f"compare-bariatric-{show}-screen.png", SCREENSHOTS / "comparison-report-shared.png"
        )


def test_a_console_error_is_caught(browser):
    """The harness itself: an error the page logs reaches the log the tests assert on."""
    page = open_report(browser, "policy-cigna-pdf")
    page.evaluate(
        "setTimeout(() => { throw new Error('thrown on purpose'); }); console.error('logged on purpose')"
    )
    page.evaluate("new Promise(resolve => setTimeout(resolve, 50))")
    errors = page.settle().errors
    assert any("logged on purpose" in error for error in errors)
    assert any("thrown on purpose" in error for error in errors)


@pytest.mark.parametrize("report", list(DEMO_REPORTS))
def test_each_report_of_the_demo_opens_clean_and_each_page_number_opens_its_source(
    browser, demo, report, update_screenshots
):
    """Every "p. N" / "page N" of the report is a link the browser resolves, from the report's own folder,
    to a source file that exists, at a page it has; the README's screenshot is this report."""
    page = browser.open(demo / report)
    links = page.evaluate(
        "Array.from(document.querySelectorAll('a[data-page]')).map(a => [a.href, a.dataset.page])"
    )
    assert links, "the report shows no page link"
    sources = {SEED_TEXT, SEED_PDF, REVISED_CENTENE, *SEED_PDFS}
    for href, number in links:
        path, fragment = linked_file(href)
        assert path.resolve() in {source.resolve() for source in sources}, href
        assert fragment == f"page={number}"
        if path.suffix == ".pdf":
            assert 1 <= int(number) <= extracted(path).source.pages
    log = page.settle()
    assert log.errors == []
    assert log.requests == [(demo / report).resolve().as_uri()], "the report fetched something besides itself"
    shot = ARTIFACTS / f"demo-{DEMO_REPORTS[report]}"
    page.screenshot(shot, full_page=False)
    if update_screenshots:
        shutil.copyfile(shot, SCREENSHOTS / DEMO_REPORTS[report])


def test_each_change_of_the_digest_leads_to_its_place_in_the_revision_report(browser, demo):
    """The digest lists each coverage change in words, stricter first, and each links to the change's own
    box in the revision report (an element with that id exists there)."""
    digest = browser.open(demo / "digest" / "index.html")
    changes = digest.evaluate(
        "Array.from(document.querySelectorAll('ul.digest-changes li')).map(li => "
        "[li.dataset.direction, li.querySelector('a:not([data-page])').href, li.textContent])"
    )
    result = diff_policies(extracted(SEED_TEXT), extracted(REVISED_CENTENE))
    assert [direction for direction, _, _ in changes] == [c.direction for c in result.coverage_changes]
    assert any("Silent" in text for _, _, text in changes)
    for _, href, text in changes:
        path, fragment = linked_file(href)
        report = browser.open(path)
        assert report.evaluate(f"document.getElementById({json.dumps(fragment)}) !== null"), (text, href)
        assert report.settle().errors == []
    assert digest.settle().errors == []
