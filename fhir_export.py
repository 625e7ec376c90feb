"""FHIR R4 export of a policy record: a questionnaire package shaped after HL7 Da Vinci DTR.

One Bundle (type collection) per policy holds exactly one Questionnaire (one item per criterion, each group's
all/any/none logic as an SDC calculatedExpression in FHIRPath), one empty QuestionnaireResponse, one ValueSet
per code system and status, and one Library whose CQL states the same logic. Every resource is validated by
fhir.resources' R4B models before it is returned. The shape follows the DTR standard questionnaire profile,
but conformance to that profile is not claimed: only the base resources are validated (README, "FHIR export").

A serializer over the record, as render.py is: it reads the model and computes nothing the parsers did not.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from policydiff.extract.codesets import icd10cm_codes
from policydiff.model import Code, Criterion, Policy, Quantity

# The package's own definitions: no FHIR registry defines a policy criterion's kind or a code range that the
# exporter cannot enumerate, so they are URNs of this tool, documented in the README.
KIND_SYSTEM = "urn:policydiff:fhir:criterion-kind"
COVERAGE_SYSTEM = "urn:policydiff:fhir:coverage"
LOGIC_EXTENSION = "urn:policydiff:fhir:criterion-logic"
CODE_RANGE_EXTENSION = "urn:policydiff:fhir:code-range"
SOURCE_SHA256_SYSTEM = "urn:policydiff:fhir:source-sha256"
CALCULATED_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
)
SUPPORT_LINK = "http://hl7.org/fhir/StructureDefinition/questionnaire-supportLink"
CQF_LIBRARY = "http://hl7.org/fhir/StructureDefinition/cqf-library"
LIBRARY_TYPE = "http://terminology.hl7.org/CodeSystem/library-type"
DEFAULT_BASE = "urn:policydiff"

CODE_SYSTEM_URLS = {
    "CPT": "http://www.ama-assn.org/go/cpt",
    "HCPCS": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "ICD-10-CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "ICD-10-PCS": "http://www.cms.gov/Medicare/Coding/ICD10",
    "NDC": "http://hl7.org/fhir/sid/ndc",
    "Revenue": "https://www.nubc.org/CodeSystem/RevenueCodes",
    "other": "urn:policydiff:fhir:code-system-unknown",
}
MET_SUFFIX = ":met"
FHIRPATH_COMPARATORS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "="}


def export_fhir(policy: Policy, base: str = DEFAULT_BASE) -> dict:
    """The policy as one FHIR R4 Bundle (JSON-ready dict), validated by fhir.resources."""
    from fhir.resources.R4B.bundle import Bundle  # imported here: only this command pays for it

    names = _Names.of(policy, base)
    resources = [
        questionnaire(policy, names),
        {
            "resourceType": "QuestionnaireResponse",
            "id": f"{names.slug}-response",
            "status": "in-progress",
            "questionnaire": f"{names.questionnaire}|{names.version}",
        },
        *value_sets(policy, names),
        library(policy, names),
    ]
    bundle = {
        "resourceType": "Bundle",
        "id": names.slug,
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, names.questionnaire + r['id'])}",
                "resource": r,
            }
            for r in resources
        ],
    }
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True)
class _Names:
    slug: str
    version: str
    questionnaire: str
    library: str
    title: str

    @classmethod
    def of(cls, policy: Policy, base: str) -> _Names:
        parts = [policy.payer or "unknown-payer", policy.policy_number or policy.source.sha256[:12]]
        slug = re.sub(r"[^A-Za-z0-9.]+", "-", "-".join(parts)).strip("-.").lower()[:64]
        dates = policy.dates
        version = dates.last_revised or dates.effective or dates.last_reviewed or policy.source.sha256[:12]
        return cls(
            slug=slug,
            version=version,
            questionnaire=f"{base}:questionnaire:{slug}",
            library=f"{base}:library:{slug}",
            title=policy.title or slug,
        )


def _page_link(policy: Policy, page: int | None) -> list[dict]:
    if page is None:
        return []
    return [{"url": SUPPORT_LINK, "valueUri": f"{policy.source.path}#page={page}".replace(" ", "%20")}]


# --- Questionnaire ---------------------------------------------------------------------------------------


def questionnaire(policy: Policy, names: _Names) -> dict:
    resource = {
        "resourceType": "Questionnaire",
        "id": names.slug,
        "extension": [{"url": CQF_LIBRARY, "valueCanonical": names.library}],
        "url": names.questionnaire,
        "identifier": [{"system": SOURCE_SHA256_SYSTEM, "value": policy.source.sha256}],
        "version": names.version,
        "title": names.title,
        # Machine-read from the policy text, not reviewed by the payer: never "active".
        "status": "draft",
        "publisher": policy.payer,
        "lastReviewDate": policy.dates.last_reviewed,
        "effectivePeriod": {"start": policy.dates.effective} if policy.dates.effective else None,
        "item": [item for criterion in policy.criteria for item in _items(policy, criterion)],
    }
    return {key: value for key, value in resource.items() if value not in (None, [])}


def decisive_children(criterion: Criterion) -> list[Criterion]:
    """The children whose answers decide the group: notes explain, they are not conditions."""
    return [child for child in criterion.children if child.kind != "note"]


def group_logic(criterion: Criterion) -> str:
    """The group's logic; a group whose logic the parser did not read is taken as all (the stricter reading)."""
    return criterion.logic or "all"


def threshold(criterion: Criterion) -> Quantity | None:
    """The one measurable threshold a leaf states, if it states exactly one with a comparator."""
    measured = [q for q in criterion.quantities if q.comparator is not None]
    return measured[0] if len(measured) == 1 else None


def _codings(criterion: Criterion) -> list[dict]:
    codings = [{"system": KIND_SYSTEM, "code": criterion.kind}]
    if criterion.coverage:
        codings.append({"system": COVERAGE_SYSTEM, "code": criterion.coverage})
    return codings


def _items(policy: Policy, criterion: Criterion) -> Iterator[dict]:
    link = _page_link(policy, criterion.page)
    text = f"{criterion.label} {criterion.text}" if criterion.label else criterion.text
    children = [item for child in criterion.children for item in _items(policy, child)]
    if criterion.kind == "note":
        if children:  # a display item holds no items: a note over a list is a group of its own
            note = {"linkId": criterion.id, "type": "group", "text": text, "code": _codings(criterion)}
            yield note | {"extension": link or None, "item": children}
        else:
            yield {"linkId": criterion.id, "type": "display", "text": text, "extension": link or None}
        return
    item = {"linkId": criterion.id, "text": text, "code": _codings(criterion)}
    if decisive_children(criterion):
        met = {
            "linkId": criterion.id + MET_SUFFIX,
            "type": "boolean",
            "readOnly": True,
            "text": f"Criteria of {criterion.label or criterion.id} met ({group_logic(criterion)} of the above)",
            "extension": [
                {
                    "url": CALCULATED_EXPRESSION,
                    "valueExpression": {"language": "text/fhirpath", "expression": truth(criterion)},
                }
            ],
        }
        logic = [{"url": LOGIC_EXTENSION, "valueCode": group_logic(criterion)}]
        item |= {"type": "group", "extension": logic + link, "item": [*children, met]}
    else:
        quantity = threshold(criterion)
        if quantity is None:
            item |= {"type": "boolean"}
        elif quantity.unit:
            item |= {"type": "quantity", "text": f"{text} [{quantity.quantity or 'value'}, {quantity.unit}]"}
        else:
            item |= {"type": "decimal", "text": f"{text} [{quantity.quantity or 'value'}]"}
        item |= {"extension": link or None, "item": children or None}
    yield {key: value for key, value in item.items() if value is not None}


def _answers(link_id: str) -> str:
    literal = link_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"%resource.repeat(item).where(linkId = '{literal}').answer.value"


def _condition(quantity: Quantity, subject: str) -> str:
    if quantity.comparator == "range" and quantity.value_end is not None:
        return f"{subject} >= {quantity.value:g} and {subject} <= {quantity.value_end:g}"
    comparator = FHIRPATH_COMPARATORS.get(quantity.comparator or "=", "=")
    return f"{subject} {comparator} {quantity.value:g}"


def truth(criterion: Criterion) -> str:
    """FHIRPath over a QuestionnaireResponse (%resource): whether the criterion holds. Never empty: an
    unanswered leaf is false, so a group evaluates to true or false."""
    decisive = decisive_children(criterion)
    if not decisive:
        quantity = threshold(criterion)
        if quantity is None:
            return f"({_answers(criterion.id)} contains true)"
        subject = "value" if quantity.unit else "$this"
        return f"({_answers(criterion.id)}.where({_condition(quantity, subject)}).exists())"
    parts = [truth(child) for child in decisive]
    logic = group_logic(criterion)
    if logic == "none":
        return f"({' or '.join(parts)}).not()"
    joint = " and " if logic == "all" else " or "
    return f"({joint.join(parts)})"


# --- ValueSets ---------------------------------------------------------------------------------------------


def icd10cm_range(start: str, end: str) -> list[str]:
    """The ICD-10-CM codes of the CDC release from start to end, the end's subcodes included, dotted."""
    low, high = start.replace(".", "").upper(), end.replace(".", "").upper()
    inside = sorted(
        code for code in icd10cm_codes() if low <= code and (code <= high or code.startswith(high))
    )
    return [code if len(code) <= 3 else f"{code[:3]}.{code[3:]}" for code in inside]


def _includes(system: str, codes: list[Code]) -> list[dict]:
    url = CODE_SYSTEM_URLS[system]
    single = [code.code for code in codes if code.code_end is None]
    for code in codes:
        if code.code_end is not None and system == "ICD-10-CM":
            single.extend(icd10cm_range(code.code, code.code_end))
    includes = [{"system": url, "concept": [{"code": c} for c in dict.fromkeys(single)]}] if single else []
    for code in codes:
        if code.code_end is not None and system != "ICD-10-CM":
            # No offline list of this system: the range stays a range. A modifier extension, so that an
            # engine that does not know it must not read the include as "every code of the system".
            bounds = [{"url": "start", "valueCode": code.code}, {"url": "end", "valueCode": code.code_end}]
            includes.append(
                {"modifierExtension": [{"url": CODE_RANGE_EXTENSION, "extension": bounds}], "system": url}
            )
    return includes


def value_set_key(system: str, status: str | None) -> str:
    """The ValueSet a code goes in: one per code system and status ("cpt-not-covered")."""
    return re.sub(r"[^a-z0-9]+", "-", f"{system}-{status or 'unstated'}".lower())


def value_sets(policy: Policy, names: _Names) -> list[dict]:
    """One ValueSet per code system and status; no descriptions (CPT's are AMA-copyrighted)."""
    groups: dict[tuple[str, str], list[Code]] = {}
    for code in policy.codes:
        groups.setdefault((code.system, code.status or "unstated"), []).append(code)
    resources = []
    for (system, status), codes in sorted(groups.items()):
        key = value_set_key(system, status)
        resources.append(
            {
                "resourceType": "ValueSet",
                "id": f"{names.slug}-{key}"[:64],
                "url": f"{names.questionnaire}:valueset:{key}",
                "version": names.version,
                "name": re.sub(r"[^A-Za-z0-9]", "", f"{system}{status.title()}"),
                "title": f"{names.title}: {system} codes, {status.replace('_', ' ')}",
                "status": "draft",
                "compose": {"include": _includes(system, codes)},
            }
        )
    return resources


# --- Library (CQL) -----------------------------------------------------------------------------------------


def _cql_name(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cql_lines(criterion: Criterion) -> Iterator[str]:
    """Parameters for the leaves (their answers), one define per statement and group."""
    decisive = decisive_children(criterion)
    for child in decisive:
        yield from _cql_lines(child)
    name = _cql_name(criterion.id)
    if not decisive:
        quantity = threshold(criterion)
        if quantity is None:
            yield f"parameter {name} Boolean"
            return
        value = _cql_name(f"{criterion.id} value")
        yield f"parameter {value} Decimal"
        yield f"define {name}: {_condition(quantity, value)}"
        return
    parts = [_cql_name(child.id) for child in decisive]
    logic = group_logic(criterion)
    if logic == "none":
        yield f"define {name}: not ({' or '.join(parts)})"
    else:
        joint = " and " if logic == "all" else " or "
        yield f"define {name}: {joint.join(parts)}"


def cql(policy: Policy, names: _Names) -> str:
    identifier = re.sub(r"[^A-Za-z0-9]", "", names.slug.title()) or "Policy"
    lines = [
        f"// Criteria of {names.title} ({names.slug}), as the policy states them.",
        "// Leaves are parameters: answers from the questionnaire or the engine's own data.",
        f"library {identifier} version '{names.version}'",
        "using FHIR version '4.0.1'",
    ]
    body = [
        line for criterion in policy.criteria if criterion.kind != "note" for line in _cql_lines(criterion)
    ]
    parameters = [line for line in body if line.startswith("parameter")]
    defines = [line for line in body if line.startswith("define")]
    return "\n".join([*lines, *parameters, "context Patient", *defines]) + "\n"


def library(policy: Policy, names: _Names) -> dict:
    return {
        "resourceType": "Library",
        "id": f"{names.slug}-logic"[:64],
        "url": names.library,
        "version": names.version,
        "name": re.sub(r"[^A-Za-z0-9]", "", names.slug.title()) or "Policy",
        "title": f"{names.title}: criteria logic",
        "status": "draft",
        "type": {"coding": [{"system": LIBRARY_TYPE, "code": "logic-library"}]},
        "content": [
            {"contentType": "text/cql", "data": base64.b64encode(cql(policy, names).encode()).decode("ascii")}
        ],
    }
