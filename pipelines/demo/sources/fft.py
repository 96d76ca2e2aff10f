"""Friends and Family Test responses: monthly CSVs from the survey vendor."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.demo import catalogue as cat
from pipelines.demo import texts
from pipelines.demo.context import Context
from pipelines.demo.exports import FILE, ORDER, TAG, Dialect, render
from pipelines.demo.messiness import plant_bad_value, plant_common_mess
from pipelines.demo.sampling import (
    background,
    date_series,
    location_columns,
    pick,
    pick_rows,
    pick_texts,
    plant_dates,
    plant_locations,
    spell,
)
from pipelines.demo.sources import SourceResult, ids_by_tag

PER_YEAR = 60_000
DID_NOT_ANSWER = "Did not answer"
RATINGS = ("very_good", "good", "neither", "poor", "very_poor", "dont_know")
RATING_MIX = {"ae": (0.60, 0.19, 0.07, 0.05, 0.06, 0.03)}
DEFAULT_RATING_MIX = (0.72, 0.17, 0.04, 0.025, 0.025, 0.02)
PLANTED_RATING_MIX = (0.05, 0.10, 0.20, 0.35, 0.30, 0.0)
# Comment kinds: 0 blank, 1 "Did not answer", 2 generic text, 3 text about a theme.
# Rows: positive (very good, good), negative (neither, poor, very poor), don't know.
GOOD_MIX = np.array([[0.35, 0.10, 0.55, 0], [0.55, 0.25, 0.20, 0], [0.60, 0.30, 0.10, 0]])
IMPROVE_MIX = np.array([[0.50, 0.13, 0.30, 0.07], [0.12, 0.10, 0.08, 0.70],
                        [0.50, 0.30, 0.10, 0.10]])
# What background "could we do better?" comments are about (the usual FFT gripes).
BACKGROUND_THEMES = {
    "access_delays": 0.28, "communication": 0.18, "dignity_staff_attitude": 0.12,
    "equipment_environment": 0.12, "nutrition_hydration": 0.10, "staffing_capacity": 0.08,
    "discharge_transfer": 0.05, "medication": 0.04, "infection": 0.03,
}
MODES = (("SMS", 0.60), ("Online", 0.15), ("Paper card", 0.15), ("Tablet kiosk", 0.08),
         ("Voice message", 0.02))
COLUMNS = {
    "response_id": "Response ID", "response_date": "Response Date", "setting": "Survey",
    "site": "Site", "location": "Ward/Department", "rating": "Overall Experience",
    "comment_good": "What was good?", "comment_improve": "What could we do better?",
    "collection_mode": "Collection Method",
}
VALUES = {
    "setting": {"inpatient": "Inpatient", "day_case": "Day Case", "ae": "A&E",
                "maternity_antenatal": "Maternity - Antenatal",
                "maternity_birth": "Maternity - Birth",
                "maternity_postnatal_ward": "Maternity - Postnatal Ward",
                "maternity_postnatal_community": "Maternity - Postnatal Community",
                "outpatient": "Outpatient", "community": "Community"},
    "rating": {"very_good": "Very good", "good": "Good", "neither": "Neither good nor poor",
               "poor": "Poor", "very_poor": "Very poor", "dont_know": "Don't know"},
}
VENDOR = Dialect(date_format="%d/%m/%Y")


def _responses(ctx: Context, rng: np.random.Generator, dates: np.ndarray,
               locations: np.ndarray, improve_theme: str | None = None,
               tag: str | None = None) -> pl.DataFrame:
    n = dates.size
    place = location_columns(ctx.ref, locations)
    setting = np.array([cat.FFT_SETTINGS[t] for t in place["location_type"]], dtype=object)
    if tag:
        rating = pick(rng, PLANTED_RATING_MIX, n)
    else:
        mixes = np.array([RATING_MIX.get(cat.FFT_SETTINGS.get(loc.location_type),
                                         DEFAULT_RATING_MIX) for loc in ctx.ref.locations])
        rating = pick_rows(rng, mixes, locations)
    mood = np.select([rating <= 1, rating <= 4], [0, 1], 2)
    good_kind = pick_rows(rng, GOOD_MIX, mood)
    improve_kind = np.full(n, 3) if tag else pick_rows(rng, IMPROVE_MIX, mood)
    themes = [improve_theme] if improve_theme else list(BACKGROUND_THEMES)
    theme = (np.zeros(n, int) if improve_theme
             else pick(rng, list(BACKGROUND_THEMES.values()), n))
    pools = [("",), (DID_NOT_ANSWER,), texts.FFT_IMPROVE_GENERIC]
    improve = np.where(
        improve_kind == 3,
        pick_texts(rng, [texts.FFT_IMPROVE[t] for t in themes], theme),
        pick_texts(rng, pools, np.minimum(improve_kind, 2)))
    good = pick_texts(rng, [("",), (DID_NOT_ANSWER,), texts.FFT_GOOD], good_kind)
    return pl.DataFrame({
        "response_date": date_series("response_date", dates),
        "setting": setting, "site": place["site"], "_loc": locations,
        "rating": np.array(RATINGS, dtype=object)[rating],
        "comment_good": good, "comment_improve": improve,
        "collection_mode": np.array([m for m, _ in MODES], dtype=object)[
            pick(rng, [p for _, p in MODES], n)],
        TAG: [tag] * n,
    }, schema_overrides={TAG: pl.String}).with_columns(
        pl.col("comment_good", "comment_improve").replace("", None))


def build(ctx: Context) -> SourceResult:
    rng = ctx.rng("fft")
    scenario = ctx.scenario
    n = ctx.volume(PER_YEAR, "fft")
    parts = [_responses(ctx, rng, *background(ctx, rng, "fft", n, winter=0.05, weekend=0.9))]
    for plant in scenario.plants_for("fft"):
        count = scenario.planted_count(plant, "fft", ctx.scale)
        parts.append(_responses(ctx, rng, plant_dates(rng, plant, count),
                                plant_locations(ctx, rng, plant, "fft", count),
                                plant.theme, plant.name))
    records = pl.concat(parts).sort("response_date", maintain_order=True).with_columns(
        pl.format(ctx.id_prefix + "{}", pl.int_range(70_000_001, 70_000_001 + pl.len()))
        .alias("response_id"))
    export = records.with_columns(
        pl.Series("location", spell(ctx.ref, records["_loc"].to_numpy(), 3)),
        pl.format("fft/fft_{}.csv", pl.col("response_date").dt.strftime("%Y-%m")).alias(FILE),
        pl.col("response_id").alias(ORDER))
    table = render(export, COLUMNS, VENDOR, values=VALUES, source="fft", canonical=set(COLUMNS))
    year = scenario.end_date.year
    plant_bad_value(table, rng, "response_date", f"31/09/{year}", "unparseable date")
    plant_bad_value(table, rng, "rating", "Excellent", "unknown rating value")
    blanks = plant_common_mess([table], rng, scenario.messiness, blank_fields=("site",),
                               text_field="comment_improve")
    return SourceResult([table], ids_by_tag(records, "response_id"), records, blanks)
