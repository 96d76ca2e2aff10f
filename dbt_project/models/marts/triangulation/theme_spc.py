"""theme_spc: an XmR chart of monthly record counts per theme x unit x source (and 'all').

A dbt Python model so that the limits and point types come from the same code as every other
SPC chart in Triangulate: pipelines.spc (NHSRplotthedots' method). The zero-filled monthly
series are built in SQL (int_theme_unit_months_filled); this model only charts them.
"""

import polars as pl

from pipelines.spc import xmr_by_group

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
# Fewer records of a problem theme is better.
IMPROVEMENT = "decrease"


def model(dbt, session):
    dbt.config(materialized="table")
    min_points = int(dbt.config.get("spc_min_points"))

    months = dbt.ref("int_theme_unit_months_filled").pl()
    themes = dbt.ref("themes").pl().select("theme_id", "theme_name")

    months = months.with_columns(pl.len().over(SERIES).cast(pl.Int32).alias("series_months"))
    long_enough = pl.col("series_months") >= min_points
    charted = xmr_by_group(
        months.filter(long_enough), SERIES, "month", "record_count", improvement=IMPROVEMENT
    ).select(*months.columns, *SPC_OUTPUT)
    # Series too short for limits (Making Data Count: ~12-15 points) keep their counts with
    # every SPC column null, rather than limits drawn from too few points.
    too_short = months.filter(~long_enough).sort([*SERIES, "month"])

    return (
        pl.concat([charted, too_short], how="diagonal")
        .join(themes, on="theme_id", how="left")
        .select(
            "theme_id",
            "theme_name",
            "unit_level",
            "unit_id",
            "unit_name",
            "directorate",
            "source",
            "month",
            "record_count",
            "series_months",
            *SPC_OUTPUT,
        )
    )
