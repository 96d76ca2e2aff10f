"""theme_spc's charts kept series by series in the private warehouse, so a night charts again
only the series whose months changed (a day's records reach a few hundred of a large trust's
thousands of series).

A series' chart is a function of its key, its months (count, unit name, directorate,
denominator and rate unit of each), the minimum number of points for limits and the code that
charts it: `digest_series` digests all of them into one 64-bit number per series, and a kept
chart is used only under the same digest. So a night that reuses charts publishes what
charting anew would, and a full refresh of the same files publishes the same marts. Each
entry is a pure function of its digest, so a build that fails half way can leave entries
behind but never a wrong one; those no series has any more go when the next build keeps its
new charts.

The table `raw.theme_spc_charts` stays in the private warehouse, which is never published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

import pipelines.spc
from pipelines.lib import fingerprints
from pipelines.lib.settings import DBT_PROJECT_DIR
from pipelines.lib.warehouse import RAW_SCHEMA, SPC_CHARTS, has_raw_table, insert_frame

TABLE = SPC_CHARTS
DIGEST = "series_digest"
# The dbt model that charts the series, beside pipelines.spc.
MODEL = DBT_PROJECT_DIR / "models" / "marts" / "triangulation" / "theme_spc.py"
# What charting and keeping the charts run on: a new release of any may change a float.
_LIBRARIES = ("numpy", "polars", "duckdb", "pyarrow")


def code_version() -> str:
    """The digest of the code that charts a series and of the Python and libraries it runs
    on."""
    return fingerprints.code_version([Path(pipelines.spc.__file__).resolve().parent],
                                     _LIBRARIES, [MODEL])


def digest_series(con: duckdb.DuckDBPyConnection, months: str, denominators: str,
                  series: list[str], min_points: int, into: str) -> None:
    """Fill the temp table `into` with each series of the relation `months` (its key columns
    `series`) and its digest: the months' hashes summed (order-free, each hashed with its
    month) with their denominators from `denominators`, hashed with the key, `min_points` and
    code_version()."""
    key = ", ".join(series)
    con.execute(f"""
        create or replace temp table {into} as
        select {key}, hash(?, ?, {key}, sum(hash(
            month, record_count, unit_name, directorate, {denominators}.denominator,
            {denominators}.rate_unit))) as {DIGEST}
        from {months}
        left join {denominators} using (unit_level, unit_id, month)
        group by {key}
    """, [code_version(), min_points])


def _any_kept(con: duckdb.DuckDBPyConnection) -> bool:
    return has_raw_table(con, TABLE.removeprefix(f"{RAW_SCHEMA}."))


def kept_charts(con: duckdb.DuckDBPyConnection, series: str) -> pl.DataFrame:
    """The kept chart rows (with their digest) of the series in the temp table `series` whose
    digest is unchanged; none before the first charts are kept."""
    if not _any_kept(con):
        return pl.DataFrame()
    return con.sql(f"select * from {TABLE} semi join {series} using ({DIGEST})").pl()


def without_kept_chart(con: duckdb.DuckDBPyConnection, series: str) -> str:
    """A query of the series in the temp table `series` that have no kept chart."""
    if not _any_kept(con):
        return series
    return f"(select * from {series} anti join {TABLE} using ({DIGEST}))"


def keep(con: duckdb.DuckDBPyConnection, series: str, charts: pl.DataFrame,
         reused: bool) -> None:
    """Keep `charts` (chart rows with their digest), dropping the kept charts of digests no
    series in `series` has any more; with nothing `reused`, `charts` replace the table (so
    a change to the charts' columns, which changes code_version(), changes the table's)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    if not reused:
        con.register("new_charts", charts.to_arrow())
        try:
            con.execute(f"create or replace table {TABLE} as select * from new_charts")
        finally:
            con.unregister("new_charts")
        return
    con.execute(f"delete from {TABLE} where {DIGEST} not in (select {DIGEST} from {series})")
    insert_frame(con, TABLE, charts)
