"""theme_spc: an XmR chart of monthly record counts per theme x unit x source (and 'all'),
and, where the optional activity input gives the unit a denominator, the monthly rate per
1,000 (occupied bed days, attendances or admissions) with its own XmR chart.

A dbt Python model so that the limits and point types come from the same code as every other
SPC chart in Triangulate: pipelines.spc (NHSRplotthedots' method). The zero-filled monthly
series are built in SQL (int_theme_unit_months_filled); this model only charts them.

Rare-event series (pipelines.spc.rare_events: mean below 1 a month, or mostly zero months,
overall and over the last year)
keep their counts and mean but no limits and no special-cause points (spc_method =
'rare_event'): an XmR chart of such counts calls every run of quiet months "improvement".
Other series whose lower limit is below 1 show concern but never improvement.

A series whose months are as they were the night before keeps the chart it had then
(pipelines.spc.chart_memo): a night charts only the series a day's records changed.
"""

import polars as pl

from pipelines.spc import chart_memo, xmr_by_group
from pipelines.spc.rare_events import RARE_EVENT, no_improvement_at_floor, spc_method

SERIES = ["theme_id", "unit_level", "unit_id", "source"]
# The pipelines.spc columns the mart publishes (the rest are for drawing a chart).
SPC_OUTPUT = [
    "mean",
    "lpl",
    "upl",
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "special_cause_rule",
    "point_type",
    "variation_icon",
]
# The rate chart's columns: the count chart's limits and point type, prefixed.
RATE_SPC = {"mean": "rate_mean", "lpl": "rate_lpl", "upl": "rate_upl",
            "point_type": "rate_point_type"}
UNIT = ["unit_level", "unit_id", "month"]
# A series' chart, month by month: the mart's columns after theme_id and theme_name.
CHART = ["unit_level", "unit_id", "unit_name", "directorate", "source", "month", "record_count",
         "series_months", "spc_method", *SPC_OUTPUT, "denominator", "rate", "rate_unit",
         *RATE_SPC.values()]
# Fewer records of a problem theme is better.
IMPROVEMENT = "decrease"
# What a rare-event series keeps of its charts: counts, mean and rate mean; no limits, every
# point common cause, no variation icon (there is no judgement of variation to show).
RARE_BLANKED = ["lpl", "upl", "outside_limits", "close_to_limits", "special_cause_rule",
                "variation_icon", "rate_lpl", "rate_upl"]


def model(dbt, session):
    dbt.config(materialized="table")
    min_points = int(dbt.config.get("spc_min_points"))

    dbt.ref("int_theme_unit_months_filled").create_view("spc_months")
    denominators = dbt.ref("int_unit_month_denominators")
    denominators.create_view("spc_denominators")
    chart_memo.digest_series(session, "spc_months", "spc_denominators", SERIES, min_points,
                             into="spc_series")
    kept = chart_memo.kept_charts(session, "spc_series")
    months = session.sql(f"select spc_months.*, {chart_memo.DIGEST} from spc_months join "
                         f"{chart_memo.without_kept_chart(session, 'spc_series')} "
                         f"using ({', '.join(SERIES)})").pl()
    charts = charted(months, denominators.pl(), min_points)
    chart_memo.keep(session, "spc_series", charts, reused=kept.height > 0)
    themes = dbt.ref("themes").pl().select("theme_id", "theme_name")
    if kept.height:
        charts = pl.concat([kept.select(charts.columns), charts], how="vertical_relaxed")
    return (
        # In one order whichever series were charted tonight (a file read in order reads
        # the same).
        charts.sort([*SERIES, "month"])
        .join(themes, on="theme_id", how="left", maintain_order="left")
        .select("theme_id", "theme_name", *CHART)
    )


def charted(months: pl.DataFrame, denominators: pl.DataFrame, min_points: int) -> pl.DataFrame:
    """The chart rows of the series in `months` (each month's row of a series, with the
    series' digest), one per month, without the theme's name."""
    denominators = denominators.select(*UNIT, pl.col("denominator").cast(pl.Int64), "rate_unit")
    # Rates only where the unit has a positive denominator that month; else every rate
    # column is null (no activity input, a month it does not cover, an unresolved unit).
    has_denominator = pl.col("denominator").is_not_null() & (pl.col("denominator") > 0)
    months = (
        months.join(denominators, on=UNIT, how="left")
        .with_columns(
            pl.when(has_denominator).then(pl.col("denominator")).alias("denominator"),
            pl.when(has_denominator).then(pl.col("rate_unit")).alias("rate_unit"),
            pl.when(has_denominator)
            .then(pl.col("record_count") / pl.col("denominator") * 1000)
            .alias("rate"),
        )
        .with_columns(pl.len().over(SERIES).cast(pl.Int32).alias("series_months"))
    )
    long_enough = pl.col("series_months") >= min_points
    # The rate is charted only where the denominator covers every month of the series.
    rate_covered = pl.col("rate").is_not_null().all().over(SERIES)
    rate_charted = xmr_by_group(
        months.filter(long_enough & rate_covered).select(*SERIES, "month", "rate"),
        SERIES,
        "month",
        "rate",
        improvement=IMPROVEMENT,
    ).select(*SERIES, "month", *(pl.col(c).alias(alias) for c, alias in RATE_SPC.items()))
    charts = spc_method(
        no_improvement_at_floor(
            xmr_by_group(
                months.filter(long_enough), SERIES, "month", "record_count",
                improvement=IMPROVEMENT,
            ).select(*months.columns, *SPC_OUTPUT),
            SERIES,
        ),
        SERIES,
        "record_count",
    )
    # Series too short for limits (Making Data Count: ~12-15 points) keep their counts with
    # every SPC column null, rather than limits drawn from too few points.
    too_short = months.filter(~long_enough).sort([*SERIES, "month"])

    rare = pl.col("spc_method") == RARE_EVENT
    return (
        pl.concat([charts, too_short], how="diagonal")
        .join(rate_charted, on=[*SERIES, "month"], how="left")
        .with_columns(
            *(pl.when(rare).then(None).otherwise(pl.col(c)).alias(c) for c in RARE_BLANKED),
            *(pl.when(rare & pl.col(c).is_not_null()).then(pl.lit("common_cause"))
              .otherwise(pl.col(c)).alias(c) for c in ("point_type", "rate_point_type")),
        )
        .select("theme_id", *CHART, chart_memo.DIGEST)
    )
