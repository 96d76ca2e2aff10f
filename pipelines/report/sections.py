"""One function per section of the insight pack: each reads the published marts and returns HTML.

A table missing from the published files (an older refresh, or a mart still on its way) gives
a clear "not available in this refresh" note instead of failing the whole pack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.publishing import CASE_LEVEL, MARTS
from pipelines.lib.suppression import is_small
from pipelines.report import charts
from pipelines.report.html import fmt, missing, note, table

SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr")


@dataclass
class Marts:
    """Read-only connections to the published marts and (if present) case-level files."""

    marts: duckdb.DuckDBPyConnection
    case_level: duckdb.DuckDBPyConnection | None
    wide: bool

    @classmethod
    def open(cls, marts_dir: Path, wide: bool) -> Marts:
        marts = duckdb.connect(str(marts_dir / MARTS.file), read_only=True)
        case_file = marts_dir / CASE_LEVEL.file
        # Wide circulation never opens the case-level file: no record ids can leak into it.
        case = (duckdb.connect(str(case_file), read_only=True)
                if case_file.exists() and not wide else None)
        return cls(marts, case, wide)

    def close(self) -> None:
        self.marts.close()
        if self.case_level is not None:
            self.case_level.close()

    def has(self, name: str, case_level: bool = False) -> bool:
        con = self.case_level if case_level else self.marts
        if con is None:
            return False
        return bool(con.execute("select count(*) from information_schema.tables "
                                "where table_name = ?", [name]).fetchone()[0])

    def rows(self, sql: str, params=None, case_level: bool = False) -> list[dict]:
        con = self.case_level if case_level else self.marts
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def frame(self, sql: str, params=None) -> pl.DataFrame:
        return self.marts.execute(sql, params or []).pl()


def _generic_table(rows: list[dict], m: Marts, hide: tuple[str, ...] = ()) -> str:
    if not rows:
        return note("No rows.")
    columns = [(k, k.replace("_", " ")) for k in rows[0] if k not in hide]
    counts = [k for k, _ in columns
              if k.endswith(("_count", "count", "_n", "n_records")) or k.startswith("n_")]
    return table(rows, columns, wide=m.wide, counts=counts)


# A record count of 1-4 in a rationale sentence ("3 records in ...", "2 of them serious").
SMALL_COUNT_IN_TEXT = re.compile(r"(?<![-\d])\b([1-4]) (records?|of them)\b")


# --- PSIRP draft ---------------------------------------------------------------------------

def psirp(m: Marts) -> str:
    parts = ["<h3>National requirements</h3>",
             note("Events PSIRF requires a set response to (for example Never Events, "
                  "maternity and neonatal events referred to MNSI, deaths thought more likely "
                  "than not due to problems in care), over the last four quarters.")]
    if m.has("psirp_national_requirements_summary"):
        rows = m.rows(
            "select requirement_name, required_response, "
            "sum(done)::int as done, sum(outstanding)::int as outstanding, "
            "sum(not_recorded)::int as not_recorded, sum(events)::int as events "
            "from psirp_national_requirements_summary "
            "where quarter_start > (select max(quarter_start) from "
            "psirp_national_requirements_summary) - interval 12 month "
            "group by all order by requirement_name")
        parts.append(table(rows, [
            ("requirement_name", "Requirement"), ("required_response", "Required response"),
            ("done", "Done"), ("outstanding", "Outstanding"),
            ("not_recorded", "Response not recorded"), ("events", "Events")],
            wide=m.wide, counts=["done", "outstanding", "not_recorded"], row_total="events",
            total_row=True))
    else:
        parts.append(missing("psirp_national_requirements_summary"))
    if not m.wide:
        parts.append("<h4>Cases behind the national requirements (restricted)</h4>")
        if m.has("psirp_national_requirements", case_level=True):
            parts.append(_generic_table(m.rows(
                "select requirement_name, source, record_id, event_date, location_id, "
                "required_response, response_status from psirp_national_requirements "
                "order by event_date desc", case_level=True), m))
        else:
            parts.append(missing("psirp_national_requirements"))
    parts.append("<h3>Local focus: proposed priorities</h3>")
    if not m.has("psirp_local_priorities"):
        return "".join([*parts, missing("psirp_local_priorities")])
    rows = m.rows("select * from psirp_local_priorities order by priority_rank, issue")
    for r in rows:
        if m.wide:  # the rationale quotes record counts: hide the small ones there too
            r["rationale"] = SMALL_COUNT_IN_TEXT.sub(r"* \2", r["rationale"])
        r["where"] = f"{r['concentrated_at']} ({r['concentrated_at_level']})"
        r["evidence"] = _evidence(r, m.wide)
    parts.append(table(rows, [
        ("priority_rank", "Rank"), ("issue", "Issue"), ("where", "Where"),
        ("sources_signalling", "Sources signalling"), ("evidence", "Evidence"),
        ("rationale", "Rationale"), ("proposed_learning_response", "Proposed learning response"),
        ("anticipated_improvement_route", "Improvement route")]))
    return "".join(parts)


def _evidence(r: dict, wide: bool) -> str:
    bits = []
    for source in SOURCES:
        count = r.get(f"{source}_recent_count")
        if not count:
            continue
        shown = "*" if wide and is_small(count) else str(count)
        ratio = r.get(f"{source}_rate_ratio")
        rate = f", {ratio:.1f}x baseline" if ratio is not None else ""
        bits.append(f"{source} {shown}{rate}")
    text = "Recent records: " + "; ".join(bits) if bits else "No recent records"
    if r.get("spc_concern_sources"):
        text += f". SPC special-cause concern in: {r['spc_concern_sources']}"
    return text + "."


# --- SPC charts ----------------------------------------------------------------------------

def spc(m: Marts, top_n: int) -> str:
    if not m.has("psirp_local_priorities"):
        return missing("psirp_local_priorities")
    if not m.has("theme_spc"):
        return missing("theme_spc")
    priorities = m.rows("select * from psirp_local_priorities order by priority_rank, issue "
                        "limit ?", [top_n])
    parts = [note("Assurance: these charts count records, which have no target, so no "
                  "assurance icon is shown (only the variation icon). Improvement = fewer "
                  "records. A lower limit below zero is drawn at zero.")]
    for p in priorities:
        parts.append(f'<div class="priority"><h3>{p["priority_rank"]}. {escape(p["issue"])} '
                     f'at {escape(p["concentrated_at"])}</h3>')
        level, unit = p["concentrated_at_level"], p["concentrated_at_id"]
        series = m.frame(
            "select source, month, record_count as value, mean, lpl, upl, point_type, "
            "variation_icon from theme_spc where theme_id = ? and unit_level = ? "
            "and unit_id = ? order by source, month", [p["theme_id"], level, unit])
        sources = [s for s in (*SOURCES, "all")
                   if s in series["source"].unique().to_list()
                   and series.filter(pl.col("source") == s)["value"].sum() > 0]
        if not sources:
            parts.append(note("No SPC series for this unit."))
        for source in sources:
            frame = series.filter(pl.col("source") == source)
            label = "all sources" if source == "all" else source
            title = f"{p['issue']}, {p['concentrated_at']}: {label}"
            icon = frame["variation_icon"][-1]
            badges = (f'<div class="badges">{charts.variation_badge(icon)}'
                      f"{charts.assurance_badge(None)}</div>")
            if m.wide and frame["value"].is_between(1, 4).any():
                body = note(f"{title}: chart withheld for wide circulation, because some "
                            "months hold 1-4 records. See the restricted pack.")
            else:
                body = charts.spc_chart_svg(frame, title)
            parts.append(f'<figure class="chart">{body}{badges}</figure>')
        parts.append("</div>")
    return "".join(parts)


# --- Heatmap -------------------------------------------------------------------------------

def heatmap(m: Marts) -> str:
    if not m.has("triangulation"):
        return missing("triangulation")
    rows = m.rows("select unit_name, theme_name, n_sources_signalling from triangulation "
                  "where unit_level = 'location' and n_sources_signalling > 0")
    if not rows:
        return note("No theme signals in any ward or department in the recent window.")
    values = {(r["unit_name"], r["theme_name"]): r["n_sources_signalling"] for r in rows}
    by_location: dict[str, int] = {}
    by_theme: dict[str, int] = {}
    for (loc, theme), n in values.items():
        by_location[loc] = by_location.get(loc, 0) + n
        by_theme[theme] = by_theme.get(theme, 0) + n
    locs = sorted(by_location, key=lambda k: (-by_location[k], k))
    themes = sorted(by_theme, key=lambda k: (-by_theme[k], k))
    return ('<figure class="chart">'
            + charts.heatmap_svg(locs, themes, values,
                                 "Sources signalling, by location and theme")
            + "</figure>")


# --- Operational ---------------------------------------------------------------------------

def fft(m: Marts) -> str:
    if not m.has("fft_experience"):
        return missing("fft_experience")
    rows = m.rows(
        "select month, setting, sum(response_count) as responses, "
        "sum(very_good_count + good_count) as positive from fft_experience "
        "group by all order by setting, month")
    series: dict[str, list] = {}
    for r in rows:
        suppressed = m.wide and r["responses"] < 5
        pct = None if suppressed or not r["responses"] else 100 * r["positive"] / r["responses"]
        series.setdefault(r["setting"], []).append((r["month"], pct))
    latest = m.rows(
        "select setting, sum(response_count) as responses, "
        "round(100 * sum(very_good_count + good_count) / sum(response_count), 1) as pct_pos, "
        "round(100 * sum(poor_count + very_poor_count) / sum(response_count), 1) as pct_neg "
        "from fft_experience where month = (select max(month) from fft_experience) "
        "group by setting order by setting")
    if m.wide:
        for r in latest:
            if is_small(r["responses"]):
                r["pct_pos"] = r["pct_neg"] = "*"
    return ('<figure class="chart">'
            + charts.line_chart_svg(series, "FFT: % positive by setting, by month")
            + "</figure>"
            + table(latest, [("setting", "Setting"), ("responses", "Responses"),
                             ("pct_pos", "% positive"), ("pct_neg", "% negative")],
                    wide=m.wide, counts=["responses"], caption="Latest month"))


def complaints(m: Marts) -> str:
    if not m.has("complaints_performance"):
        return missing("complaints_performance")
    rows = m.rows(
        "with last12 as (select * from complaints_performance where month > "
        "(select max(month) from complaints_performance) - interval 12 month), "
        "latest as (select directorate, sum(open_at_month_end_count) as open_now, "
        "sum(open_over_six_months_count) as open_6m from complaints_performance "
        "where month = (select max(month) from complaints_performance) group by all) "
        "select l.directorate, sum(received_count)::int as received, "
        "sum(acknowledged_within_3_working_days_count)::int as ack3, "
        "sum(closed_count)::int as closed, sum(closed_by_due_date_count)::int as closed_due, "
        "sum(upheld_count + partially_upheld_count)::int as upheld, "
        "sum(phso_referred_count)::int as phso, any_value(o.open_now)::int as open_now, "
        "any_value(o.open_6m)::int as open_6m "
        "from last12 l left join latest o using (directorate) group by l.directorate "
        "order by l.directorate")
    counts = ["received", "ack3", "closed", "closed_due", "upheld", "phso", "open_now",
              "open_6m"]
    return table(rows, [("directorate", "Directorate"), ("received", "Received"),
                        ("ack3", "Acknowledged in 3 working days"), ("closed", "Closed"),
                        ("closed_due", "Closed by agreed date"),
                        ("upheld", "Upheld or partly upheld"), ("phso", "Referred to PHSO"),
                        ("open_now", "Open at latest month end"),
                        ("open_6m", "Open over six months")],
                 wide=m.wide, counts=counts, total_row=True,
                 caption="Last 12 months, by directorate")


def deaths(m: Marts) -> str:
    if not m.has("learning_from_deaths"):
        return missing("learning_from_deaths")
    rows = m.rows(
        "select strftime(quarter_start, '%Y-%m') || ' (' || financial_year || ' Q' || "
        "financial_quarter || ')' as quarter, sum(reviews_count)::int as reviews, "
        "sum(overall_poor_care_count)::int as poor, "
        "sum(more_likely_than_not_avoidable_count)::int as avoidable, "
        "sum(leder_referral_count)::int as leder, "
        "sum(second_stage_review_count)::int as second_stage "
        "from learning_from_deaths group by all order by quarter desc limit 8")
    return table(rows, [("quarter", "Quarter of death"), ("reviews", "SJRs done"),
                        ("poor", "Overall care poor or very poor"),
                        ("avoidable", "More likely than not due to problems in care"),
                        ("leder", "LeDeR referrals"), ("second_stage", "Second-stage reviews")],
                 wide=m.wide, counts=["reviews", "poor", "avoidable", "leder", "second_stage"],
                 total_row=True, caption="Trust, last 8 quarters")


def pfd(m: Marts) -> str:
    if m.wide:
        return note("The PFD response tracker is held in the case-level file and is shown "
                    "only in the restricted pack (patient safety team).")
    if not m.has("pfd_tracker", case_level=True):
        return missing("pfd_tracker")
    counts = m.rows("select pfd_status as status, count(*)::int as reports from pfd_tracker "
                    "group by all order by status", case_level=True)
    cases = m.rows("select inquest_id, directorate, location_name, theme_names, pfd_date, "
                   "response_due_date, response_sent_date, pfd_status, days_overdue "
                   "from pfd_tracker order by response_due_date", case_level=True)
    return (table(counts, [("status", "Status"), ("reports", "Reports")], counts=["reports"],
                  total_row=True, caption="Reports by response status")
            + table(cases, [(k, k.replace("_", " ")) for k in cases[0]] if cases else [],
                    caption="Each report (restricted)", empty="No PFD reports."))


def audits(m: Marts) -> str:
    parts = ["<h3>Audit programme</h3>"]
    if m.has("audit_programme"):
        status = m.rows("select audit_status as status, count(*)::int as audits, "
                        "sum(actions_overdue_count)::int as overdue_actions, "
                        "count(*) filter (where is_reaudit_overdue)::int as reaudit_overdue "
                        "from audit_programme group by all order by status")
        parts.append(table(status, [("status", "Status"), ("audits", "Audits"),
                                    ("overdue_actions", "Overdue actions"),
                                    ("reaudit_overdue", "Re-audits overdue")],
                           counts=["audits", "overdue_actions", "reaudit_overdue"],
                           total_row=True))
        listing = m.rows("select audit_id, audit_title, directorate, audit_status, rag_rating, "
                         "round(weighted_compliance_pct, 1) as compliance, actions_open_count, "
                         "actions_overdue_count, reaudit_due_date, is_reaudit_overdue "
                         "from audit_programme order by actions_overdue_count desc, audit_id")
        parts.append(table(listing, [
            ("audit_id", "Audit"), ("audit_title", "Title"), ("directorate", "Directorate"),
            ("audit_status", "Status"), ("rag_rating", "RAG"), ("compliance", "Compliance %"),
            ("actions_open_count", "Actions open"), ("actions_overdue_count", "Overdue"),
            ("reaudit_due_date", "Re-audit due"), ("is_reaudit_overdue", "Re-audit overdue")]))
    else:
        parts.append(missing("audit_programme"))
    parts.append("<h3>Audit priorities</h3>")
    if m.has("audit_priorities"):
        rows = m.rows("select * from audit_priorities order by audit_priority_rank")
        parts.append(table(rows, [
            ("audit_priority_rank", "Rank"), ("theme_name", "Theme"),
            ("directorate", "Directorate"), ("sources_signalling", "Sources signalling"),
            ("coverage_gaps", "Coverage gaps"), ("recommended_audit", "Recommended audit"),
            ("guidance", "Guidance"), ("rationale", "Rationale")]))
    else:
        parts.append(missing("audit_priorities"))
    return "".join(parts)


# --- Data quality --------------------------------------------------------------------------

def _mart_table(m: Marts, mart: str, sql: str, columns: list[tuple[str, str]],
                **options) -> str:
    """The rows `sql` reads from `mart` as a table, or a note that the mart is missing."""
    if not m.has(mart):
        return missing(mart)
    return table(m.rows(sql), columns, wide=m.wide, **options)


def data_quality(m: Marts) -> str:
    parts = [
        "<h3>Rows loaded and rejected per source</h3>",
        _mart_table(m, "load_summary",
                    "select source, sum(rows_read)::int as read, "
                    "sum(rows_loaded)::int as loaded, sum(rows_rejected)::int as rejected "
                    "from load_summary group by all order by source",
                    [("source", "Source"), ("read", "Rows read"), ("loaded", "Loaded"),
                     ("rejected", "Rejected")],
                    counts=["loaded", "rejected"], row_total="read"),
        "<h3>Why rows were rejected</h3>",
        _mart_table(m, "rejected_rows",
                    "select source, column_name, reason, count(*)::int as rows "
                    "from rejected_rows group by all order by source, rows desc",
                    [("source", "Source"), ("column_name", "Column"), ("reason", "Reason"),
                     ("rows", "Rows")],
                    counts=["rows"], empty="No rows were rejected."),
        "<h3>Native codes that map to no theme (top 20)</h3>",
        _mart_table(m, "unmapped_codes",
                    "select source, code_field, native_code, n_records, last_seen_date "
                    "from unmapped_codes order by n_records desc, source limit 20",
                    [("source", "Source"), ("code_field", "Code field"),
                     ("native_code", "Code"), ("n_records", "Records"),
                     ("last_seen_date", "Last seen")],
                    counts=["n_records"], empty="Every code maps."),
        "<h3>Location spellings not yet in the location reference</h3>",
        _mart_table(m, "unresolved_locations",
                    "select source, location_raw, n_records, last_seen_date "
                    "from unresolved_locations order by n_records desc, source",
                    [("source", "Source"), ("location_raw", "As exported"),
                     ("n_records", "Records"), ("last_seen_date", "Last seen")],
                    counts=["n_records"], empty="Every location resolves."),
    ]
    parts.append("<h3>Source freshness</h3>")
    if m.has("theme_counts"):
        rows = m.rows("select source, max(month) as latest_month, min(month) as first_month "
                      "from theme_counts group by all order by source")
        for r in rows:
            r["latest_month"] = r["latest_month"].strftime("%b %Y")
            r["first_month"] = r["first_month"].strftime("%b %Y")
        parts.append(note("Latest month with a themed record in each source: a source that "
                          "stops short of the others has probably not been exported."))
        parts.append(table(rows, [("source", "Source"), ("first_month", "First month"),
                                  ("latest_month", "Latest month")]))
    else:
        parts.append(missing("theme_counts"))
    return "".join(parts)


def published_at(m: Marts) -> str:
    if m.has("refresh_info"):
        rows = m.rows("select max(published_at) as at from refresh_info")
        if rows and rows[0]["at"] is not None:
            return fmt(rows[0]["at"].replace(microsecond=0))
    return "unknown"
