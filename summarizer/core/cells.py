"""Spreadsheet cells are data: text a spreadsheet would run as a formula is written as text.

In: a cell value (any type). Out: the value to write. OWASP's CSV-injection rule: a text
cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or the start
of one, `-1+IMPORTXML(...)`, `@SUM(...)`) to Excel, LibreOffice and Google Sheets. Such text
comes from reports and model answers (a 发布机构 line, a finding's title), so every CSV and
xlsx writer passes each cell through here:
- CSV: the text gets a leading `'` (what the spreadsheets themselves show for text typed
  that way);
- xlsx: the cell is a string cell with the quote-prefix flag (never a formula, and it stays
  text when a user edits it), its value unchanged.
A plain signed number written as text ("-3.5", "+12%") is no formula and is left as it is.
This module imports nothing of ours.
"""

from __future__ import annotations

import re
from typing import Any

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")


def is_formula_like(value: object) -> bool:
    """Whether `value` is text a spreadsheet would run (OWASP's leading characters)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_LEADS)
        and _PLAIN_NUMBER.fullmatch(value) is None
    )


def csv_cell(value: Any) -> Any:
    """A CSV cell: formula-like text prefixed with `'`; anything else as it is."""
    if is_formula_like(value):
        return "'" + value
    return value


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """An xlsx cell for openpyxl's `append`: formula-like text as a quote-prefixed string
    cell of `sheet`; anything else as it is."""
    if not is_formula_like(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
