"""Structured Judgement Reviews (RCP method) from the mortality review system: one wide row
per review, a column per phase score ("N/A" where the phase does not apply) and per problem
type."""

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
    plant_dates,
    plant_locations,
    spell,
)
from pipelines.demo.scenario import Plant, ScenarioError
from pipelines.demo.sources import SourceResult, ids_by_tag
from pipelines.lib.canonical import SJR_PHASES, SJR_PROBLEM_TYPES

PER_YEAR = 250
FILE_NAME = "sjr/sjr_reviews.csv"
SURGICAL = ("General Surgery", "Colorectal Surgery", "Trauma and Orthopaedics", "Urology",
            "Critical Care", "Anaesthetics")
QUALITY = (0.02, 0.08, 0.40, 0.40, 0.10)  # overall care 1 very poor .. 5 excellent
PROBLEM_WEIGHTS = dict(zip(SJR_PROBLEM_TYPES, (0.22, 0.12, 0.22, 0.08, 0.06, 0.14, 0.04, 0.12),
                           strict=True))
HARM = ("harm_no", "harm_yes", "harm_unsure")
AVOIDABLE = ("probably_avoidable", "strong_evidence", "definitely_avoidable")
AVOIDABILITY_LABELS = {
    "definitely_not_avoidable": "Definitely not avoidable",
    "slight_evidence": "Slight evidence of avoidability",
    "possibly_avoidable_not_likely": "Possibly avoidable but not very likely (less than 50:50)",
    "probably_avoidable": "Probably avoidable (more than 50:50)",
    "strong_evidence": "Strong evidence of avoidability",
    "definitely_avoidable": "Definitely avoidable",
}
PHASE_HEADERS = {
    "admission": "Phase 1 - Admission and initial care", "ongoing_care": "Phase 2 - Ongoing care",
    "procedure": "Phase 3 - Care during a procedure",
    "perioperative": "Phase 4 - Perioperative care", "end_of_life": "Phase 5 - End of life care",
    "overall": "Phase 6 - Overall assessment",
}
PROBLEM_HEADERS = {
    "assessment": "Problem - Assessment, investigation or diagnosis",
    "medication": "Problem - Medication, IV fluids, electrolytes or oxygen",
    "treatment": "Problem - Treatment and management plan",
    "infection": "Problem - Infection management",
    "procedure": "Problem - Operation or invasive procedure",
    "monitoring": "Problem - Clinical monitoring", "resuscitation": "Problem - Resuscitation",
    "other": "Problem - Other",
}
COLUMNS = {
    "review_id": "SJR Ref", "date_of_death": "Date of Death", "admission_date": "Date of Admission",
    "review_date": "Review Completed", "site": "Site", "directorate": "Division",
    "specialty": "Specialty", "location": "Ward", "has_learning_disability": "LD/Autism",
    **{f"score_{p}": h for p, h in PHASE_HEADERS.items()},
    **{f"problem_{k}": h for k, h in PROBLEM_HEADERS.items()},
    "avoidability": "Avoidability of death", "reviewer_comments": "Reviewer comments",
    "is_second_stage_review": "Second stage review",
}
VALUES = {
    **{f"problem_{k}": {"none": "No problem", "harm_no": "Problem - no harm",
                        "harm_yes": "Problem - harm", "harm_unsure": "Problem - unsure"}
       for k in SJR_PROBLEM_TYPES},
    "avoidability": AVOIDABILITY_LABELS,
}
MORTALITY_SYSTEM = Dialect(true="Yes", false="No")


def _review(rng: np.random.Generator, surgical: bool, quality: int,
            problems: dict[str, str] | None = None) -> dict:
    """One review's scores, problems in care and judgement, consistent with each other."""
    applies = {"admission": 0.97, "ongoing_care": 0.85, "procedure": 0.5 if surgical else 0.1,
               "perioperative": 0.4 if surgical else 0.03, "end_of_life": 0.7, "overall": 1}
    scores = {f"score_{p}": (quality if p == "overall" else
                             int(np.clip(quality + rng.choice([-1, 0, 1], p=[.15, .7, .15]), 1, 5)))
              if rng.random() < chance else None for p, chance in applies.items()}
    if problems is None:
        count = (pick(rng, [0.5, 0.35, 0.15], 1)[0] + 1 if quality <= 2
                 else int(rng.random() < (0.2 if quality == 3 else 0.03)))
        kinds = rng.choice(list(PROBLEM_WEIGHTS), size=count, replace=False,
                           p=np.array(list(PROBLEM_WEIGHTS.values())))
        problems = {k: HARM[pick(rng, [0.5, 0.25, 0.25], 1)[0]] for k in kinds}
    if not problems:
        avoidability = ("definitely_not_avoidable", "slight_evidence")[int(rng.random() < 0.15)]
        comment = texts.SJR_GOOD_CARE[int(rng.integers(len(texts.SJR_GOOD_CARE)))]
    else:
        labels = list(AVOIDABILITY_LABELS)
        mix = ([0, .25, .35, .2, .12, .08] if quality <= 2 else [.3, .5, .2, 0, 0, 0])
        avoidability = labels[pick(rng, mix, 1)[0]]
        pool = texts.SJR_COMMENTS[next(iter(problems))]
        comment = pool[int(rng.integers(len(pool)))]
    return {**scores,
            **{f"problem_{k}": problems.get(k, "none") for k in SJR_PROBLEM_TYPES},
            "avoidability": avoidability, "reviewer_comments": comment,
            "is_second_stage_review": any(s is not None and s <= 2 for s in scores.values())}


def _reviews(ctx: Context, rng: np.random.Generator, deaths: np.ndarray, locations: np.ndarray,
             tag: str | None = None, problems: list[dict] | None = None,
             quality: np.ndarray | None = None) -> list[dict]:
    end = ctx.scenario.end_date
    quality = pick(rng, QUALITY, deaths.size) + 1 if quality is None else quality
    rows = []
    for i, (death, loc) in enumerate(zip(deaths.astype(dt.date), locations, strict=True)):
        place = ctx.ref.locations[loc]
        rows.append({
            "date_of_death": death,
            "admission_date": death - dt.timedelta(days=int(rng.geometric(0.12)) - 1),
            "review_date": min(death + dt.timedelta(days=int(rng.integers(14, 90))), end),
            "site": place.site, "directorate": place.directorate, "specialty": place.specialty,
            "_loc": int(loc), "has_learning_disability": bool(rng.random() < 0.03),
            **_review(rng, place.specialty in SURGICAL, int(quality[i]),
                      None if problems is None else problems[i]),
            TAG: tag,
        })
    return rows


def _planted(ctx: Context, rng: np.random.Generator, plant: Plant) -> list[dict]:
    n = ctx.scenario.planted_count(plant, "sjr", ctx.scale)
    kinds = [k for k in SJR_PROBLEM_TYPES
             if plant.theme in ctx.ref.themes_of("sjr", "problem_type", k)]
    if not kinds:
        raise ScenarioError(f"{plant.name}: no SJR problem type maps to {plant.theme} in "
                            "theme_code_map.csv")
    problems = [{kinds[int(rng.integers(len(kinds)))]: HARM[pick(rng, [0.3, 0.4, 0.3], 1)[0]]}
                for _ in range(n)]
    return _reviews(ctx, rng, plant_dates(rng, plant, n),
                    plant_locations(ctx, rng, plant, "sjr", n), plant.name, problems,
                    pick(rng, [0.2, 0.55, 0.25, 0, 0], n) + 1)


# National-requirement events found by mortality review: (LD flag, care quality, problems).
NATIONAL = {
    "learning_disability_death": (True, 3, {}),
    "avoidable_death": (False, 1, {"treatment": "harm_yes", "medication": "harm_yes"}),
}


def _national(ctx: Context, rng: np.random.Generator) -> list[dict]:
    rows = []
    ids = [loc.location_id for loc in ctx.ref.locations]
    for event in ctx.scenario.national_events:
        if event.kind not in NATIONAL:
            continue
        disability, quality, problems = NATIONAL[event.kind]
        row, = _reviews(ctx, rng, np.array([np.datetime64(event.date, "D")]),
                        np.array([ids.index(event.location_id)]), f"national:{event.kind}",
                        [problems], np.array([quality]))
        row["has_learning_disability"] = disability
        if event.kind == "avoidable_death":
            row["avoidability"] = "probably_avoidable"
        rows.append(row)
    return rows


def build(ctx: Context) -> SourceResult:
    rng = ctx.rng("sjr")
    scenario = ctx.scenario
    n = ctx.volume(PER_YEAR, "sjr")
    rows = _reviews(ctx, rng, *background(ctx, rng, "sjr", n, winter=0.2, weekend=1.0))
    for plant in scenario.plants_for("sjr"):
        rows += _planted(ctx, rng, plant)
    rows += _national(ctx, rng)
    records = pl.DataFrame(rows, schema_overrides={
        TAG: pl.String, **{f"score_{p}": pl.Int64 for p in SJR_PHASES}}, infer_schema_length=None)
    records = records.sort("date_of_death", maintain_order=True).with_columns(
        numbered_by_year(ctx.id_prefix + "SJR", "date_of_death", 4).alias("review_id"))
    export = records.with_columns(
        pl.Series("location", spell(ctx.ref, records["_loc"].to_numpy(), 0)),
        *(pl.col(f"score_{p}").cast(pl.String).fill_null("N/A") for p in SJR_PHASES),
        pl.lit(FILE_NAME).alias(FILE), pl.col("review_id").alias(ORDER))
    table = render(export, COLUMNS, MORTALITY_SYSTEM, values=VALUES, source="sjr",
                   canonical=set(COLUMNS))
    plant_bad_value(table, rng, "score_overall", "7", "score outside 1-5")
    blanks = plant_common_mess([table], rng, scenario.messiness,
                               text_field="reviewer_comments")
    return SourceResult([table], ids_by_tag(records, "review_id"), records, blanks)

