"""Coverage sections -> the criteria forest.

Three steps, each general rather than per payer:
1. Lines -> blocks (paragraphs and list items): a block starts at a label or bullet, after vertical
   white space, after a line that ended a sentence short of the right margin, or at a page break after
   a finished sentence; other lines continue the block (across pages too).
2. Blocks -> tree: labelled items nest by label style (I. > A. > 1. > a. > (1) ...; a style seen
   before closes the deeper lists), bullets and unlabelled paragraphs by indentation; an item ending in
   "following: x; y" holds an inline list.
3. Each node gets its logic (cue phrases and trailing and/or of its items), coverage position, kind,
   service and quantities. Wording lives in rules/criteria.toml and rules/services.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from policydiff.extract.abbreviations import abbreviations_defined
from policydiff.extract.cues import (
    coverage_of,
    has_cue,
    is_not_criterion,
    is_page_mark,
    logic_cue,
    subject_of,
    trailing_conjunction,
)
from policydiff.extract.document import Document, Line, Section
from policydiff.extract.provenance import placed
from policydiff.extract.quantities import measured_without_value, name_unnamed, parse_quantities
from policydiff.extract.services import services_named
from policydiff.extract.wrap import join_wrapped
from policydiff.model import Criterion, Diagnostic, Span

INDENT_TOLERANCE = 3.0  # points: within this, two blocks start at the same indentation
HEADING_MAX_WORDS = 8
SUBJECT_MAX_WORDS = 6  # words before a coverage position that open a sentence with it
GROUP_HEAD_MAX_WORDS = 4  # an unlabelled "Diagnosis:" that heads a group of a lead-in's items
PARAGRAPH_SPACING = 1.3  # a line further below the previous than this many usual line pitches starts a block
UNFINISHED_SLACK = 0.25
BLANK_LINE = 0.75  # ... as does white space above it of most of a line's height
# A line of at least this many words printed this many times is page furniture, not a criterion
# (criteria repeat a sentence two or three times at most: "Rendering laboratory is qualified ...").
FURNITURE_MIN_WORDS = 3
FURNITURE_REPEATS = 5

_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})$", re.I)
# A space follows the label, except after a number set close to its word ("10.Visual field defects;":
# pdfminer keeps no space where the PDF places the word by position alone); a decimal never opens one.
_LABEL = re.compile(
    r"^(?P<open>\()?(?P<value>[IVXLC]{1,6}|[ivxlc]{1,6}|[A-Za-z]|\d{1,2})(?P<close>[.)])"
    r"(?:\s+(?=\S)|(?<=\d\.)(?=[A-Z][a-z]))"
)
# Bullet glyphs, including the private-use and "(cid:N)" forms that PDF symbol fonts come out as. Before
# a number only a glyph that is nothing but a bullet starts an item ("• 5-Fluorouracil (5-FU) ..."): a
# dash or star there is a sign or a mark ("- 5 mg", "* 2 units").
_BULLET_GLYPHS = r"[•▪■●◦○·➢►✓\uf000-\uf0ff]|\(cid:\d+\)"
_BULLET = re.compile(
    rf"^(?P<glyph>{_BULLET_GLYPHS}|[\-–—*§]|o(?=\s+[A-Za-z(]))\s*(?<=\s|\))(?=[^\s\d])"
    rf"|^(?P<numbered>{_BULLET_GLYPHS})\s+(?=\d)"
)
_SYMBOLS = re.compile(r"\s*[®™©]")
_TERMINAL = re.compile(r"[.:;!?][\"'”)]*$")
_ITEM_END = re.compile(r"(?:[.:;!?][\"'”)]*|[;,]\s*(?:and|or)\s*[,;]?)$", re.I)  # a sentence or a listed item
_INLINE_LIST = re.compile(r"^(?P<head>.*\bfollowing\b[^:]{0,60}:)\s+(?P<items>\S.*)$", re.I)
_INLINE_SPLIT = re.compile(r";\s*(?:(?:and|or)\s+)?|,\s*(?:and|or)\s+|,\s+(?=[a-z])")
_SPACES = re.compile(r"\s+")


@dataclass
class CriteriaResult:
    criteria: list[Criterion] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    abbreviations: dict[str, str] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)


@dataclass
class Block:
    """One paragraph or list item as printed: its label (or bullet), text, indentation and lines."""

    text: str
    # The lines its text was joined from (its provenance's box is around them); an item cut out of one
    # paragraph has only the paragraph's first.
    lines: list[Line]
    label: str | None = None  # as printed, "I.", "(a)"
    style: str | None = None  # "roman.", "upper.", "digit)", "(lower)", "bullet•"; None for a paragraph
    ordinal: int | None = None
    ambiguous: tuple[tuple[str, int], ...] = ()  # other (style, ordinal) readings: "C." letter or roman
    heading: bool = False
    section_heading: bool = False  # the heading of a criteria section (never a node)
    children: list[Block] = field(default_factory=list)

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def x0(self) -> float:
        return self.first.x0


# --------------------------------------------------------------------------------------------- labels


def _roman_value(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for index, ch in enumerate(text.lower()):
        value = values[ch]
        following = values[text.lower()[index + 1]] if index + 1 < len(text) else 0
        total += -value if value < following else value
    return total


def read_label(text: str) -> tuple[str, str, int, tuple[tuple[str, int], ...], str] | None:
    """(label, style, ordinal, other readings, rest) of a labelled or bulleted item, else None."""
    match = _LABEL.match(text)
    if match:
        value, opening, closing = match.group("value"), match.group("open") or "", match.group("close")
        if opening and closing != ")":
            return None
        decoration = "({})" if opening else f"{{}}{closing}"
        readings: list[tuple[str, int]] = []
        if value.isdigit():
            readings.append(("digit", int(value)))
        else:
            if _ROMAN.match(value):
                readings.append(("roman" if value.isupper() else "lroman", _roman_value(value)))
            if len(value) == 1:
                readings.append(("upper" if value.isupper() else "lower", ord(value.lower()) - ord("a") + 1))
        if not readings:
            return None
        # A lone "I"/"i" starts a roman list; other single letters read as letters first.
        if len(readings) == 2 and value.lower() != "i":
            readings.reverse()
        styles = [(decoration.format(style), ordinal) for style, ordinal in readings]
        return match.group(0).strip(), styles[0][0], styles[0][1], tuple(styles[1:]), text[match.end() :]
    bullet = _BULLET.match(text)
    if bullet:
        glyph = bullet.group("glyph") or bullet.group("numbered")
        return ("", f"bullet{glyph}", 0, (), text[bullet.end() :])
    return None


# --------------------------------------------------------------------------------------------- blocks


def _right_margin(lines: list[Line]) -> float:
    """Where full lines end: a high percentile of line ends, so one overlong line does not move it."""
    ends = sorted(line.x1 for line in lines)
    return ends[int(len(ends) * 0.9)] if ends else 0.0


def _ends_short(previous: Line, line: Line, margin: float, slack: float = 0.0) -> bool:
    """Whether `previous` stopped before the margin although the next word (and `slack` of the line's
    width more) would have fitted."""
    text = previous.text
    if not text or previous.x1 <= previous.x0:
        return False
    char_width = (previous.x1 - previous.x0) / len(text)
    next_word = line.text.split()[0] if line.text.split() else ""
    return previous.x1 + char_width * (len(next_word) + 1) + slack * (margin - previous.x0) < margin


def _line_pitch(lines: list[Line]) -> float:
    """The usual distance from one line's top to the next one's within a paragraph (the median)."""
    pitches = sorted(
        line.top - previous.top
        for previous, line in pairwise(lines)
        if line.page == previous.page and line.top > previous.top
    )
    return pitches[len(pitches) // 2] if pitches else 0.0


def _wrap_slack(lines: list[Line], margin: float) -> float:
    """How far short of the margin an unfinished line may stop and still wrap on: none where every
    run-on line (next line lower-case, same indentation) was full up to its next word, as when a PDF
    was set by greedy line breaking; UNFINISHED_SLACK for ragged plain text."""
    run_ons = [
        (previous, line)
        for previous, line in pairwise(lines)
        if line.page == previous.page
        and abs(line.x0 - previous.x0) <= INDENT_TOLERANCE
        and line.text[:1].islower()
        and not previous.is_row
    ]
    if len(run_ons) < 3 or any(_ends_short(previous, line, margin) for previous, line in run_ons):
        return UNFINISHED_SLACK
    return 0.0


def _starts_block(
    previous: Line, line: Line, block_start: Line, margin: float, pitch: float, slack: float
) -> bool:
    if read_label(line.text) or line.is_row or previous.is_row:
        return True
    finished = bool(_ITEM_END.search(previous.text))
    if line.page == previous.page and line.x0 < block_start.x0 - INDENT_TOLERANCE:
        # Left of where the block began: continuation lines never are, except the lower-case rest of
        # an unfinished sentence in plain text, whose first line was indented by spaces.
        return finished or not line.text[:1].islower()
    if line.bold != previous.bold and (
        finished or (not line.text[:1].islower() and _ends_short(previous, line, margin))
    ):
        return True  # a bold lead-in sentence may run on in plain type within its paragraph
    if line.page != previous.page:
        return finished or _looks_like_heading(previous.text)
    if finished and line.x0 > previous.x0 + INDENT_TOLERANCE:
        return True  # an indented line after a finished sentence: an item without a printed bullet
    if pitch and line.top - previous.top > PARAGRAPH_SPACING * pitch:
        return True
    if line.top - previous.bottom > BLANK_LINE * (previous.bottom - previous.top):
        return True
    if line.text[:1].islower():
        # A short line that ends with its list's conjunction ("... cancer; and") ends an item: the
        # lower-case line after it is the next item ("not been previously tested ..."), not its rest.
        return trailing_conjunction(previous.text) is not None and _ends_short(previous, line, margin, slack)
    # A line that stopped short although the next word would have fitted was broken on purpose; an
    # unfinished sentence needs a clearly short line, as plain-text wrapping is ragged.
    if _ends_short(previous, line, margin, 0.0 if finished else slack):
        return True
    # A line that opens on a coverage statement's subject ("Liquid (ctDNA) based testing is considered
    # medically necessary ...") after an unfinished line that states no position and stopped where the
    # subject's first word would have fitted starts a sentence: the line above is a heading set over it
    # ("Individuals with ... metastatic non-small cell lung cancer").
    if (
        not finished
        and _opens_with_a_position(line.text)
        and coverage_of(previous.text) is None
        and _ends_short(previous, line, margin)
    ):
        return True
    return _looks_like_heading(previous.text)


def _states_after_a_note(block: Block, previous: Line, text: str) -> bool:
    """Whether a line that opens on a coverage statement starts a node of its own after a note that
    ended its sentence on the line above ("... Requests for ... are reviewed using the following criteria.
    This guideline only addresses ... not addressed here." / "This test is considered Experimental,
    Investigational, or Unproven."): plain text without blank lines runs the two paragraphs together."""
    return (
        bool(_TERMINAL.search(previous.text))
        and _opens_with_a_position(text)
        and coverage_of(block.text) is None
        and has_cue("note", block.text)
    )


def _opens_with_a_position(text: str) -> bool:
    """Whether a capitalised line states a coverage position after a subject of a few words."""
    position = coverage_of(text)
    return (
        text[:1].isupper()
        and position is not None
        and len(text[: position[1]].split()) <= SUBJECT_MAX_WORDS
        and not _TERMINAL.search(text[: position[1]].rstrip())
    )


def _looks_like_heading(text: str) -> bool:
    words = text.split()
    if not words or len(words) > HEADING_MAX_WORDS or _TERMINAL.search(text) or read_label(text):
        return False
    if text.isupper() and any(ch.isalpha() for ch in text):
        return True
    major = [word for word in words if len(word) > 3 and word[0].isalpha()]
    return bool(major) and all(word[0].isupper() for word in major)


def _readings(label: tuple[str, str, int, tuple[tuple[str, int], ...], str]) -> set[tuple[str, int]]:
    """Every (style, ordinal) a label of read_label can be read as ("i." is roman one or the letter i)."""
    return {(label[1], label[2]), *label[3]}


def _is_wrapped_enumeration(
    previous: Line, line: Line, following: Line | None, text: str, blocks: list[Block]
) -> bool:
    """A line that only starts with "2)" because an inline enumeration wrapped there ("it must 1) ...,
    2) be ..."): the sentence above is unfinished and no list of that style is open. An enumeration
    wraps at one of its labels, not at each: a line whose next line carries the following label ("a.
    Diagnostic" / "b. Prognostic") starts a list."""
    label = read_label(text)
    if not label or label[1].startswith("bullet"):
        return False
    if _ITEM_END.search(previous.text) or line.x0 > previous.x0 + INDENT_TOLERANCE:
        return False
    readings = _readings(label)
    after = read_label(following.text.strip()) if following is not None else None
    if after is not None and any((style, ordinal + 1) in _readings(after) for style, ordinal in readings):
        return False
    return not any(
        (style, ordinal + 1) in readings
        for block in blocks
        if block.style is not None
        for style, ordinal in ((block.style, block.ordinal or 0), *block.ambiguous)
    )


def build_blocks(lines: list[Line]) -> list[Block]:
    """The lines of one section cut into paragraphs and items, labels read, lines joined."""
    margin = _right_margin(lines)
    pitch = _line_pitch(lines)
    slack = _wrap_slack(lines, margin)
    blocks: list[Block] = []
    previous: Line | None = None
    for index, line in enumerate(lines):
        text = " ".join(cell.text for cell in line.cells) if line.is_row else line.text
        text = _SPACES.sub(" ", _SYMBOLS.sub("", text)).strip()
        if not text:
            continue
        if blocks and len(text.split()) == 1 and trailing_conjunction(text) is not None:
            # "and" / "or" on a line of its own between items: the item before it ends with it (its
            # list's logic), no node of its own.
            if trailing_conjunction(blocks[-1].text) is None:
                blocks[-1].text = f"{blocks[-1].text} {text}"
            previous = line
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        if previous is not None and _is_wrapped_enumeration(previous, line, following, text, blocks):
            blocks[-1].text = join_wrapped(blocks[-1].text, text)
            blocks[-1].lines.append(line)
        elif (
            previous is None
            or _starts_block(previous, line, blocks[-1].first, margin, pitch, slack)
            or _states_after_a_note(blocks[-1], previous, text)
        ):
            block = Block(text=text, lines=[line])
            label = read_label(text)
            if label:
                block.label = label[0] or None
                block.style, block.ordinal, block.ambiguous, block.text = (
                    label[1],
                    label[2],
                    label[3],
                    label[4],
                )
            blocks.append(block)
        else:
            blocks[-1].text = join_wrapped(blocks[-1].text, text)
            blocks[-1].lines.append(line)
        previous = line
    left = min((line.x0 for line in lines), default=0.0)
    for index, block in enumerate(blocks):
        block.heading = (
            block.style is None
            and block.x0 <= left + INDENT_TOLERANCE  # an indented short line is an item, not a heading
            and (block.first.bold or _looks_like_heading(block.text.removesuffix(":")))
            and block.line_count == 1
            and (not _TERMINAL.search(block.text) or _is_run_in_heading(block, blocks[index + 1 :]))
            and len(block.text.split()) <= HEADING_MAX_WORDS
            and index + 1 < len(blocks)
        )
    return blocks


def _is_run_in_heading(block: Block, following: list[Block]) -> bool:
    """A bold "Further Consideration:" over a plain paragraph at its own indentation, or a coverage
    position in title case over a statement of one ("Investigational and Not Medically Necessary:" over
    "... tests are considered investigational and not medically necessary ...", where plain text keeps
    no bold): a heading, not a list head (its items would be indented or labelled)."""
    if not (block.text.endswith(":") and following):
        return False
    after = following[0]
    if after.style is not None or after.first.bold or after.x0 > block.x0 + INDENT_TOLERANCE:
        return False
    return block.first.bold or (coverage_of(block.text) is not None and coverage_of(after.text) is not None)


# ----------------------------------------------------------------------------------------------- tree


def _matches_list(open_block: Block, block: Block) -> tuple[str, int] | None:
    """The reading of `block`'s label that continues the list `open_block` belongs to, if any."""
    for style, ordinal in ((block.style, block.ordinal), *block.ambiguous):
        if style == open_block.style and ordinal == (open_block.ordinal or 0) + 1:
            return style, ordinal
    for style, ordinal in ((block.style, block.ordinal), *block.ambiguous):
        if style == open_block.style and style.startswith("bullet"):
            return style, ordinal
    return None


def build_tree(blocks: list[Block]) -> list[Block]:
    """Blocks nested by label style, bullets and indentation; headings close every open list."""
    roots: list[Block] = []
    stack: list[Block] = []

    def attach(block: Block) -> None:
        (stack[-1].children if stack else roots).append(block)
        stack.append(block)

    after_heading = False
    for index, block in enumerate(blocks):
        if block.style is None and not block.section_heading and is_not_criterion(block.text):
            continue  # furniture or a code row: no node, and no break in the list around it
        if block.heading and _heads_list(block, blocks[index + 1 : index + 2]):
            stack.clear()  # a heading closes every open list, and heads the one it stands over
            attach(block)
            after_heading = False
            continue
        if block.heading:
            after_heading = True
            continue
        if after_heading and not _continues_open_list(stack, block):
            stack.clear()  # a heading closes every open list, unless the next label carries one on
        after_heading = False
        if block.style is not None:
            depth = _list_depth(stack, block)
            if depth is not None:
                del stack[depth:]
            while stack and depth is None and stack[-1].x0 > block.x0 + INDENT_TOLERANCE:
                stack.pop()  # an item left of an open item is not inside it
            if depth is None and not _is_bullet(block):
                _close_bullet_list(stack, block)
            attach(block)
            continue
        while stack and block.x0 <= stack[-1].x0 + INDENT_TOLERANCE:
            if _opens_run_in_list(stack[-1], block) or _heads_a_group_of(stack[-1], block):
                break
            item = stack.pop()
            if _goes_on_run_in_list(item, stack):
                break
        if (
            stack
            and stack[-1].style is not None
            and not stack[-1].children
            # "C. Criteria based on family history:" over its lead-in sentence "... when one of the
            # following criteria is met:": one item, whose list follows.
            and (not stack[-1].text.endswith(":") or block.text.endswith(":"))
        ):
            stack[-1].text = join_wrapped(stack[-1].text, block.text)  # a further paragraph of the same item
            continue
        attach(block)
    return roots


def _is_bullet(block: Block) -> bool:
    return block.style is not None and block.style.startswith("bullet")


def _close_bullet_list(stack: list[Block], block: Block) -> None:
    """An outline list's first item ("I. The use of ...") set level with an open bullet list ("Notes:" over
    "• This policy only addresses ...") starts after it, not inside its last bullet: bullets that announce
    nothing are closed, and so is the lead-in whose list they are."""
    level = block.x0 + INDENT_TOLERANCE
    while stack and _is_bullet(stack[-1]) and stack[-1].x0 <= level and not stack[-1].text.endswith(":"):
        stack.pop()
        if (
            stack
            and stack[-1].children
            and all(map(_is_bullet, stack[-1].children))
            and stack[-1].x0 <= level
        ):
            stack.pop()


def _opens_run_in_list(lead_in: Block, block: Block) -> bool:
    """Unlabelled items set flush left under their lead-in ("a. Patient has:" over "either recurrent ...
    cancer; and", "not been previously tested ..., and", "decided to seek ..."): the conjunction that
    ends an item says a list has begun, whatever the indentation."""
    return (
        block.style is None
        and lead_in.text.endswith(":")
        and not lead_in.children
        and trailing_conjunction(block.text) is not None
    )


def _heads_a_group_of(lead_in: Block, block: Block) -> bool:
    """Short unlabelled heads set flush under a lead-in that announces a list ("... is considered MEDICALLY
    NECESSARY when the following criteria have been met:" / "Diagnosis:" / bullets / "Progression:" /
    bullets): each head is an item of the lead-in, its bullets under it."""
    return (
        _is_group_head(block)
        and lead_in.style is None
        and lead_in.text.endswith(":")
        and len(lead_in.text.split()) > HEADING_MAX_WORDS
        and all(_is_group_head(child) for child in lead_in.children)
    )


def _is_group_head(block: Block) -> bool:
    return (
        block.style is None and block.text.endswith(":") and len(block.text.split()) <= GROUP_HEAD_MAX_WORDS
    )


def _goes_on_run_in_list(item: Block, stack: list[Block]) -> bool:
    """Whether the list `item` belongs to goes on after it: an unlabelled item of a lead-in that ends
    with a conjunction ("...; and") has a sibling after it."""
    return (
        item.style is None
        and bool(stack)
        and stack[-1].text.endswith(":")
        and item in stack[-1].children
        and trailing_conjunction(item.text) is not None
    )


def _heads_list(heading: Block, following: list[Block]) -> bool:
    """A heading set directly over the items of a list, with no coverage sentence of its own between
    ("ESR1 Liquid Biopsy Test" over its bullets), is that list's head: without it the items would
    hang from nothing. A heading over statements ("Medically Necessary:" over "A. ... is medically
    necessary when") or one naming only the kind of what follows ("Notes:") stays a heading."""
    if heading.section_heading or not following or has_cue("note", heading.text):
        return False
    item = following[0]
    return item.style is not None and coverage_of(item.text) is None


def _continues_open_list(stack: list[Block], block: Block) -> bool:
    """Whether `block` is the next item (B. after A.) of an open list, not the start of one."""
    return block.style is not None and any(
        style == open_block.style and ordinal == (open_block.ordinal or 0) + 1 > 1
        for open_block in stack
        for style, ordinal in ((block.style, block.ordinal), *block.ambiguous)
    )


def _list_depth(stack: list[Block], block: Block) -> int | None:
    """Where `block` joins an open list as its next item (stack index of its sibling), else None."""
    for depth in range(len(stack) - 1, -1, -1):
        match = _matches_list(stack[depth], block)
        if match:
            block.style, block.ordinal = match
            return depth
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth].style == block.style and not block.style.startswith("bullet"):
            return depth  # the same style restarting or skipping a number: still that list
        if block.style.startswith("bullet") and stack[depth].style == block.style:
            return depth
    return None


def _split_inline_list(block: Block) -> None:
    """'... for either of the following: a; or b' -> a head with one child per item."""
    if block.children:
        return
    match = _INLINE_LIST.match(block.text)
    if not match:
        return
    items = [item.strip(" .;,") for item in _INLINE_SPLIT.split(match.group("items")) if item.strip(" .;,")]
    if len(items) < 2 or any("," in item for item in items):
        return  # one item, or a run of names ("genes: EPCAM, MLH1, ... and PMS2") that only defines
    block.text = match.group("head")
    block.children = [Block(text=item, lines=[block.first]) for item in items]


# ---------------------------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Context:
    """What a node inherits from its ancestors."""

    sign: str | None  # "covered" / "denied" from the nearest coverage position above
    parent_logic: str | None
    service: str | None
    measured: str | None = None  # what the parent lead-in measures without a value ("a BMI of:")
    in_note: bool = False  # under a note: its items explain, they are notes too


def _node_id(parent_id: str | None, block: Block, position: int, used: set[str]) -> str:
    own = re.sub(r"[().\s]", "", block.label) if block.label else str(position)
    if own in used:
        own = str(position)
    used.add(own)
    return f"{parent_id}.{own}" if parent_id else own


def _diagnostic(code: str, block: Block, node_id: str, problem: str) -> Diagnostic:
    """What the criteria parser could not settle about one node, at the node's first line."""
    message = f"criteria {node_id}: {problem}"
    return Diagnostic(code=code, page=block.first.page, item=node_id, message=message)


def _logic(block: Block, where: str, warnings: list[Diagnostic], denied: bool) -> str | None:
    if not block.children:
        return None
    cue = logic_cue(block.text)
    conjunctions = {trailing_conjunction(child.text) for child in block.children[:-1]} - {None}
    if len(conjunctions) > 1:
        problem = "its items mix 'and' and 'or'; logic left open, read it by hand"
        warnings.append(_diagnostic("criteria.mixed_conjunctions", block, where, problem))
        return None
    stated = next(iter(conjunctions), None)
    if cue is None:
        if denied:
            # Each item of a list of exclusions is excluded on its own: a trailing "; and," before the
            # last item only closes the list.
            return "any"
        if stated is None and len(block.children) > 1:  # one item has no logic to state
            problem = "a list without 'all/any of' or trailing 'and'/'or'; logic unknown"
            warnings.append(_diagnostic("criteria.logic_unknown", block, where, problem))
        return stated
    if stated is not None and cue != "none" and stated != cue:
        # The lead-in is the author's statement of the list's logic; a stray "or" before the last item
        # does not overturn it, but the conflict is said.
        joined = "and" if stated == "all" else "or"
        problem = f"says '{cue} of' but its items are joined by '{joined}'; read as '{cue}', check it by hand"
        warnings.append(_diagnostic("criteria.logic_contradicts_joins", block, where, problem))
    return cue


def _kind(block: Block, coverage: str | None, logic: str | None, context: Context) -> str:
    """The kind from the whole context: the lead-in above decides what its items are, the node's
    own words only where no lead-in says (a word such as "contraindicated" inside an item does not)."""
    text = block.text
    if context.in_note:
        return "note"
    if has_cue("note", text):
        return "note"
    if block.children and coverage:
        return "statement"  # even one pointing to external criteria sets: its items are the notes
    if has_cue("external", text):
        return "note"
    if block.children:
        if context.sign == "denied" and logic != "none":
            return "exclusion"
        if not _names_a_use(text):
            return "requirement"
        # A head naming a use: within a granting list, one of the uses covered; on its own (no
        # position above it), the statement its list spells out ("ESR1 Liquid Biopsy Test").
        return "statement" if context.sign is None else "indication"
    if coverage:
        return "indication" if coverage == "medically_necessary" else "exclusion"
    if context.parent_logic == "none":
        return "contraindication"
    if context.sign == "denied":
        return "exclusion"
    # An item of a list that says how its items combine is a condition of that list: each of "all of
    # the following" is required, each of "one of the following" is an indication on its own.
    if context.parent_logic == "all":
        return "requirement"
    if context.parent_logic == "any":
        return "indication"
    if context.sign == "covered":
        return "requirement" if has_cue("requirement", text) else "indication"
    return "requirement" if has_cue("requirement", text) else "note"


def _names_a_use(text: str) -> bool:
    """A group head that names a disease, condition or use ("Prostate Cancer:", "Diagnosis:") rather
    than only grouping conditions ("Meets one of the following criteria:", "Patient has:")."""
    words = text.rstrip(":").split()
    return (
        0 < len(words) <= HEADING_MAX_WORDS
        and logic_cue(text) is None
        and not has_cue("grouping", text)
        and not has_cue("requirement", text)
    )


def _to_criterion(
    block: Block,
    node_id: str,
    context: Context,
    doc: Document,
    abbreviations: dict[str, str],
    found_services: list[str],
    warnings: list[Diagnostic],
) -> Criterion:
    _split_inline_list(block)
    position = coverage_of(block.text)
    coverage = position.coverage if position else None
    denied = (coverage or "medically_necessary") != "medically_necessary" or (
        coverage is None and context.sign == "denied"
    )
    logic = _logic(block, node_id, warnings, denied)
    kind = _kind(block, coverage, logic, context)
    service = context.service
    if position and kind != "note":  # a note's remark names no service of its own
        named = services_named(block.text, position.start, abbreviations)
        found_services.extend(named)
        service = named[0] if len(named) == 1 else (None if named else context.service)
    if not block.children and re.search(r"\bfollowing\b[^.]*:$", block.text):
        problem = "announces a list but no items follow it"
        warnings.append(_diagnostic("criteria.list_without_items", block, node_id, problem))
    sign = context.sign
    if coverage:
        sign = "covered" if coverage == "medically_necessary" else "denied"
    child_context = Context(
        sign=sign,
        parent_logic=logic,
        service=service,
        measured=measured_without_value(block.text) if block.children else None,
        in_note=kind == "note" or has_cue("external", block.text),
    )
    used: set[str] = set()
    children = [
        _to_criterion(
            child,
            _node_id(node_id, child, index, used),
            child_context,
            doc,
            abbreviations,
            found_services,
            warnings,
        )
        for index, child in enumerate(block.children, start=1)
    ]
    subject = subject_of(block.text, position) if position else None
    return Criterion(
        **dict(placed(block.lines, block.text, doc.format)),
        id=node_id,
        label=block.label,
        text=block.text,
        kind=kind,
        coverage=coverage,
        coverage_words=Span(start=position.start, end=position.end) if position else None,
        subject=Span(start=subject[0], end=subject[1]) if subject else None,
        logic=logic,
        service=service,
        quantities=name_unnamed(parse_quantities(block.text), context.measured),
        children=children,
    )


def _paragraphs(doc: Document) -> list[str]:
    return [block.text for block in build_blocks(doc.lines)]


def _line_key(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


def repeated_lines(lines: list[Line]) -> set[str]:
    """Lines printed again and again through the document: running headers and footers, watermarks,
    that a plain-text extractor left inline. Never criteria, and they must not break a list."""
    counts: dict[str, int] = {}
    for line in lines:
        key = _line_key(line.text)
        if len(key.split()) >= FURNITURE_MIN_WORDS:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, count in counts.items() if count >= FURNITURE_REPEATS}


def parse_criteria(doc: Document, sections: list[Section]) -> CriteriaResult:
    result = CriteriaResult()
    criteria_sections = [section for section in sections if section.kind == "criteria" and section.lines]
    if not criteria_sections:
        return result
    result.abbreviations = abbreviations_defined(_paragraphs(doc))
    blocks: list[Block] = []
    furniture = repeated_lines(doc.lines)
    for section in criteria_sections:
        lines = [
            line
            for line in section.lines
            if _line_key(line.text) not in furniture and not is_page_mark(line.text)
        ]
        if not lines:
            continue
        # Each section's heading is a break in the flow: build_tree closes open lists there unless
        # the next label continues one ("C." after "B." across an "and" set as its own line).
        if not section.resumed:
            blocks.append(Block(text=section.heading, lines=[lines[0]], heading=True, section_heading=True))
        blocks.extend(build_blocks(lines))
    roots = build_tree(blocks)
    found: list[str] = []
    used: set[str] = set()
    top = Context(sign=None, parent_logic=None, service=None)
    for index, block in enumerate(roots, start=1):
        node_id = _node_id(None, block, index, used)
        result.criteria.append(
            _to_criterion(block, node_id, top, doc, result.abbreviations, found, result.warnings)
        )
    seen: set[str] = set()
    for service in found:
        if service.lower() not in seen:
            seen.add(service.lower())
            result.services.append(service)
    return result
