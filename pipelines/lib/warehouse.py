"""The private warehouse: DDL of its `raw` schema (derived from the canonical entities),
moving frames in and out of it a part at a time, its storage format, and what to do when its
file is damaged."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import quiet_duckdb, settings
from pipelines.lib.canonical import (
    BOOLEAN,
    DATE,
    ENTITIES,
    INTEGER,
    LIST,
    NUMBER,
    TIMESTAMP,
    Entity,
)
from pipelines.lib.errors import safe_summary
from pipelines.lib.sql import has_table, sql_string

RAW_SCHEMA = "raw"
# Only this pipeline's DuckDB opens the warehouse, so it is written in the current storage
# format, whose dictionary + FSST string compression writes a large trust's 1.7M-row tables
# in two thirds of the time of the default (1.0) format. The published files keep the older
# format (publishing.STORAGE_VERSION) for the DuckDB versions BI drivers bundle.
STORAGE_VERSION = "v1.5.0"

_SQL_TYPES = {
    DATE: "DATE",
    TIMESTAMP: "TIMESTAMP",
    INTEGER: "INTEGER",
    NUMBER: "DOUBLE",
    BOOLEAN: "BOOLEAN",
    LIST: "VARCHAR[]",
}

# Where an export row sits and why it was set aside or flagged.
_ROW_LISTED = """
    source varchar not null,
    entity varchar not null,
    file varchar not null,
    row_number integer not null,
    column_name varchar,
    reason varchar not null,
    mapping varchar not null"""

# Rows that failed a row-level rule, with the whole row as read (JSON) so nothing is lost.
REJECTED_ROWS_DDL = f"""
create table if not exists {RAW_SCHEMA}.rejected_rows ({_ROW_LISTED},
    record varchar not null
)"""

# Rows loaded all the same though a warning rule flags them (a date before the one it
# follows): where they sit and why, for the team to check against the source system.
FLAGGED_ROWS_DDL = f"""
create table if not exists {RAW_SCHEMA}.flagged_rows ({_ROW_LISTED}
)"""

# One row per file read, for row accounting (rows_read = rows_loaded + rows_rejected).
LOADED_FILES_DDL = f"""
create table if not exists {RAW_SCHEMA}.loaded_files (
    source varchar not null,
    entity varchar not null,
    file varchar not null,
    mapping varchar not null,
    sha256 varchar not null,
    encoding varchar,
    rows_read integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null
)"""


# One row per file x canonical field: whether the export carries the field and how full it is.
LOADED_FIELDS_DDL = f"""
create table if not exists {RAW_SCHEMA}.loaded_fields (
    source varchar not null,
    entity varchar not null,
    file varchar not null,
    field varchar not null,
    column_name varchar,
    rows_loaded bigint not null,
    rows_filled bigint not null,
    first_month_filled date,
    last_month_filled date
)"""

# One row per file x entity: what identifies the rows raw.<entity> holds from it (the file as
# read, its mapping, the loader and the rows the checks dropped), so that a night whose loads
# give a file the same key leaves its rows where they are (pipelines.lib.ingest).
LOADED_ROW_KEYS_DDL = f"""
create table if not exists {RAW_SCHEMA}.loaded_row_keys (
    source varchar not null,
    entity varchar not null,
    file varchar not null,
    row_key varchar not null
)"""

# The records whose raw rows changed since the last dbt build: per entity, the first key
# column's value (a record id; null: every row of the entity changed). The loader adds to it;
# the models kept per record rebuild only those records (dbt macro changed_record), and a
# successful build empties it (forget_changed_keys), so a failed one leaves it for the next.
CHANGED_KEYS_DDL = f"""
create table if not exists {RAW_SCHEMA}.changed_keys (
    source varchar not null,
    entity varchar not null,
    key_value varchar
)"""

# One row per source: present, expected and fresh enough to publish from (pipelines.lib.freshness).
SOURCE_INVENTORY_DDL = f"""
create table if not exists {RAW_SCHEMA}.source_inventory (
    source varchar not null,
    is_expected boolean not null,
    files integer not null,
    rows_loaded bigint not null,
    newest_record_date date,
    as_of_date date not null,
    stale_after_days integer,
    state varchar not null
)"""


def sql_type(kind: str) -> str:
    return _SQL_TYPES.get(kind, "VARCHAR")


def entity_ddl(entity: Entity, table: str | None = None) -> str:
    """The raw table of `entity` (or a table `table` shaped as it, in the raw schema)."""
    columns = [f"{f.name} {sql_type(f.kind)}" for f in entity.fields]
    columns += ["_source_file varchar not null", "_source_row integer not null",
                "_mapping varchar not null"]
    return (f"create table if not exists {RAW_SCHEMA}.{table or entity.name} (\n    "
            + ",\n    ".join(columns) + "\n)")


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append `frame`'s rows to `table`, matching columns by name."""
    con.register("incoming_frame", frame.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from incoming_frame")
    finally:
        con.unregister("incoming_frame")


def numbered_chunks(con: duckdb.DuckDBPyConnection, table: str, number: str, columns: str,
                    size: int) -> Iterator[pl.DataFrame]:
    """`columns` of `table`, whose column `number` numbers its rows from 0, `size` rows at a
    time in order. Each chunk's query has finished before it is yielded, so the connection is
    free in between (for inserting what the chunk gave)."""
    [(total,)] = con.execute(f"select count(*) from {table}").fetchall()
    for start in range(0, total, size):
        yield con.execute(f"select {columns} from {table} where {number} >= ? and {number} < ? "
                          f"order by {number}", [start, start + size]).pl()


def has_raw_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether `raw.<name>` exists (a warehouse before its first load has none)."""
    return has_table(con, name, RAW_SCHEMA)


def _changed_keys_table(con: duckdb.DuckDBPyConnection) -> None:
    # A warehouse made before the table was (or before any load) may not have it yet.
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(CHANGED_KEYS_DDL)


def note_every_record_changed(con: duckdb.DuckDBPyConnection, source: str, entity: str) -> None:
    """Every record of `source` to be rebuilt after `entity`'s rows all changed."""
    _changed_keys_table(con)
    con.execute(f"insert into {RAW_SCHEMA}.changed_keys values (?, ?, null)", [source, entity])


def noted_changes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The (source, entity) pairs with records noted as changed since the last build."""
    _changed_keys_table(con)
    return con.execute(f"select distinct source, entity from {RAW_SCHEMA}.changed_keys "
                       "order by all").fetchall()


# What the dbt Python models keep between nights, each entry a pure function of the digest it
# is kept under: the narrative classifier (pipelines.textcoding.narrative_memo), the themes it
# gave each narrative (narrative_warehouse) and theme_spc's charts (pipelines.spc.chart_memo).
NARRATIVE_CLASSIFIER = f"{RAW_SCHEMA}.narrative_classifier"
NARRATIVE_THEMES = f"{RAW_SCHEMA}.narrative_text_themes"
SPC_CHARTS = f"{RAW_SCHEMA}.theme_spc_charts"


def forget_kept_results(con: duckdb.DuckDBPyConnection) -> None:
    """Before a full refresh's build: it trains, themes and charts everything anew."""
    for table in (NARRATIVE_CLASSIFIER, NARRATIVE_THEMES, SPC_CHARTS):
        con.execute(f"drop table if exists {table}")


def forget_changed_keys(con: duckdb.DuckDBPyConnection) -> None:
    """After a successful dbt build of every model: the records noted are rebuilt."""
    _changed_keys_table(con)
    con.execute(f"delete from {RAW_SCHEMA}.changed_keys")


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and every raw table if they do not exist yet."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for entity in ENTITIES.values():
        con.execute(entity_ddl(entity))
    for ddl in (REJECTED_ROWS_DDL, FLAGGED_ROWS_DDL, LOADED_FILES_DDL, LOADED_FIELDS_DDL,
                LOADED_ROW_KEYS_DDL, CHANGED_KEYS_DDL, SOURCE_INVENTORY_DDL):
        con.execute(ddl)


def create_if_missing(path: Path) -> None:
    """A new, empty warehouse at `path` in STORAGE_VERSION (a file keeps the format it was
    created in)."""
    if not path.exists():
        with quiet_duckdb.connect(":memory:") as con:
            con.execute(f"attach {sql_string(path)} (storage_version '{STORAGE_VERSION}')")


def upgrade_storage(path: Path) -> str | None:
    """Rewrite a warehouse created in an older storage format in STORAGE_VERSION, keeping
    everything it holds (the first run after an upgrade: about 10 s at a large trust), and
    return a note saying so. A copy is written beside it and takes its place in one rename,
    so an interrupted upgrade leaves the warehouse as it was."""
    if not path.exists():
        return None
    # Read-write, so a write-ahead log left by an interrupted run is folded in on close.
    with quiet_duckdb.connect(str(path)) as con:
        found = storage_version(con)
    if _version(found) >= _version(STORAGE_VERSION):
        return None
    copy = path.with_name(f"{path.name}.upgrading")
    copy.unlink(missing_ok=True)
    try:
        # Under the refresh's memory limit: a region's warehouse is tens of gigabytes.
        with quiet_duckdb.connect(
                ":memory:", config={"memory_limit": settings.duckdb_memory_limit()}) as con:
            con.execute(f"attach {sql_string(path)} as old (read_only)")
            con.execute(f"attach {sql_string(copy)} as new (storage_version '{STORAGE_VERSION}')")
            con.execute("copy from database old to new")
        os.replace(copy, path)
    finally:
        for leftover in (copy, Path(f"{copy}.wal")):
            leftover.unlink(missing_ok=True)
    return f"the warehouse {path} was rewritten from storage format {found} to {STORAGE_VERSION}"


def storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the database `con` opened, as DuckDB tags it ('v1.5.0+')."""
    return con.execute("select tags['storage_version'] from duckdb_databases() "
                       "where database_name = current_database()").fetchone()[0]


def _version(tag: str) -> tuple[int, ...]:
    """'v1.5.0+' -> (1, 5, 0)."""
    return tuple(int(part) for part in re.findall(r"\d+", tag)[:3])


# How DuckDB reports a damaged database file (not a lock held by another process).
_DAMAGE = ("not a valid DuckDB database file", "Corrupt database file", "checksum",
           "Could not read enough bytes", "Failure while replaying WAL", "INTERNAL Error")


def is_damage(message: str) -> bool:
    return any(sign in message for sign in _DAMAGE)


def discard_if_damaged(path: Path, error_message: str | None = None) -> str | None:
    """Remove a warehouse that cannot be opened, or whose `error_message` says it is damaged,
    so the refresh rebuilds it: it holds nothing the exports do not (raw tables are reloaded
    from data/raw/ on every run, everything else is derived). Returns a note saying so."""
    if error_message is None:
        if not path.exists():
            return None
        try:
            quiet_duckdb.connect(str(path)).close()
            return None
        except duckdb.Error as error:
            error_message = str(error)
    if not is_damage(error_message):
        return None
    path.unlink(missing_ok=True)
    Path(f"{path}.wal").unlink(missing_ok=True)
    return (f"the warehouse {path} was damaged ({safe_summary(error_message, 240)}); it holds "
            "nothing the exports do not, so it was removed and rebuilt from them")
