"""Board-level CSVs from the published aggregate marts, with small numbers suppressed.

Reads only the non-restricted file (triangulate.duckdb), never the case-level one, and
writes one CSV per table, each suppressed on its own (pipelines/lib/suppression.py): counts
of 1-4 as `*`, secondary suppression against the row and column totals shown. Each set of
counts is published in one table only, so no table's totals can unpick another's.

- `board_theme_source_counts.csv`: theme x source, records carrying the theme in the last
  12 months of data (the 12 calendar months ending with the latest month in theme_counts).
  Audits are left out (they count coverage of a theme, not events). A record with two
  themes counts under both, so the totals count theme assignments, not records.
- `board_national_requirements.csv`: PSIRF national requirement x response status (done,
  outstanding, not recorded; total = events) for the last four quarters in
  psirp_national_requirements_summary.
- `board_export_notes.txt`: the periods and rules, for the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.suppression import suppress

THEME_SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr")
STATUS_COLUMNS = ("done", "outstanding", "not_recorded")


@dataclass(frozen=True)
class BoardExport:
    files: dict[str, Path]  # table -> CSV written
    periods: dict[str, tuple[date, date]]  # table -> first and last day covered


def board_export(marts_file: Path, out_dir: Path) -> BoardExport:
    """Write the board CSVs from the published aggregate marts file into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(marts_file), read_only=True) as con:
        themes, theme_period = _theme_source_counts(con)
        national, national_period = _national_requirements(con)
    files = {
        "theme_source_counts": out_dir / "board_theme_source_counts.csv",
        "national_requirements": out_dir / "board_national_requirements.csv",
    }
    suppress(themes, THEME_SOURCES, label_column="theme").write_csv(
        files["theme_source_counts"])
    suppress(national, STATUS_COLUMNS, row_total="events", label_column="requirement").write_csv(
        files["national_requirements"])
    periods = {"theme_source_counts": theme_period, "national_requirements": national_period}
    notes = out_dir / "board_export_notes.txt"
    notes.write_text(_notes(periods), encoding="utf-8")
    files["notes"] = notes
    return BoardExport(files, periods)


def _theme_source_counts(con) -> tuple[pl.DataFrame, tuple[date, date]]:
    latest = con.execute("select max(month) from theme_counts").fetchone()[0]
    if latest is None:
        raise ValueError("theme_counts is empty: nothing to export")
    first = _months_before(latest, 11)
    sources = ", ".join(f"'{s}'" for s in THEME_SOURCES)
    counts = con.execute(f"""
        select theme_name as theme, source, cast(sum(record_count) as bigint) as records
        from theme_counts
        where month between ? and ? and source in ({sources})
        group by all
    """, [first, latest]).pl()
    # Every theme in the seed gets a row (zeros included) so the table's shape does not
    # depend on the data.
    names = con.execute("select theme_name from themes order by theme_id").pl()
    wide = (
        counts.pivot(on="source", index="theme", values="records")
        if counts.height else pl.DataFrame({"theme": []}, schema={"theme": pl.String})
    )
    wide = names.rename({"theme_name": "theme"}).join(wide, on="theme", how="left")
    wide = wide.with_columns(
        (pl.col(s) if s in wide.columns else pl.lit(0)).fill_null(0).cast(pl.Int64).alias(s)
        for s in THEME_SOURCES
    ).select("theme", *THEME_SOURCES)
    return wide, (first, _month_end(latest))


def _national_requirements(con) -> tuple[pl.DataFrame, tuple[date, date]]:
    latest = con.execute(
        "select max(quarter_start) from psirp_national_requirements_summary").fetchone()[0]
    if latest is None:
        raise ValueError("psirp_national_requirements_summary is empty: nothing to export")
    first = _months_before(latest, 9)
    frame = con.execute("""
        select requirement_name as requirement, required_response,
            cast(sum(done) as bigint) as done, cast(sum(outstanding) as bigint) as outstanding,
            cast(sum(not_recorded) as bigint) as not_recorded
        from psirp_national_requirements_summary
        where quarter_start between ? and ?
        group by all
        order by min(requirement)
    """, [first, latest]).pl()
    frame = frame.with_columns(pl.col(c).cast(pl.Int64) for c in STATUS_COLUMNS)
    return frame, (first, _month_end(_months_before(latest, -2)))


def _months_before(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(month: date) -> date:
    return date.fromordinal(_months_before(month, -1).toordinal() - 1)


def _notes(periods: dict[str, tuple[date, date]]) -> str:
    (t0, t1), (n0, n1) = periods["theme_source_counts"], periods["national_requirements"]
    return f"""Triangulate board export

Counts of 1 to 4 are shown as *. Further cells are shown as * where needed so that no
hidden count can be worked out from the totals (secondary suppression). 0 means none.

board_theme_source_counts.csv: {t0} to {t1}. Records carrying each theme, by source
(incidents, complaints, Friends and Family Test, inquests, structured judgement reviews).
A record with two themes counts under both: totals count theme assignments, not records.

board_national_requirements.csv: {n0} to {n1}. Events meeting each PSIRF national
requirement, by the response's status: done (for a local PSII from an incident: the
incident record is closed), outstanding (incident record still open), not_recorded (the
exports hold no referral or PSII record: MNSI, CDOP, LeDeR, safeguarding referrals and
deaths found by structured judgement review). events = done + outstanding + not_recorded;
one event can meet several requirements and then counts under each.
"""
