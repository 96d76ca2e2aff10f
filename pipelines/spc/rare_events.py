"""Which series are too sparse for an XmR chart of counts, and what is drawn for them instead.

An XmR chart of monthly counts assumes the counts vary roughly symmetrically around their
mean. A series of rare events (mostly zero months, the odd 1 or 2) breaks that: its mean sits
between 0 and 1, every zero month is "below the mean", so seven quiet months in a row read as
special-cause improvement, and a single month of 2 can fall above the upper limit. Making
Data Count and NHSRplotthedots users chart such series differently: as the time between
events (a T chart), or as counts with no special-cause colouring and a note. Triangulate does
the second in its marts (`theme_spc.spc_method = 'rare_event'`: counts and mean only, no
limits, no special-cause points, no variation icon), because the marts file publishes
monthly aggregates, not event dates.

The rule (documented in `theme_spc`'s description and the README): a series is rare when its
mean is below `RARE_MEAN` records a month, or more than `RARE_ZERO_SHARE` of its months are
zero, and its last `RECENT_MONTHS` months are rare by the same rule. A problem that was rare
for years and has become frequent is charted as XmR, so its rise shows as concern: judged
over the whole series alone, four quiet years hid a year of several records a month.

A second rule covers low counts that are not rare: where a series' lower process limit is
below 1, so only an empty month can fall below it, no point is special-cause improvement
(`no_improvement_at_floor`). Fewer records than the mean there means months of 0 or 1, which
the limits cannot tell from chance; a run of quiet months is not evidence of improvement.
(A series that has become frequent after quiet years has limits close around its small
mean: its quiet years would otherwise read as improvement below a lower limit of 0.5.) Concern
(more records) is still shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import polars as pl

from pipelines.spc.xmr import xmr

RARE_MEAN = 1.0  # records a month
RARE_ZERO_SHARE = 0.5  # more than half the months without a record
RECENT_MONTHS = 12  # a series rare overall but not over its last year is charted as XmR
FLOOR = 1  # a lower process limit below this: only an empty month can fall below it

XMR = "xmr"
RARE_EVENT = "rare_event"
T_POWER = 3.6  # Nelson: days between events ** (1 / 3.6) are close to normally distributed
T_MIN_POINTS = 12  # intervals before limits are drawn (as theme_spc's spc_min_points)


def is_rare(values: Sequence[float]) -> bool:
    """True when an XmR chart of these counts (in month order) would mislead: mean below
    RARE_MEAN a month or more than RARE_ZERO_SHARE of the values zero, over the whole series
    and over its last RECENT_MONTHS. An empty series is not rare (it has no chart at all)."""
    y = np.asarray(values, dtype=float)
    if not len(y):
        return False

    def rare(part: np.ndarray) -> bool:
        return bool(part.mean() < RARE_MEAN or (part == 0).mean() > RARE_ZERO_SHARE)

    return rare(y) and rare(y[-RECENT_MONTHS:])


def spc_method(frame: pl.DataFrame, group_by: list[str], value: str,
               order: str = "month") -> pl.DataFrame:
    """`frame` with a `spc_method` column: RARE_EVENT for every row of a group whose `value`
    series (in `order`) is rare (see `is_rare`), else XMR. Same rule as `is_rare`, as one
    expression."""
    def rare(values: pl.Expr) -> pl.Expr:
        return (values.mean() < RARE_MEAN) | ((values == 0).mean() > RARE_ZERO_SHARE)

    recent = pl.col(value).sort_by(order).tail(RECENT_MONTHS)
    rare = (rare(pl.col(value)) & rare(recent)).over(group_by)
    return frame.with_columns(
        pl.when(rare).then(pl.lit(RARE_EVENT)).otherwise(pl.lit(XMR)).alias("spc_method"))


def no_improvement_at_floor(frame: pl.DataFrame, group_by: list[str]) -> pl.DataFrame:
    """`frame` (xmr_by_group output, improvement = decrease) with special-cause improvement
    turned to common cause, its rule cleared, in every group whose last lower process limit
    is below 1; the variation icon follows the last point again."""
    at_floor = pl.col("lpl").last().over(group_by) < FLOOR
    cleared = at_floor & (pl.col("point_type") == "special_cause_improvement")
    return frame.with_columns(
        pl.when(cleared).then(None).otherwise(pl.col("special_cause_rule"))
        .alias("special_cause_rule"),
        pl.when(cleared).then(pl.lit("common_cause")).otherwise(pl.col("point_type"))
        .alias("point_type"),
        pl.when(at_floor & (pl.col("variation_icon") == "improvement_low"))
        .then(pl.lit("common_cause")).otherwise(pl.col("variation_icon"))
        .alias("variation_icon"),
    )


def t_chart(event_dates: Sequence[dt.date], min_points: int = T_MIN_POINTS) -> pl.DataFrame:
    """A T chart of the days between consecutive events: one row per event after the first,
    columns date, days, mean, lpl, upl (in days) and point_type (improvement = a longer gap
    than chance explains, concern = a shorter one). With fewer than `min_points` intervals
    the limits and point types are null: too few to judge."""
    dates = sorted(event_dates)
    days = [float((later - earlier).days) for earlier, later in pairwise(dates)]
    frame = pl.DataFrame({"date": dates[1:], "days": days},
                         schema={"date": pl.Date, "days": pl.Float64})
    if len(days) < min_points:
        return frame.with_columns(*(pl.lit(None, pl.Float64).alias(c)
                                    for c in ("mean", "lpl", "upl")),
                                  pl.lit(None, pl.String).alias("point_type"))
    chart = xmr([d ** (1 / T_POWER) for d in days], improvement="increase")
    back = {c: chart[c].clip(lower_bound=0) ** T_POWER for c in ("mean", "lpl", "upl")}
    return frame.with_columns(**back, point_type=chart["point_type"])
