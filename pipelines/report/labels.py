"""Words for the codes the marts hold, so a committee reads "Sent on time", not `sent_on_time`.

One dictionary per code list (the values the dbt `accepted_values` tests allow). A code with
no entry is shown by `words`: underscores become spaces and the first letter a capital, so a
new code still reads as text rather than breaking the pack.
"""

from __future__ import annotations

import re

SOURCES = {
    "incidents": "Incidents",
    "complaints": "Complaints",
    "fft": "Friends and Family Test",
    "inquests": "Inquests",
    "sjr": "Structured judgement reviews",
    "claims": "Claims (by incident date)",
    "claims_notified": "Claims (by notification date)",
    "audit": "Clinical audit",
    "all": "All sources",
    "activity": "Activity",
    "pfd": "National PFD reports",
}
SOURCES_SHORT = {"fft": "FFT", "sjr": "SJRs", "all": "All sources"}

FFT_SETTINGS = {
    "inpatient": "Inpatient",
    "day_case": "Day case",
    "ae": "A&E",
    "maternity_antenatal": "Maternity: antenatal",
    "maternity_birth": "Maternity: birth",
    "maternity_postnatal_ward": "Maternity: postnatal ward",
    "maternity_postnatal_community": "Maternity: postnatal community",
    "outpatient": "Outpatients",
    "community": "Community",
    "mental_health": "Mental health",
    "ambulance": "Ambulance",
}

PFD_STATUS = {
    "sent_on_time": "Sent on time",
    "sent_late": "Sent late",
    "overdue": "Overdue",
    "due": "Due (not yet sent)",
    "report_date_missing": "Report date missing",
}

RESPONSE_STATUS = {
    "incident_closed": "Done (incident closed)",
    "incident_open": "Outstanding (incident open)",
    "not_recorded": "Not recorded in the exports",
}

AUDIT_STATUS = {
    "registered": "Registered",
    "data_collection": "Data collection",
    "analysis": "Analysis",
    "reported": "Reported",
    "action_plan": "Action plan",
    "closed": "Closed",
}

RAG = {"green": "Green", "amber": "Amber", "red": "Red"}

UNIT_LEVELS = {"location": "ward or department", "directorate": "directorate",
               "trust": "whole trust"}

COMPLAINT_TYPES = {"formal": "Formal", "pals": "PALS", "reopened": "Re-opened"}


def words(code: str | None, table: dict[str, str] | None = None) -> str:
    """The words for `code` in `table`, else the code made readable."""
    if code is None:
        return "–"
    if table and code in table:
        return table[code]
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def source(code: str, short: bool = False) -> str:
    if short and code in SOURCES_SHORT:
        return SOURCES_SHORT[code]
    return words(code, SOURCES)


def sources_list(codes: str | None, short: bool = True) -> str:
    """"incidents, fft" -> "Incidents, FFT"; each source once, whatever the separators."""
    if not codes:
        return "none"
    names = dict.fromkeys(c.strip() for c in re.split(r"[,;]", str(codes)) if c.strip())
    return ", ".join(source(c, short) for c in names)
