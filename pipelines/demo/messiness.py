"""Mess planted in export tables: duplicates, unresolvable places, blanks, bad values.

Each operation picks rows that carry nothing planted and no other mess, so every planted
record stays countable and every messy row has exactly one reason to be in the truth file.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.demo.exports import COLUMN, MARK, REASON, TAG, Table
from pipelines.demo.sampling import nhs_number

ROW = "_row"


def _free_rows(table: Table, where: pl.Expr | None = None) -> np.ndarray:
    condition = pl.col(TAG).is_null() & pl.col(MARK).is_null()
    if where is not None:
        condition = condition & where.fill_null(False)
    return (table.frame.with_row_index(ROW).filter(condition)[ROW].to_numpy())


def _choose(rng: np.random.Generator, rows: np.ndarray, count: int) -> np.ndarray:
    return np.sort(rng.choice(rows, size=min(count, rows.size), replace=False))


def _set(table: Table, rows: np.ndarray, updates: dict[str, pl.Expr]) -> None:
    hit = pl.int_range(pl.len()).is_in(rows.tolist())
    table.frame = table.frame.with_columns(
        pl.when(hit).then(value).otherwise(pl.col(column)).alias(column)
        for column, value in updates.items())


def plant_bad_value(table: Table, rng: np.random.Generator, field: str, value: object,
                    reason: str, where: pl.Expr | None = None) -> None:
    """One row whose `field` holds a value the loader must reject."""
    rows = _choose(rng, _free_rows(table, where), 1)
    dtype = table.frame.schema[table.header(field)]
    _set(table, rows, {table.header(field): pl.lit(value, dtype=dtype),
                       MARK: pl.lit("bad_row"), COLUMN: pl.lit(field), REASON: pl.lit(reason)})


def plant_dates_swapped(table: Table, rng: np.random.Generator, later: str, earlier: str,
                        where: pl.Expr | None = None) -> None:
    """One row whose `later` date reads before its `earlier` one (the two cells swapped): the
    loader loads it, and lists it as flagged by the warning rule on the pair."""
    later_cell, earlier_cell = pl.col(table.header(later)), pl.col(table.header(earlier))
    differ = later_cell != earlier_cell
    rows = _choose(rng, _free_rows(table, differ if where is None else where & differ), 1)
    _set(table, rows, {table.header(later): earlier_cell, table.header(earlier): later_cell,
                       MARK: pl.lit("flagged_row"), COLUMN: pl.lit(later),
                       REASON: pl.lit(f"{later} is before {earlier}")})


def plant_unresolvable(table: Table, rng: np.random.Generator, count: int,
                       values: list[str]) -> None:
    rows = _choose(rng, _free_rows(table), count)
    spelled = pl.Series([values[i % len(values)] for i in range(rows.size)], dtype=pl.String)
    lookup = dict(zip(rows.tolist(), spelled.to_list(), strict=True))
    index = pl.int_range(pl.len())
    _set(table, rows, {
        table.header("location"): index.replace_strict(lookup, default=None,
                                                       return_dtype=pl.String),
        MARK: pl.lit("unresolvable_location"), COLUMN: pl.lit("location"),
        REASON: index.replace_strict(lookup, default=None, return_dtype=pl.String)})


def plant_identifiers(table: Table, rng: np.random.Generator, field: str, count: int) -> None:
    """Fake NHS or phone numbers appended to free text, for the redaction work to find."""
    header = table.header(field)
    # Only real sentences: not blanks or stock answers such as "Did not answer".
    rows = _choose(rng, _free_rows(table, pl.col(header).str.len_chars() > 20), count)
    extras = [f" Pt NHS no {nhs_number(rng)}." if i % 2 == 0 else
              f" Daughter's mobile 07700 900{rng.integers(100, 1000)}." for i in range(rows.size)]
    lookup = dict(zip(rows.tolist(), extras, strict=True))
    extra = pl.int_range(pl.len()).replace_strict(lookup, default="", return_dtype=pl.String)
    _set(table, rows, {header: pl.col(header) + extra, MARK: pl.lit("identifier_in_text"),
                       COLUMN: pl.lit(field)})


def blank_cells(table: Table, rng: np.random.Generator, fields: list[str],
                rate: float) -> dict[str, int]:
    """Blank a share of some optional cells; returns how many per field."""
    counts = {}
    for field in fields:
        header = table.header(field)
        rows = _free_rows(table, pl.col(header).is_not_null())
        chosen = rows[rng.random(rows.size) < rate]
        _set(table, chosen, {header: pl.lit(None, dtype=table.frame.schema[header])})
        counts[field] = int(chosen.size)
    return counts


def plant_duplicates(table: Table, rng: np.random.Generator, count: int) -> None:
    """Exact copies of some rows, each placed next to its original when the file is sorted."""
    rows = _choose(rng, _free_rows(table), count)
    copies = table.frame[rows.tolist()].with_columns(pl.lit("duplicate_row").alias(MARK))
    table.frame = pl.concat([table.frame, copies])


def plant_common_mess(tables: list[Table], rng: np.random.Generator, settings: dict, *,
                      blank_fields: tuple[str, ...] = ("site", "specialty"),
                      text_field: str | None = None) -> dict[str, int]:
    """The scenario's `messiness` for one source, spread over its export tables (the first
    table gets any remainder). Returns the number of cells blanked per field."""

    def share(total: int, i: int) -> int:
        return total // len(tables) + (1 if i < total % len(tables) else 0)

    blanks: dict[str, int] = {}
    for i, table in enumerate(tables):
        fields = [f for f in blank_fields if f in table.headers]
        for field, n in blank_cells(table, rng, fields, settings["blank_place_rate"]).items():
            blanks[field] = blanks.get(field, 0) + n
        if "location" in table.headers:
            plant_unresolvable(table, rng, share(settings["unresolvable_locations"], i),
                               list(settings["unresolvable_values"]))
        if text_field and text_field in table.headers:
            plant_identifiers(table, rng, text_field, share(settings["identifiers_in_text"], i))
        plant_duplicates(table, rng, share(settings["duplicate_rows"], i))
    return blanks
