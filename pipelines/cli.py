"""`triangulate`: generate a demo trust, run the nightly refresh, see what it found.

Exit codes a scheduler can act on: 0 success; 1 the refresh failed (published marts were left
as they were) or `status` found the last refresh failed; 2 wrong usage or bad SQL; 3 no
published marts yet.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

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
    years: int = typer.Option(None, min=1, help="Years of history (default: the scenario's, 2)."),
    end_date: datetime = typer.Option(None, formats=["%Y-%m-%d"],
                                      help="Last day the exports cover (default: the "
                                           "scenario's)."),
) -> None:
    """Generate a fictional acute trust's exports of all six sources into data/raw/."""
    from pipelines.demo import generate_trust

    out = out or settings.raw_dir()
    started = time.perf_counter()
    truth = generate_trust(out, seed=seed, scale=scale, scenario=scenario, years=years,
                           end_date=end_date.date() if end_date else None)
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
        console.print(f"[bold red]Refresh failed[/] after {elapsed:.0f} s (run {outcome.run_id}); "
                      "the published marts were left as they were.")
        for failure in outcome.failures:
            console.print(f"  [red]{failure}[/]")
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
    generate(out=None, seed=seed, scale=scale, scenario=None, years=None, end_date=None)
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
    console.print(f"Published marts: [bold]{published}[/] (Parquet copies in "
                  f"{published.parent / MARTS.parquet_dir}); the record ids behind them, for "
                  f"the patient safety team only: {published.parent / CASE_LEVEL.file}\n"
                  "Rejected rows and reasons: table rejected_rows; open the files read-only "
                  "from any DuckDB client or BI tool.")


@app.command()
def status() -> None:
    """When the marts were last published, how fresh each source is, and what the last
    refresh's checks found. Exit 1 when the last refresh failed, 3 when nothing is published."""
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
            console.print(f"  [red]failed step[/] {step}")
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
    if run is not None and run.status != "SUCCESS":
        raise typer.Exit(1)


@app.command()
def query(
    sql: str = typer.Argument(..., help="SQL, e.g. \"select * from psirp_local_priorities\"."),
    csv: bool = typer.Option(False, "--csv", help="Write CSV to standard output."),
    case_level: bool = typer.Option(False, "--case-level",
                                    help="Query the case-level file (record ids) instead."),
) -> None:
    """Run SQL against the published marts (read-only) and print a table or CSV."""
    import duckdb

    from pipelines.lib.marts_reader import MartsNotPublished
    from pipelines.lib.marts_reader import query as run_query

    try:
        frame = run_query(sql, case_level=case_level)
    except MartsNotPublished as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(3) from None
    except duckdb.Error as error:
        console.print(f"[red]SQL error:[/] {error}")
        raise typer.Exit(2) from None
    if csv:
        typer.echo(frame.write_csv(), nl=False)
        return
    table = Table(show_lines=False)
    for column in frame.columns:
        table.add_column(column)
    for row in frame.iter_rows():
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"{frame.height} rows")


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
