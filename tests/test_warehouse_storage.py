"""The private warehouse's storage format: new warehouses are written in the current one, and
one made by an earlier version is rewritten in it without losing anything; its catalog read
by name."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from pipelines.lib.sql import has_table, table_columns
from pipelines.lib.warehouse import (
    STORAGE_VERSION,
    create_if_missing,
    has_raw_table,
    storage_version,
    upgrade_storage,
)

CURRENT = f"{STORAGE_VERSION}+"


def format_of(path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return storage_version(con)


def test_a_new_warehouse_is_written_in_the_current_format(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    create_if_missing(path)
    assert format_of(path) == CURRENT
    assert upgrade_storage(path) is None


def test_an_old_warehouse_is_rewritten_with_its_tables_views_keys_and_unsaved_rows(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:  # DuckDB's default: the 1.0 format
        con.execute("create schema raw")
        con.execute("create table raw.fingerprints (step varchar primary key, fingerprint "
                    "varchar not null)")
        con.execute("insert into raw.fingerprints values ('load/fft', 'abc')")
        con.execute("create table main.records as select range as id, 'ward ' || range % 7 "
                    "as ward from range(5000)")
        con.execute("create view main.wards as select ward, count(*) as n "
                    "from warehouse.main.records group by ward")
    # A run killed after a write: its rows are only in the write-ahead log.
    subprocess.run([sys.executable, "-c", "import duckdb, os; "
                    f"c = duckdb.connect({str(path)!r}); "
                    "c.execute(\"insert into raw.fingerprints values ('dbt', 'def')\"); "
                    "os._exit(0)"], check=True)
    assert (tmp_path / "warehouse.duckdb.wal").exists()
    assert format_of(path) != CURRENT

    note = upgrade_storage(path)

    assert note == (f"the warehouse {path} was rewritten from storage format v1.0.0+ to "
                    f"{STORAGE_VERSION}")
    assert format_of(path) == CURRENT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]
    with duckdb.connect(str(path)) as con:
        assert con.execute("select * from raw.fingerprints order by step").fetchall() == [
            ("dbt", "def"), ("load/fft", "abc")]
        assert con.execute("select sum(n) from main.wards").fetchone()[0] == 5000
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into raw.fingerprints values ('dbt', 'again')")
    assert upgrade_storage(path) is None


def test_the_catalog_is_read_by_names_written_in_quotes_and_all():
    """pipelines.lib.sql.has_table and table_columns write the names into the query (DuckDB
    reads every table's metadata first for a catalog query with bound parameters): a name
    with a quote is found, and one that only differs from a table's is not."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("""create table raw."it's" (b varchar, a integer)""")
    con.execute("create view raw.a_view as select 1 as one")
    assert has_table(con, "it's") and has_table(con, "it's", "raw")
    assert not has_table(con, "it's", "main") and not has_table(con, "its")
    assert not has_table(con, "a_view")  # base tables only
    assert has_raw_table(con, "it's") and not has_raw_table(con, "it''s")
    assert table_columns(con, "it's", "raw") == [("b", "VARCHAR"), ("a", "INTEGER")]
    assert table_columns(con, "x' or '1'='1") == []
