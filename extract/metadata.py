"""Metadata: payer, policy number, title, dates and related policies.

Labels and payer names are data (rules/metadata.toml, rules/payers.toml). Values are read after a
label on the same line or, where the label ends its line, on the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from policydiff.extract.dates import find_date
from policydiff.extract.document import Document, Line, Section
from policydiff.extract.rules import RuleFileError, load_rules, string_list
from policydiff.extract.sections import PREAMBLE, heading_phrases, normalize_heading
from policydiff.model import Dates

# Lines of the first pages searched for labelled fields: metadata sits in the front matter.
FRONT_MATTER_LINES = 60
_BULLET = re.compile(r"^[•▪§o\-–*]\s+")


@dataclass
class Metadata:
    payer: str | None = None
    policy_number: str | None = None
    title: str = ""
    dates: Dates = field(default_factory=Dates)
    related_policies: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _label_pattern(labels: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(label).replace(r"\ ", r"\s*") for label in sorted(labels, key=len, reverse=True)
    )
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![a-z])\s*[:#]?\s*", re.I)


@cache
def _rules() -> dict:
    rules = load_rules("metadata")
    compiled = {
        "number_label": _label_pattern(string_list(rules["policy_number"], "labels", "metadata")),
        "number_value": re.compile(rules["policy_number"]["value_pattern"]),
        "number_shapes": [
            re.compile(p) for p in string_list(rules["policy_number"], "unlabelled_patterns", "metadata")
        ],
        "title_label": _label_pattern(string_list(rules["title"], "labels", "metadata")),
        "dates": {},
    }
    for date_field, labels in rules["dates"].items():
        compiled["dates"][date_field] = _label_pattern(string_list(rules["dates"], date_field, "metadata"))
        if not labels:
            raise RuleFileError(f"rule file metadata.toml: dates.{date_field} is empty")
    return compiled


@cache
def _payer_patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for name, entry in load_rules("payers").items():
        aliases = string_list(entry, "aliases", "payers")
        alternatives = "|".join(re.escape(alias) for alias in sorted(aliases, key=len, reverse=True))
        patterns.append((name, re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])", re.I)))
    return patterns


def _front_lines(doc: Document) -> list[Line]:
    first_pages = [line for line in doc.lines if line.page <= 2][:FRONT_MATTER_LINES]
    header = [line for line in doc.furniture if line.page == 1]
    return header + first_pages


def _labelled_value(lines: list[Line], label: re.Pattern[str]) -> tuple[str, int] | None:
    """The text after `label` (same line, or the next line when the label ends its line), and the index."""
    for index, line in enumerate(lines):
        for text in [cell.text for cell in line.cells] or [line.text]:
            match = label.search(text)
            if not match:
                continue
            rest = text[match.end() :].strip()
            if not rest and index + 1 < len(lines):
                rest = lines[index + 1].text.strip()
            if rest:
                return rest, index
    return None


def find_policy_number(doc: Document) -> str | None:
    rules = _rules()
    front = _front_lines(doc)
    for line in front:
        texts = [cell.text for cell in line.cells] or [line.text]
        for text in texts:
            for label in rules["number_label"].finditer(text):
                value = rules["number_value"].match(text[label.end() :].strip())
                if value:
                    return value.group(0).rstrip(".-")
    everything = front + doc.furniture
    for shape in rules["number_shapes"]:
        for line in everything:
            match = shape.search(line.text)
            if match:
                return match.group(0)
    return None


def find_dates(doc: Document) -> Dates:
    found: dict[str, str] = {}
    front = _front_lines(doc)
    for date_field, label in _rules()["dates"].items():
        for line in front:
            text = line.text
            for match in label.finditer(text):
                rest = text[match.end() :]
                # A longer label of another field at the same place wins ("Original Effective Date"
                # must not be read as "Effective Date").
                if _starts_longer_label(text, match, date_field):
                    continue
                date = find_date(rest[:40])
                if date is None and not rest.strip():
                    following = front[front.index(line) + 1 : front.index(line) + 2]
                    date = find_date(following[0].text[:40]) if following else None
                if date and date[1].start() <= 3 + (0 if rest.strip() else 40):
                    found.setdefault(date_field, date[0])
                    break
            if date_field in found:
                break
    return Dates(**{key: value for key, value in found.items() if key in Dates.model_fields})


def _starts_longer_label(text: str, match: re.Match[str], date_field: str) -> bool:
    for other_field, other in _rules()["dates"].items():
        if other_field == date_field:
            continue
        for other_match in other.finditer(text):
            if other_match.start() < match.start() < other_match.end() or (
                other_match.start() <= match.start() and other_match.end() > match.end()
            ):
                return True
    return False


def find_payer(doc: Document) -> str | None:
    """The payer named most in the front matter, furniture and copyright lines (weighted) and body."""
    scores: dict[str, float] = {}
    front = {id(line) for line in _front_lines(doc)}
    for line in [*doc.furniture, *doc.lines]:
        weight = 1.0
        if id(line) in front or line in doc.furniture:
            weight = 3.0
        if "©" in line.text or "copyright" in line.text.lower() or "®" in line.text:
            weight += 2.0
        for name, pattern in _payer_patterns():
            hits = len(pattern.findall(line.text))
            if hits:
                scores[name] = scores.get(name, 0.0) + weight * hits
    return max(scores, key=scores.__getitem__) if scores else None


def find_title(doc: Document, sections: list[Section], policy_number: str | None) -> str:
    rules = _rules()
    front = _front_lines(doc)
    labelled = _labelled_value([line for line in front if line.page == 1], rules["title_label"])
    if labelled and len(labelled[0].split()) >= 1 and not _is_label_line(labelled[0]):
        return _clean_title(labelled[0])
    # Typography: the largest text on the first page that is neither a payer banner nor a label.
    page_one = [line for line in doc.lines if line.page == 1 and line.size]
    if page_one:
        candidates = [line for line in page_one if _title_like(line.text)]
        if candidates:
            biggest = max(line.size for line in candidates)
            if biggest > doc.body_size + 1:
                title_lines = [line for line in candidates if abs(line.size - biggest) < 0.2]
                return _clean_title(" ".join(line.text for line in title_lines[:3]))
    # Plain text: the first title-like line after the policy number, before the first section.
    preamble = next((section for section in sections if section.kind == PREAMBLE), None)
    lines = preamble.lines if preamble else front
    after_number = False
    for line in lines:
        if policy_number and policy_number in line.text:
            after_number = True
            continue
        if after_number and _title_like(line.text) and not _is_label_line(line.text):
            return _clean_title(line.text)
    for line in lines:
        if _title_like(line.text) and not _is_label_line(line.text):
            return _clean_title(line.text)
    return ""


def _is_label_line(text: str) -> bool:
    rules = _rules()
    if rules["number_label"].match(text) or any(label.match(text) for label in rules["dates"].values()):
        return True
    return normalize_heading(text) in heading_phrases()


def _title_like(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 20 or "\t" in text:
        return False
    if any(pattern.search(text) for _, pattern in _payer_patterns()) and len(words) <= 6:
        return False
    if re.search(r"\b(?:page \d|medical (?:coverage )?policy$|clinical policy$)", text, re.I):
        return False
    return sum(ch.isalpha() for ch in text) >= 4


def _clean_title(text: str) -> str:
    text = _rules()["title_label"].sub("", text, count=1) if _rules()["title_label"].match(text) else text
    return re.sub(r"\s+", " ", text).strip(" :-–")


def find_related(sections: list[Section]) -> list[str]:
    related: list[str] = []
    for section in sections:
        if section.kind != "related":
            continue
        for line in section.lines:
            text = _BULLET.sub("", line.text).strip()
            if text and text not in related and normalize_heading(text) not in heading_phrases():
                related.append(text)
    return related


def parse_metadata(doc: Document, sections: list[Section]) -> Metadata:
    policy_number = find_policy_number(doc)
    metadata = Metadata(
        payer=find_payer(doc),
        policy_number=policy_number,
        title=find_title(doc, sections, policy_number),
        dates=find_dates(doc),
        related_policies=find_related(sections),
    )
    if metadata.payer is None:
        metadata.warnings.append("payer not found: no known payer name in the document (rules/payers.toml)")
    if policy_number is None:
        metadata.warnings.append("policy number not found")
    if not metadata.title:
        metadata.warnings.append("title not found")
    return metadata
