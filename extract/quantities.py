"""Thresholds and amounts in criteria text -> model.Quantity (comparator, value, unit, what is measured).

A small grammar, not a list of payers' sentences: a number (digits, a number word, or both as in
"six (6)"), the comparator words around it ("or greater", "higher than", "up to", "within", "≥"),
a unit after it and the measured thing before or after it ("BMI of 40", "grade 2", "18 years of age").
Its words (number words, comparator phrases, signs, units, measured things) are rules/quantities.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from policydiff.extract.rules import RuleFileError, load_rules, regex, string_list
from policydiff.model import Quantity

COMPARATORS = (">=", "<=", ">", "<", "=", "range")
# "one of the following", "two of these": a count of list items to meet, not an amount.
_SELECTOR = re.compile(r"^\s+of\s+(?:the|these|those)\b", re.I)


@dataclass(frozen=True)
class QuantityGrammar:
    """rules/quantities.toml, compiled: the words of the grammar and the patterns made of them."""

    number_words: dict[str, int]
    before: list[tuple[str, str]]  # (words pattern, comparator), tried in order
    after: list[tuple[str, str]]
    symbols: dict[str, str]
    unit_spellings: dict[str, str]
    measured_names: dict[str, str]
    quantity: re.Pattern[str]
    measured_before: re.Pattern[str]
    measured_anywhere: re.Pattern[str]
    age_after_years: re.Pattern[str]


def _comparator_table(rules: dict, key: str) -> list[tuple[str, str]]:
    entries = rules.get(key)
    if not isinstance(entries, list) or not entries:
        raise RuleFileError(f"rule file quantities.toml: [[{key}]] must be one or more tables")
    table = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("comparator") not in COMPARATORS:
            raise RuleFileError(
                f"rule file quantities.toml: [[{key}]] needs 'comparator', one of {COMPARATORS}"
            )
        table.append((regex(entry, "words", "quantities").pattern, entry["comparator"]))
    return table


def _string_table(rules: dict, key: str, values: type) -> dict:
    table = rules.get(key)
    if not isinstance(table, dict) or not all(isinstance(value, values) for value in table.values()):
        raise RuleFileError(f"rule file quantities.toml: [{key}] must map words to {values.__name__} values")
    return table


@cache
def grammar() -> QuantityGrammar:
    rules = load_rules("quantities")
    number_words = _string_table(rules, "number_words", int)
    before, after = _comparator_table(rules, "before"), _comparator_table(rules, "after")
    symbols = _string_table(rules, "symbols", str)
    units = string_list(rules, "units", "quantities")
    measured = regex(rules, "measured_words", "quantities").pattern
    inner = regex(rules, "inner_words", "quantities").pattern
    age = regex(rules, "age_after_years", "quantities").pattern
    number_word = "|".join(sorted(number_words, key=len, reverse=True))
    number = (
        rf"(?:(?P<word>{number_word})\s*\(\s*(?P<paren>\d+(?:\.\d+)?)\s*\)|(?P<digits>\d+(?:,\d{{3}})*(?:\.\d+)?)"
        rf"|(?P<alone>\b(?:{number_word})\b))"
    )
    unit = "|".join(re.escape(unit) for unit in sorted(units, key=len, reverse=True))
    before_alt = "|".join(f"(?:{words})" for words, _ in before)
    symbol_alt = "|".join(re.escape(symbol) for symbol in sorted(symbols, key=len, reverse=True))
    after_alt = "|".join(f"(?:{words})" for words, _ in after)
    quantity = re.compile(
        rf"(?:(?P<before>\b(?:{before_alt}))\s+(?:the\s+(?:past|last)\s+)?(?:(?P<inner>{inner})\s+)?"
        rf"|(?P<symbol>{symbol_alt})\s*)?"
        rf"{number}"
        rf"(?:\s*(?:-|–|to|and)\s*(?P<end>\d+(?:\.\d+)?)(?!\s*\)))?"
        rf"(?:\s*(?P<unit>(?:{unit}))(?![\w]))?"
        rf"(?:\s+(?P<age>{age})(?=\s+(?:{after_alt})\b))?"
        rf"(?:\s+(?P<after>{after_alt})\b)?"
        rf"(?:\s+(?P<unit_after>times|days|months|years|hours|weeks)\b)?",
        re.I,
    )
    return QuantityGrammar(
        number_words=number_words,
        before=before,
        after=after,
        symbols=symbols,
        unit_spellings=_string_table(rules, "unit_spellings", str),
        measured_names=_string_table(rules, "measured_names", str),
        quantity=quantity,
        measured_before=re.compile(
            rf"(?P<measured>\b(?:{measured})\b)(?:\s*\([^)]{{1,12}}\))?(?:\s+(?:of|is|was|at))?\s*$", re.I
        ),
        measured_anywhere=re.compile(rf"\b(?:{measured})\b", re.I),
        age_after_years=re.compile(rf"^\s*(?:{age})\b", re.I),
    )


# Words that cannot start or continue the noun of a unit tail ("35 or greater with an ..." names none).
_NOT_A_NOUN = r"(?!(?:every|per|and|or|a|an|the|in|of|for|to|since|prior|with|without|by|at|on|as|from)\b)"
_UNIT_TAIL = re.compile(
    rf"^\)?\s*(?:(?:of|per)\s+)?(?P<noun>{_NOT_A_NOUN}[a-z][a-z\-]+(?:\s+{_NOT_A_NOUN}[a-z][a-z\-]+)?)",
    re.I,
)
_FREQUENCY = re.compile(r"^\s*(?:a|per|each)\s+(day|week|month|year)\b", re.I)
_CITATION_OR_CODE = re.compile(r"^\s*(?:\d|[A-Z]\d)")


def _value(match: re.Match[str]) -> float | None:
    if match.group("paren"):
        return float(match.group("paren"))
    if match.group("digits"):
        return float(match.group("digits").replace(",", ""))
    word = match.group("alone") or match.group("word")
    return float(grammar().number_words[word.lower()]) if word else None


def _comparator(match: re.Match[str]) -> str | None:
    if match.group("end") and (match.group("before") or "").lower() in ("between", "from", ""):
        return "range"
    for group, table in (("after", grammar().after), ("before", grammar().before)):
        words = match.group(group)
        if words:
            for pattern, comparator in table:
                if re.fullmatch(pattern, words, re.I):
                    return comparator
    symbol = match.group("symbol")
    return grammar().symbols[symbol] if symbol else None


def _name(word: str) -> str:
    """A measured thing's one name: "Age 18" (a sentence's capital) and "age of 18" measure the same, so
    a word is lower-cased unless it is an acronym (BMI, FEV1, HbA1c)."""
    word = " ".join(word.split())
    named = grammar().measured_names.get(word.lower())
    if named:
        return named
    return word if any(char.isupper() or char.isdigit() for char in word[1:]) else word.lower()


def _measured(text: str, match: re.Match[str], unit: str | None) -> str | None:
    if match.group("inner"):
        return match.group("inner").lower()
    before = text[: match.start()]
    after = text[match.end() :]
    named = grammar().measured_before.search(before)
    if named:
        return _name(named.group("measured"))
    if unit in ("years", "year", "yrs") and (match.group("age") or grammar().age_after_years.match(after)):
        return "age"
    if re.search(r"\bage[sd]?\s*(?:of\s*)?$", before, re.I):
        return "age"
    if (unit is None or unit.startswith("times")) and _FREQUENCY.match(after):
        return "frequency"
    if (match.group("before") and match.group("before").lower() == "within") or re.search(
        r"\bwithin\s+(?:the\s+(?:past|last)\s+)?$", before, re.I
    ):
        return "time"
    tail = _UNIT_TAIL.match(after)
    if tail and unit in ("%", "percent", None):
        return tail.group("noun").strip()
    return None


def _unit(match: re.Match[str], after: str) -> str | None:
    unit = match.group("unit") or match.group("unit_after")
    frequency = _FREQUENCY.match(after)
    if unit and unit.lower() == "times" and frequency:
        return f"times/{frequency.group(1).lower()}"
    unit = unit.lower() if unit and unit != "%" else unit
    return grammar().unit_spellings.get(unit, unit) if unit else unit


def parse_quantities(text: str) -> list[Quantity]:
    """Every threshold or amount stated in `text`, in reading order.

    A bare number with no comparator, unit or measured word ("criteria (1-4)", "code E2101") is not a
    quantity: it carries no threshold the diff could compare.
    """
    return list(_quantities(text))


def quantity_at(text: str, position: int) -> Quantity | None:
    """The quantity whose words cover the character `position` of `text` (the diff reads the number a
    revision replaced in a passage no criterion holds), or None when the grammar reads none there. It
    has no span: `text` is words gathered for the reading, no text of the record."""
    return next(
        (
            quantity.model_copy(update={"start": None, "end": None})
            for quantity in _quantities(text)
            if (quantity.start or 0) <= position < (quantity.end or 0)
        ),
        None,
    )


def _quantities(text: str) -> Iterator[Quantity]:
    for match in grammar().quantity.finditer(text):
        value = _value(match)
        if value is None:
            continue
        before_char = text[match.start() - 1 : match.start()] if match.start() else ""
        bare_digits = match.group("digits") and not match.group("before") and not match.group("symbol")
        if bare_digits and before_char and (before_char.isalnum() or before_char in "(-/."):
            continue  # part of a code, a citation "(1-4)", a date or a decimal
        after = text[match.end() :]
        if match.group("alone") and _SELECTOR.match(after):
            continue
        unit = _unit(match, after)
        comparator = _comparator(match)
        measured = _measured(text, match, unit)
        if comparator is None and unit is None and measured is None:
            continue
        if (
            comparator is None
            and unit is None
            and not grammar().measured_before.search(text[: match.start()])
        ):
            continue
        if comparator is None:
            comparator = "="
        end = float(match.group("end")) if match.group("end") and comparator == "range" else None
        if end is not None and end < value:
            continue  # "Publication 100-04": a document number, not a range running downwards
        words = match.group(0)
        start = match.start() + len(words) - len(words.lstrip())
        yield Quantity(
            text=words.strip(),
            start=start,
            end=start + len(words.strip()),
            quantity=measured,
            comparator=comparator,
            value=value,
            value_end=end,
            unit=unit,
        )


def measured_without_value(text: str) -> str | None:
    """The measured thing a lead-in names for its items to give values of ("A body mass index (BMI)
    of one of the following:" -> 'BMI'), or None when the text names none or states its own value."""
    named = grammar().measured_anywhere.search(text)
    if not named or parse_quantities(text):
        return None
    return _name(named.group(0))


def name_unnamed(quantities: list[Quantity], measured: str | None) -> list[Quantity]:
    """An item's bare threshold ("40 or greater") measures what its lead-in named."""
    if not measured:
        return quantities
    return [
        quantity.model_copy(update={"quantity": measured})
        if quantity.quantity is None and quantity.unit is None and quantity.comparator != "="
        else quantity
        for quantity in quantities
    ]
