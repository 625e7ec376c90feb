"""Revision logs / policy history -> Revision rows.

A revision table is found by its header row wherever it sits (rules/revisions.toml names the header
words of each column role: summary, date, approval date, type). Each following line is split into
the table's columns (by cell index, by cell position, or, for a line the loader did not split, by the
dates it starts or ends with); a line with a date in the date column starts a row, any other line
continues the row above, so wrapped cells, bullet groups under one date and rows continued on the next
page (with or without a repeated header) are joined. Where a revisions section has no recognizable
header, its lines that start with a date start rows.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from functools import cache

from policydiff.extract.dates import date_spans, find_date, parse_date
from policydiff.extract.document import Cell, Document, Line, Section
from policydiff.extract.metadata import date_label
from policydiff.extract.provenance import placed
from policydiff.extract.rules import RuleFileError, load_rules, phrase_key, string_list
from policydiff.extract.sections import phrase_kind
from policydiff.extract.wrap import join_wrapped
from policydiff.model import Diagnostic, Revision

SUMMARY, DATE, APPROVAL_DATE, TYPE, IGNORED = "summary", "date", "approval_date", "type", "ignored"
ROLES = (SUMMARY, DATE, APPROVAL_DATE, TYPE, IGNORED)
KEPT_ROLES = (SUMMARY, DATE, APPROVAL_DATE, TYPE)

# Points a cell may start left of its column's header and still belong to it (headers are often
# indented inside their cell, or centred over it).
COLUMN_TOLERANCE = 12.0
# A line that does not start a row, starting more than this many line heights below the line above
# (a blank line between them), is text after the table, not a wrapped cell.
TABLE_GAP_LINES = 1.6
# A row printed without cells starts with its date after at most this many words (a status such as
# "Reviewed" or "Annual Review"); later dates are part of the summary.
MAX_WORDS_BEFORE_DATE = 3
# A revision-log heading is a short line; a longer one is a sentence that mentions a policy history.
MAX_LOG_HEADING_WORDS = 8

# A date followed by one of these ends a sentence of the summary above ("... effective 1/1/24."), no row.
DATE_ENDS_SENTENCE = (".", ";", ")")
# A date, a colon and a word in lower case is a dated note inside a row's summary ("7/10/25: corrected
# typographical error in code section."), no row of its own.
_DATED_NOTE = re.compile(r"^\s*:\s*[a-z]")
_SENTENCE_PUNCTUATION = re.compile(r"[.;:,)]")


@dataclass(frozen=True)
class Header:
    """A revision table's header row: the role of each column, and where each column starts."""

    roles: tuple[str | None, ...]
    starts: tuple[float, ...]  # x0 of each header cell; empty when the loader gave no cells
    line: Line
    # Header-like but lacking a date or summary column: the first half of a header cut in two.
    partial: bool = False

    @property
    def has_geometry(self) -> bool:
        return bool(self.starts) and len(set(self.starts)) == len(self.starts)

    def column_start(self, role: str) -> float | None:
        if not self.has_geometry or role not in self.roles:
            return None
        return self.starts[self.roles.index(role)]


@dataclass
class _Row:
    # The row's lines as added, each with its cells' texts by column role.
    entries: list[tuple[Line, dict[str, str]]] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [line for line, _ in self.entries]

    @property
    def line(self) -> Line:
        return self.entries[0][0]

    def add(self, values: dict[str, str], line: Line) -> None:
        self.entries.append((line, values))

    def texts(self, role: str) -> list[str]:
        """The role's cell text on each of the row's lines ('' where it has none)."""
        return [values.get(role, "") for _, values in self.entries]

    def text(self, role: str) -> str:
        return join_cell([text for text in self.texts(role) if text.strip()])


@dataclass(frozen=True)
class LogWords:
    headings: re.Pattern[str]
    unfinished: re.Pattern[str]


@cache
def log_words() -> LogWords:
    """Revision-log headings and summary-line endings, from rules/revisions.toml [logs]."""
    logs = load_rules("revisions").get("logs", {})

    def alternatives(key: str) -> str:
        return "|".join(re.escape(phrase_key(word)) for word in string_list(logs, key, "revisions"))

    return LogWords(
        headings=re.compile(rf"(?:^|\s)(?:{alternatives('headings')})$"),
        unfinished=re.compile(rf"(?:^|\s)(?:{alternatives('unfinished_endings')})$"),
    )


def is_log_heading(line: Line) -> bool:
    """A short line naming a revision log ('Joint BCBSM/BCN Medical Policy History')."""
    words = phrase_key(line.text)
    return len(words.split()) <= MAX_LOG_HEADING_WORDS and log_words().headings.search(words) is not None


def ends_unfinished(text: str) -> bool:
    """Whether a line stops mid-sentence ('... Updated Coding section to include') or mid-list
    ('Revised 10/28/2024,' over '07/16/2024,': one row's dates)."""
    return text.rstrip().endswith(",") or log_words().unfinished.search(phrase_key(text)) is not None


@cache
def _phrase_roles() -> dict[str, str]:
    """Normalized header phrase -> column role, from rules/revisions.toml."""
    rules = load_rules("revisions")
    phrases: dict[str, str] = {}
    for role in ROLES:
        for phrase in string_list(rules, role, "revisions"):
            key = phrase_key(phrase)
            if phrases.get(key, role) != role:
                raise RuleFileError(f"rule file revisions.toml: header {phrase!r} is under two roles")
            phrases[key] = role
    return phrases


@cache
def _longest_phrase() -> int:
    return max(len(phrase.split()) for phrase in _phrase_roles())


def _phrase_sequence(text: str) -> list[str] | None:
    """The roles of the header phrases that make up `text` exactly, longest phrases first; else None."""
    words = phrase_key(text).split()
    phrases = _phrase_roles()
    longest = _longest_phrase()
    roles: list[str] = []
    start = 0
    while start < len(words):
        for end in range(min(len(words), start + longest), start, -1):
            role = phrases.get(" ".join(words[start:end]))
            if role is not None:
                roles.append(role)
                start = end
                break
        else:
            return None
    return roles


def _cell_roles(cells: tuple[Cell, ...]) -> list[str | None] | None:
    """The role of each cell of a row whose every non-empty cell is one header phrase, else None."""
    roles: list[str | None] = []
    for cell in cells:
        if not cell.text.strip():
            roles.append(None)  # an empty column of the layout (UnitedHealthcare's spacer cells)
            continue
        cell_roles = _phrase_sequence(cell.text)
        if cell_roles is None or len(cell_roles) != 1:
            return None
        roles.append(cell_roles[0])
    return roles


def is_row_lead(lead: str) -> bool:
    """Whether the words before a row's date can be its status ("Revised", "Updated codes"): a few words,
    capitalized, no sentence punctuation; not the end of a wrapped sentence ("and 0056U deleted")."""
    return not lead or (
        len(lead.split()) <= MAX_WORDS_BEFORE_DATE
        and lead[:1].isupper()
        and not _SENTENCE_PUNCTUATION.search(lead)
    )


def _complete(roles: list[str | None], starts: tuple[float, ...], line: Line) -> Header | None:
    kept = [role for role in roles if role in KEPT_ROLES]
    if DATE not in kept or SUMMARY not in kept or len(kept) != len(set(kept)):
        return None
    return Header(roles=tuple(roles), starts=starts, line=line)


def read_header(line: Line, partial: Header | None = None) -> Header | None:
    """The line as a revision-table header row (completing `partial`, the header-like row above it,
    where the table finder cut one header row in two), or None when it is not one."""
    cells = line.cells or (Cell(line.text, line.x0, line.x1),)
    roles = _cell_roles(cells)
    starts = tuple(cell.x0 for cell in cells)
    if roles is not None and partial is not None and partial.has_geometry:
        merged = list(partial.roles)
        for role, start in zip(roles, starts, strict=True):
            column = min(range(len(merged)), key=lambda index: abs(partial.starts[index] - start))
            if role is not None and abs(partial.starts[column] - start) <= COLUMN_TOLERANCE:
                merged[column] = merged[column] or role
        header = _complete(merged, partial.starts, partial.line)
        if header is not None:
            return header
    if not line.is_row:
        # A header the loader did not split into cells: its words read as a run of header phrases.
        sequence = _phrase_sequence(line.text)
        return _complete(list(sequence), (), line) if sequence is not None else None
    if roles is None:
        return None
    return _complete(roles, starts, line) or Header(
        roles=tuple(roles), starts=starts, line=line, partial=True
    )


def join_cell(pieces: list[str]) -> str:
    """Text pieces of one cell (wrapped lines, continued rows) as one string."""
    lines = [part.strip() for piece in pieces for part in piece.split("\n") if part.strip()]
    return re.sub(r"\s+", " ", functools.reduce(join_wrapped, lines, "")).strip()


def _by_position(line: Line, header: Header) -> dict[str, str]:
    values: dict[str, str] = {}
    for cell in line.cells:
        column = 0
        for index, start in enumerate(header.starts):
            if cell.x0 + COLUMN_TOLERANCE >= start:
                column = index
        role = header.roles[column] or SUMMARY
        values[role] = f"{values[role]}\n{cell.text}" if role in values else cell.text
    return values


def _split_text(text: str, header: Header) -> dict[str, str] | None:
    """A row the loader did not split into cells, split by its dates; None when it starts no row.

    Dates printed before the summary (Anthem: status, date, action) lead the line after at most a
    short status; dates printed after it (Centene: summary, revision date, approval date) end it.
    """
    roles = [role for role in header.roles if role in KEPT_ROLES]
    summary_at = roles.index(SUMMARY)
    before, after = roles[:summary_at], roles[summary_at + 1 :]
    if DATE in before:
        found = find_date(text)
        if found is None:
            return None
        lead = text[: found[1].start()].strip()
        if not is_row_lead(lead) or text[found[1].end() :].lstrip()[:1] in DATE_ENDS_SENTENCE:
            return None  # "Effective 9/1/2017." ends a sentence of the row above
        values = {DATE: found[1].group(0), SUMMARY: text[found[1].end() :].strip(" :-–").lstrip(", ")}
        if lead and TYPE in before:
            values[TYPE] = lead
        return values
    trailing_dates = [role for role in after if role in (DATE, APPROVAL_DATE)]
    if len(trailing_dates) != len(after):
        return None
    pattern = r"\s+".join([r"(\S+)"] * len(after)) + r"\s*$"
    match = re.search(pattern, text)
    if not match or any(parse_date(value) is None for value in match.groups()):
        return None
    values = dict(zip(after, match.groups(), strict=True))
    values[SUMMARY] = text[: match.start()].strip()
    return values


def split_line(line: Line, header: Header) -> tuple[dict[str, str], bool]:
    """The line's text by column role, and whether it starts a new row (has its own date)."""
    if line.is_row:
        if len(line.cells) == len(header.roles):
            values: dict[str, str] = {}
            for role, cell in zip(header.roles, line.cells, strict=True):
                if role is not None and cell.text.strip():
                    values[role] = cell.text
        elif header.has_geometry:
            values = _by_position(line, header)
        else:
            values = _split_text(line.text.replace("\t", " "), header) or {SUMMARY: line.text}
        return values, bool(values.get(DATE, "").strip())
    summary_start = header.column_start(SUMMARY)
    continues_summary = summary_start is not None and line.x0 + COLUMN_TOLERANCE >= summary_start
    split = None if continues_summary else _split_text(line.text, header)
    if split is not None:
        return split, True
    return {SUMMARY: line.text}, False


def _line_height(line: Line) -> float:
    return max(line.bottom - line.top, 1.0)


def _outside_table(line: Line, header: Header) -> bool:
    """A section heading, or a line starting left of the table: the table has ended before it."""
    return phrase_kind(line) is not None or line.x0 + COLUMN_TOLERANCE < header.line.x0


def _ends_table(line: Line, previous: Line | None, header: Header, plain_text: bool) -> bool:
    """Whether a line that starts no row is text after the table rather than part of it."""
    if line.is_row and line.table is not None and header.line.table is not None:
        return False  # a ruled row with an empty date cell: the row above continued (on the next page)
    if header.line.table is not None and line.table is None and not line.is_row:
        return True
    summary_start = header.column_start(SUMMARY)
    if not line.is_row and summary_start is not None and line.x0 + COLUMN_TOLERANCE < summary_start:
        # A wrapped cell continues under its column; a line starting left of it is the text after
        # the table (on the next page, where no gap tells).
        return True
    if previous is None or previous.page != line.page or plain_text:
        # Plain text has no gaps to tell by: its blank lines and the page furniture set aside between
        # two lines of a row mark page breaks as often as a table's end. Its table ends at a heading.
        return False
    return line.top - previous.top > TABLE_GAP_LINES * _line_height(previous)


def _revision(row: _Row, doc: Document, warnings: list[Diagnostic]) -> Revision:
    dates: dict[str, str | None] = {}
    for role in (DATE, APPROVAL_DATE):
        printed = row.text(role)
        dates[role] = parse_date(printed) if printed else None
        if printed and dates[role] is None:
            warnings.append(
                Diagnostic(
                    code="revisions.unreadable_date",
                    page=row.line.page,
                    item=printed,
                    message=f"revision log row on page {row.line.page}: {role.replace('_', ' ')} {printed!r} "
                    "is not a date I can read; kept without it",
                )
            )
    summary = row.text(SUMMARY)
    return Revision(
        date=dates[DATE],
        approval_date=dates[APPROVAL_DATE],
        type=row.text(TYPE) or None,
        summary=summary,
        **dict(placed(row.lines, summary, doc.format, printed=row.texts(SUMMARY))),
    )


def _table_rows(doc: Document, warnings: list[Diagnostic]) -> tuple[list[_Row], set[int]]:
    """Rows of every revision table found by its header row, and the ids of the lines read."""
    rows: list[_Row] = []
    used: set[int] = set()
    header: Header | None = None
    partial: Header | None = None
    previous: Line | None = None
    rows_since_header = 0
    for line in doc.lines:
        found = read_header(line, partial)
        partial = found if found is not None and found.partial else None
        if found is not None:
            if not found.partial:
                header, previous = found, line
                rows_since_header = 0
                used.add(id(line))
            continue
        if header is None:
            continue
        if _outside_table(line, header):
            header = None
            continue
        if not rows_since_header and _cell_roles(line.cells or (Cell(line.text, line.x0, line.x1),)):
            used.add(id(line))  # the header's wrapped titles in a row of their own ("Date" under "Approval")
            continue
        values, starts_row = split_line(line, header)
        if starts_row and find_date(values[DATE]) is None:
            warnings.append(
                Diagnostic(
                    code="revisions.row_without_date",
                    page=line.page,
                    message=f"revision log row on page {line.page} skipped: its date cell {values[DATE]!r} "
                    f"holds no date (row text: {line.text.replace(chr(9), ' ')[:80]!r})",
                )
            )
            continue
        if starts_row and rows and not line.is_row and ends_unfinished(previous.text):
            starts_row, values = False, {SUMMARY: line.text}  # a date inside a wrapped sentence
        if starts_row:
            rows.append(_Row())
            rows_since_header += 1
        elif not rows or _ends_table(line, previous, header, doc.format == "text"):
            header = None
            continue
        rows[-1].add(values, line)
        used.add(id(line))
        previous = line
    return rows, used


def _dated_list_rows(section: Section, warnings: list[Diagnostic]) -> list[_Row]:
    """A revisions section without a table header: each line that starts with a date starts a row.
    A line of column titles (the header, printed again over the rest of the log on the next page) is
    no part of any row; a status alone on its line right above a line that starts with a date ("Updated
    codes" / "10/01/2025", where each cell of the row is a line of the text) is that row's; the label of
    the next review date ends the log."""
    rows: list[_Row] = []
    skipped: list[str] = []
    previous = ""
    status: Line | None = None
    for index, line in enumerate(section.lines):
        following = section.lines[index + 1] if index + 1 < len(section.lines) else None
        text = line.text.replace("\t", " ")
        if _is_column_titles(text):
            continue
        if rows and date_label("next_review").match(text):
            break  # what follows is the document's, not the log's (the reading account lists it as unread)
        found = find_date(text)
        lead = text[: found[1].start()].strip() if found else ""
        after = text[found[1].end() :].lstrip()[:1] if found else ""
        continues = (
            ends_unfinished(previous)
            or (rows and _dates_only(rows[-1].text(SUMMARY)))
            or (found is not None and _DATED_NOTE.match(text[found[1].end() :]) is not None)
        )
        if found and is_row_lead(lead) and after not in DATE_ENDS_SENTENCE and not continues:
            row = _Row()
            if status is not None and not lead:
                row.add({TYPE: status.text.strip()}, status)
            row.add(
                {
                    DATE: found[1].group(0),
                    SUMMARY: text[found[1].end() :].strip(" :-–").lstrip(", "),
                    TYPE: lead,
                },
                line,
            )
            rows.append(row)
            status = None
        elif _stands_over_a_date(text, previous, following):
            status = line
        elif rows:
            rows[-1].add({SUMMARY: text}, line)
        else:
            skipped.append(text)
        previous = text
    if rows and skipped:
        warnings.append(
            Diagnostic(
                code="revisions.text_before_entries",
                page=section.page,
                message=f"revision log '{section.heading}': text before its first dated entry not read as a "
                f"revision: {' '.join(skipped)[:120]!r}",
            )
        )
    return rows


def _is_column_titles(text: str) -> bool:
    """A line made only of revision-log column titles, a date's among them ("Status Review Date Effective
    Date Action")."""
    roles = _phrase_sequence(text)
    return roles is not None and len(roles) >= 2 and DATE in roles


def _dates_only(text: str) -> bool:
    """Whether a row's text so far is dates and nothing else ("Revised 10/28/2024," / "07/16/2024," /
    "04/15/2024": its review dates, wrapped in their cell); the next date is still that row's."""
    spans = date_spans(text)
    for start, end, _ in reversed(spans):
        text = text[:start] + text[end:]
    return bool(spans) and not text.strip(" ,;")


def _stands_over_a_date(text: str, previous: str, following: Line | None) -> bool:
    """A row's status alone on its line (a few capitalized words, "Updated codes"), after a finished
    sentence and right above a line that starts with a date."""
    if following is None or not text.strip() or find_date(text) is not None or ends_unfinished(previous):
        return False
    if not previous.rstrip().endswith(DATE_ENDS_SENTENCE) and previous.strip():
        return False
    found = find_date(following.text)
    return found is not None and not following.text[: found[1].start()].strip() and is_row_lead(text.strip())


def _headed_logs(doc: Document, sections: list[Section]) -> list[Section]:
    """Revision logs under a heading the section detector did not take for one: the lines from the
    heading to the next known heading, as a revisions section."""
    in_logs = {id(line) for section in sections if section.kind == "revisions" for line in section.lines}
    log_headings = {section.heading for section in sections if section.kind == "revisions"}
    logs: list[Section] = []
    for at, line in enumerate(doc.lines):
        if id(line) in in_logs or line.text in log_headings or not is_log_heading(line):
            continue
        logs.append(
            Section(kind="revisions", heading=line.text, level=1, lines=_log_lines(doc.lines[at + 1 :]))
        )
    return logs


def _log_lines(lines: list[Line]) -> list[Line]:
    """The lines of a log from its heading to the next known heading after its first dated row (a
    header stacked one title a line, 'Policy' / 'Effective Date', comes before that row)."""
    dated = False
    for at, line in enumerate(lines):
        if dated and line.text[:1].isupper() and phrase_kind(line) is not None:  # not a wrapped summary
            return lines[:at]
        dated = dated or find_date(line.text) is not None
    return lines


def _once_each(revisions: list[Revision]) -> list[Revision]:
    """The rows without the ones printed again where a table restarts on the next page (same date, same
    summary as a row above)."""
    seen: set[tuple[str | None, str]] = set()
    kept: list[Revision] = []
    for revision in revisions:
        key = (revision.date, revision.summary)
        if key not in seen:
            seen.add(key)
            kept.append(revision)
    return kept


def parse_revisions(doc: Document, sections: list[Section]) -> tuple[list[Revision], list[Diagnostic]]:
    warnings: list[Diagnostic] = []
    rows, used = _table_rows(doc, warnings)
    if not rows:
        for section in [*sections, *_headed_logs(doc, sections)]:
            if section.kind == "revisions" and not any(id(line) in used for line in section.lines):
                rows.extend(_dated_list_rows(section, warnings))
    revisions = _once_each([_revision(row, doc, warnings) for row in rows])
    for section in sections:
        if section.kind == "revisions" and section.lines and not rows:
            warnings.append(
                Diagnostic(
                    code="revisions.log_not_read",
                    page=section.page,
                    message=f"revision log '{section.heading}' (page {section.page}): no revision table header "
                    "or dated entries recognized (rules/revisions.toml); its rows are not in the record",
                )
            )
    return revisions, warnings
