"""The clinical audit programme: one workbook with the register, the results per standard
and the action plans, a sheet each."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.demo import catalogue as cat
from pipelines.demo import texts
from pipelines.demo.context import Context
from pipelines.demo.exports import FILE, ORDER, TAG, Dialect, render
from pipelines.demo.messiness import plant_bad_value, plant_common_mess
from pipelines.demo.sampling import sample_dates
from pipelines.demo.scenario import Plant
from pipelines.demo.sources import SourceResult, ids_by_tag

PER_YEAR = 80
FILE_NAME = "audit/audit_programme.xlsx"
WORKBOOK = Dialect(date_format=None, timestamp_format=None, true="Yes", false="No")
REGISTER = {
    "audit_id": "Audit ID", "title": "Audit Title", "programme_type": "Programme",
    "directorate": "Division", "specialty": "Specialty", "lead": "Audit Lead",
    "guidance_reference": "Guidance", "topic": "Topic", "status": "Status",
    "registered_date": "Date Registered", "period_start": "Data Period Start",
    "period_end": "Data Period End", "report_date": "Report Date", "reaudit_date": "Re-audit Due",
}
RESULTS = {
    "audit_id": "Audit ID", "criterion": "Standard", "target_pct": "Target (%)",
    "numerator": "Numerator", "denominator": "Denominator", "compliance_pct": "Compliance (%)",
    "rag": "RAG",
}
ACTIONS = {
    "audit_id": "Audit ID", "action_id": "Action Ref", "action": "Action", "owner": "Owner",
    "due_date": "Due Date", "completed_date": "Date Completed", "status": "Status",
}
VALUES = {
    "programme_type": {"ncapop": "NCAPOP", "national_other": "National (non-NCAPOP)",
                       "nice": "NICE guidance", "local_priority": "Local priority",
                       "psirp": "PSIRP", "reaudit": "Re-audit"},
    "status": {"registered": "Registered", "data_collection": "Data collection",
               "analysis": "Analysis", "reported": "Reported", "action_plan": "Action plan",
               "closed": "Closed"},
}
ACTION_VALUES = {"status": {"open": "Not started", "in_progress": "In progress",
                            "completed": "Complete", "cancelled": "Cancelled"}}
RESULTS_STAGES = ("analysis", "reported", "action_plan", "closed")
ACTION_STAGES = ("reported", "action_plan", "closed")


def _days(rng: np.random.Generator, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=int(rng.integers(low, high)))


def _audit(ctx: Context, rng: np.random.Generator, registered: dt.date, topic: str,
           plant: Plant | None = None) -> tuple[dict, list[dict], list[dict]]:
    end = ctx.scenario.end_date
    spec = cat.AUDIT_TOPICS[topic]
    programme = "psirp" if plant else spec.programmes[int(rng.integers(len(spec.programmes)))]
    start = registered + _days(rng, 7, 15) if plant else registered + _days(rng, 14, 45)
    finish = start + (_days(rng, 30, 45) if plant else _days(rng, 30, 90))
    report = finish + (_days(rng, 10, 20) if plant else _days(rng, 30, 75))
    if end < start:
        status = "registered"
    elif end < finish:
        status = "data_collection"
    elif end < report:
        status = "analysis"
    else:
        since = (end - report).days
        status = ("reported" if since < 60 else "action_plan" if since < 240 or rng.random() < 0.4
                  else "closed")
    reported = status in ACTION_STAGES
    year = registered.year if registered.month >= 4 else registered.year - 1  # financial
    prefix = "Re-audit: " if programme == "reaudit" else ""
    directorate = plant.unit_value if plant and plant.unit_level == "directorate" else (
        ctx.ref.location(plant.unit_value).directorate if plant else spec.directorate)
    audit = {
        "registered_date": registered, "topic": topic, "programme_type": programme,
        "title": f"{prefix}{topic} {year}/{(year + 1) % 100:02d}",
        "directorate": directorate, "specialty": spec.specialty,
        "lead": cat.AUDIT_LEADS[int(rng.integers(len(cat.AUDIT_LEADS)))],
        "guidance_reference": spec.guidance, "status": status, "period_start": start,
        "period_end": finish, "report_date": report if reported else None,
        "reaudit_date": report + dt.timedelta(days=365) if reported and rng.random() < 0.6
        else None, TAG: plant.name if plant else None,
    }
    results = []
    if status in RESULTS_STAGES:
        count = min(len(spec.criteria), int(rng.integers(3, 9)))
        for criterion in rng.choice(spec.criteria, size=count, replace=False).tolist():
            target = float(rng.choice([80, 85, 90, 95, 100]))
            denominator = int(rng.integers(15, 80))
            rate = rng.uniform(0.45, 0.7) if plant else np.clip(rng.normal(0.86, 0.1), 0.3, 1)
            numerator = int(rng.binomial(denominator, rate))
            compliance = round(100 * numerator / denominator, 1)
            results.append({"criterion": criterion, "target_pct": target,
                            "numerator": numerator, "denominator": denominator,
                            "compliance_pct": compliance,
                            "rag": "Green" if compliance >= target else
                            "Amber" if compliance >= target - 10 else "Red"})
    actions = []
    if reported:
        count = int(rng.integers(3, 6)) if plant else int(rng.integers(0, 7))
        for number, action in enumerate(
                rng.choice(texts.AUDIT_ACTIONS, size=count, replace=False).tolist(), start=1):
            due = report + _days(rng, 30, 180)
            u = rng.random()
            state = (("completed" if u < 0.85 else "cancelled") if status == "closed" else
                     ("completed" if u < 0.6 else "in_progress" if u < 0.85 else "open")
                     if due < end else ("open", "in_progress")[int(u < 0.5)])
            done = min(due - _days(rng, 0, 25), end) if state == "completed" else None
            actions.append({"action_id": f"A{number}", "action": action,
                            "owner": cat.AUDIT_LEADS[int(rng.integers(len(cat.AUDIT_LEADS)))],
                            "due_date": due, "completed_date": max(done, report) if done else None,
                            "status": state})
    return audit, results, actions


def build(ctx: Context) -> SourceResult:
    rng = ctx.rng("audit")
    scenario = ctx.scenario
    n = ctx.volume(PER_YEAR, "audit")
    topics = list(cat.AUDIT_TOPICS)
    made = [_audit(ctx, rng, day.astype(dt.date), topics[int(rng.integers(len(topics)))])
            for day in sample_dates(rng, n, scenario.start_date, scenario.end_date, winter=0,
                                    weekend=0.1)]
    for plant in (p for p in scenario.plants if p.audit):
        fitting = [t for t in topics if plant.theme in ctx.ref.themes_of("audit", "topic", t)]
        if fitting:
            made.append(_audit(ctx, rng, plant.start, fitting[int(rng.integers(len(fitting)))],
                               plant))
    register = pl.DataFrame([a for a, _, _ in made], schema_overrides={
        TAG: pl.String, "report_date": pl.Date, "reaudit_date": pl.Date,
        "guidance_reference": pl.String}, infer_schema_length=None)
    register = register.with_row_index("_made").sort("registered_date", maintain_order=True)
    register = register.with_columns(pl.format(
        ctx.id_prefix + "CA-{}-{}", pl.col("registered_date").dt.year(),
        pl.int_range(1, pl.len() + 1).over(pl.col("registered_date").dt.year())
        .cast(pl.String).str.zfill(3)).alias("audit_id"))
    ids = dict(zip(register["_made"].to_list(), register["audit_id"].to_list(), strict=True))
    # Results and actions carry their audit's tag so a planted audit stays free of mess.
    results = pl.DataFrame([{"audit_id": ids[i], TAG: a[TAG], **r}
                            for i, (a, rs, _) in enumerate(made) for r in rs],
                           schema_overrides={"target_pct": pl.Float64, TAG: pl.String})
    actions = pl.DataFrame([{"audit_id": ids[i], TAG: a[TAG], **act}
                            for i, (a, _, acts) in enumerate(made) for act in acts],
                           schema_overrides={"completed_date": pl.Date, TAG: pl.String})
    file = pl.lit(FILE_NAME).alias(FILE)
    tables = [
        render(register.with_columns(file, pl.col("audit_id").alias(ORDER)), REGISTER, WORKBOOK,
               values=VALUES, source="audit", canonical=set(REGISTER), sheet="Register"),
        render(results.with_columns(file, pl.col("audit_id").alias(ORDER)), RESULTS, WORKBOOK,
               source="audit", canonical=set(RESULTS) - {"compliance_pct", "rag"},
               sheet="Results"),
        render(actions.with_columns(file, pl.col("audit_id").alias(ORDER)), ACTIONS, WORKBOOK,
               values=ACTION_VALUES, source="audit", canonical=set(ACTIONS), sheet="Actions"),
    ]
    plant_bad_value(tables[1], rng, "target_pct", 150.0, "target_pct outside 0-100")
    blanks = plant_common_mess(tables, rng, scenario.messiness, blank_fields=("specialty",))
    return SourceResult(tables, ids_by_tag(register, "audit_id"), register, blanks)
