"""Renderers: every human-readable output (text and HTML) is a Jinja2 template in templates/.

Templates never compute: callers pass the same model objects that the JSON output serializes, and
templates only lay them out. Policy text is untrusted input: HTML templates autoescape everything, and
text templates write every value inert (output.inert: control characters escaped, a value's newline
too, so one line of the layout stays one line). A text template marks its own multi-line pieces (a
macro's lines, wrapped text) `| safe`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from policydiff.model.feed import FeedEntry
from policydiff.output import inert

# Characters XML 1.0 does not allow, which a PDF's text may hold (form feeds, other C0 controls).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _inert_value(value: object) -> object:
    """A text template's value as it may reach a terminal; pieces the template marked safe pass as laid out."""
    return value if isinstance(value, Markup) or not isinstance(value, str) else inert(value)


@cache
def environment(text: bool = False) -> Environment:
    """The HTML environment (autoescaped), or with `text` the one for text templates (values inert)."""
    env = Environment(
        loader=PackageLoader("policydiff", "templates"),
        autoescape=False
        if text
        else select_autoescape(("html", "html.j2", "atom.j2"), default_for_string=True),
        finalize=_inert_value if text else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["inert"] = inert
    env.filters["xml"] = xml_text
    return env


def render(template: str, **context: object) -> str:
    """Render templates/<template> with the given objects."""
    return environment(text=template.endswith(".txt.j2")).get_template(template).render(**context)


def xml_text(value: object) -> str:
    """A value as XML character data may hold it (the template's autoescape escapes its markup)."""
    return _NOT_XML.sub("", str(value))


@dataclass(frozen=True)
class AtomEntry:
    id: str  # stable: the same pair of versions of a policy gives the same id in every feed
    updated: str
    entry: FeedEntry


def atom_feed(entries: list[FeedEntry], since: str | None = None, payer: str | None = None) -> str:
    """The change feed as an Atom document (RFC 4287) a feed reader can subscribe to: one entry per pair
    of versions, its changes one line each, stricter first."""
    items = [
        AtomEntry(
            id=_urn("change", entry.payer, entry.policy_number, entry.older.sha256, entry.newer.sha256),
            updated=entry.newer.ingested_at,
            entry=entry,
        )
        for entry in entries
    ]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    feed = {
        "id": _urn("feed", (payer or "").lower(), since or ""),
        "updated": max((item.updated for item in items), default=now),
        "entries": items,
    }
    return render("changes.atom.j2", feed=feed, since=since, payer=payer)


def _urn(*parts: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "policydiff:" + "\x1f".join(parts)).urn
