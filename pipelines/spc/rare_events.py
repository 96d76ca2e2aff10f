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
zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

RARE_MEAN = 1.0  # records a month
RARE_ZERO_SHARE = 0.5  # more than half the months without a record

XMR = "xmr"
RARE_EVENT = "rare_event"


def is_rare(values: Sequence[float]) -> bool:
    """True when an XmR chart of these counts would mislead: mean below RARE_MEAN a month or
    more than RARE_ZERO_SHARE of the values zero. An empty series is not rare (it has no
    chart at all)."""
    y = np.asarray(values, dtype=float)
    if not len(y):
        return False
    return bool(y.mean() < RARE_MEAN or (y == 0).mean() > RARE_ZERO_SHARE)


def spc_method(frame: pl.DataFrame, group_by: list[str], value: str) -> pl.DataFrame:
    """`frame` with a `spc_method` column: RARE_EVENT for every row of a group whose `value`
    series is rare (see `is_rare`), else XMR. Same rule as `is_rare`, as one expression."""
    rare = (pl.col(value).mean().over(group_by) < RARE_MEAN) | (
        (pl.col(value) == 0).mean().over(group_by) > RARE_ZERO_SHARE)
    return frame.with_columns(
        pl.when(rare).then(pl.lit(RARE_EVENT)).otherwise(pl.lit(XMR)).alias("spc_method"))
