"""A second, independent test trust: Riverside and Hillside, whose exports are written here in
the shipped templates' layouts (Datix listing report, Radar, a survey vendor's FFT, a KO41a
complaints register, the RCP SJR form), not by the demo generator. Its own place names, site
names, spellings and codes; the answers a person would give in review are kept beside them
(`TRUTH_*`), so onboarding suggestions can be scored.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

SITES = {"RGH": "Riverside General Hospital", "HCH": "Hillside Community Hospital"}
# The trust's list of places (what `onboard --locations` is given).
LOCATIONS = [
    ("RH-ED", "Emergency Department", "RGH", "Urgent Care", "Emergency Medicine",
     "emergency_department"),
    ("RH-W3", "Ward 3 Elderly Care", "RGH", "Medicine", "Geriatric Medicine", "ward"),
    ("RH-W5", "Ward 5 Respiratory", "RGH", "Medicine", "Respiratory Medicine", "ward"),
    ("RH-W9", "Ward 9 Surgical", "RGH", "Surgery", "General Surgery", "ward"),
    ("RH-ICU", "Intensive Care Unit", "RGH", "Surgery", "Critical Care", "critical_care"),
    ("RH-AMU", "Acute Medical Unit", "RGH", "Medicine", "Acute Medicine", "assessment_unit"),
    ("RH-OPD", "Riverside Outpatients", "RGH", "Clinical Support", "", "outpatient_clinic"),
    ("HC-OPD", "Hillside Outpatients", "HCH", "Community", "", "outpatient_clinic"),
    ("HC-OAK", "Oak Ward", "HCH", "Community", "Rehabilitation", "ward"),
    ("HC-ELM", "Elm Ward", "HCH", "Community", "Rehabilitation", "ward"),
]
# How each system spells the places: exported spelling -> (site as exported, location id).
# "Outpatients" is exported at both sites and means two places.
SPELLINGS = {
    "datix": [("A&E", "RGH", "RH-ED"), ("W3", "RGH", "RH-W3"), ("Ward 5 (Resp)", "RGH", "RH-W5"),
              ("Ward 9", "RGH", "RH-W9"), ("ITU", "RGH", "RH-ICU"), ("AMU", "RGH", "RH-AMU"),
              ("Oak Ward", "HCH", "HC-OAK"), ("Elm", "HCH", "HC-ELM")],
    "radar": [("Emergency Dept", "Riverside", "RH-ED"), ("Ward 3", "Riverside", "RH-W3"),
              ("Ward 5 Respiratory", "Riverside", "RH-W5"),
              ("Ward 9 Surgical", "Riverside", "RH-W9"),
              ("Intensive Care", "Riverside", "RH-ICU"),
              ("Acute Medical Unit", "Riverside", "RH-AMU"),
              ("Outpatients", "Riverside", "RH-OPD"), ("Outpatients", "Hillside", "HC-OPD"),
              ("Oak", "Hillside", "HC-OAK"), ("Elm Ward", "Hillside", "HC-ELM")],
    "fft": [("Emergency Department", "RGH", "RH-ED"), ("Ward 3 - Elderly", "RGH", "RH-W3"),
            ("Ward 5", "RGH", "RH-W5"), ("Ward 9", "RGH", "RH-W9"), ("AMU", "RGH", "RH-AMU"),
            ("Outpatients", "RGH", "RH-OPD"), ("Outpatients", "HCH", "HC-OPD"),
            ("Oak Ward", "HCH", "HC-OAK")],
}
# The trust's local codes and the theme a reviewer gives each ("" = deliberately none).
TRUTH_CODES = {
    ("incidents", "category"): {
        "Slips, trips and falls": "falls", "Falls": "falls", "Medication incident": "medication",
        "Medication": "medication", "Pressure damage": "pressure_ulcers",
        "Deteriorating patient": "deterioration_sepsis", "Infection control": "infection",
        "Violence and aggression": "violence_restraint", "Discharge": "discharge_transfer",
        "Communication": "communication", "Equipment failure": "equipment_environment",
        "Staffing levels": "staffing_capacity", "Self harm": "self_harm_suicide",
    },
    ("complaints", "sub_subjects"): {
        "Rude staff": "dignity_staff_attitude", "Lost property": "",
        "Delayed discharge": "discharge_transfer", "Missed medication": "medication",
        "Poor communication with family": "communication",
    },
}
SUBJECTS = ["Communications", "Staff (values and behaviours)", "Waiting times",
            "Admissions, discharges and transfers", "Clinical treatment"]
HARM_DATIX = ["No harm", "Low", "Moderate", "Severe", "Death"]
HARM_RADAR = ["None", "Low", "Moderate", "Severe", "Death"]
RATINGS = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
PROBLEMS = ["Assessment, investigation or diagnosis",
            "Medication, IV fluids, electrolytes or oxygen", "Clinical monitoring",
            "Treatment and management plan"]
END = dt.date(2026, 9, 30)
TRUTH_LOCATIONS = {(s, site): loc for spellings in SPELLINGS.values() for s, site, loc in spellings}


def _day(rng: random.Random, days: int = 540) -> dt.date:
    return END - dt.timedelta(days=rng.randrange(days))


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_locations(path: Path) -> None:
    _write(path, ["location_id", "location_name", "site", "directorate", "specialty",
                  "location_type"],
           [[i, name, SITES[site], d, s, t] for i, name, site, d, s, t in LOCATIONS])


def write_exports(root: Path, seed: int = 3, scale: int = 1) -> None:
    """The trust's exports under root/<source>/, in the shipped templates' layouts."""
    rng = random.Random(seed)
    categories = list(TRUTH_CODES[("incidents", "category")])
    datix_categories = [c for c in categories if c in ("Slips, trips and falls", "Medication",
                                                       "Infection control", "Self harm",
                                                       "Communication")]
    radar_categories = [c for c in categories if c not in datix_categories]
    # Datix: the incident history before the move to Radar (older incidents).
    rows = []
    for n in range(150 * scale):
        spelling, site, _ = rng.choice(SPELLINGS["datix"])
        day = END - dt.timedelta(days=rng.randrange(300, 700))
        rows.append([f"D{n + 1:05d}", day.strftime("%d/%m/%Y"), spelling, site,
                     rng.choice(datix_categories), rng.choice(HARM_DATIX[:3]),
                     "Patient found on floor beside bed, no injury noted.",
                     rng.choice(["Incident", "Near miss"])])
    _write(root / "incidents" / "datix_listing_2025.csv",
           ["ID", "Incident date", "Location (exact)", "Site", "Category", "Severity",
            "Description", "Incident type"], rows)
    # Radar: the current system, monthly files with site-qualified areas.
    for month in range(1, 4):
        rows = []
        for n in range(60 * scale):
            spelling, site, _ = rng.choice(SPELLINGS["radar"])
            day = END - dt.timedelta(days=rng.randrange(0, 90))
            rows.append([f"R{month}{n + 1:04d}", day.strftime("%d/%m/%Y"), site, spelling,
                         rng.choice(radar_categories), rng.choice(HARM_RADAR[:4]),
                         "Medication given late on the evening round.",
                         day.strftime("%d/%m/%Y") + " 10:15"])
        _write(root / "incidents" / f"radar_export_2026-0{month + 6}.csv",
               ["Incident Number", "Date of Incident", "Site", "Area", "Incident Category",
                "Actual Impact", "Summary", "Last Modified"], rows)
    # Vendor FFT responses.
    rows = []
    for n in range(300 * scale):
        spelling, site, _ = rng.choice(SPELLINGS["fft"])
        rows.append([f"FFT-{n + 1:06d}", _day(rng, 400).strftime("%d/%m/%Y"), site, spelling,
                     rng.choice(RATINGS), "Staff were kind",
                     rng.choice(["", "Waited a long time for pain relief", "More parking"]),
                     rng.choice(["SMS", "Tablet", "Paper"])])
    _write(root / "fft" / "vendor_responses.csv",
           ["Response ID", "Response Date", "Site", "Ward/Department", "Overall experience",
            "What was good?", "What could be improved?", "Channel"], rows)
    # KO41a complaints register: subjects in three columns, trust sub-subjects.
    rows = []
    sub_subjects = list(TRUTH_CODES[("complaints", "sub_subjects")])
    for n in range(60 * scale):
        spelling, site, _ = rng.choice(SPELLINGS["radar"])
        subjects = rng.sample(SUBJECTS, rng.randint(1, 3)) + ["", ""]
        rows.append([f"C{n + 1:04d}", _day(rng).strftime("%d/%m/%Y"), site, spelling,
                     *subjects[:3], rng.choice(sub_subjects),
                     rng.choice(["Upheld", "Partially upheld", "Not upheld"])])
    _write(root / "complaints" / "ko41a_register.csv",
           ["Complaint Ref", "Date Received", "Site", "Location", "Subject 1", "Subject 2",
            "Subject 3", "Sub-subject", "Outcome"], rows)
    # RCP SJR form: one "Problem types" cell and one harm answer per review.
    rows = []
    for n in range(40 * scale):
        spelling, site, _ = rng.choice(SPELLINGS["datix"])
        problems = rng.sample(PROBLEMS, rng.randint(0, 2))
        rows.append([f"SJR{n + 1:03d}", _day(rng).strftime("%d/%m/%Y"), site, spelling,
                     rng.randint(1, 5), rng.randint(1, 5), "; ".join(problems),
                     rng.choice(["Yes", "No"]) if problems else "",
                     "Score 6 - Definitely not avoidable"])
    _write(root / "sjr" / "rcp_sjr_reviews.csv",
           ["SJR Number", "Date of Death", "Site", "Ward", "Admission and initial management",
            "Overall assessment of care", "Problem types", "Problem led to harm",
            "Avoidability of death"], rows)
