"""Board-level CSVs from the published aggregate marts, with small numbers suppressed.

Reads only the non-restricted file (triangulate.duckdb), never the case-level one, and
writes one CSV per table, each suppressed on its own (pipelines/lib/suppression.py): counts
of 1-4 as `*`, and secondary suppression against any totals shown. Each set of counts is
published in one table only, so no table's totals can unpick another's.

Both tables cover the reporting period (pipelines/lib/reporting_period.py): the 12 months
ending with the last complete month of incident, complaint and FFT data up to the as-of date,
never a later month some other source (an audit's planned date) reaches.

- `board_theme_source_counts.csv`: theme x source, records carrying the theme in those 12
  months. Audits are left out (they count coverage of a theme, not events). Published
  without totals: a record with two themes counts under both, so totals would count theme
  assignments, not records, and without them a hidden count cannot be worked out from the
  others, so only the counts of 1-4 themselves are hidden (no secondary suppression: a
  source with small counts in a few themes keeps the rest of its column).
- `board_national_requirements.csv`: PSIRF national requirement x response status (done,
  outstanding, not recorded; total = events) for the four quarters ending with the
  reporting month's quarter, counted to the end of the reporting month, with row totals
  and secondary suppression, and whether the exports can measure each requirement
  (`measurability`, `measurability_gaps`): one they cannot, where none were found, has
  blank counts, never 0.
- `board_claims_cost.csv`: theme x claims (open, closed with damages, closed nil; total)
  and their cost (paid, reserved, total value, whole pounds) for incidents in the last five
  complete financial years, NHS Resolution's scorecard window
  (pipelines/lib/claims_summary.py): counts of 1-4 hidden with secondary suppression against
  each row's total, and a row's money only shown where at least 5 claims make it up.
- `board_export_notes.txt`: the periods, the rules and how many cells each table hides.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.lib import claims_summary, quiet_duckdb
from pipelines.lib.reporting_period import (
    ReportingPeriod,
    add_months,
    month_end,
    reporting_period,
)
from pipelines.lib.suppression import MARKER, suppress

# Claims are not among them: counted by incident month, most of a recent year's claims are
# still to come; board_claims_cost.csv shows them over NHS Resolution's window instead.
THEME_SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr")
STATUS_COLUMNS = ("done", "outstanding", "not_recorded")


class NothingToExport(ValueError):
    """The marts hold no incident, complaint or FFT month up to the as-of date."""


@dataclass(frozen=True)
class BoardExport:
    files: dict[str, Path]  # table -> CSV written
    periods: dict[str, tuple[date, date]]  # table -> first and last day covered
    suppressed: dict[str, tuple[int, int]]  # table -> cells shown as *, count cells


def board_export(marts_file: Path, out_dir: Path, as_of: date | None = None) -> BoardExport:
    """Write the board CSVs from the published aggregate marts file into `out_dir`, for the
    reporting period up to `as_of` (default: the TRIANGULATE_AS_OF_DATE setting or today)."""
    with quiet_duckdb.connect(str(marts_file), read_only=True) as con:
        period = reporting_period(con, as_of)
        if period is None:
            raise NothingToExport("no incident, complaint or FFT records in a complete month "
                                  "up to the as-of date: nothing to export")
        themes, theme_period = _theme_source_counts(con, period)
        national, national_period = _national_requirements(con, period)
        claim_years = claims_summary.scorecard_years(period.month)
        claims = claims_summary.claims_by_theme(con, claim_years)
        unsent = _sources_not_loaded(con)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "theme_source_counts": out_dir / "board_theme_source_counts.csv",
        "national_requirements": out_dir / "board_national_requirements.csv",
        "claims_cost": out_dir / "board_claims_cost.csv",
    }
    tables = {
        "theme_source_counts": (suppress(themes, THEME_SOURCES, row_total=None,
                                         column_totals=False, label_column="theme"),
                                THEME_SOURCES),
        "national_requirements": (_blank_unmeasured(suppress(
            national, STATUS_COLUMNS, row_total="events", label_column="requirement")),
            STATUS_COLUMNS),
        "claims_cost": (claims_summary.suppress_claims(claims),
                        ("claims", *claims_summary.COUNT_COLUMNS,
                         *claims_summary.MONEY_COLUMNS)),
    }
    # A source the trust does not send has no counts, not counts of 0: its cells are left
    # blank, and the notes say so.
    blank = {"theme_source_counts": [s for s in THEME_SOURCES if s in unsent],
             "national_requirements": [],
             "claims_cost": list(tables["claims_cost"][1]) if "claims" in unsent else []}
    suppressed = {}
    for name, (frame, counts) in tables.items():
        frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in blank[name])
        frame.write_csv(files[name])
        cells = frame.select(c for c in counts if c not in blank[name]).to_numpy().ravel()
        cells = cells[[c is not None for c in cells]] if cells.size else cells  # not measurable
        suppressed[name] = (int((cells == MARKER).sum()), len(cells))
    periods = {"theme_source_counts": theme_period, "national_requirements": national_period}
    notes = out_dir / "board_export_notes.txt"
    notes.write_text(_notes(periods, suppressed, period, claim_years, unsent), encoding="utf-8")
    files["notes"] = notes
    return BoardExport(files, periods, suppressed)


def _sources_not_loaded(con) -> list[str]:
    """Sources of which the last refresh loaded no rows (not sent, or every row rejected)."""
    return [source for (source,) in con.execute(
        "select source from source_freshness where coalesce(rows_loaded, 0) = 0 "
        "order by source").fetchall()]


def _theme_source_counts(con, period: ReportingPeriod) -> tuple[pl.DataFrame, tuple[date, date]]:
    first, last = period.months_back(12)
    sources = ", ".join(f"'{s}'" for s in THEME_SOURCES)
    counts = con.execute(f"""
        select theme_name as theme, source, cast(sum(record_count) as bigint) as records
        from theme_counts
        where month between ? and ? and source in ({sources})
        group by all
    """, [first, last]).pl()
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
    return wide, (first, last)


def _national_requirements(con, period: ReportingPeriod
                           ) -> tuple[pl.DataFrame, tuple[date, date]]:
    """Events per requirement and status in the four quarters ending with the reporting
    month's quarter, counted to the end of the reporting month (never a later, part-way
    month). A requirement the exports cannot fully measure in any of those quarters says so
    in `measurability`; one with no events found and not measurable shows no counts (blank,
    never 0: the exports cannot tell "none")."""
    first, last = add_months(period.quarter_start, -9), period.month
    frame = con.execute("""
        select requirement_name as requirement, required_response,
            cast(sum(done) as bigint) as done, cast(sum(outstanding) as bigint) as outstanding,
            cast(sum(not_recorded) as bigint) as not_recorded,
            cast(sum(events) as bigint) as events,
            case when bool_and(measurability = 'measurable') then 'measurable'
                 when bool_or(measurability = 'not_measurable') then 'not measurable'
                 else 'partly measurable' end as measurability,
            string_agg(distinct measurability_gaps, '; ' order by measurability_gaps)
                as measurability_gaps
        from psirp_national_requirements_summary
        where month_start between ? and ?
        group by all
        order by min(requirement)
    """, [first, last]).pl()
    frame = frame.with_columns(pl.col(c).cast(pl.Int64) for c in STATUS_COLUMNS)
    return frame.drop("events"), (first, month_end(period.month))


def _blank_unmeasured(frame: pl.DataFrame) -> pl.DataFrame:
    """The suppressed national-requirements table with no counts on a requirement the exports
    cannot fully measure and where none were found: blank, never 0 (0 would read "none")."""
    unknown = (pl.col("measurability").is_not_null()
               & (pl.col("measurability") != "measurable") & (pl.col("events") == "0"))
    return frame.with_columns(pl.when(unknown).then(None).otherwise(pl.col(c)).alias(c)
                              for c in (*STATUS_COLUMNS, "events")).select(
        "requirement", "required_response", *STATUS_COLUMNS, "events", "measurability",
        "measurability_gaps")


def _notes(periods: dict[str, tuple[date, date]], suppressed: dict[str, tuple[int, int]],
           period: ReportingPeriod, claim_years: list[str], unsent: list[str]) -> str:
    (t0, t1), (n0, n1) = periods["theme_source_counts"], periods["national_requirements"]
    not_loaded = [s for s in (*THEME_SOURCES, "claims") if s in unsent]
    blanks = (f"the last refresh loaded no {', '.join(not_loaded)} records (not sent), so "
              "their columns are blank, not zero." if not_loaded else "every source was loaded.")

    def hidden(table: str) -> str:
        n, total = suppressed[table]
        return f"{n} of {total} counts hidden ({100 * n / total:.0f}%)" if total else "empty"

    return f"""Triangulate board export

Reporting month: {period.label}, the last complete month of incident, complaint and FFT
data up to {period.as_of}.

{textwrap.fill("Counts of 1 to 4 are shown as *. 0 means none. A blank cell means not known: "
                + blanks, 90)}

board_theme_source_counts.csv: {t0} to {t1}; {hidden("theme_source_counts")}.
Records carrying each theme, by source (incidents, complaints, Friends and Family Test,
inquests, structured judgement reviews). A record with two themes counts under both. No
totals are published, so only the counts of 1 to 4 themselves are hidden.

board_national_requirements.csv: {n0} to {n1}; {hidden("national_requirements")}.
Events meeting each PSIRF national requirement, by the response's status: done (for a local
PSII from an incident: the incident record is closed), outstanding (incident record still
open), not_recorded (the exports hold no referral or PSII record: MNSI, CDOP, LeDeR,
safeguarding referrals and deaths found by structured judgement review). events = done +
outstanding + not_recorded; one event can meet several requirements and then counts under
each. Further cells are shown as * where needed so that no hidden count can be worked out
from the totals (secondary suppression). Events after {n1} are not counted, even where
their quarter has begun.
measurability says whether the exports can measure the requirement in every quarter
covered: "measurable"; "partly measurable" (the field it needs is filled for some records
only) or "not measurable" (the field is not in the exports, or the source is not sent), with
measurability_gaps naming what is missing. Counts of a requirement that is not fully
measurable are at least that many, not all of them; where none were found its counts are
blank, never 0, because the exports cannot tell that there were none.

board_claims_cost.csv: claims about incidents in the financial years {claim_years[0]} to
{claim_years[-1]} (NHS Resolution's scorecard window: the last five complete years, whenever
the claim was notified); {hidden("claims_cost")}. Per theme: claims = open +
closed_with_damages + closed_nil, and total_paid_gbp (damages, claimant and defence costs
paid), reserve_gbp (still expected to be paid) and total_value_gbp (the two together), in
whole pounds. A claim with two themes counts under both, so no totals are published. Counts
of 1 to 4 are hidden with secondary suppression within each row; a theme's money is shown
only where at least 5 claims make it up. Cost is shown beside the signal, not used to rank.
"""
