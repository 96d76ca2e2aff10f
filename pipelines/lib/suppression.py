"""Small-number suppression for tables that leave the patient safety team.

NHS England publishes counts of 1-4 as `*` (primary suppression) and suppresses further
cells so that no hidden count can be worked out from the totals that are shown (secondary
suppression). `suppress` does both on a table of counts:

- a count of 1-4 is shown as `*`; 0 stays 0 (a zero is not a small number);
- every row of the table, with its row total, and every column, with its column total,
  is an equation (cells add up to the total). The totals row and the totals column are
  equations too (row totals add up to the grand total, and so do column totals). Where one
  of these equations has exactly one hidden term, that term could be recovered, so the
  smallest non-zero shown cell of the equation is hidden as well (the first of equal ones);
  only when the equation has no such cell left is its total hidden. Repeat until no
  equation has exactly one hidden term;
- so totals stay shown unless they are 1-4 themselves, or hiding one is the only way to
  protect a hidden term: a row total of 1-4 is otherwise recoverable from the grand total
  minus the other row totals, so a second row total goes too (likewise column totals).

This is the usual rule-of-two protection: every line with a hidden term has at least two.
On its own it can still leave a cell with only one possible value: pinned down by several
equations together (two hidden cycles joined by one cell), or by what a reader knows of a
hidden count (at least 1, because zeros are shown: two hidden totals adding up to 2 are 1
each). So a final check finds the least and greatest value each hidden term can take given
everything shown, and hides one more cell beside any with only one, until none is left. It
does not guard against several linked tables published separately; publish each set of
counts in one table only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy.optimize import linprog

MARKER = "*"
SMALL = range(1, 5)  # counts NHS England publishes as "*"


def is_small(value) -> bool:
    """A single count of 1-4 (shown as `*` when it stands alone, e.g. beside a percentage)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value in SMALL


def suppress(
    frame: pl.DataFrame,
    count_columns: Sequence[str],
    *,
    row_total: str | None = "total",
    column_totals: bool = True,
    label_column: str | None = None,
    total_label: str = "Total",
    low: int = 1,
    high: int = 4,
    marker: str = MARKER,
) -> pl.DataFrame:
    """Return `frame` with its counts suppressed, as text (numbers, or `marker`).

    count_columns: the columns of counts (non-negative integers; null counts as 0).
    row_total: name of a row-total column to add (the sum of the count columns), or None
        for a table published without row totals (rows are then no equations).
    column_totals: add a totals row (column sums, and the grand total when there is a row
        total); without it columns are no equations.
    label_column: a text column that names the totals row `total_label` (other non-count
        columns are null on the totals row).
    low, high: counts in [low, high] are suppressed (1-4 by default).

    Pure: the input is not changed. Count and total columns come back as strings.
    """
    columns = list(count_columns)
    if not columns:
        raise ValueError("suppress needs at least one count column")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"count columns not in the frame: {missing}")
    if row_total is not None and row_total in frame.columns:
        raise ValueError(f"the frame already has a column named {row_total!r}")
    if label_column is not None and label_column not in frame.columns:
        raise ValueError(f"label column not in the frame: {label_column!r}")
    if low < 1 or high < low:
        raise ValueError("need 1 <= low <= high: 0 is never suppressed")

    cells = frame.select(pl.col(c).fill_null(0) for c in columns).to_numpy()
    cells = np.asarray(cells, dtype=np.float64).reshape(frame.height, len(columns))
    if (cells < 0).any() or (cells != np.round(cells)).any():
        raise ValueError("counts must be non-negative integers")
    values = _with_totals(cells.astype(np.int64), row_total is not None, column_totals)
    hidden = _suppressed(values, frame.height, len(columns), row_total is not None,
                         column_totals, low, high)
    text = np.where(hidden, marker, values.astype(str))

    body = frame.height
    out = frame.with_columns(
        pl.Series(c, text[:body, j].tolist(), dtype=pl.String) for j, c in enumerate(columns)
    )
    if row_total is not None:
        out = out.with_columns(pl.Series(row_total, text[:body, len(columns)].tolist(),
                                         dtype=pl.String))
    if column_totals:
        totals = {c: [text[body, j]] for j, c in enumerate(columns)}
        if row_total is not None:
            totals[row_total] = [text[body, len(columns)]]
        if label_column is not None:
            totals[label_column] = [total_label]
        totals_row = pl.DataFrame(
            {c: totals.get(c, [None]) for c in out.columns},
            schema={c: (pl.String if c in totals else out.schema[c]) for c in out.columns},
        )
        out = pl.concat([out, totals_row], how="vertical_relaxed")
    return out


def _with_totals(cells: np.ndarray, row_total: bool, column_totals: bool) -> np.ndarray:
    values = cells
    if row_total:
        values = np.hstack([values, values.sum(axis=1, keepdims=True)])
    if column_totals:
        values = np.vstack([values, values.sum(axis=0, keepdims=True)])
    return values


def _lines(rows: int, cols: int, row_total: bool, column_totals: bool):
    """Each equation of the table: (its cells, its total), as (row, column) positions."""
    if row_total:  # every row, the totals row included, adds up to its row total
        for i in range(rows + int(column_totals)):
            yield [(i, j) for j in range(cols)], (i, cols)
    if column_totals:  # every column, the row-total column included, adds up to its total
        for j in range(cols + int(row_total)):
            yield [(i, j) for i in range(rows)], (rows, j)


def _suppressed(values: np.ndarray, rows: int, cols: int, row_total: bool,
                column_totals: bool, low: int, high: int) -> np.ndarray:
    hidden = (values >= low) & (values <= high)
    lines = list(_lines(rows, cols, row_total, column_totals))
    while True:
        _rule_of_two(values, hidden, lines)
        disclosed = disclosed_cells(values, hidden, lines)
        if not disclosed:
            return hidden
        # Every equation has two hidden terms, yet together they pin a cell down (two hidden
        # cycles joined by one cell; two hidden totals that add up to 2, each at least 1).
        # Hide one more cell beside it.
        target = disclosed[0]
        around = [p for members, total in lines if target in [*members, total]
                  for p in [*members, total]]
        candidates = [p for p in around if not hidden[p] and values[p] > 0] or [
            p for p in zip(*np.nonzero(~hidden & (values > 0)), strict=True)]
        if not candidates:
            return hidden
        hidden[min(candidates, key=lambda p: values[p])] = True


def _rule_of_two(values: np.ndarray, hidden: np.ndarray, lines: list) -> None:
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            if sum(bool(hidden[p]) for p in [*members, total]) != 1:
                continue
            candidates = [p for p in members if not hidden[p] and values[p] > 0]
            # Only when no other non-zero cell is left does the total go.
            pick = min(candidates, key=lambda p: values[p]) if candidates else total
            hidden[pick] = True
            changed = True


def disclosed_cells(values: np.ndarray, hidden: np.ndarray,
                    lines: list) -> list[tuple[int, int]]:
    """Hidden positions whose value follows from what is shown: the table's equations plus
    what a reader knows of any hidden count (it is at least 1, since zeros are shown) leave
    it one possible value. Found by minimising and maximising each hidden term (linear
    programmes over the real numbers)."""
    unknown = [tuple(int(x) for x in p) for p in zip(*np.nonzero(hidden), strict=True)]
    if not unknown:
        return []
    index = {p: k for k, p in enumerate(unknown)}
    equations, constants = [], []
    for members, total in lines:
        row, constant = np.zeros(len(unknown)), 0.0
        for p, sign in [*((m, 1.0) for m in members), (total, -1.0)]:
            if p in index:
                row[index[p]] += sign
            else:
                constant -= sign * float(values[p])
        if row.any():
            equations.append(row)
            constants.append(constant)
    if not equations:
        return []
    a_eq, b_eq = np.array(equations), np.array(constants)
    disclosed = []
    for p, k in index.items():
        objective = np.zeros(len(unknown))
        objective[k] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(1, None), method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            disclosed.append(p)
    return disclosed
