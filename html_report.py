"""HTML reports: one self-contained page per policy, revision diff and comparison.

The templates in templates/*.html.j2 lay out the same objects the JSON output serializes; anything to
count, sort, group or turn into a link is worked out here, so the templates only place values.
Policy text is untrusted: templates autoescape it, links are built here and only ever point to http(s),
and the Content-Security-Policy lets run only the report's own script and style (by hash).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from functools import cache
from itertools import groupby, pairwise
from pathlib import Path
from urllib.parse import quote, urlsplit

from markupsafe import Markup
from policydiff import __version__
from policydiff.model import (
    ABSENT,
    Code,
    CodeRow,
    ComparedPolicy,
    Comparison,
    Concept,
    Criterion,
    MemberText,
    Policy,
    Reference,
    Revision,
    iter_criteria,
)
from policydiff.model.diff import SECTIONS, Change, DiffResult, SectionCounts, Side
from policydiff.model.feed import FeedEntry
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
DATE_LABELS = {
    "effective": "Effective",
    "last_revised": "Last revised",
    "last_reviewed": "Last reviewed",
    "next_review": "Next review",
}
CHANGE_LABELS = {
    "added": ("+", "Added"),
    "removed": ("\u2212", "Removed"),
    "modified": ("~", "Modified"),
    "moved": ("\u21b7", "Moved"),
}
SECTION_LABELS = {
    "criteria": "Criteria",
    "codes": "Codes",
    "metadata": "Policy details",
    "revisions": "Revision log",
    "references": "References",
}
# The marks a piece of criterion text can carry, in the order its class attribute names them.
MARK_ORDER = ("subject", "coverage", "quantity")
POLARITY_LABELS = {"covers": "covers", "excludes": "excludes", "requires": "requires", "neutral": "states"}
LABELS = {
    "change": CHANGE_LABELS,
    "section": SECTION_LABELS,
    "polarity": POLARITY_LABELS,
    "dates": DATE_LABELS,
    "logic": LOGIC_LABELS,
    "coverage": COVERAGE_LABELS,
    "status": STATUS_LABELS,
    "kind": KIND_LABELS,
}


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
    services_named: dict[str, str]
    # Criterion id -> its text in pieces, each (words, its marks: "subject", "coverage", "quantity", or
    # two of them, or ""): where the record's spans say, so the report marks them in place.
    text_pieces: dict[str, list[tuple[str, str]]]
    code_systems: list[str]
    code_statuses: list[tuple[str, str]]
    timeline: list[Revision]
    references: list[tuple[Reference, ReferenceLinks]]
    source: str | None = None  # the source file from the report's folder: each "p. N" opens it at page N


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


def services_named(criteria: list[Criterion], parent_service: str | None = None) -> dict[str, str]:
    """Criterion id -> its service, only where the service differs from its parent's (said once)."""
    named: dict[str, str] = {}
    for node in criteria:
        if node.service and node.service != parent_service:
            named[node.id] = node.service
        named.update(services_named(node.children, node.service or parent_service))
    return named


def text_pieces(criterion: Criterion) -> list[tuple[str, str]]:
    """The criterion's text cut where its subject, coverage words and quantities start and end, each piece
    with the marks of the spans it stands in ('subject quantity' for a threshold inside the subject; ''
    for none): a record from before spans gives the text whole."""
    spans = [
        (quantity.start, quantity.end, "quantity")
        for quantity in criterion.quantities
        if quantity.start is not None and quantity.end is not None
    ]
    for span, mark in ((criterion.subject, "subject"), (criterion.coverage_words, "coverage")):
        if span is not None:
            spans.append((span.start, span.end, mark))
    cuts = sorted({0, len(criterion.text), *(at for start, end, _ in spans for at in (start, end))})
    pieces = []
    for start, end in pairwise(cuts):
        marks = " ".join(
            mark
            for mark in MARK_ORDER
            if any(span_start <= start and end <= span_end for span_start, span_end, m in spans if m == mark)
        )
        pieces.append((criterion.text[start:end], marks))
    return [(words, marks) for words, marks in pieces if words]


def policy_view(policy: Policy, folder: Path | None = None) -> PolicyView:
    return PolicyView(
        criteria_count=sum(1 for _ in iter_criteria(policy.criteria)),
        services_named=services_named(policy.criteria),
        text_pieces={node.id: text_pieces(node) for node in iter_criteria(policy.criteria)},
        code_systems=_first_seen(code.system for code in policy.codes),
        code_statuses=code_statuses(policy.codes),
        timeline=timeline(policy.revisions),
        references=[(reference, reference_links(reference)) for reference in policy.references],
        source=source_href(policy.source.path, folder),
    )


def policy_title(policy: Policy) -> str:
    parts = [policy.payer or "Unknown payer", policy.policy_number or "", policy.title or "(untitled)"]
    return " ".join(part for part in parts if part)


def _common() -> dict[str, object]:
    return {"assets": assets(), "labels": LABELS, "version": __version__}


def policy_html(policy: Policy, links: dict[str, str] | None = None, folder: Path | None = None) -> str:
    """The policy report. `links`: label -> href of related reports (revision diff, comparison);
    `folder`: where the report is written (None: the current folder), so its page links find the source."""
    return render(
        "policy.html.j2",
        policy=policy,
        view=policy_view(policy, folder),
        page_title=policy_title(policy),
        links=_report_links(links),
        **_common(),
    )


def _report_links(links: dict[str, str] | None) -> list[tuple[str, str]]:
    return [(label, href) for label, href in (links or {}).items() if _local_or_web(href)]


def _local_or_web(href: str) -> bool:
    """Links between reports: relative paths or http(s) addresses, never another scheme."""
    return web_link(href) is not None or not urlsplit(href).scheme


def source_href(path: str | None, folder: Path | None) -> str | None:
    """A source file's address as a link from a report written in `folder` (None: the current folder)."""
    if not path:
        return None
    try:
        relative = os.path.relpath(Path(path).resolve(), (folder or Path.cwd()).resolve())
    except ValueError:  # another drive (Windows): the absolute path
        return Path(path).resolve().as_uri()
    return quote(Path(relative).as_posix())


# ------------------------------------------------------------------------------------------ revision diff


@dataclass(frozen=True)
class ChangeView:
    """One change, with its before and after said in words (items differ by section)."""

    change: Change
    before: str | None
    after: str | None


@dataclass(frozen=True)
class SectionView:
    section: str
    counts: SectionCounts
    changes: list[ChangeView]


@dataclass(frozen=True)
class DiffView:
    sections: list[SectionView]
    has_cosmetic: bool
    # Where each version's source opens from the report ("#page=N" is added per change): relative to
    # the report's folder, so the page links work wherever the report and the sources sit side by side.
    left_source: str | None = None
    right_source: str | None = None


def item_words(item: object) -> str | None:
    """How the report states an item of any section in one line."""
    if item is None:
        return None
    if isinstance(item, Criterion | Reference):
        return item.text
    if isinstance(item, Code):
        span = f"{item.code}\u2013{item.code_end}" if item.code_end else item.code
        status = f" ({STATUS_LABELS[item.status]})" if item.status else ""
        return f"{item.system} {span}: {item.description or ''}{status}".rstrip(": ")
    if isinstance(item, Revision):
        head = " ".join(part for part in (item.date, item.type) if part)
        return f"{head}: {item.summary}" if head else item.summary
    if isinstance(item, list):
        return "; ".join(str(value) for value in item)
    if isinstance(item, dict):
        return "; ".join(f"{name}: {value}" for name, value in item.items())
    return str(item)


def diff_view(result: DiffResult, folder: Path | None = None) -> DiffView:
    sections = []
    for section in SECTIONS:
        changes = [
            ChangeView(change=change, before=item_words(change.left), after=item_words(change.right))
            for change in result.changes
            if change.section == section
        ]
        counts = result.summary.by_section.get(section, SectionCounts())
        sections.append(SectionView(section=section, counts=counts, changes=changes))
    return DiffView(
        sections=sections,
        has_cosmetic=any(c.significance == "cosmetic" for c in result.changes),
        left_source=source_href(result.left.path, folder),
        right_source=source_href(result.right.path, folder),
    )


def side_title(side: Side) -> str:
    parts = [side.payer or "Unknown payer", side.policy_number or "", side.title or "(untitled)"]
    return " ".join(part for part in parts if part)


def diff_html(result: DiffResult, links: dict[str, str] | None = None, folder: Path | None = None) -> str:
    """The revision report, to be written in `folder` (its page links open the sources from there).
    `links`: label -> href of related reports (each version's policy report)."""
    return render(
        "diff.html.j2",
        result=result,
        view=diff_view(result, folder),
        page_title=side_title(result.right),
        links=_report_links(links),
        **_common(),
    )


# ------------------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class ConceptCell:
    """What one payer says of one concept: its own words and how its bar compares."""

    key: str
    texts: list[MemberText]
    stricter: list[str]
    looser: list[str]


@dataclass(frozen=True)
class ConceptRow:
    concept: Concept
    cells: list[ConceptCell]
    agreement: str  # 'shared' (several payers state it) or 'one'
    differs: bool  # some payer does not state it, or the stating payers' bars differ
    stricter: list[tuple[str, str]]  # (policy key, why) of the payers stricter on a shared row


@dataclass(frozen=True)
class ServiceSummary:
    """The answer for one service: who covers it, who does not, what they share, who is stricter."""

    covered_by: list[str]
    not_covered_by: list[str]
    silent: list[str]
    shared: list[ConceptRow]
    stricter: list[tuple[str, ConceptRow]]
    one_payer: dict[str, int]


@dataclass(frozen=True)
class KindPart:
    """The rows of one kind (indications, requirements, exclusions ...) inside a service."""

    kind: str
    heading: str
    rows: list[ConceptRow]


@dataclass(frozen=True)
class ServiceBlock:
    label: str
    names: dict[str, str]
    rows: list[ConceptRow]
    summary: ServiceSummary
    parts: list[KindPart]


@dataclass(frozen=True)
class CodeMatrixRow:
    row: CodeRow
    statuses: list[tuple[str, str]]
    agreement: str


@dataclass(frozen=True)
class ComparedColumn:
    policy: ComparedPolicy
    name: str
    href: str | None


@dataclass(frozen=True)
class ComparisonView:
    columns: list[ComparedColumn]
    matrix_width: int
    blocks: list[ServiceBlock]
    concept_count: int
    shared_count: int
    code_rows: list[CodeMatrixRow]
    code_systems: list[str]
    codes_differing: int
    policy_names: dict[str, str]
    hrefs: dict[str, str]  # policy key -> its policy report, where a quote's page leads first
    sources: dict[str, str]  # policy key -> its source file, opened at a quote's page without a report


def compared_name(policy: ComparedPolicy) -> str:
    return policy.name or " ".join(
        part for part in (policy.payer or policy.key, policy.policy_number) if part
    )


def concept_cell(concept: Concept, key: str) -> ConceptCell:
    return ConceptCell(
        key=key,
        texts=concept.texts.get(key, []),
        stricter=[q.explanation for q in concept.quantities if key in q.stricter],
        looser=[q.explanation for q in concept.quantities if key in q.looser],
    )


def concept_row(concept: Concept, keys: list[str]) -> ConceptRow:
    directions = {verdict.direction for verdict in concept.verdicts.values()}
    shared = len(concept.stated_by) > 1
    return ConceptRow(
        concept=concept,
        cells=[concept_cell(concept, key) for key in keys],
        agreement="shared" if shared else "one",
        differs=len(concept.stated_by) < len(keys) or bool(directions & {"stricter", "looser", "unclear"}),
        stricter=[
            (key, "; ".join(verdict.reasons))
            for key, verdict in concept.verdicts.items()
            if shared and verdict.direction == "stricter"
        ],
    )


def service_summary(rows: list[ConceptRow], keys: list[str]) -> ServiceSummary:
    """Who covers the service (states something it covers), who does not (states only exclusions),
    who says nothing of it; the rows several payers share; who is stricter where; how many rows each
    payer states alone."""
    polarities: dict[str, set[str]] = {key: set() for key in keys}
    for row in rows:
        for key, members in row.concept.texts.items():
            polarities[key].update(member.polarity for member in members)
    return ServiceSummary(
        covered_by=[key for key in keys if "covers" in polarities[key]],
        not_covered_by=[
            key for key in keys if "excludes" in polarities[key] and "covers" not in polarities[key]
        ],
        silent=[key for key in keys if not polarities[key]],
        shared=[row for row in rows if row.agreement == "shared"],
        stricter=[(key, row) for row in rows for key, _ in row.stricter],
        one_payer={
            key: count for key in keys if (count := sum(1 for row in rows if row.concept.stated_by == [key]))
        },
    )


def service_blocks(comparison: Comparison, keys: list[str]) -> list[ServiceBlock]:
    """Concept rows grouped by the service they are about, services in the comparison's order."""
    rows_by_service: dict[str | None, list[ConceptRow]] = {}
    for concept in comparison.concepts:
        rows_by_service.setdefault(concept.service, []).append(concept_row(concept, keys))
    grouped = [
        (group.label, group.names, rows_by_service.pop(group.label))
        for group in comparison.services
        if group.label in rows_by_service
    ]
    grouped += [(service or "Not tied to one service", {}, rows) for service, rows in rows_by_service.items()]
    return [
        ServiceBlock(label, names, rows, service_summary(rows, keys), kind_parts(rows))
        for label, names, rows in grouped
    ]


def kind_parts(rows: list[ConceptRow]) -> list[KindPart]:
    """A service's rows by kind, in the order the comparison gives them (it sorts them by kind)."""
    return [
        KindPart(kind, f"{KIND_LABELS.get(kind, kind).capitalize()}s", list(members))  # 'Indications'
        for kind, members in groupby(rows, key=lambda row: row.concept.kind)
    ]


# The cell of a policy that lists no codes at all (filter value of the code matrix).
NO_CODES = "no-codes"


def status_cell(status: str | None) -> tuple[str, str]:
    """(filter value, words) of a code's status in one policy of the matrix."""
    if status == ABSENT:
        return ABSENT, "absent"
    return status or "none", STATUS_LABELS.get(status, status or STATUS_LABELS[None])


def code_matrix_row(row: CodeRow, keys: list[str], listing: set[str]) -> CodeMatrixRow:
    """A row of the code matrix. A policy that lists no codes at all says nothing of this one: its
    cell says so, and it does not make the row 'treated differently'."""
    statuses = [
        status_cell(row.members.get(key, ABSENT)) if key in listing else (NO_CODES, "lists no codes")
        for key in keys
    ]
    compared = {status for key, status in zip(keys, statuses, strict=True) if key in listing}
    agreement = "differs conflict" if row.conflict else "same" if len(compared) <= 1 else "differs"
    return CodeMatrixRow(row=row, statuses=statuses, agreement=agreement)


def comparison_view(
    comparison: Comparison, links: dict[str, str] | None, folder: Path | None = None
) -> ComparisonView:
    keys = [policy.key for policy in comparison.policies]
    hrefs = dict(_report_links(links))
    listing = {policy.key for policy in comparison.policies if policy.code_count}
    code_rows = [code_matrix_row(row, keys, listing) for row in comparison.codes]
    return ComparisonView(
        columns=[
            ComparedColumn(policy=policy, name=compared_name(policy), href=hrefs.get(policy.key))
            for policy in comparison.policies
        ],
        matrix_width=len(keys) + 1,
        blocks=service_blocks(comparison, keys),
        concept_count=len(comparison.concepts),
        shared_count=sum(1 for concept in comparison.concepts if len(concept.stated_by) > 1),
        code_rows=code_rows,
        code_systems=_first_seen(row.system for row in comparison.codes),
        codes_differing=sum(1 for row in code_rows if row.agreement != "same"),
        policy_names={policy.key: compared_name(policy) for policy in comparison.policies},
        hrefs={key: href for key, href in hrefs.items() if key in keys},
        sources={
            policy.key: href
            for policy in comparison.policies
            if (href := source_href(policy.path, folder)) is not None
        },
    )


def compare_html(
    comparison: Comparison, links: dict[str, str] | None = None, folder: Path | None = None
) -> str:
    """The comparison report. `links`: policy key -> href of that policy's report (others: label -> href);
    `folder`: where the report is written, so a quote's page opens its source when no report is linked."""
    keys = {policy.key for policy in comparison.policies}
    view = comparison_view(comparison, links, folder)
    return render(
        "compare.html.j2",
        comparison=comparison,
        view=view,
        page_title=" vs ".join(column.name for column in view.columns),
        links=[(label, href) for label, href in _report_links(links) if label not in keys],
        **_common(),
    )


@dataclass(frozen=True)
class DigestChange:
    """One coverage change of a digest row: where its revision report shows it, and the page of the source
    (the newer version's, or the older one's for what was removed) that holds it."""

    change: Change
    report: str
    page: int | None
    source: str | None


@dataclass(frozen=True)
class DigestRow:
    entry: FeedEntry
    report: str
    changes: list[DigestChange]


# A report's file name stays well under the 255 bytes a file system allows, however long the policy number.
REPORT_STEM_MAX = 120


def digest_report_name(entry: FeedEntry) -> str:
    """The file name of one feed entry's revision report inside a digest folder; a stem over
    REPORT_STEM_MAX characters is cut and ends in a hash of the whole, so names stay distinct."""
    stem = f"{entry.payer}-{entry.policy_number}-v{entry.older.number}-v{entry.newer.number}"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    if len(safe) > REPORT_STEM_MAX:
        digest = hashlib.sha256(stem.encode("utf-8", "backslashreplace")).hexdigest()[:16]
        safe = f"{safe[: REPORT_STEM_MAX - len(digest) - 1]}-{digest}"
    return safe + ".html"


def digest_change(change: Change, result: DiffResult, report: str, folder: Path | None) -> DigestChange:
    side = result.right if change.right_page else result.left
    return DigestChange(
        change=change,
        report=f"{report}#change-{change.id}",
        page=change.right_page or change.left_page,
        source=source_href(side.path, folder),
    )


def digest_row(entry: FeedEntry, folder: Path | None) -> DigestRow:
    report = digest_report_name(entry)
    changes = [digest_change(change, entry.diff, report, folder) for change in entry.diff.coverage_changes]
    return DigestRow(entry=entry, report=report, changes=changes)


def digest_html(
    entries: list[FeedEntry], since: str | None = None, payer: str | None = None, folder: Path | None = None
) -> str:
    """The change digest: one row per feed entry, linking to its revision report (digest_report_name), and
    under it each coverage change in words, linked to its place in that report and to its source page.
    `folder`: where the digest is written, so the page links find the sources."""
    rows = [digest_row(entry, folder) for entry in entries]
    return render(
        "changes.html.j2",
        rows=rows,
        since=since,
        payer=payer,
        page_title="Change digest",
        links=[],
        **_common(),
    )
