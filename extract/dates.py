"""Date grammar shared by every field parser: printed dates -> ISO 8601 (YYYY-MM-DD or YYYY-MM)."""

from __future__ import annotations

import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_MONTH_NAME = r"(?P<mname>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
DATE_PATTERNS = [
    # 2025-05-15
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>0?[1-9]|1[0-2])-(?P<d>0?[1-9]|[12]\d|3[01])(?!\d)"),
    # 05/15/2025, 5/15/25, 05-15-2025, 05.15.2025
    re.compile(
        r"(?<![\d/])(?P<m>0?[1-9]|1[0-2])[/.-](?P<d>0?[1-9]|[12]\d|3[01])[/.-](?P<y>(?:19|20)?\d\d)(?![\d/])"
    ),
    # June 1, 2026 / Jun 1 2026 / 1 June 2026
    re.compile(
        rf"(?<![a-z]){_MONTH_NAME}\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)", re.I
    ),
    re.compile(rf"(?<!\d)(?P<d>[0-3]?\d)\s+{_MONTH_NAME}\s+(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
    # June 2026 / Jun. 2026
    re.compile(rf"(?<![a-z]){_MONTH_NAME},?\s+(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
    # 02/23, 11/2015 (month and year only)
    re.compile(r"(?<![\d/])(?P<m>0?[1-9]|1[0-2])/(?P<y>(?:19|20)\d\d|\d\d)(?![\d/])"),
]


def _year(text: str) -> int:
    year = int(text)
    if year < 100:
        year += 2000 if year < 70 else 1900
    return year


def _iso(match: re.Match[str]) -> str | None:
    parts = match.groupdict()
    month = MONTHS[parts["mname"].lower().rstrip(".")] if parts.get("mname") else int(parts["m"])
    year = _year(parts["y"])
    if not 1 <= month <= 12:
        return None
    if parts.get("d"):
        day = int(parts["d"])
        if not 1 <= day <= 31:
            return None
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}"


def find_date(text: str) -> tuple[str, re.Match[str]] | None:
    """The earliest date printed in `text` (ISO) and its match, trying full dates before month-year."""
    best: tuple[str, re.Match[str]] | None = None
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            iso = _iso(match)
            if iso is None:
                continue
            if best is None or match.start() < best[1].start():
                best = (iso, match)
            break
    return best


def parse_date(text: str) -> str | None:
    """The first date in `text` as ISO, or None."""
    found = find_date(text)
    return found[0] if found else None


def date_spans(text: str) -> list[tuple[int, int, str]]:
    """Where each date of `text` stands (start, end, ISO), left to right, without a month-year reading
    overlapping a full date."""
    spans: list[tuple[int, int, str]] = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, _ in spans):
                continue
            iso = _iso(match)
            if iso is not None:
                spans.append((match.start(), match.end(), iso))
    return sorted(spans)


def find_all_dates(text: str) -> list[str]:
    """Every date in `text`, left to right (date_spans)."""
    return [iso for _, _, iso in date_spans(text)]
