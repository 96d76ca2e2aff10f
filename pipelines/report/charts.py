"""The insight pack's charts: Vega-Lite specifications (altair) rendered to static SVG.

vl-convert renders each specification in-process with its bundled JavaScript engine: no
browser, no network, no script in the page; the SVG is inlined in the HTML. Vega lays out
axes and legends, so tick labels and legend entries never overrun each other.

Colours: NHS England Making Data Count (MDC) for SPC point types (grey common cause, blue
improvement, orange concern), the NHS blue for single series, viridis for the heatmap; all
readable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import cache

import altair as alt
import polars as pl

from pipelines.report.svg_cache import vegalite_to_svg

MDC_COLOURS = {
    "common_cause": "#7B7D7D",
    "improvement": "#289DE0",
    "concern": "#FAB428",
}
POINT_LABELS = {
    "common_cause": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
}
MEAN_COLOUR = "#231F20"
LIMIT_COLOUR = "#425563"
NHS_BLUE = "#005EB8"
FONT = "Arial, Helvetica, Liberation Sans, sans-serif"
# The page body is 1,100 px wide with 24 px padding: charts fill it.
FULL_WIDTH = 1000

VARIATION_LABELS = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_low": "Special cause improvement (fewer records)",
    "concern_high": "Special cause concern (more records)",
}


def point_category(point_type: str | None) -> str:
    """MDC colour category of an xmr point_type."""
    if point_type == "special_cause_improvement":
        return "improvement"
    if point_type == "special_cause_concern":
        return "concern"
    return "common_cause"


# The house style, as Vega-Lite's top-level `config`.
CONFIG = {
    "font": FONT,
    "background": "white",
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#425563",
             "titleColor": "#231F20", "gridColor": "#E8EDEE"},
    "title": {"fontSize": 14, "anchor": "start", "color": "#231F20"},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top",
               "direction": "horizontal", "symbolSize": 90},
    "view": {"stroke": None},
}


def render(chart: alt.TopLevelMixin, css_class: str, title: str,
           datasets: dict[str, list[dict]] | None = None) -> str:
    """One chart as an inline <svg> with a class and an accessible title. `datasets`: the
    rows of the chart's named data (`alt.Data(name=...)`)."""
    # Altair's schema validation is skipped: with the data inline, each `configure_*` copy
    # and the validation cost more than rendering does. The charts come from this module's
    # code, which the pack tests render.
    return _render_spec(chart.to_dict(validate=False), css_class, title, datasets)


def _render_spec(spec: dict, css_class: str, title: str,
                 datasets: dict[str, list[dict]] | None = None) -> str:
    """render() from the chart's Vega-Lite dict, which is not changed. The style goes into the
    dict, and so do named datasets: altair deep-copies inline rows at every layer and
    property."""
    spec = {**spec, "config": {**spec.get("config", {}), **CONFIG}}
    if datasets:
        spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    svg = vegalite_to_svg(spec)
    # vl-convert's root <svg> carries class="marks": add ours and a label for screen readers.
    return re.sub(r'^<svg ([^>]*?)class="marks"',
                  f'<svg role="img" aria-label="{_attr(title)}" \\1class="marks {css_class}"',
                  svg, count=1)


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _month_axis(title: str | None = None, monthly: bool = True) -> alt.X:
    """Time axis labelled "Jan 25": a tick per month for monthly series, Vega's choice for
    events at any date."""
    return alt.X("month:T", title=title, axis=alt.Axis(
        format="%b %y" if monthly else "%-d %b %y", labelAngle=0,
        tickCount="month" if monthly else 8, labelOverlap=True))


def int_ticks(top: float, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least `top`, at most `most` + 1 of them, on a 1-2-5
    step: a count axis never shows 1.5 or 37.5."""
    top = max(int(-(-top // 1)), 1)
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if -(-top // step) <= most:
                return list(range(0, -(-top // step) * step + 1, step))
        magnitude *= 10


def _count_reach(top: float) -> tuple[list[int], list[int]]:
    """A count axis's domain (from 0 to its last tick) and its whole-number ticks."""
    ticks = int_ticks(top)
    return [0, ticks[-1]], ticks


def _count_axis(title: str, top: float) -> alt.Y:
    """A count axis from 0 with whole-number ticks only."""
    domain, ticks = _count_reach(top)
    return alt.Y("value:Q", title=title, scale=alt.Scale(domain=domain, nice=False),
                 axis=alt.Axis(values=ticks, format="d"))


def _with_count_axis(spec: dict, top: float) -> dict:
    """A copy of a Vega-Lite dict whose count axes (_count_axis) reach `top` instead."""
    domain, ticks = _count_reach(top)
    layers = []
    for layer in spec["layer"]:
        y = layer.get("encoding", {}).get("y", {})
        if "values" in y.get("axis", {}):
            y = {**y, "scale": {**y["scale"], "domain": domain},
                 "axis": {**y["axis"], "values": ticks}}
            layer = {**layer, "encoding": {**layer["encoding"], "y": y}}
        layers.append(layer)
    return {**spec, "layer": layers}


def signal_strip(frame: pl.DataFrame, title: str, width: int = FULL_WIDTH) -> str:
    """Only the signal of an SPC chart: one dot per month coloured by its point type, on a
    single line, with no count, no line shape and no limits to read counts back from."""
    rows = [{"month": r["month"].isoformat(),
             "point": POINT_LABELS[point_category(r["point_type"])]}
            for r in frame.select("month", "point_type").to_dicts()]
    chart = alt.Chart(alt.Data(values=rows)).mark_circle(size=70, opacity=1).encode(
        x=_month_axis(), y=alt.value(14),
        color=alt.Color("point:N", title=None, scale=alt.Scale(
            domain=list(POINT_LABELS.values()), range=list(MDC_COLOURS.values())),
            legend=alt.Legend(orient="top", symbolType="circle")),
    ).properties(title=title, width=width, height=28)
    return render(chart, "spc-chart signal-only", title)


def spc_chart(frame: pl.DataFrame, title: str, *, rare: bool = False,
              y_title: str = "Records a month",
              time_axis: str = "month", width: int = FULL_WIDTH, height: int = 125) -> str:
    """A Making Data Count XmR chart of monthly counts as one <svg>.

    frame: one row per month in time order, columns month, value, mean, lpl, upl,
    point_type (as theme_spc gives them); with time_axis="date" the rows are events at any
    date (a T chart of days between events). The lower limit is drawn at zero at most (a count
    cannot be negative). rare: a rare-event series (theme_spc.spc_method = 'rare_event'):
    counts and mean only, grey points, no limits.
    """
    # Values rounded to 2 places: a reader needs no more, and long decimals in the SVG's
    # labels would read as phone numbers to the identifier guard.
    data = frame.select(
        pl.col("month").cast(pl.Date), pl.col("value").cast(pl.Float64).round(2),
        pl.col("mean").round(2),
        (pl.col("lpl").clip(lower_bound=0) if "lpl" in frame.columns else pl.lit(None))
        .cast(pl.Float64).round(2).alias("lpl"),
        pl.col("upl").round(2), pl.col("point_type"),
    ).with_columns(
        pl.col("point_type").map_elements(lambda t: POINT_LABELS[point_category(t)],
                                          return_dtype=pl.String).alias("point"),
    )
    if rare:
        data = data.with_columns(pl.lit(None, pl.Float64).alias("lpl"),
                                 pl.lit(None, pl.Float64).alias("upl"),
                                 pl.lit(POINT_LABELS["common_cause"]).alias("point"))
    top = max([*data["value"].drop_nulls().to_list(), *data["upl"].drop_nulls().to_list(), 1])
    rows = data.with_columns(pl.col("month").cast(pl.String)).to_dicts()
    level_rows = [{"month": r["month"], "value": r[key], "line": label, "part": key}
                  for key, label in _levels(rare) for r in rows if r[key] is not None]
    spec = {**_with_count_axis(_spc_spec(rare, y_title, time_axis, width, height), top),
            "title": title}
    return _render_spec(spec, "spc-chart", title, {"points": rows, "levels": level_rows})


def _levels(rare: bool) -> list[tuple[str, str]]:
    """The horizontal lines of an SPC chart: (column, label); a rare-event series has no
    limits."""
    return [("mean", "Mean")] + ([] if rare else [("upl", "Process limits"),
                                                  ("lpl", "Process limits")])


@cache
def _spc_spec(rare: bool, y_title: str, time_axis: str, width: int, height: int) -> dict:
    """spc_chart's Vega-Lite dict, its title and rows left out: a pack draws tens of charts
    of a few shapes, and altair took most of a chart's time to build each one (it copies
    every layer's specification as it combines them)."""
    axis = _month_axis(monthly=time_axis == "month")
    base = alt.Chart(alt.Data(name="points")).encode(x=axis)
    y = _count_axis(y_title, 1)  # each chart's own reach: _with_count_axis
    when = "%B %Y" if time_axis == "month" else "%-d %B %Y"
    tooltip = [alt.Tooltip("month:T", format=when), alt.Tooltip("value:Q", title=y_title),
               alt.Tooltip("point:N", title="type")]
    line = base.mark_line(color=MDC_COLOURS["common_cause"], strokeWidth=1.5).encode(y=y)
    points = base.mark_circle(size=55, opacity=1, stroke="white", strokeWidth=0.8).encode(
        y=y, tooltip=tooltip,
        color=alt.Color("point:N", title=None, scale=alt.Scale(
            domain=list(POINT_LABELS.values()), range=list(MDC_COLOURS.values())),
            legend=None if rare else alt.Legend(orient="top", symbolType="circle")))
    drawn = list(dict.fromkeys(label for _, label in _levels(rare)))
    legend = alt.Legend(orient="top", symbolType="stroke", symbolStrokeWidth=2)
    lines = alt.Chart(alt.Data(name="levels")).mark_line(strokeWidth=1.5).encode(
        x=axis, y=alt.Y("value:Q"), detail="part:N",
        color=alt.Color("line:N", title=None, legend=None, scale=alt.Scale(
            domain=drawn, range=[MEAN_COLOUR, LIMIT_COLOUR][:len(drawn)])),
        strokeDash=alt.StrokeDash("line:N", title=None, legend=legend, scale=alt.Scale(
            domain=drawn, range=[[1, 0], [6, 4]][:len(drawn)])),
    )
    return alt.layer(lines, line, points).resolve_scale(color="independent").properties(
        width=width, height=height).to_dict(validate=False)


def sparkline(months: Sequence[dt.date], values: Sequence[float | None], title: str,
              width: int = 150, height: int = 34) -> str:
    """A small line of monthly values with the last point marked: no axes, for tables."""
    rows = [{"month": m.isoformat(), "value": v} for m, v in zip(months, values, strict=True)]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("month:T", axis=None), y=alt.Y("value:Q", axis=None,
                                                scale=alt.Scale(zero=True)))
    chart = alt.layer(
        base.mark_line(color=NHS_BLUE, strokeWidth=1.5),
        base.transform_window(rank="rank()", sort=[alt.SortField("month", order="descending")])
        .transform_filter("datum.rank == 1").mark_circle(color=NHS_BLUE, size=22),
    ).properties(width=width, height=height)
    return render(chart, "sparkline", title)


def fft_small_multiples(frame: pl.DataFrame, title: str, columns: int = 3) -> str:
    """% positive by month, one small panel per FFT setting (same scales, names as titles).

    frame: setting (words), month, pct (null where suppressed or no responses)."""
    rows = frame.select(pl.col("setting"), pl.col("month").cast(pl.String),
                        pl.col("pct")).to_dicts()
    shown = [r["pct"] for r in rows if r["pct"] is not None]
    low = max(0, min([*shown, 80]) // 10 * 10)
    panel_w = (FULL_WIDTH - 40 * (columns - 1)) // columns - 50
    chart = alt.Chart(alt.Data(values=rows)).mark_line(
        color=NHS_BLUE, point=alt.OverlayMarkDef(size=18, color=NHS_BLUE)).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0,
                                                     tickCount=4, labelOverlap=True)),
        y=alt.Y("pct:Q", title="% positive", scale=alt.Scale(domain=[low, 100]),
                axis=alt.Axis(tickCount=4)),
        tooltip=[alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("pct:Q", format=".1f")],
    ).properties(width=panel_w, height=110).facet(
        facet=alt.Facet("setting:N", title=None, header=alt.Header(
            labelFontSize=13, labelFontWeight="bold", labelAnchor="start")),
        columns=columns,
    ).properties(title=title)
    return render(chart, "fft-chart", title)


def heatmap(frame: pl.DataFrame, title: str) -> str:
    """Rows (locations) x columns (themes), each cell coloured and labelled by the number of
    sources signalling; the legend lists only the values present.

    frame: location, theme, n (>= 1), plus row_order and column_order (ints)."""
    values = sorted(set(frame["n"].to_list()))
    palette = {1: "#C8E6C9", 2: "#35B779", 3: "#21918C", 4: "#31688E", 5: "#440154"}
    rows = frame.to_dicts()
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("theme:N", title=None, sort=alt.SortField("column_order"),
                axis=alt.Axis(orient="top", labelAngle=-40, labelLimit=220)),
        y=alt.Y("location:N", title=None, sort=alt.SortField("row_order"),
                axis=alt.Axis(labelLimit=220)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("n:O", title="Sources signalling", scale=alt.Scale(
            domain=values, range=[palette[min(v, 5)] for v in values]),
            legend=alt.Legend(orient="bottom", direction="horizontal")),
        tooltip=[alt.Tooltip("location:N"), alt.Tooltip("theme:N"),
                 alt.Tooltip("n:Q", title="sources signalling")])
    text = base.mark_text(fontSize=12).encode(
        text="n:Q", color=alt.condition("datum.n >= 2", alt.value("white"),
                                        alt.value("#231F20")))
    n_cols = frame["theme"].n_unique()
    n_rows = frame["location"].n_unique()
    chart = alt.layer(cells, text).properties(
        title=title, width=min(FULL_WIDTH - 240, 36 * n_cols), height=26 * n_rows)
    return render(chart, "heatmap", title)
