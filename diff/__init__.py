"""Alignment, change detection and comparison over records (the model); never reads files."""
