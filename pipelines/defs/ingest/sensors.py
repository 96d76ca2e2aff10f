"""Start a refresh when export files are added to or changed in `data/raw/`."""

import hashlib
from pathlib import Path

import dagster as dg

from pipelines.defs.jobs import nightly_refresh
from pipelines.lib import settings
from pipelines.lib.canonical import SOURCES
from pipelines.lib.mapping import is_export_file


def export_files() -> list[Path]:
    """Every export file under `data/raw/<source>/` (hidden and lock files left out),
    sorted."""
    root = settings.raw_dir()
    return [path for source in sorted(SOURCES) if (root / source).is_dir()
            for path in sorted((root / source).rglob("*"))
            if path.is_file() and is_export_file(path)]


def exports_fingerprint() -> str:
    """Hash of every export file's path, size and modification time."""
    digest = hashlib.sha256()
    root = settings.raw_dir()
    for path in export_files():
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def last_successful_refresh_start(instance: dg.DagsterInstance) -> float | None:
    """Start time (epoch seconds) of the newest successful nightly refresh, from the UI, the
    schedule or `triangulate refresh` alike (they share the Dagster instance)."""
    records = instance.get_run_records(
        dg.RunsFilter(job_name=nightly_refresh.name, statuses=[dg.DagsterRunStatus.SUCCESS]),
        limit=1)
    return records[0].start_time if records else None


def changed_since(start: float | None) -> bool:
    """Whether any export file was written at or after `start` (any file at all, with no
    start): with no export files there is nothing to refresh."""
    files = export_files()
    return bool(files) and (start is None or any(p.stat().st_mtime >= start for p in files))


@dg.sensor(job=nightly_refresh, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_export_files(context: dg.SensorEvaluationContext):
    """Requests a refresh when the set of export files in `data/raw/` changes. On its first
    evaluation (no cursor yet, e.g. the first `make dev`) it requests one only if a file was
    written since the last successful refresh started, so opening the UI does not rerun a
    refresh on files already loaded."""
    fingerprint = exports_fingerprint()
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed export files")
    if context.cursor is None and not changed_since(
            last_successful_refresh_start(context.instance)):
        context.update_cursor(fingerprint)
        return dg.SkipReason("no export file changed since the last successful refresh")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)
