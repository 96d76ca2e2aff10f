"""Publish the warehouse's marts as a DuckDB file (and Parquet copies) BI tools open read-only.

The copy is built beside the published file and moved over it with an atomic rename, so a BI
tool holding the old file open never blocks the refresh and never sees a half-written file;
on Linux the reader keeps the old file until it reconnects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.lib.identifiers import PATTERNS, nhs_numbers_in

PUBLISHED_FILE = "triangulate.duckdb"
PARQUET_DIR = "parquet"
# Schemas of the private warehouse that are published, and the reference seeds that help a
# reader label the marts (they hold no patient data).
PUBLISHED_SCHEMAS = ("marts",)
REFERENCE_TABLES = ("themes", "locations")


class IdentifiableDataError(RuntimeError):
    """A table about to be published holds something that looks like a patient identifier."""


@dataclass(frozen=True)
class Published:
    path: Path
    tables: dict[str, int]  # table -> rows


def publish(warehouse: Path, marts_dir: Path) -> Published:
    marts_dir.mkdir(parents=True, exist_ok=True)
    target = marts_dir / PUBLISHED_FILE
    partial = marts_dir / f".{PUBLISHED_FILE}.partial"
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial))
    try:
        tables = _copy_tables(con, warehouse)
        _refuse_identifiers(con, tables)
        _write_parquet(con, tables, marts_dir / PARQUET_DIR)
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(partial, target)
    return Published(target, tables)


def _copy_tables(con: duckdb.DuckDBPyConnection, warehouse: Path) -> dict[str, int]:
    # ATTACH takes no bound parameters: quote the path as a SQL string literal.
    quoted = str(warehouse).replace("'", "''")
    con.execute(f"attach '{quoted}' as wh (read_only)")
    names = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'wh' "
        "and (schema_name in (select unnest(?)) or "
        "(schema_name = 'reference' and table_name in (select unnest(?)))) "
        "order by schema_name, table_name",
        [list(PUBLISHED_SCHEMAS), list(REFERENCE_TABLES)],
    ).fetchall()
    tables = {}
    for schema, name in names:
        con.execute(f'create table main."{name}" as select * from wh."{schema}"."{name}"')
        tables[name] = con.execute(f'select count(*) from main."{name}"').fetchone()[0]
    con.execute("detach wh")
    con.execute("create table main.refresh_info as select ?::timestamp as published_at",
                [datetime.now(UTC).replace(tzinfo=None)])
    return tables


def _refuse_identifiers(con: duckdb.DuckDBPyConnection, tables: dict[str, int]) -> None:
    columns = con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' "
        "and data_type = 'VARCHAR'").fetchall()
    for table, column in columns:
        if table not in tables:
            continue
        for kind, pattern in PATTERNS.items():
            hits = con.execute(
                f'select distinct "{column}" from main."{table}" '
                f'where regexp_matches("{column}", ?) limit 50', [pattern]).fetchall()
            if kind == "nhs_number":
                hits = [h for h in hits if nhs_numbers_in(h[0])]
            if hits:
                raise IdentifiableDataError(
                    f"refusing to publish: {table}.{column} holds what looks like a {kind} "
                    f"({len(hits)} distinct values); the published marts were left as they were")


def _write_parquet(con: duckdb.DuckDBPyConnection, tables: dict[str, int], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in tables:
        partial = folder / f".{name}.parquet.partial"
        con.execute(f"copy main.\"{name}\" to '{partial}' (format parquet)")
        os.replace(partial, folder / f"{name}.parquet")
