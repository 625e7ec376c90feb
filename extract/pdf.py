"""PDF loader (pdfplumber): words with boxes -> body lines in reading order.

Steps, each a small function over plain data:
1. words of each page (with size and font), ruled tables found by pdfplumber's table finder;
2. words outside tables clustered into visual lines; superscript citation markers set apart;
3. each line split into cells where a large horizontal gap separates runs of words;
4. side columns (a sidebar printed beside the table of contents or the body) separated by position;
5. running headers, footers and page numbers removed by what repeats across pages at the same place;
6. tables of contents with dot leaders removed; line-end hyphenation repaired where the joined form
   is a word.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import re
import zlib
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import cache

import pdfplumber
from pdfminer import pdftypes
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException
from policydiff.extract.document import Cell, Document, Line
from policydiff.extract.errors import ExtractError
from policydiff.extract.inflate import in_steps, inflate_in_steps, inflated_bytes
from policydiff.extract.limits import check_page_count, memory_left
from policydiff.extract.pdf_chars import read_text_layer
from policydiff.extract.pdfium import PdfiumPage, open_pdfium
from policydiff.extract.text import strip_citation_marks
from policydiff.extract.words import LOADER_WORD_OPTIONS, Word, word_of_pdfplumber
from policydiff.extract.wrap import join_wrapped

# pdfminer logs font oddities of real-world PDFs as warnings on stderr; they are not the user's concern.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

# A gap wider than this many times the font size starts a new cell (a column, a table cell).
CELL_GAP_EM = 1.5
# Two columns of running text (_text_column_gutter): at least this many lines with text on both sides
# of the gutter, at most this share of the page's lines crossing it (headings set across both columns),
# each column this share of the text's width at least, and its median run reaching within this share
# of the column's width of its far edge.
MIN_COLUMN_LINES = 8
COLUMN_MIN_WIDTH_SHARE = 0.3
COLUMN_CROSSING_SHARE = 0.2
COLUMN_RAGGED_SHARE = 0.35
# Running headers and footers live in these bands of the page height.
FURNITURE_BAND = 0.12
# A line repeated at the same place on this share of the pages (and at least twice) is furniture.
FURNITURE_SHARE = 0.4
FURNITURE_TOP_TOLERANCE = 6.0
# A superscript is set this much smaller than the line it rides on.
SUPERSCRIPT_SIZE_RATIO = 0.85

_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{1,3}\s*$|…{2,}\s*\d{1,3}\s*$")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+\d+(?:\s+of\s+\d+)?|\d+\s*(?:/|of)\s*\d+|-?\s*\d{1,3}\s*-?|page\s+\d+)$", re.I
)
_PAGE_NUMBER_TAIL = re.compile(r"\b(?:page\s+\d+\s+of\s+\d+|\d+\s*/\s*\d+)\s*$", re.I)
_MARKER = re.compile(r"^[\d,\-–*†‡§¶a-z]{1,12}$")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class TableRow:
    words: tuple[Word, ...]
    cells: tuple[Cell, ...]
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    bold: bool


# ------------------------------------------------------------------------------------------ opening


class _InflateInSteps:
    """Stands in for the zlib module in pdfminer's stream decoder, whose one `zlib.decompress` call turns a
    1 MB stream into a gigabyte before the memory watchdog's next tick can see it. This inflates a step
    at a time and checks the file's time and memory caps between steps (extract/inflate.py); its output
    and errors are zlib.decompress's."""

    error = zlib.error
    decompressobj = staticmethod(zlib.decompressobj)

    @staticmethod
    def decompress(data: bytes) -> bytes:
        return b"".join(inflate_in_steps(in_steps(data)))


pdftypes.zlib = _InflateInSteps  # type: ignore[attr-defined]


def load_pdf(data: bytes, path: str, sha256: str, max_pages: int | None, pdf_text: str) -> Document:
    """`pdf_text`: how the text layer is read, "pdfium" (extract/pdfium.py), "exact" (pdfplumber) or
    "fast" (extract/pdf_chars.py: the same words as "exact", faster); see extract/load.py."""
    with _opened(data, path, pdf_text) as pdf:
        with _reading(path):
            page_count = len(pdf.pages)
        check_page_count(path, page_count, max_pages)
        pages: list[list[Line]] = []
        page_heights: list[float] = []
        for number, page in enumerate(pdf.pages, start=1):
            lines, height = _closed_after(page, number, pdf_text, path)
            pages.append(lines)
            page_heights.append(height)
    if page_count == 0:
        raise ExtractError(path, "PDF has no pages")
    if not any(pages):
        raise ExtractError(path, "no text layer (image-only or scanned PDF): run OCR first, e.g. ocrmypdf")
    body, furniture = _split_furniture(pages, page_heights)
    body = _drop_table_of_contents(body)
    body = repair_hyphenation(body)
    return Document(
        path=path, format="pdf", sha256=sha256, page_count=page_count, lines=body, furniture=furniture
    )


@contextmanager
def _opened(data: bytes, path: str, pdf_text: str) -> Iterator[object]:
    """The PDF opened by the chosen text layer's reader, closed after; the reader's failures are the file's."""
    if pdf_text == "pdfium" and _pdfium_may_inflate(data):
        with open_pdfium(data, path) as pdf:
            yield pdf
        return
    with _reading(path):
        pdf = pdfplumber.open(io.BytesIO(data))
    try:
        yield pdf
    finally:
        _close(pdf)


def _pdfium_may_inflate(data: bytes) -> bool:
    """Whether pdfium may read `data` under the running file's memory cap. pdfium inflates each stream in
    one C call, where no check of the cap can come between, and ends the process when an allocation
    fails: so what the streams inflate to is measured first, and more than the cap allows is the file
    going over it (MemoryError, which limits.limited reports). An encrypted PDF's streams cannot be
    measured before decryption: under a cap it is read by the exact route, which inflates in steps."""
    headroom = memory_left()
    if headroom is None:
        return True
    inflated = inflated_bytes(data, headroom)
    if inflated is not None and inflated > headroom:
        raise MemoryError(f"its streams inflate to more than the {headroom} bytes left under the cap")
    return inflated is not None


@contextmanager
def _reading(path: str) -> Iterator[None]:
    """What the PDF reader (pdfplumber, pdfminer) raises on a malformed file becomes this file's error.

    Readers fail on hostile structure in ways no list of their exception types covers (a TypeError on a
    page with no /MediaBox, a ValueError on a non-numeric one, a RecursionError on a page tree nested
    thousands deep), so any exception raised while the reader runs is the file's, not policydiff's."""
    try:
        yield
    except ExtractError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError) as error:
        raise ExtractError(path, "encrypted PDF: cannot be read without its password") from error
    except RecursionError as error:
        raise ExtractError(path, "malformed PDF: its objects nest too deeply to be read") from error
    except (PdfminerException, PDFSyntaxError, PSException) as error:
        cause = error.__cause__ or error.__context__ or error
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError) or "password" in str(error).lower():
            raise ExtractError(path, "encrypted PDF: cannot be read without its password") from error
        if isinstance(cause, RecursionError):
            raise ExtractError(path, "malformed PDF: its objects nest too deeply to be read") from error
        raise ExtractError(path, f"corrupt or truncated PDF ({_short(error)})") from error
    except Exception as error:
        raise ExtractError(
            path, f"malformed PDF: the PDF reader failed on it ({type(error).__name__}: {_short(error)})"
        ) from error


def _close(pdf) -> None:
    """Close the file; pdfplumber's close lists the pages again, which fails again on a malformed page
    tree: the file's error is already raised, and the buffer is freed with the object."""
    with suppress(Exception):
        pdf.close()


def _closed_after(page, number: int, pdf_text: str, path: str) -> tuple[list[Line], float]:
    """A page's lines and its height, its parsed objects dropped once read: memory stays at one page's
    worth (a 100-page policy would otherwise hold every character of every page at once)."""
    try:
        with _reading(path):
            height = float(page.height)
            if pdf_text == "fast":
                read_text_layer(page)
            words = _page_words(page)
            tables = _ruled_tables(page) if words else []
        return _page_lines(words, tables, height, number), height
    finally:
        with _reading(path):
            page.close()


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:120]


# ------------------------------------------------------------------------------------------- words


def _page_words(page) -> list[Word]:
    if isinstance(page, PdfiumPage):
        return page.words()
    words = page.extract_words(**LOADER_WORD_OPTIONS)
    return [word_of_pdfplumber(word) for word in words if word["text"].strip()]


def _inside(word: Word, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    cx, cy = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    return x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1


def _ruled_tables(page) -> list:
    """Tables drawn with rules that have at least two rows and two columns (a lone box is no table)."""
    tables = []
    for table in page.find_tables():
        rows = [row for row in table.rows if any(cell is not None for cell in row.cells)]
        if len(rows) >= 2 and max(sum(cell is not None for cell in row.cells) for row in rows) >= 2:
            tables.append(table)
    return tables


def _table_rows(table, words: list[Word], page_height: float) -> list[TableRow]:
    rows = []
    # The words by their vertical centre: a row tests only those whose centre is in its band (testing
    # every word of the table against every row was a tenth of the time of a PDF of many tables).
    by_centre = sorted(((word.top + word.bottom) / 2, index) for index, word in enumerate(words))
    centres = [centre for centre, _ in by_centre]
    for row in table.rows:
        row_box = row.bbox
        # A row reaching off the page is a drawing artefact of a table continued from elsewhere (seen in
        # the CMS LCD): its words, such as the running header, stay in the flow.
        if row_box[1] < 0 or row_box[3] > page_height:
            continue
        band = by_centre[bisect_left(centres, row_box[1] - 1) : bisect_right(centres, row_box[3] + 1)]
        # A row's box holds each of its cells: only its words, in the page's order, are tested against
        # the cells.
        in_row = [
            words[index] for index in sorted(index for _, index in band) if _inside(words[index], row_box)
        ]
        cells = []
        row_words: list[Word] = []
        for bbox in row.cells:
            if bbox is None:
                continue
            inside = [word for word in in_row if _inside(word, bbox)]
            row_words.extend(inside)
            text = functools.reduce(join_wrapped, (_join_words(line) for line in _cluster_lines(inside)), "")
            cells.append(Cell(text=text.strip(), x0=float(bbox[0]), x1=float(bbox[2])))
        if not row_words:
            continue
        rows.append(
            TableRow(
                words=tuple(row_words),
                cells=tuple(cells),
                top=float(row.bbox[1]),
                bottom=float(row.bbox[3]),
                x0=float(row.bbox[0]),
                x1=float(row.bbox[2]),
                size=_typical_size(row_words),
                bold=_mostly_bold(row_words),
            )
        )
    return rows


# ------------------------------------------------------------------------------------------- lines


def _cluster_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into visual lines: a word joins a line it overlaps vertically by half its height."""
    lines: list[list[Word]] = []
    bands: list[tuple[float, float]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        height = max(word.bottom - word.top, 0.1)
        for index in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
            top, bottom = bands[index]
            overlap = min(bottom, word.bottom) - max(top, word.top)
            if overlap >= 0.5 * min(height, bottom - top):
                lines[index].append(word)
                bands[index] = (min(top, word.top), max(bottom, word.bottom))
                break
        else:
            lines.append([word])
            bands.append((word.top, word.bottom))
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _typical_size(words: list[Word]) -> float:
    weights: Counter[float] = Counter()
    for word in words:
        weights[round(word.size, 1)] += len(word.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _mostly_bold(words: list[Word]) -> bool:
    bold = sum(len(word.text) for word in words if word.bold)
    return bold * 2 > sum(len(word.text) for word in words)


def _is_superscript(word: Word, line_size: float, line_bottom: float) -> bool:
    return (
        word.size < SUPERSCRIPT_SIZE_RATIO * line_size
        and word.bottom < line_bottom - 0.15 * line_size
        and _MARKER.match(word.text) is not None
    )


def _drop_superscripts(lines: list[list[Word]]) -> list[list[Word]]:
    """Citation markers (small raised digits) removed from their line, and lines made only of them."""
    kept: list[list[Word]] = []
    for index, line in enumerate(lines):
        # The line's own size is its largest: a short line may hold more marker characters than words.
        size = max(word.size for word in line)
        bottom = max(word.bottom for word in line if word.size == size)
        words = [word for word in line if not _is_superscript(word, size, bottom)]
        if words and _marker_line(words, lines, index):
            continue
        if words:
            kept.append(words)
    return kept


def _marker_line(words: list[Word], lines: list[list[Word]], index: int) -> bool:
    """A line of only small markers that rides just above a body line of larger text."""
    if not all(_MARKER.match(word.text) for word in words):
        return False
    size = max(word.size for word in words)
    bottom = max(word.bottom for word in words)
    for other in lines[index + 1 : index + 3] + lines[max(index - 2, 0) : index]:
        other_size = _typical_size(other)
        other_top = min(word.top for word in other)
        other_bottom = max(word.bottom for word in other)
        if size < SUPERSCRIPT_SIZE_RATIO * other_size and other_top - 2 <= bottom <= other_bottom:
            return True
    return False


def _cells(words: list[Word]) -> list[list[Word]]:
    """A line's words split where a gap is wider than CELL_GAP_EM times the font size."""
    runs: list[list[Word]] = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        if word.x0 - previous.x1 > CELL_GAP_EM * max(previous.size, word.size):
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


@dataclass(frozen=True)
class _Segment:
    """One run of a visual line (a cell), before lines are assembled."""

    words: tuple[Word, ...]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def text(self) -> str:
        return _join_words(self.words)


# Words this close (points) are one word split by a change of size ("Botox" + a smaller "®").
JOIN_GAP = 0.5


# Symbol-font glyphs with no Unicode meaning: a bullet where one opens a line, nothing elsewhere.
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)|[\ue000-\uf8ff]")


def _normalize_glyphs(text: str) -> str:
    text = _UNMAPPED_GLYPH.sub("•", text, count=1) if _UNMAPPED_GLYPH.match(text) else text
    return _UNMAPPED_GLYPH.sub("", text).strip()


def _join_words(words) -> str:
    parts: list[str] = []
    previous = None
    for word in words:
        if previous is not None and (word.x0 - previous.x1 >= JOIN_GAP or word.size == previous.size):
            parts.append(" ")
        parts.append(word.text)
        previous = word
    return _normalize_glyphs(strip_citation_marks("".join(parts)))


def _side_column_split(lines: list[list[_Segment]]) -> float | None:
    """The x of a gutter with a side column right of it, if the page has one.

    A side column is told from a table by its rows: beside a table of contents or body text, the
    side column's lines do not share baselines with the lines left of the gutter, and both sides have
    lines of their own; a table's cells share their rows.
    """
    candidates = sorted(
        {round(seg.x0) for line in lines for seg in line[1:]}
        | {round(line[0].x0) for line in lines if len(line) == 1 and line[0].x0 > 250}
    )
    for gutter in candidates:
        run: list[str] = []
        for line in lines:
            if any(seg.x0 < gutter - 2 and seg.x1 > gutter + 2 for seg in line):
                if _is_side_column(run):
                    return float(gutter)
                run = []
                continue
            left = any(seg.x1 <= gutter + 2 for seg in line)
            right = any(seg.x0 >= gutter - 2 for seg in line)
            run.append("both" if left and right else "left" if left else "right")
        if _is_side_column(run):
            return float(gutter)
    return None


def _is_side_column(run: list[str]) -> bool:
    """Lines of both sides alternate (a table's wrapped cells follow their row instead)."""
    interleaved = sum(
        1
        for before, kind, after in zip(run, run[1:], run[2:], strict=False)
        if kind == "right" and before == "left" and after == "left"
    )
    return run.count("left") >= 3 and run.count("right") >= 3 and interleaved >= 2


def _text_column_gutter(lines: list[list[_Segment]]) -> float | None:
    """The x of the whitespace gutter between two columns of running text, if the page is set so.

    Two columns of text share baselines, so a visual line holds a run of the left column and a run of
    the right one, and lines joined across the gutter read as nonsense. A gutter is an x that few lines
    cross (headings set across both columns), with text on both sides of it on many lines, where the
    left runs mostly fill their column up to the gutter and the right runs fill theirs (the ragged edge
    of wrapped text). A table of codes and descriptions, or of labels and dates, is no column layout:
    its left or its right cells stop well short of their column's edge.
    """
    if len(lines) < MIN_COLUMN_LINES:
        return None
    left_edge = min(line[0].x0 for line in lines)
    right_edge = max(line[-1].x1 for line in lines)
    for gutter in sorted({round(seg.x0) for line in lines for seg in line[1:]}):
        if not 0.3 <= (gutter - left_edge) / max(right_edge - left_edge, 1.0) <= 0.7:
            continue
        crossing = sum(
            1 for line in lines if any(seg.x0 < gutter - 2 and seg.x1 > gutter + 2 for seg in line)
        )
        left_ends = [
            max(seg.x1 for seg in line if seg.x1 <= gutter + 2) for line in lines if line[0].x1 <= gutter + 2
        ]
        right_ends = [line[-1].x1 for line in lines if line[-1].x0 >= gutter - 2]
        both = sum(1 for line in lines if line[0].x1 <= gutter + 2 and line[-1].x0 >= gutter - 2)
        if (
            crossing <= COLUMN_CROSSING_SHARE * len(lines)
            and both >= MIN_COLUMN_LINES
            and _fills_column(left_ends, left_edge, right_edge - left_edge)
            and _fills_column(right_ends, gutter, right_edge - left_edge)
        ):
            return float(gutter)
    return None


def _fills_column(ends: list[float], start: float, text_width: float) -> bool:
    """Whether runs starting at `start` and ending at `ends` are a column of wrapped text: the column is
    a good share of the text's width, and most runs reach near its far edge."""
    far = max(ends)
    width = far - start
    return width >= COLUMN_MIN_WIDTH_SHARE * text_width and _median(ends) >= far - COLUMN_RAGGED_SHARE * width


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _reorder_columns(lines: list[list[_Segment]], gutter: float) -> list[list[_Segment]]:
    """Within each run of lines that do not cross the gutter: left column first, then the right one."""
    ordered: list[list[_Segment]] = []
    left: list[list[_Segment]] = []
    right: list[list[_Segment]] = []

    def flush() -> None:
        ordered.extend(left)
        ordered.extend(right)
        left.clear()
        right.clear()

    for line in lines:
        if any(seg.x0 < gutter - 2 and seg.x1 > gutter + 2 for seg in line):
            flush()
            ordered.append(line)
            continue
        left_part = [seg for seg in line if seg.x1 <= gutter + 2]
        right_part = [seg for seg in line if seg.x0 >= gutter - 2]
        if left_part:
            left.append(left_part)
        if right_part:
            right.append(right_part)
    flush()
    return ordered


def _page_lines(words: list[Word], tables: list, page_height: float, number: int) -> list[Line]:
    """A page's words (and its ruled tables) -> its lines in reading order."""
    if not words:
        return []
    table_words: set[int] = set()
    rows: list[tuple[int, TableRow]] = []
    for table_index, table in enumerate(tables):
        inside = [word for word in words if _inside(word, table.bbox)]
        for row in _table_rows(table, inside, page_height):
            table_words.update(id(word) for word in row.words)
            rows.append((table_index, row))
    flow = [word for word in words if id(word) not in table_words]
    visual = _drop_superscripts(_cluster_lines(flow))
    segmented = [[_Segment(tuple(run)) for run in _cells(line)] for line in visual]
    segmented.sort(key=lambda line: min(seg.top for seg in line))
    gutter = _side_column_split(segmented)
    if gutter is None:
        gutter = _text_column_gutter(segmented)
    if gutter is not None:
        segmented = _reorder_columns(segmented, gutter)
    lines = [_line_from_segments(line, number) for line in segmented]
    lines.extend(
        _line_from_row(row, number, table_index, row_index)
        for row_index, (table_index, row) in enumerate(rows)
    )
    # Table rows slot into the flow by position; the flow keeps its (possibly column-reordered) order.
    return _merge_by_top(lines)


def _merge_by_top(lines: list[Line]) -> list[Line]:
    flow = [line for line in lines if line.table is None]
    rows = sorted((line for line in lines if line.table is not None), key=lambda line: line.top)
    merged: list[Line] = []
    for line in flow:
        while rows and rows[0].top < line.top:
            merged.append(rows.pop(0))
        merged.append(line)
    merged.extend(rows)
    return merged


def _line_from_segments(segments: list[_Segment], page: int) -> Line:
    words = [word for seg in segments for word in seg.words]
    cells = tuple(Cell(text=seg.text, x0=seg.x0, x1=seg.x1) for seg in segments)
    return Line(
        text="\t".join(cell.text for cell in cells),
        page=page,
        x0=min(word.x0 for word in words),
        top=min(word.top for word in words),
        x1=max(word.x1 for word in words),
        bottom=max(word.bottom for word in words),
        size=_typical_size(words),
        bold=_mostly_bold(words),
        cells=cells if len(cells) > 1 else (),
    )


def _line_from_row(row: TableRow, page: int, table_index: int, row_index: int) -> Line:
    return Line(
        text="\t".join(cell.text for cell in row.cells),
        page=page,
        x0=row.x0,
        top=row.top,
        x1=row.x1,
        bottom=row.bottom,
        size=row.size,
        bold=row.bold,
        cells=row.cells,
        table=page * 1000 + table_index,
        row=row_index,
    )


# ---------------------------------------------------------------------------------------- furniture


def _furniture_key(line: Line) -> str:
    # Spaces are no part of the key: a text layer may set a repeated footer's words a little apart on
    # one page and close on the next ("Date: 01/01/2020 -Revised:" / "- Revised:").
    return _DIGITS.sub("#", "".join(line.text.lower().split()))


def _split_furniture(pages: list[list[Line]], heights: list[float]) -> tuple[list[Line], list[Line]]:
    """Body lines and page furniture (running headers, footers, page numbers), told apart by repetition."""
    in_band: dict[str, list[Line]] = defaultdict(list)
    for lines, height in zip(pages, heights, strict=True):
        for line in lines:
            if line.table is None and _in_band(line, height):
                in_band[_furniture_key(line)].append(line)
    page_count = len(pages)
    needed = max(2, round(FURNITURE_SHARE * page_count))
    repeated: set[int] = set()
    for group in in_band.values():
        by_page = {line.page for line in group}
        if len(by_page) < needed:
            continue
        tops = sorted(line.top for line in group)
        median = tops[len(tops) // 2]
        repeated.update(id(line) for line in group if abs(line.top - median) <= FURNITURE_TOP_TOLERANCE)
    body: list[Line] = []
    furniture: list[Line] = []
    for lines, height in zip(pages, heights, strict=True):
        for line in lines:
            is_number = _in_band(line, height) and (
                _PAGE_NUMBER.match(line.text.strip()) or _PAGE_NUMBER_TAIL.search(line.text)
            )
            if id(line) in repeated or (is_number and line.table is None):
                furniture.append(line)
            else:
                body.append(line)
    return body, furniture


def _in_band(line: Line, height: float) -> bool:
    return line.top < FURNITURE_BAND * height or line.bottom > (1 - FURNITURE_BAND) * height


def _drop_table_of_contents(lines: list[Line]) -> list[Line]:
    """Dot-leader entries of a table of contents removed; other cells on the same line kept."""
    kept = []
    for line in lines:
        if not _DOT_LEADER.search(line.text):
            kept.append(line)
            continue
        cells = [
            cell
            for cell in (line.cells or (Cell(line.text, line.x0, line.x1),))
            if not _DOT_LEADER.search(cell.text)
        ]
        if cells:
            kept.append(
                replace(
                    line,
                    text="\t".join(cell.text for cell in cells),
                    cells=tuple(cells) if len(cells) > 1 else (),
                    x0=cells[0].x0,
                    x1=cells[-1].x1,
                )
            )
    return kept


# ------------------------------------------------------------------------------------- hyphenation

_HYPHEN_END = re.compile(r"([A-Za-z]{2,})-$")
_LOWER_START = re.compile(r"^([a-z]{2,})(\S*)")


@cache
def _lexicon() -> frozenset[str]:
    """Common English words (spacy-lookups-data's lemma table): evidence that a joined form is a word."""
    import gzip
    import json
    from importlib import resources

    try:
        data = resources.files("spacy_lookups_data").joinpath("data", "en_lemma_lookup.json.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset()
    table = json.loads(gzip.decompress(data))
    return frozenset(word.lower() for pair in table.items() for word in pair)


def repair_hyphenation(lines: list[Line]) -> list[Line]:
    """Join a word broken at a line end ("contin-" / "ued") when the joined form is a word.

    Evidence, in order: the document itself uses the hyphenated form (keep the hyphen: "pre-transplant"),
    the document uses the joined form, or the joined form is a common English word. Without evidence the
    hyphen stays: in policies most line-end hyphens are real compounds.
    """
    vocabulary = Counter(word.lower().strip(".,;:()[]") for line in lines for word in line.text.split())
    repaired = list(lines)
    for index in range(len(repaired) - 1):
        line, following = repaired[index], repaired[index + 1]
        if line.is_row or following.is_row:
            continue
        end = _HYPHEN_END.search(line.text)
        start = _LOWER_START.match(following.text)
        if not end or not start:
            continue
        head, tail = end.group(1), start.group(1)
        joined = (head + tail).lower()
        if f"{head}-{tail}".lower() in vocabulary:
            continue
        if vocabulary[joined] == 0 and joined not in _lexicon():
            continue
        first_word = start.group(0)
        repaired[index] = replace(line, text=line.text[: end.start(1)] + head + tail + start.group(2))
        repaired[index + 1] = replace(following, text=following.text[len(first_word) :].lstrip() or "")
    return [line for line in repaired if line.text.strip()]
