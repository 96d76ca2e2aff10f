"""The pack's data-quality section and the warnings its summary page lists."""

from __future__ import annotations

from html import escape

from pipelines.lib.profile import DEFAULT_STALE_AFTER_DAYS
from pipelines.lib.suppression import is_small
from pipelines.report import labels
from pipelines.report.html import code, details, fmt, missing, note, table
from pipelines.report.marts import Marts

# Data-quality marts summed for the summary page: (mart, two sums, sentence when the first
# is not zero).
COUNTED_WARNINGS = [
    ("load_summary", "select sum(rows_rejected), sum(rows_read) from load_summary",
     "{0} of {1} exported rows were rejected and are left out of every figure (Data "
     "quality lists why)."),
    ("unmapped_codes", "select count(*), sum(n_records_without_theme) from unmapped_codes",
     "{0} native codes map to no theme yet, on {1} records no other code or rule "
     "themes."),
    ("unresolved_locations", "select count(*), sum(n_records) from unresolved_locations",
     "{0} location spellings ({1} records) are not in the location reference, so those "
     "records count only trust-wide."),
    ("theme_coverage", "select sum(recent_records_without_theme), sum(recent_records) "
     "from theme_coverage",
     "{0} of {1} recent incidents, complaints, inquests and SJRs have no theme at all, so "
     "they count in no signal (Data quality says which source)."),
    ("withheld_values", "select count(*), sum(n_records) from withheld_values",
     "{0} typed values ({1} records) are withheld because they could name someone; the "
     "patient safety team sees them in the case-level file."),
    ("identifier_redactions", "select sum(n_cells), count(*) from identifier_redactions",
     "{0} published cells looked like a patient identifier and were redacted (in {1} "
     "table columns: see identifier_redactions)."),
]


def warnings(m: Marts) -> list[str]:
    """One sentence (HTML) per data-quality problem a committee should know of first; in the
    wide-circulation pack a count of 1-4 reads "fewer than 5", as in its tables."""
    def count(n) -> str:
        return "fewer than 5" if m.wide and is_small(n) else f"{n:,}"

    out = []
    for mart, sql, sentence in COUNTED_WARNINGS:
        if m.has(mart):
            [(first, second)] = m.marts.execute(sql).fetchall()
            if first:
                out.append(sentence.format(count(int(first)), count(int(second or 0))))
    if m.has("source_freshness"):
        # Optional inputs (national PFD reports, activity) not sent are no warning.
        for r in m.rows("select source, state, is_expected, newest_record_date "
                        "from source_freshness where state <> 'ok' and source in "
                        "(select unnest(?)) order by source", [list(DEFAULT_STALE_AFTER_DAYS)]):
            out.append(f"{labels.source(r['source'])}: " + (
                "not sent by this trust (the trust profile does not expect it), so every "
                "figure leaves it out." if r["state"] == "not_sent" else
                f"{labels.words(r['state'])} at the last refresh (newest record "
                f"{fmt(r['newest_record_date'])})."))
    if m.has("psirp_national_requirements_summary"):
        for r in m.rows("select requirement_name, measurability_gaps "
                        "from psirp_national_requirements_summary where month_start = ? "
                        "and measurability <> 'measurable' order by requirement_name",
                        [m.period.month]):
            out.append(f"{escape(r['requirement_name'])}: cannot be fully measured this "
                       f"quarter ({escape(labels.fields_in_words(r['measurability_gaps']))}).")
    for mart in ("coding_quality", "field_coverage"):
        if not m.has(mart):
            out.append(f"{code(mart)} is not published in this refresh.")
    return out


# Columns holding codes (canonical field and table names, verdicts): shown in words.
CODE_COLUMNS = ("entity", "field", "state")


def _mart_table(m: Marts, mart: str, sql: str, columns: list[tuple[str, str]],
                **options) -> str:
    """The rows `sql` reads from `mart` as a table, or a note that the mart is missing."""
    if not m.has(mart):
        return missing(mart)
    rows = m.rows(sql)
    for r in rows:
        if "source" in r:
            r["source"] = labels.source(r["source"])
        for key in CODE_COLUMNS:
            if key in r:
                r[key] = labels.words(r[key])
    return table(rows, columns, wide=m.wide, **options)


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
    ]
    # Reasons quote the rejected value, which staff typed: the wide pack gives column only.
    reason = ("'see the restricted pack'" if m.wide else
              "case when reason like 'exact duplicate of%' then 'exact duplicate of an "
              "earlier row' else reason end")
    parts.append(details("Why rows were rejected", _mart_table(
        m, "rejected_rows",
        f"select source, coalesce(column_name, '–') as column_name, {reason} as reason, "
        "count(*)::int as rows from rejected_rows group by all "
        "order by source, rows desc, column_name, reason",
        [("source", "Source"), ("column_name", "Column"), ("reason", "Reason"),
         ("rows", "Rows")], counts=["rows"], empty="No rows were rejected.")))
    flagged = _mart_table(m, "flagged_rows",
                          "select source, column_name, reason, count(*)::int as rows "
                          "from flagged_rows group by all "
                          "order by source, rows desc, column_name, reason",
                          [("source", "Source"), ("column_name", "Column"),
                           ("reason", "Warning"), ("rows", "Rows")],
                          counts=["rows"], empty="No row loaded was flagged.")
    parts.append(details("Rows loaded with a warning (check them in the source system)",
                         flagged))
    unmapped = _mart_table(m, "unmapped_codes",
                           "select source, code_field, native_code, n_records_without_theme, "
                           "n_recent_records_without_theme, last_seen_date "
                           "from unmapped_codes "
                           "order by priority_rank, source, code_field, native_code, value_ref",
                           [("source", "Source"), ("code_field", "Code field"),
                            ("native_code", "Code as exported"),
                            ("n_records_without_theme", "Records without a theme"),
                            ("n_recent_records_without_theme", "Of them recent"),
                            ("last_seen_date", "Last seen")],
                           counts=["n_records_without_theme",
                                   "n_recent_records_without_theme"],
                           empty="Every code that matters maps.")
    parts.append(details("Native codes that map to no theme", unmapped))
    unresolved = _mart_table(m, "unresolved_locations",
                             "select source, location_raw, n_records, last_seen_date "
                             "from unresolved_locations "
                             "order by priority_rank, source, location_raw, value_ref",
                             [("source", "Source"), ("location_raw", "As exported"),
                              ("n_records", "Records"), ("last_seen_date", "Last seen")],
                             counts=["n_records"], empty="Every location resolves.")
    parts.append(details("Location spellings not yet in the location reference", unresolved))
    parts.append("<h3>Sources</h3>")
    parts.append(_mart_table(
        m, "source_freshness",
        "select source, is_expected, files, rows_loaded, newest_record_date, days_old, "
        "stale_after_days, state from source_freshness order by source",
        [("source", "Source"), ("is_expected", "Expected"), ("files", "Files"),
         ("rows_loaded", "Rows loaded"), ("newest_record_date", "Newest record"),
         ("days_old", "Days old at refresh"), ("stale_after_days", "Stale after (days)"),
         ("state", "Verdict")]))
    parts.append("<h3>Records with no theme</h3>")
    parts.append(_mart_table(
        m, "theme_coverage",
        "select source, records, records_without_theme, pct_without_theme, recent_records, "
        "recent_records_without_theme from theme_coverage order by source",
        [("source", "Source"), ("records", "Records"),
         ("records_without_theme", "Without a theme"), ("pct_without_theme", "%"),
         ("recent_records", "Recent records"),
         ("recent_records_without_theme", "Recent, without a theme")]))
    parts.append("<h3>How well narratives are themed</h3>")
    if m.has("coding_quality"):
        parts.append(note("Measured each night on this trust's incidents, complaints and SJRs "
                          "filed under a specific code: each is themed from its text by a "
                          "classifier that has not seen it, and compared with its code."))
        parts.append(details("Precision and recall per theme", _mart_table(
            m, "coding_quality",
            "select case method when 'narrative_model' then 'Narrative classifier' "
            "else 'Keyword rules' end as method_name, theme_name, records_evaluated, "
            "precision, recall, records_themed from coding_quality "
            "order by theme_name, method_name",
            [("method_name", "Method"), ("theme_name", "Theme"),
             ("records_evaluated", "Records evaluated"), ("precision", "Precision"),
             ("recall", "Recall"), ("records_themed", "Generic-coded records themed")])))
    else:
        parts.append(missing("coding_quality"))
    parts.append("<h3>Fields the exports do not carry</h3>")
    parts.append(_mart_table(
        m, "field_coverage",
        "select source, entity, field, files_carrying, files, pct_filled from field_coverage "
        "where not is_mapped or pct_filled < 50 order by source, entity, field",
        [("source", "Source"), ("entity", "Table"), ("field", "Field"),
         ("files_carrying", "Files carrying it"), ("files", "Files"),
         ("pct_filled", "% of rows filled")],
        empty="Every field is carried and at least half filled."))
    return "".join(parts)


def published_at(m: Marts) -> str:
    if m.has("refresh_info"):
        rows = m.rows("select max(published_at) as at from refresh_info")
        if rows and rows[0]["at"] is not None:
            return fmt(rows[0]["at"].replace(microsecond=0))
    return "unknown"
