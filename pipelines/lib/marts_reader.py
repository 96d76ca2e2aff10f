"""Read the published marts, read-only, as the CLI, the exports and the insight pack do.

Read-only connections never block the nightly refresh (it swaps in a new file) and never
change what BI tools see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import settings
from pipelines.lib.publishing import CASE_LEVEL, MARTS


class MartsNotPublished(FileNotFoundError):
    """No refresh has published marts where the settings point."""


def published_file(case_level: bool = False, marts_dir: Path | None = None) -> Path:
    return (marts_dir or settings.marts_dir()) / (CASE_LEVEL if case_level else MARTS).file


@contextmanager
def open_marts(case_level: bool = False,
               marts_dir: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = published_file(case_level, marts_dir)
    if not path.is_file():
        raise MartsNotPublished(f"no published marts at {path}: run `triangulate refresh` "
                                "(or set TRIANGULATE_MARTS_DIR)")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(sql: str, params: list | None = None, case_level: bool = False,
          marts_dir: Path | None = None) -> pl.DataFrame:
    with open_marts(case_level, marts_dir) as con:
        return con.execute(sql, params or []).pl()


def has_table(name: str, case_level: bool = False, marts_dir: Path | None = None) -> bool:
    with open_marts(case_level, marts_dir) as con:
        return bool(con.execute("select count(*) from duckdb_tables() where table_name = ?",
                                [name]).fetchone()[0])
