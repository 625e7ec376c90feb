"""One citation string -> its parts (extract/citation.py), on citations printed in the corpus."""

from __future__ import annotations

import pytest
from policydiff.extract.citation import (
    bracket_urls,
    ends_citation,
    find_doi,
    find_pmid,
    find_url,
    find_year,
    parse_citation,
    split_glued,
    starts_citation,
)


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        (
            "Cancer Control. 2002;9(2):123 to 137. doi:10.1177/107327480200900205",
            "10.1177/107327480200900205",
        ),
        (
            "Cancer Treat Rev. 2010;36(7):528 to 538. doi: 10.1016/j.ctrv.2010.03.004",
            "10.1016/j.ctrv.2010.03.004",
        ),
        ("2000;6(4):375 to 386. doi: 10.1016/s1083-8791(00)70014-0", "10.1016/s1083-8791(00)70014-0"),
        ("Eur Urol (2011), doi:10.1016/ j.eururo.2011.07.002.", "10.1016/j.eururo.2011.07.002"),
        (
            "Available at: https://doi.org/10.1056/NEJMoa1200225. Accessed May 1, 2024.",
            "10.1056/NEJMoa1200225",
        ),
        ("Blood. 2008 Dec;112(12):4371-83.", None),
    ],
)
def test_doi_in_its_printed_forms(text, doi):
    assert find_doi(text) == doi


def test_pmid():
    assert find_pmid("Sleep. 2005 Jan;28(1):123-44. PMID: 15700728.") == "15700728"
    assert find_pmid("Sleep. 2005 Jan;28(1):123-44.") is None


def test_url_needs_a_scheme_and_drops_sentence_punctuation():
    assert find_url("UpToDate. www.uptodate.com. Updated May 04, 2022.") is None
    text = "Available at: https://aasm.org/accreditation/. Accessed February 10, 2026."
    assert find_url(text) == "https://aasm.org/accreditation/"
    assert (
        bracket_urls(text) == "Available at: <https://aasm.org/accreditation/>. Accessed February 10, 2026."
    )
    already = "Available at <https://www.nccn.org/guidelines/guidelines-detail?category=1&id=1445>"
    assert bracket_urls(already) == already


@pytest.mark.parametrize(
    ("text", "year"),
    [
        # The journal's year wins over a year in the title.
        ("Anderson JL, et al. 2012 ACCF/AHA focused update. Circulation. 2013; 127(23):e663-e828.", 2013),
        ("Kolb HJ, et al. Donor leukocyte transfusions. Blood. 1990;15;76(12):2462 to 2465.", 1990),
        # Update and access dates are not publication years.
        (
            "Negrin RS. Biology. UpToDate. www.uptodate.com. Updated May 04, 2022. Accessed September 12, 2022.",
            None,
        ),
        (
            "NCI. Treatment (PDQ®). Updated: Feb 21, 2025a. Accessed Mar 4, 2025. Available at URL address: x",
            None,
        ),
        # Without a journal, the first year printed; a lettered year ('2025b') is not read before a plain one.
        ("NCCN. © 2025b. Acute Lymphoblastic Leukemia. V3.2024-Dec 20, 2024. Accessed Mar 4, 2025.", 2024),
        ("Hayes. Evidence Analysis Research Brief. Standalone actigraphy. February 2025a.", 2025),
        (
            "Robert, G., Descazeaud, A., & Benard, A. (2018). Prostatic injection. World journal of urology, 36(6).",
            2018,
        ),
    ],
)
def test_year(text, year):
    assert find_year(text) == year


def test_vancouver_citation_parts():
    citation = parse_citation(
        "Bakker J, Campbell A, Neill A. Randomized controlled trial of auto-adjusting positive airway pressure. "
        "J Sleep Res. 2011 Mar;20(1 Pt 2):233-40."
    )
    assert citation.authors == ["Bakker J", "Campbell A", "Neill A"]
    assert citation.title == "Randomized controlled trial of auto-adjusting positive airway pressure"
    assert (citation.journal, citation.year, citation.volume, citation.issue, citation.pages) == (
        "J Sleep Res",
        2011,
        "20",
        "1 Pt 2",
        "233-40",
    )


def test_et_al_and_group_authors():
    citation = parse_citation(
        "Aurora RN, Zak RS, Maganti RK, et al.; Standards of Practice Committee; American Academy of Sleep "
        "Medicine. Best practice guide for the treatment of REM sleep behavior disorder (RBD). J Clin Sleep Med. "
        "2010 Feb 15;6(1):85-95."
    )
    assert citation.authors == [
        "Aurora RN",
        "Zak RS",
        "Maganti RK",
        "Standards of Practice Committee",
        "American Academy of Sleep Medicine",
    ]
    assert citation.title == "Best practice guide for the treatment of REM sleep behavior disorder (RBD)"
    assert citation.journal == "J Clin Sleep Med"


def test_organization_author_and_apa_authors():
    organization = parse_citation(
        "Centers for Medicare and Medicaid Services (CMS). Local Coverage Determinations (LCDs) alphabetical "
        "index. Accessed Mar 3, 2025."
    )
    assert organization.authors == ["Centers for Medicare and Medicaid Services (CMS)"]
    assert organization.title == "Local Coverage Determinations (LCDs) alphabetical index"
    product = parse_citation(
        "Botox [prescribing information]. Irvine, CA: Allergan Pharmaceuticals, Inc., November 2023."
    )
    assert product.authors == []
    assert product.title == "Botox [prescribing information]"
    apa = parse_citation(
        "Dabrowski, E., Bonikowski, M., & Delgado, M. R. (2018). AbobotulinumtoxinA Efficacy and Safety in "
        "Children. Pediatric neurology, 82, 44-49."
    )
    assert apa.authors == ["Dabrowski, E.", "Bonikowski, M.", "Delgado, M. R."]
    assert apa.year == 2018


def test_shape_of_a_citation_start_and_end():
    assert starts_citation("Cross MD, Vennelle M, Engleman HM, et al. Comparison of CPAP titration")
    assert starts_citation("de Bree R, Duyndam JE, Kuik DJ, Leemans CR. Repeated botulinum")
    assert not starts_citation("Feb;131(2):595-607.")
    assert not starts_citation("doi: 10.1038/sj.bmt.1704525")
    assert ends_citation("Eckert DJ, Malhotra A. Central sleep apnea. Chest. 2007 Feb;131(2):595-607.")
    assert not ends_citation("Huff CA, Fuchs EJ, Smith BD, et al.")
    assert not ends_citation(
        "Khan F, Agarwal A. Significance of chimerism. Bone Marrow Transplant. 2004;34(1):1 to"
    )


def test_citations_printed_run_together_are_cut():
    text = (
        "ECRI Institute. BioCartilage Extracellular Matrix. Plymouth Meeting (PA): ECRI Institute; 2019 Jan 02. "
        "(Custom Product Brief).Farr J, Cole BJ, Sherman S, et al. Particulated articular cartilage: CAIS and "
        "DeNovo NT. J Knee Surg. 2012 Mar;25(1):23-9."
    )
    first, second = split_glued(text)
    assert first.endswith("(Custom Product Brief).")
    assert second.startswith("Farr J, Cole BJ")
