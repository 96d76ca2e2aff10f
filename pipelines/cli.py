"""`triangulate`: generate a demo trust, run the nightly refresh, see what it found.

Exit codes a scheduler can act on: 0 success, 1 the refresh failed (published marts were left
as they were), 2 wrong usage.
"""

from __future__ import annotations

import time
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
        console.print(f"[bold red]Refresh failed[/] after {elapsed:.0f} s (run {outcome.run_id}); "
                      "the published marts were left as they were.")
        for failure in outcome.failures:
            console.print(f"  [red]{failure}[/]")
        raise typer.Exit(1)
    console.print(f"[bold green]Refresh complete[/] in {elapsed:.0f} s")
    _print_summary(settings.marts_dir() / MARTS.file)


@app.command()
def demo(
    seed: int = typer.Option(42, help="Random seed of the demo trust."),
    scale: float = typer.Option(1.0, help="Volume multiplier."),
) -> None:
    """Generate the demo trust into data/raw/ and run the nightly refresh on it."""
    generate(out=None, seed=seed, scale=scale, scenario=None)
    refresh()


def _print_summary(published: Path) -> None:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        loads = con.sql(
            "select source, sum(rows_read), sum(rows_loaded), sum(rows_rejected) "
            "from load_summary group by source order by source").fetchall()
        signals = con.sql(
            "select theme_name, unit_level, unit_name, n_sources_signalling, sources_signalling "
            "from theme_signals where n_sources_signalling > 0 "
            "order by n_sources_signalling desc, summed_rate_ratio desc limit 8"
        ).fetchall()
    finally:
        con.close()
    table = Table(title="Rows per source")
    for column in ("source", "read", "loaded", "rejected"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for row in loads:
        table.add_row(*(str(v) for v in row))
    console.print(table)
    table = Table(title="Top triangulated themes (recent window vs baseline)")
    for column in ("theme", "level", "where", "sources", "signalling in"):
        table.add_column(column)
    for row in signals:
        table.add_row(*(str(v) for v in row))
    console.print(table)
    console.print(f"Published marts: [bold]{published}[/] (Parquet copies in "
                  f"{published.parent / MARTS.parquet_dir}); the record ids behind them, for "
                  f"the patient safety team only: {published.parent / CASE_LEVEL.file}\n"
                  "Rejected rows and reasons: table rejected_rows; open the files read-only "
                  "from any DuckDB client or BI tool.")
