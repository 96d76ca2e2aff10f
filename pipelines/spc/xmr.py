"""XmR charts: limits, special-cause points and icons for a series, or for each group of a frame."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from numbers import Real

import numpy as np
import polars as pl

from pipelines.spc.limits import period_limits
from pipelines.spc.rules import HIGH_RULES, RULES, segments, special_cause_rules

DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}
MIN_FIX_AFTER_N_POINTS = 12  # NHSRplotthedots refuses fewer (ptd_spc_options)

SCHEMA = {
    "value": pl.Float64,
    "period": pl.Int32,
    "mean": pl.Float64,
    "lpl": pl.Float64,
    "upl": pl.Float64,
    "lpl_close": pl.Float64,
    "upl_close": pl.Float64,
    "moving_range": pl.Float64,
    "moving_range_mean": pl.Float64,
    "outside_limits": pl.Boolean,
    "relative_to_mean": pl.Int8,
    "close_to_limits": pl.Boolean,
    "special_cause_rule": pl.String,
    "point_type": pl.String,
    "variation_icon": pl.String,
    "assurance_icon": pl.String,
}
SPC_COLUMNS = tuple(name for name in SCHEMA if name != "value")  # what xmr_by_group adds


def xmr(
    values: Sequence[float],
    improvement: str = "increase",
    fix_after_n_points: int | None = None,
    rebase_at: Sequence[int] = (),
    screen_outliers: bool = True,
    target: float | None = None,
) -> pl.DataFrame:
    """One row per value (in the order given) with its XmR chart columns.

    values: one number per period in time order. None/NaN/inf are rejected: NHSRplotthedots
        expects a series without gaps (its trend rule can even fail on a missing value), so
        drop or fill missing periods first.
    improvement: "increase", "decrease" or "neutral" (which way is better).
    fix_after_n_points: base each period's mean and moving ranges on its first n points only
        (n >= 12, as NHSRplotthedots insists); the limits still apply to the whole period.
    rebase_at: 0-based positions at which a new period starts; each period gets its own
        limits and the rules never look across a rebase. 0 is allowed and changes nothing.
    screen_outliers: drop moving ranges >= 3.267 x their mean, once, before drawing limits.
    target: a single target, used only for the assurance icon.

    Columns: value; period (0, 1, ...); mean; lpl, upl (process limits); lpl_close,
    upl_close (where the "close to limits" band starts); moving_range (|x - previous x|
    within the period, null at a period's first point: for display, the limits use only the
    fixed and screened ranges); moving_range_mean (the one behind the limits); outside_limits;
    relative_to_mean (-1, 0, 1); close_to_limits (between the close band and a limit, never
    outside); special_cause_rule (None, or one of rules.RULES by priority); point_type
    (common_cause, special_cause_improvement, special_cause_concern,
    special_cause_neutral_high, special_cause_neutral_low); and two constant columns,
    variation_icon (from the last point's type) and assurance_icon (from the last period's
    limits against the target; None without a target or with neutral improvement).

    The limits are null, and outside_limits / close_to_limits too, in a period with no usable
    moving range: a single point, or a flat run whose only moving range (0) is screened out.
    Such points are common cause unless a trend or shift applies.
    """
    y = _as_values(values)
    _direction(improvement)
    _check_options(fix_after_n_points, screen_outliers, target)
    period_starts = np.zeros(len(y), dtype=bool)
    period_starts[_period_starts(rebase_at, len(y))] = True
    return _frame(_chart_columns(y, improvement, period_starts, np.zeros(len(y), dtype=bool),
                                 fix_after_n_points, screen_outliers, target))


def _runs(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first index and the length of each run of equal numbers in `ids` (segments())."""
    starts = np.flatnonzero(np.diff(ids, prepend=-1))
    return starts, np.diff(np.append(starts, len(ids)))


def _chart_columns(y: np.ndarray, improvement: str, period_starts: np.ndarray,
                   group_starts: np.ndarray, fix_after_n_points: int | None,
                   screen_outliers: bool, target: float | None) -> dict[str, np.ndarray | list]:
    """xmr's columns as arrays and lists, for one series or for many laid end to end
    (`group_starts` true at each one's first point but the first; `period_starts` at each
    rebase): each series is its own chart, so limits, moving ranges and rules stay within
    a period of one series. Only the limits are worked out period by period."""
    direction = DIRECTIONS[improvement]
    n = len(y)
    segment = segments(n, period_starts | group_starts)
    bounds, lengths = _runs(segment)
    limits = [period_limits(y[start:start + length], fix_after_n_points, screen_outliers)
              for start, length in zip(bounds, lengths, strict=True)]
    stats = {name: np.repeat(np.array([getattr(lim, name) for lim in limits], dtype=float),
                             lengths)
             for name in ("mean", "lpl", "upl", "lpl_close", "upl_close", "moving_range_mean")}
    moving_range = np.abs(np.diff(y, prepend=np.nan))
    moving_range[bounds] = np.nan  # a period's first point has none
    side = np.sign(y - stats["mean"]).astype(np.int8)
    # Comparisons with NaN limits are False, which is how the rules treat R's NA.
    outside = (y > stats["upl"]) | (y < stats["lpl"])
    close = ~outside & ((y < stats["lpl_close"]) | (y > stats["upl_close"]))
    rules = special_cause_rules(y, side, close, outside, segment)
    types = {rule: _point_type(rule, direction) for rule in (None, *RULES)}
    point_types = [types[rule] for rule in rules]

    # Each series' periods are numbered from 0; its icons come from its last point.
    first, sizes = _runs(segments(n, group_starts))
    last = first + sizes - 1
    period = (segment - np.repeat(segment[first], sizes)).astype(np.int32)
    variation = np.array([variation_icon(point_types[i], improvement) for i in last],
                         dtype=object)
    assurance = np.array([assurance_icon(stats["lpl"][i], stats["upl"][i], target,
                                         improvement) for i in last], dtype=object)
    return {
        "value": y,
        "period": period,
        **stats,
        "moving_range": moving_range,
        "outside_limits": outside,
        "relative_to_mean": side,
        "close_to_limits": close,
        "special_cause_rule": list(rules),
        "point_type": point_types,
        "variation_icon": np.repeat(variation, sizes).tolist(),
        "assurance_icon": np.repeat(assurance, sizes).tolist(),
    }


def _frame(columns: dict[str, np.ndarray | list]) -> pl.DataFrame:
    frame = pl.DataFrame(columns, schema=SCHEMA)
    no_limits = pl.col("moving_range_mean").is_nan()  # R's NA, before NaN becomes null
    return frame.with_columns(
        pl.when(no_limits).then(None).otherwise(pl.col(name)).alias(name)
        for name in ("outside_limits", "close_to_limits")
    ).with_columns(pl.col(pl.Float64).fill_nan(None))


def xmr_by_group(
    frame: pl.DataFrame,
    group_by: list[str],
    order_by: str,
    value: str,
    improvement: str = "increase",
    rebase_on: str | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    target: float | None = None,
) -> pl.DataFrame:
    """`frame` sorted by `group_by` then `order_by`, with the xmr columns (SPC_COLUMNS) of
    each group's `value` series alongside; every group is its own chart (NHSRplotthedots'
    facets). `rebase_on` names an optional boolean column that is true where a new period
    starts; the other options are xmr's, applied to every group alike."""
    clashes = sorted(set(SPC_COLUMNS) & set(frame.columns))
    if clashes:
        raise ValueError(f"frame already has columns xmr_by_group adds: {clashes}")
    keys = [*group_by, order_by]
    if frame[order_by].null_count():
        raise ValueError(f"{order_by!r} has nulls: cannot order the series")
    if frame.select(pl.struct(keys).is_duplicated().any()).item():
        raise ValueError(f"duplicate {order_by!r} within a group (NHSRplotthedots refuses too)")

    frame = frame.sort(keys, maintain_order=True)
    _direction(improvement)
    _check_options(fix_after_n_points, screen_outliers, target)
    # The frame is sorted, so each group is one run of rows.
    group_ids = frame.select(pl.struct(group_by).rle_id()).to_series().to_numpy() \
        if group_by else np.zeros(frame.height, dtype=np.int64)
    group_starts = np.diff(group_ids, prepend=group_ids[:1]) != 0
    values = frame[value].to_numpy()
    try:
        y = _as_values(values)
    except ValueError:
        # Refused as xmr refuses it, naming the group and the position within it.
        at = int(np.flatnonzero(~np.isfinite(values.astype(float)))[0])
        members = np.flatnonzero(group_ids == group_ids[at])
        try:
            _as_values(values[members[0]:members[-1] + 1])
        except ValueError as err:
            key = frame.select(group_by).row(at) if group_by else ()
            raise ValueError(f"group {key}: {err}") from err
    rebase = frame[rebase_on].fill_null(False).to_numpy() if rebase_on else \
        np.zeros(frame.height, dtype=bool)
    columns = _chart_columns(y, improvement, rebase, group_starts, fix_after_n_points,
                             screen_outliers, target)
    return frame.hstack(_frame(columns).drop("value"))


def _point_type(rule: str | None, direction: int) -> str:
    """`ptd_point_type`: which way the point's rule points, against the improvement."""
    if rule is None:
        return "common_cause"
    high = rule in HIGH_RULES
    if direction == 0:
        return "special_cause_neutral_high" if high else "special_cause_neutral_low"
    better = high == (direction == 1)
    return "special_cause_improvement" if better else "special_cause_concern"


def variation_icon(point_type: str | None, improvement: str) -> str | None:
    """`ptd_get_icons`: the variation icon is the last point's type, told high or low."""
    increase = improvement == "increase"
    return {
        None: None,
        "common_cause": "common_cause",
        "special_cause_neutral_high": "neutral_high",
        "special_cause_neutral_low": "neutral_low",
        "special_cause_improvement": "improvement_high" if increase else "improvement_low",
        "special_cause_concern": "concern_low" if increase else "concern_high",
    }[point_type]


def assurance_icon(lpl: float, upl: float, target: float | None, improvement: str) -> str | None:
    """`ptd_calculate_assurance_type`: the last point's limits against the target. A target
    beyond a limit is consistently met or missed; between them, hit and miss. NaN limits
    compare False, as R's NA does in case_when, giving "inconsistent"."""
    if target is None or improvement == "neutral":
        return None
    increase = improvement == "increase"
    if target > upl:
        return "consistent_fail" if increase else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if increase else "consistent_fail"
    return "inconsistent"


def _as_values(values: Sequence[float]) -> np.ndarray:
    try:
        y = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError("values must be a sequence of numbers") from err
    if y.ndim != 1:
        raise ValueError("values must be one-dimensional")
    missing = np.flatnonzero(~np.isfinite(y))
    if missing.size:
        raise ValueError(
            f"values must be finite with no gaps; position {missing[0]} is {y[missing[0]]} "
            "(drop or fill missing periods first)"
        )
    return y


def _direction(improvement: str) -> int:
    if improvement not in DIRECTIONS:
        raise ValueError(f"improvement must be one of {sorted(DIRECTIONS)}, not {improvement!r}")
    return DIRECTIONS[improvement]


def _check_options(fix_after_n_points, screen_outliers, target) -> None:
    if fix_after_n_points is not None and (
        isinstance(fix_after_n_points, bool)
        or not isinstance(fix_after_n_points, int | np.integer)
        or fix_after_n_points < MIN_FIX_AFTER_N_POINTS
    ):
        raise ValueError(f"fix_after_n_points must be an integer >= {MIN_FIX_AFTER_N_POINTS}")
    if not isinstance(screen_outliers, bool | np.bool_):
        raise TypeError("screen_outliers must be True or False")
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, Real) or not math.isfinite(target)
    ):
        raise ValueError("target must be a finite number or None")


def _period_starts(rebase_at: Sequence[int], n: int) -> list[int]:
    starts = sorted({operator.index(position) for position in rebase_at})
    if starts and (starts[0] < 0 or starts[-1] >= n):
        raise ValueError(f"rebase_at positions must be in 0..{n - 1}: {starts}")
    return [start for start in starts if start > 0]  # the first period starts at 0 anyway
