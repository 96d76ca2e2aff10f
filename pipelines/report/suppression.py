"""Small-number suppression for the wide-circulation pack.

Uses `pipelines.lib.suppression.suppress` when that module exists (being added on another
branch); until then this minimal local version with the same intent: counts 1-4 become "*",
and in a row that carries a total, a second (the next smallest) cell is suppressed too, so a
suppressed count cannot be worked out from the total and the others.
"""

from __future__ import annotations

from collections.abc import Sequence

SUPPRESSED = "*"
SMALL = range(1, 5)  # 1-4: zero is not disclosive and is shown


def is_small(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value in SMALL


def suppress_row(row: dict, count_columns: Sequence[str],
                 total_column: str | None = None) -> dict:
    """A copy of row with small counts in count_columns replaced by "*".

    With total_column (a column holding the sum of count_columns), secondary suppression: if
    exactly one cell of the row was suppressed, the smallest other non-zero count is too; the
    total itself is suppressed when small.
    """
    out = dict(row)
    hidden = [c for c in count_columns if is_small(row.get(c))]
    for column in hidden:
        out[column] = SUPPRESSED
    if total_column is not None:
        if len(hidden) == 1:
            others = [c for c in count_columns
                      if c not in hidden and isinstance(row.get(c), int | float) and row[c] > 0]
            if others:
                out[min(others, key=lambda c: row[c])] = SUPPRESSED
        if is_small(row.get(total_column)):
            out[total_column] = SUPPRESSED
    return out


def suppress_column(values: list, total_index: int | None = None) -> list:
    """The same for one column of counts whose last (or total_index) entry is their total."""
    row = {str(i): v for i, v in enumerate(values)}
    total = str(total_index if total_index is not None else len(values) - 1)
    counts = [k for k in row if k != total]
    out = suppress_row(row, counts, total)
    return [out[str(i)] for i in range(len(values))]


try:  # switch over to the shared implementation when it lands
    from pipelines.lib.suppression import suppress as shared_suppress  # noqa: F401
except ImportError:  # pragma: no cover - depends on the other branch
    shared_suppress = None
