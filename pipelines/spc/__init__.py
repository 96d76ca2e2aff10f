"""XmR (Making Data Count "plot the dots") charts, calculated as NHS-R's NHSRplotthedots does.

    from pipelines.spc import xmr, xmr_by_group
    chart = xmr(monthly_values, improvement="decrease", target=95)
    charts = xmr_by_group(frame, ["trust", "metric"], "month", "value", rebase_on="new_period")

xmr returns one row per point with the limits, the rule each point breaks and its point type;
the chart's variation and assurance icons are constant columns on every row (rather than a
separate function), so a grouped frame carries each group's icons with it.

Followed: the R sources of nhs-r-community/NHSRplotthedots 0.2.x (the release whose NEWS lists
the 2-in-3 opposite-sides fix, #143, and trends coloured by their own direction, #167/#171):
R/ptd_spc_standard.R @ 8aac3239 (limits, screening, fix_after_n_points, rebase groups),
R/ptd_calculate_point_type.R @ f7891af4 (rules and point types),
R/ptd_calculate_assurance_type.R @ f7891af4, R/geom_ptd_icon.R @ 24745e75 (ptd_get_icons),
R/ptd_spc.R @ 24745e75 and R/ptd_spc_options.R @ c7fbaae5 (options and their checks).
tests/test_spc.py ports expectations from its tests/testthat.

Known differences: missing values are refused rather than passed through (NHSRplotthedots wants
a gap-free series and can fail on a gap); limits R gives as NaN (and the flags R gives as NA)
are null; periods start at positions (rebase_at) or where a boolean column is true
(xmr_by_group's rebase_on) rather than at dates; one target applies to every group; values are
taken in the order given (xmr_by_group sorts); icons are names, not SVG paths; no trajectory
and no short-period warning.
"""

from pipelines.spc.xmr import SPC_COLUMNS, assurance_icon, variation_icon, xmr, xmr_by_group

__all__ = ["SPC_COLUMNS", "assurance_icon", "variation_icon", "xmr", "xmr_by_group"]
