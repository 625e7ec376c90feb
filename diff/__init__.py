"""Alignment, change detection and comparison over records (the model); never reads files."""

from __future__ import annotations

from policydiff.diff.policies import diff_policies

__all__ = ["diff_policies"]
