"""The `triangulate` command as a user runs it against the refreshed demo marts."""

from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


def test_query_prints_a_table_and_csv(refreshed):
    result = runner.invoke(app, ["query", "select issue, priority_rank from "
                                          "psirp_local_priorities order by priority_rank"])
    assert result.exit_code == 0, result.output
    assert "issue" in result.output and "rows" in result.output
    result = runner.invoke(app, ["query", "--csv", "select theme_id, priority_rank from "
                                                   "psirp_local_priorities order by 2"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and rows[0]["priority_rank"] == "1"


def test_bad_sql_exits_2_with_the_database_error(refreshed):
    result = runner.invoke(app, ["query", "select * from no_such_mart"])
    assert result.exit_code == 2
    assert "no_such_mart" in result.output


def test_case_level_queries_need_the_flag(refreshed):
    assert runner.invoke(app, ["query", "select count(*) from record_themes"]).exit_code == 2
    result = runner.invoke(app, ["query", "--case-level", "select count(*) from record_themes"])
    assert result.exit_code == 0, result.output


def test_status_reports_the_last_refresh_and_source_freshness(refreshed):
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "Last refresh: SUCCESS" in result.output
    for source in ("incidents", "complaints", "fft", "inquests", "sjr"):
        assert source in result.output


def test_status_exits_3_when_nothing_is_published(refreshed, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_MARTS_DIR", str(tmp_path))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 3
    assert "no published marts" in result.output


def test_export_writes_psirp_tables_and_a_suppressed_board_export(refreshed, tmp_path):
    result = runner.invoke(app, ["export", "--out", str(tmp_path), "--format", "md", "--board"])
    assert result.exit_code == 0, result.output
    priorities = (tmp_path / "psirp_local_priorities.md").read_text()
    assert priorities.startswith("| priority_rank | issue |")
    assert (tmp_path / "audit_priorities.md").exists()
    assert (tmp_path / "psirp_national_requirements_summary.md").exists()
    board = list(csv.reader((tmp_path / "board_theme_source_counts.csv").open()))
    cells = [c for row in board[1:] for c in row[1:]]
    assert not {"1", "2", "3", "4"} & set(cells)


def test_report_writes_the_wide_circulation_pack(refreshed, tmp_path):
    out = tmp_path / "pack.html"
    result = runner.invoke(app, ["report", "--wide", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "For wide circulation" in out.read_text(encoding="utf-8")
