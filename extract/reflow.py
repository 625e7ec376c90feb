"""Flattened pages: a web page's text saved with its line breaks lost, the whole policy on one line.

A scraper or a copy-paste often hands a user this: headings, header labels, list items and sentences run
together ("... medical records. Policy Position Coverage is subject to ..."). The words still show where
lines were: a section heading (sections.toml) or a run of capitals standing between two sentences, a header
label (metadata.toml) before its value, a list's lead-in ("... ALL of the following are met:")
before its items, a sentence's end. `reflow` rebuilds lines from these, in the text loader's own line
syntax (`## ` a heading, `• ` a list item), so the rest of the pipeline reads the page as any text.

What cannot be rebuilt is said in the record's warnings: items of a list that were neither separated by
';' nor started with a capital stay joined.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from policydiff.extract.rules import RuleFileError, load_rules, phrase_alternation, regex, string_list
from policydiff.extract.sections import heading_phrases, normalize_heading
from policydiff.extract.sentences import open_brackets, sentences

# A text is flattened when a line this long stands in a text of this many characters per line on average.
FLATTENED_MIN_CHARS = 2000
FLATTENED_CHARS_PER_LINE = 1000
FLATTENED_WARNING = (
    "flattened page: the text had no line breaks; its lines were rebuilt from headings, labels, list "
    "lead-ins and sentence ends, and list items not separated by ';' or a capital may be joined"
)

REFERENCES = "references"
WORD_SPACE = r"\s+"  # between the words of a heading or label: run-together words are prose
# The longest block of lines looked for as repeated right after itself.
REPEATED_BLOCK_MAX_LINES = 40
NAVIGATION_MAX_CHARS = 6000  # how far after a page's title its navigation may run
MENU_MIN_WORDS = 15  # fewest link labels in a row that make a footer menu
TITLE_MIN_WORDS, TITLE_MAX_WORDS = 3, 20  # a page title printed again over the policy
MENU_SMALL_WORDS_PER = 10  # at most one small lower-case word ("Transparency in Coverage") in so many
# A web page's title: its name, then " | " before the site's sections ("... G2054 | Providers | Blue Cross NC").
_PAGE_TITLE = re.compile(r"^(?P<name>[^|<>]{8,120}?)\s+\|\s")
_MENU_WORD = r"(?:[A-Z0-9][\w'’\-]*|&|in|of|and|the|for|to|at|on)"
_MENU_RUN = re.compile(rf"(?<=\s)(?:{_MENU_WORD}\s+){{{MENU_MIN_WORDS - 1},}}{_MENU_WORD}(?=\s)")
_REPEAT_NOISE = re.compile(r"[\s®™©]+")
_TAG = re.compile(r"<[^<>]{0,300}>")
# A tag whose '<' went missing when the page was saved as text: its attributes and '>' remain.
_TAG_RESIDUE = re.compile(r"[^\s<>]*(?:\s+[\w:-]+=\\?\"[^\"]*\")+\s*/?>")
_ESCAPED_BREAK = re.compile(r"(?:\\[rnt])+")
_SPACES = re.compile(r"\s+")
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z&/\-]*[A-Z](?:\s+(?:[A-Z][A-Z&/\-]*[A-Z]|OF|AND|FOR|THE|TO|IN|ON|&))*\b")
# What follows a heading: a sentence's first word, or a code ("Procedure Codes 81201, 81210").
_SENTENCE_START = re.compile(r"\s+(?:[\"“(]?[A-Z][A-Za-z]|[A-Z]?[0-9])")
# Four words or more, then the same words again at once (any number of times).
_REPEATED_RUN = re.compile(r"\b((?:\S+\s+){3,30}?\S+)(?:\s+\1\b)+")
_VALUE_END = re.compile(r"[0-9]\s+$")
_SEMICOLON_ITEM = re.compile(r";\s*(?:(?:and|or)\s+)?", re.I)
_CAPITAL_ITEM = re.compile(r"(?<=[a-z0-9%)®™])\s+(?=[A-Z][a-z])")
# A table's rows of named tests with their descriptions in brackets, run together: a row ends at its ']'.
_ROW_END = re.compile(r"\](?=\s|$)")
MIN_BRACKETED_ROWS = 3
GROUPED_ROW = "◦"  # the bullet of a row under a group label: one level below the label's "•"
# A group label before a row: up to six capitalised words and a colon ("Other Novel Assays:").
_GROUP_LABEL = re.compile(r"(?:^|(?<=\s))(?:[A-Z][\w/&\-]*\s+){0,5}[A-Z][\w/&\-]*:(?=\s)")


@dataclass(frozen=True)
class ReflowRules:
    label: re.Pattern[str]
    heading: re.Pattern[str]
    lead_in: re.Pattern[str]
    position_label: re.Pattern[str]
    code_cell: re.Pattern[str]
    navigation_start: re.Pattern[str]
    caps_min_letters: int


@cache
def reflow_rules() -> ReflowRules:
    rules = load_rules("reflow")
    metadata = load_rules("metadata")
    labels = string_list(metadata["other_labels"], "labels", "metadata")
    labels += string_list(metadata["policy_number"], "labels", "metadata")
    labels += string_list(metadata["title"], "labels", "metadata")
    for key in ("effective", "original_effective", "last_revised", "last_reviewed", "next_review"):
        labels += string_list(metadata["dates"], key, "metadata")
    minimum = rules.get("caps_heading_min_letters")
    if not isinstance(minimum, int) or minimum < 1:
        raise RuleFileError("rule file reflow.toml: 'caps_heading_min_letters' must be a positive integer")
    return ReflowRules(
        # A label is printed capitalised and followed by ':' (or '#:'); a lower-case one is prose.
        label=re.compile(rf"(?<![\w#])(?=[A-Z])(?i:{phrase_alternation(labels, WORD_SPACE)})\s*#?\s*:(?=\s)"),
        heading=re.compile(
            rf"(?<!\w)(?i:{phrase_alternation(list(heading_phrases()), WORD_SPACE)})(?![\w:])"
        ),
        lead_in=regex(rules, "list_lead_in", "reflow"),
        position_label=regex(rules, "position_label", "reflow"),
        code_cell=regex(rules, "code_cell", "reflow"),
        navigation_start=regex(rules, "navigation_start", "reflow"),
        caps_min_letters=minimum,
    )


def is_flattened(text: str) -> bool:
    lengths = [len(line) for line in text.splitlines() if line.strip()]
    return (
        bool(lengths)
        and max(lengths) >= FLATTENED_MIN_CHARS
        and sum(lengths) / len(lengths) >= (FLATTENED_CHARS_PER_LINE)
    )


def reflow(text: str) -> tuple[list[str], str]:
    """A flattened page's text -> its lines, in the text loader's syntax, and the site navigation
    between the page's title and that title printed again over the policy (page furniture)."""
    rules = reflow_rules()
    lines: list[str] = []
    kind = None
    seen: set[str] = set()
    title, navigation, text = _site_navigation(_clean(text), rules)
    text, menu = _without_footer_menu(text)
    navigation = " ".join(part for part in (navigation, menu) if part)
    if title:
        lines.append(title)
    for sentence in sentences(text):
        for piece, is_heading in _headings(sentence, rules, seen):
            if is_heading:
                lines.append(f"## {piece}")
                kind = heading_phrases().get(normalize_heading(piece))
                seen.add(kind or "")
            elif kind == REFERENCES and lines and not lines[-1].startswith("## "):
                # Citations are cut by the references parser, which reads them run together; a cut at
                # each period would break every citation at its author list.
                lines[-1] = f"{lines[-1]} {piece}"
            else:
                position = rules.position_label.match(piece)
                if position and _is_capitalised(position.group()):
                    lines.append(position.group().strip())
                    piece = piece[position.end() :]
                for labelled in _split_before_labels(piece, rules):
                    for part in _bracketed_items(labelled, rules):
                        lines.extend(_list_items(part, rules))
    return _without_immediate_repeats([_without_repeated_runs(line) for line in lines]), navigation


def page_title(text: str) -> tuple[str, str, str]:
    """(the page's title, the site's navigation, the rest) of the opening text of a saved web page."""
    # (A space after it: the title's name printed again at the very end is followed by the policy.)
    return _site_navigation(f"{_clean(text)} ", reflow_rules())


def page_footer(text: str) -> tuple[str, str]:
    """(the text, the site's footer menu taken out of it) of what a saved web page prints after its policy."""
    # (Spaces around it: a menu run stands between spaces.)
    return _without_footer_menu(f" {_clean(text)} ", start=0)


def _without_footer_menu(text: str, start: int | None = None) -> tuple[str, str]:
    """(the text, the site's footer menu taken out of it): a run of link labels, capitalised words with
    no punctuation ("About Us Newsroom Blog Member Forms ... Contact Us Locations Careers"), in the page's
    second half (or from `start`); a policy's sentences and headings are never so long a run."""
    for match in _MENU_RUN.finditer(text, len(text) // 2 if start is None else start):
        words = match.group().split()
        # A title in title case ("Guideline for Selection of Lung Cancer Patients for EGFR and ...") joins
        # its words with small ones; link labels stand side by side.
        if sum(word[0].islower() for word in words) * MENU_SMALL_WORDS_PER <= len(words):
            return f"{text[: match.start()]} {text[match.end() :]}".strip(), match.group().strip()
    return text, ""


def _site_navigation(text: str, rules: ReflowRules) -> tuple[str, str, str]:
    """(the page's title, the site's navigation, the rest) of a saved web page: one that opens with its
    title and its skip link and prints the title's name again over the policy, or one that prints its
    opening words again right over its first section heading; else ("", "", text)."""
    match = _PAGE_TITLE.match(text)
    start = rules.navigation_start.search(text, 0, NAVIGATION_MAX_CHARS)
    if match and start and start.start() >= match.end():
        repeat = text.find(f" {match.group('name')} ", start.end(), NAVIGATION_MAX_CHARS)
        if repeat >= 0:
            # The site's name after the title's first part ("| Providers | Blue Cross NC") is navigation too.
            return (
                match.group("name").strip(),
                text[match.end("name") : repeat].strip(),
                text[repeat:].strip(),
            )
    return _title_over_policy(text, rules)


def _title_over_policy(text: str, rules: ReflowRules) -> tuple[str, str, str]:
    """ "Circulating Tumor DNA (Liquid Biopsy) Medical Policy Manual Click here to see this page in full
    context BlueCross BlueShield of Tennessee Medical Policy Manual Circulating Tumor DNA (Liquid Biopsy)
    DESCRIPTION ...": the page's opening words printed again over its first heading are its title, and
    the banner between them the site's."""
    words = text[:NAVIGATION_MAX_CHARS].split()
    for size in range(min(TITLE_MAX_WORDS, len(words)), TITLE_MIN_WORDS - 1, -1):
        title = " ".join(words[:size])
        again = text.find(f" {title} ", len(title), NAVIGATION_MAX_CHARS)
        if again >= 0 and rules.heading.match(text, again + len(title) + 2):
            return title, text[len(title) : again].strip(), text[again:].strip()
    return "", "", text


def _without_repeated_runs(line: str) -> str:
    """A run of words said again and again in a row ("Medical Policy Manual Click here to see this page in
    full context Medical Policy Manual Click here ...", a banner saved once per page frame) said once."""
    return _REPEATED_RUN.sub(r"\1", line)


def _without_immediate_repeats(lines: list[str]) -> list[str]:
    """Lines with each block that repeats the block right before it dropped: a saved page may hold each
    element's text twice (a script's copy beside the rendered one), which would list every criterion twice."""
    kept: list[str] = []
    keys: list[str] = []
    for line in lines:
        kept.append(line)
        keys.append(_repeat_key(line))
        for size in range(1, min(REPEATED_BLOCK_MAX_LINES, len(kept) // 2) + 1):
            if keys[-size:] == keys[-2 * size : -size]:
                del kept[-size:], keys[-size:]
                break
    return kept


def _repeat_key(line: str) -> str:
    """A line as a repeat of it is compared: the copies may space a mark apart ("CELLSEARCH® CTC",
    "CELLSEARCH ® CTC")."""
    return _REPEAT_NOISE.sub("", line)


def _clean(text: str) -> str:
    """Markup that a saved page kept as text (tags, entities, escaped line breaks) removed."""
    text = _ESCAPED_BREAK.sub(" ", text)
    text = _TAG_RESIDUE.sub(" ", _TAG.sub(" ", text))
    return _SPACES.sub(" ", html.unescape(text).replace("\u00a0", " ")).strip()


def _headings(sentence: str, rules: ReflowRules, seen: set[str]) -> list[tuple[str, bool]]:
    """A sentence cut around the headings it holds: a known heading phrase at its start, or a run of
    capitals anywhere, each followed by the start of a sentence. A one-word phrase of a section kind
    already `seen` is a sentence's first word ("... to the title of the policy. Policy Title changed")."""
    cuts: list[tuple[int, int]] = []
    for phrase in rules.heading.finditer(sentence):
        # At the sentence's start, or right after a value that ends in a number ("Last Review: 11/2025
        # Description of Procedure or Service The National Cancer Institute ...").
        at_boundary = phrase.start() == 0 or _VALUE_END.search(sentence, 0, phrase.start())
        words = phrase.group().split()
        repeated = len(words) == 1 and heading_phrases().get(normalize_heading(phrase.group())) in seen
        if (
            at_boundary
            and not repeated
            and _is_capitalised(phrase.group())
            and _SENTENCE_START.match(sentence, phrase.end())
        ):
            cuts.append(phrase.span())
    for run in _CAPS_RUN.finditer(sentence):
        if cuts and run.start() < cuts[-1][1]:
            continue
        letters = sum(ch.isalpha() for ch in run.group())
        known = rules.heading.fullmatch(run.group()) is not None
        long_enough = letters >= rules.caps_min_letters and " " in run.group()
        if (known or long_enough) and _SENTENCE_START.match(sentence, run.end()):
            cuts.append(run.span())
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in cuts:
        if sentence[position:start].strip():
            pieces.append((sentence[position:start].strip(), False))
        pieces.append((sentence[start:end].strip(), True))
        position = end
    if sentence[position:].strip():
        pieces.append((sentence[position:].strip(), False))
    return pieces


def _is_capitalised(text: str) -> bool:
    """Every word of more than three letters starts with a capital (a heading, not prose)."""
    return all(word[0].isupper() for word in re.findall(r"[A-Za-z]{4,}", text))


def _split_before_labels(text: str, rules: ReflowRules) -> list[str]:
    starts = [match.start() for match in rules.label.finditer(text) if match.start() > 0]
    bounds = [0, *starts, len(text)]
    return [text[a:b].strip() for a, b in pairwise(bounds) if text[a:b].strip()]


def _list_items(text: str, rules: ReflowRules) -> list[str]:
    """A lead-in run into its items -> the lead-in, then one `• ` line per item."""
    lead_in = rules.lead_in.search(text)
    if lead_in is None:
        return [text]
    head, rest = text[: lead_in.end()].strip(), text[lead_in.end() :].strip()
    items = _split_outside_brackets(rest, _SEMICOLON_ITEM, keep=True)
    if len(items) == 1:
        items = _split_outside_brackets(rest, _CAPITAL_ITEM, keep=False)
    return [head, *(f"• {item}" for item in items if item)]


def _bracketed_items(text: str, rules: ReflowRules) -> list[str]:
    """A table of named tests, each with its description in square brackets, run together ("ColonSentry
    [Proprietary 7-gene signature ...] ColoPrint [Proprietary ...] ...") -> one `• ` line per test; a group
    label before a test ("Gene Expression Assays:") and what stands between rows (a codes cell) keep lines
    of their own, and what follows the last row goes on as text."""
    ends = [match.end() for match in _ROW_END.finditer(text) if _bracket_depth(text[: match.end()]) == 0]
    if len(ends) < MIN_BRACKETED_ROWS:
        return [text]
    parts: list[str] = []
    grouped = False  # rows under a group label are items of its list ("o"), the label one of the list's
    for start, end in pairwise([0, *ends]):
        row = text[start:end].strip()
        cell = rules.code_cell.match(row)
        if cell:  # the codes column of the row before, run into this one's name ("CPT 0009U HERmark ...")
            parts.append(cell.group().strip())
            row = row[cell.end() :]
        labels = [match for match in _GROUP_LABEL.finditer(row) if _bracket_depth(row[: match.start()]) == 0]
        if labels:
            before, row = row[: labels[-1].start()].strip(), row[labels[-1].end() :].strip()
            # (what stands before a group label is the last cells of the row before: "Procedure Codes ...")
            parts.extend(part for part in (before, f"• {labels[-1].group().strip()}") if part)
            grouped = True
        parts.append(f"{GROUPED_ROW if grouped else '•'} {row}")
    rest = text[ends[-1] :].strip()
    return [*parts, rest] if rest else parts


def _bracket_depth(text: str) -> int:
    return text.count("[") - text.count("]")


def _split_outside_brackets(text: str, separator: re.Pattern[str], keep: bool) -> list[str]:
    """`text` cut at each `separator` outside brackets; `keep` leaves the separator (a trailing '; or',
    the list's logic) at the end of the item before it."""
    items, start = [], 0
    for match in separator.finditer(text):
        if open_brackets(text[start : match.start()]):
            continue
        end = match.end() if keep else match.start()
        items.append(text[start:end].strip())
        start = match.end()
    items.append(text[start:].strip())
    return [item for item in items if item]
