"""Reference lists -> Reference items, one per citation however it wraps across lines and pages.

A reference section is cut into runs at its sub-list headings ("Peer Reviewed Publications:",
"Government Agency, Medical Society, and Other Authoritative Publications:"; rules/references.toml),
and each run into citations:
- numbered runs ("1.", "[1]", "(1)") by their labels, where a label only opens an item when it stands
  in the label column (a wrapped "12. doi: ..." sits at the text indent) and when the shape agrees
  (the item before is a whole citation, or the label is followed by what opens one);
- unnumbered runs (author-year lists, one citation per paragraph) by geometry first: a hanging or
  first-line indent, else the vertical gap between paragraphs; where geometry says nothing (the first
  line of a page, text documents) by shape: the citation so far is whole and the line opens a new one.
The text of a citation is its lines joined (hyphenated and wrapped web addresses joined without a
space), with web addresses delimited as <https://...>; its parts are read by extract/citation.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from statistics import median

from policydiff.extract.citation import (
    bracket_urls,
    ends_citation,
    parse_citation,
    split_glued,
    starts_citation,
)
from policydiff.extract.document import Document, Line, Section
from policydiff.extract.provenance import placed
from policydiff.extract.rules import load_rules, phrase_key, string_list
from policydiff.extract.wrap import join_wrapped
from policydiff.model import Diagnostic, Reference

RULES = "references"

_NUMBER_LABEL = re.compile(r"^(?:\[(\d{1,3})\]|\((\d{1,3})\)|(\d{1,3})[.)])\s+")
_BULLET_LABEL = re.compile(r"^[•▪●◦·∙‣○■□➢►*]\s+")
_URL_HEAD = re.compile(r"^(?:https?://|www\.)", re.I)
_URL_CHARS = re.compile(r"[/=&?%#_]")
_SPACES = re.compile(r"\s+")

# Points a line may sit off its column and still be in it (PDF geometry).
COLUMN_TOLERANCE = 3.0
# A gap between lines larger than the common one by this share of the line height is a paragraph break.
PARAGRAPH_GAP_SHARE = 0.4
SUBLIST_HEADING_MAX_WORDS = 10
WARNING_EXCERPT = 80


@dataclass(frozen=True)
class _Label:
    number: int | None  # None for a bullet
    rest: str


@dataclass
class _Block:
    """The lines of one citation, and the number printed before it."""

    number: int | None
    lines: list[Line] = field(default_factory=list)
    first_text: str = ""  # the first line without its label


@cache
def _phrases(key: str) -> frozenset[str]:
    return frozenset(phrase_key(phrase) for phrase in string_list(load_rules(RULES), key, RULES))


def _line_text(line: Line) -> str:
    return _SPACES.sub(" ", line.text.replace("\t", " ")).strip()


def _label(text: str) -> _Label | None:
    match = _NUMBER_LABEL.match(text)
    if match:
        number = next(group for group in match.groups() if group is not None)
        return _Label(int(number), text[match.end() :])
    match = _BULLET_LABEL.match(text)
    if match:
        return _Label(None, text[match.end() :])
    return None


def _is_sublist_heading(text: str, previous: str, following: str | None) -> bool:
    """A heading of a sub-list: a known phrase, or a short title-case line that ends in a colon and
    closes nothing (the citation before it is whole), or that stands right above a citation numbered 1
    (a numbering that starts again starts a sub-list: "BRAF Mutation Analysis" over "1. Aguilera D, ..."),
    and is followed by the opening of a citation."""
    if phrase_key(text) in _phrases("sublist_headings"):
        return True
    words = text.split()
    label = _label(following) if following is not None else None
    restart = label is not None and label.number == 1 and starts_citation(label.rest)
    if not (text.endswith(":") or restart) or len(words) > SUBLIST_HEADING_MAX_WORDS:
        return False
    # (A gene or a type may carry a digit, "PIK3CA Mutation Analysis", where the numbering says so.)
    if (any(ch.isdigit() for ch in text) and not restart) or not all(
        word.lstrip("([")[:1].isupper() for word in words if len(word) > 3
    ):
        return False
    if previous and not ends_citation(previous) and not restart:
        return False
    return following is not None and (label is not None or starts_citation(following))


def _runs(sections: list[Section]) -> list[list[Line]]:
    """The lines of the reference sections cut at sub-list headings; empty-list markers dropped."""
    runs: list[list[Line]] = []
    for section in sections:
        if section.kind != "references":
            continue
        runs.append([])
        lines = [
            line for line in section.lines if phrase_key(_line_text(line)) not in _phrases("empty_markers")
        ]
        for index, line in enumerate(lines):
            text = _line_text(line)
            following = _line_text(lines[index + 1]) if index + 1 < len(lines) else None
            previous = " ".join(_line_text(prior) for prior in runs[-1][-3:])
            if _is_sublist_heading(text, previous, following):
                runs.append([])
                continue
            runs[-1].append(line)
    return [run for run in runs if run]


def _join(left: str, right: str) -> str:
    """Two wrapped lines of one citation: a line-end hyphen after a letter or digit and a web address
    broken across lines are joined without a space ('tension-' + 'type', 'https://www.c' + 'ms.gov/')."""
    if not left or not right:
        return left or right
    last, first = left.split()[-1], right.split()[0]
    in_address = (_URL_HEAD.match(last) or "://" in last) and not last.endswith((".", ",", ";", ")"))
    if in_address and (last.endswith(("/", "=", "&", "?", "_", "%", "#")) or _URL_CHARS.search(first)):
        return left + right
    return join_wrapped(left, right)


def _block_text(block: _Block) -> str:
    text = block.first_text
    for line in block.lines[1:]:
        text = _join(text, _line_text(line))
    return text


def _column_signal(lines: list[Line]) -> float | None:
    """The x0 of the column citations start in, when the run has two columns (hanging or first-line
    indent); None when all lines share one column."""
    first = lines[0].x0
    if not any(abs(line.x0 - first) > COLUMN_TOLERANCE for line in lines[1:]):
        return None
    return first


def _gap_threshold(lines: list[Line]) -> float | None:
    """The gap above which two lines of one page belong to different paragraphs, when the run's gaps
    show two sizes (within and between paragraphs); None otherwise."""
    pairs = [(a, b) for a, b in pairwise(lines) if a.page == b.page and b.top > a.top]
    if not pairs:
        return None
    gaps = [b.top - a.bottom for a, b in pairs]
    height = median(a.bottom - a.top for a, _ in pairs) or 1.0
    threshold = min(gaps) + PARAGRAPH_GAP_SHARE * height
    if all(gap > threshold for gap in gaps) or all(gap <= threshold for gap in gaps):
        return None
    return threshold


def _unnumbered_blocks(lines: list[Line]) -> list[_Block]:
    start_column = _column_signal(lines)
    threshold = _gap_threshold(lines)
    blocks: list[_Block] = []
    for index, line in enumerate(lines):
        text = _line_text(line)
        label = _label(text)
        if blocks and label is None:
            previous = lines[index - 1]
            if start_column is not None:
                opens = abs(line.x0 - start_column) <= COLUMN_TOLERANCE
            elif threshold is not None and previous.page == line.page and line.top > previous.top:
                opens = line.top - previous.bottom > threshold
            else:
                opens = ends_citation(_block_text(blocks[-1])) and starts_citation(text)
            if not opens:
                blocks[-1].lines.append(line)
                continue
        blocks.append(_Block(None, [line], label.rest if label else text))
    return blocks


def _numbered_blocks(lines: list[Line], warnings: list[Diagnostic]) -> list[_Block]:
    labelled = [line for line in lines if (label := _label(_line_text(line))) and label.number is not None]
    label_x = labelled[0].x0
    # By identity: `in` on a list of Line dataclasses compares field by field, quadratic in lines.
    labelled_ids = {id(line) for line in labelled}
    plain = [line for line in lines if id(line) not in labelled_ids]
    # Geometry tells labels from wrapped text only when wrapped lines sit at their own indent.
    geometric = any(line.x0 > label_x + COLUMN_TOLERANCE for line in plain)
    blocks: list[_Block] = []
    for line in lines:
        text = _line_text(line)
        label = _label(text)
        if label is not None and label.number is not None:
            in_column = not geometric or line.x0 <= label_x + COLUMN_TOLERANCE
            last = blocks[-1].number if blocks else None
            whole_before = not blocks or ends_citation(_block_text(blocks[-1]))
            opening = starts_citation(label.rest)
            if last is None or label.number == last + 1:
                opens = in_column and (whole_before or opening)
            else:
                opens = in_column and whole_before and opening
            if opens:
                if last is not None and label.number != last + 1:
                    warnings.append(
                        Diagnostic(
                            code="references.numbering_jump",
                            page=line.page,
                            item=str(label.number),
                            message=f"reference numbering jumps from {last} to {label.number}",
                        )
                    )
                blocks.append(_Block(label.number, [line], label.rest))
                continue
        if not blocks:
            warnings.append(
                Diagnostic(
                    code="references.text_before_first",
                    page=line.page,
                    message=f"text before the first numbered reference was not read: {_excerpt(text)}",
                )
            )
            continue
        if (
            geometric
            and line.x0 <= label_x + COLUMN_TOLERANCE
            and ends_citation(_block_text(blocks[-1]))
            and starts_citation(text)
        ):
            # Unlabelled text at the label column after a whole citation is no part of it, unless it cannot
            # open one: "doi: 10.1016/j.critrevonc.2021.103528." wrapped under the year that ended the line.
            blocks.append(_Block(None, [line], text))
            continue
        blocks[-1].lines.append(line)
    return blocks


def _excerpt(text: str) -> str:
    return repr(text if len(text) <= WARNING_EXCERPT else text[: WARNING_EXCERPT - 1] + "…")


def _is_numbered(lines: list[Line]) -> bool:
    numbers = [label.number for line in lines if (label := _label(_line_text(line))) and label.number]
    return len(numbers) >= 2 or (bool(numbers) and _label(_line_text(lines[0])) is not None)


def _looks_like_citation(text: str) -> bool:
    citation = parse_citation(text)
    return bool(citation.year or citation.url or citation.doi or citation.authors)


def _references(blocks: Iterable[_Block], fmt: str, warnings: list[Diagnostic]) -> list[Reference]:
    references: list[Reference] = []
    for block in blocks:
        first = block.lines[0]
        for part_index, text in enumerate(split_glued(_block_text(block))):
            if not _looks_like_citation(text):
                warnings.append(
                    Diagnostic(
                        code="references.not_a_citation",
                        page=first.page,
                        item=str(block.number) if block.number is not None else None,
                        message=f"text in the reference list not read as a citation: {_excerpt(text)}",
                    )
                )
                continue
            printed = bracket_urls(text)
            references.append(
                parse_citation(text).model_copy(
                    update={
                        **dict(placed(block.lines, printed, fmt)),
                        "number": block.number if part_index == 0 else None,
                        "text": printed,
                    }
                )
            )
    return references


def parse_references(doc: Document, sections: list[Section]) -> tuple[list[Reference], list[Diagnostic]]:
    warnings: list[Diagnostic] = []
    references: list[Reference] = []
    for run in _runs(sections):
        blocks = _numbered_blocks(run, warnings) if _is_numbered(run) else _unnumbered_blocks(run)
        references.extend(_references(blocks, doc.format, warnings))
    return references, warnings
