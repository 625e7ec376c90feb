"""One printed citation -> its parts (authors, title, journal, year, volume, issue, pages, DOI, PMID, URL).

Pure functions over one string. Vancouver ("Kolb HJ, Clemm C, et al. Title. Blood. 1990;76(12):2462-5.")
and APA ("Robert, G., & Benard, A. (2018). Title. Journal, 36(6), 921-929.") author lists are read;
a corporate author ("Centers for Medicare and Medicaid Services (CMS).") is told from a title by the
organization words of rules/references.toml. The shape tests used to cut a list into citations
(`starts_citation`, `ends_citation`) live here too: they are about what one citation looks like.
"""

from __future__ import annotations

import re
from functools import cache

from policydiff.extract.dates import MONTHS
from policydiff.extract.rules import load_rules, string_list
from policydiff.model import Reference

RULES = "references"

URL_PATTERN = re.compile(r"https?://[^\s<>\"]+", re.I)
_URL_TRAILING = ".,;:"
_DOI = re.compile(r"\b10\.\d{4,9}/(?:\s(?=[\w(]))?[^\s<>\"]+")
_DOI_URL_PREFIX = re.compile(r"https?://(?:dx\.)?doi\.org/", re.I)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# "February 2025a": a year with the letter that tells apart two works of one author in one year.
_LETTERED_YEAR = re.compile(r"\b(?P<year>(?:19|20)\d\d)[a-z]\b")
_APA_YEAR = re.compile(r"\((?P<year>(?:19|20)\d\d)[a-z]?\)")
# "Blood. 2000 Oct 15;96(8):2712-6." / "Neurology. 2008; 70(19):1707-14." / "2007 Nov1;25(31):4938-45."
_SOURCE = re.compile(
    r"\b(?P<year>(?:19|20)\d\d)(?:[ ]+[A-Z][a-z]{2,8}\.?(?:[-/][A-Z][a-z]{2,8}\.?)?(?:[ ]*\d{1,2})?)?"
    r"\s*;\s*(?P<volume>\w+(?:[ ]\w+)*)?\s*(?:\((?P<issue>[^)]{1,20})\))?"
    r"(?:\s*:\s*(?P<pages>[A-Za-z]?\d[\w.]*(?:\s*[-–]\s*[A-Za-z]?\d[\w.]*|\s+to\s+\d+)?))?"
)
# Where one sentence of a citation ends: after . ? ! and a space, unless the period closes an initial
# ("Delgado, M. R.") so that author lists and "U.S. Food" are not cut.
_SENTENCE_BREAK = re.compile(r"(?<![\s.][A-Z]\.)(?<=[.?!])\s+(?=[\w(\[\"“<])")
_NAME_PARTICLE = r"(?:(?:van|von|de|del|della|der|den|di|da|dos|du|la|le|ten|ter|st\.?)\s+){0,3}"
_SURNAME = r"[A-Z][\w'’\-]+(?:[ \-][A-Z][\w'’\-]+){0,2}"
_SUFFIX = r"(?:\s+(?:Jr|Sr|2nd|3rd|II|III|IV)\.?)?"
# "Kolb HJ", "van de Donk NW", "Collins RH Jr", "Kemal Erdemoglu A", "Chao, NJ" (a stray comma).
_NAME = rf"{_NAME_PARTICLE}{_SURNAME},?\s+[A-Z]{{1,3}}{_SUFFIX}"
# "Kolb HJ, Clemm C, et al." / "Upile T, Elmiyeh, Jerjes W." / "Aurora RN, et al.; American Academy of
# Sleep Medicine." (group authors after the list).
_VANCOUVER_LIST = re.compile(
    rf"^(?P<names>{_NAME}(?:,\s*(?:{_NAME}|{_SURNAME}))*)(?:,?\s*et\.? al)?\."
    rf"(?:[;,]\s*(?P<groups>[^.]+)\.)?(?=\s|$)"
)
_APA_NAME = re.compile(rf"{_NAME_PARTICLE}({_SURNAME}),\s+((?:[A-Z]\.[\s-]?)+)")
_ET_AL = re.compile(r",?\s*\bet\.? al\.?$")
_AUTHOR_START = re.compile(
    rf"^{_NAME_PARTICLE}{_SURNAME},?\s+[A-Z]{{1,3}}{_SUFFIX}(?:[,.;]|\s+et al)"
    rf"|^{_NAME_PARTICLE}{_SURNAME},\s+(?:[A-Z]\.\s?)+[,&(]"
)
_FIRST_WORD = re.compile(r"^[\W_]*([A-Za-z]+)")


@cache
def _words(key: str) -> frozenset[str]:
    return frozenset(word.lower() for word in string_list(load_rules(RULES), key, RULES))


@cache
def _non_publication_date() -> re.Pattern[str]:
    """A cue word and the date it introduces ('Accessed September 12, 2022', '[cited 2026 Jan 29]')."""
    cues = sorted(_words("non_publication_date_cues"), key=len, reverse=True)
    alternatives = "|".join(re.escape(cue) for cue in cues)
    return re.compile(rf"\b(?:{alternatives})\b[:\s]*(?:on\s+)?[^;.\]]{{0,20}}?\b(?:19|20)\d\d[a-z]?\b", re.I)


def _trim_url(url: str) -> str:
    url = url.rstrip(_URL_TRAILING)
    for opener, closer in ("()", "[]"):
        while url.endswith(closer) and url.count(closer) > url.count(opener):
            url = url[:-1].rstrip(_URL_TRAILING)
    return url


def find_urls(text: str) -> list[str]:
    """Every web address with a scheme, in order, without the sentence punctuation after it."""
    return [_trim_url(match.group()) for match in URL_PATTERN.finditer(text)]


def find_url(text: str) -> str | None:
    """The citation's web address. Only addresses with a scheme count: a bare 'www.uptodate.com' names
    the publisher's site, not the page cited (as the contract's gold reads it)."""
    urls = find_urls(text)
    return urls[0] if urls else None


def bracket_urls(text: str) -> str:
    """Web addresses delimited as <https://...> (RFC 3986, appendix C), so that the sentence punctuation
    after an address is never read as part of it; addresses already delimited are left alone."""

    def bracket(match: re.Match[str]) -> str:
        start = match.start()
        if start and text[start - 1] == "<":
            return match.group()
        url = _trim_url(match.group())
        return f"<{url}>{match.group()[len(url) :]}"

    return URL_PATTERN.sub(bracket, text)


def find_doi(text: str) -> str | None:
    """The DOI, however introduced ('doi:10.1177/...', 'doi: 10.1016/...', 'https://doi.org/10...')."""
    match = _DOI.search(_DOI_URL_PREFIX.sub("", text))
    if match is None:
        return None
    return _trim_url(re.sub(r"\s+", "", match.group()))


def find_pmid(text: str) -> str | None:
    match = _PMID.search(text)
    return match.group(1) if match else None


def _without_links(text: str) -> str:
    """The text with web addresses and DOIs blanked, so that their digits are never read as a year."""
    text = URL_PATTERN.sub(" ", text)
    return _DOI.sub(" ", text)


def find_year(text: str) -> int | None:
    """The publication year: the journal's ('Blood. 1990;76(12)'), else APA's '(2018)', else the first
    year printed that is not an access or update date ('Accessed September 12, 2022')."""
    text = _without_links(text)
    for pattern in (_SOURCE, _APA_YEAR):
        match = pattern.search(text)
        if match:
            return int(match.group("year"))
    text = _non_publication_date().sub(" ", text)
    match = _YEAR.search(text)
    if match:
        return int(match.group())
    match = _LETTERED_YEAR.search(text)
    return int(match.group("year")) if match else None


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_BREAK.split(text.strip()) if part]


def _vancouver_authors(text: str) -> tuple[list[str], str] | None:
    """The Vancouver author list heading a citation and the text after it; None when there is none."""
    match = _VANCOUVER_LIST.match(text)
    if match is None:
        return None
    names = [name.strip() for name in re.split(r",\s*(?=[A-Za-z])", match.group("names")) if name.strip()]
    # "Chao, NJ" is one name printed with a stray comma.
    merged: list[str] = []
    for name in names:
        if merged and re.fullmatch(r"[A-Z]{1,3}", name) and " " not in merged[-1]:
            merged[-1] = f"{merged[-1]}, {name}"
        else:
            merged.append(name)
    groups = [group.strip() for group in (match.group("groups") or "").split(";") if group.strip()]
    return merged + groups, text[match.end() :].lstrip()


def _apa_authors(segment: str) -> list[str] | None:
    names = [f"{surname}, {initials.strip()}" for surname, initials in _APA_NAME.findall(segment)]
    return names or None


def _is_organization(segment: str) -> bool:
    words = set(re.findall(r"[a-z]+", segment.lower()))
    phrases = _words("organization_words")
    return bool(words & phrases) or any(" " in phrase and phrase in segment.lower() for phrase in phrases)


def _authors_and_rest(text: str) -> tuple[list[str], str]:
    """The author list at the head of a citation and the text after it."""
    apa = _APA_YEAR.search(text)
    if apa and apa.start() < len(text) // 2:
        authors = _apa_authors(text[: apa.start()])
        if authors:
            return authors, text[apa.end() :].lstrip(" .")
    vancouver = _vancouver_authors(text)
    if vancouver is not None:
        return vancouver
    parts = sentences(text)
    if len(parts) < 2:
        return [], text
    head, rest = parts[0], text[len(parts[0]) :].lstrip()
    if _is_organization(head):
        return [head.rstrip(".")], rest
    return [], text


def _source(text: str) -> tuple[re.Match[str] | None, str | None]:
    """The journal's 'year;volume(issue):pages' match and the journal name printed just before it."""
    match = _SOURCE.search(_without_links(text))
    if match is None:
        return None, None
    before = text[: match.start()].rstrip(" .,")
    journal = sentences(before)[-1].strip(" .,") if before else None
    return match, journal or None


def parse_citation(text: str) -> Reference:
    """The parts of one citation as a Reference (text as given; no number, page or box yet)."""
    authors, rest = _authors_and_rest(text)
    source, journal = _source(rest)
    if source is not None and journal is not None:
        title_text = rest[: rest.rfind(journal, 0, source.start())]
    else:
        title_text = sentences(rest)[0] if rest else ""
    title = title_text.strip(" .,") or None
    if title is not None and title == journal:
        title = None
    return Reference(
        text=text,
        authors=authors,
        title=title,
        journal=journal if source is not None else None,
        year=find_year(text),
        volume=source.group("volume") if source else None,
        issue=source.group("issue") if source else None,
        pages=source.group("pages").rstrip(".") if source and source.group("pages") else None,
        doi=find_doi(text),
        pmid=find_pmid(text),
        url=find_url(text),
    )


def starts_citation(text: str) -> bool:
    """Whether a line can open a citation: an author list, or a capitalized name or title that is not a
    wrapped date or publication note ('Feb;131(2):595-607.', 'Accessed March 2, 2022.')."""
    text = text.strip()
    if _AUTHOR_START.match(text):
        return True
    match = _FIRST_WORD.match(text)
    if not match or (not text[0].isupper() and not text[0].isdigit()):
        return False
    word = match.group(1).lower()
    return word not in MONTHS and word not in _words("continuation_words")


def ends_citation(text: str) -> bool:
    """Whether text read so far is a whole citation: it ends on closing punctuation or an address and
    already holds what closes a citation (a year, a web address or a DOI)."""
    text = text.rstrip()
    if not text or text.endswith((",", ";", ":", "-", "–", "/", "&")):
        return False
    # A web address or a DOI ends a citation printed without a final period ("... doi:10.1158/2159-8290.
    # CD-13-1014", one citation a paragraph on a web page).
    last = text.split()[-1]
    closed = text.endswith((".", ")", "]", ">")) or bool(URL_PATTERN.search(last) or _DOI.search(last))
    if not closed or _ET_AL.search(text):
        return False
    return bool(_YEAR.search(text) or URL_PATTERN.search(text) or _DOI.search(text))


_GLUED_START = re.compile(
    rf"(?<=[.)\]])(?={_NAME_PARTICLE}{_SURNAME}\s+[A-Z]{{1,3}}{_SUFFIX},\s+{_NAME_PARTICLE}{_SURNAME}\s+[A-Z]{{1,3}}\b)"
)


def split_glued(text: str) -> list[str]:
    """Citations printed run together on one line ('...(Custom Product Brief).Farr J, Cole BJ, ...'):
    cut where a citation's closing punctuation is followed, with no space, by an author list."""
    parts: list[str] = []
    start = 0
    for match in _GLUED_START.finditer(text):
        left = text[start : match.start()]
        if ends_citation(left):
            parts.append(left.strip())
            start = match.start()
    parts.append(text[start:].strip())
    return [part for part in parts if part]
