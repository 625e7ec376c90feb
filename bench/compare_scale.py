"""How `compare` grows with the number of policies (a script, not a test): prints a Markdown table.

    .venv/bin/python bench/compare_scale.py [--runs 3] [--sizes 10 20 40 80] [--cache DIR]

The policies are the first BASE (by content hash) of the corpus documents that read fast and hold
criteria (the seeds' and LCD versions' texts, the real HTML pages, the tracker's saved texts and pages),
and re-spelt copies of them: each copy spells anew every word of four letters or more that fewer than a
quarter of the records use ('chimerism' -> 'chimerismq2'), and keeps the common words ('individual',
'testing', 'cancer'). A copy is a policy of another payer on another service, with the structure,
length and common language of a real one, that states no concept of the others; so each size holds
exactly twice the criteria of the one before. (A plain copy would restate every concept of its
original, so the matches themselves, not the matching, would grow with the square of the copies.)
The sizes run by turns in one process, so that load elsewhere hits all of them alike; the target of
issue 18 is a growth under 2.5x per doubling.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from policydiff.api import extract_file
from policydiff.diff.compare import compare_policies
from policydiff.model import Criterion, Policy, iter_criteria

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FAST_DOCUMENTS = [
    *sorted((CORPUS / "seeds").glob("*.txt")),
    *sorted((CORPUS / "real" / "medicare-cms").rglob("*.txt")),
    *sorted((CORPUS / "real").rglob("*.html")),
    *sorted((CORPUS / "tracker").rglob("*_2026-02-05_*.pdf")),  # plain text, despite the name
    *sorted((CORPUS / "tracker").rglob("*_2026-02-05_*.html")),
]
LONG_WORD = re.compile(r"\b([A-Za-z]{4,})\b")
BASE = 10
COMMON_SHARE = 0.5


def distinct_records(cache: Path | None) -> list[Policy]:
    """Every fast document that reads as a coverage policy with criteria, in an order that mixes short
    and long ones (by content hash), so that each size holds about twice the criteria of the one before.
    With `cache`, records are read from and written to that folder (a second run skips extraction)."""
    if cache and any(cache.glob("*.json")):
        records = [Policy.model_validate_json(path.read_text()) for path in sorted(cache.glob("*.json"))]
    else:
        records = []
        for path in FAST_DOCUMENTS:
            try:
                policy = extract_file(path)
            except Exception:  # landing pages, indexes: refused, and not compared
                continue
            if policy.criteria:
                records.append(policy)
        if cache:
            cache.mkdir(parents=True, exist_ok=True)
            for policy in records:
                (cache / f"{policy.source.sha256}.json").write_text(policy.model_dump_json())
    return sorted(records, key=lambda policy: policy.source.sha256)


def common_words(records: list[Policy]) -> frozenset[str]:
    """Long words used by at least COMMON_SHARE of the records: the language all policies share."""
    counts: Counter[str] = Counter()
    for policy in records:
        counts.update(
            {word.lower() for node in iter_criteria(policy.criteria) for word in LONG_WORD.findall(node.text)}
        )
    return frozenset(word for word, count in counts.items() if count >= COMMON_SHARE * len(records))


def respelt(text: str, tag: str, common: frozenset[str]) -> str:
    return LONG_WORD.sub(lambda match: match[1] if match[1].lower() in common else match[1] + tag, text)


def respelt_criteria(criteria: list[Criterion], tag: str, common: frozenset[str]) -> list[Criterion]:
    return [
        node.model_copy(
            update={
                "text": respelt(node.text, tag, common),
                "service": respelt(node.service, tag, common) if node.service else None,
                "children": respelt_criteria(node.children, tag, common),
            }
        )
        for node in criteria
    ]


def policies_of(base: list[Policy], count: int, common: frozenset[str]) -> list[Policy]:
    """`count` policies: the base records, then re-spelt copies, each under a payer of its own."""
    policies = []
    for index in range(count):
        policy, copy = base[index % len(base)], index // len(base)
        if copy:
            tag = f"q{copy}"
            policy = policy.model_copy(
                update={
                    "title": respelt(policy.title, tag, common),
                    "services": [respelt(name, tag, common) for name in policy.services],
                    "abbreviations": {},
                    "criteria": respelt_criteria(policy.criteria, tag, common),
                }
            )
        policies.append(policy.model_copy(update={"payer": f"{policy.payer or 'Payer'} #{index}"}))
    return policies


def elapsed(policies: list[Policy]) -> float:
    """CPU seconds of one comparison: the machine is shared, and wall time measures the neighbours."""
    start = time.process_time()
    compare_policies(policies)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--cache", type=Path, help="folder to keep the extracted records in between runs")
    args = parser.parse_args()
    pool = distinct_records(args.cache)
    common = common_words(pool)
    sets = {size: policies_of(pool[:BASE], size, common) for size in args.sizes}
    elapsed(sets[args.sizes[0]])  # loads the lemmatizer and rule files: not part of any size
    rounds = [{size: elapsed(policies) for size, policies in sets.items()} for _ in range(args.runs)]
    medians = {size: statistics.median(times[size] for times in rounds) for size in args.sizes}
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"## compare_policies by number of policies ({BASE} corpus records and re-spelt copies)\n")
    print(f"Median of {args.runs} runs by turns; load average {load}; Python {sys.version.split()[0]}.\n")
    print("| policies | criteria | CPU s | growth over the size before |")
    print("|---:|---:|---:|---:|")
    previous = None
    for size in args.sizes:
        criteria = sum(sum(1 for _ in iter_criteria(policy.criteria)) for policy in sets[size])
        growth = f"{medians[size] / medians[previous]:.2f}x" if previous else ""
        print(f"| {size} | {criteria} | {medians[size]:.3f} | {growth} |")
        previous = size


if __name__ == "__main__":
    main()
