"""Patient safety incidents: a legacy Datix export for the older history, then monthly
exports from the trust's newer risk system, plus a file of revised records (harm re-graded
after review, same incident id, later `updated_at`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.demo import catalogue as cat
from pipelines.demo import texts
from pipelines.demo.context import Context
from pipelines.demo.exports import FILE, ORDER, TAG, Dialect, Table, render
from pipelines.demo.messiness import plant_bad_value, plant_common_mess, plant_dates_swapped
from pipelines.demo.sampling import (
    background,
    date_series,
    location_columns,
    pick,
    pick_rows,
    pick_texts,
    plant_dates,
    plant_locations,
    site_code,
    spell,
    timestamps,
)
from pipelines.demo.scenario import Plant, ScenarioError, month_start
from pipelines.demo.sources import SourceResult, ids_by_tag

PER_YEAR = 12_000
REVISED_SHARE = 0.05
HARMS = ("none", "low", "moderate", "severe", "fatal")
EVENT_TYPES = (("incident", 0.90), ("risk", 0.05), ("outcome", 0.03), ("good_care", 0.02))
NEVER_EVENTS_PER_YEAR = 1.0

DATIX_COLUMNS = {
    "incident_id": "inc_ourref", "occurred_date": "inc_dincident", "occurred_time": "inc_time",
    "reported_date": "inc_dreported", "event_type": "inc_type", "site": "inc_unit",
    "directorate": "inc_directorate", "specialty": "inc_specialty", "location": "inc_locactual",
    "category": "inc_category", "subcategory": "inc_subcategory", "physical_harm": "inc_severity",
    "description": "inc_notes", "action_taken": "inc_actiontaken",
    "is_never_event": "inc_never_event", "never_event_type": "inc_ne_type",
    "is_duty_of_candour": "inc_dutyofcandour", "status": "rep_approved",
    "patient_age_band": "inc_agebands", "is_mental_health_act": "inc_mha",
    "is_mental_capacity_act": "inc_mca", "has_learning_disability": "inc_ld",
    "is_safeguarding": "inc_safeguarding", "meets_mnsi_criteria": "inc_hsib",
    "updated_at": "updateddate",
}
DATIX_VALUES = {
    "physical_harm": {"none": "No Harm", "low": "Low", "moderate": "Moderate",
                      "severe": "Severe", "fatal": "Death"},
    "event_type": {"incident": "Incident", "risk": "Risk", "outcome": "Outcome",
                   "good_care": "Good Practice"},
}
DATIX = Dialect(date_format="%d/%m/%Y", timestamp_format="%d/%m/%Y %H:%M:%S")

NEW_COLUMNS = {
    "incident_id": "Incident ID", "event_type": "Event Type", "occurred_date": "Date of Incident",
    "occurred_time": "Time of Incident", "reported_date": "Date Reported",
    "updated_at": "Last Updated", "site": "Site", "directorate": "Division",
    "specialty": "Specialty", "location": "Location", "category": "Category",
    "subcategory": "Sub-category", "lfpse_safety_challenge": "LFPSE Safety Challenge",
    "lfpse_agent": "LFPSE Agent Involved", "lfpse_process": "LFPSE Process",
    "physical_harm": "Physical Harm", "psychological_harm": "Psychological Harm",
    "description": "Description", "action_taken": "Immediate Actions Taken",
    "is_never_event": "Never Event", "never_event_type": "Never Event Type",
    "is_duty_of_candour": "Duty of Candour", "status": "Status", "patient_age_band": "Age Band",
    "is_mental_health_act": "Detained under MHA", "is_mental_capacity_act": "MCA Applies",
    "has_learning_disability": "Learning Disability/Autism", "is_safeguarding": "Safeguarding",
    "meets_mnsi_criteria": "MNSI Criteria Met",
}
NEW_VALUES = {
    "physical_harm": {"none": "No harm", "low": "Low harm", "moderate": "Moderate harm",
                      "severe": "Severe harm", "fatal": "Fatal"},
    "psychological_harm": {h: f"{h.capitalize()} psychological harm"
                           for h in ("low", "moderate", "severe")}
    | {"none": "No psychological harm"},
    "event_type": {"incident": "Incident", "risk": "Risk", "outcome": "Outcome",
                   "good_care": "Good care"},
}
NEW = Dialect(date_format="%Y-%m-%d", timestamp_format="%Y-%m-%d %H:%M:%S", true="Yes",
              false="No")


SCHEMA = {
    "never_event_type": pl.String, "meets_mnsi_criteria": pl.Boolean, TAG: pl.String,
    "lfpse_safety_challenge": pl.String, "lfpse_agent": pl.String, "lfpse_process": pl.String,
    "action_taken": pl.String,
}


class Codes:
    """Every (category, subcategory) of the trust's incident system with its seed themes."""

    def __init__(self, ctx: Context):
        self.categories = list(cat.INCIDENT_CATEGORIES)
        self.pairs = [(c, s) for c, spec in cat.INCIDENT_CATEGORIES.items()
                      for s in spec.subcategories]
        self.themes = [ctx.ref.themes_of("incidents", "category", c)
                       | ctx.ref.themes_of("incidents", "subcategory", s) for c, s in self.pairs]
        self.category_of = np.array([self.categories.index(c) for c, _ in self.pairs])
        weights = np.array([cat.SUBCATEGORY_WEIGHTS.get(s, 1.0) for _, s in self.pairs])
        totals = np.bincount(self.category_of, weights)
        self.share_in_category = weights / totals[self.category_of]

    def matrix(self, ctx: Context) -> np.ndarray:
        """P(code pair | location): category weight times the location's affinity, shared
        among the category's subcategories."""
        by_category = np.zeros((len(ctx.ref.locations), len(self.categories)))
        for j, spec in enumerate(cat.INCIDENT_CATEGORIES.values()):
            for i, loc in enumerate(ctx.ref.locations):
                hits = [spec.affinity[k] for k in (loc.location_type, loc.specialty)
                        if k in spec.affinity]
                by_category[i, j] = spec.weight * (np.prod(hits) if hits
                                                   else spec.affinity.get("*", 1))
        return by_category[:, self.category_of] * self.share_in_category

    def for_theme(self, theme: str) -> np.ndarray:
        """Pairs that map to the theme, only to it where the trust has such codes."""
        pure = [i for i, ts in enumerate(self.themes) if ts == {theme}]
        return np.array(pure or [i for i, ts in enumerate(self.themes) if theme in ts])

    def text_pool(self, pair: int) -> tuple[str, ...]:
        category = self.pairs[pair][0]
        if self.themes[pair]:
            return texts.INCIDENT_DESCRIPTIONS[min(self.themes[pair])]
        return texts.INCIDENT_DESCRIPTIONS_UNTHEMED.get(category,
                                                        texts.INCIDENT_DESCRIPTIONS_GENERIC)


def _records(ctx: Context, rng: np.random.Generator, codes: Codes, occurred: np.ndarray,
             locations: np.ndarray, pairs: np.ndarray, tag: str | None = None) -> pl.DataFrame:
    """Incident records at the given dates, places and codes; everything else is drawn."""
    n = occurred.size
    end = np.datetime64(ctx.scenario.end_date, "D")
    categories = codes.category_of[pairs]
    harm_matrix = np.array([spec.harm or cat.DEFAULT_HARM
                            for spec in cat.INCIDENT_CATEGORIES.values()])
    fixed = np.array([HARMS.index(cat.SUBCATEGORY_HARM.get(s, "none")) for _, s in codes.pairs])
    harm = np.where(np.isin([codes.pairs[p][1] for p in pairs], list(cat.SUBCATEGORY_HARM)),
                    fixed[pairs], pick_rows(rng, harm_matrix, categories))
    event = pick(rng, [p for _, p in EVENT_TYPES], n) if tag is None else np.zeros(n, int)
    harm = np.where(event == 0, harm, 0)  # risks and good care harm nobody
    reported = np.minimum(occurred + np.minimum(rng.geometric(0.45, n) - 1, 30), end)
    updated = np.minimum(reported + rng.integers(0, 45, n), end)
    place = location_columns(ctx.ref, locations)
    specialty = place["specialty"]
    category_names = np.array(codes.categories, dtype=object)[categories]
    ages = np.array([cat.AGE_PROFILES.get(loc.specialty, cat.ADULT_AGES)
                     for loc in ctx.ref.locations])
    maternity = np.isin(category_names, ["Maternity / obstetrics", "Neonatal"])
    lfpse = np.array([cat.INCIDENT_CATEGORIES[c].lfpse for c in codes.categories],
                     dtype=object)[categories]
    age = (end - reported).astype(int)
    status = np.where(age > 60, np.where(rng.random(n) < 0.85, "Closed", "Under investigation"),
                      np.array(["Awaiting review", "Under investigation", "Closed"])[
                          pick(rng, [0.4, 0.3, 0.3], n)])
    return pl.DataFrame({
        "occurred_date": date_series("occurred_date", occurred),
        "occurred_time": [f"{h:02d}:{m:02d}" for h, m in zip(
            rng.integers(0, 24, n).tolist(), rng.integers(0, 60, n).tolist(), strict=True)],
        "reported_date": date_series("reported_date", reported),
        "updated_at": pl.Series(timestamps(rng, updated, office_hours=True)),
        "site": place["site"], "directorate": place["directorate"], "specialty": specialty,
        "_loc": locations,
        "event_type": np.array([e for e, _ in EVENT_TYPES], dtype=object)[event],
        "category": category_names,
        "subcategory": np.array([s for _, s in codes.pairs], dtype=object)[pairs],
        "lfpse_safety_challenge": lfpse[:, 0].tolist(), "lfpse_agent": lfpse[:, 1].tolist(),
        "lfpse_process": lfpse[:, 2].tolist(),
        "physical_harm": np.array(HARMS, dtype=object)[harm],
        "psychological_harm": np.array(HARMS[:4], dtype=object)[
            pick(rng, cat.PSYCHOLOGICAL_HARM, n)],
        "description": pick_texts(rng, [codes.text_pool(p) for p in range(len(codes.pairs))],
                                  pairs),
        "action_taken": np.where(rng.random(n) < 0.8, pick_texts(
            rng, [texts.INCIDENT_ACTIONS], np.zeros(n, int)), None).tolist(),
        "is_never_event": np.zeros(n, bool), "never_event_type": [None] * n,
        "is_duty_of_candour": (harm >= 2) & (rng.random(n) < 0.95),
        "status": status,
        "patient_age_band": np.where(  # neonatal incidents are about the baby
            category_names == "Neonatal", cat.AGE_BANDS[0],
            np.array(cat.AGE_BANDS, dtype=object)[pick_rows(rng, ages, locations)]),
        "is_mental_health_act": rng.random(n) < np.where(category_names == "Self harm", 0.06,
                                                         0.004),
        "is_mental_capacity_act": rng.random(n) < np.where(
            np.isin(specialty, ["Elderly Care", "Intermediate Care"]), 0.12, 0.03),
        "has_learning_disability": rng.random(n) < 0.02,
        "is_safeguarding": (category_names == "Safeguarding") | (rng.random(n) < 0.01),
        "meets_mnsi_criteria": np.where(maternity, harm >= 3, None).tolist(),
        TAG: [tag] * n,
    }, schema_overrides=SCHEMA, strict=False)


def _background(ctx: Context, rng: np.random.Generator, codes: Codes) -> pl.DataFrame:
    n = ctx.volume(PER_YEAR, "incidents")
    occurred, locations = background(ctx, rng, "incidents", n)
    pairs = pick_rows(rng, codes.matrix(ctx), locations)
    records = _recoded(ctx, rng, codes, _records(ctx, rng, codes, occurred, locations, pairs),
                       pairs)
    # A rare Never Event among the codes that can be one.
    eligible = np.flatnonzero(np.isin([codes.pairs[p][1] for p in pairs], list(cat.NEVER_EVENTS)))
    count = min(eligible.size, rng.poisson(NEVER_EVENTS_PER_YEAR * ctx.years * ctx.scale))
    chosen = rng.choice(eligible, size=count, replace=False) if count else np.array([], int)
    hit = pl.int_range(pl.len()).is_in(chosen.tolist())
    return records.with_columns(
        pl.when(hit).then(True).otherwise(pl.col("is_never_event")).alias("is_never_event"),
        pl.when(hit).then(pl.col("subcategory").replace_strict(cat.NEVER_EVENTS, default=None))
        .otherwise(pl.col("never_event_type")).alias("never_event_type"),
    )


def _recoded(ctx: Context, rng: np.random.Generator, codes: Codes, records: pl.DataFrame,
             pairs: np.ndarray) -> pl.DataFrame:
    """The scenario's code changes: from its date, a share of the records coded to one theme
    are filed under a code of another (the description still tells the first theme's story,
    as when a new system's category list splits or merges old categories)."""
    occurred = records["occurred_date"].to_numpy()
    for change in ctx.scenario.code_changes:
        targets = codes.for_theme(change.to_theme)
        if targets.size == 0:
            raise ScenarioError(f"code change: no incident code maps to {change.to_theme}")
        hit = ((occurred >= np.datetime64(change.date, "D"))
               & np.isin(pairs, codes.for_theme(change.from_theme))
               & (rng.random(pairs.size) < change.share))
        pairs = np.where(hit, targets[rng.integers(0, targets.size, pairs.size)], pairs)
        categories = codes.category_of[pairs]
        lfpse = np.array([cat.INCIDENT_CATEGORIES[c].lfpse for c in codes.categories],
                         dtype=object)[categories]
        recoded = pl.Series(hit)
        records = records.with_columns(
            *(pl.when(recoded).then(pl.Series(values, dtype=pl.String)).otherwise(pl.col(name))
              .alias(name) for name, values in (
                ("category", np.array(codes.categories, dtype=object)[categories].tolist()),
                ("subcategory", [codes.pairs[p][1] for p in pairs]),
                ("lfpse_safety_challenge", lfpse[:, 0].tolist()),
                ("lfpse_agent", lfpse[:, 1].tolist()),
                ("lfpse_process", lfpse[:, 2].tolist()))))
    return records


def _planted(ctx: Context, rng: np.random.Generator, codes: Codes, plant: Plant) -> pl.DataFrame:
    n = ctx.scenario.planted_count(plant, "incidents", ctx.scale)
    candidates = codes.for_theme(plant.theme)
    if candidates.size == 0:
        raise ScenarioError(f"{plant.name}: no incident category or subcategory maps to "
                            f"{plant.theme} in theme_code_map.csv")
    weights = np.array([cat.SUBCATEGORY_WEIGHTS.get(codes.pairs[p][1], 1.0) for p in candidates])
    pairs = candidates[pick(rng, weights, n)]
    records = _records(ctx, rng, codes, plant_dates(rng, plant, n),
                       plant_locations(ctx, rng, plant, "incidents", n), pairs, tag=plant.name)
    generic = pl.Series(ctx.scenario.generic_rows(rng, n))
    return records.with_columns(  # the description stays the theme's
        *(pl.when(generic).then(pl.lit("Other")).otherwise(pl.col(c)).alias(c)
          for c in ("category", "subcategory")),
        *(pl.when(generic).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("lfpse_safety_challenge", "lfpse_agent", "lfpse_process")))


# National-requirement events recorded as incidents: (category, subcategory, worst harm, flags).
NATIONAL = {
    "never_event": ("Surgery / theatres", "Wrong site surgery", "moderate",
                    {"is_never_event": True, "never_event_type": "Wrong site surgery",
                     "is_duty_of_candour": True}),
    "mental_health_act_death": ("Self harm", "Apparent suicide", "fatal",
                                {"is_mental_health_act": True, "patient_age_band": "18-44",
                                 "is_duty_of_candour": True}),
    "mnsi_referral": ("Neonatal", "Therapeutic cooling (HIE)", "severe",
                      {"meets_mnsi_criteria": True, "patient_age_band": "0-17",
                       "is_duty_of_candour": True}),
    "child_death": ("Resuscitation", "Cardiac arrest", "fatal",
                    {"patient_age_band": "0-17", "is_duty_of_candour": True}),
    "safeguarding": ("Safeguarding", "Safeguarding children concern", "none",
                     {"is_safeguarding": True, "patient_age_band": "0-17"}),
}


def _national(ctx: Context, rng: np.random.Generator, codes: Codes) -> pl.DataFrame:
    frames = []
    for event in ctx.scenario.national_events:
        if event.kind not in NATIONAL:
            continue
        category, subcategory, harm, flags = NATIONAL[event.kind]
        index = [loc.location_id for loc in ctx.ref.locations].index(event.location_id)
        record = _records(ctx, rng, codes, np.array([np.datetime64(event.date, "D")]),
                          np.array([index]), np.array([codes.pairs.index((category, subcategory))]),
                          tag=f"national:{event.kind}")
        frames.append(record.with_columns(pl.lit(harm).alias("physical_harm"),
                                          *(pl.lit(v).alias(k) for k, v in flags.items())))
    return pl.concat(frames, how="vertical_relaxed") if frames else None


def _with_ids(records: pl.DataFrame, cutover: dt.date, prefix: str) -> pl.DataFrame:
    """Datix references for the legacy history, the new system's numbers after cutover."""
    records = records.sort("occurred_date", "occurred_time", maintain_order=True)
    legacy = pl.col("occurred_date") < cutover
    number = pl.int_range(1, pl.len() + 1).over(legacy)
    return records.with_columns(
        pl.when(legacy).then(pl.format(prefix + "W{}", number + 30_000))
        .otherwise(pl.format(prefix + "INC{}", number.cast(pl.String).str.zfill(7)))
        .alias("incident_id"))


def _revisions(ctx: Context, rng: np.random.Generator, records: pl.DataFrame) -> pl.DataFrame:
    """Later revisions of some incidents: harm re-graded after review, status closed."""
    end = dt.datetime.combine(ctx.scenario.end_date, dt.time(17))
    pool = records.with_row_index("_i").filter(
        pl.col(TAG).is_null() & (pl.col("updated_at") < end - dt.timedelta(days=10)))
    weights = np.where(pool["physical_harm"].to_numpy() == "none", 0.2, 1.0)
    n = min(pool.height, round(REVISED_SHARE * records.height))
    chosen = pool[np.sort(rng.choice(pool.height, size=n, replace=False,
                                     p=weights / weights.sum()))]
    harm = chosen["physical_harm"].to_numpy()
    u = rng.random(n)
    regraded = np.select(
        [(harm == "none") & (u < 0.5), (harm == "low") & (u < 0.6),
         (harm == "low") & (u > 0.9), (harm == "moderate") & (u < 0.7),
         (harm == "moderate") & (u > 0.95), (harm == "severe") & (u < 0.6)],
        ["low", "none", "moderate", "low", "severe", "moderate"], harm)
    later = chosen["updated_at"] + pl.Series(rng.integers(7, 60, n)) * dt.timedelta(days=1)
    latest = pl.lit(end) - pl.Series(rng.integers(1, 9, n)) * dt.timedelta(hours=1)
    return chosen.drop("_i").with_columns(
        pl.Series("physical_harm", regraded.astype(object), dtype=pl.String),
        pl.min_horizontal(later, latest).alias("updated_at"),
        pl.lit("Closed").alias("status"),
        pl.Series(np.isin(regraded, ["moderate", "severe", "fatal"])).alias("is_duty_of_candour"),
    )


def build(ctx: Context) -> SourceResult:
    rng = ctx.rng("incidents")
    codes = Codes(ctx)
    parts = [_background(ctx, rng, codes),
             *(_planted(ctx, rng, codes, plant) for plant in ctx.scenario.plants_for("incidents")),
             _national(ctx, rng, codes)]
    cutover = month_start(ctx.scenario.end_date, 11)
    records = _with_ids(pl.concat([p for p in parts if p is not None], how="vertical_relaxed"),
                        cutover, ctx.id_prefix)
    revisions = _revisions(ctx, rng, records)
    tables = _tables(ctx, rng, records, revisions, cutover)
    blanks = plant_common_mess(tables[:2], rng, ctx.scenario.messiness, text_field="description")
    # A date typed in the wrong field, in a month's file: its dates (ISO) are of one month, so
    # every monthly count stays as generated.
    new = tables[1]
    occurred, reported = (pl.col(new.header(f)) for f in ("occurred_date", "reported_date"))
    plant_dates_swapped(new, rng, "reported_date", "occurred_date",
                        ~pl.col(new.header("incident_id")).is_in(revisions["incident_id"])
                        & (occurred.str.slice(0, 7) == reported.str.slice(0, 7)))
    latest = pl.concat([records, revisions], how="vertical_relaxed").sort(
        "updated_at", maintain_order=True).unique("incident_id", keep="last", maintain_order=True)
    regraded = revisions.join(records.select("incident_id", "physical_harm"), on="incident_id",
                              suffix="_before").filter(
        pl.col("physical_harm") != pl.col("physical_harm_before")).height
    notes = {"revisions": {"file": "incidents/incidents_revisions.csv",
                           "count": revisions.height, "harm_regraded": regraded,
                           "incident_ids": revisions["incident_id"].to_list()}}
    return SourceResult(tables, ids_by_tag(records, "incident_id"), latest, blanks, notes)


def _tables(ctx: Context, rng: np.random.Generator, records: pl.DataFrame,
            revisions: pl.DataFrame, cutover: dt.date) -> list[Table]:
    """The Datix export (before cutover), the new system's monthly exports and its revisions
    file, with the rows the loader must reject."""
    ref = ctx.ref
    legacy = records.filter(pl.col("occurred_date") < cutover)
    legacy_loc = legacy["_loc"].to_numpy()
    near_miss = (pl.col("event_type") == "incident") & (pl.col("physical_harm") == "none") & (
        pl.Series(rng.random(legacy.height)) < 0.1)
    legacy = legacy.with_columns(
        pl.Series("location", spell(ref, legacy_loc, 2), dtype=pl.String).str.to_uppercase(),
        pl.col("site").replace({loc.site: site_code(loc.site) for loc in ref.locations}),
        pl.when(near_miss).then(pl.lit("Near Miss")).otherwise("event_type").alias("event_type"),
        pl.col("status").replace({"Closed": "Finally approved",
                                  "Under investigation": "Being reviewed",
                                  "Awaiting review": "Awaiting final approval"}),
        pl.format("incidents/datix_export_{}.csv", pl.col("occurred_date").dt.year()).alias(FILE),
        pl.col("incident_id").alias(ORDER),
    )
    current = records.filter(pl.col("occurred_date") >= cutover)
    new_site = pl.col("site").str.replace(" Hospital", "")
    current = current.with_columns(
        pl.Series("location", spell(ref, current["_loc"].to_numpy(), 1), dtype=pl.String),
        new_site,
        pl.format("incidents/incidents_{}.csv", pl.col("occurred_date").dt.strftime("%Y-%m"))
        .alias(FILE),
        pl.col("incident_id").alias(ORDER))
    revised = revisions.with_columns(
        pl.Series("location", spell(ref, revisions["_loc"].to_numpy(), 1), dtype=pl.String),
        new_site,
        pl.lit("incidents/incidents_revisions.csv").alias(FILE),
        pl.col("updated_at").cast(pl.String).alias(ORDER))
    canonical = set(NEW_COLUMNS) - {"occurred_time"}
    tables = [
        render(legacy, DATIX_COLUMNS, DATIX, values=DATIX_VALUES, source="incidents",
               canonical=canonical),
        render(current, NEW_COLUMNS, NEW, values=NEW_VALUES, source="incidents",
               canonical=canonical),
        render(revised, NEW_COLUMNS, NEW, values=NEW_VALUES, source="incidents",
               canonical=canonical),
    ]
    datix, new, _ = tables
    # Bad rows among incidents never revised, so each bad row's incident is lost as a whole.
    revised_ids = revisions["incident_id"].to_list()
    for table, field, value, reason in (
            (datix, "occurred_date", f"31/02/{cutover.year}", "unparseable date"),
            (datix, "physical_harm", "Catastrophic", "unknown physical_harm value"),
            (new, "incident_id", None, "missing incident_id (required)")):
        plant_bad_value(table, rng, field, value, reason,
                        ~pl.col(table.header("incident_id")).is_in(revised_ids))
    return tables


