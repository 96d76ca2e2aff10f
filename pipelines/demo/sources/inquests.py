"""The legal team's inquest register: a Windows-1252 CSV (names and text carry accents,
curly apostrophes and pound signs), with PFD (Regulation 28) reports sent to the trust."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.demo import texts
from pipelines.demo.context import Context
from pipelines.demo.exports import FILE, ORDER, TAG, Dialect, render
from pipelines.demo.messiness import plant_bad_value, plant_common_mess
from pipelines.demo.sampling import (
    background,
    numbered_by_year,
    pick,
    plant_locations,
    spell,
    uniform_dates,
)
from pipelines.demo.scenario import Plant
from pipelines.demo.sources import SourceResult, ids_by_tag

PER_YEAR = 40
FILE_NAME = "inquests/inquest_register.csv"
PFD_RESPONSE_DAYS = 56
CONCLUSIONS = {
    "natural_causes": 0.33, "narrative": 0.25, "accident_misadventure": 0.20, "suicide": 0.08,
    "alcohol_drug_related": 0.04, "open": 0.03, "industrial_disease": 0.02,
    "road_traffic_collision": 0.02, "unlawful_killing": 0.01, "stillbirth": 0.02,
}
# What background coroners' concerns are about.
CONCERN_THEMES = {
    "deterioration_sepsis": 0.14, "falls": 0.12, "diagnosis": 0.12, "medication": 0.10,
    "communication": 0.10, "discharge_transfer": 0.08, "self_harm_suicide": 0.08,
    "records_it": 0.05, "staffing_capacity": 0.05, "access_delays": 0.05,
    "maternity_neonatal": 0.04, "pressure_ulcers": 0.04, "end_of_life_care": 0.03,
}
COLUMNS = {
    "case_reference": "Case Ref", "deceased": "Deceased", "date_of_death": "Date of Death",
    "coroner_area": "Coroner Area", "site": "Site", "directorate": "Directorate",
    "location": "Ward/Dept", "hearing_date": "Inquest Date", "is_article_2": "Article 2",
    "conclusion": "Conclusion", "is_neglect_rider": "Neglect", "is_pfd_issued": "PFD Issued",
    "pfd_date": "PFD Date", "concerns": "Matters of Concern", "response_due": "PFD Response Due",
    "response_sent_date": "PFD Response Sent", "linked_incident_ids": "Linked Incidents",
    "linked_sjr_ids": "Linked SJRs", "legal_costs": "Legal Costs", "notes": "Notes",
}
CANONICAL = set(COLUMNS) - {"deceased", "response_due", "legal_costs", "notes"}
VALUES = {"conclusion": {
    "natural_causes": "Natural causes", "narrative": "Narrative",
    "accident_misadventure": "Accident/Misadventure", "suicide": "Suicide",
    "alcohol_drug_related": "Alcohol/Drug related", "open": "Open",
    "industrial_disease": "Industrial disease", "road_traffic_collision": "Road traffic collision",
    "lawful_killing": "Lawful killing", "unlawful_killing": "Unlawful killing",
    "stillbirth": "Stillbirth",
}}
LEGAL_REGISTER = Dialect(list_separator="; ")


def _text(rng: np.random.Generator, pool: tuple[str, ...]) -> str:
    return pool[int(rng.integers(len(pool)))]


def _inquest(ctx: Context, rng: np.random.Generator, death: dt.date, loc: int, *,
             hearing: dt.date | None = None, conclusion: str | None = None,
             concern_theme: str | None = None, pfd: bool | None = None,
             incidents: list[str] = (), sjrs: list[str] = (), tag: str | None = None) -> dict:
    end = ctx.scenario.end_date
    place = ctx.ref.locations[loc]
    hearing = hearing or death + dt.timedelta(days=int(rng.integers(120, 420)))
    concluded = hearing <= end
    if concluded and conclusion is None:
        weights = dict(CONCLUSIONS)
        if place.location_type not in ("delivery_suite", "neonatal_unit"):
            weights["stillbirth"] = 0
        conclusion = list(weights)[pick(rng, list(weights.values()), 1)[0]]
    pfd = concluded and (rng.random() < 0.10 if pfd is None else pfd)
    pfd_date = min(hearing + dt.timedelta(days=int(rng.integers(0, 21))), end) if pfd else None
    if concluded and concern_theme is None and (pfd or rng.random() < 0.10):
        concern_theme = list(CONCERN_THEMES)[pick(rng, list(CONCERN_THEMES.values()), 1)[0]]
    sent = None
    if pfd_date:
        u = rng.random()
        lag = (int(rng.integers(30, 57)) if u < 0.75 else int(rng.integers(57, 100))
               if u < 0.85 else None)
        sent = pfd_date + dt.timedelta(days=lag) if lag is not None else None
        sent = sent if sent and sent <= end else None  # still awaited, or overdue once due
    return {
        "date_of_death": death, "_loc": loc, "site": place.site,
        "directorate": place.directorate,
        "deceased": f"{_text(rng, texts.FIRST_NAMES)} {_text(rng, texts.SURNAMES)}",
        "coroner_area": _text(rng, texts.CORONER_AREAS),
        "hearing_date": hearing if hearing <= end + dt.timedelta(days=180) else None,
        "is_article_2": bool(rng.random() < 0.08), "conclusion": conclusion if concluded else None,
        "is_neglect_rider": bool(conclusion == "narrative" and rng.random() < 0.08),
        "is_pfd_issued": bool(pfd), "pfd_date": pfd_date,
        "concerns": _text(rng, texts.INQUEST_CONCERNS[concern_theme]) if concern_theme else None,
        "response_due": pfd_date + dt.timedelta(days=PFD_RESPONSE_DAYS) if pfd_date else None,
        "response_sent_date": sent,
        "linked_incident_ids": list(incidents), "linked_sjr_ids": list(sjrs),
        "legal_costs": f"£{int(rng.integers(4, 120)) * 250:,}.00" if rng.random() < 0.4 else None,
        "notes": _text(rng, texts.INQUEST_NOTES) if rng.random() < 0.5 else None,
        TAG: tag,
    }


def _incident_near(incidents: pl.DataFrame, loc: int, death: dt.date) -> list[str]:
    """A serious incident at the same place in the month before the death, if there is one."""
    found = incidents.filter(
        (pl.col("_loc") == loc) & pl.col("physical_harm").is_in(["severe", "fatal"])
        & pl.col("occurred_date").is_between(death - dt.timedelta(days=30), death))
    return found["incident_id"].head(1).to_list()


def _planted_incident_near(incidents: pl.DataFrame, plant: Plant, loc: int,
                           death: dt.date) -> list[str]:
    """An incident planted for the same problem at the same place in the month before."""
    found = incidents.filter(
        (pl.col(TAG) == plant.name) & (pl.col("_loc") == loc)
        & pl.col("occurred_date").is_between(death - dt.timedelta(days=30), death))
    return found["incident_id"].head(1).to_list()


def _background(ctx: Context, rng: np.random.Generator, incidents: pl.DataFrame,
                reviews: pl.DataFrame) -> list[dict]:
    n = ctx.volume(PER_YEAR, "inquests")
    # About a third of inquests follow a death the trust also reviewed by SJR.
    reviewed = reviews.filter(pl.col(TAG).is_null())
    linked = rng.choice(reviewed.height, size=min(reviewed.height, round(n / 3)), replace=False)
    rows = [_inquest(ctx, rng, r["date_of_death"], r["_loc"], sjrs=[r["review_id"]],
                     incidents=_incident_near(incidents, r["_loc"], r["date_of_death"]))
            for r in reviewed[np.sort(linked).tolist()].iter_rows(named=True)]
    deaths, locations = background(ctx, rng, "inquests", n - len(rows))
    for death, loc in zip(deaths.astype(dt.date), locations, strict=True):
        rows.append(_inquest(ctx, rng, death, int(loc),
                             incidents=_incident_near(incidents, int(loc), death)))
    return rows


def _planted(ctx: Context, rng: np.random.Generator, plant: Plant, reviews: pl.DataFrame,
             incidents: pl.DataFrame) -> list[dict]:
    """Concluded inquests with the coroner's concerns about the theme; the first (and about a
    third) with a PFD report. Deaths the planted SJRs reviewed are used first."""
    end = ctx.scenario.end_date
    n = ctx.scenario.planted_count(plant, "inquests", ctx.scale)
    # Room for a hearing and a report inside the window, where the window allows it.
    last_death = max(plant.start, end - dt.timedelta(days=45))
    known = reviews.filter((pl.col(TAG) == plant.name) & (pl.col("date_of_death") <= last_death))
    known = known[np.sort(rng.choice(known.height, size=min(n, known.height), replace=False))]
    deaths = [(r["date_of_death"], r["_loc"], [r["review_id"]])
              for r in known.iter_rows(named=True)]
    extra = n - len(deaths)
    deaths += [(d, int(loc), []) for d, loc in zip(
        uniform_dates(rng, extra, plant.start, last_death).astype(dt.date),
        plant_locations(ctx, rng, plant, "inquests", extra), strict=True)]
    rows = []
    for i, (death, loc, sjrs) in enumerate(deaths):
        room = (end - dt.timedelta(days=7) - death).days
        hearing = min(death + dt.timedelta(days=int(rng.integers(14, max(15, min(120, room))))),
                      end)
        rows.append(_inquest(
            ctx, rng, death, loc, hearing=hearing,
            conclusion=("narrative", "natural_causes")[int(rng.random() < 0.4)],
            concern_theme=plant.theme, pfd=i == 0 or rng.random() < 0.33, sjrs=sjrs,
            incidents=_planted_incident_near(incidents, plant, loc, death), tag=plant.name))
    return rows


def build(ctx: Context, incidents: SourceResult, reviews: SourceResult) -> SourceResult:
    rng = ctx.rng("inquests")
    scenario = ctx.scenario
    rows = _background(ctx, rng, incidents.records, reviews.records)
    for plant in scenario.plants_for("inquests"):
        rows += _planted(ctx, rng, plant, reviews.records, incidents.records)
    ids = [loc.location_id for loc in ctx.ref.locations]
    for event in scenario.national_events:
        if event.kind == "mental_health_act_death":
            # A death in detention engages Article 2: a jury inquest, here with a suicide
            # conclusion and the incident linked.
            hearing = min(event.date + dt.timedelta(days=150), scenario.end_date)
            row = _inquest(ctx, rng, event.date, ids.index(event.location_id),
                           hearing=hearing, conclusion="suicide",
                           incidents=incidents.planted.get(f"national:{event.kind}", []),
                           tag=f"national:{event.kind}")
            rows.append({**row, "is_article_2": True})
    records = pl.DataFrame(rows, schema_overrides={
        TAG: pl.String, "conclusion": pl.String, "concerns": pl.String, "pfd_date": pl.Date,
        "response_due": pl.Date, "response_sent_date": pl.Date, "hearing_date": pl.Date,
        "linked_incident_ids": pl.List(pl.String), "linked_sjr_ids": pl.List(pl.String),
        "legal_costs": pl.String, "notes": pl.String}, infer_schema_length=None)
    records = records.sort("date_of_death", maintain_order=True).with_columns(
        numbered_by_year(ctx.id_prefix + "INQ", "date_of_death", 3).alias("case_reference"))
    export = records.with_columns(
        pl.Series("location", spell(ctx.ref, records["_loc"].to_numpy(), 4)),
        pl.lit(FILE_NAME).alias(FILE), pl.col("case_reference").alias(ORDER))
    table = render(export, COLUMNS, LEGAL_REGISTER, values=VALUES, source="inquests",
                   canonical=CANONICAL, encoding="cp1252", line_terminator="\r\n")
    plant_bad_value(table, rng, "date_of_death", "TBC", "unparseable date")
    blanks = plant_common_mess([table], rng, scenario.messiness, blank_fields=("site",),
                               text_field="concerns")
    return SourceResult([table], ids_by_tag(records, "case_reference"), records, blanks)
