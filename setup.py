"""Packages found from the tree, so a new subpackage cannot be silently left out of the wheel.

The repository root is the `policydiff` package (the design card fixes the top level: extract/, model/,
diff/, templates/ ...), which setuptools' own finder cannot express: it would ship `extract` as a
top-level name. Everything else about the build is in pyproject.toml.
"""

from collections.abc import Iterator
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
NOT_SHIPPED = {"tests", "corpus", "bench", "docs", "build", "dist", "out", "test-artifacts"}
DATA_SUFFIXES = {".toml", ".j2", ".css", ".js"}


def packages_under(directory: Path, name: str) -> Iterator[str]:
    """The package at `directory` and every package below it: folders with an __init__.py, and the data
    folders beside them (rules/, templates/), which setuptools ships only when they are listed too."""
    yield name
    for child in sorted(directory.iterdir()):
        if not child.is_dir() or child.name in NOT_SHIPPED or child.name.startswith((".", "_")):
            continue
        if (child / "__init__.py").exists():
            yield from packages_under(child, f"{name}.{child.name}")
        elif any(path.is_file() and path.suffix in DATA_SUFFIXES for path in child.iterdir()):
            yield f"{name}.{child.name}"


setup(packages=list(packages_under(ROOT, "policydiff")))
