"""DuckDB's progress bar stays off the refresh's standard output (and its cron log)."""

from __future__ import annotations

import re

from pipelines.lib import quiet_duckdb
from pipelines.lib.settings import PROJECT_ROOT


def test_a_quiet_connection_and_its_cursors_draw_no_progress_bar(tmp_path):
    con = quiet_duckdb.connect(str(tmp_path / "w.duckdb"), config={"threads": 1})
    setting = "select current_setting('enable_progress_bar')"
    assert con.execute(setting).fetchone() == (False,)
    assert con.cursor().execute(setting).fetchone() == (False,)
    assert con.execute("select current_setting('threads')").fetchone() == (1,)


def test_the_pipelines_open_duckdb_only_quietly():
    """The query command's sandbox is the one exception: its settings are locked as it opens,
    and its results stream, which draws no bar (checked with a 3 s query)."""
    opened = {path.relative_to(PROJECT_ROOT).as_posix()
              for path in (PROJECT_ROOT / "pipelines").rglob("*.py")
              if re.search(r"\bduckdb\.connect\(", path.read_text(encoding="utf-8"))}
    assert opened == {"pipelines/lib/quiet_duckdb.py", "pipelines/lib/marts_reader.py"}
    profile = (PROJECT_ROOT / "dbt_project" / "profiles.yml").read_text(encoding="utf-8")
    assert 'enable_progress_bar: "false"' in profile
