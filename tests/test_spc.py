"""XmR charts (pipelines.spc): cases worked by hand from the Making Data Count rules, then
expectations ported from NHSRplotthedots' own tests (tests/testthat at the commits named in
pipelines/spc/__init__.py)."""

from __future__ import annotations

import random
from statistics import NormalDist

import numpy as np
import polars as pl
import pytest

from pipelines.spc import SPC_COLUMNS, xmr, xmr_by_group
from pipelines.spc.rules import (
    part_of_seven,
    seven_point_one_side_mean,
    seven_point_trend,
    two_in_three,
)
from pipelines.spc.xmr import assurance_icon

COMMON = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
ALTERNATING = [9.0, 11.0] * 6  # 12 points: mean 10, every moving range 2


def rules(frame: pl.DataFrame) -> list[str | None]:
    return frame["special_cause_rule"].to_list()


def one(frame: pl.DataFrame, column: str):
    """A column that must be constant (per-chart values such as the limits or the icons)."""
    values = frame[column].unique().to_list()
    assert len(values) == 1, (column, values)
    return values[0]


# --- worked by hand -----------------------------------------------------------------------

# 8, 12 alternating (12 points) then a spike of 30.
#   mean = (6*8 + 6*12 + 30) / 13 = 150/13 = 11.538
#   moving ranges: eleven 4s then 18  -> mean mR = 62/12 = 5.167
#   screening: 18 >= 3.267 * 5.167 = 16.88, so it goes -> mean mR = 44/11 = 4
#   limits 150/13 -/+ 2.66*4 = 0.898 .. 22.178; close band starts at 150/13 -/+ 7.093
#   8 and 12 sit inside the band on alternate sides of the mean: only 30 is special.
SPIKE = [8.0, 12.0] * 6 + [30.0]


def test_spike_above_upl_with_screening_worked_by_hand():
    chart = xmr(SPIKE)
    assert one(chart, "mean") == pytest.approx(150 / 13)
    assert one(chart, "moving_range_mean") == pytest.approx(4.0)
    assert one(chart, "lpl") == pytest.approx(150 / 13 - 2.66 * 4)
    assert one(chart, "upl") == pytest.approx(150 / 13 + 2.66 * 4)
    assert one(chart, "lpl_close") == pytest.approx(150 / 13 - 2 * (2.66 / 3) * 4)
    assert one(chart, "upl_close") == pytest.approx(150 / 13 + 2 * (2.66 / 3) * 4)
    assert rules(chart) == [None] * 12 + ["above_upl"]
    assert chart["point_type"].to_list() == [COMMON] * 12 + [IMPROVEMENT]
    assert chart["outside_limits"].to_list() == [False] * 12 + [True]
    assert chart["relative_to_mean"].to_list() == [-1, 1] * 6 + [1]
    assert not chart["close_to_limits"].any()
    # moving ranges shown per point: none for the first point, the raw 18 for the spike
    assert chart["moving_range"].to_list() == [None] + [4.0] * 11 + [18.0]
    assert one(chart, "variation_icon") == "improvement_high"
    assert one(chart, "assurance_icon") is None


def test_screening_off_keeps_the_big_moving_range():
    chart = xmr(SPIKE, screen_outliers=False)
    # mean mR = 62/12 with the 18 kept: limits 150/13 -/+ 2.66 * 62/12 = -2.205 .. 25.282
    assert one(chart, "moving_range_mean") == pytest.approx(62 / 12)
    assert one(chart, "upl") == pytest.approx(150 / 13 + 2.66 * 62 / 12)
    assert one(chart, "lpl") == pytest.approx(150 / 13 - 2.66 * 62 / 12)
    assert rules(chart) == [None] * 12 + ["above_upl"]  # 30 is still beyond 25.28


def test_decrease_flips_improvement_and_concern():
    chart = xmr(SPIKE, improvement="decrease")
    assert chart["point_type"].to_list() == [COMMON] * 12 + [CONCERN]
    assert one(chart, "variation_icon") == "concern_high"
    low = xmr([-v for v in SPIKE], improvement="decrease")
    assert rules(low)[-1] == "below_lpl"
    assert low["point_type"][-1] == IMPROVEMENT
    assert one(low, "variation_icon") == "improvement_low"
    assert one(xmr([-v for v in SPIKE]), "variation_icon") == "concern_low"


def test_neutral_points_are_high_or_low_and_have_no_assurance():
    high = xmr(SPIKE, improvement="neutral", target=25)
    assert high["point_type"].to_list() == [COMMON] * 12 + ["special_cause_neutral_high"]
    assert one(high, "variation_icon") == "neutral_high"
    assert one(high, "assurance_icon") is None
    low = xmr([-v for v in SPIKE], improvement="neutral")
    assert low["point_type"][-1] == "special_cause_neutral_low"
    assert one(low, "variation_icon") == "neutral_low"


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        # SPIKE's limits are 0.898 .. 22.178
        ("increase", 25, "consistent_fail"),  # target above the upper limit: never met
        ("increase", 0, "consistent_pass"),  # below the lower limit: always met
        ("increase", 15, "inconsistent"),  # between: hit and miss
        ("decrease", 25, "consistent_pass"),
        ("decrease", 0, "consistent_fail"),
        ("decrease", 15, "inconsistent"),
        ("neutral", 25, None),
        ("increase", None, None),
    ],
)
def test_assurance_icon_worked_by_hand(improvement, target, expected):
    assert one(xmr(SPIKE, improvement=improvement, target=target), "assurance_icon") == expected


def test_variation_icon_comes_from_the_last_point():
    assert one(xmr(SPIKE + [12.0]), "variation_icon") == "common_cause"


# 10/14 alternating, then 9, 10, ..., 15 (7 points, each above the one before), then 10/14.
#   mean = (72 + 84 + 48) / 17 = 12; moving ranges 4,4,4,4,4,5,1,1,1,1,1,1,5,4,4,4 -> 48/16 = 3
#   limits 12 -/+ 7.98, close band from 12 -/+ 5.32: nothing is near them. The trend crosses
#   the mean (9..11 below, 12 on it, 13..15 above), so only the trend rule applies.
BEFORE, AFTER = [10.0, 14.0] * 3, [10.0, 14.0] * 2
TREND = BEFORE + [9.0, 10, 11, 12, 13, 14, 15] + AFTER


def test_seven_point_trend_flags_all_seven_points():
    chart = xmr(TREND)
    assert one(chart, "mean") == 12
    assert one(chart, "moving_range_mean") == 3
    assert rules(chart) == [None] * 6 + ["trend_increasing"] * 7 + [None] * 4
    assert chart["point_type"].to_list() == [COMMON] * 6 + [IMPROVEMENT] * 7 + [COMMON] * 4
    falling = xmr([24 - v for v in TREND])  # 14, 10, ..., 15, 14, ..., 9, ...: mean 12 again
    assert rules(falling) == [None] * 6 + ["trend_decreasing"] * 7 + [None] * 4
    assert falling["point_type"].to_list() == [COMMON] * 6 + [CONCERN] * 7 + [COMMON] * 4


def test_six_point_trend_is_not_special():
    chart = xmr(BEFORE + [10.0, 11, 12, 13, 14, 15] + AFTER)  # 5 rises only
    assert rules(chart) == [None] * 16


def test_a_tie_breaks_a_trend():
    chart = xmr(BEFORE + [9.0, 10, 11, 11, 12, 13, 14, 15] + AFTER)  # 3 rising, tie, 5 rising
    assert rules(chart) == [None] * 18


# 6/13 alternating (7 points), then 7 points just above the mean.
#   sum 62 + 79 = 141, mean 141/14 = 10.07; moving ranges 7,7,7,7,6,6,5,1,1,0,0,1,1 -> 49/13
#   = 3.77; close band from 10.07 -/+ 6.68: nothing near the limits, nothing trends.
LOW_HIGH = [6.0, 13.0, 6.0, 13.0, 6.0, 12.0, 6.0]


def test_seven_points_above_the_mean_are_all_flagged():
    chart = xmr(LOW_HIGH + [11.0, 12, 11, 11, 11, 12, 11])
    assert one(chart, "mean") == pytest.approx(141 / 14)
    assert not chart["close_to_limits"].any()
    assert rules(chart) == [None] * 7 + ["shift_above"] * 7
    assert chart["point_type"].to_list() == [COMMON] * 7 + [IMPROVEMENT] * 7


def test_a_point_exactly_on_the_mean_breaks_a_shift():
    # one 11 becomes 10: the sum is 140, the mean exactly 10, and that point is on neither side
    chart = xmr(LOW_HIGH + [11.0, 12, 11, 10, 11, 12, 11])
    assert one(chart, "mean") == 10
    assert chart["relative_to_mean"].to_list()[7:] == [1, 1, 1, 0, 1, 1, 1]
    assert rules(chart) == [None] * 14


# 9/11 alternating (12 points), then 15, 13, 15, then 9, 11, 9.
#   sum 120 + 43 + 29 = 192, mean 32/3 = 10.667
#   moving ranges: eleven 2s, 4, 2, 2, 6, 2, 2 -> 40/17 = 2.353 (none screened: < 7.69)
#   upper limit 32/3 + 2.66*40/17 = 16.93; the close band starts at 32/3 + 1.7733*40/17 = 14.84
#   15, 13, 15: both 15s are close, 13 is above the mean but not close -> the two 15s only.
TWO_OF_THREE = ALTERNATING + [15.0, 13.0, 15.0, 9.0, 11.0, 9.0]


def test_two_of_three_close_to_the_upper_limit():
    chart = xmr(TWO_OF_THREE)
    assert one(chart, "mean") == pytest.approx(32 / 3)
    assert one(chart, "upl_close") == pytest.approx(32 / 3 + 2 * (2.66 / 3) * 40 / 17)
    assert chart["close_to_limits"].to_list() == [False] * 12 + [True, False, True] + [False] * 3
    assert rules(chart) == [None] * 12 + ["two_of_three_above", None, "two_of_three_above"] + [
        None
    ] * 3
    assert chart["point_type"][12] == IMPROVEMENT


def test_rules_mirror_when_the_series_is_negated():
    mirror = {
        None: None, "above_upl": "below_lpl", "trend_increasing": "trend_decreasing",
        "two_of_three_above": "two_of_three_below", "shift_above": "shift_below",
    }
    mirror |= {low: high for high, low in mirror.items() if high}
    for series in (SPIKE, TREND, TWO_OF_THREE, LOW_HIGH + [11.0, 12, 11, 11, 11, 12, 11]):
        assert rules(xmr([-v for v in series])) == [mirror[r] for r in rules(xmr(series))]


# With fix_after_n_points=12 and 12 alternating 9/11 points first, the limits are simply
# mean 10, mean mR 2: 4.68 .. 15.32, close band from 6.4533 / 13.5467.
def test_fix_after_n_points_takes_limits_from_the_first_n_only():
    values = ALTERNATING + [19.0, 21.0, 19.0]
    fixed = xmr(values, fix_after_n_points=12)
    assert one(fixed, "mean") == 10
    assert one(fixed, "moving_range_mean") == 2
    assert one(fixed, "lpl") == pytest.approx(10 - 5.32)
    assert one(fixed, "upl") == pytest.approx(10 + 5.32)
    assert rules(fixed) == [None] * 12 + ["above_upl"] * 3  # 11, 19, 21, 19: no run of 7
    # unfixed: mean 179/15; moving ranges eleven 2s, 8, 2, 2 -> 34/14, and the 8 is screened
    # (>= 3.267 * 34/14 = 7.93) leaving 26/13 = 2
    unfixed = xmr(values)
    assert one(unfixed, "mean") == pytest.approx(179 / 15)
    assert one(unfixed, "moving_range_mean") == pytest.approx(2)


def test_outside_beats_shift():
    # 11 (the last baseline point) and the next 7 are all above 10: a run of 8; 20 is also
    # beyond 15.32, and outside-the-limits wins
    chart = xmr(ALTERNATING + [12.0, 13, 12, 20, 12, 13, 12], fix_after_n_points=12)
    assert rules(chart) == [None] * 11 + ["shift_above"] * 4 + ["above_upl"] + [
        "shift_above"
    ] * 3


def test_trend_beats_shift_and_two_of_three_beats_shift():
    trend = xmr(ALTERNATING + [10.5, 11, 11.5, 12, 12.5, 13, 13.5], fix_after_n_points=12)
    assert rules(trend) == [None] * 11 + ["shift_above"] + ["trend_increasing"] * 7
    close = xmr(ALTERNATING + [12.0, 14, 12, 14, 12, 12, 12], fix_after_n_points=12)
    assert rules(close) == [None] * 11 + ["shift_above"] * 2 + [
        "two_of_three_above", "shift_above", "two_of_three_above"
    ] + ["shift_above"] * 3


def test_points_outside_the_limits_are_not_close_and_do_not_make_two_of_three():
    # 14 is close (13.55 .. 15.32), 16 is outside: 14, 16, 12 has one close point only
    chart = xmr(ALTERNATING + [14.0, 16, 12, 10, 9], fix_after_n_points=12)
    assert chart["close_to_limits"].to_list()[12:] == [True, False, False, False, False]
    assert chart["outside_limits"].to_list()[12:] == [False, True, False, False, False]
    assert rules(chart)[12:] == [None, "above_upl", None, None, None]


def test_rebase_gives_each_period_its_own_limits():
    values = ALTERNATING + [v + 10 for v in ALTERNATING]
    chart = xmr(values, rebase_at=[12])
    assert chart["period"].to_list() == [0] * 12 + [1] * 12
    assert chart["mean"].to_list() == [10.0] * 12 + [20.0] * 12
    assert chart["lpl"].to_list() == pytest.approx([4.68] * 12 + [14.68] * 12)
    assert chart["upl"].to_list() == pytest.approx([15.32] * 12 + [25.32] * 12)
    assert chart["moving_range"].to_list() == [None] + [2.0] * 11 + [None] + [2.0] * 11
    assert rules(chart) == [None] * 24
    assert rules(xmr(values, rebase_at=[0, 12, 12])) == [None] * 24  # 0 and repeats: no-ops
    # One period instead: mean 15; the 8 between the halves is screened, so mean mR 2 and
    # limits 9.68 .. 20.32, close band from 11.45 / 18.55. 9s and 21s are outside; 11s and
    # 19s close, in threes on one side of the mean.
    whole = xmr(values)
    assert one(whole, "mean") == 15
    assert rules(whole) == ["below_lpl", "two_of_three_below"] * 6 + [
        "two_of_three_above", "above_upl"
    ] * 6


def test_fix_after_n_points_counts_from_each_period_start():
    # period 1 is 19/21 for 12 points, then 40, 40: fixed at mean 20, mR 2 -> 40 is outside
    values = ALTERNATING + [9.0, 11.0] + [v + 10 for v in ALTERNATING] + [40.0, 40.0]
    chart = xmr(values, rebase_at=[14], fix_after_n_points=12)
    assert chart["mean"].to_list() == [10.0] * 14 + [20.0] * 14
    assert chart["moving_range_mean"].to_list() == [2.0] * 28
    assert rules(chart)[14:] == [None] * 12 + ["above_upl", "above_upl"]


def test_assurance_uses_the_last_period():
    values = ALTERNATING + [v + 10 for v in ALTERNATING]  # limits 4.68..15.32 then 14.68..25.32
    assert one(xmr(values, rebase_at=[12], target=17), "assurance_icon") == "inconsistent"
    assert one(xmr(values, rebase_at=[12], target=12), "assurance_icon") == "consistent_pass"


def test_flat_series_has_no_limits_when_screening():
    # every moving range is 0 and 0 < 3.267 * 0 is false, so all are screened: R gives NaN
    # limits and NA flags; here they are null and every point is common cause
    flat = xmr([5.0] * 8)
    assert flat["lpl"].null_count() == flat["upl"].null_count() == 8
    assert flat["outside_limits"].null_count() == flat["close_to_limits"].null_count() == 8
    assert flat["relative_to_mean"].to_list() == [0] * 8
    assert flat["point_type"].to_list() == [COMMON] * 8
    unscreened = xmr([5.0] * 8, screen_outliers=False)
    assert one(unscreened, "lpl") == one(unscreened, "upl") == 5
    assert not unscreened["outside_limits"].any()


def test_short_and_empty_series():
    single = xmr([3.0])  # no moving range at all: no limits
    assert single.select("mean", "upl", "outside_limits", "point_type").row(0) == (
        3.0, None, None, COMMON
    )
    empty = xmr([])
    assert empty.height == 0
    assert list(empty.columns) == ["value", *SPC_COLUMNS]


@pytest.mark.parametrize(
    ("values", "options"),
    [
        ([1.0, None, 3.0], {}),
        ([1.0, float("nan"), 3.0], {}),
        ([1.0, 2.0], {"improvement": "up"}),
        ([1.0, 2.0], {"rebase_at": [2]}),
        ([1.0, 2.0], {"rebase_at": [-1]}),
        ([1.0] * 20, {"fix_after_n_points": 11}),
        ([1.0] * 20, {"fix_after_n_points": 12.0}),
        ([1.0, 2.0], {"target": float("nan")}),
    ],
)
def test_bad_input_is_refused(values, options):
    with pytest.raises(ValueError):
        xmr(values, **options)


# --- xmr_by_group -------------------------------------------------------------------------


def test_xmr_by_group_matches_xmr_per_group_and_sorts():
    frame = pl.DataFrame({
        "metric": ["b"] * 13 + ["a"] * 24,
        "month": list(range(13))[::-1] + list(range(24)),
        "y": SPIKE[::-1] + ALTERNATING + [v + 10 for v in ALTERNATING],
        "new_period": [False] * 13 + [False] * 12 + [True] + [False] * 11,
    })
    out = xmr_by_group(frame, ["metric"], "month", "y", rebase_on="new_period", target=12)
    assert out.columns == [*frame.columns, *SPC_COLUMNS]
    assert out["metric"].to_list() == ["a"] * 24 + ["b"] * 13
    assert out["month"].to_list() == list(range(24)) + list(range(13))
    a = xmr(ALTERNATING + [v + 10 for v in ALTERNATING], rebase_at=[12], target=12)
    b = xmr(SPIKE, target=12)
    assert out.select(SPC_COLUMNS).equals(pl.concat([a, b]).select(SPC_COLUMNS))


def test_no_rule_or_limit_crosses_from_one_group_or_period_into_the_next():
    """xmr_by_group checks every group in one pass: each group must come out as xmr gives it
    alone, though runs, trends and two-in-threes continue across the group and period
    boundaries (every group rises from where the one before ended; rebases at random)."""
    rng = random.Random(11)
    # Two trends within wide limits meeting at a group boundary, with a fall between them.
    pairs = {-2: [10, 0, 10, 0, 10, 0, 1, 2, 3, 4, 5, 6, 7],
             -1: [-3, -2, -1, 0, 1, 2, 3, 13, -7, 13, -7]}
    rows = [{"g": group, "t": month, "y": float(y), "r": False}
            for group, values in pairs.items() for month, y in enumerate(values)]
    level = 0.0
    for group in range(300):
        n = rng.choice([1, 2, 3, 6, 7, 8, 12, 13, 20])
        for month in range(n):
            level += rng.choice([1.0, 1.0, 0.0, -1.0, 5.0])
            rows.append({"g": group, "t": month, "y": level, "r": rng.random() < 0.1})
    frame = pl.DataFrame(rows)
    for improvement in ("increase", "decrease", "neutral"):
        out = xmr_by_group(frame, ["g"], "t", "y", improvement=improvement, rebase_on="r",
                           target=40.0)
        alone = pl.concat([
            xmr(part["y"].to_list(), improvement=improvement, target=40.0,
                rebase_at=[i for i, r in enumerate(part["r"]) if r])
            for part in frame.partition_by("g", maintain_order=True)])
        assert out.select(SPC_COLUMNS).equals(alone.select(SPC_COLUMNS))
        assert out["special_cause_rule"].drop_nulls().n_unique() >= 4


def test_xmr_by_group_refusals_and_empty_frames():
    frame = pl.DataFrame({"g": [1, 1, 2], "t": [1, 1, 1], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="duplicate"):
        xmr_by_group(frame, ["g"], "t", "y")
    with pytest.raises(ValueError, match="group \\(2,\\)"):
        xmr_by_group(pl.DataFrame({"g": [1, 2], "t": [1, 1], "y": [1.0, None]}), ["g"], "t", "y")
    with pytest.raises(ValueError, match="already has"):
        xmr_by_group(frame.rename({"y": "mean"}), ["g"], "t", "mean")
    with pytest.raises(TypeError):
        xmr_by_group(frame, ["g"], "t", "y", rebase_at=[1])
    empty = xmr_by_group(frame.clear(), ["g"], "t", "y")
    assert empty.height == 0
    assert empty.columns == [*frame.columns, *SPC_COLUMNS]


# --- ported from NHSRplotthedots ----------------------------------------------------------


class RNorm:
    """R's default generator (Mersenne-Twister, normals by Inversion) so that NHSRplotthedots'
    `set.seed(123); rnorm(...)` test data can be replayed without R: set.seed scrambles the
    seed with the LCG 69069*s + 1, rnorm inverts 2^27*u1 + u2, and qnorm is Wichura's AS241 as
    in statistics.NormalDist."""

    def __init__(self, seed: int):
        state = seed
        for _ in range(50):
            state = (69069 * state + 1) % 2**32
        table = []
        for _ in range(625):
            state = (69069 * state + 1) % 2**32
            table.append(state)
        self.generator = np.random.MT19937()
        # table[0] is R's position slot; set.seed leaves it "exhausted" (624)
        self.generator.state = {
            "bit_generator": "MT19937",
            "state": {"key": np.array(table[1:], dtype=np.uint32), "pos": 624},
        }

    def _unif(self) -> float:
        return int(self.generator.random_raw()) * 2.3283064365386963e-10

    def rnorm(self, n: int, mean: float = 0.0) -> list[float]:
        out = []
        for _ in range(n):
            u = int(134217728 * self._unif()) + self._unif()
            out.append(mean + NormalDist().inv_cdf(u / 134217728))
        return out


def test_rnorm_replay_matches_r():
    # the first values R prints for set.seed(123); rnorm(20) (snapshot ptd_spc_standard.md)
    assert RNorm(123).rnorm(4) == pytest.approx(
        [-0.56047565, -0.23017749, 1.55870831, 0.07050839], abs=1e-8
    )


def test_ported_seven_point_one_side_mean():
    assert list(seven_point_one_side_mean(np.array([]))) == []
    assert list(seven_point_one_side_mean(np.ones(6))) == [0] * 6
    assert list(seven_point_one_side_mean(np.array([1] * 6 + [-1]))) == [0] * 7
    assert list(seven_point_one_side_mean(np.array([1] * 8 + [-1]))) == [0] * 6 + [1, 1, 0]
    assert list(seven_point_one_side_mean(np.array([-1] * 8 + [1]))) == [0] * 6 + [1, 1, 0]


def test_ported_part_of_seven_trend():
    assert list(part_of_seven(np.array([]))) == []
    assert list(part_of_seven(np.zeros(6))) == [0] * 6
    assert list(part_of_seven(np.array([0] * 6 + [1, 0]))) == [1] * 7 + [0]
    assert list(part_of_seven(np.array([0] * 7 + [1, 0]))) == [0] + [1] * 7 + [0]
    assert list(part_of_seven(np.array([0] * 6 + [-1, 0]))) == [1] * 7 + [0]
    assert list(part_of_seven(np.array([0] * 7 + [-1, 0]))) == [0] + [1] * 7 + [0]


def test_ported_seven_point_trend():
    assert list(seven_point_trend(np.array([]))) == []
    assert list(seven_point_trend(np.arange(1, 7))) == [0] * 6
    assert list(seven_point_trend(np.array([1, 2, 3, 3, 4, 5, 6]))) == [0] * 7
    assert list(seven_point_trend(np.arange(1, 8))) == [0] * 6 + [1]
    assert list(seven_point_trend(np.array([2, 1, 2, 3, 4, 5, 6, 7, 3]))) == [0] * 7 + [1, 0]
    assert list(seven_point_trend(np.arange(7, 0, -1))) == [0] * 6 + [-1]
    assert list(seven_point_trend(np.array([2, 7, 6, 5, 4, 3, 2, 1, 3]))) == [0] * 7 + [-1, 0]


def test_ported_two_in_three():
    assert list(two_in_three(np.array([]), np.array([]))) == []
    same_side = np.ones(3)
    for close in ([1, 0, 1], [0, 1, 1], [1, 1, 0]):
        assert list(two_in_three(np.array(close), same_side)) == [1, 1, 1]
    assert list(two_in_three(np.array([0, 0, 1, 0, 1, 0, 0]), np.ones(7))) == [0, 0, 1, 1, 1, 0, 0]
    assert list(two_in_three(np.array([0, 0, 1, 1, 0, 0, 0]), np.ones(7))) == [0, 1, 1, 1, 1, 0, 0]
    # points on opposite sides of the mean never make a group (issue #143)
    for close in ([1, 0, 1], [0, 1, 1], [1, 1, 0]):
        assert list(two_in_three(np.array(close), np.array([1, -1, 1]))) == [0, 0, 0]
    alternate = np.array([1, -1, 1, -1, 1, -1, 1])
    assert list(two_in_three(np.array([0, 0, 1, 0, 1, 0, 0]), alternate)) == [0] * 7
    assert list(two_in_three(np.array([0, 0, 1, 1, 0, 0, 0]), -alternate)) == [0] * 7


@pytest.mark.parametrize(
    ("close", "expected"),
    [
        ([1, 0, 1], [1, 0, 1]),
        ([0, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0]),
        ([1, 0, 0, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
    ],
)
def test_ported_part_of_two_in_three(close, expected):
    # ptd_part_of_two_in_three: only the close points of a group are flagged
    close = np.array(close, dtype=bool)
    assert list(two_in_three(close, np.ones(len(close))) & close) == expected


def test_ported_spc_standard_snapshot():
    # test-ptd_spc_standard.R "it returns expected values", with the glimpse() snapshot
    y = RNorm(123).rnorm(20)
    r1 = xmr(y)
    assert (one(r1, "mean"), one(r1, "lpl"), one(r1, "upl")) == pytest.approx(
        (0.1416238, -3.01138, 3.294627), abs=1e-6
    )
    assert r1["relative_to_mean"].to_list()[:15] == [
        -1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1
    ]
    y[14] = 10  # data$y[15] <- 10
    r2 = xmr(y)
    assert (one(r2, "mean"), one(r2, "lpl"), one(r2, "upl")) == pytest.approx(
        (0.6694159, -2.383666, 3.722497), abs=1e-6
    )
    assert r2["relative_to_mean"].to_list()[:14] == [
        -1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1
    ]
    r3 = xmr(y, screen_outliers=False)
    assert (one(r3, "mean"), one(r3, "lpl"), one(r3, "upl")) == pytest.approx(
        (0.6694159, -4.596625, 5.935457), abs=1e-6
    )
    # "setting fix_after_n_points changes the calculations"
    s1 = xmr(y, fix_after_n_points=12)
    assert one(s1, "lpl") != one(r2, "lpl") and one(s1, "upl") != one(r2, "upl")
    # "it sets the rebase_group field"
    assert xmr(y, rebase_at=[10])["period"].to_list() == [0] * 10 + [1] * 10


def test_ported_two_of_three_on_opposite_sides_is_common_cause():
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    chart = xmr(values)
    assert chart["close_to_limits"].to_list()[-2:] == [True, True]
    assert chart["point_type"].to_list()[-2:] == [COMMON, COMMON]


def test_ported_summary_with_facets():
    # test-ptd_spc.R "it outputs expected content" (summary snapshot, 3 significant figures)
    frame = pl.DataFrame(
        {"x": range(20), "y": RNorm(123).rnorm(20), "facet": [0] * 10 + [1] * 10}
    )
    out = xmr_by_group(frame, ["facet"], "x", "y")
    summary = out.group_by("facet", maintain_order=True).agg(
        pl.col("mean", "lpl", "upl").first(), (pl.col("point_type") == COMMON).sum()
    )
    assert summary.rows() == [
        (0, pytest.approx(0.0746, abs=5e-5), pytest.approx(-2.60, abs=5e-3),
         pytest.approx(2.75, abs=5e-3), 10),
        (1, pytest.approx(0.209, abs=5e-4), pytest.approx(-3.28, abs=5e-3),
         pytest.approx(3.70, abs=5e-3), 10),
    ]


@pytest.mark.parametrize(
    ("lpl", "upl", "improvement", "expected"),
    [
        (1, 3, "increase", "consistent_fail"),
        (5, 7, "increase", "consistent_pass"),
        (1, 5, "increase", "inconsistent"),
        (1, 3, "decrease", "consistent_pass"),
        (5, 7, "decrease", "consistent_fail"),
        (1, 5, "decrease", "inconsistent"),
        (1, 3, "neutral", None),
    ],
)
def test_ported_assurance_type(lpl, upl, improvement, expected):
    # test-ptd_calculate_assurance_type.R: target 4 against each facet's limits
    assert assurance_icon(lpl, upl, 4, improvement) == expected


def test_ported_get_icons():
    # test-geom_ptd_icon.R "ptd_get_icons transforms the data correctly"
    stream = RNorm(123)
    y = stream.rnorm(24)
    icons = ["variation_icon", "assurance_icon"]

    def last(**options):
        return xmr(y, **options).select(icons).row(-1)

    assert last() == ("common_cause", None)
    assert last(target=0.5) == ("common_cause", "inconsistent")
    facets = pl.DataFrame({"x": range(24), "y": y, "f": [0] * 12 + [1] * 12})
    by_facet = xmr_by_group(facets, ["f"], "x", "y", target=0.5)
    assert by_facet.group_by("f", maintain_order=True).agg(pl.col(icons).last()).rows() == [
        (0, "common_cause", "inconsistent"), (1, "common_cause", "inconsistent")
    ]
    y[12:] = stream.rnorm(12, 5)
    assert last(target=-3) == ("improvement_high", "consistent_pass")
    assert last(target=-3, improvement="decrease") == ("concern_high", "consistent_fail")
    y[12:] = stream.rnorm(12, -5)
    assert last(target=3) == ("concern_low", "consistent_fail")
    assert last(target=3, improvement="decrease") == ("improvement_low", "consistent_pass")
    assert last(target=3, improvement="neutral") == ("neutral_low", None)


# tests/testthat/_snaps/integration_tests.md (commit 0c096d8) serialises whole ptd_spc()
# results for NHSRdatasets' ae_attendances summed by month (Apr 2016 - Mar 2019); these are
# its values and full-precision limits, decoded from the serialised snapshot.
AE_ATTENDANCES = [
    1867781, 2070340, 1958802, 2079034, 1932901, 1952464, 2001816, 1907871, 1944567, 1895272,
    1735619, 2015834, 1949762, 2066789, 1994056, 2073944, 1924663, 1925961, 2044137, 1976971,
    2003954, 2000086, 1820012, 2049785, 1984369, 2164458, 2093942, 2179896, 1997854, 2005695,
    2079492, 2037847, 2047518, 2113413, 1954947, 2167550,
]
AE_PERFORMANCE = [  # 1 - breaches / attendances
    0.9003512724457525, 0.9027555860390081, 0.9055994429248081, 0.9028524786030435,
    0.909763097023593, 0.9064786853944554, 0.8905308979446662, 0.8837903610883545,
    0.8617594559611471, 0.851413411900772, 0.8753090395991286, 0.9000949482943537,
    0.9051525263083392, 0.8970035160821932, 0.9072518525056468, 0.9034785895858326,
    0.9029928875860346, 0.8966609396555797, 0.8994186788850258, 0.8876655246839736,
    0.8498503458662225, 0.8529918213516818, 0.8504476893558943, 0.8462121637147311,
    0.8857248828216929, 0.9039011151983545, 0.9076297242234981, 0.8931949047110505,
    0.8972702710007838, 0.8894368286304747, 0.8900933497219513, 0.8760446687116353,
    0.8644632183941728, 0.843525141560121, 0.8422525009629417, 0.8660427671795345,
]


def test_ported_integration_ae_attendances():
    chart = xmr(AE_ATTENDANCES)
    assert (one(chart, "mean"), one(chart, "lpl"), one(chart, "upl")) == pytest.approx(
        (2000538.9444444445, 1731844.3644444444, 2269233.5244444446), abs=1e-6
    )
    assert np.flatnonzero(chart["close_to_limits"]).tolist() == [10, 22, 27]
    assert chart["point_type"].to_list() == [COMMON] * 36


def test_ported_integration_ae_attendances_rebased():
    chart = xmr(AE_ATTENDANCES, rebase_at=[12])  # rebase = as.Date("2017-04-01")
    by_period = chart.group_by("period", maintain_order=True).agg(
        pl.col("mean", "lpl", "upl").first()
    )
    assert by_period["period"].to_list() == [0, 1]
    assert by_period.select("mean", "lpl", "upl").to_numpy() == pytest.approx(np.array([
        [1946858.4166666667, 1639947.374848485, 2253769.4584848485],
        [2027379.2083333333, 1772921.0639855072, 2281837.3526811595],
    ]), abs=1e-6)
    assert np.flatnonzero(chart["close_to_limits"]).tolist() == [10, 22]
    assert chart["point_type"].to_list() == [COMMON] * 36


def test_ported_integration_ae_performance_fixed_after_12():
    chart = xmr(AE_PERFORMANCE, fix_after_n_points=12)
    assert (one(chart, "mean"), one(chart, "lpl"), one(chart, "upl")) == pytest.approx(
        (0.8908915564349236, 0.8614049789074258, 0.9203781339624213), abs=1e-6
    )
    assert np.flatnonzero(chart["outside_limits"]).tolist() == [9, 20, 21, 22, 23, 33, 34]
    assert np.flatnonzero(chart["close_to_limits"]).tolist() == [8, 32, 35]
    assert chart["point_type"].to_list() == (
        [COMMON] * 9 + [CONCERN, COMMON] + [IMPROVEMENT] * 8 + [COMMON] + [CONCERN] * 4
        + [COMMON] * 5 + [CONCERN] * 7
    )
    assert rules(chart)[29:] == ["shift_below"] * 4 + ["below_lpl"] * 2 + ["shift_below"]


# --- rare events (pipelines.spc.rare_events) ----------------------------------------------

# The case: Falls / Ward 12 complaints, 18 quiet months around the odd complaint.
# As an XmR chart this reads as special-cause improvement on the runs of zeros.
WARD_12_COMPLAINTS = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 1, 1]


# Three quiet years, then a year of several records a month: rare over the whole series,
# which hid the rise from the marts' SPC (an independent probe).
RISEN = [0] * 36 + [3, 4, 2, 5, 3, 4, 3, 5, 4, 3, 4, 5]


def test_xmr_on_a_mostly_zero_series_calls_quiet_months_improvement():
    """Why the rule exists: NHSRplotthedots' XmR of the sparse series flags zeros."""
    chart = xmr(WARD_12_COMPLAINTS, improvement="decrease")
    assert IMPROVEMENT in chart["point_type"].to_list()


@pytest.mark.parametrize(("values", "rare"), [
    (WARD_12_COMPLAINTS, True),  # mean 0.38
    ([0] * 24, True),  # nothing at all
    ([0, 3] * 12, False),  # mean 1.5, exactly half the months zero: not "mostly"
    ([0, 0, 5] * 8, True),  # mean 1.67, two thirds zero: mostly zeros
    ([1] * 24, False),  # mean exactly 1, no zeros
    ([2, 0, 3, 1] * 6, False),  # mean 1.5, a quarter zero
    ([12, 9, 14, 11] * 6, False),
    ([], False),
    (RISEN, False),  # rare overall (mean 0.94) but not over its last 12 months
    ([3, 4, 2, 5] * 9 + [0] * 12, False),  # frequent overall: a quiet last year stays XmR
])
def test_is_rare_by_mean_or_share_of_zero_months(values, rare):
    from pipelines.spc.rare_events import is_rare

    assert is_rare(values) is rare


def test_spc_method_marks_each_series_alike_with_the_same_rule():
    from pipelines.spc.rare_events import RARE_EVENT, XMR, is_rare, spc_method

    series = {"sparse": WARD_12_COMPLAINTS, "busy": [12, 9, 14, 11] * 6,
              "half": [0, 3] * 12, "zeros": [0, 0, 5] * 8, "risen": RISEN,
              "risen backwards": RISEN[::-1]}
    frame = pl.DataFrame([{"series": k, "month": i, "n": v}
                          for k, values in series.items() for i, v in enumerate(values)])
    # Rows in any order: the last 12 months are found by month.
    marked = spc_method(frame.sample(fraction=1, shuffle=True, seed=3), ["series"], "n")
    methods = dict(marked.group_by("series").agg(pl.col("spc_method").unique()).iter_rows())
    assert methods == {k: [RARE_EVENT if is_rare(v) else XMR] for k, v in series.items()}
    assert methods["sparse"] == [RARE_EVENT] and methods["busy"] == [XMR]
    assert methods["risen"] == [XMR] and methods["risen backwards"] == [RARE_EVENT]


def test_a_rare_problem_that_has_become_frequent_shows_as_concern():
    from pipelines.spc.rare_events import no_improvement_at_floor

    chart = no_improvement_at_floor(
        xmr(RISEN, improvement="decrease").with_columns(series=pl.lit("s")), ["series"])
    points = chart["point_type"].to_list()
    assert all(p == CONCERN for p in points[36:]) and IMPROVEMENT not in points


def test_low_counts_at_the_floor_never_show_improvement_but_keep_concern():
    from pipelines.spc.rare_events import is_rare, no_improvement_at_floor

    # Mean 1.2, 11 of 24 months zero: not rare, but its lower limit is below zero and the
    # quiet first year reads as a shift below the mean (improvement) in plain XmR.
    values = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 7, 4, 2, 3, 3, 2]
    assert not is_rare(values)
    frame = xmr(values, improvement="decrease").with_columns(series=pl.lit("sjr"))
    assert IMPROVEMENT in frame["point_type"].to_list() and frame["lpl"][-1] <= 0
    floored = no_improvement_at_floor(frame, ["series"])
    assert IMPROVEMENT not in floored["point_type"].to_list()
    assert floored["point_type"].to_list().count(CONCERN) == \
        frame["point_type"].to_list().count(CONCERN) > 0  # the recent rise is still concern
    was_improvement = (frame["point_type"] == IMPROVEMENT).to_list()
    assert all(rule is None for rule, cleared in zip(floored["special_cause_rule"],
                                                     was_improvement, strict=True) if cleared)
    # A busy series keeps its improvement: its lower limit is well above zero.
    busy = xmr([30, 32, 29, 31, 30, 33, 28, 30, 31, 29, 30, 32, 20, 21, 19, 20, 22, 21, 20,
                19, 21, 20, 22, 21], improvement="decrease").with_columns(series=pl.lit("b"))
    assert busy["lpl"][-1] > 0
    assert no_improvement_at_floor(busy, ["series"])["point_type"].to_list() == \
        busy["point_type"].to_list()


def test_t_chart_flags_events_coming_closer_together_as_concern():
    import datetime as dt

    from pipelines.spc.rare_events import T_POWER, t_chart

    # An event every 30-40 days for a year and a half, then every 2-4 days.
    gaps = [35, 30, 40, 33, 31, 38, 36, 30, 34, 39, 32, 37, 35, 31, 3, 2, 4, 3]
    dates = [dt.date(2025, 1, 1)]
    for gap in gaps:
        dates.append(dates[-1] + dt.timedelta(days=gap))
    chart = t_chart(list(reversed(dates)))  # any order: the chart sorts them
    assert chart["days"].to_list() == [float(g) for g in gaps]
    transformed = [g ** (1 / T_POWER) for g in gaps]
    assert chart["mean"][0] == pytest.approx((sum(transformed) / len(gaps)) ** T_POWER)
    assert chart["point_type"][-4:].to_list() == [CONCERN] * 4  # the cluster
    assert IMPROVEMENT not in chart["point_type"][-4:].to_list()
    assert (chart["lpl"] >= 0).all() and (chart["upl"] > chart["mean"]).all()
    # Too few intervals: the gaps are there, the judgement is not.
    short = t_chart(dates[:6])
    assert short.height == 5 and short["upl"].is_null().all()
    assert short["point_type"].is_null().all()
