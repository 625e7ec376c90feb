"""Code tables -> Code items (CPT, HCPCS, ICD-10-CM/PCS, NDC, revenue).

Code tables are read only inside codes sections (and their sub-sections), line by line, as a small
state machine over three kinds of layout the loaders produce:

- ruled tables: one Line per table row, `cells` = the cell texts (an empty code cell continues the
  row above, e.g. at the top of the next page);
- unruled column lists: Lines whose `cells` are text runs at their x positions; a continuation line
  of a wrapped description carries only the description run, at the description column's x;
- tab-separated text (the seeds): Lines with `cells`, no geometry.

A table starts at a header row whose code column names a system ("CPT Code | Description"), at a
label line that names one ("ICD-10 Diagnosis"), or at a row whose first cell is nothing but codes. It
ends at prose or at a row of another table (a revision log inside the codes section). The status of
its codes comes from the prose cue that governs it ("medically necessary when criteria are met"), the
system from the column header narrowed by each code's shape (extract/codesets.py). Wording is data:
rules/codes.toml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache

from policydiff.extract.codesets import SYSTEMS, dotted_icd10cm, icd10cm_known, range_in_order, shape_systems
from policydiff.extract.document import Cell, Document, Line, Section
from policydiff.extract.rules import RuleFileError, load_rules, regex_list, string_list
from policydiff.extract.sections import phrase_kind
from policydiff.extract.wrap import join_wrapped
from policydiff.model import Box, Code, Diagnostic

CODES_KIND = "codes"
CITING_KINDS = ("revisions", "references")
DEFAULT_STATUS = "related"
STATUSES = ("related", "not_covered", "covered")
# A header cell or label line longer than this is prose that happens to name a system.
MAX_HEADER_WORDS = 5
# A sub-group heading inside a table is a short line; longer lines are prose that ends the table.
MAX_SUBGROUP_WORDS = 10

_MARKS = re.compile(r"[*†‡§¶®™©]+|\^\S*|\[\d{1,2}\]")
_SPACES = re.compile(r"\s+")
# Case-sensitive: codes are printed in capitals (but for ICD-10-CM's placeholder x), and upper-casing
# would make words of a description look like codes.
_TOKEN = (
    r"(?:[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}"  # NDC with hyphens, before ranges: its hyphens are no range
    r"|[A-Z][0-9][0-9A-Z]\.[0-9A-Zx]{1,4}"  # dotted ICD-10-CM
    r"|[A-Z][0-9][0-9A-Z][0-9A-Z]{3}"  # ICD-10-CM of 6 characters printed without its dot
    r"|[0-9A-Z]{7}"  # ICD-10-PCS (or a 7-character ICD-10-CM code without its dot)
    r"|[0-9]{11}"  # NDC as 11 digits
    r"|[0-9A-Z]{3,5})(?![0-9A-Za-z.])"  # CPT, HCPCS, ICD-10-CM category, revenue
)
_ITEM = re.compile(rf"(?P<start>{_TOKEN})(?:\s*(?:[-–—]|\bto\b|\bthrough\b|\bthru\b)\s*(?P<end>{_TOKEN}))?")
_PARENTHESES = re.compile(r"[()]")
_LABEL_END = re.compile(r"\s*[(:]")
_CODES_WORD = re.compile(r"\bcodes?\s*$", re.I)
# Where a header title may start: a capital after a space or run into the word before it.
_WORD_START = re.compile(r"(?<=[\sa-z])[A-Z]")
_PROSE_MARK = re.compile(r"[.,;:]")
_TRAILING_CODE = re.compile(r"(?<![0-9A-Z])(?P<code>[0-9]{4}[0-9FMTU]|[A-V][0-9]{4})$")
_SEPARATOR = re.compile(r"\s*(?:[,;/&]|\band\b|\bor\b)?\s*", re.I)
_SENTENCE_END = re.compile(r"[.:;]$")
# A five-character CPT or HCPCS code run into the capitalized first word of its description by a text
# extraction that dropped the column gap ("81479Unlisted molecular pathology procedure").
_GLUED_CODE = re.compile(r"^([0-9]{4}[0-9FMTU]|[A-V][0-9]{4})(?=[A-Z][a-z])")
_HEADER_FILLER = re.compile(r"\b(?:codes?|and|or|list)\b|[\s,/&:()#-]+", re.I)


@dataclass(frozen=True)
class CodeItem:
    code: str
    code_end: str | None


@dataclass(frozen=True)
class Rules:
    systems: dict[str, tuple[str, ...]]
    system_words: re.Pattern[str]
    generic_words: frozenset[str]
    description_words: re.Pattern[str]
    excluded_header_words: re.Pattern[str]
    subgroups: list[re.Pattern[str]]
    notes: list[re.Pattern[str]]
    status: dict[str, list[re.Pattern[str]]]
    lookalikes: dict[int, str]  # a str.translate table: look-alike character -> its ASCII letter


def _lookalikes(table: object) -> dict[int, str]:
    """[lookalikes] as a translate table; each key one non-ASCII character, each value one ASCII letter."""
    if not isinstance(table, dict) or not table:
        raise RuleFileError("rule file codes.toml: [lookalikes] must map characters to letters")
    for char, letter in table.items():
        if (
            len(char) != 1
            or char.isascii()
            or not (isinstance(letter, str) and len(letter) == 1 and letter.isascii() and letter.isalnum())
        ):
            raise RuleFileError(
                f"rule file codes.toml: lookalikes.{char!r} must be one non-ASCII character mapped to one ASCII letter"
            )
    return str.maketrans(table)


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I)


@cache
def rules() -> Rules:
    data = load_rules("codes")
    systems: dict[str, tuple[str, ...]] = {}
    for word, names in data.get("systems", {}).items():
        unknown = [name for name in names if name not in SYSTEMS] if isinstance(names, list) else [names]
        if not names or unknown:
            raise RuleFileError(f"rule file codes.toml: systems.{word!r} must list systems of {SYSTEMS}")
        systems[word.lower()] = tuple(names)
    if not systems:
        raise RuleFileError("rule file codes.toml: [systems] is empty")
    status = data.get("status")
    if not isinstance(status, dict) or set(status) != set(STATUSES):
        raise RuleFileError(f"rule file codes.toml: [status] must have exactly {STATUSES}")
    columns = data.get("columns", {})
    return Rules(
        systems=systems,
        system_words=_words_pattern(list(systems)),
        generic_words=frozenset(word.lower() for word in string_list(columns, "generic_headers", "codes")),
        description_words=_words_pattern(string_list(columns, "description_headers", "codes")),
        excluded_header_words=_words_pattern(string_list(columns, "excluded_header_words", "codes")),
        subgroups=regex_list(columns, "subgroup_patterns", "codes"),
        notes=regex_list(columns, "table_note_patterns", "codes"),
        status={name: regex_list(status, name, "codes") for name in STATUSES},
        lookalikes=_lookalikes(data.get("lookalikes")),
    )


def clean(text: str) -> str:
    """Trademark signs, asterisks and footnote marks removed, spaces collapsed."""
    return _SPACES.sub(" ", _MARKS.sub("", text)).strip()


def split_code_cell(text: str) -> list[CodeItem] | None:
    """The codes and ranges of a cell that holds nothing else ('38242, 38243', 'K0601-K0605', a code
    with its equivalent in the other system '99281 (G0380)'), else None."""
    text = _PARENTHESES.sub(" ", clean(text)).strip()
    items: list[CodeItem] = []
    position = 0
    while position < len(text):
        match = _ITEM.match(text, position)
        if match is None or not _code_shaped(match):
            return None
        items.append(CodeItem(match["start"], match["end"]))
        position = _SEPARATOR.match(text, match.end()).end()
    return items or None


def leading_codes(text: str) -> tuple[list[CodeItem], str] | None:
    """Codes at the start of a single run of text ('43644  Laparoscopy, ...'), and the text after them."""
    words = _GLUED_CODE.sub(r"\1 ", clean(text)).split(" ")
    for count in range(len(words), 0, -1):
        items = split_code_cell(" ".join(words[:count]))
        if items is not None:
            return items, " ".join(words[count:])
    return None


def _code_shaped(match: re.Match[str]) -> bool:
    start_systems = shape_systems(match["start"])
    if not start_systems:
        return False
    return match["end"] is None or bool(set(start_systems) & set(shape_systems(match["end"])))


def header_systems(text: str) -> tuple[str, ...] | None:
    """The systems a header cell or label line names ('CPT® Codes' -> CPT), or None for other text.

    The text must be nothing but system words and filler ('ICD-10 Diagnosis', 'CPT/HCPCS Codes'), so
    a wrapped description line that happens to hold 'procedure' is not read as a label.
    """
    text = clean(text)
    if not text or len(text.split()) > MAX_HEADER_WORDS or rules().excluded_header_words.search(text):
        return None
    matches = list(rules().system_words.finditer(text))
    if not matches or _HEADER_FILLER.sub("", rules().system_words.sub(" ", text)).strip():
        return None
    # 'CPT Codes' names CPT: a generic word ('Codes') counts only when no other word names a system.
    words = [_SPACES.sub(" ", match.group(0).lower()) for match in matches]
    specific = [word for word in words if word not in rules().generic_words] or words
    named = set().union(*(rules().systems[word] for word in specific))
    return tuple(system for system in SYSTEMS if system in named)


def text_header_systems(text: str) -> tuple[str, ...] | None:
    """The systems a header row printed as one run of text names ('HCPCS Code Description'): the
    words before the description column's title read as a header cell."""
    text = clean(text)
    for match in rules().description_words.finditer(text):
        if match.end() == len(text) and match.start() > 0:
            return header_systems(text[: match.start()])
    return None


def code_last_header_systems(text: str) -> tuple[str, ...] | None:
    """The systems of a header row printed as one run whose last column is the code column, the titles
    perhaps run together ('Procedures addressed by this guidelineProcedure codes')."""
    text = clean(text)
    if not _CODES_WORD.search(text):
        return None
    for match in _WORD_START.finditer(text):
        title = text[: match.start()]
        if rules().system_words.search(title) or _PROSE_MARK.search(title):
            return None  # titles of several code columns ('CPT Codes / HCPCS Codes'), or a sentence
        if len(title.split()) > MAX_HEADER_WORDS + 1:
            return None
        column = text[match.start() :]
        if column.split()[0].lower() in rules().generic_words:
            continue  # 'Applicable Codes' is a heading, not a name column and a code column
        if (systems := header_systems(column)) is not None:
            return systems
    return None


def trailing_code(text: str) -> tuple[str, str] | None:
    """The CPT or HCPCS code that ends a row of a code-last table, perhaps run into the name before it
    ('ABL1 mutation analysis81170'), and that name."""
    match = _TRAILING_CODE.search(clean(text))
    if match is None:
        return None
    return match["code"], clean(text)[: match.start()].strip()


def labelled_row(text: str) -> tuple[tuple[str, ...], str] | None:
    """A plain-text row led by its system's label ('CPT 0091U Oncology ...'): the systems and the rest."""
    label, _, rest = clean(text).partition(" ")
    systems = header_systems(label)
    if systems is None or leading_codes(rest) is None:
        return None
    return systems, rest


def listed_codes(text: str) -> tuple[tuple[str, ...], list[CodeItem]] | None:
    """A label that names codes, a colon and nothing but codes ('Applicable service codes: 81162, 81163,
    0011M'): the systems the label names (all of them where it names none) and the codes."""
    label, colon, rest = clean(text).partition(":")
    if not colon or not _CODES_WORD.search(label) or len(label.split()) > MAX_HEADER_WORDS:
        return None
    items = split_code_cell(rest)
    return (header_systems(label) or SYSTEMS, items) if items is not None else None


# How far back before a new line of prose a status cue that ends in it may start (characters): longer
# than any cue phrase of rules/codes.toml [status] with its trailing clause.
CUE_REACH = 2000


def status_of(text: str) -> str | None:
    """The status the last cue of a run of prose gives the codes that follow it, if any cue is there."""
    best: tuple[int, int, str] | None = None
    for status, patterns in rules().status.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                key = (match.end(), -match.start(), status)
                if best is None or key[:2] > best[:2]:
                    best = key
    return best[2] if best else None


@dataclass(frozen=True)
class Run:
    """A piece of text of a line at its x position: a cell of a row, or the whole line."""

    text: str
    x0: float


@dataclass
class Column:
    x0: float
    role: str  # "code", "description" or "other"


@dataclass
class Table:
    """The code table being read: what its header says, and where its columns are."""

    systems: tuple[str, ...]
    label: str
    page: int
    columns: list[Column] = field(default_factory=list)
    codes_read: int = 0
    # The code column is the last ("Test name | Procedure codes"): a row's name comes first, perhaps
    # wrapped over several lines, and the code ends it.
    code_last: bool = False
    pending_name: list[str] = field(default_factory=list)

    def role_of(self, run: Run) -> str | None:
        """The role of the column a run sits in (the nearest column start), None when unknown."""
        if not self.columns:
            return None
        return min(self.columns, key=lambda column: abs(column.x0 - run.x0)).role


def runs_of(line: Line) -> list[Run]:
    """The non-empty runs of a line: its non-empty cells, or its whole text."""
    if not line.cells:
        return [Run(clean(line.text), line.x0)]
    return [Run(text, cell.x0) for cell in line.cells if (text := clean(cell.text))]


@dataclass
class Reader:
    """Reads the lines of the codes sections in order; collects codes and warnings."""

    geometry: bool
    # Plain text (what a PDF text extractor gives): no cells and no positions, so a code-led line
    # starts a row wherever it stands, and the lines under it continue its description.
    plain_text: bool = False
    status: str = DEFAULT_STATUS
    table: Table | None = None
    row_codes: list[Code] = field(default_factory=list)
    row_led_by_text: bool = False  # the open row is a code-led line of plain text
    prose: list[str] = field(default_factory=list)
    # Columns of the last table that had them: a table under a bare label ("ICD-10 Diagnosis") has
    # no header row to learn them from, and a document keeps its code lists aligned.
    last_columns: list[Column] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def warn(self, code: str, line: Line, item: str | None, message: str) -> None:
        self.warnings.append(Diagnostic(code=code, page=line.page, item=item, message=message))

    def start_section(self) -> None:
        self.status = DEFAULT_STATUS
        self.prose = []
        self._end_table()

    def feed(self, line: Line) -> None:
        runs = runs_of(self._without_lookalikes(line))
        whole = " ".join(run.text for run in runs)
        if not whole:
            return
        if self.table is not None and any(pattern.search(whole) for pattern in rules().notes):
            self.row_codes = []
            return
        is_prose = False
        if any(pattern.search(whole) for pattern in rules().subgroups):
            self._subgroup(whole)
        elif (
            self._header(line, runs)
            or self._code_row(line, runs)
            or self._continuation(line, runs)
            or self._matrix_header(runs)
        ):
            pass
        elif len(runs) > 1:
            self._end_table()  # a row of some other table (a revision log inside the codes section)
        elif self.table is not None and _is_subgroup_heading(whole):
            self._subgroup(whole)
        else:
            is_prose = True
            self._end_table()
            self.prose.append(whole)
            prose = " ".join(self.prose)
            # Only a cue reaching into the new line can change the status: the last cue of the run before
            # it stands otherwise. Scanning the whole run again for every line was quadratic (a 2,000-line
            # codes section of prose took 15 s).
            self._set_status(prose[max(0, len(prose) - len(whole) - CUE_REACH) :])
        if not is_prose:
            self.prose = []

    # --- line kinds -------------------------------------------------------------------------------

    def _header(self, line: Line, runs: list[Run]) -> bool:
        systems = header_systems(runs[0].text)
        code_last = False
        if systems is None and self.plain_text and len(runs) == 1:
            systems = text_header_systems(runs[0].text)
            if systems is None and (systems := code_last_header_systems(runs[0].text)) is not None:
                code_last = True
        if systems is None or not all(_is_header_word(run.text) for run in runs[1:]):
            return False
        label = runs[0].text
        if self.table is not None and set(systems) >= set(self.table.systems):
            systems = self.table.systems  # a generic 'Code' header under a 'HCPCS' label keeps HCPCS
        repeated = self.table is not None and self.table.label == label and line.page > self.table.page
        columns = self.last_columns
        if len(runs) > 1:
            columns = [Column(runs[0].x0, "code")] + [
                Column(run.x0, "description" if rules().description_words.search(run.text) else "other")
                for run in runs[1:]
            ]
        self.table = Table(systems=systems, label=label, page=line.page, columns=columns, code_last=code_last)
        self.last_columns = columns
        if not repeated:
            self.row_codes = []
        return True

    def _code_row(self, line: Line, runs: list[Run]) -> bool:
        if self.table is not None and self.table.code_last:
            return self._code_last_row(line, runs)
        whole_list = False
        if len(runs) > 1:
            items = split_code_cell(runs[0].text)
            description_runs = runs[1:]
        elif self.plain_text and (labelled := labelled_row(runs[0].text)) is not None:
            label_systems, rest = labelled
            self.table = Table(systems=label_systems, label=runs[0].text.split(" ")[0], page=line.page)
            items, rest = leading_codes(rest)
            description_runs = [Run(rest, runs[0].x0)]
        elif len(runs) == 1 and (listed := listed_codes(runs[0].text)) is not None:
            # A whole list on its label's line: no description, and nothing below goes on with it.
            label_systems, items = listed
            self.table = Table(systems=label_systems, label=runs[0].text.partition(":")[0], page=line.page)
            description_runs = []
            whole_list = True
        elif (self.table is not None or self.plain_text) and (
            found := leading_codes(runs[0].text)
        ) is not None:
            items, rest = found
            description_runs = [Run(rest, runs[0].x0)]
            systems = self.table.systems if self.table is not None else SYSTEMS
            if not shape_systems(items[0].code, systems):
                return False  # a wrapped description starting with a gene symbol ("CACNA1A, CACNB4, ...")
        else:
            return False
        if items is None or (self.table is not None and self.table.role_of(runs[0]) not in ("code", None)):
            return False
        self.row_led_by_text = len(runs) == 1
        if self.table is None:
            self.table = Table(systems=SYSTEMS, label="", page=line.page)
        self._learn_columns(runs)
        table = self.table
        table.page = line.page
        table.codes_read += 1
        description = " ".join(
            run.text for run in description_runs if table.role_of(run) in ("description", None)
        )
        self.row_codes = [code for item in items if (code := self._code(item, description, line))]
        self.codes.extend(self.row_codes)
        if whole_list:
            self._end_table()
        return True

    def _code_last_row(self, line: Line, runs: list[Run]) -> bool:
        """A line of a code-last table: a code ends the row its name lines began; other lines are name."""
        text = " ".join(run.text for run in runs)
        table = self.table
        found = trailing_code(text)
        if found is None:
            table.pending_name.append(text)
            return True
        code, name = found
        description = join_cell_lines([*table.pending_name, name])
        table.pending_name = []
        table.codes_read += 1
        self.row_codes = [found for found in [self._code(CodeItem(code, None), description, line)] if found]
        self.codes.extend(self.row_codes)
        return True

    def _continuation(self, line: Line, runs: list[Run]) -> bool:
        if self.table is None:
            return False
        if self.geometry:
            if self.table.role_of(runs[0]) != "description":
                return False
        elif (
            not (line.cells and not clean(line.cells[0].text))
            and not runs[0].text[:1].islower()
            and not (self.plain_text and self.row_codes and self.row_led_by_text and _wraps(runs))
        ):
            return False
        extra = " ".join(run.text for run in runs if self.table.role_of(run) in ("description", None))
        if not self.row_codes:
            self.warn(
                "codes.row_without_code",
                line,
                None,
                f"page {line.page}: {self.table.label or 'code'} table lists '{extra}' without a code; "
                "not read as a code",
            )
            return True
        for code in self.row_codes:
            code.description = join_wrapped(code.description or "", extra)
        return True

    def _matrix_header(self, runs: list[Run]) -> bool:
        """Code-shaped column titles of a matrix ('J0585 J0586 ...' over columns of X marks)."""
        return (
            self.table is not None
            and self.table.codes_read == 0
            and split_code_cell(" ".join(run.text for run in runs)) is not None
        )

    def _subgroup(self, text: str) -> None:
        self.row_codes = []
        self._set_status(text)

    # --- helpers ----------------------------------------------------------------------------------

    def _without_lookalikes(self, line: Line) -> Line:
        """The line with each word that is a code once its look-alike characters are read as Latin
        letters (rules: [lookalikes]) spelled as that code, and a warning per such word: never a silent drop."""
        table = rules().lookalikes
        if line.text.translate(table) == line.text:
            return line
        plain: dict[str, str] = {}
        for word in set(line.text.split()):
            read = word.translate(table)
            if read != word and split_code_cell(read) is not None:
                plain[word] = read
                odd = ", ".join(
                    f"{unicodedata.name(char, hex(ord(char)))} for {char.translate(table)}"
                    for char in dict.fromkeys(word)
                    if char.translate(table) != char
                )
                self.warn(
                    "codes.lookalike_characters",
                    line,
                    read,
                    f"page {line.page}: code {word!r} is printed with look-alike characters ({odd}); read as {read}",
                )
        if not plain:
            return line

        def respelled(text: str) -> str:
            return " ".join(plain.get(word, word) for word in text.split(" "))

        return replace(
            line,
            text="\t".join(respelled(part) for part in line.text.split("\t")),
            cells=tuple(replace(cell, text=respelled(cell.text)) for cell in line.cells),
        )

    def _set_status(self, text: str) -> None:
        status = status_of(text)
        if status is not None:
            self.status = status

    def _end_table(self) -> None:
        self.table = None
        self.row_codes = []

    def _learn_columns(self, runs: list[Run]) -> None:
        """Code and description columns where a code row shows them (its x0s beat the header's, whose
        titles may be indented in their cells); other columns stay as the header set them."""
        if not self.geometry or len(runs) < 2:
            return
        others = [column for column in self.table.columns if column.role == "other"]
        self.table.columns = [Column(runs[0].x0, "code"), Column(runs[1].x0, "description"), *others]
        self.last_columns = self.table.columns

    def _code(self, item: CodeItem, description: str, line: Line) -> Code | None:
        system = self._system(item, line)
        if system is None:
            return None
        if item.code_end is not None and not range_in_order(item.code, item.code_end):
            self.warn(
                "codes.reversed_range",
                line,
                item.code,
                f"page {line.page}: range {item.code}-{item.code_end} ends before it starts; kept as printed",
            )
        if system == "ICD-10-CM":
            # One spelling per code, so that "E6601" in one policy and "E66.01" in another are one code.
            item = CodeItem(
                dotted_icd10cm(item.code) or item.code,
                item.code_end and (dotted_icd10cm(item.code_end) or item.code_end),
            )
            for code in filter(None, (item.code, item.code_end)):
                if not icd10cm_known(code):
                    self.warn(
                        "codes.not_in_code_set",
                        line,
                        code,
                        f"page {line.page}: ICD-10-CM code {code} is not in the ICD-10-CM code set; kept as printed",
                    )
        return Code(
            system=system,
            code=item.code,
            code_end=item.code_end,
            description=description or None,
            status=self.status,
            page=line.page,
            box=Box(x0=line.x0, top=line.top, x1=line.x1, bottom=line.bottom) if self.geometry else None,
        )

    def _system(self, item: CodeItem, line: Line) -> str | None:
        allowed = self.table.systems
        candidates = shape_systems(item.code, allowed)
        if item.code_end is not None:
            candidates = [system for system in candidates if system in shape_systems(item.code_end, allowed)]
        if candidates:
            return candidates[0]
        shaped = shape_systems(item.code)
        where = f"page {line.page}: code {item.code}"
        if shaped:
            self.warn(
                "codes.shape_of_another_system",
                line,
                item.code,
                f"{where} under '{self.table.label}' does not have the shape of a "
                f"{' or '.join(allowed)} code; read as {shaped[0]}",
            )
            return shaped[0]
        self.warn(
            "codes.no_code_system", line, item.code, f"{where} has the shape of no code system; not read"
        )
        return None


def join_cell_lines(lines: list[str]) -> str:
    """Lines of one wrapped cell as one text."""
    text = ""
    for piece in lines:
        if piece:
            text = join_wrapped(text, piece)
    return text


def _wraps(runs: list[Run]) -> bool:
    """Whether a plain-text line under a code-led line can be its wrapped description: not a label
    ("ICD-10 Diagnosis", "Established codes:") and no status cue ("Not Medically Necessary")."""
    text = " ".join(run.text for run in runs)
    return (
        len(runs) == 1 and not text.endswith(":") and header_systems(text) is None and status_of(text) is None
    )


def _is_header_word(text: str) -> bool:
    return len(text.split()) <= MAX_HEADER_WORDS and split_code_cell(text) is None


def _is_subgroup_heading(text: str) -> bool:
    return len(text.split()) <= MAX_SUBGROUP_WORDS and not _SENTENCE_END.search(text)


def table_labels_set_aside(doc: Document) -> list[Line]:
    """Furniture lines of a text without geometry that are code-table labels, in the body's order.

    A text loader tells furniture by repetition alone, so the label each code group repeats ("CPT",
    "ICD-10 Diagnosis", "When services are Not Medically Necessary:") is set aside with the running
    headers. A repeated line that names a code system or a coverage status is a label, not furniture.
    """
    if doc.format == "pdf":
        return []  # the PDF loader tells furniture by its place on the page, where labels never stand
    return [
        line
        for line in doc.furniture
        if header_systems(line.text) is not None
        or text_header_systems(line.text) is not None
        or code_last_header_systems(line.text) is not None
        or status_of(clean(line.text)) is not None
    ]


def code_region(doc: Document, sections: list[Section]) -> list[tuple[Line, bool]]:
    """The lines of the codes sections in document order, headings included, each with whether it
    opens a top-level codes section (where the governing status starts afresh)."""
    owner = {id(line): index for index, section in enumerate(sections) for line in section.lines}
    # A status label inside a code list is a codes sub-section already (sections.py reads where it stands).
    in_codes = {index for index, section in enumerate(sections) if section.kind == CODES_KIND}
    region: list[tuple[Line, bool]] = []
    members: list[list[Line]] = [[] for _ in sections]  # each section's lines, labels set aside included
    current = -1
    labels = {id(line) for line in table_labels_set_aside(doc)}
    lines = doc.lines
    if labels:
        lines = sorted([*doc.lines, *table_labels_set_aside(doc)], key=lambda line: (line.page, line.top))
    for line in lines:
        index = owner.get(id(line))
        if index is None and current >= 0 and id(line) in labels:
            index = current  # a label set aside as furniture stands inside the section it was printed in
        if index is None:
            index = _heading_owner(line, sections, current)
            if index is None:
                continue
            current = index
            section = sections[index]
            if index in in_codes:
                # A "heading" that is a cell of a ruled table (a header wrapped onto a second row,
                # "ICD-10-CM | Code") or a status label inside a code list continues the list: the
                # status that governs it goes on (or the label sets it).
                opens = section.kind == CODES_KIND and section.level == 1 and line.table is None
                region.append((line, opens))
            continue
        current = index
        members[index].append(line)
        if index in in_codes:
            region.append((line, False))
    # A code list is not looked for inside a revision log or a reference list, which name codes.
    elsewhere = in_codes | {index for index, section in enumerate(sections) if section.kind in CITING_KINDS}
    region += _labelled_code_lists(members, elsewhere)
    return region + _headed_code_tables(doc, {id(line) for line, _ in region})


def _labelled_code_lists(members: list[list[Line]], skipped: set[int]) -> list[tuple[Line, bool]]:
    """Code lists a payer prints inside another section, each under a label line naming its systems
    ("CPT/HCPCS Level II Codes (Note: ...)"): the label and the lines under it, the label opening the
    list, up to the next line that is a known heading (where the section detector did not start one)."""
    extra: list[tuple[Line, bool]] = []
    for index, lines in enumerate(members):
        if index in skipped:
            continue
        start = next((at for at, line in enumerate(lines) if is_list_label(line)), None)
        if start is None:
            continue
        # The sentence that introduces the list governs its status ("... criteria MUST be met for the
        # following codes to be covered for Commercial Members:"): its lines come with the list.
        while start > 0 and not lines[start - 1].text.rstrip().endswith("."):
            start -= 1
        for at, line in enumerate(lines[start:]):
            if at and phrase_kind(line) is not None:
                break
            extra.append((line, at == 0))
    return extra


def is_list_label(line: Line) -> bool:
    """A plain line that opens a code list: system words and 'Codes', then at most a parenthesized note
    or a colon ('CPT/HCPCS Level II Codes (Note: The inclusion of a code ...')."""
    if line.is_row:
        return False
    label = _LABEL_END.split(clean(line.text), maxsplit=1)[0]
    if not label[:1].isupper() or label.split()[0].lower() in rules().generic_words:
        return False  # a sentence running on from the line above, or a bare 'Codes:'
    return _CODES_WORD.search(label) is not None and (
        header_systems(label) is not None or code_last_header_systems(label) is not None
    )


def _headed_code_tables(doc: Document, taken: set[int]) -> list[tuple[Line, bool]]:
    """Ruled tables outside the codes sections whose header row names a code column and a description
    column ("CPT/HCPCS Codes | Descriptor" under "Coding and Modifier Information"): a code table is
    one by its header, wherever a heading detector put it. The first row opens it afresh."""
    headed = {
        line.table
        for line in doc.lines
        if line.table is not None
        and line.is_row
        and header_systems(line.cells[0].text) is not None
        and any(rules().description_words.search(cell.text) for cell in line.cells[1:])
    }
    extra: list[tuple[Line, bool]] = []
    for line in doc.lines:
        if line.table in headed and id(line) not in taken:
            extra.append((line, not extra or extra[-1][0].table != line.table))
    return extra


def _heading_owner(line: Line, sections: list[Section], after: int) -> int | None:
    """The section a heading line opens: the next section after `after` whose heading it is."""
    text = line.cells[0].text if line.is_row else line.text
    for index in range(after + 1, len(sections)):
        if sections[index].heading == text:
            return index
        if sections[index].lines:
            return None
    return None


def rows_by_position(doc: Document, region: list[tuple[Line, bool]]) -> list[tuple[Line, bool]]:
    """The region's lines of each page top to bottom, runs printed on one baseline joined into one row.

    A code list's code column and description column are one row each, however the loader ordered
    or split them: a loader that reads a narrow code column as a side column emits the descriptions
    apart, even after the next heading. So every line of the page printed between the region's first
    line and the heading that ends it is taken back (a codes section is set in one column).
    """
    region = region + _lines_within_band(doc, region)
    ordered = sorted(enumerate(region), key=lambda item: (item[1][0].page, item[1][0].top, item[0]))
    rows: list[tuple[Line, bool]] = []
    for _, (line, opens) in ordered:
        if rows and not opens and not rows[-1][1] and _same_baseline(rows[-1][0], line):
            rows[-1] = (_joined(rows[-1][0], line), False)
        else:
            rows.append((line, opens))
    return rows


def _lines_within_band(doc: Document, region: list[tuple[Line, bool]]) -> list[tuple[Line, bool]]:
    taken = {id(line) for line, _ in region}
    position = {id(line): index for index, line in enumerate(doc.lines)}
    extra: list[tuple[Line, bool]] = []
    for page in sorted({line.page for line, _ in region}):
        on_page = [line for line, _ in region if line.page == page]
        top = min(line.top for line in on_page)
        after = max(position.get(id(line), -1) for line in on_page) + 1
        end = float("inf")
        if after < len(doc.lines) and doc.lines[after].page == page and doc.lines[after].top > top:
            end = doc.lines[after].top
        extra.extend(
            (line, False)
            for line in doc.lines
            if line.page == page and id(line) not in taken and top <= line.top < end
        )
    return extra


def _same_baseline(a: Line, b: Line) -> bool:
    height = min(a.bottom - a.top, b.bottom - b.top) or 1.0
    return (
        a.page == b.page
        and a.table is None
        and b.table is None
        and abs(a.top - b.top) < height / 2
        and (b.x0 >= a.x1 or a.x0 >= b.x1)
    )


def _joined(a: Line, b: Line) -> Line:
    cells = sorted(
        [*(a.cells or (Cell(a.text, a.x0, a.x1),)), *(b.cells or (Cell(b.text, b.x0, b.x1),))],
        key=lambda cell: cell.x0,
    )
    return replace(
        a,
        text="\t".join(cell.text for cell in cells),
        x0=min(a.x0, b.x0),
        x1=max(a.x1, b.x1),
        bottom=max(a.bottom, b.bottom),
        cells=tuple(cells),
    )


def parse_codes(doc: Document, sections: list[Section]) -> tuple[list[Code], list[str]]:
    geometry = doc.format == "pdf"
    region = code_region(doc, sections)
    reader = Reader(geometry=geometry, plain_text=doc.format == "text")
    for line, opens_section in rows_by_position(doc, region) if geometry else region:
        if opens_section:
            reader.start_section()
        reader.feed(line)
    return reader.codes, reader.warnings
