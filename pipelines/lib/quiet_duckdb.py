"""DuckDB connections without DuckDB's progress bar, which every part of Triangulate opens.

DuckDB draws a progress bar on the process's standard output for any query that runs over two
seconds, terminal or not, and below Python's redirection: a large trust's nightly refresh
printed one between its own lines and into the cron log, and the benchmark's bare `read_csv`
of a large FFT export one in its table. dbt's connections turn it off in profiles.yml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def connect(database: str = ":memory:", read_only: bool = False,
            config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, the progress bar off (a setting of the session, not of the file).
    DuckDB is imported here, so a module importing this one does not import it yet."""
    import duckdb

    con = duckdb.connect(database, read_only=read_only, config=config or {})
    con.execute("set enable_progress_bar = false")
    return con
