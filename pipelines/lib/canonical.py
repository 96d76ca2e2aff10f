"""Canonical record structures of the sources (seven trust sources plus optional inputs).

Every trust export is mapped (by a YAML file in `mappings/`) onto these fields. The loader
coerces values to the declared kind, the Great Expectations suites check the declared
rules, and the dbt sources read the resulting `raw.<entity>` tables. Field and value names
follow DOMAIN.md; enum values are lower snake case so SQL can compare them literally.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of field. `text` is free text that may carry patient identifiers: it never leaves the
# private warehouse except through the restricted case-level mart.
STRING, TEXT, DATE, TIMESTAMP, INTEGER, NUMBER, BOOLEAN, ENUM, LIST = (
    "string", "text", "date", "timestamp", "integer", "number", "boolean", "enum", "list",
)


# The words of the rejection reason for a code (ENUM) value the mapping does not map
# (expectations.rules), by which the loader finds them.
UNKNOWN_VALUE = "is not a known value"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""
    # Date kinds: plausible range (pipelines.lib.dates); None = 2000-01-01 .. today+1 day.
    earliest: str | None = None
    latest: str | None = None


@dataclass(frozen=True)
class Entity:
    """One canonical table, loaded into `raw.<name>`."""

    source: str
    name: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    description: str
    # The date that places a record in time (signal windows, freshness, field coverage).
    event_date: str | None = None

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


PHYSICAL_HARM = ("none", "low", "moderate", "severe", "fatal")
PSYCHOLOGICAL_HARM = ("none", "low", "moderate", "severe")
EVENT_TYPES = ("incident", "risk", "outcome", "good_care")
COMPLAINT_TYPES = ("formal", "pals", "reopened")
COMPLAINT_OUTCOMES = ("upheld", "partially_upheld", "not_upheld", "withdrawn", "open")
FFT_SETTINGS = (
    "inpatient", "day_case", "ae", "maternity_antenatal", "maternity_birth",
    "maternity_postnatal_ward", "maternity_postnatal_community", "outpatient", "community",
    "mental_health", "ambulance",
)
FFT_RATINGS = ("very_good", "good", "neither", "poor", "very_poor", "dont_know")
INQUEST_CONCLUSIONS = (
    "accident_misadventure", "alcohol_drug_related", "industrial_disease", "lawful_killing",
    "unlawful_killing", "natural_causes", "open", "road_traffic_collision", "stillbirth",
    "suicide", "narrative",
)
SJR_PHASES = ("admission", "ongoing_care", "procedure", "perioperative", "end_of_life", "overall")
SJR_PROBLEM_TYPES = (
    "assessment", "medication", "treatment", "infection", "procedure", "monitoring",
    "resuscitation", "other",
)
# Per problem type: no problem found, or a problem that did / did not / may have led to harm.
SJR_PROBLEM_VALUES = ("none", "harm_no", "harm_yes", "harm_unsure")
SJR_AVOIDABILITY = (
    "definitely_not_avoidable", "slight_evidence", "possibly_avoidable_not_likely",
    "probably_avoidable", "strong_evidence", "definitely_avoidable",
)
AUDIT_PROGRAMMES = ("ncapop", "national_other", "nice", "local_priority", "psirp", "reaudit")
AUDIT_STATUSES = ("registered", "data_collection", "analysis", "reported", "action_plan", "closed")
ACTION_STATUSES = ("open", "in_progress", "completed", "cancelled")
# NHS Resolution indemnity schemes: Clinical Negligence Scheme for Trusts, the Existing
# Liabilities Scheme (clinical incidents before April 1995), Liabilities to Third Parties
# (employers' and public liability), the Property Expenses Scheme, and the GP schemes.
CLAIM_SCHEMES = ("cnst", "els", "ltps", "pes", "cnsgp", "elsgp")
CLAIM_TYPES = ("clinical", "non_clinical")
# No one claim costs more (the largest birth-injury settlements, periodical payments
# included, are tens of millions): a figure above it is a typing slip, and one such claim
# would make every cost in the marts meaningless.
LARGEST_CLAIM = 250_000_000
# Open; closed with damages paid to the claimant; closed with no damages paid (nil).
CLAIM_STATUSES = ("open", "closed_damages", "closed_nil")


def _place(*, required_location: bool = False) -> tuple[Field, ...]:
    return (
        Field("site", STRING),
        Field("directorate", STRING, description="Directorate, division or care group."),
        Field("specialty", STRING),
        Field("location", STRING, required_location, description="Ward or department as exported."),
    )


INCIDENTS = Entity(
    "incidents", "incidents", ("incident_id", "updated_at"),
    (
        Field("incident_id", STRING, True),
        Field("updated_at", TIMESTAMP, description="When this revision was saved; latest wins."),
        Field("occurred_date", DATE, True),
        Field("reported_date", DATE),
        *_place(),
        Field("event_type", ENUM, values=EVENT_TYPES),
        Field("category", STRING, description="Local category as configured by the trust."),
        Field("subcategory", STRING),
        Field("lfpse_safety_challenge", STRING),
        Field("lfpse_agent", STRING),
        Field("lfpse_process", STRING),
        Field("physical_harm", ENUM, values=PHYSICAL_HARM),
        Field("psychological_harm", ENUM, values=PSYCHOLOGICAL_HARM),
        Field("description", TEXT),
        Field("action_taken", TEXT),
        Field("is_never_event", BOOLEAN),
        Field("never_event_type", STRING),
        Field("is_duty_of_candour", BOOLEAN),
        Field("status", STRING),
        Field("patient_age_band", STRING),
        Field("is_mental_health_act", BOOLEAN, description="Patient detained under the MHA."),
        Field("is_mental_capacity_act", BOOLEAN, description="The Mental Capacity Act applies."),
        Field("has_learning_disability", BOOLEAN, description="Learning disability or autism."),
        Field("is_safeguarding", BOOLEAN),
        Field("meets_mnsi_criteria", BOOLEAN),
    ),
    "One row per incident revision (Datix/DCIQ, Radar, Ulysses, InPhase or LFPSE export).",
    event_date="occurred_date",
)

COMPLAINTS = Entity(
    "complaints", "complaints", ("complaint_id",),
    (
        Field("complaint_id", STRING, True),
        Field("received_date", DATE, True),
        Field("acknowledged_date", DATE),
        Field("due_date", DATE, latest="today+1 year",
              description="Response date agreed with the complainant."),
        Field("closed_date", DATE),
        Field("complaint_type", ENUM, values=COMPLAINT_TYPES),
        *_place(),
        Field("subjects", LIST, description="KO41a subjects; several per complaint."),
        Field("sub_subjects", LIST, description="Trust sub-subjects; several per complaint."),
        Field("description", TEXT),
        Field("outcome", ENUM, values=COMPLAINT_OUTCOMES),
        Field("is_phso_referred", BOOLEAN),
    ),
    "One row per complaint or PALS concern.",
    event_date="received_date",
)

FFT_RESPONSES = Entity(
    "fft", "fft_responses", ("response_id",),
    (
        Field("response_id", STRING, True),
        Field("response_date", DATE, True),
        Field("setting", ENUM, values=FFT_SETTINGS),
        Field("site", STRING),
        Field("directorate", STRING),
        Field("location", STRING),
        Field("rating", ENUM, True, values=FFT_RATINGS),
        Field("comment_good", TEXT, description='"What was good about your experience?"'),
        Field("comment_improve", TEXT,
              description='"What could we do better?", or the single "Why did you give this '
                          'answer?" (an answer the comment model reads as praise carries no '
                          'problem theme)'),
        Field("collection_mode", STRING),
    ),
    "One row per Friends and Family Test response.",
    event_date="response_date",
)

INQUESTS = Entity(
    "inquests", "inquests", ("case_reference",),
    (
        Field("case_reference", STRING, True),
        Field("date_of_death", DATE, True),
        Field("coroner_area", STRING),
        *_place(),
        Field("hearing_date", DATE, latest="today+3 years",
              description="Date of the hearing, past or listed."),
        Field("conclusion", ENUM, values=INQUEST_CONCLUSIONS),
        Field("is_neglect_rider", BOOLEAN),
        Field("is_article_2", BOOLEAN),
        Field("is_pfd_issued", BOOLEAN, description="A Regulation 28 report went to the trust."),
        Field("pfd_date", DATE),
        Field("concerns", TEXT, description="Matters of concern raised by the coroner."),
        Field("response_sent_date", DATE),
        Field("linked_incident_ids", LIST),
        Field("linked_sjr_ids", LIST),
    ),
    "One row per inquest on the trust's inquest register.",
    event_date="date_of_death",
)

SJR_REVIEWS = Entity(
    "sjr", "sjr_reviews", ("review_id",),
    (
        Field("review_id", STRING, True),
        Field("date_of_death", DATE, True),
        Field("admission_date", DATE),
        Field("review_date", DATE),
        *_place(),
        Field("has_learning_disability", BOOLEAN),
        *(
            Field(f"score_{phase}", INTEGER, minimum=1, maximum=5,
                  description="1 very poor .. 5 excellent; null when the phase does not apply.")
            for phase in SJR_PHASES
        ),
        *(Field(f"problem_{kind}", ENUM, values=SJR_PROBLEM_VALUES) for kind in SJR_PROBLEM_TYPES),
        Field("avoidability", ENUM, values=SJR_AVOIDABILITY),
        Field("reviewer_comments", TEXT),
        Field("is_second_stage_review", BOOLEAN),
    ),
    "One row per Structured Judgement Review.",
    event_date="date_of_death",
)

AUDITS = Entity(
    "audit", "audits", ("audit_id",),
    (
        Field("audit_id", STRING, True),
        Field("title", STRING, True),
        Field("programme_type", ENUM, values=AUDIT_PROGRAMMES),
        Field("specialty", STRING),
        Field("directorate", STRING),
        Field("lead", STRING),
        Field("guidance_reference", STRING, description="e.g. NICE NG51."),
        Field("topic", STRING),
        Field("status", ENUM, values=AUDIT_STATUSES),
        Field("registered_date", DATE),
        Field("period_start", DATE, latest="today+2 years"),
        Field("period_end", DATE, latest="today+3 years"),
        Field("report_date", DATE, latest="today+3 years", description="Report date, or planned."),
        Field("reaudit_date", DATE, latest="today+5 years"),
    ),
    "One row per audit on the clinical audit register.",
    event_date="registered_date",
)

AUDIT_RESULTS = Entity(
    "audit", "audit_results", ("audit_id", "criterion"),
    (
        Field("audit_id", STRING, True),
        Field("criterion", STRING, True),
        Field("target_pct", NUMBER, minimum=0, maximum=100),
        Field("numerator", INTEGER, minimum=0),
        Field("denominator", INTEGER, minimum=0),
    ),
    "One row per audit standard (criterion) measured.",
)

AUDIT_ACTIONS = Entity(
    "audit", "audit_actions", ("audit_id", "action_id"),
    (
        Field("audit_id", STRING, True),
        Field("action_id", STRING, True),
        Field("action", STRING),
        Field("owner", STRING),
        Field("due_date", DATE, latest="today+3 years"),
        Field("completed_date", DATE),
        Field("status", ENUM, values=ACTION_STATUSES),
    ),
    "One row per audit action-plan item.",
    event_date="due_date",
)

CLAIMS = Entity(
    "claims", "claims", ("claim_reference",),
    (
        Field("claim_reference", STRING, True, description="NHS Resolution or legal services "
              "reference."),
        Field("scheme", ENUM, values=CLAIM_SCHEMES),
        Field("claim_type", ENUM, values=CLAIM_TYPES),
        Field("incident_date", DATE, earliest="1960-01-01",
              description="Date of the care claimed about; claims arrive years after it."),
        Field("notification_date", DATE, True, earliest="1990-01-01",
              description="Date the claim (or letter of claim) was notified."),
        Field("closed_date", DATE, earliest="1990-01-01"),
        Field("status", ENUM, values=CLAIM_STATUSES),
        *_place(),
        Field("cause_group", STRING, description="NHS Resolution cause group, e.g. "
              "Failure / delay in diagnosis."),
        Field("cause", STRING, description="Detailed cause code as exported."),
        Field("injury", STRING, description="Injury code, e.g. Fatality, Brain damage."),
        Field("description", TEXT, description="Allegation summary: may name people."),
        Field("damages_paid", NUMBER, minimum=0, maximum=LARGEST_CLAIM,
              description="Damages paid to date (GBP)."),
        Field("defence_costs", NUMBER, minimum=0, maximum=LARGEST_CLAIM,
              description="Defence costs paid (GBP)."),
        Field("claimant_costs", NUMBER, minimum=0, maximum=LARGEST_CLAIM,
              description="Claimant costs paid (GBP)."),
        Field("reserve", NUMBER, minimum=0, maximum=LARGEST_CLAIM,
              description="Outstanding estimate of what is still to be paid (GBP)."),
        Field("linked_incident_ids", LIST),
        Field("linked_complaint_ids", LIST),
        Field("linked_inquest_ids", LIST),
    ),
    "One row per claim on the claims register or NHS Resolution listing.",
    event_date="notification_date",
)

# Optional, national: coroners' Prevention of Future Deaths reports sent to any organisation
# (published on judiciary.uk), so the trust sees which themes coroners raise elsewhere.
PFD_REPORTS = Entity(
    "pfd", "pfd_reports", ("report_id",),
    (
        Field("report_id", STRING, True, description="Judiciary reference, e.g. 2025-0123."),
        Field("report_date", DATE, True),
        Field("coroner", STRING),
        Field("coroner_area", STRING),
        Field("receivers", STRING, description="Organisations the report was sent to."),
        Field("category", STRING, description="judiciary.uk category, where published."),
        Field("url", STRING),
        Field("investigation", TEXT),
        Field("circumstances", TEXT, description="Circumstances of the death: names people."),
        Field("concerns", TEXT, description="The coroner's matters of concern."),
    ),
    "One row per published Prevention of Future Deaths report (any recipient).",
    event_date="report_date",
)

# Optional, local: monthly activity per location (bed days, admissions, attendances), the
# denominators theme_spc turns counts into rates with. Usually a PAS / BI extract.
ACTIVITY_MONTHLY = Entity(
    "activity", "activity_monthly", ("location", "month"),
    (
        Field("month", DATE, True, description=(
            "Month of the activity; any date in the month (truncated to its first day).")),
        Field("site", STRING),
        Field("directorate", STRING, description="Directorate, division or care group."),
        Field("location", STRING, True, description="Ward or department as exported."),
        Field("occupied_bed_days", INTEGER, minimum=0,
              description="Occupied bed days in the month (midnight bed census)."),
        Field("admissions", INTEGER, minimum=0, description="Admissions in the month."),
        Field("attendances", INTEGER, minimum=0,
              description="Attendances or contacts in the month (ED, clinics, community)."),
    ),
    "One row per location per month of activity (occupied bed days, admissions, attendances).",
    event_date="month",
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (INCIDENTS, COMPLAINTS, FFT_RESPONSES, INQUESTS, SJR_REVIEWS, CLAIMS,
              AUDITS, AUDIT_RESULTS, AUDIT_ACTIONS, PFD_REPORTS, ACTIVITY_MONTHLY)
}
SOURCES: dict[str, list[Entity]] = {}
for _entity in ENTITIES.values():
    SOURCES.setdefault(_entity.source, []).append(_entity)

# Columns the loader adds to every raw row so each record can be traced to its file and row.
LINEAGE_COLUMNS = ("_source_file", "_source_row", "_mapping")
