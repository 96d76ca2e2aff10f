"""One refresh as the benchmark runs it, in its own process: writes when each stage ran.

`python -m pipelines.bench.child STAGES.json [refresh arguments as JSON]`. The stages are
wall-clock intervals (Unix seconds): the imports, the dbt parse before the job, every Dagster
step (raw assets, coding, dbt, publish, pack), and inside the dbt step the start-up before its
first node and the summed run time of its seeds, models, `theme_spc` and tests (from dbt's
structured log: nodes run in parallel threads, so these are node-seconds, not wall).
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import sys
import time
from pathlib import Path

STARTED = time.time()


# dbt's structured log events that carry a node's result (info level, so in any log file).
_RESULT_EVENTS = {"LogModelResult", "LogTestResult", "LogSeedResult"}


def dbt_nodes(since: float, target: Path | None = None) -> list[dict]:
    """The nodes dbt ran after `since`, from its structured logs under `target` (dbt's target
    folder): the refresh's builds do not write run_results.json, and the logs rotate, so every
    log file is read."""
    from pipelines.lib.settings import DBT_PROJECT_DIR

    def timestamp(value: str) -> float | None:
        return (dt.datetime.fromisoformat(value.replace("Z", "")).replace(tzinfo=dt.UTC)
                .timestamp() if value else None)

    nodes = []
    for log in (target or DBT_PROJECT_DIR / "target").rglob("dbt.log*"):
        if log.stat().st_mtime < since:
            continue
        for line in log.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if (event["info"]["name"] not in _RESULT_EVENTS
                    or timestamp(event["info"]["ts"]) < since):
                continue
            node = event["data"]["node_info"]
            nodes.append({"id": node["unique_id"], "seconds": event["data"]["execution_time"],
                          "start": timestamp(node["node_started_at"]),
                          "end": timestamp(node["node_finished_at"])})
    return nodes


def _dbt_group(node_id: str) -> str:
    kind = node_id.split(".", 1)[0]
    if node_id.endswith(".theme_spc"):
        return "dbt theme_spc"
    return {"seed": "dbt seeds", "model": "dbt models", "test": "dbt tests",
            "unit_test": "dbt tests"}.get(kind, "dbt other")


def stages_of_run(instance, run_id: str, since: float) -> list[dict]:
    """Each Dagster step's interval, and the dbt step's parts."""
    import dagster as dg

    starts, stages = {}, []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS,
                                  dg.DagsterEventType.STEP_FAILURE):
            stages.append({"stage": event.step_key, "start": starts[event.step_key],
                           "end": entry.timestamp})
    dbt_step = next((s for s in stages if s["stage"] == "dbt_models"), None)
    nodes = [n for n in dbt_nodes(since) if n["start"] is not None]
    if dbt_step and nodes:
        first = min(n["start"] for n in nodes)
        stages.append({"stage": "dbt start-up and parse", "start": dbt_step["start"],
                       "end": first, "within": "dbt_models"})
        for group in ("dbt seeds", "dbt models", "dbt theme_spc", "dbt tests"):
            members = [n for n in nodes if _dbt_group(n["id"]) == group]
            stages.append({"stage": group, "node_seconds": sum(n["seconds"] for n in members),
                           "nodes": len(members), "within": "dbt_models"})
    return sorted(stages, key=lambda s: s.get("start", float("inf")))


def main() -> None:
    out = Path(sys.argv[1])
    options = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    stages = []
    import dagster as dg

    from pipelines.lib import validation
    from pipelines.refresh import prepare_dbt_manifest, run_refresh

    stages.append({"stage": "imports", "start": float(options.pop("started", STARTED)),
                   "end": time.time()})
    # The parse and the definitions are timed before the refresh, which does both again
    # (already done, so at once); it validates in a process importing GX beside its parse,
    # so this one is opened as early (run_refresh uses it).
    with validation.validating_process():
        start = time.time()
        prepare_dbt_manifest()
        stages.append({"stage": "dbt parse", "start": start, "end": time.time()})
        began = time.time()
        import pipelines.definitions  # noqa: F401  (the asset graph, built from the manifest)

        stages.append({"stage": "asset definitions", "start": began, "end": time.time()})
        instance = dg.DagsterInstance.get()
        known = inspect.signature(run_refresh).parameters
        outcome = run_refresh(instance=instance,
                              **{k: v for k, v in options.items() if k in known})
    steps = stages_of_run(instance, outcome.run_id, start)
    first_step = min((s["start"] for s in steps if "start" in s), default=None)
    if first_step is not None:
        # The refresh lock, the resources and the job's plan before the first asset runs.
        steps.insert(0, {"stage": "job start-up", "start": stages[-1]["end"],
                         "end": first_step})
    stages += steps
    out.write_text(json.dumps({"success": outcome.success, "failures": outcome.failures,
                               "summary": outcome.incremental_summary, "stages": stages},
                              indent=1))
    raise SystemExit(0 if outcome.success else 1)


if __name__ == "__main__":
    main()
