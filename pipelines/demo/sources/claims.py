"""The legal services claims register: clinical (CNST) and non-clinical (LTPS) claims, each
notified years after its incident, with damages and costs that have a long tail, and links to
the Datix incident, complaint or inquest where the team found one."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.demo import texts
from pipelines.demo.catalogue import CLAIM_CAUSES, CLAIM_INJURIES
from pipelines.demo.context import Context
from pipelines.demo.exports import FILE, ORDER, TAG, Dialect, render
from pipelines.demo.messiness import plant_bad_value, plant_common_mess
from pipelines.demo.sampling import (
    location_weights,
    numbered_by_year,
    pick,
    plant_locations,
    sample_dates,
    spell,
)
from pipelines.demo.scenario import Plant
from pipelines.demo.sources import SourceResult, ids_by_tag

# Claims notified a year to a mid-sized acute trust (NHS Resolution: ~13,000 clinical and
# ~3,000 non-clinical claims a year across some 200 trusts).
PER_YEAR = 70
FILE_NAME = "claims/claims_register.csv"
# Incident to notification: median two years, a long tail (limitation runs from the date of
# knowledge, and for children from their 18th birthday).
LAG_MEDIAN_DAYS, LAG_SIGMA = 730, 0.6
MIN_PLANTED_LAG_DAYS = 30
COLUMNS = {
    "claim_reference": "Claim Ref", "scheme": "Scheme", "claim_type": "Claim Type",
    "incident_date": "Incident Date", "notification_date": "Date Notified",
    "closed_date": "Date Closed", "status": "Status", "claimant": "Claimant",
    "site": "Site", "directorate": "Directorate", "specialty": "Specialty",
    "location": "Ward/Dept", "cause_group": "Cause Group", "injury": "Injury",
    "description": "Allegation Summary", "damages_paid": "Damages Paid",
    "defence_costs": "Defence Costs", "claimant_costs": "Claimant Costs", "reserve": "Reserve",
    "linked_incident_ids": "Datix Ref", "linked_complaint_ids": "Complaint Ref",
    "linked_inquest_ids": "Inquest Ref", "handler": "Case Handler",
}
CANONICAL = set(COLUMNS) - {"claimant", "handler"}
VALUES = {
    "scheme": {"cnst": "CNST", "ltps": "LTPS", "pes": "PES"},
    "claim_type": {"clinical": "Clinical", "non_clinical": "Non-clinical"},
    "status": {"open": "Open", "closed_damages": "Closed - damages paid",
               "closed_nil": "Closed - nil"},
}
LEGAL_REGISTER = Dialect(list_separator="; ")
MONEY = ("damages_paid", "defence_costs", "claimant_costs", "reserve")
HANDLERS = ("Legal Services - A. Reid", "Legal Services - K. Osei")


def cause_group_for(theme: str, ref) -> str:
    """The first cause group theme_code_map.csv codes to `theme` (planted claims use it)."""
    for group in CLAIM_CAUSES:
        if theme in ref.themes_of("claims", "cause_group", group):
            return group
    raise KeyError(theme)


def _money(value: float | None) -> str | None:
    return None if value is None else f"£{value:,.2f}"


def _claim(ctx: Context, rng: np.random.Generator, notified: dt.date, loc: int, group: str,
           *, lag_days: int | None = None, tag: str | None = None) -> dict:
    end = ctx.scenario.end_date
    place = ctx.ref.locations[loc]
    _, kind, allegation = CLAIM_CAUSES[group]
    lag = lag_days if lag_days is not None else int(np.clip(
        rng.lognormal(np.log(LAG_MEDIAN_DAYS), LAG_SIGMA), 60, 15 * 365))
    incident = notified - dt.timedelta(days=lag)
    column = 1 if kind == "non_clinical" else 0
    injuries = list(CLAIM_INJURIES)
    if place.location_type not in ("delivery_suite", "neonatal_unit"):
        weights = [0 if i == "Cerebral palsy" else CLAIM_INJURIES[i][column] for i in injuries]
    else:
        weights = [CLAIM_INJURIES[i][column] * (8 if i in ("Cerebral palsy", "Brain damage")
                                                else 1) for i in injuries]
    injury = injuries[pick(rng, weights, 1)[0]]
    median = CLAIM_INJURIES[injury][2]
    # Claims settle over years: the older the claim, the likelier it has closed.
    age_years = (end - notified).days / 365.25
    open_days = (end - notified).days
    closed = open_days > 30 and rng.random() < 1 - np.exp(-age_years / 1.8)
    damages = defence = claimant_costs = reserve = 0.0
    closed_date, status = None, "open"
    if closed:
        closed_date = notified + dt.timedelta(days=int(rng.integers(30, open_days + 1)))
        paid = rng.random() < 0.55
        status = "closed_damages" if paid else "closed_nil"
        defence = round(rng.lognormal(np.log(6_000 if not paid else 0.15 * median + 4_000), 0.7), 2)
        if paid:
            damages = round(rng.lognormal(np.log(median), 1.0), 2)
            claimant_costs = round(damages * rng.uniform(0.2, 0.7) + rng.uniform(2_000, 9_000), 2)
    else:
        reserve = round(rng.lognormal(np.log(median * 1.3), 1.0), 2)
        defence = round(rng.lognormal(np.log(3_000), 0.8), 2) if rng.random() < 0.6 else 0.0
        # Interim payments on the largest open claims.
        if median >= 500_000 and rng.random() < 0.5:
            damages = round(reserve * rng.uniform(0.05, 0.2), 2)
    return {
        "scheme": ("cnst" if kind == "clinical" else "pes" if rng.random() < 0.05 else "ltps"),
        "claim_type": kind, "incident_date": incident, "notification_date": notified,
        "closed_date": closed_date, "status": status,
        "claimant": f"{texts.FIRST_NAMES[int(rng.integers(len(texts.FIRST_NAMES)))]} "
                    f"{texts.SURNAMES[int(rng.integers(len(texts.SURNAMES)))]}",
        "_loc": loc, "site": place.site, "directorate": place.directorate,
        "specialty": place.specialty, "cause_group": group, "injury": injury,
        "description": f"Letter of claim alleges {allegation}; {injury.lower()} claimed.",
        "damages_paid": damages, "defence_costs": defence, "claimant_costs": claimant_costs,
        "reserve": reserve, "linked_incident_ids": [], "linked_complaint_ids": [],
        "linked_inquest_ids": [],
        "handler": HANDLERS[int(rng.integers(len(HANDLERS)))],
        TAG: tag,
    }


def _link(rows: list[dict], rng: np.random.Generator, incidents: pl.DataFrame,
          complaints: pl.DataFrame, inquests: pl.DataFrame) -> None:
    """The references the legal team records. Most claims about care the incident exports
    cover match a Datix incident at the same place (moderate harm or worse, within two
    months; for a planted claim, an incident planted for the same problem), and the claim
    then dates from it; some fatalities match an inquest into a death there (the claim then
    dates from the death); some match a complaint there in the year after."""
    harmful = incidents.filter(pl.col("physical_harm").is_in(["moderate", "severe", "fatal"]))
    used: set[str] = set()  # one claim per incident
    for row in rows:
        day, loc, latest = row["incident_date"], row["_loc"], (
            row["notification_date"] - dt.timedelta(days=30))
        if row[TAG] is None:
            found = harmful.filter(
                (pl.col("_loc") == loc) & (pl.col("occurred_date") <= latest)
                & pl.col("occurred_date").is_between(day - dt.timedelta(days=60),
                                                     day + dt.timedelta(days=60)))
        else:
            found = incidents.filter((pl.col(TAG) == row[TAG]) & (pl.col("_loc") == loc)
                                     & (pl.col("occurred_date") <= latest))
        found = found.filter(~pl.col("incident_id").is_in(list(used)))
        if found.height and rng.random() < (0.6 if row[TAG] is None else 0.8):
            incident = found.row(int(rng.integers(found.height)), named=True)
            row["incident_date"] = incident["occurred_date"]
            row["linked_incident_ids"] = [incident["incident_id"]]
            used.add(incident["incident_id"])
        if row["injury"] == "Fatality":
            found = inquests.filter((pl.col("_loc") == loc)
                                    & (pl.col("date_of_death") <= latest))
            if found.height and rng.random() < 0.5:
                inquest = found.row(int(rng.integers(found.height)), named=True)
                row["incident_date"] = inquest["date_of_death"]
                row["linked_inquest_ids"] = [inquest["case_reference"]]
        day = row["incident_date"]
        found = complaints.filter((pl.col("_loc") == loc) & pl.col("received_date").is_between(
            day, min(day + dt.timedelta(days=365), row["notification_date"])))
        if found.height and rng.random() < 0.3:
            row["linked_complaint_ids"] = found["complaint_id"].head(1).to_list()


def _background(ctx: Context, rng: np.random.Generator) -> list[dict]:
    n = ctx.volume(PER_YEAR, "claims")
    scenario = ctx.scenario
    notified = sample_dates(rng, n, scenario.start_date, scenario.end_date, winter=0.0,
                            weekend=0.05, growth=scenario.growth_per_year).astype(dt.date)
    # Claims come from where harm is recorded: the incidents' spread over locations.
    locations = pick(rng, location_weights(ctx.ref, "incidents"), n)
    groups = list(CLAIM_CAUSES)
    causes = pick(rng, [CLAIM_CAUSES[g][0] for g in groups], n)
    return [_claim(ctx, rng, day, int(loc), groups[c])
            for day, loc, c in zip(notified, locations, causes, strict=True)]


def _planted(ctx: Context, rng: np.random.Generator, plant: Plant) -> list[dict]:
    """Claims about the theme at the unit whose incident and notification both fall in the
    window: the quick claims (a fracture after a fall, a letter of claim within months) that
    a run of similar harm brings in first."""
    n = ctx.scenario.planted_count(plant, "claims", ctx.scale)
    group = cause_group_for(plant.theme, ctx.ref)
    last_incident = max(plant.start, plant.end - dt.timedelta(days=MIN_PLANTED_LAG_DAYS))
    span = (last_incident - plant.start).days
    incidents = [plant.start + dt.timedelta(days=int(d))
                 for d in rng.integers(0, span + 1, size=n)]
    locations = plant_locations(ctx, rng, plant, "incidents", n)
    rows = []
    for day, loc in zip(sorted(incidents), locations, strict=True):
        room = max(MIN_PLANTED_LAG_DAYS, (plant.end - day).days)
        lag = int(rng.integers(MIN_PLANTED_LAG_DAYS, room + 1))
        notified = min(day + dt.timedelta(days=lag), plant.end)
        rows.append(_claim(ctx, rng, notified, int(loc), group, tag=plant.name,
                           lag_days=(notified - day).days))
    return rows


def build(ctx: Context, incidents: SourceResult, complaints: SourceResult,
          inquests: SourceResult) -> SourceResult:
    rng = ctx.rng("claims")
    rows = _background(ctx, rng)
    for plant in ctx.scenario.plants_for("claims"):
        rows += _planted(ctx, rng, plant)
    _link(rows, rng, incidents.records, complaints.records, inquests.records)
    records = pl.DataFrame(rows, schema_overrides={
        TAG: pl.String, "closed_date": pl.Date, "linked_incident_ids": pl.List(pl.String),
        "linked_complaint_ids": pl.List(pl.String), "linked_inquest_ids": pl.List(pl.String)},
        infer_schema_length=None)
    records = records.sort("notification_date", maintain_order=True).with_columns(
        numbered_by_year(ctx.id_prefix + "CLM", "notification_date", 4).alias("claim_reference"))
    export = records.with_columns(
        *(pl.col(c).map_elements(_money, return_dtype=pl.String) for c in MONEY),
        pl.Series("location", spell(ctx.ref, records["_loc"].to_numpy(), 3)),
        pl.lit(FILE_NAME).alias(FILE), pl.col("claim_reference").alias(ORDER))
    table = render(export, COLUMNS, LEGAL_REGISTER, values=VALUES, source="claims",
                   canonical=CANONICAL)
    plant_bad_value(table, rng, "notification_date", "pending", "unparseable date")
    blanks = plant_common_mess([table], rng, ctx.scenario.messiness,
                               blank_fields=("site", "specialty"), text_field="description")
    return SourceResult([table], ids_by_tag(records, "claim_reference"), records, blanks)
