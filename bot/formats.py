"""Names the command line offers in its options, kept apart so `--help` imports nothing heavy."""

from __future__ import annotations

REPORT_FORMATS: tuple[str, ...] = ("md", "csv", "json", "html")
