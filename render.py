"""Renderers: every human-readable output (text and HTML) is a Jinja2 template in templates/.

Templates never compute: callers pass the same model objects that the JSON output serializes, and
templates only lay them out. HTML templates autoescape everything (policy text is untrusted input).
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("policydiff", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: object) -> str:
    """Render templates/<template> with the given objects."""
    return environment().get_template(template).render(**context)
