"""The demo trust's local configuration: its incident categories, complaint sub-subjects,
audit topics and where each kind of record tends to happen.

Themes are deliberately not here: which theme a code belongs to is read from the demo
profile's `reference/theme_code_map.csv` (over the shipped seeds), so the demo and its
reference data cannot drift apart. `tests/test_demo_generator.py` checks every mapped code
exists here.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Category:
    """A Datix-style incident category with its subcategories.

    `affinity` multiplies the category's weight at a location whose location_type or
    specialty is a key (both multiply when both match); "*" applies when neither does.
    """

    weight: float
    subcategories: tuple[str, ...]
    affinity: dict[str, float] = field(default_factory=dict)
    harm: tuple[float, float, float, float, float] | None = None  # none..fatal
    lfpse: tuple[str | None, str | None, str | None] = (None, None, None)


_MATERNITY = ("delivery_suite", "postnatal_ward", "antenatal_clinic", "community_midwifery")
# Where patients rarely stay long enough to fall, get pressure damage or self-harm.
_WARDLESS = {"outpatient_clinic": 0.2, "theatre": 0.1, "neonatal_unit": 0.1, "day_unit": 0.2,
             "diagnostics": 0.2, "support_service": 0.02}

INCIDENT_CATEGORIES: dict[str, Category] = {
    "Slips, trips and falls": Category(
        20, ("Unwitnessed fall", "Witnessed fall", "Fall from bed", "Fall from chair or commode",
             "Slip or trip", "Found on floor"),
        {"Elderly Care": 3, "Stroke Medicine": 2, "Intermediate Care": 3, "community_team": 0.3,
         "Paediatrics": 0.3, "delivery_suite": 0.1, **_WARDLESS},
        (0.58, 0.35, 0.05, 0.015, 0.005), ("Falls", None, None)),
    "Pressure ulcers / skin damage": Category(
        11, ("Category 2 pressure ulcer", "Category 3 pressure ulcer", "Category 4 pressure ulcer",
             "Unstageable pressure ulcer", "Suspected deep tissue injury",
             "Device-related pressure ulcer", "Moisture-associated skin damage"),
        {"community_team": 4, "Elderly Care": 2, "Intermediate Care": 2, "critical_care": 2,
         "emergency_department": 0.3, "delivery_suite": 0.05, "Paediatrics": 0.2, **_WARDLESS},
        (0.35, 0.52, 0.11, 0.02, 0.0), ("Pressure ulcers", None, None)),
    "Medication": Category(
        12, ("Omitted or delayed dose", "Wrong dose", "Wrong drug", "Prescribing error",
             "Dispensing error", "Administration error", "Controlled drug discrepancy",
             "Allergy - drug given despite known allergy", "Insulin error", "Anticoagulant error",
             "Wrong route"),
        {"support_service": 5, "Diabetes and Endocrinology": 1.5, "Oncology": 2},
        lfpse=(None, "Medications", "Treatment or administering")),
    "Clinical assessment": Category(
        6, ("Failure to recognise deterioration", "Delayed escalation (NEWS2)",
            "Sepsis - delayed recognition or treatment", "Delay in diagnosis",
            "Missed or incorrect diagnosis", "Inadequate assessment",
            "VTE risk assessment not completed"),
        {"assessment_unit": 2, "emergency_department": 1.5, "Respiratory Medicine": 1.3},
        (0.55, 0.33, 0.09, 0.02, 0.01), (None, None, "Assessment or investigation")),
    "Treatment / procedure": Category(
        5, ("Delay in treatment", "Treatment not given", "Misplaced nasogastric tube",
            "Cannula or line complication", "Catheter-related injury"),
        lfpse=(None, None, "Treatment or administering")),
    "Surgery / theatres": Category(
        2, ("Wrong site surgery", "Retained foreign object", "Unplanned return to theatre",
            "Swab or instrument count discrepancy", "Surgical complication",
            "Wrong implant or prosthesis", "Operation cancelled on the day"),
        {"theatre": 8, "Trauma and Orthopaedics": 2, "General Surgery": 2,
         "Colorectal Surgery": 2, "Urology": 2, "*": 0.2},
        lfpse=(None, None, "Treatment or administering")),
    "Infection control": Category(
        3, ("MRSA bacteraemia", "C. difficile infection", "Norovirus / outbreak",
            "Hospital-onset COVID-19", "Surgical site infection", "Isolation not in place"),
        lfpse=("Healthcare-associated infection", None, None)),
    "Self harm": Category(
        2, ("Self harm - ligature", "Self harm - cutting", "Overdose", "Attempted suicide",
            "Apparent suicide"),
        {"emergency_department": 4, "delivery_suite": 0.2, **_WARDLESS},
        lfpse=("Self harm", None, None)),
    "Maternity / obstetrics": Category(
        4, ("Postpartum haemorrhage", "Unplanned emergency caesarean", "Shoulder dystocia",
            "Third or fourth degree tear", "Fetal monitoring / CTG interpretation", "Stillbirth",
            "Maternal unplanned admission to ITU"),
        {"delivery_suite": 8, "postnatal_ward": 4, "antenatal_clinic": 3,
         "community_midwifery": 4, "*": 0},
        (0.45, 0.40, 0.11, 0.035, 0.005)),
    "Neonatal": Category(
        1, ("Unplanned admission to neonatal unit", "Therapeutic cooling (HIE)",
            "Neonatal death", "Neonatal medication error"),
        {"neonatal_unit": 10, "delivery_suite": 2, "postnatal_ward": 2, "*": 0}),
    "Violence and aggression": Category(
        6, ("Physical assault on staff", "Verbal abuse or threats", "Patient on patient assault",
            "Restraint used", "Rapid tranquillisation"),
        {"emergency_department": 4, "Elderly Care": 1.5, "assessment_unit": 1.5, "theatre": 0.1,
         "neonatal_unit": 0.1}),
    "Access, admission, transfer and discharge": Category(
        8, ("Discharge - premature or inappropriate", "Discharge - without medication",
            "Discharge - information or care package", "Transfer - delayed or inappropriate",
            "Delay in admission / trolley wait", "Ambulance handover delay",
            "Appointment or referral delay", "Patient placed in escalation area"),
        {"emergency_department": 2, "assessment_unit": 2, "outpatient_clinic": 1.5},
        lfpse=(None, None, "Referral, escalation or transfer")),
    "Documentation": Category(
        3, ("Records unavailable", "Wrong patient record", "Incomplete documentation",
            "Patient identification / wristband")),
    "IT / Telecoms": Category(
        2, ("System downtime", "Results not transmitted", "EPR functionality",
            "Telephone or bleep failure"), lfpse=(None, "IT systems", None)),
    "Staffing": Category(
        4, ("Insufficient nursing staff", "Insufficient medical staff", "Skill mix",
            "Bed capacity", "Agency or bank staff unavailable")),
    "Medical devices / equipment": Category(
        3, ("Device failure", "Device unavailable", "Infusion pump error", "User error",
            "Alarm failure"), lfpse=(None, "Devices", None)),
    "Safeguarding": Category(
        3, ("Safeguarding adults concern", "Safeguarding children concern",
            "Domestic abuse disclosed", "Self-neglect", "Deprivation of liberty (DoLS)"),
        {"emergency_department": 2, "Paediatrics": 3, "community_team": 2}),
    "Patient care": Category(
        5, ("Nutrition or hydration needs not met", "Personal care not given",
            "Privacy and dignity", "Hospital-acquired thrombosis", "End of life care",
            "DNACPR issue", "Pain management", "Continence care")),
    "Communication": Category(
        2, ("Communication with patient or family", "Handover between teams",
            "Interpreter not provided", "Information not shared")),
    "Estates and environment": Category(
        2, ("Building defect", "Fire or fire alarm", "Water, heating or ventilation",
            "Cleaning standards"), lfpse=(None, "Buildings or estates", None)),
    "Blood transfusion": Category(
        0.7, ("Wrong blood in tube", "ABO-incompatible transfusion", "Transfusion delay",
              "Transfusion reaction"),
        {"theatre": 3, "critical_care": 3, "Oncology": 3},
        lfpse=(None, "Blood or blood products", None)),
    "Radiology / imaging": Category(
        1, ("Imaging report not acted on", "Delay in imaging", "Wrong patient imaged",
            "IR(ME)R exposure"), {"diagnostics": 8}),
    "Laboratory / pathology": Category(
        1, ("Sample mislabelled", "Sample lost", "Delayed results")),
    "Information governance": Category(
        1, ("Confidentiality breach", "Misdirected correspondence",
            "Inappropriate access to records")),
    "Security": Category(
        1, ("Absconded patient", "Missing patient", "Theft", "Unauthorised access"),
        {"emergency_department": 2}),
    "Resuscitation": Category(
        1, ("Cardiac arrest", "Crash call delay", "Resuscitation equipment not checked"),
        {"critical_care": 2, "assessment_unit": 2, "community_team": 0.1,
         "outpatient_clinic": 0.3}, (0.3, 0.3, 0.2, 0.1, 0.1)),
    "Other": Category(1.5, ("Other",)),
}

DEFAULT_HARM = (0.74, 0.22, 0.03, 0.007, 0.003)
# Subcategories rarer than the others of their category (the rest weigh 1) ...
SUBCATEGORY_WEIGHTS = {
    "Wrong site surgery": 0.05, "Retained foreign object": 0.1, "Wrong implant or prosthesis": 0.05,
    "Misplaced nasogastric tube": 0.1, "Wrong route": 0.05, "ABO-incompatible transfusion": 0.02,
    "Neonatal death": 0.15, "Stillbirth": 0.1, "Apparent suicide": 0.1, "Cardiac arrest": 0.5,
}
# ... and those whose harm is fixed by what they are.
SUBCATEGORY_HARM = {"Neonatal death": "fatal", "Stillbirth": "fatal", "Apparent suicide": "fatal"}
PSYCHOLOGICAL_HARM = (0.90, 0.08, 0.017, 0.003)

# Subcategories that are Never Events when they happen, with the national type name.
NEVER_EVENTS = {
    "Wrong site surgery": "Wrong site surgery",
    "Retained foreign object": "Retained foreign object post-procedure",
    "Wrong implant or prosthesis": "Wrong implant/prosthesis",
    "Misplaced nasogastric tube": "Misplaced naso- or oro-gastric tube",
    "Wrong route": "Administration of medication by the wrong route",
    "ABO-incompatible transfusion": "Transfusion of ABO-incompatible blood components",
}

# Complaint sub-subject: (KO41a subject, relative frequency).
COMPLAINT_SUB_SUBJECTS: dict[str, tuple[str, float]] = {
    "Diagnosis - delay/failure": ("Clinical treatment", 6),
    "Diagnosis - incorrect": ("Clinical treatment", 2),
    "Deteriorating patient - failure to recognise": ("Clinical treatment", 2),
    "Sepsis - delayed treatment": ("Clinical treatment", 1),
    "Treatment - inappropriate/ineffective": ("Clinical treatment", 6),
    "Pain management": ("Clinical treatment", 3),
    "Surgery - complications": ("Clinical treatment", 2),
    "Surgery - cancelled on the day": ("Clinical treatment", 1.5),
    "Test results - not acted on": ("Clinical treatment", 1.5),
    "Maternity care": ("Clinical treatment", 2),
    "Mental health assessment": ("Clinical treatment", 1),
    "Infection acquired in hospital": ("Clinical treatment", 1),
    "VTE / blood clot not prevented": ("Clinical treatment", 0.5),
    "Communication with patient": ("Communications", 6),
    "Communication with relatives/carers": ("Communications", 6),
    "Information - lack of/incorrect": ("Communications", 3),
    "Interpreter not provided": ("Communications", 0.5),
    "Consent - not obtained/inadequate": ("Consent", 0.5),
    "Discharge - premature": ("Admissions, discharges and transfers", 3),
    "Discharge - delayed": ("Admissions, discharges and transfers", 2),
    "Discharge - arrangements/care package": ("Admissions, discharges and transfers", 2),
    "Transfer between wards/hospitals": ("Admissions, discharges and transfers", 1),
    "Admission - delay/refused": ("Admissions, discharges and transfers", 1),
    "Appointment - cancelled": ("Appointments", 4),
    "Appointment - delay/availability": ("Appointments", 4),
    "Treatment - not available/funded": ("Access to treatment or drugs", 1),
    "End of life care - symptom control": ("End of life care", 1),
    "DNACPR decision": ("End of life care", 0.7),
    "Cleanliness": ("Facilities", 1),
    "Equipment - unavailable/faulty": ("Facilities", 1),
    "Car parking": ("Facilities", 2),
    "Fall on ward": ("Patient care", 2),
    "Pressure sore": ("Patient care", 1.5),
    "Nutrition and hydration": ("Patient care", 2),
    "Personal care/hygiene": ("Patient care", 2),
    "Call bells not answered": ("Patient care", 1),
    "Staffing levels": ("Patient care", 1),
    "Safeguarding concern": ("Patient care", 0.7),
    "Medication - wrong dose": ("Prescribing errors", 1),
    "Medication - omitted/delayed": ("Prescribing errors", 1.5),
    "Medication - discharge prescription (TTO)": ("Prescribing errors", 0.8),
    "Privacy and dignity": ("Privacy, dignity and wellbeing", 2),
    "Mixed sex accommodation": ("Privacy, dignity and wellbeing", 0.3),
    "Restraint - inappropriate use": ("Restraint", 0.3),
    "Attitude of staff": ("Staff (values and behaviours)", 6),
    "Attitude of medical staff": ("Staff (values and behaviours)", 3),
    "Records - lost/inaccurate": ("Trust administration", 1),
    "Correspondence - letters not received": ("Trust administration", 1.5),
    "Lost property": ("Trust administration", 1.5),
    "Waiting time - A&E": ("Waiting times", 3),
    "Waiting time - referral to treatment": ("Waiting times", 3),
    "Waiting time - results": ("Waiting times", 1),
    "Other": ("Other", 2),
}

# Sub-subjects that only make sense at some location types (others can happen anywhere).
COMPLAINT_PLACES: dict[str, tuple[str, ...]] = {
    "Waiting time - A&E": ("emergency_department",),
    "Maternity care": _MATERNITY,
    "Appointment - cancelled": ("outpatient_clinic", "diagnostics", "antenatal_clinic",
                                "day_unit"),
    "Appointment - delay/availability": ("outpatient_clinic", "diagnostics",
                                         "antenatal_clinic", "community_team"),
    "Waiting time - referral to treatment": ("outpatient_clinic", "day_unit"),
    "Surgery - complications": ("ward", "theatre", "day_unit"),
    "Surgery - cancelled on the day": ("theatre", "day_unit", "ward"),
    "Mental health assessment": ("emergency_department", "assessment_unit"),
}


@dataclass(frozen=True)
class AuditTopic:
    guidance: str | None
    programmes: tuple[str, ...]  # canonical programme types this topic is audited under
    directorate: str
    specialty: str
    criteria: tuple[str, ...]


AUDIT_TOPICS: dict[str, AuditTopic] = {
    "Falls prevention": AuditTopic(
        "NICE NG249", ("national_other", "nice", "local_priority", "reaudit"), "Medicine",
        "Elderly Care",
        ("Multifactorial falls risk assessment within 24 hours of admission",
         "Lying and standing blood pressure recorded", "Falls-risk medicines reviewed",
         "Call bell within reach", "Bed rails assessment documented",
         "Post-fall medical review within 30 minutes", "Flat lifting equipment used after fall")),
    "Pressure ulcer prevention": AuditTopic(
        "NICE CG179", ("nice", "local_priority", "reaudit"), "Community", "District Nursing",
        ("Purpose-T risk assessment within 6 hours", "Skin inspection documented daily",
         "Repositioning chart completed", "Pressure-relieving mattress in place when at risk",
         "Heel offloading for high-risk patients", "Wound photographed and categorised")),
    "Sepsis screening and treatment (NICE NG51)": AuditTopic(
        "NICE NG51", ("nice", "psirp", "reaudit"), "Medicine", "Acute Medicine",
        ("Sepsis screen completed when NEWS2 5 or more", "Senior review within 1 hour",
         "Antibiotics within 1 hour of recognition", "Lactate measured",
         "Blood cultures before antibiotics", "Fluid balance chart started",
         "Sepsis Six completed")),
    "NEWS2 observations and escalation": AuditTopic(
        "RCP NEWS2", ("local_priority", "psirp", "reaudit"), "Medicine", "General Medicine",
        ("Observations at prescribed frequency", "NEWS2 calculated correctly",
         "Escalation when NEWS2 5 or more", "Escalation documented with time",
         "Response within 30 minutes of escalation", "Outreach referral when NEWS2 7 or more")),
    "VTE risk assessment": AuditTopic(
        "NICE NG89", ("nice", "local_priority", "reaudit"), "Surgery",
        "Trauma and Orthopaedics",
        ("VTE risk assessment within 14 hours of admission", "Bleeding risk documented",
         "Thromboprophylaxis prescribed when indicated", "Reassessment at 24 hours",
         "Patient information given")),
    "Antimicrobial prescribing": AuditTopic(
        "NICE NG15", ("nice", "local_priority"), "Clinical Support and Diagnostics", "Pharmacy",
        ("Indication documented", "Start date documented", "Review at 48-72 hours",
         "Prescribed according to local guideline", "Allergy status recorded")),
    "Medicines reconciliation": AuditTopic(
        "NICE NG5", ("nice", "local_priority"), "Clinical Support and Diagnostics", "Pharmacy",
        ("Reconciliation within 24 hours of admission", "Two sources of drug history",
         "Allergies confirmed", "Discrepancies resolved before discharge")),
    "Controlled drugs management": AuditTopic(
        None, ("local_priority",), "Clinical Support and Diagnostics", "Pharmacy",
        ("Register balance correct", "Two signatures for each administration",
         "Weekly stock check recorded", "Keys held by registered nurse")),
    "Hand hygiene and IPC": AuditTopic(
        None, ("local_priority",), "Clinical Support and Diagnostics", "Infection Prevention",
        ("Hand hygiene before patient contact", "Bare below the elbows",
         "Isolation signage in place", "Commodes clean and labelled",
         "Sharps bins correctly assembled")),
    "Discharge summaries": AuditTopic(
        None, ("local_priority", "reaudit"), "Medicine", "General Medicine",
        ("Summary sent within 24 hours", "Medication changes explained",
         "Follow-up arrangements stated", "Copy given to patient")),
    "WHO surgical safety checklist": AuditTopic(
        "NatSSIPs 2", ("national_other", "local_priority"), "Surgery", "Anaesthetics",
        ("Sign in completed", "Time out completed with whole team", "Sign out completed",
         "Site marked before arrival in theatre", "Swab count documented")),
    "Nasogastric tube placement checks": AuditTopic(
        "NHSI Patient Safety Alert", ("national_other", "local_priority"), "Medicine",
        "Gastroenterology",
        ("pH checked before first use", "X-ray confirmation documented when pH above 5.5",
         "Placement check before each use", "Tube length marked")),
    "Nutrition screening (MUST)": AuditTopic(
        "NICE CG32", ("nice", "local_priority"), "Medicine", "Elderly Care",
        ("MUST completed within 24 hours", "Weekly weight recorded",
         "Food chart completed when at risk", "Dietitian referral when MUST 2 or more",
         "Water jug within reach")),
    "Safeguarding referrals": AuditTopic(
        None, ("local_priority",), "Emergency and Urgent Care", "Emergency Medicine",
        ("Safeguarding question asked at triage", "Referral made within 24 hours",
         "Child in household recorded", "Domestic abuse routine enquiry")),
    "Mental Capacity Act and DoLS": AuditTopic(
        None, ("local_priority",), "Medicine", "Elderly Care",
        ("Capacity assessment documented for the decision", "Best interests decision recorded",
         "DoLS application made when required", "IMCA considered")),
    "End of life care (NACEL)": AuditTopic(
        "NACEL", ("ncapop",), "Medicine", "Palliative Care",
        ("Recognition of dying documented", "Individualised care plan in place",
         "Anticipatory medicines prescribed", "Family informed patient was dying",
         "DNACPR discussion documented")),
    "Maternity and perinatal care (NMPA)": AuditTopic(
        "NMPA", ("ncapop",), "Women's and Children's", "Obstetrics",
        ("CTG reviewed hourly in labour", "Fresh eyes review documented",
         "Carbon monoxide screening at booking", "Skin-to-skin contact after birth")),
    "Neonatal care (NNAP)": AuditTopic(
        "NNAP", ("ncapop",), "Women's and Children's", "Neonatology",
        ("Temperature on admission 36.5-37.5C", "Parents present for consultant round",
         "Antenatal steroids given", "Mother's milk at discharge")),
    "Emergency laparotomy (NELA)": AuditTopic(
        "NELA", ("ncapop",), "Surgery", "General Surgery",
        ("Risk documented before surgery", "Consultant surgeon present in theatre",
         "Admitted to critical care when high risk", "Elderly care review for over 65s")),
    "Self-harm assessment in ED": AuditTopic(
        "NICE NG225", ("nice", "local_priority"), "Emergency and Urgent Care",
        "Emergency Medicine",
        ("Psychosocial assessment before discharge", "Risk formulation documented",
         "Observation level set", "Liaison psychiatry referral within 1 hour")),
    "Restrictive practice": AuditTopic(
        None, ("local_priority",), "Emergency and Urgent Care", "Emergency Medicine",
        ("Restraint recorded on incident system", "Debrief offered to patient",
         "Physical health observations after rapid tranquillisation")),
    "ED timeliness of assessment": AuditTopic(
        "RCEM", ("national_other",), "Emergency and Urgent Care", "Emergency Medicine",
        ("Initial assessment within 15 minutes", "Pain score recorded at triage",
         "Seen by clinician within 1 hour", "Decision to admit within 4 hours")),
    "Record keeping standards": AuditTopic(
        None, ("local_priority", "reaudit"), "Clinical Support and Diagnostics",
        "Health Records",
        ("Patient identifiers on every page", "Entries dated, timed and signed",
         "Legible entries", "Plan documented at each review")),
    "Blood transfusion (NCABT)": AuditTopic(
        "NCABT", ("national_other",), "Clinical Support and Diagnostics", "Haematology",
        ("Reason for transfusion documented", "Consent documented",
         "Observations at 15 minutes", "Bedside identity check")),
    "Patient experience survey follow-up": AuditTopic(
        None, ("local_priority",), "Clinical Support and Diagnostics", "Patient Experience",
        ("Action plan for each ward", "Results displayed on ward", "Survey response rate")),
}

AUDIT_LEADS = (
    "Dr A. Okafor", "Dr R. Mistry", "Ms L. Fenwick", "Mr S. Bhatt", "Dr C. Nowak",
    "Sister J. Price", "Dr M. O'Neill", "Ms T. Adeyemi", "Dr H. Lindqvist", "Mr P. Dunne",
)

# Relative volume of each source's records per location, by location_type:
# (incidents, complaints, fft, sjr, inquests).
LOCATION_VOLUMES: dict[str, tuple[float, float, float, float, float]] = {
    "ward": (1.0, 1.0, 1.0, 1.0, 0.6),
    "assessment_unit": (1.2, 0.8, 0.8, 0.8, 0.5),
    "emergency_department": (1.5, 2.0, 3.0, 0.6, 1.5),
    "critical_care": (0.6, 0.4, 0.2, 1.5, 0.8),
    "theatre": (0.5, 0.2, 0.0, 0.05, 0.2),
    "day_unit": (0.25, 0.4, 1.5, 0.0, 0.0),
    "outpatient_clinic": (0.3, 2.0, 5.0, 0.0, 0.0),
    "diagnostics": (0.3, 0.5, 1.5, 0.0, 0.1),
    "support_service": (0.3, 0.1, 0.0, 0.0, 0.0),
    "delivery_suite": (0.8, 0.8, 1.0, 0.02, 0.2),
    "postnatal_ward": (0.6, 0.5, 1.0, 0.0, 0.0),
    "antenatal_clinic": (0.2, 0.3, 1.0, 0.0, 0.0),
    "neonatal_unit": (0.4, 0.3, 0.0, 0.1, 0.2),
    "community_team": (0.8, 0.5, 1.0, 0.1, 0.3),
    "community_midwifery": (0.2, 0.2, 0.8, 0.0, 0.0),
}
SOURCE_COLUMN = {"incidents": 0, "complaints": 1, "fft": 2, "sjr": 3, "inquests": 4}
# Specialties busier (or quieter) than their location type suggests, per source.
SPECIALTY_VOLUMES: dict[str, dict[str, float]] = {
    "Urgent Care": {"incidents": 0.3, "complaints": 0.3, "fft": 0.5, "sjr": 0.0, "inquests": 0.1},
    "Elderly Care": {"sjr": 2.0, "inquests": 1.5},
    "Respiratory Medicine": {"sjr": 1.8},
    "Acute Medicine": {"sjr": 1.5},
    "Oncology": {"sjr": 0.0},
}

# FFT survey setting (canonical) of each location type; types without one send no FFT.
FFT_SETTINGS = {
    "ward": "inpatient", "assessment_unit": "inpatient", "critical_care": "inpatient",
    "emergency_department": "ae", "day_unit": "day_case", "outpatient_clinic": "outpatient",
    "diagnostics": "outpatient", "delivery_suite": "maternity_birth",
    "postnatal_ward": "maternity_postnatal_ward", "antenatal_clinic": "maternity_antenatal",
    "community_team": "community", "community_midwifery": "maternity_postnatal_community",
}

# Age band by specialty (patients of other specialties are adults of any age).
AGE_BANDS = ("0-17", "18-44", "45-64", "65-74", "75-84", "85+")
AGE_PROFILES = {
    "Paediatrics": (1, 0, 0, 0, 0, 0), "Neonatology": (1, 0, 0, 0, 0, 0),
    "Obstetrics": (0.02, 0.95, 0.03, 0, 0, 0), "Midwifery": (0.02, 0.95, 0.03, 0, 0, 0),
    "Elderly Care": (0, 0, 0.05, 0.2, 0.4, 0.35), "Intermediate Care": (0, 0, 0.1, 0.25, 0.4, 0.25),
}
ADULT_AGES = (0.03, 0.2, 0.27, 0.2, 0.2, 0.1)

# Claims: NHS Resolution-style cause groups (coded to themes by theme_code_map.csv), with
# their share of a trust's claims, whether they are clinical (CNST) or non-clinical (LTPS),
# and the allegation a letter of claim makes. Diagnosis, treatment and maternity dominate
# clinical claims by number; maternity by value.
CLAIM_CAUSES: dict[str, tuple[float, str, str]] = {
    "Failure / delay in diagnosis": (0.16, "clinical", "a missed or delayed diagnosis"),
    "Wrong diagnosis": (0.04, "clinical", "a wrong diagnosis"),
    "Failure to act on abnormal test results": (0.03, "clinical",
                                                "an abnormal result that was not acted on"),
    "Failure / delay in treatment": (0.12, "clinical", "delayed treatment"),
    "Failure to recognise complications": (0.05, "clinical",
                                           "a complication that was not recognised"),
    "Failure to monitor / respond": (
        0.04, "clinical", "observations that were not acted on as the patient deteriorated"),
    "Fetal monitoring / CTG interpretation": (0.03, "clinical",
                                              "a CTG that was misread during labour"),
    "Management of labour": (0.03, "clinical", "poor management of labour"),
    "Intraoperative problems": (0.08, "clinical", "an injury during the operation"),
    "Retained foreign object": (0.01, "clinical", "a swab left in after surgery"),
    "Medication error": (0.05, "clinical", "a wrong dose of a prescribed medicine"),
    "Slips / trips / falls": (0.04, "clinical", "an unwitnessed fall on the ward"),
    "Pressure ulcers": (0.03, "clinical", "a pressure ulcer that developed on the ward"),
    "Hospital-acquired infection": (0.02, "clinical", "an infection acquired in hospital"),
    "Failure to warn / informed consent": (0.04, "clinical",
                                           "risks that were not explained before consent"),
    "Failure / delay in discharge or follow-up": (0.02, "clinical",
                                                  "an unsafe discharge without follow-up"),
    "VTE / thromboprophylaxis": (0.02, "clinical", "a clot after no thromboprophylaxis"),
    "Inadequate nursing care": (0.03, "clinical", "poor nursing care"),
    "Manual handling": (0.06, "non_clinical", "a back injury moving a patient"),
    "Violence and aggression": (0.04, "non_clinical", "an assault by a patient"),
    "Equipment / premises": (0.04, "non_clinical", "a trip on a damaged floor"),
    "Breach of confidentiality / data protection": (0.02, "non_clinical",
                                                    "records sent to the wrong address"),
}
# Injuries claimed (clinical, non-clinical): share and median damages (GBP) when paid.
CLAIM_INJURIES: dict[str, tuple[float, float, float]] = {
    "Unnecessary pain": (0.22, 0.25, 8_000),
    "Additional treatment": (0.18, 0.05, 15_000),
    "Psychiatric / psychological damage": (0.10, 0.25, 12_000),
    "Loss of function": (0.12, 0.10, 45_000),
    "Scarring": (0.06, 0.10, 10_000),
    "Fracture": (0.05, 0.15, 12_000),
    "Soft tissue injury": (0.03, 0.10, 6_000),
    "Fatality": (0.14, 0.0, 60_000),
    "Brain damage": (0.03, 0.0, 900_000),
    "Cerebral palsy": (0.01, 0.0, 2_500_000),
    "Data breach distress": (0.0, 0.10, 3_000),
}
