"""The pdfium PDF text layer (`--pdf-text pdfium`): characters and ruled lines read by pdfium (pypdfium2),
handed to the same word grouping, table finder and line building as the pdfplumber route.

pdfplumber reads a page through pdfminer, in Python: its interpretation of the content stream and its
conversion of every layout object are nearly all of an extraction's time. pdfium reads the same page in
C. Each pdfium page becomes a `PdfiumPage` with what extract/pdf.py asks of a pdfplumber page:
`extract_words` (words by pdfplumber's WordExtractor rules, `group_words`, over characters with
pdfminer's geometry: x from the glyph's origin and advance, bottom at the font's descent, top one font
size above, size = the font size times the text matrix), `find_tables` (pdfplumber's own TableFinder
over the edges of pdfium's path objects, cut as pdfminer cuts paths into lines, rectangles and curves),
`height` and `close`.

pdfium's text page is its reading of the glyphs, not the glyphs themselves. Undone here: characters are
put back in content-stream order (pdfium sorts text objects along a line, which splits a word in two
where pdfplumber groups runs of one size in stream order); a line-end hyphen pdfium marks as U+0002 is a
hyphen again; and a space pdfium generates counts as a space (it drops the document's own space that
follows one, which would glue two words). What stays different, and why records are equal in substance
but not in every box (tests/test_pdfium_route.py): pdfium drops a glyph drawn twice at one place (fake
bold, shadows) where pdfminer keeps both, reads marked content's /ActualText in place of its glyphs, and
places glyphs by the font program's widths in 32-bit floats (x differs by up to a few tenths of a point
along a line).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import groupby, pairwise
from operator import itemgetter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pypdfium2_raw.bindings as pdfium_bindings
from pdfplumber.table import Table, TableFinder, TableSettings
from pdfplumber.utils.text import LIGATURES, extract_words
from policydiff.extract.errors import ExtractError

_LIB = pdfium_bindings._libs["pdfium"]  # not public API: pyproject bounds pypdfium2 for it
_VP, _INT, _FLOAT = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
# pdfium is not thread-safe: two calls at once, even on two documents, crash the process (a Dask worker
# runs its tasks on threads; a service may call extract_file from several). Every call into pdfium is made
# holding this lock; the word grouping and line building after it run unlocked.
_PDFIUM_LOCK = threading.Lock()


def _c_function(name: str, restype, *argtypes) -> Callable:
    """A private handle on a pdfium function that takes and returns plain addresses: ctypes converts an
    int far faster than a typed pointer, and some of these run once per character."""
    function = _LIB[name]  # a new function object: pypdfium2's own binding keeps its types
    function.restype = restype
    function.argtypes = argtypes
    return function


_MATRIX = ctypes.POINTER(pdfium_c.FS_MATRIX)
_count_chars = _c_function("FPDFText_CountChars", _INT, _VP)
_get_text = _c_function("FPDFText_GetText", _INT, _VP, _INT, _INT, ctypes.c_char_p)
_text_object_of = _c_function("FPDFText_GetTextObject", _VP, _VP, _INT)
_loose_box = _c_function("FPDFText_GetLooseCharBox", _INT, _VP, _INT, _VP)  # into an array: an address
_char_matrix = _c_function("FPDFText_GetMatrix", _INT, _VP, _INT, _MATRIX)
_font_of = _c_function("FPDFTextObj_GetFont", _VP, _VP)
_font_size_of = _c_function("FPDFTextObj_GetFontSize", _INT, _VP, ctypes.POINTER(_FLOAT))
_base_font_name = _c_function(
    "FPDFFont_GetBaseFontName", ctypes.c_size_t, _VP, ctypes.c_char_p, ctypes.c_size_t
)
_count_objects = _c_function("FPDFPage_CountObjects", _INT, _VP)
_page_object = _c_function("FPDFPage_GetObject", _VP, _VP, _INT)
_object_type = _c_function("FPDFPageObj_GetType", _INT, _VP)
_object_matrix = _c_function("FPDFPageObj_GetMatrix", _INT, _VP, _MATRIX)
_count_form_objects = _c_function("FPDFFormObj_CountObjects", _INT, _VP)
_form_object = _c_function("FPDFFormObj_GetObject", _VP, _VP, ctypes.c_ulong)
_count_segments = _c_function("FPDFPath_CountSegments", _INT, _VP)
_path_segment = _c_function("FPDFPath_GetPathSegment", _VP, _VP, _INT)
_segment_point = _c_function(
    "FPDFPathSegment_GetPoint", _INT, _VP, ctypes.POINTER(_FLOAT), ctypes.POINTER(_FLOAT)
)
_segment_type = _c_function("FPDFPathSegment_GetType", _INT, _VP)
_segment_closes = _c_function("FPDFPathSegment_GetClose", _INT, _VP)
_draw_mode = _c_function("FPDFPath_GetDrawMode", _INT, _VP, ctypes.POINTER(_INT), ctypes.POINTER(_INT))

# pdfium marks a hyphen it takes for a line-end break with U+0002 (U+FFFE in FPDFText_GetText);
# pdfminer reads the hyphen.
_HYPHEN_BACK = str.maketrans({"\x02": "-", "\ufffe": "-"})

# TableFinder's edge_min_length_prefilter (pdfplumber's default table settings).
_PREFILTER_LENGTH = TableSettings().edge_min_length_prefilter

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _address(handle) -> int:
    return ctypes.cast(handle, _VP).value or 0


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """`inner` then `outer` (PDF's row-vector convention: inner x outer)."""
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _matrix_of(address: int) -> Matrix:
    matrix = pdfium_c.FS_MATRIX()
    if not _object_matrix(address, ctypes.byref(matrix)):
        return IDENTITY
    return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)


def _objects_in_order(
    owner: int, count: int, get: Callable, outer: Matrix, out: list[tuple[int, int, Matrix]]
) -> list[tuple[int, int, Matrix]]:
    """(address, type, matrix of its container) of every object in content-stream order; the objects of
    a form XObject come where the form is drawn."""
    for index in range(count):
        address = get(owner, index) or 0
        kind = _object_type(address)
        out.append((address, kind, outer))
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            inner = _compose(_matrix_of(address), outer)
            _objects_in_order(address, _count_form_objects(address), _form_object, inner, out)
    return out


# -------------------------------------------------------------------------------------- characters


class _Style:
    """What a text object tells every character of it: font name, size and whether it is upright."""

    __slots__ = ("font", "size", "upright")

    def __init__(self, text_object: int, text_page: int, index: int, names: dict[int, dict]) -> None:
        font = _font_of(text_object) or 0
        if font not in names:
            buffer = ctypes.create_string_buffer(256)
            length = _base_font_name(font, buffer, 256) if font else 0
            names[font] = {"fontname": buffer.raw[: max(length - 1, 0)].decode("latin-1")}
        # One dict per font, shared by its characters: all the loader reads of a word's characters.
        self.font = names[font]
        matrix = pdfium_c.FS_MATRIX()
        _char_matrix(text_page, index, ctypes.byref(matrix))
        font_size = _FLOAT(0.0)
        _font_size_of(text_object, ctypes.byref(font_size))
        a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
        # pdfminer's LTChar: size is the height of the glyph box, font size times the matrix's y scale;
        # rounded to drop the noise of pdfium's 32-bit floats (a size change splits words).
        self.size = round(font_size.value * (abs(d) if not b else (b * b + d * d) ** 0.5), 4)
        self.upright = a * d > 0 and b * c <= 0


# A character: (text, x0, x1, top, bottom, size, upright, font) with pdfplumber's meaning of each;
# `font` is {"fontname": ...}. Tuples, not dicts: a page has thousands.
Char = tuple[str, float, float, float, float, float, bool, dict]
_TEXT, _X0, _X1, _TOP, _BOTTOM, _SIZE, _UPRIGHT, _FONT = range(8)


def page_chars(text_page: int, height: float, order: dict[int, int]) -> list[Char]:
    """The characters of a pdfium text page, in content-stream order."""
    count = _count_chars(text_page)
    if count <= 0:
        return []
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    _get_text(text_page, 0, count, buffer)
    text = buffer.raw[: 2 * count].decode("utf-16-le", errors="replace")
    if len(text) != count:  # characters beyond the BMP take two UTF-16 units: read them one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(text_page, index)) for index in range(count))
    text = text.translate(_HYPHEN_BACK)
    # Every character's text object and loose box in one pass each over pdfium, the boxes written into
    # one array (left, top, right, bottom as 32-bit floats) read back at once.
    objects = [_text_object_of(text_page, index) for index in range(count)]
    boxes = (pdfium_c.FS_RECTF * count)()
    base, step = ctypes.addressof(boxes), ctypes.sizeof(pdfium_c.FS_RECTF)
    for index in range(count):
        _loose_box(text_page, index, base + index * step)
    floats = memoryview(boxes).cast("B").cast("f").tolist()
    styles: dict[int, _Style] = {}
    names: dict[int, dict] = {}
    # Sorted on position in the content stream, then pdfium's order within a text object: one int.
    keyed: list[tuple[int, Char]] = []
    stride = count + 1
    position = 0
    previous: Char | None = None
    current_object = size = upright = font = None
    for index, (char, text_object, left, right, loose_bottom) in enumerate(
        zip(text, objects, floats[0::4], floats[2::4], floats[3::4], strict=True)
    ):
        if not text_object:
            # Generated by pdfium: a space where it saw a gap (it may have dropped the document's own
            # space there) or a line break. A space splits words only if it sits between them: it goes
            # at the end of the character before, on its line.
            if previous is not None and char.isspace():
                keyed.append((position * stride + index, (" ", previous[_X1], *previous[_X1:])))
            continue
        if text_object != current_object:  # a text object's characters come together: looked up once
            current_object = text_object
            style = styles.get(text_object)
            if style is None:
                style = styles[text_object] = _Style(text_object, text_page, index, names)
            position = order.get(text_object, position)
            size, upright, font = style.size, style.upright, style.font
        # pdfminer's box: from the baseline's descent (pdfium's loose box starts there too) one font size up.
        bottom = height - loose_bottom
        previous = (char, left, right, bottom - size, bottom, size, upright, font)
        keyed.append((position * stride + index, previous))
    keyed.sort(key=itemgetter(0))
    return [char for _, char in keyed]


# ------------------------------------------------------------------------------------------- words

# pdfplumber's defaults, which the loader's extract_words call keeps.
X_TOLERANCE = Y_TOLERANCE = 3
_LOADER_WORD_OPTIONS = {"extra_attrs": ["size"], "keep_blank_chars": False, "return_chars": True}


def group_words(chars: list[Char]) -> list[dict]:
    """Words by pdfplumber's WordExtractor rules for the loader's options (extra_attrs=["size"], default
    tolerances, blank characters split): runs of characters of one size and uprightness in stream order,
    each clustered into lines by top, sorted by x0 in a line, split at a blank or a gap. The same words
    as pdfplumber's own extract_words on these characters (tests/test_pdfium_route.py), in a fraction
    of its time: tuples instead of dicts, one sort per run."""
    words: list[dict] = []
    for (upright, _), run in groupby(chars, key=itemgetter(_UPRIGHT, _SIZE)):
        run = list(run)
        if not upright:
            words.extend(_pdfplumber_words(run))
            continue
        line_of = _clusters(sorted({char[_TOP] for char in run}), Y_TOLERANCE)
        current: list[Char] = []
        for char in sorted(run, key=lambda char: (line_of[char[_TOP]], char[_X0])):
            if char[_TEXT].isspace():
                if current:
                    words.append(_word(current))
                current = []
            elif current and (
                char[_X0] < current[-1][_X0]
                or char[_X0] > current[-1][_X1] + X_TOLERANCE
                or abs(char[_TOP] - current[-1][_TOP]) > Y_TOLERANCE
            ):
                words.append(_word(current))
                current = [char]
            else:
                current.append(char)
        if current:
            words.append(_word(current))
    return words


def _clusters(values: list[float], tolerance: float) -> dict[float, int]:
    """pdfplumber's cluster_list over sorted values: a value within `tolerance` of the one before joins
    its cluster."""
    cluster_of: dict[float, int] = {}
    cluster = 0
    for before, value in zip([None, *values], values, strict=False):
        if before is not None and value > before + tolerance:
            cluster += 1
        cluster_of[value] = cluster
    return cluster_of


# pdfplumber's expansion of ligature characters ("ﬁ" -> "fi"), as one translation of a word's text.
_EXPAND_LIGATURES = str.maketrans(LIGATURES)


def _word(chars: list[Char]) -> dict:
    # A word's characters go left to right (group_words splits where x0 goes back): the first one's x0 is
    # the least.
    return {
        "text": "".join([char[_TEXT] for char in chars]).translate(_EXPAND_LIGATURES),
        "x0": chars[0][_X0],
        "x1": max([char[_X1] for char in chars]),
        "top": min([char[_TOP] for char in chars]),
        "bottom": max([char[_BOTTOM] for char in chars]),
        "size": chars[0][_SIZE],
        "chars": [char[_FONT] for char in chars],
    }


def _pdfplumber_words(chars: list[Char]) -> list[dict]:
    """Rotated text, rare in policies: pdfplumber's own extractor on char dicts."""
    dicts = [
        {
            "text": text,
            "x0": x0,
            "x1": x1,
            "top": top,
            "bottom": bottom,
            "doctop": top,
            "height": bottom - top,
            "size": size,
            "upright": upright,
            **font,
        }
        for text, x0, x1, top, bottom, size, upright, font in chars
    ]
    return extract_words(dicts, **_LOADER_WORD_OPTIONS)


# ------------------------------------------------------------------------------------------- edges


def _subpaths(path: int, matrix: Matrix, height: float) -> Iterator[list[tuple[float, float]]]:
    """Each subpath's end points in page coordinates (top-down y), closing back to its start as
    pdfminer reads an "h"."""
    a, b, c, d, e, f = matrix
    x, y = _FLOAT(), _FLOAT()
    points: list[tuple[float, float]] = []
    for index in range(_count_segments(path)):
        segment = _path_segment(path, index)
        _segment_point(segment, ctypes.byref(x), ctypes.byref(y))
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        if _segment_type(segment) == pdfium_c.FPDF_SEGMENT_MOVETO:
            if len(points) > 1:
                yield points
            points = [point]
        else:
            points.append(point)
        if _segment_closes(segment) and points:
            points.append(points[0])
    if len(points) > 1:
        yield points


def _edge(p0: tuple[float, float], p1: tuple[float, float], orientation: str | None) -> dict:
    return {
        "object_type": "edge",
        "x0": min(p0[0], p1[0]),
        "x1": max(p0[0], p1[0]),
        "top": min(p0[1], p1[1]),
        "doctop": min(p0[1], p1[1]),
        "bottom": max(p0[1], p1[1]),
        "width": abs(p0[0] - p1[0]),
        "height": abs(p0[1] - p1[1]),
        "orientation": orientation,
    }


def _path_edges(points: list[tuple[float, float]]) -> list[dict]:
    """pdfplumber's edges of one subpath that its TableFinder keeps: a lone segment is a line (vertical
    unless flat, as in pdfplumber's line_to_edge); otherwise each horizontal or vertical segment is an
    edge. TableFinder drops slanted edges and those shorter than its prefilter length at once."""
    if len(points) == 2 or (len(points) == 3 and points[2] == points[0]):
        pairs = [(points[0], points[1], "h" if points[0][1] == points[1][1] else "v")]
    else:
        pairs = [
            (p0, p1, "v" if p0[0] == p1[0] else ("h" if p0[1] == p1[1] else None))
            for p0, p1 in pairwise(points)
        ]
    return [
        _edge(p0, p1, orientation)
        for p0, p1, orientation in pairs
        if orientation is not None
        and abs(p0[1] - p1[1] if orientation == "v" else p0[0] - p1[0]) >= _PREFILTER_LENGTH
    ]


def _painted(path: int) -> bool:
    """Filled or stroked: pdfminer sees no path that is only a clip."""
    fill, stroke = _INT(), _INT()
    if not _draw_mode(path, ctypes.byref(fill), ctypes.byref(stroke)):
        return True
    return bool(fill.value or stroke.value)


# -------------------------------------------------------------------------------------------- page


def _page_height(page: pdfium.PdfPage) -> float:
    """The media box's height: pdfplumber's top is this minus pdfium's y."""
    _, bottom, _, top = page.get_mediabox()
    return float(top - bottom)


class PdfiumPage:
    """One page read by pdfium, with the part of pdfplumber's Page that extract/pdf.py uses."""

    def __init__(self, document: pdfium.PdfDocument, index: int, path: str) -> None:
        self._document = document
        self._path = path
        self.page_number = index + 1
        self._index = index
        self._chars: list[Char] | None = None
        self._edges: list[dict] | None = None
        self._height: float | None = None

    @property
    def height(self) -> float:
        # The loader asks for the height first, then the words and tables: the page is read once, whole.
        if self._height is None:
            self._read()
        return self._height

    def _read(self) -> None:
        with _PDFIUM_LOCK:
            self._read_locked()

    def _read_locked(self) -> None:
        try:
            page = self._document[self._index]
        except pdfium.PdfiumError as error:
            raise ExtractError(
                self._path, f"corrupt or truncated PDF (page {self.page_number}: {error})"
            ) from error
        try:
            height = self._height = _page_height(page)
            text_page = page.get_textpage()
            try:
                objects = _objects_in_order(
                    _address(page.raw), _count_objects(page.raw), _page_object, IDENTITY, []
                )
                order = {address: position for position, (address, _, _) in enumerate(objects)}
                self._chars = page_chars(_address(text_page.raw), height, order)
            finally:
                text_page.close()
            self._edges = [
                edge
                for address, kind, outer in objects
                if kind == pdfium_c.FPDF_PAGEOBJ_PATH and _painted(address)
                for points in _subpaths(address, _compose(_matrix_of(address), outer), height)
                for edge in _path_edges(points)
            ]
        finally:
            page.close()

    @property
    def chars(self) -> list[Char]:
        if self._chars is None:
            self._read()
        return self._chars or []

    @property
    def edges(self) -> list[dict]:
        if self._edges is None:
            self._read()
        return self._edges or []

    def extract_words(self, **options) -> list[dict]:
        """The loader's call of pdfplumber's Page.extract_words, by pdfplumber's rules (group_words)."""
        if options != _LOADER_WORD_OPTIONS:
            raise ValueError(
                f"the pdfium text layer groups words for the loader's options only, not {options}"
            )
        return group_words(self.chars)

    def find_tables(self) -> list[Table]:
        return TableFinder(self, TableSettings.resolve(None)).tables

    def close(self) -> None:
        """Its characters and edges dropped once read: memory stays at one page's worth."""
        self._chars = self._edges = None


class PdfiumDocument:
    def __init__(self, document: pdfium.PdfDocument, path: str) -> None:
        self.pages = [PdfiumPage(document, index, path) for index in range(len(document))]


@contextmanager
def open_pdfium(data: bytes, path: str) -> Iterator[PdfiumDocument]:
    """A PDF opened by pdfium; an encrypted or unreadable one is an ExtractError naming the cause."""
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            if getattr(error, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise ExtractError(path, "encrypted PDF: cannot be read without its password") from error
            raise ExtractError(path, f"corrupt or truncated PDF ({error})") from error
        opened = PdfiumDocument(document, path)  # counts the pages: a pdfium call
    try:
        yield opened
    finally:
        with _PDFIUM_LOCK:
            document.close()
