"""`triangulate`: generate a demo trust, run the nightly refresh, see what it found.

Exit codes a scheduler can act on: 0 success; 1 the refresh failed (published marts were left
as they were), `status` found the last refresh failed, or `report` could not write the
pack; 2 wrong usage (a bad option, path, date setting or SQL, or a query past its time or
memory limit); 3 no published marts yet (or none that can be read); 4 (`status`) an
expected source is missing or stale; 5 (`refresh`) another refresh is running, so this one
did not start.
"""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pipelines.lib import quiet_duckdb, settings
from pipelines.lib.private_files import private_by_default
from pipelines.lib.publishing import CASE_LEVEL, MARTS
from pipelines.lib.reporting_period import (
    AsOfDateError,
    as_of_date,
    last_complete_month,
    month_end,
)

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
console = Console()
_options = {"verbose": False}


@app.callback()
def main(verbose: bool = typer.Option(
        False, "--verbose", "-v",
        help="Show the Dagster log and full tracebacks of failures (they are always written "
             "to the run log).")) -> None:
    """Triangulate's command line."""
    _options["verbose"] = verbose


def _say(text: str, style: str = "") -> None:
    """One message line, never wrapped (it may name long paths), as text: not markup, since a
    message can hold square brackets (a path, a SQL error)."""
    console.print(text, style=style or None, soft_wrap=True, markup=False, highlight=False)


WRITE_FAILED, USAGE, NOT_PUBLISHED = 1, 2, 3  # exit codes (module docstring)
MAX_SCALE = 20.0  # a demo trust 20 times the mid-size one is ~3 million rows: plenty


def fail(message: str, code: int) -> typer.Exit:
    """Print one clear line and return the Exit to raise with the documented code."""
    _say(message, "red")
    return typer.Exit(code)


def _use_default_dagster_home() -> None:
    """The CLI runs with no environment set up: the project's own Dagster home unless
    DAGSTER_HOME says otherwise (as `refresh` does), with the product's instance settings."""
    from pipelines.refresh import use_dagster_home

    use_dagster_home()


def _output_folder(out: Path, option: str) -> Path:
    if out.exists() and not out.is_dir():
        raise fail(f"{option} {out}: is a file, not a folder", USAGE)
    return out


def _current_end(scenario: Path | None) -> date | None:
    """The end of the last complete month before the as-of date, unless the scenario file pins
    its own end_date: a demo trust generated today is not already stale (the library default,
    the shipped scenario's fixed date, keeps the tests reproducible)."""
    import yaml

    if scenario is not None and "end_date" in (yaml.safe_load(scenario.read_text()) or {}):
        return None
    return month_end(last_complete_month(as_of_date()))


@app.command()
def generate(
    out: Path = typer.Option(None, help="Folder for the exports (default: data/raw/)."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same files."),
    scale: float = typer.Option(1.0, help="Volume multiplier (1.0 = a mid-size acute trust; "
                                          f"more than 0, at most {MAX_SCALE:g})."),
    scenario: Path = typer.Option(None, help="Scenario YAML of planted problems and decoys."),
    years: int = typer.Option(None, min=1, help="Years of history (default: the scenario's, 2)."),
    end_date: datetime = typer.Option(None, formats=["%Y-%m-%d"],
                                      help="Last day the exports cover (default: the "
                                           "--scenario file's end_date, else the end of the "
                                           "last complete month, so the exports are current)."),
) -> None:
    """Generate a fictional acute trust's exports of all seven sources into data/raw/."""
    if not 0 < scale <= MAX_SCALE:
        raise fail(f"--scale {scale:g}: must be more than 0 and at most {MAX_SCALE:g}", USAGE)
    if seed < 0:
        raise fail(f"--seed {seed}: must be 0 or more", USAGE)
    if scenario is not None and not scenario.is_file():
        raise fail(f"--scenario {scenario}: no such file", USAGE)
    out = _output_folder(out or settings.raw_dir(), "--out")
    from pipelines.demo import generate_trust
    from pipelines.demo.scenario import ScenarioError

    started = time.perf_counter()
    try:
        truth = generate_trust(out, seed=seed, scale=scale, scenario=scenario, years=years,
                               end_date=end_date.date() if end_date else _current_end(scenario))
    except (ScenarioError, ValueError, OSError) as error:
        raise fail(f"generate: {error}", USAGE) from None
    console.print(f"Demo trust written to [bold]{out}[/] in {time.perf_counter() - started:.1f} s; "
                  f"planted scenario in {out / 'scenario_truth.json'}")
    for problem in truth.get("problems", []):
        console.print(f"  planted: {problem['theme']} at {problem['unit']['value']} "
                      f"in {', '.join(problem['sources'])}")


@app.command()
def refresh(wait: float = typer.Option(
        None, "--wait", metavar="MINUTES",
        help="Wait up to this long for a refresh already running to finish (default: "
             "TRIANGULATE_REFRESH_WAIT_MINUTES, else 0: stop at once, naming it)."),
        full: bool = typer.Option(
        False, "--full",
        help="Read every source's files again and build every dbt model, whatever changed "
             "(the nightly refresh reads only changed sources and rebuilds what depends on "
             "them).")) -> None:
    """Run the whole nightly refresh in this process and print what it found: one line per
    failed step (file, mapping, row, what is wrong, what to do); tracebacks go to the run log."""
    from pipelines.lib.errors import UserFacingError, safe_summary
    from pipelines.lib.refresh_lock import RefreshRunning
    from pipelines.lib.settings import SettingError
    from pipelines.progress import RefreshProgress
    from pipelines.refresh import run_refresh

    verbose = _options["verbose"]
    started = time.perf_counter()
    try:
        with RefreshProgress() as progress:
            outcome = run_refresh(verbose=verbose, progress=progress, full=full,
                                  wait_seconds=None if wait is None else wait * 60)
    except RefreshRunning as error:
        _say(f"Refresh not started: {error}", "bold yellow")
        raise typer.Exit(5) from None
    except SettingError as error:
        raise fail(f"Refresh not started: {error}", USAGE) from None
    except UserFacingError as error:
        _say(f"Refresh failed: {error}; the published marts were left as they were.", "bold red")
        raise typer.Exit(1) from None
    except Exception as error:
        if verbose:
            console.print_exception()
        _say(f"Refresh failed before it started: {type(error).__name__}: "
             f"{safe_summary(str(error))}; the published marts were left as they were "
             "(rerun with --verbose for the traceback).", "bold red")
        raise typer.Exit(1) from None
    # The run's own time: a wait for the refresh before it (--wait) is said apart.
    elapsed = time.perf_counter() - started - outcome.waited_s
    if outcome.waited_s >= 1:
        _say(f"Waited {outcome.waited_s:.0f} s for the refresh before this one to finish.")
    for note in outcome.notes:
        _say(f"Note: {note}", "yellow")
    if not outcome.success:
        _say(failure_headline(outcome, elapsed), "bold red")
        for failure in outcome.failures:
            _say(f"  {failure}", "red")
        if verbose:
            for detail in outcome.details:
                console.print(escape(detail), soft_wrap=True, highlight=False)
        if outcome.log:
            _say(f"Tracebacks: {outcome.log}")
        _name_dbt_log(outcome.dbt_log_file)
        raise typer.Exit(1)
    console.print(f"[bold green]Refresh complete[/] in {elapsed:.0f} s: "
                  f"{outcome.checks_passed} checks passed, {len(outcome.checks_failed)} failed "
                  "(warnings only; a failing check that blocks stops the refresh); "
                  f"{outcome.incremental_summary}")
    _print_stages(outcome.stages)
    for check in outcome.checks_failed:
        console.print(f"  [yellow]warning[/] {check}")
    _print_summary(settings.marts_dir() / MARTS.file)
    _name_dbt_log(outcome.dbt_log_file)


def failure_headline(outcome, elapsed: float) -> str:
    """What a failed refresh left published: as it was, unless the marts were published and
    a later step (the insight pack) failed."""
    run = f" (run {outcome.run_id})" if outcome.run_id else ""
    if outcome.marts_published:
        return (f"Refresh failed after {elapsed:.0f} s{run}: the new marts were published, "
                "but a step after them failed, so the insight pack may be the previous one.")
    return f"Refresh failed after {elapsed:.0f} s{run}; the published marts were left as they were."


def _name_dbt_log(path: Path | None) -> None:
    if path is not None:
        _say(f"dbt's full log: {path}")


@app.command()
def demo(
    seed: int = typer.Option(42, help="Random seed of the demo trust."),
    scale: float = typer.Option(1.0, help="Volume multiplier."),
) -> None:
    """Generate the demo trust into data/raw/ and run the nightly refresh on it."""
    generate(out=None, seed=seed, scale=scale, scenario=None, years=None, end_date=None)
    refresh(wait=None)


def _print_stages(stages: list[tuple[str, float]]) -> None:
    table = Table(title="Stages")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for step, seconds in stages:
        table.add_row(step, f"{seconds:.1f}")
    console.print(table)


def _print_summary(published: Path) -> None:
    con = quiet_duckdb.connect(str(published), read_only=True)
    try:
        loads = con.sql(
            "select source, sum(rows_read), sum(rows_loaded), sum(rows_rejected), "
            "(select count(*) from flagged_rows where flagged_rows.source = load_summary.source) "
            "from load_summary group by source order by source").fetchall()
        signals = con.sql(
            "select priority_rank, issue, concentrated_at, sources_signalling, "
            "proposed_learning_response from psirp_local_priorities "
            "order by priority_rank limit 8").fetchall()
        unmeasurable = con.sql(
            "select distinct requirement, requirement_name, measurability_gaps from "
            "psirp_national_requirements_summary where measurability <> 'measurable' and "
            "quarter_start = (select max(quarter_start) from "
            "psirp_national_requirements_summary) order by requirement").fetchall()
    finally:
        con.close()
    table = Table(title="Rows per source")
    for column in ("source", "read", "loaded", "rejected", "flagged"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for row in loads:
        table.add_row(*(str(v) for v in row))
    console.print(table)
    table = Table(title="Top PSIRP local priorities (recent window vs baseline)")
    for column in ("rank", "issue", "where", "sources signalling", "proposed response"):
        table.add_column(column)
    for row in signals:
        table.add_row(*(str(v) for v in row))
    console.print(table)
    for _, requirement, gaps in unmeasurable:
        console.print(f"[yellow]Cannot be measured this quarter[/]: {escape(requirement)} "
                      f"({escape(gaps)})")
    console.print(f"Published marts: [bold]{published}[/] (Parquet copies in "
                  f"{published.parent / MARTS.parquet_dir}); the record ids behind them, for "
                  f"the patient safety team only: {published.parent / CASE_LEVEL.file}\n"
                  "Rejected rows and reasons: table rejected_rows (rows loaded with a "
                  "warning: flagged_rows); open the files read-only from any DuckDB client "
                  "or BI tool.")


@app.command()
def status() -> None:
    """When the marts were last published, how fresh each source is, and what the last
    refresh's checks found. Exit 1 when the last refresh failed, 3 when nothing is published,
    4 when an expected source is missing or stale."""
    import duckdb

    from pipelines.lib.marts_reader import MartsNotPublished, open_marts
    from pipelines.lib.refresh_lock import lock_path, running_refresh
    from pipelines.lib.reporting_period import reporting_period
    from pipelines.lib.run_history import RunHistoryError, last_refresh

    try:
        as_of = as_of_date()
    except AsOfDateError as error:
        raise fail(str(error), USAGE) from None
    _use_default_dagster_home()
    running = running_refresh(lock_path(settings.warehouse_path()))
    if running is not None:
        console.print(f"{running.running().capitalize()}: what follows is from the refresh "
                      "before it.", soft_wrap=True)
    try:
        run = last_refresh(finished=running is not None)
    except RunHistoryError as error:
        run = None
        console.print(f"[yellow]{error}[/]", soft_wrap=True)
    else:
        if run is None:
            console.print(f"No refresh has run with this Dagster home "
                          f"({os.environ['DAGSTER_HOME']}) yet.", soft_wrap=True)
    if run is not None:
        # Not finished, and no refresh holds the lock: it was killed (or the machine stopped).
        state = run.status if run.status in _FINISHED else "ENDED WITHOUT FINISHING"
        colour = "green" if state == "SUCCESS" else "red"
        started = (f"started {run.started_at:%Y-%m-%d %H:%M} UTC" if run.started_at
                   else "never started")
        console.print(f"Last refresh: [bold {colour}]{state}[/] (run {run.run_id}, {started}); "
                      f"{run.checks_passed} checks passed, {len(run.failed_checks)} failed")
        for check in run.failed_checks:
            console.print(f"  [yellow]failed check[/] {check.asset} {check.check} "
                          f"({check.severity})")
        for step in run.failed_steps:
            console.print(f"  [red]failed step[/] {escape(step)}")
    cutoff = last_complete_month(as_of)
    try:
        with open_marts() as con:
            [(published_at,)] = con.sql("select max(published_at) from refresh_info").fetchall()
            freshness = con.execute(
                "select source, max(month) filter (where month <= ?) as latest_month, "
                "count(distinct month) filter (where month > ?) as later_months, "
                "cast(sum(record_count) filter (where month <= ?) as bigint) as records "
                "from theme_counts group by source order by source",
                [cutoff, cutoff, cutoff]).fetchall()
            period = reporting_period(con, as_of)
    except MartsNotPublished as error:
        raise fail(str(error), NOT_PUBLISHED) from None
    except duckdb.Error as error:
        raise fail(f"the published marts cannot be read: {error}", NOT_PUBLISHED) from None
    console.print(f"Marts published at {published_at:%Y-%m-%d %H:%M} UTC")
    table = Table(title=f"Source freshness: latest complete month up to {as_of:%-d %b %Y}")
    for column in ("source", "latest month", "themed records"):
        table.add_column(column)
    for source, month, later, records in freshness:
        latest = f"{month:%Y-%m}" if month else "none yet"
        if later:
            latest += f" (+{later} later months not counted: after {cutoff:%b %Y})"
        table.add_row(source, latest, str(records or 0))
    console.print(table)
    if period is not None:
        console.print(f"Reporting month: {period.label} (the last complete month of incident, "
                      "complaint and FFT data; the insight pack and board export cover it)",
                      soft_wrap=True)
    problems = _print_source_states(as_of)
    if run is not None and run.status != "SUCCESS":
        raise typer.Exit(1)
    if problems:
        raise typer.Exit(4)


_FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


def _print_source_states(today) -> list[str]:
    """Each source's files and newest record, judged against today (or
    TRIANGULATE_AS_OF_DATE): the published marts go stale when no refresh brings new exports.
    Returns one line per expected source that is missing or stale."""
    from pipelines.lib.marts_reader import has_table, query

    if not has_table("source_freshness"):
        return []
    table = Table(title=f"Sources as of {today:%Y-%m-%d}")
    for column in ("source", "expected", "files", "newest record", "days old", "stale after",
                   "state"):
        table.add_column(column)
    problems = []
    for row in query("select * from source_freshness order by source").iter_rows(named=True):
        newest = row["newest_record_date"]
        days_old = (today - newest).days if newest else None
        state = row["state"]
        if state == "ok" and row["stale_after_days"] and days_old > row["stale_after_days"]:
            state = "stale"
        if row["is_expected"] and state != "ok":
            problems.append(row["source"])
        table.add_row(row["source"], "yes" if row["is_expected"] else "no", str(row["files"]),
                      f"{newest:%Y-%m-%d}" if newest else "-",
                      "-" if days_old is None else str(days_old),
                      str(row["stale_after_days"] or "-"),
                      state if state == "ok" or not row["is_expected"] else f"[red]{state}[/]")
    console.print(table)
    if problems:
        console.print(f"[red]Expected sources missing or stale: {', '.join(problems)}[/]: add "
                      "their latest exports to data/raw/<source>/ and refresh, or mark them "
                      "not expected in the trust profile (profile.yml).")
    return problems


@app.command()
def query(
    sql: str = typer.Argument(..., help="SQL, e.g. \"select * from psirp_local_priorities\"."),
    csv: bool = typer.Option(False, "--csv", help="Write every row as CSV to standard output."),
    case_level: bool = typer.Option(False, "--case-level",
                                    help="Query the case-level file (record ids) instead."),
    max_rows: int = typer.Option(1000, "--max-rows", min=1,
                                 help="Rows a table shows (--csv writes them all)."),
    timeout: float = typer.Option(300, "--timeout", min=1,
                                  help="Seconds before the query is stopped."),
) -> None:
    """Run one SQL statement that reads the published marts and print a table or CSV. It can
    read only the published file: no other file, URL, database or extension, and no writes.
    It runs within TRIANGULATE_QUERY_MEMORY_LIMIT (2GB) and --timeout, so it never takes
    what the nightly refresh needs."""
    import duckdb

    from pipelines.lib.marts_reader import (
        MartsNotPublished,
        QueryRefused,
        QueryTimedOut,
        read_only_query,
    )

    try:
        # A table shows max_rows (one more says there are more); CSV writes every row.
        with read_only_query(sql, case_level=case_level, timeout_seconds=timeout,
                             row_limit=None if csv else max_rows + 1) as result:
            if csv:
                _print_csv(result)
            else:
                _print_table(result, max_rows)
    except MartsNotPublished as error:
        console.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(3) from None
    except QueryRefused as error:
        console.print(f"[red]Query refused:[/] {escape(str(error))}")
        raise typer.Exit(2) from None
    except QueryTimedOut as error:
        console.print(f"[red]Query stopped:[/] {escape(str(error))}: narrow it, or give more "
                      "time with --timeout")
        raise typer.Exit(2) from None
    except duckdb.OutOfMemoryException:
        console.print("[red]Query stopped:[/] it needs more memory than "
                      "TRIANGULATE_QUERY_MEMORY_LIMIT allows: aggregate or filter it")
        raise typer.Exit(2) from None
    except duckdb.Error as error:
        console.print(f"[red]SQL error:[/] {escape(str(error))}")
        _hint_case_level(str(error), case_level)
        raise typer.Exit(2) from None


def _print_csv(result) -> None:
    from pipelines.lib.query_output import to_csv

    typer.echo(to_csv(result.columns, []), nl=False)
    for batch in result.batches:
        typer.echo(to_csv(None, batch), nl=False)


def _print_table(result, max_rows: int) -> None:
    from pipelines.lib.query_output import cell_text, table_width

    rows: list[tuple] = []
    for batch in result.batches:
        rows.extend(batch)
        if len(rows) > max_rows:
            break
    more = len(rows) > max_rows
    rows = rows[:max_rows]
    table = Table(show_lines=False)
    for column in result.columns:
        table.add_column(Text(cell_text(column)))
    for row in rows:
        table.add_row(*(Text(cell_text(v)) for v in row))
    # Piped or redirected, a table keeps every cell on one line however wide it gets.
    out = console if console.is_terminal else Console(
        width=max(80, table_width(result.columns, rows)))
    out.print(table)
    out.print(f"the first {max_rows} rows: there are more (--max-rows, or --csv for all)"
              if more else f"{len(rows)} rows")


def _hint_case_level(error: str, case_level: bool) -> None:
    """Where a table is missing from the marts but is in the case-level file, say so (if
    that file can be read at all: it is restricted)."""
    import duckdb

    from pipelines.lib.marts_reader import published_file, tables_in

    missing = re.search(r"Table with name (\w+) does not exist", error)
    if not missing or case_level or not published_file(case_level=True).is_file():
        return
    try:
        in_case_level = missing.group(1) in tables_in(case_level=True)
    except (duckdb.Error, OSError):
        return
    if in_case_level:
        console.print(f"{missing.group(1)} is in the case-level file (record ids, for the "
                      "patient safety team only): add --case-level")


@app.command()
def export(
    out: Path = typer.Option(Path("exports"), help="Folder to write into."),
    fmt: str = typer.Option("csv", "--format", help="csv or md (Markdown tables)."),
    board: bool = typer.Option(False, "--board", help="Also write the board-level export: "
                               "counts of 1-4 suppressed, with secondary suppression."),
) -> None:
    """Write the PSIRP tables (local priorities, national requirements) and the audit
    priorities as CSV or Markdown for committee papers; with --board, the suppressed
    board-level tables too."""
    import duckdb

    from pipelines.lib.board_export import NothingToExport, board_export
    from pipelines.lib.exports import export_psirp
    from pipelines.lib.marts_reader import MartsNotPublished, published_file

    if fmt not in ("csv", "md"):
        raise fail(f"--format {fmt}: must be csv or md", USAGE)
    out = _output_folder(out, "--out")
    try:
        written = export_psirp(out, fmt)
        if board:
            written += list(board_export(published_file(), out).files.values())
    except MartsNotPublished as error:
        raise fail(str(error), NOT_PUBLISHED) from None
    except (AsOfDateError, NothingToExport) as error:
        raise fail(str(error), USAGE if isinstance(error, AsOfDateError)
                   else NOT_PUBLISHED) from None
    except duckdb.Error as error:
        raise fail(f"the published marts cannot be read: {error}", NOT_PUBLISHED) from None
    except OSError as error:
        raise fail(f"cannot write to {out}: {error.strerror or error}", USAGE) from None
    for path in written:
        console.print(f"wrote {path}")


@app.command()
def report(
    out: Path = typer.Option(None, help="Where to write the pack (default: beside the marts, "
                                        "insight_pack.html, or insight_pack_wide.html with "
                                        "--wide)."),
    wide: bool = typer.Option(False, "--wide", help="For wide circulation: counts of 1-4 "
                              "suppressed, no record ids."),
) -> None:
    """Build the quality insight pack: one self-contained HTML file with a one-page summary,
    the PSIRP draft, SPC charts of the top priorities, the location x theme heatmap, the
    operational tables and data quality. The nightly refresh writes the restricted one
    itself; the wide-circulation one has its own file, which the refresh never touches."""
    import duckdb

    from pipelines.lib.marts_reader import MartsNotPublished, published_file
    from pipelines.report import build_pack, default_pack_path

    if not published_file().is_file():
        raise fail(f"{MartsNotPublished.__doc__} ({published_file()})", NOT_PUBLISHED)
    if out is not None and out.is_dir():
        raise fail(f"--out {out}: is a folder; give the file to write, e.g. "
                   f"{out / 'pack.html'}", USAGE)
    started = time.perf_counter()
    try:
        path = build_pack(settings.marts_dir(), out, wide_circulation=wide,
                          chart_cache=settings.chart_cache_dir())
    except (AsOfDateError, ValueError) as error:
        raise fail(str(error), USAGE) from None
    except duckdb.Error as error:
        raise fail(f"the published marts cannot be read: {error}", NOT_PUBLISHED) from None
    except OSError as error:
        target = out or default_pack_path(settings.marts_dir(), wide)
        raise fail(f"the insight pack could not be written to {target}: "
                   f"{error.strerror or error}", WRITE_FAILED) from None
    console.print(f"Insight pack written to [bold]{path}[/] ({path.stat().st_size / 1024:,.0f} "
                  f"KiB, {time.perf_counter() - started:.1f} s); open it in any browser.",
                  soft_wrap=True)


PROBLEMS = 1  # `check`: the profile would fail a refresh


def _print_check(result) -> None:
    from pipelines.onboard.review import grouped

    for line in grouped(result.problems):
        _say(f"  problem: {line}", "red")
    for line in grouped(result.notes):
        _say(f"  note: {line}")
    present = result.files_found + result.files_unread
    _say(f"Read {result.files_read} of {present} export files ({result.rows_read:,} rows)"
         + (f"; {result.files_unread} read by no mapping (see the problems above)"
            if result.files_unread else "") + ". "
         f"{result.unresolved_locations} location spellings do not resolve "
         f"(review: {result.location_sheet}); {result.unmapped_codes} codes on records no "
         f"code themes have no theme (review: {result.code_sheet}).")
    _say("Put y in the accept column of the rows you agree with (change the suggestion first "
         "where it is wrong), then run `triangulate accept`.")


def _drafted_values(proposal) -> str:
    n = sum(map(len, proposal.value_guesses.values()))
    if not n:
        return ""
    what = f"{n} values drafted as near-misses" if n > 1 else "1 value drafted as a near-miss"
    return f" (and {what})"


@app.command()
def onboard(
    exports: Path = typer.Argument(..., help="Folder of the trust's export files (ideally "
                                             "one sub-folder per source: incidents/, fft/ ...)."),
    out: Path = typer.Option(..., "--out", help="Folder for the new trust profile."),
    locations: Path = typer.Option(None, help="The trust's list of places (CSV with "
                                              "location_id, location_name, site, directorate, "
                                              "specialty, location_type)."),
) -> None:
    """Draft a trust profile from a folder of exports: a mapping per export layout from the
    nearest shipped template (guesses marked REVIEW), reference CSVs, and the review sheets of
    `check`. Prints what it could not decide."""
    from pipelines.lib.errors import UserFacingError
    from pipelines.onboard.draft import onboard as run_onboard

    if locations is not None and not locations.is_file():
        raise fail(f"--locations {locations}: no such file", USAGE)
    started = time.perf_counter()
    try:
        with private_by_default():  # the draft holds values as exported
            done = run_onboard(exports, _output_folder(out, "--out"), locations)
    except UserFacingError as error:
        raise fail(str(error), USAGE) from None
    for proposal in done.proposals:
        if proposal.template is not None:
            _say(f"{proposal.files[0].parent.name}/{proposal.files[0].name}"
                 f"{f' (+{len(proposal.files) - 1})' if len(proposal.files) > 1 else ''}: "
                 f"{proposal.source}, from template {proposal.template.path.name}, "
                 f"{len([g for g in proposal.guesses if not g.startswith('(')])} guesses "
                 "to review" + _drafted_values(proposal))
    for line in done.undecided:
        _say(f"  could not decide: {line}", "yellow")
    if done.locations_proposed:
        _say(f"No --locations list: {done.locations_proposed} draft locations were proposed "
             f"from the exported spellings in {out / 'reference' / 'locations.csv'} (fill in "
             "their directorate and location_type).")
    _print_check(done.check)
    _say(f"Draft profile written to {out} in {time.perf_counter() - started:.1f} s. Use it "
         f"with TRIANGULATE_PROFILE={out}.")


@app.command()
def check(profile: Path = typer.Option(None, help="Trust profile folder (default: "
                                                  "TRIANGULATE_PROFILE)."),
          raw: Path = typer.Option(None, help="Exports folder (default: TRIANGULATE_RAW_DIR).")
          ) -> None:
    """Validate a trust profile against the exports without a refresh: mappings, which file
    each mapping reads, values no value map covers; writes the review sheets of unresolved
    locations and unmapped codes with suggestions. Exit 1 when a refresh would fail."""
    from pipelines.onboard.review import check as run_check

    started = time.perf_counter()
    with private_by_default():  # the review sheets hold values as exported
        result = run_check(profile or settings.profile_dir(), raw or settings.raw_dir())
    _print_check(result)
    _say(f"Checked in {time.perf_counter() - started:.1f} s.")
    if result.problems:
        raise typer.Exit(PROBLEMS)


@app.command()
def accept(profile: Path = typer.Option(None, help="Trust profile folder (default: "
                                                   "TRIANGULATE_PROFILE).")) -> None:
    """Write the review-sheet rows marked accepted into the profile's reference CSVs
    (location aliases, code map); the rows not accepted stay in the sheets."""
    from pipelines.onboard.review import accept as run_accept

    folder = profile or settings.profile_dir()
    with private_by_default():
        done = run_accept(folder)
    for line in done.skipped:
        _say(f"  skipped: {line}", "yellow")
    _say(f"Added {done.aliases} location aliases and {done.codes} code map rows to "
         f"{folder / 'reference'}; run `triangulate check` to see what is left.")
