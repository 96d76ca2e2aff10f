"""Centre line and process limits for one period of an XmR chart.

Follows `ptd_spc_standard()` in NHSRplotthedots (see `pipelines.spc` for the version): the
constants are written the same way so the floats are bit-for-bit the ones R uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LIMIT = 2.66  # process limits: mean +/- 2.66 x mean moving range
LIMIT_CLOSE = 2 * (LIMIT / 3)  # "close to limits" band starts two thirds of the way out
SCREEN = 3.267  # moving ranges at or above 3.267 x mean moving range are screened out


@dataclass(frozen=True)
class Limits:
    """One period's limits. Every field but `mean` is NaN when the period has no usable moving
    range (a single point, or every moving range screened out, e.g. a flat series)."""

    mean: float
    moving_range_mean: float
    lpl: float
    upl: float
    lpl_close: float
    upl_close: float


def _mean(values: np.ndarray) -> float:
    # R's mean(x, na.rm = TRUE) of nothing is NaN; fsum keeps the sum exact, as R's long double
    # accumulation nearly does, so a point that sits exactly on the mean stays on it.
    return math.fsum(values) / len(values) if len(values) else math.nan


def period_limits(
    values: np.ndarray, fix_after_n_points: int | None, screen_outliers: bool
) -> Limits:
    """Limits for one period. Only the first `fix_after_n_points` values (all when None) feed
    the mean and the moving ranges; the limits then apply to the whole period."""
    base = values if fix_after_n_points is None else values[:fix_after_n_points]
    mean = _mean(base)
    ranges = np.abs(np.diff(base))  # the first point has no moving range
    moving_range_mean = _mean(ranges)
    if screen_outliers:
        # One pass only, strictly below the threshold. A NaN or zero mean keeps nothing, so a
        # flat series has no limits when screening (as in NHSRplotthedots).
        moving_range_mean = _mean(ranges[ranges < SCREEN * moving_range_mean])
    return Limits(
        mean=mean,
        moving_range_mean=moving_range_mean,
        lpl=mean - (LIMIT * moving_range_mean),
        upl=mean + (LIMIT * moving_range_mean),
        lpl_close=mean - (LIMIT_CLOSE * moving_range_mean),
        upl_close=mean + (LIMIT_CLOSE * moving_range_mean),
    )
