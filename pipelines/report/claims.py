"""The pack's claims section: the cost of harm by theme, and learning from claims (top causes
by number and value, how long claims take to arrive, claims per 1,000 bed days).

Each table is suppressed here for the wide pack (money goes with its counts), so `table` is
given no `wide`: its `counts` only set the numbers right-aligned."""

from __future__ import annotations

import polars as pl

from pipelines.lib.claims_summary import (
    MONEY_COLUMNS,
    claims_by_theme,
    scorecard_years,
    suppress_claims,
)
from pipelines.lib.suppression import MARKER, is_small
from pipelines.report.html import missing, note, table
from pipelines.report.marts import Marts
from pipelines.report.sources import from_source

TOP_CAUSES = 5


def _pounds(value) -> str:
    """Whole pounds with separators; a suppressed cell stays `*`."""
    if value is None or value == MARKER:
        return MARKER if value == MARKER else "–"
    return f"£{round(float(value)):,}"


def cost_by_theme(m: Marts) -> str:
    years = scorecard_years(m.period.month)
    frame = claims_by_theme(m.marts, years).filter(pl.col("claims") > 0)
    if frame.is_empty():
        return note(f"No claims about incidents in {years[0]} to {years[-1]}.")
    if m.wide:
        frame = suppress_claims(frame)
    rows = [{**r, **{c: _pounds(r[c]) for c in MONEY_COLUMNS}} for r in frame.to_dicts()]
    return table(rows, [("theme", "Theme"), ("claims", "Claims"), ("open", "Open"),
                        ("closed_with_damages", "Closed with damages"),
                        ("closed_nil", "Closed nil"), ("total_paid_gbp", "Paid"),
                        ("reserve_gbp", "Reserved"), ("total_value_gbp", "Total value")],
                 counts=["claims", "open", "closed_with_damages", "closed_nil"],
                 caption=f"Claims about incidents in the financial years {years[0]} to "
                         f"{years[-1]}, by theme (a claim with two themes counts under both)")


def top_causes(m: Marts) -> str:
    if not m.has("claims_causes"):
        return missing("claims_causes")
    parts = []
    for order, label in (("rank_by_number", "by number"), ("rank_by_value", "by value")):
        rows = m.rows(
            "select cause_group, claims_notified, total_value, "
            "median_days_incident_to_notification as lag from claims_causes "
            f"where claim_type = 'clinical' and {order} <= ? order by {order}, cause_group",
            [TOP_CAUSES])
        for r in rows:
            few = m.wide and is_small(r["claims_notified"])
            r["total_value"] = MARKER if few else _pounds(r["total_value"])
            r["claims_notified"] = MARKER if few else r["claims_notified"]
            r["lag"] = MARKER if few else r["lag"]
        parts.append(table(rows, [("cause_group", "Cause"), ("claims_notified", "Claims"),
                                  ("total_value", "Total value"),
                                  ("lag", "Median days, incident to claim")],
                           counts=["claims_notified"],
                           caption=f"Top clinical claim causes {label} (all claims held)",
                           empty="No clinical claims."))
    return "".join(parts)


def rates(m: Marts) -> str:
    if not m.has("claims_rates"):
        return missing("claims_rates")
    rows = m.rows(
        "select notification_financial_year as year, sum(claims_notified)::int as claims, "
        "sum(claims_notified) filter (where claim_type = 'clinical')::int as clinical, "
        "sum(claims_per_1000_bed_days) filter (where claim_type = 'clinical') as per_bed_days, "
        "max(median_days_incident_to_notification) filter (where claim_type = 'clinical') "
        "as lag "
        "from claims_rates group by 1 order by 1")
    for r in rows:
        if m.wide:
            r["claims"] = MARKER if is_small(r["claims"]) else r["claims"]
            r["clinical"] = MARKER if is_small(r["clinical"]) else r["clinical"]
        r["per_bed_days"] = (f"{r['per_bed_days']:.3f}" if r["per_bed_days"] is not None
                             else "no activity data")
    return table(rows, [("year", "Financial year notified"), ("claims", "Claims"),
                        ("clinical", "Clinical"),
                        ("per_bed_days", "Clinical per 1,000 bed days"),
                        ("lag", "Median days, incident to clinical claim")],
                 counts=["claims", "clinical"], caption="Claims notified each year")


def claims(m: Marts) -> str:
    return from_source(m, "claims", "the cost of harm and learning from claims",
                       lambda: _claims(m))


def _claims(m: Marts) -> str:
    if not m.has("claims_cost"):
        return missing("claims_cost")
    return cost_by_theme(m) + top_causes(m) + rates(m)
