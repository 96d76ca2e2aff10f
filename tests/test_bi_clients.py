"""The published files through the clients BI tools use: the DuckDB CLI, SQLAlchemy with
duckdb-engine (Superset, many Python BI tools), an older DuckDB as bundled by BI drivers,
Parquet, and the README's example queries."""

from __future__ import annotations

import re
import subprocess
import sys
import venv
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from pipelines.lib.settings import PROJECT_ROOT

OLD_DUCKDB = "1.1.3"  # what DuckDB ODBC/JDBC drivers of late 2024 bundle
OLD_CLIENT = PROJECT_ROOT / ".venv-duckdb-old"
EXAMPLES = PROJECT_ROOT / "examples" / "queries.sql"


def example_queries() -> dict[str, str]:
    blocks = re.split(r"^-- name: (\w+)\n", EXAMPLES.read_text(), flags=re.M)[1:]
    return dict(zip(blocks[::2], blocks[1::2], strict=True))


@pytest.fixture(scope="session")
def old_duckdb() -> Path:
    """A separate environment with an older DuckDB, made once (test setup installs it)."""
    python = OLD_CLIENT / "bin" / "python"
    if not python.exists():
        venv.create(OLD_CLIENT, with_pip=True)
    check = subprocess.run([python, "-c", "import duckdb; print(duckdb.__version__)"],
                           capture_output=True, text=True)
    if check.stdout.strip() != OLD_DUCKDB:
        subprocess.run([python, "-m", "pip", "install", "--quiet", f"duckdb=={OLD_DUCKDB}"],
                       check=True)
    return python


def test_duckdb_cli_opens_the_marts_read_only(refreshed):
    workspace, _ = refreshed
    cli = Path(sys.executable).parent / "duckdb"
    result = subprocess.run(
        [cli, "-readonly", "-csv", str(workspace.published), "-c",
         "select issue from psirp_local_priorities order by priority_rank limit 3"],
        capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "issue" and len(lines) == 4


def test_sqlalchemy_duckdb_engine_lists_and_reads_the_marts(refreshed):
    workspace, _ = refreshed
    engine = sa.create_engine(f"duckdb:///{workspace.published}",
                              connect_args={"read_only": True})
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert {"psirp_local_priorities", "triangulation", "theme_spc"} <= tables
        with engine.connect() as con:
            top = con.execute(sa.text(
                "select issue from psirp_local_priorities where priority_rank = 1")).scalar()
        assert top
    finally:
        engine.dispose()


def test_an_older_duckdb_client_reads_the_published_files(refreshed, old_duckdb):
    workspace, _ = refreshed
    for path, table in ((workspace.published, "psirp_local_priorities"),
                        (workspace.case_level, "record_themes")):
        script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
                  f"rows = con.sql('select count(*) from {table}').fetchone()[0]; "
                  "print(duckdb.__version__, rows)")
        result = subprocess.run([old_duckdb, "-c", script, str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        version, rows = result.stdout.split()
        assert version == OLD_DUCKDB and int(rows) > 0


def test_every_mart_has_a_parquet_copy(refreshed):
    workspace, _ = refreshed
    tables = [t for (t,) in workspace.query("select table_name from duckdb_tables()")]
    assert "refresh_info" in tables
    for table in tables:
        copy = pl.read_parquet(workspace.marts / "parquet" / f"{table}.parquet")
        [(rows,)] = workspace.query(f'select count(*) from "{table}"')
        assert copy.height == rows, table


@pytest.mark.parametrize("name", list(example_queries()))
def test_example_queries_run_on_the_demo_marts(refreshed, name):
    workspace, _ = refreshed
    rows = workspace.query(example_queries()[name])
    assert rows, f"{name} returned nothing on the demo trust"


def test_the_published_tables_say_what_they_hold(refreshed):
    """An independent probe found no table or column described in either file (79
    undescribed columns in psirp_local_priorities and triangulation): a BI user browsing the
    schema had only names. The dbt models' descriptions are now the tables' and columns'
    comments."""
    workspace, _ = refreshed
    [(description,)] = workspace.query("select comment from duckdb_tables() "
                                       "where table_name = 'psirp_local_priorities'")
    assert "PSIRP" in description or "priorit" in description
    for table in ("psirp_local_priorities", "theme_signals", "triangulation"):
        comments = [c for (c,) in workspace.query(
            f"select comment from duckdb_columns() where table_name = '{table}'")]
        assert sum(bool(c) for c in comments) >= 0.9 * len(comments), table
