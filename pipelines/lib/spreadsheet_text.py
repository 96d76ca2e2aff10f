"""Text in a CSV a person opens in a spreadsheet. A cell starting with =, +, -, @ (or a tab or
carriage return) is a formula to Excel, LibreOffice and Google Sheets: an export's
`=HYPERLINK("http://...")` typed into a ward field would run when the review sheet is
opened. Such a cell is written with a leading apostrophe, which they show as text, and read
back without it."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """`value` as a spreadsheet shows it as text (a string starting like a formula gets a
    leading apostrophe); anything else unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def row_as_text(row: dict) -> dict:
    """A CSV row (column -> value) with each value `as_text`."""
    return {column: as_text(value) for column, value in row.items()}


def as_written(value: str) -> str:
    """A cell read back from a sheet `as_text` wrote: the apostrophe it added taken off."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value
