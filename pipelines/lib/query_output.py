"""How `triangulate query` prints any value a query returns: as table cells or as CSV.

A value is data, never markup, terminal control or a formula: `[/]` is printed as it is (rich
would read it as markup), control characters as escapes (an escape sequence in a value must
not drive the terminal), lists and structs as JSON, blobs as hex, NULL as an empty cell; in
CSV, text starting like a spreadsheet formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import re
import uuid

from pipelines.lib.spreadsheet_text import as_text

# Control characters, and the bidirectional controls that reorder what a terminal shows
# (U+202E makes "exe.txt" read "txt.exe").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _json_default(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.date | dt.time | dt.timedelta | decimal.Decimal | uuid.UUID):
        return str(value)
    return repr(value)


def cell_text(value) -> str:
    """One value as plain text (for a table cell or a CSV field)."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        text = "\\x" + bytes(value).hex()
    elif isinstance(value, list | tuple | dict):
        text = json.dumps(value, default=_json_default, ensure_ascii=False)
    else:
        text = str(value)
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def to_csv(columns: list[str] | None, rows: list[tuple]) -> str:
    """CSV lines: the header (when `columns` is given), then `rows`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if columns is not None:  # a column's name is the query's to choose: a value too
        writer.writerow([cell_text(as_text(c)) for c in columns])
    writer.writerows([cell_text(as_text(v)) for v in row] for row in rows)
    return out.getvalue()


def table_width(columns: list[str], rows: list[tuple]) -> int:
    """Characters a rich table needs to show every cell on one line: each column's widest
    line plus its borders and padding."""
    widths = [len(c) for c in columns]
    for row in rows:
        for i, value in enumerate(row):
            longest = max((len(line) for line in cell_text(value).splitlines()), default=0)
            widths[i] = max(widths[i], longest)
    return sum(widths) + 3 * len(widths) + 1
