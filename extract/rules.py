"""Rule data files (extract/rules/*.toml): payers' wording kept as data, checked when loaded.

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
def load_rules(name: str) -> dict:
    """The parsed rule file `extract/rules/<name>.toml`."""
    resource = resources.files("policydiff.extract").joinpath("rules", f"{name}.toml")
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
    compiled = []
    for pattern in string_list(rules, key, file):
        try:
            compiled.append(re.compile(pattern, flags))
        except re.error as error:
            raise RuleFileError(f"rule file {file}.toml: '{key}' pattern {pattern!r}: {error}") from error
    return compiled
