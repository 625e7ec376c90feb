"""Code systems: the shape of a code in each system, and ICD-10-CM membership in the CDC release.

Shapes decide which systems a printed token can belong to; the column header narrows that down.
ICD-10-CM codes are checked against the code set `simple_icd_10_cm` ships (the CDC release, offline).
No description list of any system is shipped or read: descriptions come from the document (CPT
descriptions are AMA-copyrighted).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

# Systems in the order a token whose shape fits several is read as, when nothing else decides.
SYSTEMS = ("CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS", "NDC", "Revenue")

_SHAPES: dict[str, re.Pattern[str]] = {
    # Category I (5 digits), Category II (4 digits + F), Category III (+ T), PLA (+ U), MAAA (+ M).
    "CPT": re.compile(r"[0-9]{4}[0-9FMTU]"),
    # HCPCS Level II: a letter A-V and 4 digits.
    "HCPCS": re.compile(r"[A-V][0-9]{4}"),
    # Letter, digit, alphanumeric, then up to 4 characters after the dot (placeholder x allowed).
    "ICD-10-CM": re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Zx]{1,4})?"),
    # 7 characters from digits and letters without I and O; the first (section) is a digit or B-X.
    # (A digit is required: seven capitals of a word are not read as a procedure code.)
    "ICD-10-PCS": re.compile(r"(?=.*[0-9])[0-9BCDFGHX][0-9A-HJ-NP-Z]{6}"),
    # 10-digit NDCs in their 4-4-2, 5-3-2 and 5-4-1 forms, and the 11-digit 5-4-2 billing form.
    "NDC": re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3,4}-[0-9]{1,2}|[0-9]{11}"),
    "Revenue": re.compile(r"0?[0-9]{3}"),
}

# Shapes read only under a column header that names their system: a bare 3-4 digit number or an
# 11-digit number is too ambiguous to be taken for a revenue code or an NDC on shape alone.
_HEADER_ONLY = {"Revenue"}


# ICD-10-CM printed without its dot ("E6601" for E66.01), as claim forms and some payers print it.
_DOTLESS_ICD10CM = re.compile(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{1,4}")


def shape_systems(token: str, allowed: tuple[str, ...] = SYSTEMS) -> list[str]:
    """The systems among `allowed` whose code shape the token has, in SYSTEMS order."""
    return [
        system
        for system in SYSTEMS
        if system in allowed
        and (system not in _HEADER_ONLY or allowed != SYSTEMS)
        and (_SHAPES[system].fullmatch(token) or (system == "ICD-10-CM" and dotted_icd10cm(token)))
    ]


def dotted_icd10cm(token: str) -> str | None:
    """The dotted form of an ICD-10-CM code printed without its dot, if the code set knows it. A shape
    alone cannot tell: "E0601" is also a HCPCS code, and seven characters may be ICD-10-PCS."""
    if not _DOTLESS_ICD10CM.fullmatch(token):
        return None
    dotted = f"{token[:3]}.{token[3:]}"
    return dotted if icd10cm_known(dotted) else None


# The code list inside simple_icd_10_cm (the CDC release): chapters, blocks ("A00-A09"), categories and
# subcategories without their dots. Read here as a set of codes, without importing the package: on import
# it builds a tree of every code with its descriptions and notes, about 260 MB and 1.4 s, and only
# membership is needed.
ICD10CM_DISTRIBUTION = "simple-icd-10-cm"
ICD10CM_CODE_LIST = re.compile(r"code-list-.*\.txt")


@cache
def icd10cm_codes() -> frozenset[str]:
    """The ICD-10-CM categories and subcategories of the CDC release, without dots ("E6601")."""
    (code_list,) = (
        entry
        for entry in metadata.files(ICD10CM_DISTRIBUTION) or []
        if ICD10CM_CODE_LIST.fullmatch(entry.name)
    )
    lines = code_list.locate().read_text(encoding="ascii").split()
    return frozenset(line for line in lines if not line.isdigit() and "-" not in line)


def icd10cm_known(code: str) -> bool:
    """Whether the CDC ICD-10-CM release knows the code (a category, subcategory or billable code)."""
    code = code.upper()
    if "." in code and code.index(".") != 3:
        return False
    return code.replace(".", "") in icd10cm_codes()


def range_in_order(start: str, end: str) -> bool:
    """A range's end does not sort before its start (codes of one system sort as strings)."""
    return start.upper().replace(".", "") <= end.upper().replace(".", "").ljust(
        len(start.replace(".", "")), "Z"
    )
