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


def segments(n: int, starts: np.ndarray) -> np.ndarray:
    """Each point's segment number: a new one where `starts` is true (the first point always
    starts one). Many periods, of one series or of many, are checked in one pass this way:
    no window of the rules below crosses into another segment (given none, they take all the
    points as one)."""
    flags = np.asarray(starts, dtype=bool).copy()
    if n:
        flags[0] = True
    return np.cumsum(flags) - 1


def _whole(segment: np.ndarray | None, n: int, width: int) -> np.ndarray:
    """For each window of `width` of the `n` points (by its first point): all in one
    segment."""
    if segment is None:
        return np.ones(max(n - width + 1, 0), dtype=bool)
    return segment[width - 1:] == segment[:n - width + 1]


def seven_point_trend(y: np.ndarray, segment: np.ndarray | None = None) -> np.ndarray:
    """`ptd_seven_point_trend`: +1 (-1) at each point that ends 7 points each strictly higher
    (lower) than the one before, else 0. Ties break a trend; the mean plays no part."""
    y = np.asarray(y, dtype=float)
    ends = np.zeros(len(y), dtype=np.int8)
    if len(y) >= RUN:
        steps = sliding_window_view(np.sign(np.diff(y)), RUN - 1)  # 6 steps ending at point k+6
        whole = _whole(segment, len(y), RUN)
        ends[RUN - 1:] = np.where(
            whole & (steps == 1).all(axis=1), 1,
            np.where(whole & (steps == -1).all(axis=1), -1, 0),
        )
    return ends


def seven_point_one_side_mean(relative_to_mean: np.ndarray,
                              segment: np.ndarray | None = None) -> np.ndarray:
    """`ptd_seven_point_one_side_mean`: 1 at each point that ends 7 points on the same side of
    the mean, else 0. A point exactly on the mean (0) is on neither side, so it breaks a run."""
    side = np.asarray(relative_to_mean)
    ends = np.zeros(len(side), dtype=np.int8)
    if len(side) >= RUN:
        windows = sliding_window_view(side, RUN)
        last = windows[:, -1]
        ends[RUN - 1:] = ((windows == last[:, None]).all(axis=1) & (last != 0)
                          & _whole(segment, len(side), RUN))
    return ends


def part_of_seven(ends: np.ndarray) -> np.ndarray:
    """`ptd_part_of_seven_trend`: flags every point of a run, not only its last, given the
    points that end a run (a point belongs if it, or one of the 6 after it, ends one). A run
    lies within one segment, so this needs no segments."""
    ends = np.asarray(ends) != 0
    if not len(ends):
        return ends
    padded = np.concatenate([ends, np.zeros(RUN - 1, dtype=bool)])
    return sliding_window_view(padded, RUN).any(axis=1)


def two_in_three(close_to_limits: np.ndarray, relative_to_mean: np.ndarray,
                 segment: np.ndarray | None = None) -> np.ndarray:
    """`ptd_two_in_three`: flags every point of any 3 consecutive points of which at least 2
    are close to the limits and all 3 are on the same side of the mean."""
    close = np.asarray(close_to_limits, dtype=int)
    side = np.asarray(relative_to_mean, dtype=int)
    if len(close) < 3:
        return np.zeros(len(close), dtype=bool)
    qualifies = (sliding_window_view(close, 3).sum(axis=1) >= 2) & (
        np.abs(sliding_window_view(side, 3).sum(axis=1)) == 3
    ) & _whole(segment, len(close), 3)  # window starting at each point
    padded = np.concatenate([[False, False], qualifies, [False, False]])
    return sliding_window_view(padded, 3).any(axis=1)  # windows starting 2, 1 or 0 points back


def trend_direction(y: np.ndarray, in_trend: np.ndarray,
                    segment: np.ndarray | None = None) -> np.ndarray:
    """Sign of the step NHSRplotthedots uses to call a trend point increasing or decreasing:
    the step to the next point when that point is also in a trend (of the same segment), else
    the step from the previous one (a run's last point is never a segment's first). (Only 1
    counts as increasing; a 0 step at a tie between two trends reads as decreasing there too.)"""
    y = np.asarray(y, dtype=float)
    steps = np.sign(np.diff(y))
    same = _whole(segment, len(y), 2)  # step k joins points k and k+1 of one segment
    step_in = np.concatenate([[0.0], steps])
    step_out = np.concatenate([steps, [0.0]])
    next_in_trend = np.concatenate([in_trend[1:] & same, [False]])
    return np.where(in_trend & next_in_trend, step_out, step_in)


def special_cause_rules(
    y: np.ndarray,
    relative_to_mean: np.ndarray,
    close_to_limits: np.ndarray,
    outside_limits: np.ndarray,
    segment: np.ndarray | None = None,
) -> np.ndarray:
    """`ptd_special_cause_type`: the rule each point breaks, by priority outside limits >
    trend > two-in-three > shift; None for common cause (an object array). `segment`
    (segments()) numbers the periods: every rule applies within one.

    As in NHSRplotthedots, points outside the limits are not "close to" them, so they do not
    count towards two-in-three, and only the close points of a qualifying group are flagged."""
    y = np.asarray(y, dtype=float)
    side = np.asarray(relative_to_mean)
    close = np.asarray(close_to_limits, dtype=bool)
    outside = np.asarray(outside_limits, dtype=bool)

    trend = part_of_seven(seven_point_trend(y, segment))
    two_of_three = two_in_three(close, side, segment) & close
    shift = part_of_seven(seven_point_one_side_mean(side, segment))
    rising = trend_direction(y, trend, segment) == 1
    above = side > 0
    return np.select(
        [outside, trend, two_of_three, shift],
        [np.where(side == 1, "above_upl", "below_lpl"),
         np.where(rising, "trend_increasing", "trend_decreasing"),
         np.where(above, "two_of_three_above", "two_of_three_below"),
         np.where(above, "shift_above", "shift_below")],
        default=None,
    ).astype(object)
