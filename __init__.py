"""policydiff: payer coverage policies as normalized data, and how they differ."""

from __future__ import annotations

from policydiff.api import compare_files, diff_files, extract_file
from policydiff.fhir_export import export_fhir

__version__ = "0.1.0"

__all__ = ["__version__", "compare_files", "diff_files", "export_fhir", "extract_file"]
