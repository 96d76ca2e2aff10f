"""One generator per source system of the demo trust; each returns a `SourceResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pipelines.demo.exports import TAG, Table


@dataclass
class SourceResult:
    tables: list[Table]
    # Record ids by what they were planted for: a problem or decoy name, or
    # "national:<kind>" for a national-requirement event.
    planted: dict[str, list[str]]
    records: pl.DataFrame  # canonical records (latest revision) with `_loc`, for linking
    blanks: dict[str, int] = field(default_factory=dict)  # canonical field -> cells blanked
    notes: dict = field(default_factory=dict)  # source-specific facts for the truth file


def ids_by_tag(records: pl.DataFrame, id_column: str) -> dict[str, list[str]]:
    tagged = records.filter(pl.col(TAG).is_not_null())
    grouped = tagged.group_by(TAG, maintain_order=True).agg(pl.col(id_column))
    return dict(zip(grouped[TAG].to_list(), grouped[id_column].to_list(), strict=True))
