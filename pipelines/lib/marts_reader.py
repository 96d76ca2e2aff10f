"""Read the published marts, read-only, as the CLI, the exports and the insight pack do.

Read-only connections never block the nightly refresh (it swaps in a new file) and never
change what BI tools see. Every connection here is also sandboxed (`SANDBOX`): it reads the
published file it opened and nothing else. No other file, URL or database (no COPY TO,
read_text, read_csv, ATTACH, EXPORT), no extension installed or loaded (so no network), and
the configuration locked so no SET undoes any of it. `read_only_query` also takes exactly
one statement, and only one that reads (SELECT, FROM, SHOW, DESCRIBE, SUMMARIZE, PRAGMA
table_info, or EXPLAIN [ANALYZE] of one of those: EXPLAIN ANALYZE runs what it explains),
within a memory limit and with no spilling to disk (a query must never take the memory the
nightly refresh needs, nor write temporary files beside the published ones), and is stopped
after a time limit.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import settings, sql
from pipelines.lib.publishing import CASE_LEVEL, MARTS

# DuckDB still opens the database file named at connect time with external access off.
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}
# What an EXPLAIN explains: after any leading comments, EXPLAIN [ANALYZE] [(options)].
_EXPLAINED = re.compile(r"(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*explain\b(?:\s+analy[sz]e\b)?"
                        r"(?:\s*\([^)]*\))?(.*)", re.IGNORECASE | re.DOTALL)


class MartsNotPublished(FileNotFoundError):
    """No refresh has published marts where the settings point."""


class QueryRefused(ValueError):
    """SQL the read-only query path does not run: empty, several statements, or a statement
    that is not a read."""


class QueryTimedOut(RuntimeError):
    """The query ran past its time limit and was stopped."""


@dataclass(frozen=True)
class QueryResult:
    """A query's columns and its rows, fetched a batch at a time as they are read."""

    columns: list[str]
    batches: Iterator[list[tuple]]


# Rows fetched at a time: a large result never sits whole in Python.
_QUERY_BATCH_ROWS = 10_000


def published_file(case_level: bool = False, marts_dir: Path | None = None) -> Path:
    return (marts_dir or settings.marts_dir()) / (CASE_LEVEL if case_level else MARTS).file


@contextmanager
def open_marts(case_level: bool = False, marts_dir: Path | None = None,
               limits: dict | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = published_file(case_level, marts_dir)
    if not path.is_file():
        raise MartsNotPublished(f"no published marts at {path}: run `triangulate refresh` "
                                "(or set TRIANGULATE_MARTS_DIR)")
    con = duckdb.connect(str(path), read_only=True, config={**SANDBOX, **(limits or {})})
    try:
        yield con
    finally:
        con.close()


def query(sql: str, params: list | None = None, case_level: bool = False,
          marts_dir: Path | None = None) -> pl.DataFrame:
    with open_marts(case_level, marts_dir) as con:
        return con.execute(sql, params or []).pl()


@contextmanager
def read_only_query(sql: str, case_level: bool = False, marts_dir: Path | None = None,
                    timeout_seconds: float | None = None,
                    row_limit: int | None = None) -> Iterator[QueryResult]:
    """Run one reading statement in the sandbox, within settings.query_memory_limit() and
    `timeout_seconds` (QueryTimedOut past it, while running or fetching); QueryRefused for
    anything else, duckdb.Error for SQL the database rejects (or that needs more memory).
    `row_limit`: at most that many rows are produced (DuckDB holds a whole result before the
    first row is fetched: a table showing 1 row of 30 wide ones held all 30)."""
    limits = {"memory_limit": settings.query_memory_limit(), "temp_directory": ""}
    with open_marts(case_level, marts_dir, limits) as con:
        statements = con.extract_statements(sql)
        if not statements:
            raise QueryRefused("no SQL given")
        if len(statements) > 1:
            raise QueryRefused(f"one statement per query ({len(statements)} given)")
        [statement] = statements
        refused = _refused_kind(con, statement)
        if refused:
            raise QueryRefused(f"{refused} statements are not allowed: the query "
                               "command only reads the published marts")
        timer = threading.Timer(timeout_seconds, con.interrupt) if timeout_seconds else None
        if timer:
            timer.start()
        try:
            cursor = con.execute(_limited(con, statement, row_limit))
            yield QueryResult([d[0] for d in cursor.description], _batches(cursor))
        except duckdb.InterruptException:
            raise QueryTimedOut(f"the query ran for more than {timeout_seconds:g} s and was "
                                "stopped") from None
        finally:
            if timer:
                timer.cancel()


def _limited(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement,
             row_limit: int | None) -> str:
    """The statement's SQL, as a subquery limited to `row_limit` rows where it is one
    (a select, describe, show or summarize; not a pragma)."""
    if row_limit is None or statement.type != duckdb.StatementType.SELECT:
        return statement.query
    # The line break ends a trailing -- comment before the closing parenthesis.
    limited = f"select * from ({statement.query}\n) limit {int(row_limit)}"
    try:
        if len(con.extract_statements(limited)) == 1:
            return limited
    except duckdb.ParserException:
        pass
    return statement.query


def _batches(cursor: duckdb.DuckDBPyConnection) -> Iterator[list[tuple]]:
    while batch := cursor.fetchmany(_QUERY_BATCH_ROWS):
        yield batch


def _refused_kind(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement) -> str | None:
    """None for a statement that reads (a SELECT, or an EXPLAIN of one), else its kind
    ("CREATE", "EXPLAIN CREATE")."""
    if statement.type != duckdb.StatementType.EXPLAIN:
        return None if statement.type == duckdb.StatementType.SELECT else statement.type.name
    found = _EXPLAINED.fullmatch(statement.query)
    explained = con.extract_statements(found.group(1)) if found else []
    if len(explained) != 1:
        return statement.type.name
    kind = explained[0].type
    return None if kind == duckdb.StatementType.SELECT else f"EXPLAIN {kind.name}"


def tables_in(case_level: bool = False, marts_dir: Path | None = None) -> set[str]:
    with open_marts(case_level, marts_dir) as con:
        return {name for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}


def has_table(name: str, case_level: bool = False, marts_dir: Path | None = None) -> bool:
    with open_marts(case_level, marts_dir) as con:
        return sql.has_table(con, name)
