"""Monthly activity per location: the information team's PAS extract (denominators).

One row per location of the seed per month of the demo period it is open. Figures follow the
location type: inpatient areas have occupied bed days (beds x days x ~90% occupancy) and
admissions;
emergency, outpatient, clinic and community services have attendances; assessment, day,
theatre and delivery units have admissions (and attendances where patients also attend).
Deterministic given the seed; every figure is multiplied by `scale`, like record volumes, so
rates stay plausible at any scale. No messiness is planted: it is a clean BI extract.
"""

from __future__ import annotations

import calendar
import datetime as dt

import polars as pl

from pipelines.demo.context import Context
from pipelines.demo.exports import FILE, ORDER, Dialect, render
from pipelines.demo.sources import SourceResult

FILE_NAME = "activity/activity_monthly.csv"
OCCUPANCY = 0.9
# location_type -> (beds, mean length of stay in days) for inpatient areas.
BEDDED = {"ward": (28, 5.0), "critical_care": (10, 4.0), "postnatal_ward": (24, 2.0),
          "neonatal_unit": (16, 9.0)}
# location_type -> (admissions, attendances) per month at full scale (None: not counted).
UNBEDDED = {
    "emergency_department": (None, 6_000), "assessment_unit": (450, 900),
    "outpatient_clinic": (None, 9_000), "community_team": (None, 2_500),
    "antenatal_clinic": (None, 1_600), "community_midwifery": (None, 1_200),
    "diagnostics": (None, 5_000), "day_unit": (700, None), "theatre": (800, None),
    "delivery_suite": (300, None),
}
COLUMNS = {
    "month": "Month", "site": "Site", "directorate": "Division", "location": "Ward/Department",
    "occupied_bed_days": "Occupied Bed Days", "admissions": "Admissions",
    "attendances": "Attendances",
}
EXTRACT = Dialect(date_format="%d/%m/%Y")


def months(ctx: Context) -> list[dt.date]:
    start, end = ctx.scenario.start_date, ctx.scenario.end_date
    first, result = dt.date(start.year, start.month, 1), []
    while first <= end:
        result.append(first)
        first = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return result


def build(ctx: Context) -> SourceResult:
    rng = ctx.rng("activity")
    rows = []
    ids = [loc.location_id for loc in ctx.ref.locations]
    open_mask = ctx.scenario.open_mask(ids, months(ctx))
    for j, loc in enumerate(ctx.ref.locations):
        # A location keeps its size for the whole period; months vary around it.
        size = rng.uniform(0.7, 1.3)
        for i, month in enumerate(months(ctx)):
            days = calendar.monthrange(month.year, month.month)[1]
            noise = rng.normal(1.0, 0.05, size=3).clip(0.8, 1.2)
            bed_days = admissions = attendances = None
            if loc.location_type in BEDDED:
                beds, stay = BEDDED[loc.location_type]
                bed_days = beds * size * days * OCCUPANCY * noise[0] * ctx.scale
                admissions = bed_days / stay * noise[1]
            elif loc.location_type in UNBEDDED:
                per_admissions, per_attendances = UNBEDDED[loc.location_type]
                if per_admissions:
                    admissions = per_admissions * size * noise[1] * ctx.scale
                if per_attendances:
                    attendances = per_attendances * size * noise[2] * ctx.scale
            if not open_mask[i, j]:  # a ward not open yet, or closed: no activity row
                continue
            rows.append({
                "month": month, "site": loc.site, "directorate": loc.directorate,
                "location": loc.name,
                **{name: None if value is None else max(1, round(value)) for name, value in (
                    ("occupied_bed_days", bed_days), ("admissions", admissions),
                    ("attendances", attendances))},
            })
    records = pl.DataFrame(rows, schema={
        "month": pl.Date, "site": pl.String, "directorate": pl.String, "location": pl.String,
        "occupied_bed_days": pl.Int64, "admissions": pl.Int64, "attendances": pl.Int64,
    }).with_columns(pl.lit(FILE_NAME).alias(FILE), pl.int_range(pl.len()).alias(ORDER))
    table = render(records, COLUMNS, EXTRACT, source="activity", canonical=set(COLUMNS))
    return SourceResult([table], {}, records.drop(FILE, ORDER))


