"""Thresholds and amounts in criteria text -> model.Quantity (comparator, value, unit, what is measured).

A small grammar, not a list of payers' sentences: a number (digits, a number word, or both as in
"six (6)"), the comparator words around it ("or greater", "higher than", "up to", "within", "≥"),
a unit after it and the measured thing before or after it ("BMI of 40", "grade 2", "18 years of age").
"""

from __future__ import annotations

import re

from policydiff.model import Quantity

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "eighteen": 18, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip

# Comparator words before the number, longest first so "no more than" wins over "more than".
_BEFORE = [
    (r"greater than or equal to|at least|no less than|not less than|a minimum of|minimum of", ">="),
    (
        r"less than or equal to|no more than|not more than|not to exceed|up to|at most|a maximum of|within",
        "<=",
    ),
    (r"more than|greater than|higher than|older than|longer than|over|above|exceeding|in excess of", ">"),
    (r"less than|fewer than|lower than|younger than|shorter than|under|below", "<"),
    (r"between|from", "range"),
]
_SYMBOLS = {
    "≥": ">=",
    ">=": ">=",
    "=>": ">=",
    "≤": "<=",
    "<=": "<=",
    "=<": "<=",
    ">": ">",
    "<": "<",
    "=": "=",
}
# Comparator words after the number (and its unit): "40 or greater", "18 years or older".
_AFTER = [
    (r"or (?:more|greater|higher|older|longer|above|over)", ">="),
    (r"or (?:less|fewer|lower|younger|shorter|below|under)", "<="),
    (r"and (?:over|above|older)", ">="),
    (r"and (?:under|below|younger)", "<="),
]
UNITS = [
    "%", "percent", "years", "year", "yrs", "months", "month", "weeks", "week", "days", "day", "hours",
    "hour", "minutes", "minute", "seconds", "mg/dl", "mg", "kg/m2", "kg/m²", "kg", "lbs", "pounds", "cm",
    "mm", "mmhg", "ml", "units", "unit", "times", "sessions", "visits", "events per hour", "events/hour",
    "kg/m 2", "kg/m",
]  # fmt: skip
# One unit, several spellings: a superscript read as a separate "2", or dropped with the loader's
# citation markers ("kg/m").
UNIT_SPELLINGS = {"kg/m 2": "kg/m2", "kg/m²": "kg/m2", "kg/m": "kg/m2"}
# Words that name what is measured when they stand just before the number ("BMI of 40", "grade 2").
_MEASURED_WORDS = (
    r"body[-\s]mass index|BMI|grade|stage|class|age|aged|score|AHI|RDI|ODI|FEV1?|"
    r"ejection fraction|HbA1c|A1c|hemoglobin A1c|platelet count|level"
)
_MEASURED_BEFORE = re.compile(
    rf"(?P<measured>\b(?:{_MEASURED_WORDS})\b)(?:\s*\([^)]{{1,12}}\))?(?:\s+(?:of|is|was|at))?\s*$",
    re.I,
)
_MEASURED_ANYWHERE = re.compile(rf"\b(?:{_MEASURED_WORDS})\b", re.I)

# One measured thing, several names: what two payers measure must compare under one name.
MEASURED_NAMES = {"body mass index": "BMI", "body-mass index": "BMI", "aged": "age", "a1c": "HbA1c",
                  "hemoglobin a1c": "HbA1c"}  # fmt: skip
# "one of the following", "two of these": a count of list items to meet, not an amount.
_SELECTOR = re.compile(r"^\s+of\s+(?:the|these|those)\b", re.I)

# Measured words that may stand between a comparator and its number: "higher than grade 2".
_INNER = r"grade|stage|class|level|age|score"
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUMBER = rf"(?:(?P<word>{_NUMBER_WORD})\s*\(\s*(?P<paren>\d+(?:\.\d+)?)\s*\)|(?P<digits>\d+(?:,\d{{3}})*(?:\.\d+)?)|(?P<alone>\b(?:{_NUMBER_WORD})\b))"
_UNIT = "|".join(re.escape(unit) for unit in sorted(UNITS, key=len, reverse=True))
_BEFORE_ALT = "|".join(f"(?:{words})" for words, _ in _BEFORE)
_SYMBOL_ALT = "|".join(re.escape(symbol) for symbol in sorted(_SYMBOLS, key=len, reverse=True))
_AFTER_ALT = "|".join(f"(?:{words})" for words, _ in _AFTER)

QUANTITY = re.compile(
    rf"(?:(?P<before>\b(?:{_BEFORE_ALT}))\s+(?:the\s+(?:past|last)\s+)?(?:(?P<inner>{_INNER})\s+)?"
    rf"|(?P<symbol>{_SYMBOL_ALT})\s*)?"
    rf"{_NUMBER}"
    rf"(?:\s*(?:-|–|to|and)\s*(?P<end>\d+(?:\.\d+)?)(?!\s*\)))?"
    rf"(?:\s*(?P<unit>(?:{_UNIT}))(?![\w]))?"
    rf"(?:\s+(?P<after>{_AFTER_ALT})\b)?"
    rf"(?:\s+(?P<unit_after>times|days|months|years|hours|weeks)\b)?",
    re.I,
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
    return float(NUMBER_WORDS[word.lower()]) if word else None


def _comparator(match: re.Match[str]) -> str | None:
    if match.group("end") and (match.group("before") or "").lower() in ("between", "from", ""):
        return "range"
    for group, table in (("after", _AFTER), ("before", _BEFORE)):
        words = match.group(group)
        if words:
            for pattern, comparator in table:
                if re.fullmatch(pattern, words, re.I):
                    return comparator
    symbol = match.group("symbol")
    return _SYMBOLS[symbol] if symbol else None


def _name(word: str) -> str:
    word = " ".join(word.split())
    return MEASURED_NAMES.get(word.lower(), word)


def _measured(text: str, match: re.Match[str], unit: str | None) -> str | None:
    if match.group("inner"):
        return match.group("inner").lower()
    before = text[: match.start()]
    after = text[match.end() :]
    named = _MEASURED_BEFORE.search(before)
    if named:
        return _name(named.group("measured"))
    if unit in ("years", "year", "yrs") and re.match(r"^\s*(?:of age|old)\b", after, re.I):
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
    return UNIT_SPELLINGS.get(unit, unit) if unit else unit


def parse_quantities(text: str) -> list[Quantity]:
    """Every threshold or amount stated in `text`, in reading order.

    A bare number with no comparator, unit or measured word ("criteria (1-4)", "code E2101") is not a
    quantity: it carries no threshold the diff could compare.
    """
    quantities: list[Quantity] = []
    for match in QUANTITY.finditer(text):
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
        if comparator is None and unit is None and not _MEASURED_BEFORE.search(text[: match.start()]):
            continue
        if comparator is None:
            comparator = "="
        end = float(match.group("end")) if match.group("end") and comparator == "range" else None
        if end is not None and end < value:
            continue  # "Publication 100-04": a document number, not a range running downwards
        quantities.append(
            Quantity(
                text=match.group(0).strip(),
                quantity=measured,
                comparator=comparator,
                value=value,
                value_end=end,
                unit=unit,
            )
        )
    return quantities


def measured_without_value(text: str) -> str | None:
    """The measured thing a lead-in names for its items to give values of ("A body mass index (BMI)
    of one of the following:" -> 'BMI'), or None when the text names none or states its own value."""
    named = _MEASURED_ANYWHERE.search(text)
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
