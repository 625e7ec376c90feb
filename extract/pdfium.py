"""The pdfium PDF text layer (`--pdf-text pdfium`): characters and ruled lines read by pdfium (pypdfium2),
handed to the same word grouping, table finder and line building as the pdfplumber route.

pdfplumber reads a page through pdfminer, in Python: its interpretation of the content stream and its
conversion of every layout object are nearly all of an extraction's time. pdfium reads the same page in
C. Each pdfium page becomes a `PdfiumPage` with what extract/pdf.py asks of a page: `words` (the words
of the loader's pdfplumber extract_words call, by pdfplumber's WordExtractor rules done in whole-page
array operations, `group_words`, over characters with pdfminer's geometry: x from the glyph's origin and
advance, bottom at the font's descent, top one font size above, size = the font size times the text
matrix), `find_tables` (pdfplumber's own TableFinder over the edges of pdfium's path objects, cut as
pdfminer cuts paths into lines, rectangles and curves), `height` and `close`.

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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import pairwise, repeat
from operator import itemgetter
from typing import NamedTuple

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pypdfium2_raw.bindings as pdfium_bindings
from pdfplumber.table import Table, TableFinder, TableSettings
from pdfplumber.utils.text import LIGATURES, extract_words
from policydiff.extract.errors import ExtractError
from policydiff.extract.limits import uninterrupted
from policydiff.extract.words import LOADER_WORD_OPTIONS, Word, is_bold_font, mostly_bold, word_of_pdfplumber

_LIB = pdfium_bindings._libs["pdfium"]  # not public API: pyproject bounds pypdfium2 for it
_VP, _INT, _FLOAT = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
# pdfium is not thread-safe: two calls at once, even on two documents, crash the process (a Dask worker
# runs its tasks on threads; a service may call extract_file from several). Every call into pdfium is made
# holding this lock, in a section the time and memory watchdog does not break into (limits.uninterrupted:
# an interrupted page stays open); the word grouping and line building after it run unlocked.
_PDFIUM_LOCK = threading.Lock()


def _c_function(name: str, restype, *argtypes) -> Callable:
    """A private handle on a pdfium function that takes and returns plain addresses: ctypes converts an
    int far faster than a typed pointer. With no `argtypes`, ctypes converts nothing per call (half the
    time of a call made once per character); such a function is called with ctypes objects only (a
    c_void_p, an int, a byref), never a bare address, which would pass as a 32-bit int."""
    function = _LIB[name]  # a new function object: pypdfium2's own binding keeps its types
    function.restype = restype
    if argtypes:
        function.argtypes = argtypes
    return function


_MATRIX = ctypes.POINTER(pdfium_c.FS_MATRIX)
_count_chars = _c_function("FPDFText_CountChars", _INT, _VP)
_get_text = _c_function("FPDFText_GetText", _INT, _VP, _INT, _INT, ctypes.c_char_p)
# Once per character: no argument types.
_text_object_of = _c_function("FPDFText_GetTextObject", ctypes.c_size_t)  # 0 for none
_loose_box = _c_function("FPDFText_GetLooseCharBox", _INT)
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

    __slots__ = ("fontname", "size", "upright")

    def __init__(self, text_object: int, text_page: int, index: int, names: dict[int, str]) -> None:
        font = _font_of(text_object) or 0
        if font not in names:
            buffer = ctypes.create_string_buffer(256)
            length = _base_font_name(font, buffer, 256) if font else 0
            names[font] = buffer.raw[: max(length - 1, 0)].decode("latin-1")
        self.fontname = names[font]
        matrix = pdfium_c.FS_MATRIX()
        _char_matrix(text_page, index, ctypes.byref(matrix))
        font_size = _FLOAT(0.0)
        _font_size_of(text_object, ctypes.byref(font_size))
        a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
        # pdfminer's LTChar: size is the height of the glyph box, font size times the matrix's y scale;
        # rounded to drop the noise of pdfium's 32-bit floats (a size change splits words).
        self.size = round(font_size.value * (abs(d) if not b else (b * b + d * d) ** 0.5), 4)
        self.upright = a * d > 0 and b * c <= 0


class PageChars(NamedTuple):
    """A page's characters in content-stream order, as columns (a page has thousands; numpy does the
    per-character work): the text (a '<U1' array, one character each), the box with pdfplumber's
    meaning of x0, x1, top and bottom, the size, whether upright, and the font name (an index into
    `fontnames`)."""

    text: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    size: np.ndarray
    upright: np.ndarray
    font: np.ndarray
    fontnames: tuple[str, ...]

    def records(self, indices: Iterable[int]) -> list[dict]:
        """The characters at `indices` as pdfplumber's char dicts."""
        return [
            {
                "text": str(self.text[index]),
                "x0": float(self.x0[index]),
                "x1": float(self.x1[index]),
                "top": float(self.top[index]),
                "bottom": float(self.bottom[index]),
                "doctop": float(self.top[index]),
                "height": float(self.bottom[index] - self.top[index]),
                "size": float(self.size[index]),
                "upright": bool(self.upright[index]),
                "fontname": self.fontnames[self.font[index]],
            }
            for index in indices
        ]


def _no_chars() -> PageChars:
    empty = np.zeros(0)
    return PageChars(
        np.zeros(0, "<U1"), empty, empty, empty, empty, empty, np.zeros(0, bool), np.zeros(0, int), ()
    )


def _last_at_or_before(flags: np.ndarray) -> np.ndarray:
    """For each position, the index of the last true flag at or before it; -1 where there is none."""
    return np.maximum.accumulate(np.where(flags, np.arange(flags.size), -1))


def page_chars(text_page: int, height: float, order: dict[int, int]) -> PageChars:
    """The characters of a pdfium text page, in content-stream order."""
    count = _count_chars(text_page)
    if count <= 0:
        return _no_chars()
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    _get_text(text_page, 0, count, buffer)
    text = buffer.raw[: 2 * count].decode("utf-16-le", errors="replace")
    if len(text) != count:  # characters beyond the BMP take two UTF-16 units: read them one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(text_page, index)) for index in range(count))
    letters = np.frombuffer(text.translate(_HYPHEN_BACK).encode("utf-32-le"), dtype="<U1").copy()
    # Every character's text object and loose box in one pass each over pdfium (map: no Python loop),
    # the boxes written into one array (left, top, right, bottom as 32-bit floats) read back at once.
    page = ctypes.c_void_p(text_page)
    objects = np.fromiter(
        map(_text_object_of, repeat(page, count), range(count)), dtype=np.uint64, count=count
    )
    boxes = (pdfium_c.FS_RECTF * count)()
    step = ctypes.sizeof(pdfium_c.FS_RECTF)
    places = map(ctypes.byref, repeat(boxes, count), range(0, count * step, step))
    deque(map(_loose_box, repeat(page, count), range(count), places), maxlen=0)
    box = np.frombuffer(boxes, dtype=np.float32).reshape(count, 4).astype(np.float64)
    # What a text object tells its characters, looked up once per object (at its first character).
    drawn = objects != 0
    uniques, first, of_object = np.unique(objects[drawn], return_index=True, return_inverse=True)
    names: dict[int, str] = {}
    styles = [
        _Style(text_object, text_page, index, names)
        for text_object, index in zip(uniques.tolist(), np.flatnonzero(drawn)[first].tolist(), strict=True)
    ]
    fontnames = tuple(dict.fromkeys(style.fontname for style in styles))
    font_index = {name: index for index, name in enumerate(fontnames)}
    # Sorted on the text object's position in the content stream (an object pdfium did not list keeps the
    # position before it), then pdfium's order within a text object.
    positions = np.array([order.get(text_object, -1) for text_object in uniques.tolist()], dtype=np.int64)
    position = np.zeros(count, dtype=np.int64)
    position[drawn] = positions[of_object]
    listed = _last_at_or_before(drawn & (position >= 0))
    position = np.where(listed >= 0, position[np.maximum(listed, 0)], 0)
    size = np.zeros(count)
    size[drawn] = np.array([style.size for style in styles])[of_object]
    upright = np.zeros(count, dtype=bool)
    upright[drawn] = np.array([style.upright for style in styles], dtype=bool)[of_object]
    font = np.zeros(count, dtype=np.int64)
    font[drawn] = np.array([font_index[style.fontname] for style in styles], dtype=np.int64)[of_object]
    # pdfminer's box: from the baseline's descent (pdfium's loose box starts there too) one font size up.
    x0, x1, bottom = box[:, 0], box[:, 2], height - box[:, 3]
    # A character pdfium generated (no text object) is a space where it saw a gap (it may have dropped
    # the document's own space there) or a line break. A space splits words only if it sits between
    # them: it goes at the end of the drawn character before it, on its line. Any other is dropped.
    before = _last_at_or_before(drawn)
    spaces = ~drawn & (before >= 0) & np.char.isspace(letters)
    source = np.where(spaces, before, np.arange(count))
    letters[spaces] = " "
    x0 = np.where(spaces, x1[source], x0)
    kept = np.flatnonzero(drawn | spaces)
    kept = kept[np.argsort(position[source[kept]] * (count + 1) + kept, kind="stable")]
    picked = source[kept]
    bottom = bottom[picked]
    return PageChars(
        text=letters[kept],
        x0=x0[kept],
        x1=x1[picked],
        top=bottom - size[picked],
        bottom=bottom,
        size=size[picked],
        upright=upright[picked],
        font=font[picked],
        fontnames=fontnames,
    )


# ------------------------------------------------------------------------------------------- words

# pdfplumber's defaults, which the loader's extract_words call keeps.
X_TOLERANCE = Y_TOLERANCE = 3

# pdfplumber's expansion of ligature characters ("ﬁ" -> "fi"), as one translation of a word's text.
_EXPAND_LIGATURES = str.maketrans(LIGATURES)


def group_words(chars: PageChars) -> list[Word]:
    """Words by pdfplumber's WordExtractor rules for the loader's options (extra_attrs=["size"], default
    tolerances, blank characters split): runs of characters of one size and uprightness in stream order,
    each clustered into lines by top, sorted by x0 in a line, split at a blank or a gap. The same words
    as pdfplumber's own extract_words on these characters (tests/test_pdfium_route.py), in a fraction
    of its time: whole-page array operations instead of a loop over characters."""
    count = chars.text.size
    if not count:
        return []
    # A run: characters of one size and uprightness one after the other in the stream.
    changes = (chars.upright[1:] != chars.upright[:-1]) | (chars.size[1:] != chars.size[:-1])
    run = np.concatenate(([0], np.cumsum(changes)))
    upright = np.flatnonzero(chars.upright)
    words = _upright_words(chars, run, upright)
    if upright.size == count:
        return [word for _, word in words]
    # Rotated text, rare in policies: pdfplumber's own extractor, run by run; words stay in run order.
    rotated = np.flatnonzero(~chars.upright)
    for run_id in np.unique(run[rotated]).tolist():
        in_run = rotated[run[rotated] == run_id]
        words.extend((run_id, word_of_pdfplumber(word)) for word in _pdfplumber_words(chars, in_run))
    words.sort(key=itemgetter(0))
    return [word for _, word in words]


def _upright_words(chars: PageChars, run: np.ndarray, upright: np.ndarray) -> list[tuple[int, Word]]:
    """(run, word) of the upright characters."""
    if not upright.size:
        return []
    top, run_of = chars.top[upright], run[upright]
    # Lines: pdfplumber's cluster_list over each run's tops (a top within the tolerance of the one
    # before joins its line), numbered in run order.
    by_top = np.lexsort((top, run_of))
    sorted_top, sorted_run = top[by_top], run_of[by_top]
    new_line = (sorted_run[1:] != sorted_run[:-1]) | (sorted_top[1:] > sorted_top[:-1] + Y_TOLERANCE)
    line = np.empty(upright.size, dtype=np.int64)
    line[by_top] = np.concatenate(([0], np.cumsum(new_line)))
    # Each line's characters by x0, stream order kept among equals (lexsort is stable).
    ordered = upright[np.lexsort((chars.x0[upright], line))]
    text, x0, x1 = chars.text[ordered], chars.x0[ordered], chars.x1[ordered]
    top, bottom, run_of = chars.top[ordered], chars.bottom[ordered], run[ordered]
    blank = np.char.isspace(text)
    # A character begins a word after a blank, in a new run, or where pdfplumber's char_begins_new_word
    # says so against the character before it: back left, past the gap tolerance, or off the line.
    begins = np.ones(ordered.size, dtype=bool)
    begins[1:] = (
        blank[:-1]
        | (run_of[1:] != run_of[:-1])
        | (x0[1:] < x0[:-1])
        | (x0[1:] > x1[:-1] + X_TOLERANCE)
        | (np.abs(top[1:] - top[:-1]) > Y_TOLERANCE)
    )
    inked = np.flatnonzero(~blank)
    if not inked.size:
        return []
    starts = np.flatnonzero(begins[inked])
    ends = np.append(starts[1:], inked.size)
    first = inked[starts]
    bold_fonts = np.array([is_bold_font(name) for name in chars.fontnames], dtype=np.int64)
    bold = np.add.reduceat(bold_fonts[chars.font[ordered[inked]]], starts)
    letters = text[inked].tobytes().decode("utf-32-le")
    texts = [letters[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]
    if any(ligature in letters for ligature in LIGATURES):
        texts = [text.translate(_EXPAND_LIGATURES) for text in texts]
    return [
        (run_id, Word(text, left, right, upper, lower, size, mostly_bold(bold_count, end - start)))
        for run_id, text, left, right, upper, lower, size, bold_count, start, end in zip(
            run_of[first].tolist(),
            texts,
            x0[first].tolist(),
            np.maximum.reduceat(x1[inked], starts).tolist(),
            np.minimum.reduceat(top[inked], starts).tolist(),
            np.maximum.reduceat(bottom[inked], starts).tolist(),
            chars.size[ordered[first]].tolist(),
            bold.tolist(),
            starts.tolist(),
            ends.tolist(),
            strict=True,
        )
    ]


def _pdfplumber_words(chars: PageChars, indices: np.ndarray) -> list[dict]:
    """pdfplumber's own extractor on the characters at `indices`."""
    return extract_words(chars.records(indices.tolist()), **LOADER_WORD_OPTIONS)


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
        self._chars: PageChars | None = None
        self._edges: list[dict] | None = None
        self._height: float | None = None

    @property
    def height(self) -> float:
        # The loader asks for the height first, then the words and tables: the page is read once, whole.
        if self._height is None:
            self._read()
        return self._height

    def _read(self) -> None:
        with _PDFIUM_LOCK, uninterrupted():
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
    def chars(self) -> PageChars:
        if self._chars is None:
            self._read()
        return self._chars

    @property
    def edges(self) -> list[dict]:
        if self._edges is None:
            self._read()
        return self._edges or []

    def words(self) -> list[Word]:
        """The page's words by pdfplumber's rules for the loader's extract_words call (group_words)."""
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
    with _PDFIUM_LOCK, uninterrupted():
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
        with _PDFIUM_LOCK, uninterrupted():
            document.close()
