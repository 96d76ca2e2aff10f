"""The pack's PSIRP sections: the local priorities, their SPC charts and the heatmap.

Each function reads the published marts and returns HTML. A table missing from the published
files gives a clear "not available in this refresh" note instead of failing the whole pack.
"""

from __future__ import annotations

import re
from html import escape

import polars as pl

from pipelines.lib.reporting_period import add_months
from pipelines.lib.suppression import is_small
from pipelines.report import charts, labels
from pipelines.report.html import code, details, fmt, missing, month, note, table
from pipelines.report.marts import Marts
from pipelines.report.priorities import SIGNAL_SOURCES, Priority
from pipelines.spc.rare_events import T_MIN_POINTS, t_chart

CHART_MONTHS = 24  # months of history drawn, ending with the reporting month
CHANGE_SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr")  # changes() table
CONCERN_ITEMS = 6  # new special-cause concerns listed on the summary page
T_MIN_RECORDS = 5  # a rare series gets a days-between chart from this many records

# A record count of 1-4 in a rationale sentence ("3 records in ...", "2 of them serious").
SMALL_COUNT_IN_TEXT = re.compile(r"(?<![-\d])\b([1-4]) (records?|of them)\b")
# Names the marts write into sentences, and the words a committee reads instead.
PLAIN_WORDS = {r"\bfft\b": "FFT", r"\bsjr\b": "SJRs", r"\btheme_spc\b": "its SPC charts"}


def plain(text: str | None) -> str:
    """A mart's sentence with source codes and table names in words."""
    text = text or ""
    for pattern, words in PLAIN_WORDS.items():
        text = re.sub(pattern, words, text)
    return text


def evidence(p: Priority, wide: bool) -> str:
    """"Incidents 41 (2.3x baseline); Complaints 6 (...)" from the priority's evidence."""
    bits = []
    for source in SIGNAL_SOURCES:
        count = p.recent.get(source)
        if not count:
            continue
        shown = "*" if wide and is_small(count) else f"{count:,}"
        ratio = p.ratio.get(source)
        rate = f" ({ratio:.1f}x baseline)" if ratio is not None else ""
        bits.append(f"{labels.source(source, short=True)} {shown}{rate}")
    text = "; ".join(bits) if bits else "no recent records"
    if p.spc_concern_sources:
        text += f". SPC concern: {labels.sources_list(p.spc_concern_sources)}"
    return text


def rationale(p: Priority, wide: bool) -> str:
    text = plain(p.rationale)
    return SMALL_COUNT_IN_TEXT.sub(r"* \2", text) if wide else text


# --- series for charts ---------------------------------------------------------------------

def chart_window(m: Marts) -> tuple:
    """First and last month drawn: CHART_MONTHS ending with the reporting month."""
    last = m.period.month
    return add_months(last, -(CHART_MONTHS - 1)), last


def series(m: Marts, theme_id: str, level: str, unit_id: str, source: str) -> pl.DataFrame:
    first, last = chart_window(m)
    return m.frame(
        "select month, record_count as value, mean, lpl, upl, point_type, variation_icon, "
        "spc_method, unit_name from theme_spc where theme_id = ? and unit_level = ? "
        "and unit_id = ? and source = ? and month between ? and ? order by month",
        [theme_id, level, unit_id, source, first, last])


def safe_series(m: Marts, p: Priority, source: str) -> tuple[pl.DataFrame, str]:
    """The series to draw for priority p and source, and where it is from.

    Restricted pack: the priority's own unit. Wide circulation: the first of the unit, its
    directorate and the trust whose drawn months hold no count of 1-4 (a ward chart would
    reveal them); when even the trust's does, the trust's chart is drawn without counts
    (signal only), which `safe_series` reports as where = "" for the caller to say so."""
    units = [(p.unit_level, p.unit_id)]
    if m.wide:
        if p.unit_level == "location" and p.directorate:
            units.append(("directorate", p.directorate))
        if p.unit_level != "trust":
            units.append(("trust", "trust"))
    for level, unit in units:
        frame = series(m, p.theme_id, level, unit, source)
        if not m.wide or not frame["value"].is_between(1, 4).any():
            return frame, level
    return frame, ""


def _has_records(frame: pl.DataFrame) -> bool:
    return frame.height > 0 and frame["value"].sum() > 0


# --- summary -------------------------------------------------------------------------------

def top_priorities(m: Marts, priorities: list[Priority]) -> str:
    if not priorities:
        return missing("psirp_local_priorities")
    rows = []
    for p in priorities:
        frame, level = safe_series(m, p, "all")
        if not frame.height:
            spark = "–"
        elif not level:  # wide circulation, and even the trust has months of 1-4
            spark = '<span class="small">not shown: months of 1-4 records</span>'
        else:
            spark = charts.sparkline(frame["month"].to_list(), frame["value"].to_list(),
                                     f"{p.issue} at {p.unit_name}: records a month")
            if level != p.unit_level:
                spark += f'<div class="small">{escape(labels.UNIT_LEVELS[level])} trend</div>'
        rows.append({"rank": p.rank, "issue": f"{p.issue} — {p.where}",
                     "trend": spark, "evidence": evidence(p, m.wide),
                     "response": p.response})
    return table(rows, [("rank", "Rank"), ("issue", "Issue and where"),
                        ("trend", f"Records a month, last {CHART_MONTHS} months"),
                        ("evidence", "Recent records by source"),
                        ("response", "Proposed response")], html_columns=["trend"])


def national_this_quarter(m: Marts) -> str:
    if not m.has("psirp_national_requirements_summary"):
        return missing("psirp_national_requirements_summary")
    quarter = m.period.quarter_start
    rows = _measured(m.rows(
        f"select requirement_name, required_response, {NATIONAL_SUMS} "
        "from psirp_national_requirements_summary where quarter_start = ? "
        "and month_start <= ? group by all "
        "having sum(events) > 0 or bool_or(measurability <> 'measurable') "
        "order by requirement_name", [quarter, m.period.month]))
    end = add_months(quarter, 2)
    caption = (f"{quarter:%b}–{end:%b %Y}" + (f", to the end of {m.period.month:%B}"
                                              if end != m.period.month else ""))
    return table(rows, NATIONAL_COLUMNS, wide=m.wide, counts=["done", "outstanding",
                 "not_recorded"], row_total="events", caption=caption,
                 empty=f"No events met a national requirement in the quarter from "
                       f"{month(quarter)}, and every requirement could be measured.")


# The national-requirement tables: counts, and whether the exports can measure them at all
# (a requirement whose input field the export does not carry reads "not measurable", never 0).
NATIONAL_SUMS = (
    "sum(done)::int as done, sum(outstanding)::int as outstanding, "
    "sum(not_recorded)::int as not_recorded, sum(events)::int as events, "
    "bool_and(measurability = 'measurable') as measurable, "
    "bool_or(measurability = 'not_measurable') as not_measurable, "
    "string_agg(distinct measurability_gaps, '; ') as gaps")
NATIONAL_COLUMNS = [
    ("requirement_name", "Requirement"), ("required_response", "Required response"),
    ("done", "Done"), ("outstanding", "Outstanding"), ("not_recorded", "Response not recorded"),
    ("events", "Events"), ("measured", "Can the exports measure it?")]


def _measured(rows: list[dict]) -> list[dict]:
    """Rows with a `measured` sentence; a requirement that cannot be measured and has no
    events found shows no counts at all, so no 0 reads as "none"."""
    for r in rows:
        if r.pop("measurable"):
            r["measured"] = "yes"
        else:
            r["measured"] = ("not measurable: " if r["not_measurable"] else "partly: ") + \
                labels.fields_in_words(r["gaps"])
            if not r["events"]:
                r.update(done=None, outstanding=None, not_recorded=None, events=None)
        del r["not_measurable"], r["gaps"]
    return rows


def changes(m: Marts) -> str:
    """Records per source in the reporting month against the month before, and the theme
    charts that turned to special-cause concern in the reporting month."""
    if not m.has("theme_counts"):
        return missing("theme_counts")
    this, last = m.period.month, add_months(m.period.month, -1)
    rows = m.rows(
        "select source, sum(record_count) filter (where month = ?)::int as this_month, "
        "sum(record_count) filter (where month = ?)::int as last_month "
        "from theme_counts where source in (select unnest(?)) group by source "
        "order by source", [this, last, list(CHANGE_SOURCES)])
    not_sent = [s for s in CHANGE_SOURCES if m.source_state(s) == "not_sent"]
    rows = [r for r in rows if r["source"] not in not_sent]
    for r in rows:
        # A source whose exports end before the month counts 0 there by absence, not
        # because nothing happened: the row says where its records end.
        newest = m.newest_record(r["source"])
        r["source"] = labels.source(r["source"]) + (
            f" (records end {fmt(newest)})" if newest is not None and newest < this else "")
        r["this_month"], r["last_month"] = r["this_month"] or 0, r["last_month"] or 0
        r["change"] = f"{r['this_month'] - r['last_month']:+,}"
        if m.wide and (is_small(r["this_month"]) or is_small(r["last_month"])):
            r["change"] = "*"
    parts = [table(rows, [("source", "Source"), ("last_month", month(last)),
                          ("this_month", month(this)), ("change", "Change")],
                   wide=m.wide, counts=["last_month", "this_month"],
                   caption="Theme assignments per source (a record with two themes counts "
                           "twice)")]
    if not_sent:
        parts.append(note("Not sent by this trust, so not counted here (no figure says there "
                          "are none): " + ", ".join(labels.source(s) for s in not_sent) + "."))
    if m.has("theme_spc"):
        turned = m.rows(
            "with concern as (select theme_name, unit_level, unit_id, unit_name, source, "
            "month, point_type = 'special_cause_concern' as is_concern from theme_spc "
            "where unit_level <> 'trust' and source <> 'all' and month in (?, ?)) "
            "select theme_name, any_value(unit_level) as unit_level, unit_name, source "
            "from concern group by theme_name, unit_id, unit_name, source "
            "having bool_or(is_concern and month = ?) and not bool_or(is_concern and "
            "month = ?) order by theme_name, unit_name, source", [this, last, this, last])
        if turned:
            items = "".join(f"<li>{escape(t['theme_name'])} at {escape(t['unit_name'])}: "
                            f"{escape(labels.source(t['source']))}</li>"
                            for t in turned[:CONCERN_ITEMS])
            more = (f"<li>and {len(turned) - CONCERN_ITEMS} more (the SPC mart "
                    f"{code('theme_spc')} lists them)</li>" if len(turned) > CONCERN_ITEMS
                    else "")
            parts.append(f"<p>New special-cause concern in {month(this)}:</p>"
                         f'<ul class="compact">{items}{more}</ul>')
        else:
            parts.append(note(f"No theme chart turned to special-cause concern in "
                              f"{month(this)}."))
    return "".join(parts)


# --- PSIRP draft ---------------------------------------------------------------------------

def psirp(m: Marts, priorities: list[Priority]) -> str:
    first = add_months(m.period.quarter_start, -9)
    parts = ["<h3>National requirements</h3>",
             note(f"Events PSIRF requires a set response to (Never Events, maternity and "
                  f"neonatal events referred to MNSI, deaths more likely than not due to "
                  f"problems in care, ...) in the four quarters from {month(first)} to "
                  f"{month(m.period.month)}.")]
    if m.has("psirp_national_requirements_summary"):
        rows = _measured(m.rows(
            f"select requirement_name, required_response, {NATIONAL_SUMS} "
            "from psirp_national_requirements_summary where month_start between ? and ? "
            "group by all order by requirement_name", [first, m.period.month]))
        parts.append(table(rows, NATIONAL_COLUMNS, wide=m.wide,
                           counts=["done", "outstanding", "not_recorded"], row_total="events",
                           total_row=True))
    else:
        parts.append(missing("psirp_national_requirements_summary"))
    if not m.wide:
        parts.append(national_cases(m))
    parts.append("<h3>Local focus: proposed priorities</h3>")
    if not priorities:
        return "".join([*parts, missing("psirp_local_priorities")])
    rows = [{"rank": p.rank, "issue": p.issue, "where": p.where,
             "sources": labels.sources_list(p.sources_signalling),
             "rationale": rationale(p, m.wide), "response": p.response,
             "route": plain(p.improvement_route), "n": p.n_sources} for p in priorities]
    columns = [("rank", "Rank"), ("issue", "Issue"), ("where", "Where"),
               ("sources", "Sources signalling"), ("rationale", "Rationale and evidence"),
               ("response", "Proposed learning response"), ("route", "Improvement route")]
    several = [r for r in rows if r["n"] >= 2]
    single = [r for r in rows if r["n"] < 2]
    parts.append(table(several, columns, caption="Themes signalling in two or more sources",
                       empty="No theme signals in two or more sources."))
    if single:
        parts.append(details(f"Themes signalling in one source only ({len(single)})",
                             table(single, columns)))
    return "".join(parts)


def national_cases(m: Marts) -> str:
    """The cases behind this quarter's national requirements, collapsed (restricted only)."""
    if not m.has("psirp_national_requirements", case_level=True):
        return missing("psirp_national_requirements")
    start, end = m.period.quarter_start, m.period.months_back(1)[1]
    rows = m.rows(
        "select requirement_name, source, record_id, event_date, location_id, "
        "response_status from psirp_national_requirements where event_date between ? and ? "
        "order by event_date desc, record_id", [start, end], case_level=True)
    [(everything,)] = m.case_level.execute(
        "select count(*) from psirp_national_requirements").fetchall()
    for r in rows:
        r["source"] = labels.source(r["source"])
        r["location"] = m.location(r.pop("location_id"))
        r["response_status"] = labels.words(r["response_status"], labels.RESPONSE_STATUS)
    body = table(rows, [("requirement_name", "Requirement"), ("source", "Source"),
                        ("record_id", "Record"), ("event_date", "Date"),
                        ("location", "Location"), ("response_status", "Response")],
                 empty="None this quarter.")
    summary = (f"Cases behind the national requirements this quarter ({len(rows)} of "
               f"{everything:,} in the case-level file; restricted)")
    return details(summary, body + f'<p class="note">The full list is '
                   f"{code('psirp_national_requirements')} in the case-level file "
                   "(<code>triangulate query --case-level</code>).</p>")


# --- SPC charts ----------------------------------------------------------------------------

def spc(m: Marts, priorities: list[Priority]) -> str:
    if not priorities:
        return missing("psirp_local_priorities")
    if not m.has("theme_spc"):
        return missing("theme_spc")
    parts = [note("Each chart counts records a month, so there is no target and no assurance "
                  "icon; improvement means fewer records. Rare-event series (fewer than one "
                  "record a month on average, or mostly empty months) are drawn without "
                  "limits or special-cause colours: on such counts an XmR chart would call "
                  "every quiet spell an improvement."
                  + (" For wide circulation a ward's chart is replaced by its directorate's "
                     "or the trust's wherever it would show a month of 1-4 records."
                     if m.wide else ""))]
    for p in priorities:
        parts.append(f'<div class="priority"><h3>{p.rank}. {escape(p.issue)} at '
                     f"{escape(p.where)}</h3>")
        drawn = 0
        for source in (*SIGNAL_SOURCES, "all"):
            frame, level = safe_series(m, p, source)
            if not _has_records(frame):
                continue
            drawn += 1
            parts.append(_spc_figure(m, p, source, frame, level))
        if not drawn:
            parts.append(note("No records of this theme here in the last "
                              f"{CHART_MONTHS} months."))
        parts.append("</div>")
    return "".join(parts)


def _spc_figure(m: Marts, p: Priority, source: str, frame: pl.DataFrame, level: str) -> str:
    rare = frame["spc_method"][-1] == "rare_event"
    unit_name = frame["unit_name"][-1] if level else "Whole trust"
    title = f"{p.issue}, {unit_name}: {labels.source(source)}"
    if frame["mean"].is_null().all():
        caption = "Too few months for limits (fewer than the minimum for an SPC chart)."
        rare = True
    else:
        caption = _variation(frame, rare, counts_shown=bool(level))
    body = (charts.spc_chart(frame, title, rare=rare) if level
            else charts.signal_strip(frame.with_columns(
                pl.lit("common_cause").alias("point_type")) if rare else frame, title))
    if level != p.unit_level:
        caption += (f" Shown for the {labels.UNIT_LEVELS[level]}: the ward's chart would show "
                    "months of 1-4 records." if level else
                    " Counts hidden (signal only): even the whole trust has months of 1-4 "
                    "records.")
    figure = f'<figure class="chart">{body}<figcaption>{escape(caption)}</figcaption></figure>'
    if rare and level == p.unit_level and m.case_level is not None:
        figure += _t_chart_figure(m, p, source, unit_name)
    return figure


def _t_chart_figure(m: Marts, p: Priority, source: str, unit_name: str) -> str:
    """Restricted pack only (it reads event dates from the case-level file): the rare-event
    series as days between its records, a T chart (pipelines.spc.rare_events.t_chart)."""
    if not m.has("record_themes", case_level=True):
        return ""
    unit = {"location": "location_id = ?", "directorate": "directorate = ?",
            "trust": "? = 'trust'"}[p.unit_level]
    sources = "source in ('incidents', 'complaints', 'fft', 'inquests', 'sjr', 'claims')" \
        if source == "all" else "source = ?"
    dates = [r[0] for r in m.case_level.execute(
        f"select record_date from record_themes where theme_id = ? and {unit} and {sources} "
        "and record_date <= ? and record_date is not null order by record_date",
        [p.theme_id, p.unit_id, *([] if source == "all" else [source]),
         m.period.months_back(1)[1]]).fetchall()]
    if len(dates) < T_MIN_RECORDS:
        return ""
    chart = t_chart(dates).rename({"date": "month", "days": "value"})
    title = f"{p.issue}, {unit_name}: {labels.source(source)}, days between records"
    judged = chart["upl"].is_not_null().any()
    body = charts.spc_chart(chart, title, rare=not judged,
                            y_title="Days between", time_axis="date",
                            height=100)
    caption = (f"T chart of the {chart.height} gaps between {len(dates)} records (restricted: "
               "from their dates). Shorter gaps than chance explains are special-cause "
               "concern." if judged else
               f"The {chart.height} gaps between {len(dates)} records (restricted: from their "
               f"dates); limits need {T_MIN_POINTS} gaps or more.")
    return f'<figure class="chart">{body}<figcaption>{escape(caption)}</figcaption></figure>'


def _variation(frame: pl.DataFrame, rare: bool, counts_shown: bool = True) -> str:
    if rare and not counts_shown:  # a signal-only chart: no figure that hints at counts
        return "Too sparse for an XmR chart: drawn without special-cause colours."
    if rare:
        empty = int((frame["value"] == 0).sum())
        return (f"Too sparse for an XmR chart (mean {frame['mean'][-1]:.2f} records a month "
                f"over the series; {empty} of the {frame.height} months shown have none): "
                "drawn without limits or special-cause colours.")
    return charts.VARIATION_LABELS.get(frame["variation_icon"][-1],
                                       "Variation: no judgement") + "."


# --- Heatmap -------------------------------------------------------------------------------

def heatmap(m: Marts) -> str:
    if not m.has("triangulation"):
        return missing("triangulation")
    rows = m.rows("select unit_name as location, theme_name as theme, "
                  "n_sources_signalling as n from triangulation "
                  "where unit_level = 'location' and n_sources_signalling > 0")
    if not rows:
        return note("No theme signals in any ward or department in the recent window.")
    frame = pl.DataFrame(rows)
    agreed = frame.filter(pl.col("n") >= 2)
    single = frame.height - agreed.height
    if agreed.is_empty():
        return note(f"No ward or department has a theme signalling in two or more sources "
                    f"({single} single-source signals).")
    locations = agreed["location"].unique().to_list()
    themes = agreed["theme"].unique().to_list()
    shown = frame.filter(pl.col("location").is_in(locations) & pl.col("theme").is_in(themes))
    row_order = (shown.group_by("location").agg(pl.col("n").sum()).sort(["n", "location"],
                 descending=[True, False])["location"].to_list())
    col_order = (shown.group_by("theme").agg(pl.col("n").sum()).sort(["n", "theme"],
                 descending=[True, False])["theme"].to_list())
    shown = shown.with_columns(
        pl.col("location").replace_strict({k: i for i, k in enumerate(row_order)},
                                          return_dtype=pl.Int64).alias("row_order"),
        pl.col("theme").replace_strict({k: i for i, k in enumerate(col_order)},
                                       return_dtype=pl.Int64).alias("column_order"))
    return ('<figure class="chart">'
            + charts.heatmap(shown, "Sources signalling, by ward or department and theme")
            + "<figcaption>"
            + escape(f"Wards and themes where two or more sources agree; their single-source "
                     f"signals are shown too. {single} signals in one source only, elsewhere, "
                     "are left out (the mart ") + code("triangulation") + ")."
            + "</figcaption></figure>")
