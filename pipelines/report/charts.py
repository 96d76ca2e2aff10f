"""Inline SVG charts for the insight pack, drawn in Python: no JavaScript, no network.

Colours: NHS England Making Data Count (MDC) for SPC point types (grey common cause, blue
improvement, orange concern, purple neutral), a viridis sequential scale for the heatmap and
Okabe-Ito for multi-line charts; all readable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape

import polars as pl

MDC_COLOURS = {
    "common_cause": "#7B7D7D",
    "improvement": "#289DE0",
    "concern": "#FAB428",
    "neutral": "#490092",
}
LINE_COLOUR = "#7B7D7D"
MEAN_COLOUR = "#231F20"
LIMIT_COLOUR = "#425563"
# Okabe-Ito, without yellow (too pale on white for lines).
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000"]
# Viridis, light to dark: more sources signalling = darker. Index = number of sources.
VIRIDIS = ["#FDE725", "#90D743", "#35B779", "#21918C", "#31688E", "#443983", "#440154"]
EMPTY_CELL = "#F2F2F2"

VARIATION_LABELS = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause improvement (higher)",
    "improvement_low": "Special cause improvement (lower)",
    "concern_high": "Special cause concern (higher)",
    "concern_low": "Special cause concern (lower)",
    "neutral_high": "Special cause, neutral (higher)",
    "neutral_low": "Special cause, neutral (lower)",
}
ASSURANCE_LABELS = {
    "consistent_pass": "Consistently passing the target",
    "consistent_fail": "Consistently failing the target",
    "inconsistent": "Hit and miss: the target may or may not be met",
}


def point_category(point_type: str | None) -> str:
    """MDC colour category of an xmr point_type."""
    if point_type == "special_cause_improvement":
        return "improvement"
    if point_type == "special_cause_concern":
        return "concern"
    if point_type and point_type.startswith("special_cause_neutral"):
        return "neutral"
    return "common_cause"


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _ticks(top: float, n: int = 4) -> list[float]:
    return [top * i / n for i in range(n + 1)]


def _month_label(value) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%b %y")
    return str(value)


def spc_chart_svg(frame: pl.DataFrame, title: str, *, x_label: str = "Month",
                  y_label: str = "Records", width: int = 660, height: int = 300) -> str:
    """An MDC XmR chart as one <svg>: the monthly values as a line with a circle per point
    coloured by point type, the mean (solid), process limits (dashed), axis titles, a legend.

    frame: one row per month in time order with columns month, value, mean, lpl, upl and
    point_type (as `pipelines.spc.xmr` / the `theme_spc` mart give them). A lower limit below
    zero is drawn at zero: a count cannot be negative.
    """
    rows = frame.select("month", "value", "mean", "lpl", "upl", "point_type").to_dicts()
    left, right, top, bottom = 56, 16, 34, 92
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([r["value"] or 0 for r in rows] + [r["upl"] or 0 for r in rows] + [1])
    y_top = _nice_max(highest * 1.05)
    n = len(rows)

    def sx(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def sy(v: float) -> float:
        return top + plot_h - plot_h * max(v, 0.0) / y_top

    parts = [
        f'<svg class="spc-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="Arial, Helvetica, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#231F20">'
        f"{escape(title)}</text>",
    ]
    # Axes, gridlines and tick labels.
    for tick in _ticks(y_top):
        y = sy(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#E8EDEE"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#425563">'
                     f"{_fmt(tick)}</text>")
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" '
                 f'stroke="#425563"/>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="#425563"/>')
    label_every = max(1, math.ceil(n / 12))
    for i, r in enumerate(rows):
        if i % label_every == 0:
            x = sx(i)
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                         f'fill="#425563">{escape(_month_label(r["month"]))}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 32}" '
                 f'text-anchor="middle" fill="#231F20">{escape(x_label)}</text>')
    parts.append(f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle" fill="#231F20">{escape(y_label)}</text>')

    # Mean and process limits: step lines (they may change at a rebase).
    def level_path(column: str) -> str:
        points = [(i, r[column]) for i, r in enumerate(rows) if r[column] is not None]
        return " ".join(f"{'M' if k == 0 else 'L'}{sx(i):.1f},{sy(v):.1f}"
                        for k, (i, v) in enumerate(points))

    for column, colour, dash, cls in (("upl", LIMIT_COLOUR, "6 4", "limit upper-limit"),
                                      ("lpl", LIMIT_COLOUR, "6 4", "limit lower-limit"),
                                      ("mean", MEAN_COLOUR, None, "mean")):
        path = level_path(column)
        if path:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<path class="{cls}" d="{path}" fill="none" stroke="{colour}" '
                         f'stroke-width="1.5"{dash_attr}/>')
    # The data line and one circle per point.
    data = [(i, r["value"]) for i, r in enumerate(rows) if r["value"] is not None]
    if data:
        line = " ".join(f"{'M' if k == 0 else 'L'}{sx(i):.1f},{sy(v):.1f}"
                        for k, (i, v) in enumerate(data))
        parts.append(f'<path class="data-line" d="{line}" fill="none" stroke="{LINE_COLOUR}" '
                     f'stroke-width="1.5"/>')
    for i, r in enumerate(rows):
        if r["value"] is None:
            continue
        category = point_category(r["point_type"])
        label = category.replace("_", " ")
        parts.append(
            f'<circle class="point point-{category}" cx="{sx(i):.1f}" cy="{sy(r["value"]):.1f}" '
            f'r="4" fill="{MDC_COLOURS[category]}" stroke="#FFFFFF" stroke-width="0.8">'
            f"<title>{escape(_month_label(r['month']))}: {_fmt(r['value'])} ({label})</title>"
            f"</circle>")
    parts.append(_legend(left, height - 30, [
        ("circle", MDC_COLOURS["common_cause"], "Common cause"),
        ("circle", MDC_COLOURS["improvement"], "Special cause: improvement"),
        ("circle", MDC_COLOURS["concern"], "Special cause: concern"),
        ("line", MEAN_COLOUR, "Mean"),
        ("dash", LIMIT_COLOUR, "Process limits"),
    ]))
    parts.append("</svg>")
    return "".join(parts)


def _legend(x: float, y: float, items: Sequence[tuple[str, str, str]],
            per_row: int = 3, col_w: int = 195) -> str:
    out = ['<g class="legend">']
    for k, (kind, colour, text) in enumerate(items):
        cx, cy = x + (k % per_row) * col_w, y + (k // per_row) * 16
        if kind == "circle":
            out.append(f'<circle cx="{cx + 6}" cy="{cy}" r="4.5" fill="{colour}"/>')
        elif kind == "rect":
            out.append(f'<rect x="{cx}" y="{cy - 6}" width="12" height="12" fill="{colour}" '
                       f'stroke="#AEB7BD" stroke-width="0.5"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            out.append(f'<line x1="{cx}" x2="{cx + 14}" y1="{cy}" y2="{cy}" stroke="{colour}" '
                       f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{cx + 18}" y="{cy + 4}" fill="#231F20">{escape(text)}</text>')
    out.append("</g>")
    return "".join(out)


def variation_badge(icon: str | None) -> str:
    """The MDC variation icon as a labelled badge: a coloured disc with H/L and the words."""
    if icon is None:
        return '<span class="badge badge-none">Variation: not enough points</span>'
    category = icon.rsplit("_", 1)[0] if icon != "common_cause" else "common_cause"
    colour = MDC_COLOURS.get(category, MDC_COLOURS["common_cause"])
    letter = {"high": "H", "low": "L"}.get(icon.rsplit("_", 1)[-1], "")
    text_colour = "#231F20" if category in ("concern", "common_cause") else "#FFFFFF"
    disc = (f'<svg class="icon" width="22" height="22" viewBox="0 0 22 22" aria-hidden="true">'
            f'<circle cx="11" cy="11" r="10" fill="{colour}"/>'
            f'<text x="11" y="15" text-anchor="middle" font-size="11" font-weight="bold" '
            f'font-family="Arial, sans-serif" fill="{text_colour}">{letter}</text></svg>')
    label = VARIATION_LABELS.get(icon, icon)
    return (f'<span class="badge badge-variation badge-{escape(category)}">{disc}'
            f"<span>Variation: {escape(label)}</span></span>")


def assurance_badge(icon: str | None) -> str:
    if icon is None:
        return ('<span class="badge badge-none">Assurance: no target set for record counts, '
                "so no assurance icon</span>")
    return f'<span class="badge badge-assurance">Assurance: {escape(ASSURANCE_LABELS[icon])}</span>'


def heatmap_svg(row_labels: Sequence[str], col_labels: Sequence[str],
                values: dict[tuple[str, str], int], title: str, max_value: int = 6) -> str:
    """Rows x columns grid, each cell shaded by its value (0 = pale grey) and labelled with it."""
    cell, left, top = 30, 150, 170
    width = left + cell * len(col_labels) + 110  # room for the last rotated label
    legend_y = top + cell * len(row_labels) + 28
    height = legend_y + 30
    parts = [f'<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'font-family="Arial, Helvetica, sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>"]
    for j, col in enumerate(col_labels):
        x = left + j * cell + cell / 2
        parts.append(f'<text transform="translate({x + 4:.1f} {top - 6}) rotate(-60)" '
                     f'fill="#231F20">{escape(col)}</text>')
    for i, row in enumerate(row_labels):
        y = top + i * cell
        parts.append(f'<text x="{left - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end" '
                     f'fill="#231F20">{escape(row)}</text>')
        for j, col in enumerate(col_labels):
            value = values.get((row, col), 0)
            fill = EMPTY_CELL if value <= 0 else VIRIDIS[min(value, max_value, 6)]
            text = "#FFFFFF" if value >= 3 else "#231F20"
            x = left + j * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                         f'fill="{fill}"><title>{escape(row)} / {escape(col)}: {value} '
                         f"source(s) signalling</title></rect>")
            if value > 0:
                parts.append(f'<text x="{x + cell / 2 - 0.5}" y="{y + cell / 2 + 4}" '
                             f'text-anchor="middle" fill="{text}">{value}</text>')
    items = [("rect", EMPTY_CELL, "0")] + [("rect", VIRIDIS[k], str(k))
                                          for k in range(1, max_value + 1)]
    parts.append(f'<text x="{left - 6}" y="{legend_y + 4}" text-anchor="end" fill="#231F20">'
                 f"Sources signalling:</text>")
    parts.append(_legend(left, legend_y, items, per_row=len(items), col_w=40))
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(series: dict[str, list[tuple[object, float | None]]], title: str, *,
                   x_label: str = "Month", y_label: str = "% positive",
                   y_range: tuple[float, float] = (0, 100), width: int = 660,
                   height: int = 280) -> str:
    """Several named series over the same months, Okabe-Ito colours and distinct dashes."""
    months = sorted({m for points in series.values() for m, _ in points})
    left, right, top, bottom = 56, 16, 34, 84
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(months), 1)
    index = {m: i for i, m in enumerate(months)}
    lo, hi = y_range

    def sx(i: int) -> float:
        return left + plot_w * (i + 0.5) / n

    def sy(v: float) -> float:
        return top + plot_h - plot_h * (min(max(v, lo), hi) - lo) / (hi - lo)

    parts = [f'<svg class="line-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'font-family="Arial, Helvetica, sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>",
             f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#231F20">'
             f"{escape(title)}</text>"]
    for tick in _ticks(hi - lo):
        y = sy(lo + tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#E8EDEE"/><text x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end" fill="#425563">{_fmt(lo + tick)}</text>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="#425563"/>')
    every = max(1, math.ceil(n / 12))
    for i, m in enumerate(months):
        if i % every == 0:
            parts.append(f'<text x="{sx(i):.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                         f'fill="#425563">{escape(_month_label(m))}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 32}" '
                 f'text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle">{escape(y_label)}</text>')
    dashes = [None, "6 3", "2 2", "8 3 2 3", None, "6 3", "2 2"]
    legend = []
    for k, (name, points) in enumerate(series.items()):
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        dash = dashes[k % len(dashes)]
        path, pen_up = [], True
        for m, v in points:
            if v is None:
                pen_up = True
                continue
            path.append(f"{'M' if pen_up else 'L'}{sx(index[m]):.1f},{sy(v):.1f}")
            pen_up = False
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"{dash_attr}><title>{escape(name)}</title></path>')
        legend.append(("dash" if dash else "line", colour, name))
    parts.append(_legend(left, height - 28, legend, per_row=4, col_w=150))
    parts.append("</svg>")
    return "".join(parts)
