"""The `triangulate` command as a user runs it against the refreshed demo marts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.report import PACK_FILE, WIDE_PACK_FILE

runner = CliRunner()


def one_clear_line(result) -> str:
    """A failure's output: one line, no traceback."""
    text = result.output.strip()
    assert "Traceback" not in text and result.exception is None or \
        isinstance(result.exception, SystemExit), text
    assert len(text.splitlines()) == 1, text
    return text


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


def test_a_refresh_that_waited_says_so_apart_from_its_own_time(refreshed, monkeypatch):
    """`refresh --wait`: the minutes spent waiting for the refresh before it are not counted
    as this refresh's time (an independent probe found them counted in it)."""
    import time

    from pipelines import refresh
    from pipelines.refresh import RefreshOutcome

    def waited_then_ran(**_options):
        time.sleep(1.6)  # of which 1.5 s waiting for the lock
        return RefreshOutcome(True, "run", [], waited_s=1.5, reloaded=[])

    monkeypatch.setattr(refresh, "run_refresh", waited_then_ran)
    result = runner.invoke(app, ["refresh", "--wait", "5"])
    assert result.exit_code == 0, result.output
    assert "Waited 2 s for the refresh before this one to finish." in result.output
    assert "Refresh complete in 0 s" in result.output


def test_status_reports_the_last_refresh_and_source_freshness(refreshed):
    _, truth = refreshed
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "Last refresh: SUCCESS" in result.output
    for source in ("incidents", "complaints", "fft", "inquests", "sjr"):
        assert source in result.output
    # Months after the as-of date (an audit's planned re-audit) never count as "latest".
    as_of = dt.date.fromisoformat(truth["generator"]["end_date"])
    months = [dt.date(int(y), int(m), 1) for y, m in re.findall(r"│ (\d{4})-(\d{2})",
                                                                 result.output)]
    assert months and max(months) <= as_of.replace(day=1), result.output


def test_status_while_a_refresh_runs_and_after_one_was_killed(refreshed, monkeypatch):
    """An independent probe: while a healthy refresh ran, status reported the last refresh
    STARTED and exited 1 (a monitor saw a failure); after a refresh was killed, it crashed
    formatting its missing start time."""
    from pipelines.lib import run_history, settings
    from pipelines.lib.refresh_lock import lock_path, refresh_lock

    with refresh_lock(lock_path(settings.warehouse_path())):
        result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "A refresh started at" in text and "what follows is from the refresh before it" in text
    assert "Last refresh: SUCCESS" in text
    killed = run_history.LastRun("r1", "STARTED", None, 0, [], [])
    monkeypatch.setattr(run_history, "last_refresh", lambda finished=False: killed)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "Last refresh: ENDED WITHOUT FINISHING (run r1, never started)" in result.output


def test_status_works_without_dagster_home_set(refreshed, monkeypatch, tmp_path):
    """The README's `triangulate status` with a fresh shell: no DAGSTER_HOME exported."""
    import pipelines.refresh

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(pipelines.refresh.INSTANCE_SETTINGS, home)
    monkeypatch.setattr(pipelines.refresh, "DAGSTER_HOME", home)  # the project's default
    monkeypatch.delenv("DAGSTER_HOME")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "No refresh has run with this Dagster home" in result.output
    assert "Source freshness" in result.output


def test_status_rejects_a_bad_as_of_date_in_one_line(refreshed, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", "31/10/2026")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert "TRIANGULATE_AS_OF_DATE" in one_clear_line(result)


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


def test_report_wide_has_its_own_file_and_the_restricted_pack_never_takes_it(refreshed_copy):
    marts = refreshed_copy.marts
    restricted_before = (marts / PACK_FILE).read_text(encoding="utf-8")
    result = runner.invoke(app, ["report", "--wide"])
    assert result.exit_code == 0, result.output
    wide = (marts / WIDE_PACK_FILE).read_text(encoding="utf-8")
    assert "For wide circulation" in wide
    assert (marts / PACK_FILE).read_text(encoding="utf-8") == restricted_before
    result = runner.invoke(app, ["report", "--out", str(marts / WIDE_PACK_FILE)])
    assert result.exit_code == 2
    assert "never written there" in one_clear_line(result)
    assert (marts / WIDE_PACK_FILE).read_text(encoding="utf-8") == wide
    # Nor over the published marts (an independent probe replaced the marts file with a
    # pack, and every query failed after it), through any spelling of their path.
    marts_file = refreshed_copy.published
    before = marts_file.read_bytes()
    for spelling in (marts_file, marts / "parquet" / ".." / marts_file.name):
        result = runner.invoke(app, ["report", "--out", str(spelling)])
        assert result.exit_code == 2, result.output
        assert "is a published output" in one_clear_line(result)
    assert marts_file.read_bytes() == before


def test_a_pack_that_cannot_be_written_leaves_nothing_behind(refreshed, tmp_path, monkeypatch):
    """An independent probe filled the disk: the half-written restricted pack was left at
    mode 644 (54 incident ids readable by anyone), and the failure exited 2, "wrong usage"."""
    import pipelines.report.pack as pack

    def disk_full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pack.os, "replace", disk_full)
    out = tmp_path / "pack.html"
    result = runner.invoke(app, ["report", "--out", str(out)])
    assert result.exit_code == 1
    assert f"could not be written to {out}: No space left on device" in one_clear_line(result)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--scale", "-1"], "--scale -1: must be more than 0"),
    (["--scale", "0"], "--scale 0: must be more than 0"),
    (["--scale", "1000"], "at most 20"),
    (["--seed", "-3"], "--seed -3: must be 0 or more"),
    (["--scenario", "no_such_scenario.yml"], "no such file"),
])
def test_generate_rejects_bad_arguments_with_exit_2_and_writes_nothing(args, message,
                                                                       tmp_path):
    out = tmp_path / "raw"
    result = runner.invoke(app, ["generate", "--out", str(out), *args])
    assert result.exit_code == 2, result.output
    assert message in one_clear_line(result)
    assert not out.exists()


@pytest.mark.parametrize(("as_of", "scenario", "end"), [
    ("2027-03-15", None, "2027-02-28"),  # a demo trust made today is current, not stale
    ("2027-03-31", None, "2027-03-31"),
    ("2027-03-15", "end_date: 2025-06-30\n", "2025-06-30"),  # a scenario's own date stands
])
def test_generate_ends_the_exports_at_the_last_complete_month(as_of, scenario, end, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", as_of)
    args = ["generate", "--out", str(tmp_path / "raw"), "--scale", "0.01"]
    if scenario:
        (tmp_path / "scenario.yml").write_text(scenario)
        args += ["--scenario", str(tmp_path / "scenario.yml")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "raw" / "scenario_truth.json").read_text())
    assert truth["generator"]["end_date"] == end


def test_generate_and_export_refuse_an_output_folder_that_is_a_file(refreshed, tmp_path):
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    for command in (["generate", "--scale", "0.01"], ["export"]):
        result = runner.invoke(app, [*command, "--out", str(a_file)])
        assert result.exit_code == 2, result.output
        assert "is a file, not a folder" in one_clear_line(result)


def test_board_export_covers_the_reporting_period_and_says_how_much_is_hidden(refreshed,
                                                                             tmp_path):
    _, truth = refreshed
    result = runner.invoke(app, ["export", "--out", str(tmp_path), "--board"])
    assert result.exit_code == 0, result.output
    notes = (tmp_path / "board_export_notes.txt").read_text(encoding="utf-8")
    as_of = dt.date.fromisoformat(truth["generator"]["end_date"])
    assert f"Reporting month: {as_of:%B %Y}" in notes  # the last complete month, not later
    assert re.search(r"\d+ of \d+ counts hidden \(\d+%\)", notes)
    board = list(csv.DictReader((tmp_path / "board_theme_source_counts.csv").open()))
    # The complaints column keeps every count of 5 or more: no secondary suppression.
    assert any(row["complaints"] not in ("*", "0") for row in board)


def test_a_refresh_that_fails_after_publishing_says_the_marts_were_published():
    from pipelines.cli import failure_headline
    from pipelines.refresh import RefreshOutcome

    before = RefreshOutcome(False, "r1", ["dbt_models: ..."], stages=[("raw__fft", 1.0)])
    after = RefreshOutcome(False, "r2", ["published__insight_pack: ..."],
                           stages=[("raw__fft", 1.0), ("published__marts", 2.0)])
    assert "the published marts were left as they were" in failure_headline(before, 3)
    assert "left as they were" not in failure_headline(after, 3)
    assert "the new marts were published" in failure_headline(after, 3)


def test_a_new_dagster_home_gets_the_products_settings_with_telemetry_off(tmp_path,
                                                                          monkeypatch):
    """Dagster runs a home without a dagster.yaml with its telemetry on."""
    import dagster as dg

    from pipelines.refresh import use_dagster_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    home = use_dagster_home()
    assert home == tmp_path / "home" and (home / "dagster.yaml").is_file()
    assert not dg.DagsterInstance.get().telemetry_enabled
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n# the trust's own\n")
    use_dagster_home()
    assert "the trust's own" in (home / "dagster.yaml").read_text()  # never overwritten



def test_the_projects_dagster_home_follows_the_checkouts_dagster_yaml(tmp_path, monkeypatch):
    """dagster.yaml at the top of the checkout is what the project's own home runs with."""
    import pipelines.refresh

    ours = tmp_path / ".dagster_home"
    ours.mkdir()
    (ours / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")  # an older copy
    monkeypatch.setattr(pipelines.refresh, "DAGSTER_HOME", ours)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert pipelines.refresh.use_dagster_home() == ours
    assert (ours / "dagster.yaml").read_bytes() == pipelines.refresh.INSTANCE_SETTINGS.read_bytes()
    assert "enabled: false" in (ours / "dagster.yaml").read_text()


def test_every_error_for_people_is_recognised_in_the_run_history():
    """`status` reads the stored errors of the last refresh without importing the modules
    that raise them: the list of user-facing error classes must name every one (an
    independent probe saw a missing column reported as "unexpected BatchError")."""
    import importlib
    import pkgutil

    import pipelines
    from pipelines.lib.errors import USER_FACING_CLASS_NAMES, UserFacingError

    for module in pkgutil.walk_packages(pipelines.__path__, "pipelines."):
        importlib.import_module(module.name)
    found, pending = set(), [UserFacingError]
    while pending:
        cls = pending.pop()
        found.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    assert found == USER_FACING_CLASS_NAMES
