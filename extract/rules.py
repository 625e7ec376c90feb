"""Rule data files (extract/rules/*.toml, diff/rules/*.toml): payers' and English wording kept as data,
checked when loaded; one loader and one error class (RuleFileError, naming the file and the key) for all.

Like spaCy's and medspaCy's pattern files: a malformed rule file fails at load with its name and the
problem, never later as a silent non-match.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources


class RuleFileError(ValueError):
    pass


@cache
def load_rules(name: str, package: str = "extract") -> dict:
    """The parsed rule file `<package>/rules/<name>.toml`: the extractors' (extract) or the diff's (diff).
    Names are unique across both, so a message naming `<name>.toml` names one file."""
    resource = resources.files(f"policydiff.{package}").joinpath("rules", f"{name}.toml")
    try:
        return tomllib.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise RuleFileError(f"rule file {name}.toml is missing") from error
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError(f"rule file {name}.toml: {error}") from error


def string_list(rules: dict, key: str, file: str) -> list[str]:
    """A list of non-empty strings at `key`, or a RuleFileError naming the file and key."""
    value = rules.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise RuleFileError(f"rule file {file}.toml: '{key}' must be a list of non-empty strings")
    return value


def regex_list(rules: dict, key: str, file: str, flags: int = re.I) -> list[re.Pattern[str]]:
    """Compiled regular expressions at `key`; a pattern that does not compile is named in the error."""
    return [_compiled(pattern, key, file, flags) for pattern in string_list(rules, key, file)]


def regex(rules: dict, key: str, file: str, flags: int = re.I) -> re.Pattern[str]:
    """The one compiled regular expression at `key`, or a RuleFileError naming the file and key."""
    pattern = rules.get(key)
    if not isinstance(pattern, str):
        raise RuleFileError(f"rule file {file}.toml: '{key}' must be a regular expression")
    return _compiled(pattern, key, file, flags)


def _compiled(pattern: str, key: str, file: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        raise RuleFileError(f"rule file {file}.toml: '{key}' pattern {pattern!r}: {error}") from error


def phrase_alternation(phrases: list[str], space: str = r"\s*") -> str:
    """Phrases of a rule file as one regular-expression alternation, longest first (so a longer phrase
    wins over one it holds), `space` between their words."""
    ordered = sorted({phrase.strip() for phrase in phrases}, key=len, reverse=True)
    return "|".join(space.join(re.escape(word) for word in phrase.split()) for phrase in ordered)


_NOT_WORD = re.compile(r"[\W_]+")


def phrase_key(text: str) -> str:
    """How a rule file's phrase and a document's words are compared (a heading, a revision-log label, a
    reference list's sub-heading): case, punctuation and spacing aside, '&' read as 'and'."""
    return _NOT_WORD.sub(" ", text.casefold().replace("&", " and ")).strip()
