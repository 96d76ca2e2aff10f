"""Publish the warehouse's marts as DuckDB files (and Parquet copies) BI tools open read-only.

All four outputs (the marts file, its Parquet folder, the case-level file and its Parquet
folder) are built in a private staging folder beside them, then swapped in together: files by
atomic rename, so a BI tool holding the old file open never blocks the refresh and never sees
a half-written file (on Linux the reader keeps the old file until it reconnects). If anything
fails, whatever was already swapped in is put back, so the published outputs are either all
new or all as they were, and no partial copy (record-level data) is left behind. The
case-level outputs get the restricted file mode, the marts their own (settings).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.lib import quiet_duckdb, settings
from pipelines.lib.errors import UserFacingError, safe_summary
from pipelines.lib.identifier_guard import guard_database
from pipelines.lib.sql import sql_string

# Readable by DuckDB 1.0 and later (tests/test_bi_clients.py opens it with 1.1).
STORAGE_VERSION = "v1.0.0"
# Reference seeds that help a reader label the marts (they hold no patient data). The code
# map is published as the mart `theme_code_map` (models/marts/reference): a trust's codes are
# spellings accepted from exports, screened there as any typed value.
REFERENCE_TABLES = ("themes", "theme_taxonomy", "locations")


@dataclass(frozen=True)
class Publication:
    """One published DuckDB file: the warehouse schemas it copies, and its Parquet folder."""

    file: str
    schemas: tuple[str, ...]
    reference_tables: tuple[str, ...]
    parquet_dir: str
    restricted: bool = False  # record-level: the patient safety team's file mode

    @property
    def outputs(self) -> tuple[str, str]:
        return self.file, self.parquet_dir


# The aggregate marts go to everyone who reads quality data; the case-level file (record
# ids of the evidence behind each figure, still no free text) only to the patient safety
# team, so the two are separate files that can carry separate file permissions.
MARTS = Publication("triangulate.duckdb", ("marts",), REFERENCE_TABLES, "parquet")
CASE_LEVEL = Publication("triangulate_case_level.duckdb", ("case_level",), (),
                         "parquet_case_level", restricted=True)
PUBLICATIONS = (MARTS, CASE_LEVEL)
STAGING_PREFIX = ".publishing-"


@dataclass(frozen=True)
class Published:
    path: Path
    tables: dict[str, int]  # table -> rows


class PublishError(UserFacingError):
    """Publishing stopped; the message says what the published folder holds now."""

    def __init__(self, message: str, keeps_staging: bool = False):
        super().__init__(message)
        self.keeps_staging = keeps_staging  # it holds previous outputs not put back


@dataclass(frozen=True)
class MartDocs:
    """What the published tables and their columns hold (the dbt models' descriptions),
    written into the DuckDB files as comments, which BI tools and `duckdb_columns()` show. A
    column its own model leaves undescribed takes what another model says of a column of
    that name, or of its per-source family ("claims_p_value" from "sjr_p_value")."""

    tables: dict[str, str]  # table -> description
    columns: dict[tuple[str, str], str]  # (table, column) -> description

    @functools.cached_property
    def _by_name(self) -> dict[str, str]:
        return {name: text for (_, name), text in self.columns.items()}

    def column(self, table: str, column: str) -> str:
        if (table, column) in self.columns:
            return self.columns[table, column]
        if column in self._by_name:
            return self._by_name[column]
        for suffix in _PER_SOURCE_SUFFIXES:
            source = column.removesuffix(f"_{suffix}")
            if source != column:
                return next((text.replace(name.removesuffix(f"_{suffix}"), source)
                             for name, text in self._by_name.items()
                             if name.endswith(f"_{suffix}")), "")
        return ""


# The columns each source gets in theme_signals, triangulation and psirp_local_priorities.
_PER_SOURCE_SUFFIXES = ("recent_count", "expected_count", "baseline_monthly_mean",
                        "rate_ratio", "p_value", "q_value", "is_signalling")


def publish(warehouse: Path, marts_dir: Path, docs: MartDocs | None = None) -> list[Published]:
    """Stage every publication (DuckDB file and Parquet folder), check them all, then swap
    them all in: a failure anywhere leaves every published output as it was. `docs` become
    the tables' and columns' comments."""
    # Made under the refresh's umask 077, a new folder (and each new one above it) was its
    # user's only, and no BI tool could open the marts file inside: searchable as the marts
    # file is readable.
    for folder in reversed([marts_dir, *marts_dir.parents]):
        if not folder.is_dir():
            folder.mkdir()
            os.chmod(folder, _folder_mode(settings.published_file_mode(restricted=False)))
    remove_leftovers(marts_dir)
    _check_replaceable(marts_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=marts_dir))  # mode 0700
    keep = False
    try:
        # Side by side: DuckDB's copies and Parquet writes leave both cores half idle (a large
        # trust's two publications 3.3-3.9 s one after the other, 2.8-2.9 s together).
        with ThreadPoolExecutor(len(PUBLICATIONS)) as pool:
            built = list(pool.map(lambda publication: _stage(publication, warehouse, staging,
                                                             marts_dir, docs),
                                  PUBLICATIONS))
        _swap(staging, marts_dir, [name for p in PUBLICATIONS for name in p.outputs])
        return built
    except PublishError as error:
        keep = error.keeps_staging
        raise
    finally:
        if not keep:
            shutil.rmtree(staging, ignore_errors=True)


def _stage(publication: Publication, warehouse: Path, staging: Path,
           marts_dir: Path, docs: MartDocs | None) -> Published:
    """Build one publication's outputs in `staging`, with the modes they will be published
    with."""
    try:
        tables = _build(publication, warehouse, staging / publication.file, docs)
        _write_parquet(staging / publication.file, tables, staging / publication.parquet_dir)
        for name in publication.outputs:
            _set_permissions(staging / name, marts_dir / name, publication.restricted)
    except (OSError, duckdb.Error) as error:
        raise PublishError(
            f"publishing stopped while building {publication.file} and its Parquet "
            f"copies ({_reason(error)}); nothing published changed") from error
    return Published(marts_dir / publication.file, tables)


def remove_leftovers(marts_dir: Path) -> None:
    """Staging folders (and the partial files earlier versions built beside the published
    ones) left by a publish that was killed: they hold record-level data. Only one refresh
    publishes at a time (the refresh lock), so any found here are dead. A publish killed
    while swapping its outputs in (its staging folder holds `.previous`) had staged and
    checked them all: the ones not yet in place are moved in first, so the published folder
    is wholly that refresh's, never half old and half new."""
    if not marts_dir.is_dir():
        return
    partials = {f".{p.file}.partial{wal}" for p in PUBLICATIONS for wal in ("", ".wal")}
    for path in marts_dir.iterdir():
        if path.name.startswith(STAGING_PREFIX) and path.is_dir():
            if (path / _PREVIOUS).is_dir() and not (path / _PUT_BACK).exists():
                _finish_swap(path, marts_dir)
            shutil.rmtree(path, ignore_errors=True)
        elif path.name in partials:
            path.unlink(missing_ok=True)


def _finish_swap(staging: Path, marts_dir: Path) -> None:
    for name in (name for p in PUBLICATIONS for name in p.outputs):
        new, target = staging / name, marts_dir / name
        if not new.exists():
            continue  # swapped in before the publish was killed
        if new.is_dir():
            if target.exists():
                os.rename(target, staging / _PREVIOUS / f"{name}.old")
            os.rename(new, target)
        else:
            os.replace(new, target)


_PREVIOUS, _PUT_BACK = ".previous", ".put_back"


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return safe_summary(str(error), 160)


def _check_replaceable(marts_dir: Path) -> None:
    """A published folder this user cannot write could be swapped out but never emptied (its
    old record-level copies would stay behind): stop before anything changes."""
    for path in (marts_dir, *(marts_dir / p.parquet_dir for p in PUBLICATIONS)):
        if path.exists() and not os.access(path, os.W_OK | os.X_OK):
            raise PublishError(
                f"{path} is not writable by this user, so the published outputs cannot be "
                "replaced; nothing published changed: give the refresh's user write access "
                f"(chmod u+rwx {path}) and rerun")


def _set_permissions(new: Path, target: Path, restricted: bool) -> None:
    """The configured mode (files; folders also searchable where readable), keeping the
    group of the output it replaces so a group granted access keeps it."""
    mode = settings.published_file_mode(restricted)
    folder_mode = _folder_mode(mode)
    paths = [new, *new.iterdir()] if new.is_dir() else [new]
    try:
        group = target.stat().st_gid
    except FileNotFoundError:
        group = None
    for path in paths:
        os.chmod(path, folder_mode if path.is_dir() else mode)
        if group is not None and group != path.stat().st_gid:
            # Not a member of that group: the file keeps this user's group.
            with contextlib.suppress(PermissionError):
                os.chown(path, -1, group)


def _folder_mode(file_mode: int) -> int:
    """A folder's mode for files of `file_mode`: searchable where readable."""
    return file_mode | ((file_mode & 0o444) >> 2)


def _swap(staging: Path, marts_dir: Path, names: list[str]) -> None:
    """Move each staged output over its published one; on failure put back the ones already
    moved. A file is replaced atomically (a hard link keeps the old one for the way back); a
    folder is renamed aside first."""
    previous = staging / _PREVIOUS  # its presence says the swap began (remove_leftovers)
    previous.mkdir()
    swapped: list[str] = []
    try:
        for name in names:
            target, new = marts_dir / name, staging / name
            swapped.append(name)
            if new.is_dir():
                if target.exists():
                    os.rename(target, previous / name)
                os.rename(new, target)
            else:
                if target.exists():
                    os.link(target, previous / name)
                os.replace(new, target)
    except OSError as error:
        failed = swapped[-1]
        (staging / _PUT_BACK).touch()  # not a killed swap: remove_leftovers must not finish it
        left = _put_back(marts_dir, previous, staging, swapped)
        state = ("nothing published changed" if not left else
                 f"{', '.join(left)} could not be put back (their previous copies are in "
                 f"{previous}; the next refresh removes them); the other outputs are the "
                 "previous refresh's: rerun the refresh")
        raise PublishError(f"publishing stopped while swapping in {marts_dir / failed} "
                           f"({_reason(error)}); {state}", keeps_staging=bool(left)) from error


def _put_back(marts_dir: Path, previous: Path, staging: Path, swapped: list[str]) -> list[str]:
    """Restore the previous outputs of `swapped`; returns the names that could not be."""
    left = []
    for name in reversed(swapped):
        target, old = marts_dir / name, previous / name
        try:
            if target.is_dir() and old.exists():
                os.rename(target, staging / f"{name}.new")
            if old.is_dir():
                os.rename(old, target)
            elif old.exists():
                os.replace(old, target)
            elif target.is_dir():
                shutil.rmtree(target)  # first publication: there was nothing before
            else:
                target.unlink(missing_ok=True)
        except OSError:
            left.append(name)
    return left


def _build(publication: Publication, warehouse: Path, partial: Path,
           docs: MartDocs | None) -> dict[str, int]:
    with quiet_duckdb.connect(":memory:") as con:
        # Copied and guarded in memory, then written out: the guard's updates left the
        # values they replaced in the file's old blocks, readable in its bytes (and by a
        # query reading the file as a blob).
        tables = _copy_tables(con, warehouse, publication)
        tables |= guard_database(con, tables)
        # An older storage format than 1.5 writes by default, so that the DuckDB versions
        # BI drivers bundle (ODBC, JDBC, duckdb-engine on older wheels) can open the file.
        con.execute(f"attach {sql_string(partial)} as published "
                    f"(storage_version '{STORAGE_VERSION}')")
        con.execute("copy from database memory to published")
        con.execute("use published")
        if docs is not None:
            _comment(con, docs)
        con.execute("checkpoint published")
    return tables


def _comment(con: duckdb.DuckDBPyConnection, docs: MartDocs) -> None:
    columns = con.execute("select table_name, column_name from duckdb_columns() "
                          "where database_name = current_database() and schema_name = 'main'"
                          ).fetchall()
    present = {table for table, _ in columns}
    statements = [f'comment on table main."{table}" is {sql_string(description)}'
                  for table, description in docs.tables.items()
                  if description and table in present]
    statements += [f'comment on column main."{table}"."{column}" is {sql_string(text)}'
                   for table, column in columns if (text := docs.column(table, column))]
    statements.append("comment on table main.refresh_info is 'When these marts were "
                      "published (UTC): the refresh that built them finished its checks then.'")
    # One transaction, one call: statement by statement took twice as long (1.2 s).
    con.execute("begin transaction; " + "; ".join(statements) + "; commit")


def _copy_tables(con: duckdb.DuckDBPyConnection, warehouse: Path,
                 publication: Publication) -> dict[str, int]:
    con.execute(f"attach {sql_string(warehouse)} as wh (read_only)")
    # The names written in, as pipelines.lib.sql.has_table does (0.47 s a publication with
    # parameters at a large trust).
    wanted = [f"schema_name = {sql_string(schema)}" for schema in publication.schemas]
    wanted += [f"(schema_name = 'reference' and table_name = {sql_string(table)})"
               for table in publication.reference_tables]
    names = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'wh' "
        f"and ({' or '.join(wanted)}) order by schema_name, table_name").fetchall()
    tables = {}
    for schema, name in names:
        con.execute(f'create table main."{name}" as select * from wh."{schema}"."{name}"')
        tables[name] = con.execute(f'select count(*) from main."{name}"').fetchone()[0]
    con.execute("detach wh")
    con.execute("create table main.refresh_info as select ?::timestamp as published_at",
                [datetime.now(UTC).replace(tzinfo=None)])
    return tables


def _write_parquet(database: Path, tables: dict[str, int], folder: Path) -> None:
    folder.mkdir()
    con = quiet_duckdb.connect(str(database), read_only=True)
    try:
        # refresh_info too: a Parquet reader sees when the copies were published.
        for name in [*tables, "refresh_info"]:
            con.execute(f"copy main.\"{name}\" to {sql_string(folder / f'{name}.parquet')} "
                        "(format parquet)")
    finally:
        con.close()
