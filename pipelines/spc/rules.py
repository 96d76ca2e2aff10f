"""The Making Data Count special-cause rules, applied as NHSRplotthedots applies them.

Each function mirrors one helper in NHSRplotthedots' `R/ptd_calculate_point_type.R` (named in
its docstring) and works on the plain arrays of ONE period: NHSRplotthedots groups by facet and
rebase group before applying the rules, so no run crosses a rebase.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

RUN = 7  # points in a trend or a shift

# special_cause_rule values, highest priority first
RULES = (
    "above_upl", "below_lpl",
    "trend_increasing", "trend_decreasing",
    "two_of_three_above", "two_of_three_below",
    "shift_above", "shift_below",
)
HIGH_RULES = frozenset({"above_upl", "trend_increasing", "two_of_three_above", "shift_above"})


def seven_point_trend(y: np.ndarray) -> np.ndarray:
    """`ptd_seven_point_trend`: +1 (-1) at each point that ends 7 points each strictly higher
    (lower) than the one before, else 0. Ties break a trend; the mean plays no part."""
    y = np.asarray(y, dtype=float)
    ends = np.zeros(len(y), dtype=np.int8)
    if len(y) >= RUN:
        steps = sliding_window_view(np.sign(np.diff(y)), RUN - 1)  # 6 steps ending at point k+6
        ends[RUN - 1:] = np.where(
            (steps == 1).all(axis=1), 1, np.where((steps == -1).all(axis=1), -1, 0)
        )
    return ends


def seven_point_one_side_mean(relative_to_mean: np.ndarray) -> np.ndarray:
    """`ptd_seven_point_one_side_mean`: 1 at each point that ends 7 points on the same side of
    the mean, else 0. A point exactly on the mean (0) is on neither side, so it breaks a run."""
    side = np.asarray(relative_to_mean)
    ends = np.zeros(len(side), dtype=np.int8)
    if len(side) >= RUN:
        windows = sliding_window_view(side, RUN)
        last = windows[:, -1]
        ends[RUN - 1:] = (windows == last[:, None]).all(axis=1) & (last != 0)
    return ends


def part_of_seven(ends: np.ndarray) -> np.ndarray:
    """`ptd_part_of_seven_trend`: flags every point of a run, not only its last, given the
    points that end a run (a point belongs if it, or one of the 6 after it, ends one)."""
    ends = np.asarray(ends) != 0
    if not len(ends):
        return ends
    padded = np.concatenate([ends, np.zeros(RUN - 1, dtype=bool)])
    return sliding_window_view(padded, RUN).any(axis=1)


def two_in_three(close_to_limits: np.ndarray, relative_to_mean: np.ndarray) -> np.ndarray:
    """`ptd_two_in_three`: flags every point of any 3 consecutive points of which at least 2
    are close to the limits and all 3 are on the same side of the mean."""
    close = np.asarray(close_to_limits, dtype=int)
    side = np.asarray(relative_to_mean, dtype=int)
    if len(close) < 3:
        return np.zeros(len(close), dtype=bool)
    qualifies = (sliding_window_view(close, 3).sum(axis=1) >= 2) & (
        np.abs(sliding_window_view(side, 3).sum(axis=1)) == 3
    )  # window starting at each point
    padded = np.concatenate([[False, False], qualifies, [False, False]])
    return sliding_window_view(padded, 3).any(axis=1)  # windows starting 2, 1 or 0 points back


def trend_direction(y: np.ndarray, in_trend: np.ndarray) -> np.ndarray:
    """Sign of the step NHSRplotthedots uses to call a trend point increasing or decreasing:
    the step to the next point when that point is also in a trend, else the step from the
    previous one. (Only 1 counts as increasing; a 0 step at a tie between two trends reads as
    decreasing there too.)"""
    steps = np.sign(np.diff(np.asarray(y, dtype=float)))
    step_in = np.concatenate([[0.0], steps])
    step_out = np.concatenate([steps, steps[-1:]])
    next_in_trend = np.concatenate([in_trend[1:], [False]])
    return np.where(in_trend & next_in_trend, step_out, step_in)


def special_cause_rules(
    y: np.ndarray,
    relative_to_mean: np.ndarray,
    close_to_limits: np.ndarray,
    outside_limits: np.ndarray,
) -> list[str | None]:
    """`ptd_special_cause_type`: the rule each point of a period breaks, by priority
    outside limits > trend > two-in-three > shift; None for common cause.

    As in NHSRplotthedots, points outside the limits are not "close to" them, so they do not
    count towards two-in-three, and only the close points of a qualifying group are flagged."""
    y = np.asarray(y, dtype=float)
    side = np.asarray(relative_to_mean)
    close = np.asarray(close_to_limits, dtype=bool)
    outside = np.asarray(outside_limits, dtype=bool)

    trend = part_of_seven(seven_point_trend(y))
    two_of_three = two_in_three(close, side) & close
    shift = part_of_seven(seven_point_one_side_mean(side))
    rising = trend_direction(y, trend) == 1 if trend.any() else trend

    rules: list[str | None] = []
    for i in range(len(y)):
        above = side[i] > 0
        if outside[i]:
            rules.append("above_upl" if side[i] == 1 else "below_lpl")
        elif trend[i]:
            rules.append("trend_increasing" if rising[i] else "trend_decreasing")
        elif two_of_three[i]:
            rules.append("two_of_three_above" if above else "two_of_three_below")
        elif shift[i]:
            rules.append("shift_above" if above else "shift_below")
        else:
            rules.append(None)
    return rules
