"""The whole nightly refresh on a generated trust, judged by what users see in the marts."""

from __future__ import annotations

import hashlib
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib.canonical import ENTITIES, TEXT
from pipelines.lib.identifiers import find_identifiers
from pipelines.lib.mapping import parse_mapping
from pipelines.lib.settings import DEMO_PROFILE_DIR
from pipelines.refresh import run_refresh
from pipelines.report.pack import PACK_FILE

DATA_ROW_OFFSET = 1  # the truth counts data rows from 1; the loader reports spreadsheet rows


def unit_filter(unit: dict) -> str:
    column = "location_id" if unit["level"] == "location" else "directorate"
    return f"{column} = '{unit['value']}'"


def test_every_planted_problem_shows_in_every_source_it_was_planted_in(refreshed):
    workspace, truth = refreshed
    for problem in truth["problems"]:
        found = {
            source for (source,) in workspace.query(
                f"select distinct source from theme_counts where theme_id = ? "
                f"and {unit_filter(problem['unit'])} and month >= ?",
                [problem["theme"], problem["window"]["start"][:8] + "01"])
        }
        assert set(problem["sources"]) <= found, problem["name"]


def test_planted_multi_source_problems_signal_in_several_sources(refreshed):
    workspace, truth = refreshed
    for problem in truth["problems"]:
        [(n_sources,)] = workspace.query(
            "select max(n_sources_signalling) from theme_signals where theme_id = ? "
            "and unit_level = ? and unit_id = ?",
            [problem["theme"], problem["unit"]["level"], problem["unit"]["value"]])
        assert n_sources >= 2, problem["name"]


def test_rows_read_equal_rows_loaded_plus_rejected_per_file(refreshed):
    workspace, _ = refreshed
    rows = workspace.query("select file, rows_read, rows_loaded, rows_rejected from load_summary")
    assert rows, "load_summary is empty"
    for file, read, loaded, rejected in rows:
        assert read == loaded + rejected, file
    # rows_read is what is really in the files: check the CSVs against their line counts.
    for file, read, _, _ in rows:
        path = workspace.raw / file
        if path.suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
            assert frame.height == read, file


def test_planted_bad_rows_are_quarantined_with_their_reason(refreshed):
    workspace, truth = refreshed
    rejected = {(file, row): (column, reason) for file, row, column, reason in workspace.query(
        "select file, row_number, column_name, reason from rejected_rows")}
    assert truth["messiness"]["bad_rows"], "the scenario should plant bad rows"
    for bad in truth["messiness"]["bad_rows"]:
        key = (bad["file"], bad["row"] + DATA_ROW_OFFSET)
        assert key in rejected, bad
        assert bad["column"] in (rejected[key][0] or ""), (bad, rejected[key])


def test_rows_a_warning_rule_flags_load_and_are_listed_where_they_sit(refreshed):
    workspace, truth = refreshed
    flagged = {(file, row): (column, reason) for file, row, column, reason in workspace.query(
        "select file, row_number, column_name, reason from flagged_rows")}
    planted = truth["messiness"]["flagged_rows"]
    assert planted, "the demo plants a row a warning rule flags"
    assert {(f["file"], f["row"] + DATA_ROW_OFFSET) for f in planted} == set(flagged)
    for row in planted:
        assert flagged[row["file"], row["row"] + DATA_ROW_OFFSET] == (row["column"],
                                                                      row["reason"])
    rejected = set(workspace.query("select file, row_number from rejected_rows"))
    assert not rejected & set(flagged), "a flagged row is loaded, not rejected"
    # The refresh's summary counts them per source.
    from pipelines import cli

    with cli.console.capture() as captured:
        cli._print_summary(workspace.published)
    [incidents] = [line.split() for line in captured.get().splitlines()
                   if line.split()[1:2] == ["incidents"]]
    assert incidents[-2] == str(len(planted)), captured.get()


def test_location_spellings_resolve_and_unknown_ones_are_reported(refreshed):
    workspace, truth = refreshed
    unresolved = {value for (value,) in workspace.query(
        "select location_raw from unresolved_locations")}
    planted = set(truth["messiness"]["unresolvable_locations"])
    assert planted <= unresolved
    assert not unresolved - planted, "every other spelling should resolve through the aliases"


@pytest.mark.parametrize("case_level", [False, True], ids=["marts", "case_level"])
def test_published_files_hold_no_free_text_or_identifiers(refreshed, case_level):
    workspace, truth = refreshed
    file = workspace.case_level if case_level else workspace.published
    free_text = {f.name for entity in ENTITIES.values() for f in entity.fields if f.kind == TEXT}
    columns = workspace.query(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' "
        "and table_name not in ('themes', 'locations')", file=file)
    names = {c for _, c, _ in columns}
    assert names & (free_text | {"free_text", "record"}) == set()
    # Record ids only in the case-level file, which stays with the patient safety team.
    assert ("record_id" in names) == case_level
    # The generator writes NHS numbers, phone numbers and emails into some free text.
    assert truth["messiness"]["identifiers_in_text"]
    for table, column, data_type in columns:
        if data_type == "VARCHAR":
            values = [v for (v,) in workspace.query(
                f'select distinct "{column}" from "{table}" where "{column}" is not null',
                file=file)]
            assert not [v for v in values if find_identifiers(v)], (table, column)


def test_what_holds_free_text_file_names_or_record_ids_only_the_refresh_user_reads(refreshed):
    """The warehouse (every free text), the Dagster run history (the export files' names)
    and the restricted pack (record ids) are the refresh's user's only, whatever the umask;
    the marts file keeps its published mode."""
    workspace, _ = refreshed

    def others_may_read(path: Path) -> bool:
        return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)

    history = [p for p in (workspace.root / "dagster_home" / "history").rglob("*")]
    assert history and not [p for p in history if others_may_read(p)]
    assert not others_may_read(workspace.warehouse)
    assert not others_may_read(workspace.marts / PACK_FILE)
    assert stat.S_IMODE(workspace.published.stat().st_mode) == 0o644


def test_planted_records_filed_under_other_are_themed_by_their_narrative(refreshed):
    workspace, truth = refreshed
    themed = {(source, record_id, theme): (method, reason)
              for source, record_id, theme, method, reason in workspace.query(
                  "select source, record_id, theme_id, method, reason from record_themes",
                  file=workspace.case_level)}
    records = {(source, record_id) for source, record_id, _ in themed}
    by_narrative = 0
    for problem in truth["problems"]:
        for source in {"incidents", "complaints"} & set(problem["sources"]):
            # Planted records the loader rejected, or whose text was blanked, carry no theme.
            for record_id in {i for i in problem["planted"][source]["ids"]
                              if (source, i) in records}:
                method, reason = themed[source, record_id, problem["theme"]]
                if method == "keyword":
                    assert reason.startswith("no specific structured code"), reason
                    by_narrative += 1
    assert by_narrative, "the scenario files some planted records under 'Other'"


def _mart_snapshot(workspace) -> dict[str, str]:
    tables = [name for (name,) in workspace.query(
        "select table_name from duckdb_tables() where schema_name = 'main' "
        "and table_name <> 'refresh_info' order by 1")]
    return {
        table: hashlib.sha256(repr(workspace.query(
            f'select * from "{table}" order by all')).encode()).hexdigest()
        for table in tables
    }


# Holds the published file open read-only, as a BI tool does: prints what it sees, waits for
# a line on stdin, prints what its open connection sees now, then reconnects and prints again.
READER = """
import sys, duckdb
path = sys.argv[1]
seen = "select cast(published_at as varchar) from refresh_info"
con = duckdb.connect(path, read_only=True)
print(con.sql(seen).fetchone()[0], flush=True)
sys.stdin.readline()
print(con.sql(seen).fetchone()[0], flush=True)
con.close()
print(duckdb.connect(path, read_only=True).sql(seen).fetchone()[0], flush=True)
"""


def test_a_second_run_under_an_open_reader_leaves_the_marts_identical(refreshed):
    workspace, _ = refreshed
    before = _mart_snapshot(workspace)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(workspace.published)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = reader.stdout.readline().strip()
        outcome = run_refresh()
        still, _ = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    assert outcome.success, outcome.failures
    held, reconnected = still.splitlines()
    # The open connection keeps the file it opened; a reconnect sees the new refresh.
    assert held == first
    assert reconnected > first
    assert _mart_snapshot(workspace) == before


def test_a_file_missing_a_mapped_column_fails_in_one_line_and_keeps_the_marts(refreshed_copy):
    """What the person running the refresh sees: one line naming the file, the mapping, the
    column and what to do; no traceback and no text from the file unless --verbose."""
    from typer.testing import CliRunner

    from pipelines.cli import app

    broken_copy = refreshed_copy
    published_before = broken_copy.published.read_bytes()
    victim = sorted((broken_copy.raw / "fft").glob("*.csv"))[-1]
    columns = parse_mapping(DEMO_PROFILE_DIR / "mappings" / "fft.yml").columns
    frame = pl.read_csv(victim, infer_schema=False).drop(columns["response_id"])
    frame.with_columns(pl.lit("Mrs Jane Smithson was rude").alias(columns["comment_improve"])) \
        .write_csv(victim)

    quiet = CliRunner().invoke(app, ["refresh"])

    assert quiet.exit_code == 1, quiet.output
    lines = quiet.output.splitlines()
    assert lines[0].startswith("Refresh failed after") and len(lines) == 3, quiet.output
    fft_mapping = DEMO_PROFILE_DIR / "mappings" / "fft.yml"
    assert lines[1] == (f"  loading fft: {victim} (mapping {fft_mapping})"
                        f", row 1: column '{columns['response_id']}' (response_id) is not in the "
                        "header row; fix the names under `columns:` in the mapping, or list the "
                        "fields the export may leave out under `optional_columns:`")
    log = Path(lines[2].removeprefix("Tracebacks: "))
    assert "Stack Trace" in log.read_text() and log.stat().st_mode & 0o077 == 0
    assert "Stack Trace" not in quiet.output and "Smithson" not in quiet.output
    assert broken_copy.published.read_bytes() == published_before

    verbose = CliRunner().invoke(app, ["--verbose", "refresh"])
    assert verbose.exit_code == 1 and lines[1] in verbose.output
    assert "Stack Trace" in verbose.output and "BatchError" in verbose.output


def test_fft_comments_are_coded_and_themed_by_the_shipped_model(refreshed):
    workspace, _ = refreshed
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        [(answers,)] = con.sql("select count(distinct response_id) from raw.fft_responses "
                               "where comment_improve is not null").fetchall()
        [(coded, with_category)] = con.sql(
            "select count(*), count(*) filter (where len(v6_categories) > 0) "
            "from coded.fft_comments").fetchall()
        methods = dict(con.sql("select method, count(*) from intermediate.int_record_themes_mapped "
                               "where source = 'fft' group by method").fetchall())
    finally:
        con.close()
    assert coded == answers
    assert with_category > coded / 2
    assert methods.get("text_model", 0) > 0 and methods.get("keyword", 0) > 0


def test_national_pfd_reports_are_themed_by_month_without_their_text(refreshed):
    workspace, _ = refreshed
    rows = workspace.query(
        "select theme_id, strftime(report_month, '%Y-%m'), report_count, coroner_area_count "
        "from national_pfd_themes order by all")
    assert rows == [
        ("deterioration_sepsis", "2025-03", 1, 1),
        ("deterioration_sepsis", "2025-04", 1, 1),
        ("falls", "2025-03", 1, 1),
        ("medication", "2025-04", 1, 1),
    ]
