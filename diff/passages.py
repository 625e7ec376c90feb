"""The policy's own text, sentence by sentence: what makes the diff complete and keeps it honest.

The parsers read structure (criteria, codes, log rows, references); what they missed must still show.
The extractor cuts each version's text into passages (extract/passages.py: sentences, and a table row
each). Here they are aligned by their words, so line breaks, re-wrapping and re-pagination never count. A sentence whose changed words no structured change
holds becomes a `text` change of the section it stands in, with its sentence and page.

The same words give the check the other way: a section whose words did not change at all has no
substantive change, however differently a parser cut its items.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence

from policydiff.diff.direction import (
    NEUTRAL,
    Verdict,
    codes_in_words,
    combine,
    direction_rules,
    exclusions_apart,
    listed_item_direction,
    logic_direction,
    polarity,
    threshold_direction,
    turned,
    wording_direction,
)
from policydiff.diff.quantities import number_changes
from policydiff.diff.significance import reasons_of, word_ops
from policydiff.diff.words import is_word, key, runs
from policydiff.extract.cues import coverage_of, logic_cue
from policydiff.model.diff import Change, Section, WordOp
from policydiff.model.text import BULLETS, FURNITURE, Passage
from rapidfuzz import fuzz

# A label alone inserted or deleted ("18." where a reference's number met the end of another line).
LONE_LABEL = re.compile(r"\s*(?:\(?[0-9]{1,2}[.)]?|\(?(?:[ivxlcIVXLC]{1,4}|[a-zA-Z])[.)])\s*")
SIMILAR_SENTENCE = 60  # ratio of two sentences that are one sentence edited
# What starts a clause of a passage that runs a list together: a lead-in's colon, a bullet.
CLAUSE_MARKS = (":", *BULLETS)
ISO_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
COVERED_SHARE = 0.8  # share of a one-sided sentence's words that one structured item must hold
# Section kinds (extract/rules/sections.toml) -> the diff section a change of their text belongs to.
DIFF_SECTION: dict[str, Section] = {
    "criteria": "criteria",
    "codes": "codes",
    "revisions": "revisions",
    "references": "references",
}


def furniture_texts(left: Sequence[Passage], right: Sequence[Passage]) -> list[str]:
    return [key(p.text) for p in [*left, *right] if p.kind == FURNITURE]


def changed_texts(left: Sequence[Passage], right: Sequence[Passage]) -> list[str]:
    """The words of every sentence that differs between the versions (both sides), except where all
    that differs went into (or came out of) the page furniture."""
    furniture = furniture_texts(left, right)
    return [
        key(p.text)
        for lefts, rights in changed_blocks(left, right)
        if not block_covered(lefts, rights, [], furniture, ())
        for p in [*lefts, *rights]
    ]


def shown_by_text(change: Change, texts: Sequence[str], furniture: Sequence[str]) -> bool:
    """Whether the words a structured change shows stand in sentences that changed.

    A change whose words stand in no changed sentence is an artefact of how a parser cut the text
    the same words in both versions, cut differently.
    """
    phrases = [
        key(text) for op in change.edits if op.significance == "substantive" for text in (op.left, op.right)
    ]
    phrases = [phrase for phrase in phrases if phrase]
    if phrases and all(furniture_covered(phrase, furniture) for phrase in phrases):
        return False  # the words went into (or came out of) a running header or footer
    if change.change in ("added", "removed") or not phrases:
        # An item added or removed, or one whose words did not change but whose kind, logic or
        # place did: real only where its own sentence changed.
        item = change.right if change.right is not None else change.left
        words = key(item_text(item)).split()
        present = set(" ".join(texts).split())
        return not words or sum(word in present for word in words) >= COVERED_SHARE * len(words)
    return any(phrase_covered(phrase, texts) for phrase in phrases)


# ------------------------------------------------------------------------------------------- coverage


def covering_texts(changes: Sequence[Change]) -> list[str]:
    """For each structured change, the words it shows: its changed runs, or the item added or removed."""
    texts = []
    for change in changes:
        if change.section == "metadata" and not (change.field or "").startswith("dates."):
            continue  # a title or a list of services names words; it says nothing of their coverage
        parts = [op.left + " " + op.right for op in change.edits]
        if change.change in ("added", "removed") or not change.words:
            parts.extend(item_text(item) for item in (change.left, change.right) if item is not None)
        parts.extend(change.codes_entered + change.codes_left)
        if (change.field or "").startswith("dates."):
            parts.extend(form for value in (change.left, change.right) for form in date_forms(value))
        texts.append(key(" ".join(parts)))
    return [text for text in texts if text]


def date_forms(value: object) -> list[str]:
    """The ways a policy prints an ISO date ('2024-02' -> '02/24', '02/2024', 'February 2024', ...)."""
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return []
    parts = [int(part) for part in value.split("-")]
    year, month = parts[0], parts[1]
    month_name = calendar.month_name[month]
    if len(parts) == 2:
        return [
            f"{month:02d}/{year % 100:02d}",
            f"{month:02d}/{year}",
            f"{month}/{year}",
            f"{month_name} {year}",
        ]
    day = parts[2]
    return [
        f"{month:02d}/{day:02d}/{year}",
        f"{month}/{day}/{year}",
        f"{month:02d}/{day:02d}/{year % 100:02d}",
        f"{month_name} {day}, {year}",
        f"{month_name[:3]} {day}, {year}",
        value,
    ]


def item_text(item: object) -> str:
    """The words of any item a change holds (criterion, code, log row, reference, metadata value)."""
    if isinstance(item, str):
        return item
    if isinstance(item, list):
        return " ".join(map(str, item))
    if isinstance(item, dict):
        return " ".join(f"{k} {v}" for k, v in item.items())
    fields = ("text", "code", "code_end", "description", "summary")
    return " ".join(str(getattr(item, name)) for name in fields if getattr(item, name, None))


def op_covered(op: WordOp, texts: Sequence[str], furniture: Sequence[str]) -> bool:
    """A differing run some change holds, whole lines of page furniture, or numbering alone."""
    labels = [LONE_LABEL.fullmatch(text) is not None for text in (op.left, op.right)]
    # A label alone on one side, against words (or nothing) on the other; two numbers are a change.
    left, right = (
        "" if label and not all(labels) else key(text)
        for label, text in zip(labels, (op.left, op.right), strict=True)
    )
    return all(
        phrase_covered(phrase, texts) or furniture_covered(phrase, furniture) for phrase in (left, right)
    )


def furniture_covered(phrase: str, furniture: Sequence[str]) -> bool:
    """Words made of whole lines of page furniture (a line break put a running header in a sentence)."""
    if not phrase:
        return True
    remaining = f" {phrase} "
    for line in sorted(furniture, key=len, reverse=True):
        remaining = remaining.replace(f" {line} ", " ")
    if remaining.strip() == phrase:
        return False  # no furniture line in it
    return not remaining.strip() or LONE_LABEL.fullmatch(remaining) is not None


def phrase_covered(phrase: str, texts: Sequence[str]) -> bool:
    return not phrase or any(f" {phrase} " in f" {text} " for text in texts)


def sentence_covered(sentence: str, texts: Sequence[str]) -> bool:
    """A whole sentence added or removed: most of its words stand in one structured change."""
    words = set(sentence.split())
    return phrase_covered(sentence, texts) or any(
        len(words & set(text.split())) >= COVERED_SHARE * len(words) for text in texts
    )


# --------------------------------------------------------------------------------------- text changes


def text_changes(
    left: Sequence[Passage], right: Sequence[Passage], structured: Sequence[Change], header: Sequence[str]
) -> list[Change]:
    """Changes of sentences that no structured change holds, each in its section, with its sentence.

    `header` holds the running-header phrases (title, number) the word diff treats as furniture.
    """
    texts, furniture = covering_texts(structured), furniture_texts(left, right)
    # A sentence that states coverage is the policy's text, even where a parser took it into a log row.
    # (A row added to the log still holds its words: a new row that quotes a statement is bookkeeping.)
    policy_texts = covering_texts(
        [
            change
            for change in structured
            if not (change.section == "revisions" and change.change == "modified")
        ]
    )
    changes = []
    for lefts, rights in changed_blocks(left, right):
        states = any(coverage_of(p.text) for p in [*lefts, *rights])
        holding = policy_texts if states else texts
        if block_covered(lefts, rights, holding, furniture, header):
            continue
        for before, after in pair_sentences(lefts, rights):
            states = any(coverage_of(p.text) for p in (before, after) if p is not None)
            change = sentence_change(before, after, policy_texts if states else texts, furniture, header)
            if change is not None:
                changes.append(change)
    return changes


def changed_blocks(
    left: Sequence[Passage], right: Sequence[Passage]
) -> list[tuple[list[Passage], list[Passage]]]:
    """Runs of sentences that differ, aligned by their words (equal sentences are no change)."""
    left = [p for p in left if p.kind != FURNITURE]
    right = [p for p in right if p.kind != FURNITURE]
    steps = runs([key(p.text) for p in left], [key(p.text) for p in right])
    blocks = [(list(left[s.i1 : s.i2]), list(right[s.j1 : s.j2])) for s in steps if s.op != "equal"]
    # The same words cut into sentences at other places (a mark glued to a word) are no change.
    return [(lefts, rights) for lefts, rights in blocks if joined(lefts) != joined(rights)]


def joined(items: Sequence[Passage]) -> str:
    return " ".join(key(passage.text) for passage in items)


def block_covered(
    lefts: list[Passage],
    rights: list[Passage],
    texts: Sequence[str],
    furniture: Sequence[str],
    header: Sequence[str],
) -> bool:
    """Every word that differs across the whole run of sentences is held by some change (or furniture)."""
    ops = word_ops(" ".join(p.text for p in lefts), " ".join(p.text for p in rights), furniture=header)
    return all(op_covered(op, texts, furniture) for op in ops if op.significance == "substantive")


def pair_sentences(
    lefts: list[Passage], rights: list[Passage]
) -> list[tuple[Passage | None, Passage | None]]:
    """Edited sentences paired in order by resemblance; the others stand alone (added or removed)."""
    if len(lefts) == len(rights) == 1:  # one sentence became another: an edit, however deep
        return [(lefts[0], rights[0])]
    pairs: list[tuple[Passage | None, Passage | None]] = []
    start = 0
    for before in lefts:
        scores = [
            (fuzz.ratio(key(before.text), key(after.text)), index)
            for index, after in enumerate(rights[start:], start)
        ]
        best = max(scores, default=None)
        if best is None or best[0] < SIMILAR_SENTENCE:
            pairs.append((before, None))
            continue
        pairs.extend((None, after) for after in rights[start : best[1]])
        pairs.append((before, rights[best[1]]))
        start = best[1] + 1
    pairs.extend((None, after) for after in rights[start:])
    return pairs


def sentence_change(
    before: Passage | None,
    after: Passage | None,
    texts: Sequence[str],
    furniture: Sequence[str],
    header: Sequence[str],
) -> Change | None:
    ops = word_ops(before.text if before else "", after.text if after else "", furniture=header)
    substantive, reasons = reasons_of(ops)
    if not substantive:
        return None
    if before is None or after is None:
        sentence = key((before or after).text)  # type: ignore[union-attr]
        if sentence_covered(sentence, texts) or furniture_covered(sentence, furniture):
            return None
    elif all(op_covered(op, texts, furniture) for op in ops if op.significance == "substantive"):
        return None
    place = after or before
    assert place is not None
    section = DIFF_SECTION.get(place.kind, "metadata")
    if section == "revisions" and coverage_of(place.text):
        section = "criteria"  # a statement of coverage a segmenter took into the log is the policy's text
    verdict = text_verdict(
        place.kind, ops, before.text if before else None, after.text if after else None, place.lead_in
    )
    kind = "modified" if before and after else ("added" if after else "removed")
    subject = f"text of {place.heading or place.kind}"
    return Change(
        id="",
        section=section,
        change=kind,
        field="text",
        left=before.text if before else None,
        right=after.text if after else None,
        significance="substantive",
        subject=subject,
        summary=f"{subject} {'sentence ' + kind if kind != 'modified' else 'modified'}"
        + (f" (page {place.page})" if place.page else ""),
        reasons=["words no parsed item holds", *reasons],
        words=ops,
        heading=place.heading or place.kind,
        left_page=before.page if before else None,
        right_page=after.page if after else None,
        direction=verdict.direction,
        direction_reasons=list(verdict.reasons),
    )


def text_verdict(
    kind: str, ops: list[WordOp], before: str | None, after: str | None, lead_in: str = ""
) -> Verdict:
    """Which way a changed sentence moved coverage, read from its words.

    A sentence that states a coverage position is read wherever it stands (a segmenter may have put
    criteria under another heading); other sentences of informational sections (background,
    references, ...) have no direction. A whole sentence stating a position is a statement added or
    removed; a changed 'any/all of the following' is a change of logic; the rest goes by the words
    inserted and deleted, turned around in a statement of non-coverage.
    """
    stated = coverage_of(after or before or "") or coverage_of(lead_in)
    if stated is None and kind in direction_rules().informational_sections:
        return NEUTRAL
    if before is None or after is None:
        if stated is not None:
            return listed_item_direction("statement", stated[0], None, 1, added=after is not None)
    elif logic_cue(before) != logic_cue(after):
        return logic_direction(logic_cue(before), logic_cue(after))
    else:
        # A passage may hold a whole list, lead-ins and items run together: the lead-in that changed is
        # the clause around the first change ("... carcinomas when ALL -> ANY of the following ...:").
        left, right = changed_clauses(ops)
        if logic_cue(left) != logic_cue(right):
            return logic_direction(logic_cue(left), logic_cue(right))
    sign = polarity("statement", stated[0]) if stated else 1
    thresholds = [threshold_direction(q.before, q.after) for q in number_changes(ops)]
    words = [op for op in ops if op.significance == "substantive" and not (thresholds and has_digit(op))]
    inserted = [op.right for op in words if any(map(is_word, op.right.split()))]
    deleted = [op.left for op in words if any(map(is_word, op.left.split()))]
    if (
        (inserted or deleted)
        and (codes_in_words(inserted) or not inserted)
        and (codes_in_words(deleted) or not deleted)
    ):
        return wording_direction(
            inserted, deleted
        )  # codes listed in the text: their status, not the sentence's
    exclusions, inserted, deleted = exclusions_apart(inserted, deleted)
    return combine([exclusions, turned(combine([*thresholds, wording_direction(inserted, deleted)]), sign)])


def changed_clauses(ops: list[WordOp]) -> tuple[str, str]:
    """Each side's clause around the first substantive run: from the list mark or ':' before it to the
    ':' after it (where a lead-in ends)."""
    left = right = ""
    start: tuple[int, int] | None = None
    for op in ops:
        if start is None and op.significance == "substantive":
            start = (len(left), len(right))
        left, right = left + op.left, right + op.right
    if start is None:
        return left, right
    return clause_at(left, start[0]), clause_at(right, start[1])


def clause_at(text: str, at: int) -> str:
    begin = max(text.rfind(mark, 0, at) for mark in CLAUSE_MARKS) + 1
    end = text.find(":", at)
    return text[begin : end + 1 if end >= 0 else len(text)]


def has_digit(op: WordOp) -> bool:
    return any(ch.isdigit() for ch in op.left + op.right)
