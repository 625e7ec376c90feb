"""Renderers: every human-readable output (text and HTML) is a Jinja2 template in templates/.

Templates never compute: callers pass the same model objects that the JSON output serializes, and
templates only lay them out. Policy text is untrusted input: HTML templates autoescape everything, and
text templates write every value inert (output.inert: control characters escaped, a value's newline
too, so one line of the layout stays one line). A text template marks its own multi-line pieces (a
macro's lines, wrapped text) `| safe`.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from policydiff.output import inert


def _inert_value(value: object) -> object:
    """A text template's value as it may reach a terminal; pieces the template marked safe pass as laid out."""
    return value if isinstance(value, Markup) or not isinstance(value, str) else inert(value)


@cache
def environment(text: bool = False) -> Environment:
    """The HTML environment (autoescaped), or with `text` the one for text templates (values inert)."""
    env = Environment(
        loader=PackageLoader("policydiff", "templates"),
        autoescape=False if text else select_autoescape(("html", "html.j2"), default_for_string=True),
        finalize=_inert_value if text else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["inert"] = inert
    return env


def render(template: str, **context: object) -> str:
    """Render templates/<template> with the given objects."""
    return environment(text=template.endswith(".txt.j2")).get_template(template).render(**context)
