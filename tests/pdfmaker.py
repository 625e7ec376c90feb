"""Minimal PDFs written by hand for the bad-input tests: text pages, image-only pages, many pages, and
the malformed page trees and compression bombs that crash or swamp PDF readers.

Only what a PDF reader needs (catalog, page tree, Helvetica, content streams, an xref table), so the
tests need no PDF-writing library and each file is made in milliseconds.
"""

from __future__ import annotations

import zlib

PAGE_WIDTH, PAGE_HEIGHT = 612, 792
LINE_HEIGHT = 14


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _text_stream(lines: list[str]) -> bytes:
    ops = [b"BT /F1 11 Tf"]
    top = PAGE_HEIGHT - 72
    for index, line in enumerate(lines):
        ops.append(b"1 0 0 1 72 %d Tm (%s) Tj" % (top - index * LINE_HEIGHT, _escape(line)))
    ops.append(b"ET")
    return b"\n".join(ops)


def _assemble(objects: list[bytes]) -> bytes:
    """Objects numbered from 1 in order; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


def _pdf(
    contents: list[bytes],
    resources: bytes,
    extra_objects: list[bytes],
    media_box: bytes = b"/MediaBox [0 0 %d %d]" % (PAGE_WIDTH, PAGE_HEIGHT),
) -> bytes:
    """Pages with the given content streams; objects: catalog, pages, extras (3..), then page/content pairs.
    `media_box` is each page's /MediaBox entry as written (empty: none)."""
    first_page = 3 + len(extra_objects)
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * index) for index in range(len(contents)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(contents)),
        *extra_objects,
    ]
    for index, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R %s /Resources %s /Contents %d 0 R >>"
            % (media_box, resources, first_page + 2 * index + 1)
        )
        objects.append(_stream(content))
    return _assemble(objects)


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
_FONT_RESOURCES = b"<< /Font << /F1 3 0 R >> >>"


def text_pdf(pages: list[list[str]], media_box: bytes | None = None) -> bytes:
    """A PDF with one page per list of lines, set in Helvetica; `media_box` replaces each page's /MediaBox
    entry as written (b"": none at all)."""
    contents = [_text_stream(lines) for lines in pages]
    if media_box is None:
        return _pdf(contents, _FONT_RESOURCES, [_FONT])
    return _pdf(contents, _FONT_RESOURCES, [_FONT], media_box)


def rotated_margin_pdf(lines: list[str], margin: str) -> bytes:
    """The lines on one page, with `margin` set up the left margin turned 90 degrees (where some payers
    print a document number or a notice beside the text), drawn before the lines."""
    turned = b"BT /F1 9 Tf 0 1 -1 0 40 300 Tm (%s) Tj ET" % _escape(margin)
    return _pdf([turned + b"\n" + _text_stream(lines)], _FONT_RESOURCES, [_FONT])


def columns_pdf(lines: list[str], columns: int) -> bytes:
    """The lines set in `columns` columns per page (a 24-point gutter between them), flowing from the
    foot of one column to the head of the next and on to the next page."""
    per_column = (PAGE_HEIGHT - 2 * 72) // LINE_HEIGHT
    width = (PAGE_WIDTH - 2 * 72 - 24 * (columns - 1)) / columns
    pages = []
    for start in range(0, len(lines), per_column * columns):
        ops = [b"BT /F1 11 Tf"]
        for index, line in enumerate(lines[start : start + per_column * columns]):
            column, row = divmod(index, per_column)
            x = 72 + column * (width + 24)
            ops.append(b"1 0 0 1 %d %d Tm (%s) Tj" % (x, PAGE_HEIGHT - 72 - row * LINE_HEIGHT, _escape(line)))
        ops.append(b"ET")
        pages.append(b"\n".join(ops))
    return _pdf(pages, _FONT_RESOURCES, [_FONT])


def cyclic_parent_pdf(lines: list[str]) -> bytes:
    """One text page whose /Parent is a page-tree node that names the page's own node as its /Parent:
    inherited attributes (here the /MediaBox) are looked up round the cycle."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 /Parent 2 0 R >>",
        _FONT,
        b"<< /Type /Page /Parent 2 0 R /Resources %s /Contents 5 0 R >>" % _FONT_RESOURCES,
        _stream(_text_stream(lines)),
    ]
    return _assemble(objects)


def deep_page_tree_pdf(depth: int, lines: list[str]) -> bytes:
    """One text page at the bottom of `depth` nested /Pages nodes (a reader that recurses runs out of stack)."""
    # Objects: 1 catalog, 2 font, 3 page, 4 content, then the /Pages nodes 5 .. 5+depth-1 (5 is the root).
    first_node = 5
    objects = [
        b"<< /Type /Catalog /Pages %d 0 R >>" % first_node,
        _FONT,
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 2 0 R >> >> "
        b"/Contents 4 0 R >>" % (first_node + depth - 1, PAGE_WIDTH, PAGE_HEIGHT),
        _stream(_text_stream(lines)),
    ]
    for level in range(depth):
        node = first_node + level
        kid = node + 1 if level < depth - 1 else 3
        parent = b" /Parent %d 0 R" % (node - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (kid, parent))
    return _assemble(objects)


def inflating_pdf(lines: list[str], inflated_mb: int, twice: bool = False) -> bytes:
    """A text page whose content stream is followed by `inflated_mb` MB of spaces, compressed (FlateDecode)
    to about a thousandth of that: a small file that a reader inflates to a huge one. `twice`: compressed
    again (/Filter [/FlateDecode /FlateDecode]), to a few kilobytes."""
    content = _text_stream(lines) + b"\n"
    compressor = zlib.compressobj(9)
    chunk = b" " * 2**20
    packed = compressor.compress(content) + b"".join(compressor.compress(chunk) for _ in range(inflated_mb))
    packed += compressor.flush()
    if twice:
        packed = zlib.compress(packed, 9)
    stream = _stream(packed, b"/Filter [/FlateDecode /FlateDecode] " if twice else b"/Filter /FlateDecode ")
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources %s /Contents 4 0 R >>" % (
        PAGE_WIDTH,
        PAGE_HEIGHT,
        _FONT_RESOURCES,
    )
    return _assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            _FONT,
            stream,
            page,
        ]
    )


def image_only_pdf(pages: int = 1) -> bytes:
    """A scan: each page is one grey image and no text at all."""
    side = 16
    pixels = bytes((x * 16 + y) % 256 for x in range(side) for y in range(side))
    image = _stream(
        pixels,
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        % (side, side),
    )
    draw = b"q 468 0 0 648 72 72 cm /Im1 Do Q"
    return _pdf([draw] * pages, b"<< /XObject << /Im1 3 0 R >> >>", [image])
