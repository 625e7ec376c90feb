"""CMS LCD L35022 as the Coverage API serves it: editor HTML where one <p> holds a bold heading, <br>s
and the paragraphs under it, and nested <ul>s that a browser draws with disc, then circle bullets.

Each assertion was checked by eye against the document."""

from __future__ import annotations

from policydiff.extract.load import load_file
from policydiff.extract.sections import segment
from policydiff.model import iter_criteria

from corpus import CORPUS, extracted

LCD = CORPUS / "real" / "medicare-cms" / "LCD - Bariatric Surgical Management of Morbid Obesity (L35022).html"


def nodes() -> dict:
    return {node.id: node for node in iter_criteria(extracted(LCD).criteria)}


def test_bold_runs_before_br_are_headings_of_their_own():
    # "<p><strong>Comorbid Conditions</strong><br /><br />Severe obesity is known ...</p>"
    sections = [(section.kind, section.heading) for section in segment(load_file(LCD))]
    assert ("criteria", "Contractor Local Coverage Policy") in sections
    assert ("criteria", "Comorbid Conditions") in sections
    assert ("criteria", "Contraindications to Bariatric Surgery") in sections
    # The national rules the LCD rests on are not its criteria, nor a bibliography.
    assert ("applicability", "CMS National Coverage Policy") in sections
    assert ("applicability", "IOM Citations:") in sections


def test_a_nested_list_is_nested_under_its_item():
    by_id = nodes()
    lead = by_id["7.4"]  # "... a structured dietary program overseen by one of the following:"
    assert lead.logic == "any"
    assert lead.children[0].text == "Physician (MD or DO)."
    assert len(lead.children) == 5


def test_text_after_a_nested_list_is_a_note_of_its_item():
    # "<li>Psychological/psychiatric conditions.<ul>...</ul><strong>Note:</strong> A history of ...</li>"
    item = nodes()["12.5"]
    assert item.text == "Psychological/psychiatric conditions."
    assert [child.kind for child in item.children] == ["exclusion", "exclusion", "exclusion", "note"]
    assert item.children[-1].text.startswith("Note: A history of or presence of mild")


def test_list_logic_from_the_lead_ins():
    by_id = nodes()
    assert by_id["4"].logic == "any"  # "Comorbid conditions for which ... is covered include the following:"
    assert by_id["11"].logic == "all"  # "Follow-up must include but not be limited to:"
    assert by_id["12"].logic == "any"  # "not covered in the presence of absolute contraindications"


def test_services_are_read_without_their_indication_or_hedge():
    assert extracted(LCD).services == [
        "Laparoscopic Sleeve Gastrectomy",  # "... Gastrectomy for morbid obesity is covered"
        "Bariatric surgery",  # "conditions for which bariatric surgery is covered"
        "Surgery for severe obesity",  # one word would be left: kept whole
        "Incidental cholecystectomy",
        "Repeat bariatric surgery",  # "... is generally not reasonable and necessary"
    ]


def test_a_publication_number_is_no_range():
    # "Refer to IOM Publication 100-04, Medicare Claims Processing Manual": not 100 down to 4.
    assert [q.text for q in nodes()["5"].quantities] == []
    assert not any("citation" in warning for warning in extracted(LCD).warnings)
