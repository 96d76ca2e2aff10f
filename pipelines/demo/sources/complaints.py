"""Complaints and PALS concerns: the complaints team's register, kept as a workbook, with
KO41a subjects and the trust's sub-subjects as ";"-separated lists."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.demo import catalogue as cat
from pipelines.demo import texts
from pipelines.demo.context import Context
from pipelines.demo.exports import FILE, ORDER, TAG, Dialect, render
from pipelines.demo.messiness import plant_bad_value, plant_common_mess
from pipelines.demo.sampling import (
    background,
    location_columns,
    plant_dates,
    plant_locations,
    spell,
)
from pipelines.demo.scenario import Plant, ScenarioError
from pipelines.demo.sources import SourceResult, ids_by_tag

PER_YEAR = 600
FILE_NAME = "complaints/complaints_register.xlsx"
TYPES = (("formal", 0.60), ("pals", 0.36), ("reopened", 0.04))
OUTCOMES = (("upheld", 0.25), ("partially_upheld", 0.35), ("not_upheld", 0.35),
            ("withdrawn", 0.05))
TYPE_CUMULATIVE = np.cumsum([p for _, p in TYPES])[:-1]
OUTCOME_CUMULATIVE = np.cumsum([p for _, p in OUTCOMES])[:-1]
COLUMNS = {
    "complaint_id": "Reference", "complaint_type": "Type", "received_date": "Date Received",
    "acknowledged_date": "Date Acknowledged", "due_date": "Response Due",
    "closed_date": "Date Closed", "site": "Site", "directorate": "Division",
    "specialty": "Specialty", "location": "Location", "subjects": "Subjects",
    "sub_subjects": "Sub-subjects", "description": "Description", "outcome": "Outcome",
    "is_phso_referred": "Referred to PHSO",
}
VALUES = {
    "complaint_type": {"formal": "Formal complaint", "pals": "PALS concern",
                       "reopened": "Re-opened complaint"},
    "outcome": {"upheld": "Upheld", "partially_upheld": "Partially upheld",
                "not_upheld": "Not upheld", "withdrawn": "Withdrawn", "open": "Open"},
}
WORKBOOK = Dialect(date_format=None, timestamp_format=None, true="Yes", false="No")


def _working_days_later(day: dt.date, count: int) -> dt.date:
    return np.busday_offset(np.datetime64(day, "D"), count, roll="forward").item()


class SubSubjects:
    def __init__(self, ctx: Context):
        self.names = list(cat.COMPLAINT_SUB_SUBJECTS)
        self.weights = np.array([w for _, w in cat.COMPLAINT_SUB_SUBJECTS.values()])
        self.themes = [
            ctx.ref.themes_of("complaints", "sub_subjects", name)
            | ctx.ref.themes_of("complaints", "subjects", subject)
            for name, (subject, _) in cat.COMPLAINT_SUB_SUBJECTS.items()
        ]

    def allowed_at(self, location_type: str) -> np.ndarray:
        return np.array([location_type in cat.COMPLAINT_PLACES.get(name, (location_type,))
                         for name in self.names])

    def for_theme(self, theme: str) -> list[str]:
        pure = [n for n, ts in zip(self.names, self.themes, strict=True) if ts == {theme}]
        return pure or [n for n, ts in zip(self.names, self.themes, strict=True) if theme in ts]


def _complaint(ctx: Context, rng: np.random.Generator, subs: SubSubjects, received: dt.date,
               location: int, first: str | None, theme: str | None, tag: str | None) -> dict:
    weights = subs.weights * subs.allowed_at(ctx.ref.locations[location].location_type)
    if theme:  # a planted complaint's other sub-subjects add no other theme
        weights = weights * np.array([ts <= {theme} for ts in subs.themes])
    count = min(int(np.searchsorted([0.55, 0.88], rng.random())) + 1, np.count_nonzero(weights))
    chosen = [] if first is None else [first]
    cumulative = np.cumsum(weights)
    while len(chosen) < count:
        name = subs.names[int(np.searchsorted(cumulative, rng.random() * cumulative[-1],
                                              side="right"))]
        if name not in chosen:
            chosen.append(name)
    subjects = list(dict.fromkeys(cat.COMPLAINT_SUB_SUBJECTS[n][0] for n in chosen))
    text_theme = theme or next((min(subs.themes[subs.names.index(n)]) for n in chosen
                                if subs.themes[subs.names.index(n)]), None)
    pool = texts.COMPLAINT_NARRATIVES.get(text_theme, texts.COMPLAINT_NARRATIVES_GENERIC)
    kind = "formal" if tag else TYPES[int(np.searchsorted(TYPE_CUMULATIVE, rng.random()))][0]
    end = ctx.scenario.end_date
    acknowledged = _working_days_later(received, int(rng.choice([1, 2, 3, 3, 3, 5])))
    due = _working_days_later(received, 10 if kind == "pals" else int(rng.choice([25, 25, 40])))
    closed = received + dt.timedelta(days=int(rng.gamma(2.0, 12 if kind == "pals" else 24)))
    is_open = closed > end
    outcome = ("open" if is_open else None if kind == "pals"
               else OUTCOMES[int(np.searchsorted(OUTCOME_CUMULATIVE, rng.random()))][0])
    return {
        "received_date": received, "due_date": due,
        "acknowledged_date": acknowledged if acknowledged <= end else None,
        "closed_date": None if is_open else closed, "complaint_type": kind, "_loc": location,
        "subjects": subjects, "sub_subjects": chosen,
        "description": pool[int(rng.integers(len(pool)))], "outcome": outcome,
        "is_phso_referred": (not is_open and kind != "pals" and rng.random() < 0.03),
        TAG: tag,
    }


def build(ctx: Context) -> SourceResult:
    rng = ctx.rng("complaints")
    subs = SubSubjects(ctx)
    scenario = ctx.scenario
    n = ctx.volume(PER_YEAR, "complaints")
    received, locations = background(ctx, rng, "complaints", n, weekend=0.1)
    rows = [_complaint(ctx, rng, subs, day.astype(dt.date), loc, None, None, None)
            for day, loc in zip(received, locations, strict=True)]
    for plant in scenario.plants_for("complaints"):
        rows += _planted(ctx, rng, subs, plant)
    records = pl.DataFrame(rows, schema_overrides={
        TAG: pl.String, "outcome": pl.String, "closed_date": pl.Date,
        "acknowledged_date": pl.Date})
    records = records.sort("received_date", maintain_order=True).with_columns(
        pl.format(ctx.id_prefix + "{}-{}-{}", pl.col("complaint_type").replace_strict(
            {"formal": "COM", "reopened": "COM", "pals": "PALS"}),
            pl.col("received_date").dt.year(),
            (pl.int_range(1, pl.len() + 1).over(pl.col("received_date").dt.year()))
            .cast(pl.String).str.zfill(4)).alias("complaint_id"))
    loc = records["_loc"].to_numpy()
    place = location_columns(ctx.ref, loc)
    # Complaints handlers type the place by hand: any spelling of it, in any case.
    typed = spell(ctx.ref, loc, rng.integers(0, 5, loc.size))
    typed = np.where(rng.random(loc.size) < 0.3, np.char.upper(typed.astype(str)), typed)
    export = records.with_columns(
        pl.Series("site", place["site"]), pl.Series("directorate", place["directorate"]),
        pl.Series("specialty", place["specialty"]), pl.Series("location", typed.tolist()),
        pl.lit(FILE_NAME).alias(FILE), pl.col("complaint_id").alias(ORDER))
    table = render(export, COLUMNS, WORKBOOK, values=VALUES, source="complaints",
                   canonical=set(COLUMNS), sheet="Complaints")
    plant_bad_value(table, rng, "complaint_id", None, "missing complaint_id (required)")
    blanks = plant_common_mess([table], rng, scenario.messiness, text_field="description")
    return SourceResult([table], ids_by_tag(records, "complaint_id"), records, blanks)


def _planted(ctx: Context, rng: np.random.Generator, subs: SubSubjects, plant: Plant) -> list:
    n = ctx.scenario.planted_count(plant, "complaints", ctx.scale)
    days = plant_dates(rng, plant, n)
    locations = plant_locations(ctx, rng, plant, "complaints", n)
    firsts = subs.for_theme(plant.theme)
    if not firsts:
        raise ScenarioError(f"{plant.name}: no complaint sub-subject maps to {plant.theme} in "
                            "theme_code_map.csv")
    rows = [_complaint(ctx, rng, subs, day.astype(dt.date), loc,
                       firsts[int(rng.integers(len(firsts)))], plant.theme, plant.name)
            for day, loc in zip(days, locations, strict=True)]
    for row, generic in zip(rows, ctx.scenario.generic_rows(rng, n), strict=True):
        if generic:  # the narrative stays the theme's
            row.update(subjects=["Other"], sub_subjects=["Other"])
    return rows
