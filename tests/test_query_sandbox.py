"""`triangulate query` reads the published marts and nothing else, and prints any value.

Each escape a security review tried: writing files, reading other files, several statements,
attaching (and so writing) the case-level file or the warehouse, installing extensions
(which would use the network), undoing the settings; and values the printer must survive.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(*args: str):
    return runner.invoke(app, ["query", *args])


@pytest.mark.parametrize("sql, refusal", [
    ("", "no SQL given"),
    ("   ;  ", "no SQL given"),
    ("select 1; select 2", "one statement per query (2 given)"),
    ("select 1; copy theme_counts to 'x.csv'", "one statement per query (2 given)"),
    ("install httpfs", "LOAD statements are not allowed"),
    ("load httpfs", "LOAD statements are not allowed"),
    ("set enable_external_access = true", "SET statements are not allowed"),
    ("create temp table x as select 1", "CREATE statements are not allowed"),
    ("detach triangulate", "DETACH statements are not allowed"),
    # EXPLAIN ANALYZE runs what it explains, so it must explain a read too.
    ("explain analyze create temp table x as select * from theme_counts",
     "EXPLAIN CREATE statements are not allowed"),
    ("/* why */ EXPLAIN ANALYZE checkpoint", "EXPLAIN CALL statements are not allowed"),
    ("explain analyze pragma disable_checkpoint_on_shutdown", "EXPLAIN PRAGMA statements"),
    ("call enable_logging()", "CALL statements are not allowed"),
])
def test_statements_that_do_not_read_are_refused_with_exit_2(refreshed, sql, refusal):
    result = query(sql)
    assert result.exit_code == 2, result.output
    assert refusal in " ".join(result.output.split())


def test_explain_and_explain_analyze_of_a_read_run(refreshed):
    for sql in ("explain select * from theme_counts",
                "/* the plan */ EXPLAIN ANALYZE select count(*) from theme_counts"):
        result = query(sql)
        assert result.exit_code == 0, result.output
        assert "physical_plan" in result.output or "analyzed_plan" in result.output


def test_copy_to_writes_nothing(refreshed, tmp_path):
    target = tmp_path / "out.csv"
    for sql in (f"copy theme_counts to '{target}'",
                f"copy (select * from theme_counts) to '{target}' (format csv)",
                f"export database '{tmp_path / 'dump'}'"):
        assert query(sql).exit_code == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sql, error", [
    ("select * from read_text('/etc/passwd')", "disabled by configuration"),
    ("select * from read_csv('/etc/passwd')", "disabled by configuration"),
    ("select * from glob('/etc/*')", "disabled by configuration"),
    ("select * from read_parquet('https://example.org/x.parquet')", "disabled by configuration"),
    # A file name as a table is not even looked up as a file.
    ("select * from '/etc/passwd'", "Table with name /etc/passwd does not exist"),
])
def test_no_other_file_or_url_can_be_read(refreshed, sql, error):
    result = query(sql)
    assert result.exit_code == 2
    assert "root:" not in result.output
    assert error in " ".join(result.output.split())


@pytest.mark.parametrize("mode", ["read_write", "read_only"])
def test_attach_cannot_reach_the_case_level_file_or_the_warehouse(refreshed_copy, mode):
    files = [refreshed_copy.case_level, refreshed_copy.warehouse]
    before = [digest(f) for f in files]
    for path in files:
        result = query(f"attach '{path}' as other ({mode})")
        assert result.exit_code == 2
        assert "ATTACH statements are not allowed" in " ".join(result.output.split())
        # A read of a table function cannot open it either.
        result = query(f"select * from read_blob('{path}')")
        assert result.exit_code == 2
    assert [digest(f) for f in files] == before


def test_the_sandbox_holds_even_for_statements_that_read(refreshed):
    """The configuration itself refuses what the statement check lets through."""
    result = query("select current_setting('enable_external_access') as e, "
                   "current_setting('lock_configuration') as l, "
                   "current_setting('autoinstall_known_extensions') as i, "
                   "current_setting('autoload_known_extensions') as a")
    assert result.exit_code == 0, result.output
    assert "│ False │ True │ False │ False │" in result.output


def test_a_case_level_table_needs_the_flag_and_says_so(refreshed):
    result = query("select count(*) from record_themes")
    assert result.exit_code == 2
    assert "record_themes is in the case-level file" in " ".join(result.output.split())
    assert "--case-level" in result.output
    result = query("--case-level", "select count(*) as n from record_themes")
    assert result.exit_code == 0, result.output


def test_any_value_prints_as_data(refreshed):
    result = query("select '[/]' as markup, '[bold]x[/bold]' as tag, [1, 2] as list, "
                   "{'k': ['a', null]} as struct, null as nothing, 'a\x1b[31mb'::varchar as esc, "
                   "'\\xAA\\x00'::blob as blob, 1.5::decimal(4, 2) as num")
    assert result.exit_code == 0, result.output
    assert "[/]" in result.output and "[bold]x[/bold]" in result.output
    assert '{"k": ["a", null]}' in result.output
    assert "\x1b" not in result.output and "a\\x1b[31mb" in result.output
    assert "\\xaa00" in result.output
    # A right-to-left override reorders what the terminal shows: escaped too.
    result = query("select 'report\u202etxt.exe' as name")
    assert result.exit_code == 0 and "\u202e" not in result.output
    assert "report\\u202etxt.exe" in result.output


def test_csv_handles_nested_columns(refreshed):
    result = query("--csv", "select 1 as id, [1, 2] as list, {'k': 'v', 'd': date '2024-01-31'} "
                            "as struct, null as nothing, '[/]' as markup")
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert json.loads(row["list"]) == [1, 2]
    assert json.loads(row["struct"]) == {"k": "v", "d": "2024-01-31"}
    assert row["nothing"] == "" and row["markup"] == "[/]"


def test_a_wide_table_piped_to_a_file_keeps_each_row_on_one_line(refreshed):
    result = query("select * from theme_spc order by all limit 3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Top border, header, rule, three rows, bottom border, row count.
    assert len(lines) == 8, result.output
    assert "variation_icon" in lines[1]


def test_a_query_cannot_take_the_machine(refreshed, monkeypatch):
    """An independent probe's `select * from theme_spc, range(20)` took 17.9 GB printing a
    table, `count(*) from range(1e12)` never ended, and a large sort spilled temporary
    files into the published folder. A table shows --max-rows rows (CSV streams them all),
    a query stops at --timeout, and one needing more than TRIANGULATE_QUERY_MEMORY_LIMIT
    fails without spilling anywhere."""
    workspace, _ = refreshed
    result = query("--max-rows", "5", "select range as n from range(12)")
    assert result.exit_code == 0, result.output
    assert "the first 5 rows: there are more" in " ".join(result.output.split())
    assert " 5 " in result.output and " 6 " not in result.output
    result = query("--csv", "select range as n from range(25000)")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 25001
    result = query("--timeout", "1", "select count(*) from range(1000000000000)")
    assert result.exit_code == 2
    assert "ran for more than 1 s and was stopped" in " ".join(result.output.split())
    before = sorted(p.name for p in workspace.marts.iterdir())
    monkeypatch.setenv("TRIANGULATE_QUERY_MEMORY_LIMIT", "64MB")
    result = query("select count(*) from (select md5(range::varchar) as m from range(5000000) "
                   "order by m)")
    assert result.exit_code == 2
    assert "needs more memory than TRIANGULATE_QUERY_MEMORY_LIMIT" in " ".join(
        result.output.split())
    assert sorted(p.name for p in workspace.marts.iterdir()) == before


def test_csv_shows_text_that_starts_like_a_formula_as_text(refreshed):
    result = query("--csv", "select '=HYPERLINK(\"x\")' as f, '@SUM(1)' as g, -5 as n, 'ok' as t")
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row == {"f": "'=HYPERLINK(\"x\")", "g": "'@SUM(1)", "n": "-5", "t": "ok"}
    # A column's name is the query's to choose: the header row is written the same way.
    result = query("--csv", "select 1 as \"=HYPERLINK('x')\", 2 as \"a\x1bb\"")
    assert result.stdout.splitlines()[0] == "'=HYPERLINK('x'),a\\x1bb"


def test_a_table_asks_the_database_for_the_rows_it_shows_only():
    """A table of --max-rows 1 fetched a whole result first: 30 rows of 100 MB each took
    6.7 GB (an independent probe). The statement is run as a subquery with a limit where it
    is one; a trailing comment cannot swallow the limit, and a pragma runs as it is."""
    import duckdb

    from pipelines.lib.marts_reader import _limited

    con = duckdb.connect()
    con.execute("create table t as select range as n from range(10)")

    def rows(sql: str, limit: int | None) -> list:
        [statement] = con.extract_statements(sql)
        return con.execute(_limited(con, statement, limit)).fetchall()

    assert rows("select n from t order by n desc -- newest first", 2) == [(9,), (8,)]
    assert len(rows("select n from t", None)) == 10
    assert len(rows("describe t", 1)) == 1
    assert rows("pragma table_info('t')", 1)[0][1] == "n"  # not a subquery: unlimited
