"""The ingest service: a record read from a file becomes a stored version of its policy.

It decides the key a record is filed under (the document's payer and number, else the ones the caller
names) and hands the store the record with the diff engine; the store only persists. Extraction of the
files, on workers or a cluster, is batch.ingest_paths's part.
"""

from __future__ import annotations

import sqlite3

from policydiff import store
from policydiff.diff import diff_policies
from policydiff.extract.errors import UnfiledError
from policydiff.model import Diagnostic, Policy


def file_under(policy: Policy, path: str, payer: str | None, number: str | None) -> tuple[str, str, Policy]:
    """The key a record is filed under, and the record with a warning when the key was not in the document."""
    keys = {"payer": (policy.payer, payer), "policy number": (policy.policy_number, number)}
    missing = [name for name, (found, given) in keys.items() if not (found or given)]
    if missing:
        raise UnfiledError(
            path,
            f"not stored: no {' and no '.join(missing)} found in the document "
            "(name the payer and number to file it under)",
        )
    given_keys = [
        Diagnostic(
            code="filing.key_given",
            item=name,
            message=f"{name} not found in the document; filed under {given!r} as given at ingest",
        )
        for name, (found, given) in keys.items()
        if not found
    ]
    filed = policy.with_diagnostics([*policy.diagnostics, *given_keys]) if given_keys else policy
    return policy.payer or payer or "", policy.policy_number or number or "", filed


def store_policy(
    conn: sqlite3.Connection,
    name: str,
    sha256: str,
    policy: Policy,
    payer: str | None = None,
    number: str | None = None,
) -> store.Ingested:
    """Store the record read from the file `name` (content hash `sha256`) as a version of its policy, the
    diffs to the versions around it computed in the same transaction. Raises UnfiledError naming the file.

    `payer` and `number` file records whose document prints none (the document's own values win)."""
    key_payer, key_number, record = file_under(policy, name, payer, number)
    return store.store_record(conn, name, sha256, record, (key_payer, key_number), diff_policies)
