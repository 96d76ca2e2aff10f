"""The pack's data-quality section and the warnings its summary page lists."""

from __future__ import annotations

from html import escape

from pipelines.lib.reporting_period import PERIOD_SOURCES
from pipelines.report import labels
from pipelines.report.html import code, details, fmt, missing, month, note, table
from pipelines.report.marts import Marts
from pipelines.report.priorities import SIGNAL_SOURCES

# Quality marts other stages publish (the coder's coding_quality, the loader's
# field_coverage): shown here as they come, each as its own table, when present.
OTHER_QUALITY_MARTS = {
    "coding_quality": "How well records are coded to themes",
    "field_coverage": "How completely each source fills its fields",
}
# A source whose latest month is this many months before the reporting month is flagged
# (inquests and SJRs come in slowly, so they get more slack).
STALE_AFTER = {source: 1 for source in PERIOD_SOURCES} | {"inquests": 4, "sjr": 3}


# Data-quality marts summed for the summary page: (mart, two sums, sentence when the first
# is not zero).
COUNTED_WARNINGS = [
    ("load_summary", "select sum(rows_rejected), sum(rows_read) from load_summary",
     "{0:,} of {1:,} exported rows were rejected and are left out of every figure (Data "
     "quality lists why)."),
    ("unmapped_codes", "select count(*), sum(n_records) from unmapped_codes",
     "{0:,} native codes ({1:,} records) map to no theme yet."),
    ("unresolved_locations", "select count(*), sum(n_records) from unresolved_locations",
     "{0:,} location spellings ({1:,} records) are not in the location reference, so those "
     "records count only trust-wide."),
]


def warnings(m: Marts) -> list[str]:
    """One sentence (HTML) per data-quality problem a committee should know of first."""
    out = []
    for mart, sql, sentence in COUNTED_WARNINGS:
        if m.has(mart):
            [(first, second)] = m.marts.execute(sql).fetchall()
            if first:
                out.append(sentence.format(int(first), int(second or 0)))
    present = dict(_latest_months(m))
    for source in SIGNAL_SOURCES:
        if source not in present:
            out.append(f"{labels.source(source)}: no records up to the reporting month; the "
                       f"export folder is missing or empty, so every figure leaves it out.")
    for source, latest in present.items():
        behind = (m.period.month.year - latest.year) * 12 + m.period.month.month - latest.month
        if behind >= STALE_AFTER.get(source, 1):
            out.append(f"{labels.source(source)}: the latest month with records is "
                       f"{month(latest)}, {behind} months before the reporting month; the "
                       "export may be missing.")
    for mart, title in OTHER_QUALITY_MARTS.items():
        if not m.has(mart):
            out.append(f"{escape(title)}: not measured in this refresh ({code(mart)} not "
                       "published).")
    return out


def _latest_months(m: Marts) -> list[tuple]:
    if not m.has("theme_counts"):
        return []
    return m.marts.execute(
        "select source, max(month) from theme_counts where source <> 'audit' and month <= ? "
        "group by source order by source", [m.period.month]).fetchall()


def _mart_table(m: Marts, mart: str, sql: str, columns: list[tuple[str, str]],
                **options) -> str:
    """The rows `sql` reads from `mart` as a table, or a note that the mart is missing."""
    if not m.has(mart):
        return missing(mart)
    rows = m.rows(sql)
    for r in rows:
        if "source" in r:
            r["source"] = labels.source(r["source"])
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
        "count(*)::int as rows from rejected_rows group by all order by source, rows desc",
        [("source", "Source"), ("column_name", "Column"), ("reason", "Reason"),
         ("rows", "Rows")], counts=["rows"], empty="No rows were rejected.")))
    unmapped = _mart_table(m, "unmapped_codes",
                           "select source, code_field, native_code, n_records, last_seen_date "
                           "from unmapped_codes order by n_records desc, source",
                           [("source", "Source"), ("code_field", "Code field"),
                            ("native_code", "Code as exported"), ("n_records", "Records"),
                            ("last_seen_date", "Last seen")],
                           counts=["n_records"], empty="Every code maps.")
    parts.append(details("Native codes that map to no theme", unmapped))
    unresolved = _mart_table(m, "unresolved_locations",
                             "select source, location_raw, n_records, last_seen_date "
                             "from unresolved_locations order by n_records desc, source",
                             [("source", "Source"), ("location_raw", "As exported"),
                              ("n_records", "Records"), ("last_seen_date", "Last seen")],
                             counts=["n_records"], empty="Every location resolves.")
    parts.append(details("Location spellings not yet in the location reference", unresolved))
    parts.append("<h3>Source freshness</h3>")
    latest = _latest_months(m)
    if latest:
        rows = [{"source": labels.source(s), "latest": month(d)} for s, d in latest]
        parts.append(note(f"Latest month with a themed record in each source, up to the "
                          f"reporting month ({m.period.label}): a source that stops short of "
                          "the others has probably not been exported."))
        parts.append(table(rows, [("source", "Source"), ("latest", "Latest month")]))
    else:
        parts.append(missing("theme_counts"))
    for mart, title in OTHER_QUALITY_MARTS.items():
        parts.append(f"<h3>{escape(title)}</h3>")
        if m.has(mart):
            rows = m.rows(f'select * from "{mart}"')
            parts.append(table(rows, [(k, labels.words(k)) for k in (rows[0] if rows else {})],
                               empty="No rows."))
        else:
            parts.append(missing(mart))
    return "".join(parts)


def published_at(m: Marts) -> str:
    if m.has("refresh_info"):
        rows = m.rows("select max(published_at) as at from refresh_info")
        if rows and rows[0]["at"] is not None:
            return fmt(rows[0]["at"].replace(microsecond=0))
    return "unknown"
