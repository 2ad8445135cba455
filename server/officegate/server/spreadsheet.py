"""Text cells for CSV files that people open in a spreadsheet."""

from __future__ import annotations

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); a leading apostrophe makes it plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text
