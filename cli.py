"""The `policydiff` command: a thin layer over the library (policydiff.api and friends).

Exit codes (documented in the README and kept true by tests):
  0  every file was processed
  1  usage error (bad arguments)
  2  at least one file could not be read (missing, empty, encrypted, corrupt, not a document)
  3  at least one file was read but is not a coverage policy
Errors print one line to stderr, `policydiff: PATH: problem`; in a batch the other files go on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from policydiff import __version__
from policydiff.api import extract_file
from policydiff.extract.errors import ExtractError
from policydiff.model import Policy, iter_criteria

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_UNREADABLE = 2
EXIT_NOT_POLICY = 3


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers never see it half-written (temp file in place, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def emit(text: str, output: str | None) -> None:
    if output:
        write_atomic(Path(output), text)
    else:
        sys.stdout.write(text)


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files as given; folders recursively (hidden files skipped), in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and not any(part.startswith(".") for part in p.parts)
                )
            )
        else:
            files.append(path)
    return files


def report_error(error: ExtractError) -> int:
    print(f"policydiff: {error}", file=sys.stderr)
    return error.exit_code


# ----------------------------------------------------------------------------------------------- extract


def policy_json(policy: Policy, indent: int | None = 2) -> str:
    return json.dumps(policy.to_json_dict(), indent=indent, ensure_ascii=False)


def policy_summary(policy: Policy) -> str:
    """A readable summary: who, what, when, how much, and the criteria outline."""
    dates = (
        ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in policy.dates if value)
        or "none found"
    )
    lines = [
        f"{policy.payer or '(payer not found)'} {policy.policy_number or '(number not found)'}: {policy.title}",
        f"  source:     {policy.source.path} ({policy.source.format}, {policy.source.pages or '?'} pages)",
        f"  dates:      {dates}",
        f"  services:   {', '.join(policy.services) or '-'}",
        f"  criteria:   {sum(1 for _ in iter_criteria(policy.criteria))} nodes in {len(policy.criteria)} trees",
        f"  codes:      {len(policy.codes)}",
        f"  revisions:  {len(policy.revisions)}",
        f"  references: {len(policy.references)}",
    ]
    if policy.criteria:
        lines.append("  criteria outline:")
        lines.extend(_outline(policy.criteria, depth=2))
    if policy.warnings:
        lines.append(f"  warnings ({len(policy.warnings)}):")
        lines.extend(f"    - {warning}" for warning in policy.warnings)
    return "\n".join(lines) + "\n"


def _outline(criteria, depth: int) -> list[str]:
    out = []
    for node in criteria:
        tags = [node.kind]
        if node.coverage:
            tags.append(node.coverage)
        if node.logic:
            tags.append(node.logic.upper())
        text = node.text if len(node.text) <= 90 else node.text[:87] + "..."
        out.append(f"{'  ' * depth}{node.id} [{', '.join(tags)}] {text}")
        out.extend(_outline(node.children, depth + 1))
    return out


def run_extract(args: argparse.Namespace) -> int:
    files = expand_paths(args.files)
    if not files:
        print("policydiff: no input files", file=sys.stderr)
        return EXIT_USAGE
    several = len(files) > 1
    out_dir = Path(args.output) if args.output and several else None
    exit_code = EXIT_OK
    for path in files:
        try:
            policy = extract_file(path)
        except ExtractError as error:
            exit_code = max(exit_code, report_error(error))
            continue
        if args.format == "text":
            text = policy_summary(policy)
        else:
            text = policy_json(policy, indent=None if several and out_dir is None else 2) + "\n"
        if out_dir is not None:
            suffix = ".txt" if args.format == "text" else ".json"
            write_atomic(out_dir / f"{path.name}{suffix}", text)
        elif several or not args.output:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            emit(text, args.output)
    return exit_code


def add_extract_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "extract",
        help="read policy files (PDF, HTML, text) into normalized records",
        description="Read policy files into normalized records (JSON contract: policy.schema.json). "
        "One file: one JSON object. Several: JSON Lines on stdout, or one file each under -o DIR.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="policy files or folders (searched recursively)"
    )
    parser.add_argument(
        "--format", choices=["json", "text"], default="json", help="output format (default json)"
    )
    parser.add_argument("-o", "--output", metavar="PATH", help="output file (one input) or folder (several)")
    parser.set_defaults(handler=run_extract)


# Each command registers itself here; later commands (diff, compare, ingest, ...) add their own
# `add_*_command` function beside extract's.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_extract_command]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policydiff",
        description="Read payer coverage policies into one normalized schema and show how they differ.",
    )
    parser.add_argument("--version", action="version", version=f"policydiff {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    try:
        return args.handler(args)
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
