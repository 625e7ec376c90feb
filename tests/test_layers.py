"""The layers of the package, checked on every module's imports (TYPE_CHECKING and function-level ones too).

    cli -> api, batch/ingest service, reports -> store -> extract, diff -> model

Data flows one way: model imports nothing of the project; extract never imports diff, the store or the
reports; diff never imports extract's parsers; the store only persists (it neither extracts nor diffs);
renderers only render what they are given (no store, no parsing, no diffing).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_PACKAGE = ("tests", "corpus", "bench", "docs", "build", "dist")

# module (dotted, without "policydiff.") or package prefix -> what it must not import.
FORBIDDEN = {
    "model": ("*",),
    "extract": ("diff", "store", "ingest", "batch", "api", "cli", "render", "html_report", "fhir_export"),
    "diff": ("extract.", "store", "ingest", "batch", "api", "cli", "render", "html_report", "fhir_export"),
    "store": (
        "extract.load",
        "extract.pdf",
        "extract.html",
        "api",
        "diff",
        "batch",
        "ingest",
        "cli",
        "render",
    ),
    "render": ("store", "ingest", "batch", "api", "cli", "extract", "diff"),
    "html_report": ("store", "ingest", "batch", "api", "cli", "extract", "diff"),
    "api": ("store", "ingest", "batch", "cli", "render", "html_report"),
    "batch": ("cli", "render", "html_report"),
    "ingest": ("cli", "render", "html_report", "extract.load", "extract.pdf", "extract.html"),
}
# What diff may take from extract: the shared toolkit (errors, rules, the cue phrases read from them, the
# sentence splitter, the abbreviation finder, the quantity grammar), never a parser. The text diff compares comes cut into
# passages by the extractor (model.text).
DIFF_MAY_USE = (
    "extract.errors",
    "extract.rules",
    "extract.cues",
    "extract.sentences",
    "extract.abbreviations",
    "extract.quantities",
)


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] in NOT_PACKAGE or any(part.startswith(".") for part in parts) or parts == ("setup",):
            continue
        if not all((ROOT / Path(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))):
            continue
        found[".".join(part for part in parts if part != "__init__") or "__init__"] = path
    return found


def project_imports(path: Path) -> set[str]:
    """Every policydiff module a file imports, as dotted names without the "policydiff." prefix."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        imported.update(name.removeprefix("policydiff.") for name in names if name.startswith("policydiff."))
        if any(name == "policydiff" for name in names):
            imported.update(alias.name for alias in node.names if isinstance(node, ast.ImportFrom))
    return imported


def violations(module: str, imported: set[str]) -> list[str]:
    layer = next((key for key in FORBIDDEN if module == key or module.startswith(key + ".")), None)
    if layer is None:
        return []
    own = [name for name in imported if not (name == layer or name.startswith(layer + "."))]
    if layer == "model":
        return [name for name in own if name not in ("__version__",)]
    bad = []
    for name in own:
        for forbidden in FORBIDDEN[layer]:
            hit = (
                name.startswith(forbidden)
                if forbidden.endswith(".")
                else (name == forbidden or name.startswith(forbidden + "."))
            )
            if hit and not (layer == "diff" and name.startswith(DIFF_MAY_USE)):
                bad.append(name)
    return sorted(set(bad))


@pytest.mark.parametrize("module", sorted(modules()))
def test_each_module_imports_only_the_layers_below_it(module):
    assert violations(module, project_imports(modules()[module])) == []


def test_the_checker_sees_a_wrong_import():
    # The checker itself: an extractor importing the diff, or the model importing anything, is caught.
    assert violations("extract.codes", {"diff.policies", "model"}) == ["diff.policies"]
    assert violations("model.policy", {"extract.rules"}) == ["extract.rules"]
    assert violations("store", {"diff", "model.feed", "extract.errors"}) == ["diff"]
    assert violations("diff.criteria", {"extract.criteria", "extract.rules"}) == ["extract.criteria"]
    # diff reads cue phrases through the toolkit, and passages from the model, never the cutter itself.
    assert violations("diff.passages", {"extract.cues", "extract.passages", "model.text"}) == [
        "extract.passages"
    ]


# An option in a string that is no docstring: "--max-pages", not "x--y" or a dash rule.
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
# A module's own `python -m` entry point may name its options.
OWN_ENTRY_POINTS = {"model.schema"}


def message_strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module, its docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_library_message_names_a_command_line_option():
    # The library is used without the CLI: its errors say what went wrong and which setting it was
    # (LimitError.limit), and the CLI alone turns that into an option's name.
    found = [
        f"{module}:{line}: {text!r}"
        for module, path in modules().items()
        if module != "cli" and module not in OWN_ENTRY_POINTS
        for line, text in message_strings(path)
        if OPTION.search(text)
    ]
    assert found == []


def test_the_option_check_sees_an_option_in_a_message(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('''"""Docstrings may name --options."""\nMESSAGE = "raise it with --max-pages"\n''')
    assert [text for _, text in message_strings(sample) if OPTION.search(text)] == [
        "raise it with --max-pages"
    ]
