"""Plain-text loader, including the seeds' markdown-ish text extracted from PDFs.

What it understands: tab-separated table rows (cells), `**bold**` and `*italic*`, `[text](#)` links,
`^{1,3}` and Unicode superscript citation markers, `$...$` math spans, stray inline HTML tags, markdown
`#` headings and `- ` bullets, form feeds as page breaks. Running headers and footers are found as
short blocks of lines repeated through the document.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from policydiff.extract.document import Cell, Document, Line
from policydiff.extract.errors import ExtractError
from policydiff.extract.reflow import FLATTENED_WARNING, is_flattened, reflow
from policydiff.model import Diagnostic

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CARET_MARK = re.compile(r"\^\{[^}]*\}|\^[0-9]+")
_BRACKET_SYMBOL = re.compile(r"\[(?:®|™|©)\]")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻"
_SUPERSCRIPT_RUN = re.compile(rf"(?<=[^\s{_SUPERSCRIPTS}])[{_SUPERSCRIPTS}⁽⁾,]*[{_SUPERSCRIPTS}]+(?![\w])")
_HTML_TAG = re.compile(r"</?(?:i|b|em|strong|u|sup|sub|span|br|small)\b[^>]*>", re.I)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_MATH = re.compile(r"\$([^$\n]{1,80})\$")
_ANGLE_URL = re.compile(r"<(https?://[^>\s]+)>")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
# A markdown list bullet in front of a printed label ("- I. It is ...", " - A. To ...") is markup,
# not a bullet of the policy; in front of plain text it is the policy's own bullet.
_MD_BULLET_BEFORE_LABEL = re.compile(r"^[-*+]\s+(?=(?:[IVXLC]+|[A-Za-z]|\d{1,2})[.)]\s)")
_MD_BULLET = re.compile(r"^[-*+]\s+")
_SPACES = re.compile(r"[ \u00a0]+")
_NUMBER = re.compile(r"[0-9]+")
_ASIDE_START = re.compile(r"\([a-z]")

INDENT_POINTS = 6.0  # x0 per leading space: keeps indentation comparable with PDF geometry
FURNITURE_MIN_REPEATS = 3
FURNITURE_MAX_WORDS = 10
# A footer that counts pages may carry the policy's whole title ("Molecular Oncology Testing for ...
# Decisions Page 2 of 16"): its count, a page apart from page 1 or 2, tells it from body text.
COUNTED_MAX_WORDS = 20
# A page count starts at page 1 or 2 (a first page may carry another header), and its marks stand a
# page apart: consecutive codes in a table ("81191", "81192", ...) count up too, line after line.
FIRST_PAGE_NUMBER_MAX = 2
PAGE_MIN_LINES = 10


# The bytes of a file that are not UTF-8, as Python's surrogateescape decoding shows them.
_UNDECODED = re.compile("[\udc80-\udcff]")
# A trademark sign set as a superscript is a line of its own in a PDF's extracted text ("FoundationOne" /
# "®" / " Heme, ..."): it ends the line before, and a line after it that starts with a space or a closing
# mark goes on with that line.
_MARK_LINE = re.compile(r"[ \t]*\n[ \t]*([®™])[ \t]*(?:\n(?=[ \t,.;:)\]]))?")


def decode_text(data: bytes, path: str) -> tuple[str, list[Diagnostic]]:
    """Bytes -> (str, warnings): BOMs first, then UTF-8, then cp1252 (the common Windows export).

    A file that is mostly UTF-8 (more valid multi-byte characters than invalid bytes) stays UTF-8 with
    each invalid byte replaced by U+FFFD, and a warning gives their count and the first one's place:
    one stray byte must not turn every quote and dash of the file into mojibake."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError(path, "binary content (NUL bytes): not a PDF, HTML or text document")
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    invalid = _UNDECODED.findall(escaped)
    multibyte = len(escaped) - len(escaped.encode("ascii", errors="ignore")) - len(invalid)
    if multibyte <= len(invalid):
        return data.decode("cp1252", errors="replace"), []
    first = _UNDECODED.search(escaped).start()
    offset = len(escaped[:first].encode("utf-8", errors="surrogateescape"))
    line = escaped.count("\n", 0, first) + 1
    count = f"{len(invalid)} byte{'s' if len(invalid) > 1 else ''}"
    warning = Diagnostic(
        code="load.invalid_utf8",
        message=f"{count} not valid UTF-8 replaced by U+FFFD (the first at byte {offset}, line {line}); "
        "the rest of the file read as UTF-8",
    )
    return _UNDECODED.sub("\ufffd", escaped), [warning]


def strip_citation_marks(text: str) -> str:
    """Superscript citation markers (¹, ²³, ⁴⁻⁶) removed from the words they follow."""
    return _SUPERSCRIPT_RUN.sub("", text)


def clean_inline(text: str) -> tuple[str, bool]:
    """Markup removed from one line; also whether the whole line was bold."""
    stripped = text.strip()
    whole_bold = bool(stripped) and _BOLD.fullmatch(stripped) is not None
    text = _LINK.sub(r"\1", text)
    text = _BRACKET_SYMBOL.sub("", text)
    text = _CARET_MARK.sub("", text)
    text = strip_citation_marks(text)
    text = _HTML_TAG.sub("", text)
    text = _ANGLE_URL.sub(r"\1", text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _MATH.sub(r"\1", text)
    text = text.replace("**", "")
    return text, whole_bold


def _line_from_raw(raw: str, page: int, index: int) -> Line | None:
    heading_level = None
    indent = len(raw) - len(raw.lstrip(" \t")) if not raw.startswith("\t") else 0
    body = raw.strip()
    if not body:
        return None
    match = _MD_HEADING.match(body)
    if match:
        heading_level = len(match.group(1))
        body = match.group(2)
    body = _MD_BULLET_BEFORE_LABEL.sub("", body)
    body = _MD_BULLET.sub("• ", body)
    cleaned, bold = clean_inline(body)
    parts = [_SPACES.sub(" ", part).strip() for part in cleaned.split("\t")]
    if len(parts) > 1:
        # Leading/trailing empty cells are layout, inner empty cells are real (an empty column).
        while parts and not parts[0]:
            parts.pop(0)
        while parts and not parts[-1]:
            parts.pop()
    text = "\t".join(parts)
    if not text.strip():
        return None
    x0 = indent * INDENT_POINTS
    cells = tuple(Cell(part, x0 + 100.0 * i, x0 + 100.0 * i + 90.0) for i, part in enumerate(parts))
    return Line(
        text=text,
        page=page,
        x0=x0,
        top=float(index),
        x1=x0 + len(text),
        bottom=float(index) + 1,
        bold=bold or heading_level is not None,
        cells=cells if len(cells) > 1 else (),
        heading_level=heading_level,
    )


# Each run of short lines alike whose number counts the pages (see _page_number_runs).
PageRuns = list[list[tuple[int, Line]]]


def _furniture_keys(lines: list[Line], runs: PageRuns) -> set[str]:
    """Short lines repeated through the document: running headers and footers of the source PDF, and the
    lines of the runs that count its pages."""
    # A marked heading is the document's own, however often it repeats.
    # A line opening on a bracketed aside in lower case ("(excluding reproductive testing)") goes on with
    # the sentence above it, however often the policy repeats that sentence.
    counts = Counter(
        line.text for line in lines if line.heading_level is None and not _ASIDE_START.match(line.text)
    )
    keys = {text for text, count in counts.items() if count >= FURNITURE_MIN_REPEATS} - _close_copies(lines)
    short = {text for text in keys if len(text.split()) <= FURNITURE_MAX_WORDS}
    # A running header or footer comes back on most pages (of those the document counts, else as often as
    # the most repeated line), or stands beside such a line or the page count wherever it is printed. A
    # line repeated a few times with body text around it is the policy's (an item of three lists), and so
    # is a block of lines the policy prints again (a list in several table rows, "colorectal, gastric,
    # small bowel, endometrial," / "ovarian, pancreas, ..."), or a line that twice ended a page.
    pages = _page_total(lines, runs)
    most = pages or max((counts[text] for text in short), default=0)
    anchors = {text for text in short if counts[text] * 2 > most} | {
        line.text for run in runs for _, line in run
    }
    beside = Counter(
        line.text
        for index, line in enumerate(lines)
        if line.text in short
        and any(
            other.text in anchors and other.text != line.text
            for other in lines[max(index - 1, 0) : index + 2]
        )
    )
    # A longer line is furniture only where the document counts its pages and it comes back on most of
    # them, a page apart: a disclaimer or a "these guidelines apply to ..." line printed on every page,
    # which a sentence of the policy repeated a few times is not.
    keys = {
        text
        for text in keys
        if (text in short and (text in anchors or beside[text] == counts[text]))
        or (text not in short and pages is not None and counts[text] * 2 > pages)
    }
    # A header whose two lines were glued together by the text extraction ("CLINICAL POLICYDonor ...").
    glued = {a + b for a in keys for b in keys if a != b} | {
        a + " " + b for a in keys for b in keys if a != b
    }
    return keys | glued | {line.text for run in runs for _, line in run}


def _page_total(lines: list[Line], runs: PageRuns) -> int | None:
    """How many pages the text tells it has: by its form feeds, else by its longest page count."""
    if lines and lines[-1].page > 1:
        return lines[-1].page
    return max(run[-1][0] for run in runs) if runs else None


def _close_copies(lines: list[Line]) -> set[str]:
    """Lines with two copies less than a page apart: a list printed twice ("a. Diagnostic" / "b.
    Prognostic" in the description and in the criteria), never a running header."""
    last: dict[str, Line] = {}
    close: set[str] = set()
    for line in lines:
        if line.text in last and not _page_apart(last[line.text], line):
            close.add(line.text)
        last[line.text] = line
    return close


def _page_number_runs(lines: list[Line]) -> PageRuns:
    """Each set of short lines alike but for a number that counts up by one from each to the next (a
    running header or footer with its page number, which exact repetition cannot find), a
    page apart, from page 1 or 2 ("LAB46 | 2"; in "Page 2 of 9" the count is the first number). A few
    lines alike that do not count (a bare "3" in a table among bare page numbers) are passed over while
    the count holds most of them."""
    alike: dict[str, list[tuple[list[int], Line]]] = {}
    for line in lines:
        numbers = [int(number) for number in _NUMBER.findall(line.text)]
        if numbers and len(line.text.split()) <= COUNTED_MAX_WORDS and line.heading_level is None:
            alike.setdefault(_NUMBER.sub("#", line.text), []).append((numbers, line))
    runs = []
    for group in alike.values():
        if len(group) < FURNITURE_MIN_REPEATS:
            continue
        for position in range(len(group[0][0])):
            run = _counting_run([(numbers[position], line) for numbers, line in group])
            if len(run) >= FURNITURE_MIN_REPEATS and len(run) * 2 > len(group):
                runs.append(run)
                break
    return runs


def _counting_run(numbered: list[tuple[int, Line]]) -> list[tuple[int, Line]]:
    """The lines whose numbers count up by one, a page apart, from the first at page 1 or 2."""
    run: list[tuple[int, Line]] = []
    for number, line in numbered:
        if not run:
            if number <= FIRST_PAGE_NUMBER_MAX:
                run.append((number, line))
        elif number == run[-1][0] + 1 and _page_apart(run[-1][1], line):
            run.append((number, line))
    return run


def _page_apart(above: Line, below: Line) -> bool:
    return below.page > above.page or below.top - above.top >= PAGE_MIN_LINES


def _paged_by_running_numbers(
    lines: list[Line], furniture: set[str], runs: PageRuns
) -> tuple[list[Line], int]:
    """A PDF's text saved without form feeds keeps its pages in a running header or footer that counts
    them ("LAB46 | 2", "Page 2 of 9"): each line gets the page the count says it stands on (from a header
    numbered n on, page n; after a footer numbered n, page n + 1), so that records point to pages."""
    if not runs:
        return lines, 1
    run = max(runs, key=len)
    marks = {id(line): number for number, line in run}
    first_number, first_line = run[0]
    # Header or footer: whichever leaves fewer lines outside the pages it counts. Read as a header,
    # the lines above its first copy are off the count (unless that copy is page 2's: they are page 1);
    # read as a footer, the lines below its last copy are.
    last_line = run[-1][1]
    # (Body lines only: a disclaimer printed on every page, however long its lines, stands around the
    # count on every page.)
    repeated = Counter(line.text for line in lines)
    body = [
        line for line in lines if line.text not in furniture and repeated[line.text] < FURNITURE_MIN_REPEATS
    ]
    above = sum(1 for line in body if line.top < first_line.top) if first_number == 1 else 0
    below = sum(1 for line in body if line.top > last_line.top)
    header = above <= below
    page = max(first_number - 1, 1) if header else first_number
    paged: list[Line] = []
    for line in lines:
        if header and id(line) in marks:
            page = marks[id(line)]
        paged.append(replace(line, page=page))
        if not header and id(line) in marks and line is not last_line:
            page = marks[id(line)] + 1  # (what trails the last footer is still its page's)
    return paged, max(line.page for line in paged)


def load_text(text: str, path: str, sha256: str) -> Document:
    flattened = is_flattened(text)
    navigation = ""
    if flattened:
        reflowed, navigation = reflow(text)
        text = "\n".join(reflowed)
    pages = _MARK_LINE.sub(r"\1", text.replace("\r\n", "\n").replace("\r", "\n")).split("\f")
    lines: list[Line] = []
    for page_number, page_text in enumerate(pages, start=1):
        for index, raw in enumerate(page_text.split("\n")):
            line = _line_from_raw(raw, page_number, index)
            if line is not None:
                lines.append(line)
    runs = _page_number_runs(lines)
    keys = _furniture_keys(lines, runs)
    page_count = len(pages)
    if page_count == 1:
        lines, page_count = _paged_by_running_numbers(lines, keys, runs)
    body = [line for line in lines if line.text not in keys]
    furniture = [line for line in lines if line.text in keys]
    if navigation_line := _line_from_raw(navigation, 1, 0):
        furniture.insert(0, navigation_line)
    return Document(
        path=path,
        format="text",
        sha256=sha256,
        page_count=page_count,
        lines=body,
        furniture=furniture,
        warnings=[Diagnostic(code="load.flattened", message=FLATTENED_WARNING)] if flattened else [],
    )


def load_text_bytes(data: bytes, path: str, sha256: str) -> Document:
    text, warnings = decode_text(data, path)
    nuls = text.count("\x00")
    # A stray NUL deep in a text file (binary files have them near the start): no character of the policy.
    doc = load_text(text.replace("\x00", ""), path, sha256)
    doc.warnings.extend(warnings)
    if nuls:
        message = f"{nuls} NUL character{'s' if nuls > 1 else ''} removed from the text"
        doc.warnings.append(Diagnostic(code="load.nul_removed", message=message))
    return doc
