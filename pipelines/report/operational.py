"""The pack's operational sections: FFT, complaints, learning from deaths, PFD responses and
clinical audit, each over the reporting period."""

from __future__ import annotations

import polars as pl

from pipelines.lib.reporting_period import add_months
from pipelines.lib.suppression import is_small
from pipelines.report import charts, labels
from pipelines.report.html import details, missing, month, note, table
from pipelines.report.marts import Marts
from pipelines.report.sections import CHART_MONTHS, plain
from pipelines.report.sources import from_source

ATTENTION_ROWS = 10  # audits listed before the collapsed full programme
PFD_FIELDS = ("is_pfd_issued", "pfd_date")  # either marks a PFD report (pfd_tracker)


def fft(m: Marts) -> str:
    return from_source(m, "fft", "FFT results", lambda: _fft(m))


def _fft(m: Marts) -> str:
    if not m.has("fft_experience"):
        return missing("fft_experience")
    first, last = add_months(m.period.month, -(CHART_MONTHS - 1)), m.period.month
    rows = m.rows(
        # An export without a setting column is one series, not "no responses".
        f"select coalesce(setting, '{labels.SETTING_NOT_GIVEN}') as setting, month, "
        "sum(response_count)::int as responses, "
        "sum(very_good_count + good_count)::int as positive, "
        "sum(poor_count + very_poor_count)::int as negative from fft_experience "
        "where month between ? and ? group by all order by setting, month", [first, last])
    if not rows:
        return note(f"No FFT responses from {month(first)} to {month(last)}.")
    for r in rows:
        hidden = m.wide and is_small(r["responses"])
        r["pct"] = (None if hidden or not r["responses"]
                    else round(100 * r["positive"] / r["responses"], 1))
        r["setting"] = labels.words(r["setting"], labels.FFT_SETTINGS)
    frame = pl.DataFrame(rows).select("setting", "month", "pct")
    latest = [dict(r) for r in rows if r["month"] == last]
    for r in latest:
        r["pct_neg"] = (None if r["pct"] is None
                        else round(100 * r["negative"] / r["responses"], 1))
        if m.wide and is_small(r["responses"]):
            r["pct"] = r["pct_neg"] = "*"
    chart = charts.fft_small_multiples(
        frame, f"% positive by setting, {month(first)} to {month(last)}")
    return (f'<figure class="chart">{chart}</figure>'
            + table(latest, [("setting", "Setting"), ("responses", "Responses"),
                             ("pct", "% positive"), ("pct_neg", "% negative")],
                    wide=m.wide, counts=["responses"], caption=month(last),
                    empty=f"No FFT responses in {month(last)}."))


def complaints(m: Marts) -> str:
    return from_source(m, "complaints", "complaints performance", lambda: _complaints(m))


def _complaints(m: Marts) -> str:
    if not m.has("complaints_performance"):
        return missing("complaints_performance")
    first, last = m.period.months_back(12)
    # A complaint whose location did not resolve has no directorate: it is grouped under its
    # own label, since a join on a null directorate never matches and would drop it.
    directorate = f"coalesce(directorate, '{labels.DIRECTORATE_NOT_KNOWN}') as directorate"
    rows = m.rows(
        f"with period as (select * replace ({directorate}) from complaints_performance "
        "where month between ? and ?), "
        f"latest as (select {directorate}, sum(open_at_month_end_count) as open_now, "
        "sum(open_over_six_months_count) as open_6m from complaints_performance "
        "where month = ? group by all) "
        "select p.directorate, sum(received_count)::int as received, "
        "sum(acknowledged_within_3_working_days_count)::int as ack3, "
        "sum(closed_count)::int as closed, sum(closed_by_due_date_count)::int as closed_due, "
        "sum(upheld_count + partially_upheld_count)::int as upheld, "
        "sum(phso_referred_count)::int as phso, any_value(o.open_now)::int as open_now, "
        "any_value(o.open_6m)::int as open_6m "
        "from period p left join latest o using (directorate) group by p.directorate "
        f"order by p.directorate = '{labels.DIRECTORATE_NOT_KNOWN}', p.directorate",
        [first, last, m.period.month])
    counts = ["received", "ack3", "closed", "closed_due", "upheld", "phso", "open_now",
              "open_6m"]
    return table(rows, [("directorate", "Directorate"), ("received", "Received"),
                        ("ack3", "Acknowledged in 3 working days"), ("closed", "Closed"),
                        ("closed_due", "Closed by agreed date"),
                        ("upheld", "Upheld or partly upheld"), ("phso", "Referred to PHSO"),
                        ("open_now", f"Open at end of {month(last)}"),
                        ("open_6m", "Open over six months")],
                 wide=m.wide, counts=counts, total_row=True,
                 caption=f"{month(first)} to {month(last)}, by directorate")


def deaths(m: Marts) -> str:
    return from_source(m, "sjr", "learning from deaths", lambda: _deaths(m))


def _deaths(m: Marts) -> str:
    if not m.has("learning_from_deaths"):
        return missing("learning_from_deaths")
    last = m.period.quarter_start
    first = add_months(last, -21)
    rows = m.rows(
        "select quarter_start, 'Q' || financial_quarter || ' ' || financial_year as fq, "
        "sum(reviews_count)::int as reviews, sum(overall_poor_care_count)::int as poor, "
        "sum(more_likely_than_not_avoidable_count)::int as avoidable, "
        "sum(leder_referral_count)::int as leder, "
        "sum(second_stage_review_count)::int as second_stage "
        "from learning_from_deaths where quarter_start between ? and ? "
        "group by all order by quarter_start desc", [first, last])
    for r in rows:
        end = add_months(r["quarter_start"], 2)
        r["quarter"] = f"{r['quarter_start']:%b}–{end:%b %Y} ({r.pop('fq')})"
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
    # The tracker reads PFD reports off the inquest register: an export without either field
    # cannot tell "no reports" from "not recorded".
    return from_source(m, "inquests", "PFD reports and their responses", lambda: _pfd(m),
                       fields=PFD_FIELDS)


def _pfd(m: Marts) -> str:
    if not m.has("pfd_tracker", case_level=True):
        return missing("pfd_tracker")
    counts = m.rows("select pfd_status as status, count(*)::int as reports from pfd_tracker "
                    "group by all order by status", case_level=True)
    for r in counts:
        r["status"] = labels.words(r["status"], labels.PFD_STATUS)
    first = add_months(m.period.month, -11)
    cases = m.rows(
        f"select inquest_id, coalesce(directorate, '{labels.DIRECTORATE_NOT_KNOWN}') "
        "as directorate, location_name, theme_names, pfd_date, "
        "response_due_date, response_sent_date, pfd_status, days_overdue from pfd_tracker "
        "where pfd_status in ('due', 'overdue') or pfd_date >= ? "
        "order by response_due_date, inquest_id", [first], case_level=True)
    for r in cases:
        r["pfd_status"] = labels.words(r["pfd_status"], labels.PFD_STATUS)
    listing = table(cases, [
        ("inquest_id", "Inquest"), ("directorate", "Directorate"),
        ("location_name", "Location"), ("theme_names", "Themes"), ("pfd_date", "Report"),
        ("response_due_date", "Response due"), ("response_sent_date", "Sent"),
        ("pfd_status", "Status"), ("days_overdue", "Days overdue")],
        empty="None due, overdue or received in the last 12 months.")
    return (table(counts, [("status", "Status"), ("reports", "Reports")], counts=["reports"],
                  total_row=True, caption="Reports by response status, all years")
            + details(f"Reports due, overdue or received since {month(first)} "
                      f"({len(cases)}; restricted)", listing))


def audits(m: Marts) -> str:
    return "".join(["<h3>Audit programme</h3>",
                    from_source(m, "audit", "the audit programme and what it covers",
                                lambda: _audit_programme(m)),
                    "<h3>Audit priorities</h3>", _audit_priorities(m)])


def _audit_programme(m: Marts) -> str:
    parts = []
    if m.has("audit_programme"):
        status = m.rows("select audit_status as status, count(*)::int as audits, "
                        "sum(actions_overdue_count)::int as overdue_actions, "
                        "count(*) filter (where is_reaudit_overdue)::int as reaudit_overdue "
                        "from audit_programme group by all order by status")
        for r in status:
            r["status"] = labels.words(r["status"], labels.AUDIT_STATUS)
        parts.append(table(status, [("status", "Status"), ("audits", "Audits"),
                                    ("overdue_actions", "Overdue actions"),
                                    ("reaudit_overdue", "Re-audits overdue")],
                           counts=["audits", "overdue_actions", "reaudit_overdue"],
                           total_row=True))
        listing = m.rows(
            "select audit_id, audit_title, directorate, audit_status, rag_rating, "
            "round(weighted_compliance_pct, 1) as compliance, actions_open_count, "
            "actions_overdue_count, reaudit_due_date, is_reaudit_overdue "
            "from audit_programme order by actions_overdue_count desc, "
            "is_reaudit_overdue desc, audit_id")
        for r in listing:
            r["audit_status"] = labels.words(r["audit_status"], labels.AUDIT_STATUS)
            r["rag_rating"] = labels.words(r["rag_rating"], labels.RAG)
        columns = [("audit_title", "Audit"), ("directorate", "Directorate"),
                   ("audit_status", "Status"), ("rag_rating", "RAG"),
                   ("compliance", "Compliance %"), ("actions_open_count", "Actions open"),
                   ("actions_overdue_count", "Overdue"), ("reaudit_due_date", "Re-audit due"),
                   ("is_reaudit_overdue", "Re-audit overdue")]
        attention = [r for r in listing if r["actions_overdue_count"]
                     or r["is_reaudit_overdue"]]
        parts.append(table(attention[:ATTENTION_ROWS], columns,
                           caption=f"Needing attention: {len(attention)} audits with overdue "
                                   f"actions or an overdue re-audit"
                                   + (f" (first {ATTENTION_ROWS})"
                                      if len(attention) > ATTENTION_ROWS else ""),
                           empty="No audit has overdue actions or an overdue re-audit."))
        parts.append(details(f"The whole programme ({len(listing)} audits)",
                             table(listing, [("audit_id", "Audit id"), *columns])))
    else:
        parts.append(missing("audit_programme"))
    return "".join(parts)


def _audit_priorities(m: Marts) -> str:
    parts = []
    if m.has("audit_priorities"):
        rows = m.rows("select * from audit_priorities order by audit_priority_rank")
        for r in rows:
            r["sources_signalling"] = labels.sources_list(r.get("sources_signalling"))
            r["rationale"] = plain(r.get("rationale"))
        columns = [("audit_priority_rank", "Rank"), ("theme_name", "Theme"),
                   ("directorate", "Directorate"), ("sources_signalling", "Sources signalling"),
                   ("coverage_gaps", "Coverage gaps"), ("recommended_audit", "Recommended audit"),
                   ("guidance", "Guidance"), ("rationale", "Rationale")]
        parts.append(table(rows[:ATTENTION_ROWS // 2], columns,
                           empty="No theme signals where audit coverage is weak."))
        if len(rows) > ATTENTION_ROWS // 2:
            parts.append(details(f"All {len(rows)} audit priorities", table(rows, columns)))
    else:
        parts.append(missing("audit_priorities"))
    return "".join(parts)
