"""Names the command line offers in its options, kept apart so `--help` imports nothing heavy."""

from __future__ import annotations

REPORT_FORMATS: tuple[str, ...] = ("md", "csv", "json", "html")
# The structures of 50 U.S.C. 1874(a), named by band width; handlers/transparency.py defines
# them (a test holds the two lists equal).
TRANSPARENCY_STRUCTURES: tuple[str, ...] = ("1000", "500", "250", "100")
