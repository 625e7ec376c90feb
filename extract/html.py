"""HTML loader (selectolax / Lexbor): block elements -> lines, table rows -> lines with cells.

Scripts, styles, iframes, forms and navigation chrome are dropped unread: a policy page's text is in its
headings, paragraphs, list items and tables. Headings keep their level; <b>/<strong> blocks are bold;
list items get a bullet (or their number for ordered lists) and an indent by nesting depth, so the
criteria parser sees the same shapes it sees in PDFs and text.
"""

from __future__ import annotations

import re
from html import escape

from policydiff.extract.document import Cell, Document, Line
from policydiff.extract.errors import ExtractError
from policydiff.extract.markup_copy import MARKUP_COPY_WARNING, markup_copy
from policydiff.extract.reflow import is_flattened, page_footer, page_title
from policydiff.extract.sentences import sentences
from policydiff.extract.text import decode_text, strip_citation_marks
from policydiff.model import Diagnostic
from selectolax.lexbor import LexborHTMLParser, LexborNode

DROPPED = (
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "form",
    "nav",
    "svg",
    "template",
    "head",
)
BLOCKS = {
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "caption",
    "td",
    "th",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
INDENT_POINTS = 18.0
# Elements nested deeper than this are refused: the walk below recurses with the nesting (as do the
# criteria built from nested lists), and a real policy page nests a few tens of levels. Browsers cap
# their tree at a similar depth (Chromium's HTML parser at 512).
MAX_DEPTH = 256
BULLETS = ("•", "◦", "▪")
_SPACES = re.compile(r"\s+")
_STYLE_INDENT = re.compile(r"(?:margin|padding)-left\s*:\s*0*[1-9]")


def _text(node: LexborNode) -> str:
    return _SPACES.sub(" ", strip_citation_marks(node.text(separator=" ", strip=False) or "")).strip()


def _is_bold(node: LexborNode) -> bool:
    if node.tag in {"b", "strong", "th"}:
        return True
    children = [child for child in node.iter(include_text=False)]
    return len(children) == 1 and children[0].tag in {"b", "strong"} and _text(children[0]) == _text(node)


def _depth(node: LexborNode) -> int:
    depth = 0
    parent = node.parent
    while parent is not None:
        if parent.tag in {"ul", "ol"}:
            depth += 1
        parent = parent.parent
    return depth


def _list_marker(node: LexborNode) -> str:
    parent = node.parent
    if parent is None or parent.tag != "ol":
        # As a browser draws them: disc, circle, then square by nesting depth, so that a nested list
        # reads as nested and not as more items of the list around it.
        return BULLETS[min(max(_depth(node), 1), len(BULLETS)) - 1]
    siblings = [child for child in parent.iter(include_text=False) if child.tag == "li"]
    start = (
        int(parent.attributes.get("start") or 1) if (parent.attributes.get("start") or "1").isdigit() else 1
    )
    if node not in siblings:
        return "•"
    number = start + siblings.index(node)
    # <ol type="a"> prints "a.", "b." ...: the policy text cites its items by those letters ("conditions a.-c.").
    kind = parent.attributes.get("type") or ""
    if kind in {"a", "A"} and number <= 26:
        letter = chr(ord("a") + number - 1)
        return f"{letter if kind == 'a' else letter.upper()}."
    # <ol type="i"> prints "i.", "ii." ...: a third level under "a." reads as its items, not a new "1." list.
    if kind in {"i", "I"} and number < 40:
        numeral = _roman(number)
        return f"{numeral if kind == 'i' else numeral.upper()}."
    return f"{number}."


def _roman(number: int) -> str:
    """1 -> 'i', 4 -> 'iv', 39 -> 'xxxix' (what <ol type="i"> counts up to here)."""
    tens, ones = divmod(number, 10)
    return "x" * tens + ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][ones]


def _indents(node: LexborNode) -> bool:
    """Whether a block container is set in from the margin by an inline style (a list drawn without <ul>)."""
    return bool(_STYLE_INDENT.search(node.attributes.get("style") or ""))


class _Builder:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.table_count = 0
        self.indent = 0  # block containers around the current node indented by an inline style

    def add(self, text: str, x0: float = 0.0, **fields) -> None:
        if text:
            # Each block element is its own paragraph: a blank line's gap above it keeps the criteria
            # parser from reading two paragraphs as one wrapped sentence.
            top = 2.0 * len(self.lines)
            x0 += INDENT_POINTS * self.indent
            self.lines.append(
                Line(text=text, page=1, x0=x0, top=top, x1=x0 + len(text), bottom=top + 1, **fields)
            )

    def table(self, node: LexborNode) -> None:
        self.table_count += 1
        for row_index, row in enumerate(node.css("tr")):
            cells = [
                Cell(_text(cell), 100.0 * i, 100.0 * i + 90.0) for i, cell in enumerate(row.css("th, td"))
            ]
            if not any(cell.text for cell in cells):
                continue
            bold = all(cell.tag == "th" for cell in row.css("th, td"))
            self.add(
                "\t".join(cell.text for cell in cells),
                cells=tuple(cells) if len(cells) > 1 else (),
                bold=bold,
                table=self.table_count,
                row=row_index,
            )

    def walk(self, node: LexborNode) -> None:
        for child in node.iter(include_text=False):
            tag = child.tag
            if tag in DROPPED:
                continue
            if tag == "table":
                self.table(child)
            elif tag in HEADINGS:
                self.add(_text(child), bold=True, heading_level=HEADINGS[tag])
            elif tag == "li":
                self._list_item(child)
            elif tag in BLOCKS and not _has_block_child(child):
                if child.css_first("br") is None:
                    self.add(_text(child), bold=_is_bold(child))
                else:
                    for text, bold in _broken_lines(child):
                        self.add(text, bold=bold)
            else:
                indented = _indents(child)
                self.indent += indented
                self.walk(child)
                self.indent -= indented

    def _list_item(self, node: LexborNode) -> None:
        # Text after a nested list ("<li>Conditions.<ul>...</ul>Note: ...</li>") is printed below that
        # list, inside the item's text column: a further paragraph of the item, not part of its first line.
        pieces: list[list[LexborNode]] = [[]]
        for child in node.iter(include_text=True):
            if child.tag in {"ul", "ol"}:
                pieces.append([])
            else:
                pieces[-1].append(child)
        depth = _depth(node)
        self.add(f"{_list_marker(node)} {_joined(pieces[0])}".strip(), x0=INDENT_POINTS * depth)
        for child in node.iter(include_text=False):
            if child.tag in {"ul", "ol"}:
                self.walk(child)
        for piece in pieces[1:]:
            self.add(_joined(piece), x0=INDENT_POINTS * (depth + 0.5))


def _joined(nodes: list[LexborNode]) -> str:
    text = " ".join(_text(node) if node.tag != "-text" else (node.text_content or "") for node in nodes)
    return strip_citation_marks(_SPACES.sub(" ", text).strip())


def _inline_runs(node: LexborNode, bold: bool) -> list[tuple[str, bool] | None]:
    """A block's inline content in order: (text, whether set in bold) runs, None for each <br>."""
    runs: list[tuple[str, bool] | None] = []
    for child in node.iter(include_text=True):
        if child.tag == "br":
            runs.append(None)
        elif child.tag == "-text":
            runs.append((child.text_content or "", bold))
        else:
            runs.extend(_inline_runs(child, bold or child.tag in {"b", "strong"}))
    return runs


def _broken_lines(node: LexborNode) -> list[tuple[str, bool]]:
    """A block cut at its <br>s: editors draw paragraphs, and a bold run heading them, inside one <p>
    ("<p><strong>Comorbid Conditions</strong><br><br>Severe obesity ..."); each piece is its own line,
    bold when all its words are."""
    lines: list[list[tuple[str, bool]]] = [[]]
    for run in _inline_runs(node, _is_bold(node)):
        if run is None:
            lines.append([])
        elif run[0].strip():
            lines[-1].append(run)
    return [
        (
            _SPACES.sub(" ", strip_citation_marks(" ".join(text for text, _ in runs))).strip(),
            all(b for _, b in runs),
        )
        for runs in lines
        if runs
    ]


def _has_block_child(node: LexborNode) -> bool:
    return any(
        child.tag in BLOCKS or child.tag in {"table", "ul", "ol"} for child in node.iter(include_text=False)
    )


def _nested_deeper_than(root: LexborNode, limit: int) -> bool:
    """Whether any element lies more than `limit` levels below `root` (walked with a stack, not recursion)."""
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node.iter(include_text=False))
    return False


def load_markup_copy(data: bytes, path: str, sha256: str) -> Document | None:
    """A flattened text whose elements kept their markup in attributes (extract/markup_copy.py), read as
    the HTML page those copies make; None for any other text."""
    text, warnings = decode_text(data, path)
    copy = markup_copy(text) if is_flattened(text) else None
    if copy is None:
        return None
    opening, elements, closing = copy
    title, navigation, rest = page_title(opening)
    closing, menu = page_footer(closing)
    page = (
        f"<html><head><title>{escape(title)}</title></head><body>"
        + "".join(f"<p>{escape(sentence)}</p>" for sentence in sentences(rest))
        + elements
        + "</body></html>"
    )
    doc = load_html(page.encode("utf-8"), path, sha256)
    doc.warnings[:0] = [Diagnostic(code="load.markup_copy", message=MARKUP_COPY_WARNING), *warnings]
    # The site's navigation, its footer menu and what it prints after the policy (disclosures, a
    # copyright) are page furniture, as the text loader keeps a flattened page's navigation.
    doc.furniture = [
        Line(text=text, page=1, top=float(index))
        for index, text in enumerate([navigation, menu, *sentences(closing)])
        if text
    ]
    return doc


def load_html(data: bytes, path: str, sha256: str) -> Document:
    text, warnings = decode_text(data, path)
    try:
        tree = LexborHTMLParser(text)
    except Exception as error:  # selectolax raises plain exceptions on parser failure
        raise ExtractError(path, f"HTML could not be parsed ({error})") from error
    body = tree.body or tree.root
    if body is None:
        raise ExtractError(path, "HTML has no body")
    if _nested_deeper_than(body, MAX_DEPTH):
        raise ExtractError(path, f"HTML nested too deeply (more than {MAX_DEPTH} levels of elements)")
    builder = _Builder()
    builder.walk(body)
    if not builder.lines:
        raise ExtractError(path, "HTML has no text")
    title_node = tree.css_first("title")
    if tree.css_first("script") is not None or tree.css_first("iframe") is not None:
        message = "scripts and embedded frames in the HTML were ignored"
        warnings.append(Diagnostic(code="load.scripts_ignored", message=message))
    lines = builder.lines
    if title_node is not None and _text(title_node) and not any(line.heading_level for line in lines[:3]):
        lines.insert(0, Line(text=_text(title_node), page=1, top=-1.0, bold=True, heading_level=1))
    return Document(
        path=path,
        format="html",
        sha256=sha256,
        page_count=1,
        lines=lines,
        warnings=warnings,
        source_url=_head_value(tree, 'link[rel="canonical"]', "href")
        or _head_value(tree, 'meta[property="og:url"]', "content"),
        site_name=_head_value(tree, 'meta[property="og:site_name"]', "content"),
    )


def _head_value(tree: LexborHTMLParser, selector: str, attribute: str) -> str | None:
    """An attribute of the page's first element matching `selector` (the page's own canonical address,
    its site name), or None."""
    node = tree.css_first(selector)
    value = node.attributes.get(attribute) if node is not None else None
    return value.strip() if value and value.strip() else None
