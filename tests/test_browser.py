"""Each HTML report opened in headless Debian chromium: no console error, nothing fetched, the controls
work, and a PNG screenshot of each (full page, first screen, and print) saved under test-artifacts/."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from browser import CHROMIUM, Chromium, Page
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
BARIATRIC = (
    CORPUS
    / "real"
    / "anthem"
    / "CG-SURG-83 Bariatric Surgery and Other Treatments for Clinically Severe Obesity.pdf"
)
REVISED_CENTENE = ROOT / "tests" / "data" / "centene-cp-mp-101-dli-revised.txt"
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
    "compare-bariatric": lambda: compare_html(bariatric_comparison()),
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    chromium = Chromium()
    yield chromium
    chromium.close()


def open_report(browser: Chromium, name: str) -> Page:
    path = ARTIFACTS / "reports" / f"{name}.html"
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
    own = (ARTIFACTS / "reports" / f"{name}.html").resolve().as_uri()
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
def test_the_concept_matrix_shows_shared_rows_differences_or_one_payers_rows_on_request(browser, show):
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
    page.evaluate("document.getElementById('concepts-show').scrollIntoView()")
    page.screenshot(ARTIFACTS / f"compare-bariatric-{show}-screen.png", full_page=False)
    assert page.settle().errors == []


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
