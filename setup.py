"""Packages found from the tree, so a new subpackage cannot be silently left out of the wheel.

The repository root is the `policydiff` package (the design card fixes the top level: extract/, model/,
diff/, templates/ ...), which setuptools' own finder cannot express: it would ship `extract` as a
top-level name. Everything else about the build is in pyproject.toml.
"""

from collections.abc import Iterator
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
NOT_SHIPPED = {"tests", "corpus", "bench", "docs", "build", "dist"}


def packages_under(directory: Path, name: str) -> Iterator[str]:
    yield name
    for child in sorted(directory.iterdir()):
        if child.is_dir() and child.name not in NOT_SHIPPED and (child / "__init__.py").exists():
            yield from packages_under(child, f"{name}.{child.name}")


setup(packages=list(packages_under(ROOT, "policydiff")))
