"""HTML reports: one self-contained page per policy, revision diff and comparison.

The templates in templates/*.html.j2 lay out the same objects the JSON output serializes; anything to
count, sort, group or turn into a link is worked out here, so the templates only place values.
Policy text is untrusted: templates autoescape it, links are built here and only ever point to http(s),
and the Content-Security-Policy lets run only the report's own script and style (by hash).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, urlsplit

from markupsafe import Markup

from policydiff import __version__
from policydiff.model import Code, Criterion, Policy, Reference, Revision, iter_criteria
from policydiff.render import environment, render

LOGIC_LABELS = {
    "all": ("ALL", "all of the following must be met"),
    "any": ("ANY", "any one of the following is enough"),
    "none": ("NONE", "none of the following may apply"),
}
COVERAGE_LABELS = {
    "medically_necessary": ("\u2714", "Medically necessary"),
    "not_medically_necessary": ("\u2718", "Not medically necessary"),
    "experimental_investigational": ("\u26a0", "Experimental / investigational"),
    "not_covered": ("\u2298", "Not covered"),
}
STATUS_LABELS = {"covered": "Covered", "not_covered": "Not covered", "related": "Related", None: "No status"}
KIND_LABELS = {
    "statement": "statement",
    "indication": "indication",
    "contraindication": "contraindication",
    "exclusion": "exclusion",
    "requirement": "requirement",
    "note": "note",
}
LABELS = {"logic": LOGIC_LABELS, "coverage": COVERAGE_LABELS, "status": STATUS_LABELS, "kind": KIND_LABELS}


@dataclass(frozen=True)
class Assets:
    """The report's only stylesheet and script, inlined, with the hashes the CSP allows them by."""

    css: Markup
    js: Markup
    css_hash: str
    js_hash: str


@dataclass(frozen=True)
class ReferenceLinks:
    doi: str | None
    pmid: str | None
    url: str | None


@dataclass(frozen=True)
class PolicyView:
    """What the policy report shows beyond the record itself."""

    criteria_count: int
    code_systems: list[str]
    code_statuses: list[tuple[str, str]]
    timeline: list[Revision]
    references: list[tuple[Reference, ReferenceLinks]]


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@cache
def assets() -> Assets:
    env = environment()
    css = env.loader.get_source(env, "report.css")[0]
    js = env.loader.get_source(env, "report.js")[0]
    return Assets(css=Markup(css), js=Markup(js), css_hash=_csp_hash(css), js_hash=_csp_hash(js))


def web_link(url: str | None) -> str | None:
    """An http(s) address as written, or None: other schemes (javascript:, data:, file:) never become links."""
    if not url:
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def doi_link(doi: str | None) -> str | None:
    return f"https://doi.org/{quote(doi.strip(), safe='/:;()._-')}" if doi and doi.strip() else None


def pmid_link(pmid: str | None) -> str | None:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid.strip()}/" if pmid and pmid.strip().isdigit() else None


def reference_links(reference: Reference) -> ReferenceLinks:
    return ReferenceLinks(
        doi=doi_link(reference.doi), pmid=pmid_link(reference.pmid), url=web_link(reference.url)
    )


def _first_seen(values) -> list:
    return list(dict.fromkeys(values))


def code_statuses(codes: list[Code]) -> list[tuple[str, str]]:
    """(filter value, label) for each status present, in the order of STATUS_LABELS."""
    present = {code.status for code in codes}
    return [(status or "none", label) for status, label in STATUS_LABELS.items() if status in present]


def timeline(revisions: list[Revision]) -> list[Revision]:
    """Revision-log rows newest first; undated rows keep their place after the dated ones."""
    dated = sorted((row for row in revisions if row.date), key=lambda row: row.date or "", reverse=True)
    return dated + [row for row in revisions if not row.date]


def policy_view(policy: Policy) -> PolicyView:
    return PolicyView(
        criteria_count=sum(1 for _ in iter_criteria(policy.criteria)),
        code_systems=_first_seen(code.system for code in policy.codes),
        code_statuses=code_statuses(policy.codes),
        timeline=timeline(policy.revisions),
        references=[(reference, reference_links(reference)) for reference in policy.references],
    )


def policy_title(policy: Policy) -> str:
    parts = [policy.payer or "Unknown payer", policy.policy_number or "", policy.title or "(untitled)"]
    return " ".join(part for part in parts if part)


def _common() -> dict[str, object]:
    return {"assets": assets(), "labels": LABELS, "version": __version__}


def policy_html(policy: Policy, links: dict[str, str] | None = None) -> str:
    """The policy report. `links`: label -> href of related reports (revision diff, comparison)."""
    return render(
        "policy.html.j2",
        policy=policy,
        view=policy_view(policy),
        page_title=policy_title(policy),
        links=_report_links(links),
        **_common(),
    )


def _report_links(links: dict[str, str] | None) -> list[tuple[str, str]]:
    return [(label, href) for label, href in (links or {}).items() if _local_or_web(href)]


def _local_or_web(href: str) -> bool:
    """Links between reports: relative paths or http(s) addresses, never another scheme."""
    return web_link(href) is not None or not urlsplit(href).scheme


__all__ = ["Criterion", "policy_html"]
