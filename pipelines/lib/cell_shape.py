"""The shape of a cell's value, for rejection reasons that must not copy the value itself.

A rejected cell can hold anything staff typed, names and NHS numbers included, and the
reasons are published in `rejected_rows`. Its shape says what is wrong without saying what it
holds: `15/07/25` reads `##/##/##` (a two-digit year), `Mrs Jane Smithson` reads
`Aaa Aaaa Aaaaaaaa` (text where a date belongs). The value itself stays in the private
warehouse (`raw.rejected_rows.record`) and in the export, at the file and row named.
"""

from __future__ import annotations

import polars as pl

LENGTH = 20


def cell_shape(text: pl.Expr) -> pl.Expr:
    """Each upper-case letter as A, lower-case as a, digit as #, space and the punctuation of
    dates and numbers kept, anything else as ?; the first 20 characters, then an ellipsis."""
    head = text.cast(pl.String).str.slice(0, LENGTH)
    shape = (head.str.replace_all(r"\p{Lu}", "A").str.replace_all(r"\p{Ll}", "a")
             .str.replace_all(r"\d", "#").str.replace_all(r"[^Aa# /.:,()+\-]", "?"))
    return pl.when(text.cast(pl.String).str.len_chars() > LENGTH).then(shape + "…").otherwise(shape)


def shapes(values: list) -> list[str | None]:
    """cell_shape of each value (None stays None)."""
    series = pl.Series("value", [None if v is None else str(v) for v in values], dtype=pl.String)
    return pl.select(cell_shape(pl.lit(series))).to_series().to_list()
