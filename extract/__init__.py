"""Loaders (file -> Document) and field parsers (Document -> model items)."""
