"""`triangulate`: generate a demo trust, run the nightly refresh, see what it found.

Exit codes a scheduler can act on: 0 success; 1 the refresh failed (published marts were left
as they were) or `status` found the last refresh failed; 2 wrong usage or bad SQL; 3 no
published marts yet; 4 (`status`) an expected source is missing or stale.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pipelines.lib import settings
from pipelines.lib.publishing import CASE_LEVEL, MARTS

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
console = Console()


@app.command()
def generate(
    out: Path = typer.Option(None, help="Folder for the exports (default: data/raw/)."),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same files."),
    scale: float = typer.Option(1.0, help="Volume multiplier (1.0 = a mid-size acute trust)."),
    scenario: Path = typer.Option(None, help="Scenario YAML of planted problems and decoys."),
) -> None:
    """Generate a fictional acute trust's exports of all six sources into data/raw/."""
    from pipelines.demo import generate_trust

    out = out or settings.raw_dir()
    started = time.perf_counter()
    truth = generate_trust(out, seed=seed, scale=scale, scenario=scenario)
    console.print(f"Demo trust written to [bold]{out}[/] in {time.perf_counter() - started:.1f} s; "
                  f"planted scenario in {out / 'scenario_truth.json'}")
    for problem in truth.get("problems", []):
        console.print(f"  planted: {problem['theme']} at {problem['unit']['value']} "
                      f"in {', '.join(problem['sources'])}")


@app.command()
def refresh() -> None:
    """Run the whole nightly refresh in this process and print what it found."""
    from pipelines.refresh import run_refresh

    started = time.perf_counter()
    with console.status("Refreshing: loading exports, validating, building marts..."):
        outcome = run_refresh()
    elapsed = time.perf_counter() - started
    if not outcome.success:
        run = f" (run {outcome.run_id})" if outcome.run_id else ""
        console.print(f"[bold red]Refresh failed[/] after {elapsed:.0f} s{run}; "
                      "the published marts were left as they were.")
        for failure in outcome.failures:
            console.print(f"  [red]{escape(failure)}[/]")
        raise typer.Exit(1)
    console.print(f"[bold green]Refresh complete[/] in {elapsed:.0f} s: "
                  f"{outcome.checks_passed} checks passed, {len(outcome.checks_failed)} failed "
                  "(warnings only; a failing check that blocks stops the refresh)")
    _print_stages(outcome.stages)
    for check in outcome.checks_failed:
        console.print(f"  [yellow]warning[/] {check}")
    _print_summary(settings.marts_dir() / MARTS.file)


@app.command()
def demo(
    seed: int = typer.Option(42, help="Random seed of the demo trust."),
    scale: float = typer.Option(1.0, help="Volume multiplier."),
) -> None:
    """Generate the demo trust into data/raw/ and run the nightly refresh on it."""
    generate(out=None, seed=seed, scale=scale, scenario=None)
    refresh()


def _print_stages(stages: list[tuple[str, float]]) -> None:
    table = Table(title="Stages")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for step, seconds in stages:
        table.add_row(step, f"{seconds:.1f}")
    console.print(table)


def _print_summary(published: Path) -> None:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        loads = con.sql(
            "select source, sum(rows_read), sum(rows_loaded), sum(rows_rejected) "
            "from load_summary group by source order by source").fetchall()
        signals = con.sql(
            "select priority_rank, issue, concentrated_at, sources_signalling, "
            "proposed_learning_response from psirp_local_priorities "
            "order by priority_rank limit 8").fetchall()
        unmeasurable = con.sql(
            "select requirement_name, measurability_gaps from "
            "psirp_national_requirements_summary where measurability <> 'measurable' and "
            "quarter_start = (select max(quarter_start) from "
            "psirp_national_requirements_summary) order by requirement").fetchall()
    finally:
        con.close()
    table = Table(title="Rows per source")
    for column in ("source", "read", "loaded", "rejected"):
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
    for requirement, gaps in unmeasurable:
        console.print(f"[yellow]Cannot be measured this quarter[/]: {escape(requirement)} "
                      f"({escape(gaps)})")
    console.print(f"Published marts: [bold]{published}[/] (Parquet copies in "
                  f"{published.parent / MARTS.parquet_dir}); the record ids behind them, for "
                  f"the patient safety team only: {published.parent / CASE_LEVEL.file}\n"
                  "Rejected rows and reasons: table rejected_rows; open the files read-only "
                  "from any DuckDB client or BI tool.")


@app.command()
def status() -> None:
    """When the marts were last published, how fresh each source is, and what the last
    refresh's checks found. Exit 1 when the last refresh failed, 3 when nothing is published,
    4 when an expected source is missing or stale."""
    from pipelines.lib.marts_reader import MartsNotPublished, open_marts
    from pipelines.lib.run_history import last_refresh

    run = last_refresh()
    if run is None:
        console.print("No refresh has run with this DAGSTER_HOME yet.")
    else:
        colour = "green" if run.status == "SUCCESS" else "red"
        console.print(f"Last refresh: [bold {colour}]{run.status}[/] (run {run.run_id}, started "
                      f"{run.started_at:%Y-%m-%d %H:%M} UTC); {run.checks_passed} checks passed, "
                      f"{len(run.failed_checks)} failed")
        for check in run.failed_checks:
            console.print(f"  [yellow]failed check[/] {check.asset} {check.check} "
                          f"({check.severity})")
        for step in run.failed_steps:
            console.print(f"  [red]failed step[/] {escape(step)}")
    try:
        with open_marts() as con:
            [(published_at,)] = con.sql("select published_at from refresh_info").fetchall()
            freshness = con.sql(
                "select source, max(month) as latest_month, "
                "cast(sum(record_count) as bigint) as records from theme_counts "
                "group by source order by source").fetchall()
    except MartsNotPublished as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(3) from None
    console.print(f"Marts published at {published_at:%Y-%m-%d %H:%M} UTC")
    table = Table(title="Source freshness (latest month with themed records)")
    for column in ("source", "latest month", "themed records"):
        table.add_column(column)
    for source, month, records in freshness:
        table.add_row(source, f"{month:%Y-%m}", str(records))
    console.print(table)
    problems = _print_source_states()
    if run is not None and run.status != "SUCCESS":
        raise typer.Exit(1)
    if problems:
        raise typer.Exit(4)


def _print_source_states() -> list[str]:
    """Each source's files and newest record, judged against today (or
    TRIANGULATE_AS_OF_DATE): the published marts go stale when no refresh brings new exports.
    Returns one line per expected source that is missing or stale."""
    from pipelines.lib.marts_reader import has_table, query
    from pipelines.lib.profile import as_of_date

    if not has_table("source_freshness"):
        return []
    today = as_of_date()
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
    csv: bool = typer.Option(False, "--csv", help="Write CSV to standard output."),
    case_level: bool = typer.Option(False, "--case-level",
                                    help="Query the case-level file (record ids) instead."),
) -> None:
    """Run one SQL statement that reads the published marts and print a table or CSV. It can
    read only the published file: no other file, URL, database or extension, and no writes."""
    import duckdb

    from pipelines.lib.marts_reader import (
        MartsNotPublished,
        QueryRefused,
        published_file,
        read_only_query,
        tables_in,
    )
    from pipelines.lib.query_output import cell_text, table_width, to_csv

    try:
        result = read_only_query(sql, case_level=case_level)
    except MartsNotPublished as error:
        console.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(3) from None
    except QueryRefused as error:
        console.print(f"[red]Query refused:[/] {escape(str(error))}")
        raise typer.Exit(2) from None
    except duckdb.Error as error:
        console.print(f"[red]SQL error:[/] {escape(str(error))}")
        missing = re.search(r"Table with name (\w+) does not exist", str(error))
        if (missing and not case_level and published_file(case_level=True).is_file()
                and missing.group(1) in tables_in(case_level=True)):
            console.print(f"{missing.group(1)} is in the case-level file (record ids, for the "
                          "patient safety team only): add --case-level")
        raise typer.Exit(2) from None
    if csv:
        typer.echo(to_csv(result.columns, result.rows), nl=False)
        return
    table = Table(show_lines=False)
    for column in result.columns:
        table.add_column(Text(cell_text(column)))
    for row in result.rows:
        table.add_row(*(Text(cell_text(v)) for v in row))
    # Piped or redirected, a table keeps every cell on one line however wide it gets.
    out = console if console.is_terminal else Console(
        width=max(80, table_width(result.columns, result.rows)))
    out.print(table)
    out.print(f"{len(result.rows)} rows")


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
    from pipelines.lib.board_export import board_export
    from pipelines.lib.exports import export_psirp
    from pipelines.lib.marts_reader import MartsNotPublished, published_file

    if fmt not in ("csv", "md"):
        console.print("[red]--format must be csv or md[/]")
        raise typer.Exit(2)
    try:
        written = export_psirp(out, fmt)
        if board:
            written += list(board_export(published_file(), out).files.values())
    except MartsNotPublished as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(3) from None
    for path in written:
        console.print(f"wrote {path}")


@app.command()
def report(
    out: Path = typer.Option(None, help="Where to write the pack (default: beside the marts, "
                                        "insight_pack.html)."),
    wide: bool = typer.Option(False, "--wide", help="For wide circulation: counts of 1-4 "
                              "suppressed, no record ids."),
) -> None:
    """Build the quality insight pack: one self-contained HTML file with the PSIRP draft,
    SPC charts of the top priorities, the location x theme heatmap, the operational tables
    and data quality. The nightly refresh writes the restricted one itself."""
    from pipelines.lib.marts_reader import MartsNotPublished, published_file
    from pipelines.report import build_pack

    if not published_file().is_file():
        console.print(f"[red]{MartsNotPublished.__doc__} ({published_file()})[/]")
        raise typer.Exit(3)
    started = time.perf_counter()
    path = build_pack(settings.marts_dir(), out, wide_circulation=wide)
    console.print(f"Insight pack written to [bold]{path}[/] ({path.stat().st_size / 1024:,.0f} "
                  f"KiB, {time.perf_counter() - started:.1f} s); open it in any browser.")
