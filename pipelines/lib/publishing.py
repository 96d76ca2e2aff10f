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

from pipelines.lib.identifier_guard import guard_database

# Readable by DuckDB 1.0 and later (tests/test_bi_clients.py opens it with 1.1).
STORAGE_VERSION = "v1.0.0"
# Reference seeds that help a reader label the marts (they hold no patient data).
REFERENCE_TABLES = ("themes", "theme_taxonomy", "theme_code_map", "locations")


@dataclass(frozen=True)
class Publication:
    """One published DuckDB file: the warehouse schemas it copies, and its Parquet folder."""

    file: str
    schemas: tuple[str, ...]
    reference_tables: tuple[str, ...]
    parquet_dir: str


# The aggregate marts go to everyone who reads quality data; the case-level file (record
# ids of the evidence behind each figure, still no free text) only to the patient safety
# team, so the two are separate files that can carry separate file permissions.
MARTS = Publication("triangulate.duckdb", ("marts",), REFERENCE_TABLES, "parquet")
CASE_LEVEL = Publication("triangulate_case_level.duckdb", ("case_level",), (),
                         "parquet_case_level")
PUBLICATIONS = (MARTS, CASE_LEVEL)


@dataclass(frozen=True)
class Published:
    path: Path
    tables: dict[str, int]  # table -> rows


def publish(warehouse: Path, marts_dir: Path) -> list[Published]:
    """Build every publication beside its target, check them all, then swap them all in: a
    failure anywhere leaves every published file as it was."""
    marts_dir.mkdir(parents=True, exist_ok=True)
    built = []
    try:
        for publication in PUBLICATIONS:
            partial = marts_dir / f".{publication.file}.partial"
            built.append((publication, partial, _build(publication, warehouse, partial)))
    except BaseException:
        for _, partial, _ in built:
            partial.unlink(missing_ok=True)
        raise
    published = []
    for publication, partial, tables in built:
        _write_parquet(partial, tables, marts_dir / publication.parquet_dir)
        os.replace(partial, marts_dir / publication.file)
        published.append(Published(marts_dir / publication.file, tables))
    return published


def _sql_path(path: Path) -> str:
    # ATTACH takes no bound parameters: quote the path as a SQL string literal.
    return "'" + str(path).replace("'", "''") + "'"


def _build(publication: Publication, warehouse: Path, partial: Path) -> dict[str, int]:
    partial.unlink(missing_ok=True)
    try:
        with duckdb.connect(":memory:") as con:
            # An older storage format than 1.5 writes by default, so that the DuckDB versions
            # BI drivers bundle (ODBC, JDBC, duckdb-engine on older wheels) can open the file.
            con.execute(f"attach {_sql_path(partial)} as published "
                        f"(storage_version '{STORAGE_VERSION}')")
            con.execute("use published")
            tables = _copy_tables(con, warehouse, publication)
            tables |= guard_database(con, tables)
            con.execute("checkpoint published")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return tables


def _copy_tables(con: duckdb.DuckDBPyConnection, warehouse: Path,
                 publication: Publication) -> dict[str, int]:
    con.execute(f"attach {_sql_path(warehouse)} as wh (read_only)")
    names = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'wh' "
        "and (schema_name in (select unnest(?)) or "
        "(schema_name = 'reference' and table_name in (select unnest(?)))) "
        "order by schema_name, table_name",
        [list(publication.schemas), list(publication.reference_tables)],
    ).fetchall()
    tables = {}
    for schema, name in names:
        con.execute(f'create table main."{name}" as select * from wh."{schema}"."{name}"')
        tables[name] = con.execute(f'select count(*) from main."{name}"').fetchone()[0]
    con.execute("detach wh")
    con.execute("create table main.refresh_info as select ?::timestamp as published_at",
                [datetime.now(UTC).replace(tzinfo=None)])
    return tables


def _write_parquet(database: Path, tables: dict[str, int], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        for name in tables:
            partial = folder / f".{name}.parquet.partial"
            con.execute(f"copy main.\"{name}\" to '{partial}' (format parquet)")
            os.replace(partial, folder / f"{name}.parquet")
    finally:
        con.close()
