"""Generate the demo trust: every source's exports plus the ground truth of what was planted."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl

from pipelines.demo.context import SOURCES, Context
from pipelines.demo.exports import write_tables
from pipelines.demo.reference import load_reference
from pipelines.demo.scenario import NATIONAL_RESPONSES, Plant, load_scenario
from pipelines.demo.sources import (
    SourceResult,
    activity,
    audit,
    claims,
    complaints,
    fft,
    incidents,
    inquests,
    sjr,
)
from pipelines.demo.sources.fft import DID_NOT_ANSWER
from pipelines.demo.sources.sjr import AVOIDABLE

TRUTH_FILE = "scenario_truth.json"
# The date that places a record of each source in a window.
WINDOW_DATE_FIELDS = {
    "incidents": "occurred_date", "complaints": "received_date", "fft": "response_date",
    "inquests": "date_of_death", "sjr": "date_of_death", "audit": "report_date",
    "claims": "notification_date",
}


def generate_trust(out_dir: Path, seed: int = 42, scale: float = 1.0,
                   scenario: Path | dict | None = None, years: int | None = None,
                   end_date: dt.date | str | None = None, id_prefix: str = "") -> dict:
    """Write a fictional acute trust's exports into `out_dir/<source>/` and the ground truth
    into `out_dir/scenario_truth.json`; return the truth. `years` and `end_date` override the
    scenario's; `id_prefix` starts every record ID. Same arguments, same bytes."""
    out_dir = Path(out_dir)
    ref = load_reference()
    overrides = {"years": years, "end_date": end_date}
    ctx = Context(ref, load_scenario(scenario, ref, overrides), seed, scale, id_prefix)
    results = {
        "incidents": incidents.build(ctx), "complaints": complaints.build(ctx),
        "fft": fft.build(ctx), "sjr": sjr.build(ctx), "audit": audit.build(ctx),
        "activity": activity.build(ctx),
    }
    results["inquests"] = inquests.build(ctx, results["incidents"], results["sjr"])
    results["claims"] = claims.build(ctx, results["incidents"], results["complaints"],
                                     results["inquests"])
    for source in SOURCES:
        shutil.rmtree(out_dir / source, ignore_errors=True)
    written = write_tables(out_dir, [t for s in SOURCES for t in results[s].tables])
    truth = {
        "generator": {"seed": seed, "scale": scale,
                      "start_date": ctx.scenario.start_date.isoformat(),
                      "end_date": ctx.scenario.end_date.isoformat()},
        "window_date_fields": WINDOW_DATE_FIELDS,
        "problems": [_plant(p, results) for p in ctx.scenario.plants if p.kind == "problem"],
        "decoys": [_plant(p, results) for p in ctx.scenario.plants if p.kind == "decoy"],
        "seasonal_themes": [_plant(p, results) for p in ctx.scenario.plants
                            if p.kind == "seasonal"],
        "unit_changes": [{"location_id": c.location_id, "change": c.change,
                          "date": c.date.isoformat()} for c in ctx.scenario.unit_changes],
        "code_changes": [{"source": c.source, "from_theme": c.from_theme,
                          "to_theme": c.to_theme, "share": c.share, "date": c.date.isoformat()}
                         for c in ctx.scenario.code_changes],
        "national_requirements": _national(ctx, results, written.marks),
        "messiness": _messiness(results, written.marks),
        "volumes": written.volumes,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / TRUTH_FILE).write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth


def _plant(plant: Plant, results: dict[str, SourceResult]) -> dict:
    sources = [*plant.sources, *(["audit"] if plant.audit else [])]
    planted = {s: results[s].planted.get(plant.name, []) for s in sources}
    return {
        "name": plant.name, "theme": plant.theme,
        "unit": {"level": plant.unit_level, "value": plant.unit_value},
        "sources": list(plant.sources), "intensity": plant.intensity,
        "window": {"start": plant.start.isoformat(), "end": plant.end.isoformat()},
        "planted": {s: {"count": len(ids), "ids": ids} for s, ids in planted.items()},
    }


def _national(ctx: Context, results: dict[str, SourceResult], marks: list[dict]) -> dict:
    planted = [{
        "kind": event.kind, "required_response": event.response,
        "location_id": event.location_id, "date": event.date.isoformat(),
        "records": {s: r.planted[f"national:{event.kind}"] for s, r in results.items()
                    if f"national:{event.kind}" in r.planted},
    } for event in ctx.scenario.national_events]
    lost = {m["record_id"] for m in marks if m["kind"] == "bad_row"}
    inc, reviews = results["incidents"].records, results["sjr"].records
    fatal = pl.col("physical_harm") == "fatal"
    criteria = {
        "never_event": {"incidents": inc.filter(pl.col("is_never_event"))},
        "avoidable_death": {"sjr": reviews.filter(pl.col("avoidability").is_in(AVOIDABLE))},
        "mental_health_act_death": {"incidents": inc.filter(
            fatal & (pl.col("is_mental_health_act") | pl.col("is_mental_capacity_act")))},
        "mnsi_referral": {"incidents": inc.filter(pl.col("meets_mnsi_criteria").fill_null(False))},
        "child_death": {"incidents": inc.filter(fatal & (pl.col("patient_age_band") == "0-17"))},
        "learning_disability_death": {
            "incidents": inc.filter(fatal & pl.col("has_learning_disability")),
            "sjr": reviews.filter(pl.col("has_learning_disability"))},
        "safeguarding": {"incidents": inc.filter(pl.col("is_safeguarding"))},
    }
    keys = {"incidents": "incident_id", "sjr": "review_id"}
    return {
        "planted": planted,
        "all_records": {kind: {
            "required_response": NATIONAL_RESPONSES[kind],
            **{s: [i for i in frame[keys[s]].to_list() if i not in lost]
               for s, frame in by_source.items()}}
            for kind, by_source in criteria.items()},
    }


def _messiness(results: dict[str, SourceResult], marks: list[dict]) -> dict:
    def of(kind: str, rename: dict[str, str] | None = None) -> list[dict]:
        rename = rename or {}
        return [{rename.get(k, k): v for k, v in m.items() if k != "kind"}
                for m in marks if m["kind"] == kind]

    fft_frame = results["fft"].tables[0].frame
    comments = [fft.COLUMNS["comment_good"], fft.COLUMNS["comment_improve"]]
    return {
        "row_numbering": "row = 1-based data row of the file (or its `sheet`), header "
                         "excluded: the spreadsheet row number minus one",
        "bad_rows": of("bad_row"),
        "flagged_rows": of("flagged_row"),
        "duplicate_rows": of("duplicate_row"),
        "unresolvable_locations": sorted({m["reason"] for m in marks
                                          if m["kind"] == "unresolvable_location"}),
        "unresolvable_location_rows": of("unresolvable_location", {"reason": "value"}),
        "identifiers_in_text": of("identifier_in_text"),
        "blank_cells": {s: r.blanks for s, r in results.items() if r.blanks},
        "did_not_answer": {"fft": int(sum((fft_frame[c] == DID_NOT_ANSWER).sum()
                                          for c in comments))},
        **results["incidents"].notes,
    }
