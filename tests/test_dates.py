"""The shared date grammar: every printed shape the corpus uses, normalized to ISO."""

from __future__ import annotations

import pytest
from policydiff.extract.dates import find_all_dates, find_date, parse_date


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("05/15/2025", "2025-05-15"),  # Cigna revision details
        ("5/15/2024", "2024-05-15"),  # Cigna, no leading zero
        ("11/15", "2015-11"),  # Centene revision log: MM/YY, month and year only
        ("02/23", "2023-02"),  # Centene "Date of Last Revision: 02/23"
        ("11/2015", "2015-11"),
        ("January 1, 2026", "2026-01-01"),  # UnitedHealthcare "Effective Date: January 1, 2026"
        ("Sept. 4 2025", "2025-09-04"),
        ("1 June 2026", "2026-06-01"),
        ("June 2026", "2026-06"),
        ("2025-05-15", "2025-05-15"),
        ("6/28/26", "2026-06-28"),  # two-digit year
    ],
)
def test_printed_shapes_read_as_iso(printed, iso):
    assert parse_date(printed) == iso


def test_date_glued_to_its_label():
    # The seeds print "Effective Date5/15/2025" with no space between label and value.
    found = find_date("Effective Date5/15/2025")
    assert found is not None
    assert found[0] == "2025-05-15"
    assert found[1].start() == len("Effective Date")


def test_value_after_a_lead_in():
    # CMS: "Revision Effective Date" / "For services performed on or after 10/01/2024".
    assert parse_date("For services performed on or after 10/01/2024") == "2024-10-01"


def test_full_date_not_also_read_as_month_and_year():
    assert find_all_dates("Revised 10/01/2024; then 02/23 and March 3, 2021") == [
        "2024-10-01",
        "2023-02",
        "2021-03-03",
    ]


@pytest.mark.parametrize("text", ["13/45/2020", "R16", "page 4 of 39", "6:20 PM", "CG-SURG-83"])
def test_non_dates_are_not_dates(text):
    assert parse_date(text) is None
