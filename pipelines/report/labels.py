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
    "not_given": "Setting not exported",
}
SETTING_NOT_GIVEN = "not_given"

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

# Records whose location did not resolve carry no directorate; they are counted under this.
DIRECTORATE_NOT_KNOWN = "Directorate not known"

COMPLAINT_TYPES = {"formal": "Formal", "pals": "PALS", "reopened": "Re-opened"}

# The canonical fields the national requirements are judged on (int_psirp_requirement_inputs).
FIELDS = {
    "is_never_event": "Never Event flag",
    "avoidability": "avoidability judgement",
    "is_mental_health_act": "Mental Health Act flag",
    "is_mental_capacity_act": "Mental Capacity Act flag",
    "physical_harm": "harm grade",
    "meets_mnsi_criteria": "MNSI criteria flag",
    "patient_age_band": "patient age band",
    "has_learning_disability": "learning disability flag",
    "is_safeguarding": "safeguarding flag",
    "is_pfd_issued": "PFD report flag",
    "pfd_date": "PFD report date",
}


def words(code: str | None, table: dict[str, str] | None = None) -> str:
    """The words for `code` in `table`, else the code made readable."""
    if code is None:
        return "–"
    if table and code in table:
        return table[code]
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def fields_in_words(text: str | None) -> str:
    """"incidents.meets_mnsi_criteria is blank ..." -> "Incidents' MNSI criteria flag is blank
    ...", "sjr not sent" -> "SJRs not sent": the marts name a source's field as `source.field`
    and a source by its code, for analysts."""
    def field(match: re.Match) -> str:
        return f"{source(match[1])}' {FIELDS.get(match[2], match[2].replace('_', ' '))}"
    sources = "|".join(SOURCES)
    text = re.sub(rf"\b({sources}) not sent\b", lambda m: f"{source(m[1], short=True)} not sent",
                  text or "")
    return re.sub(rf"\b({sources})\.(\w+)\b", field, text)


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
