"""The cost of harm by theme, as a board (or a wide-circulation pack) may see it.

NHS Resolution's claims scorecards cover claims with an incident in the last five complete
financial years, whenever they were notified; this summary does the same from the published
`claims_cost` mart: per theme, the claims and their state, what has been paid and what is
reserved. For anything leaving the patient safety team, counts of 1-4 are shown as `*` with
secondary suppression against each row's total (claims = open + closed with damages + closed
nil), and a theme's money is shown only where at least 5 claims make it up: one claim's
damages describe one person's case.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.lib.suppression import MARKER, SMALL, suppress

SCORECARD_YEARS = 5
COUNT_COLUMNS = ("open", "closed_with_damages", "closed_nil")
MONEY_COLUMNS = ("total_paid_gbp", "reserve_gbp", "total_value_gbp")


def financial_year(day: date) -> str:
    """'2024/25' for 1 April 2024 to 31 March 2025, as the claims_cost mart labels years."""
    start = day.year - (day.month < 4)
    return f"{start}/{(start + 1) % 100:02d}"


def scorecard_years(reporting_month: date) -> list[str]:
    """The five financial years ending with the last one complete by the end of the
    reporting month (the reporting month's own year when that month is March)."""
    start = reporting_month.year - (reporting_month.month < 4)
    last = start if reporting_month.month == 3 else start - 1
    return [financial_year(date(y, 4, 1)) for y in range(last - SCORECARD_YEARS + 1, last + 1)]


def claims_by_theme(con: duckdb.DuckDBPyConnection, years: list[str]) -> pl.DataFrame:
    """One row per theme of the seed (zeros included): claims about incidents in `years`,
    their state and money (GBP, whole pounds). A claim with two themes counts under both."""
    return con.execute("""
        with cost as (
            select theme_id, sum(claims_notified) as claims, sum(claims_open) as open,
                sum(claims_closed_with_damages) as closed_with_damages,
                sum(claims_closed_nil) as closed_nil, sum(total_paid) as total_paid_gbp,
                sum(reserve) as reserve_gbp, sum(total_value) as total_value_gbp
            from claims_cost
            where theme_id <> 'all' and list_contains(?, incident_financial_year)
            group by theme_id
        )
        select themes.theme_name as theme,
            coalesce(cost.claims, 0)::bigint as claims,
            coalesce(cost.open, 0)::bigint as open,
            coalesce(cost.closed_with_damages, 0)::bigint as closed_with_damages,
            coalesce(cost.closed_nil, 0)::bigint as closed_nil,
            round(coalesce(cost.total_paid_gbp, 0))::bigint as total_paid_gbp,
            round(coalesce(cost.reserve_gbp, 0))::bigint as reserve_gbp,
            round(coalesce(cost.total_value_gbp, 0))::bigint as total_value_gbp
        from themes
        left join cost on themes.theme_id = cost.theme_id
        order by total_value_gbp desc, claims desc, themes.theme_id
    """, [years]).pl()


def suppress_claims(frame: pl.DataFrame) -> pl.DataFrame:
    """`claims_by_theme` for wide circulation: counts suppressed (1-4 as `*`, secondary
    against each row's claims total; no column totals, as themes overlap), and a row's money
    shown only where its claims number at least 5."""
    counts = suppress(frame.select("theme", *COUNT_COLUMNS), list(COUNT_COLUMNS),
                      row_total="claims", column_totals=False, label_column="theme")
    few = pl.col("claims").is_between(SMALL.start, SMALL.stop - 1)
    money = frame.select(
        pl.when(few).then(pl.lit(MARKER)).otherwise(pl.col(c).cast(pl.String)).alias(c)
        for c in MONEY_COLUMNS)
    return pl.concat([counts, money], how="horizontal").select(frame.columns)
