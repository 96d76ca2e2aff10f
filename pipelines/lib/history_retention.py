"""Dagster's run history kept to a bounded size on the refresh's disk.

Each refresh stores about 1,200 events (every dbt model and test, each load's checks): a few
MiB in the run's own event file and as much again in the cross-run index, which Dagster never
deletes, so night after night the history grew without end on what is often a small server.
After each refresh, runs older than settings.run_history_days() go, with their event files,
their asset check executions and captured logs, except what the Dagster UI and `triangulate
status` still show: the newest runs and the run holding each asset's latest materialisation
(a source whose files have not changed for months keeps the run that last loaded it). A run
still unfinished that long after it began is one whose process died (killed, out of memory,
a reboot): it goes too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipelines.lib.errors import safe_summary
from pipelines.lib.event_log_storage import PooledSqliteEventLogStorage

# However old, the newest runs stay: a week of nights and a few runs from the UI.
NEWEST_KEPT = 10


@dataclass(frozen=True)
class Pruned:
    runs: int
    bytes_freed: int  # of the runs' own event files (the index reuses what it frees)
    failures: list[str] = field(default_factory=list)  # one line per run left, tried again


def prune_run_history(instance, keep_days: int, now: datetime | None = None) -> Pruned:
    """Delete the runs created more than `keep_days` ago (none when `keep_days` is 0) but the
    NEWEST_KEPT newest and those holding an asset's latest materialisation, each with its
    events, event file and captured logs; a run that cannot be deleted is left for the next
    prune, and the others still go. The event log's files are closed at the end whatever
    happened, so SQLite folds each one's write-ahead log back in and removes it."""
    import dagster as dg

    storage = instance.event_log_storage
    pooled = isinstance(storage, PooledSqliteEventLogStorage)
    runs, freed, failures = 0, 0, []
    try:
        if keep_days:
            cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
            kept = {r.dagster_run.run_id for r in instance.get_run_records(limit=NEWEST_KEPT)}
            latest = instance.get_latest_materialization_events(instance.all_asset_keys())
            kept |= {entry.run_id for entry in latest.values() if entry is not None}
            for record in instance.get_run_records(dg.RunsFilter(created_before=cutoff)):
                run_id = record.dagster_run.run_id
                if run_id in kept:
                    continue
                try:
                    instance.compute_log_manager.delete_logs(prefix=[run_id])
                    if pooled:
                        freed += storage.forget_run(run_id)
                    else:
                        storage.delete_events(run_id)
                    # The run's record last: a run whose logs or events could not all go is
                    # found again by the next prune.
                    instance.run_storage.delete_run(run_id)
                    runs += 1
                except Exception as error:  # a damaged or foreign file: the others still go
                    failures.append(f"run {run_id}: {safe_summary(str(error), 120)}")
    finally:
        if pooled:
            storage.close_files()
    return Pruned(runs, freed, failures)
