"""policydiff: payer coverage policies as normalized data, and how they differ."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# The API's functions are imported on first use, so that `import policydiff.cli` (and `policydiff --help`,
# `history`, `show`) does not import the pipeline's spaCy and rapidfuzz.
_API = {
    "compare_files": "policydiff.api",
    "diff_files": "policydiff.api",
    "extract_file": "policydiff.api",
    "export_fhir": "policydiff.fhir_export",
}

__all__ = ["__version__", "compare_files", "diff_files", "export_fhir", "extract_file"]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'policydiff' has no attribute {name!r}")
