"""Start a refresh when export files are added to or changed in `data/raw/`."""

import hashlib

import dagster as dg

from pipelines.defs.jobs import nightly_refresh
from pipelines.lib import settings
from pipelines.lib.canonical import SOURCES


def exports_fingerprint() -> str:
    """Hash of every export file's path, size and modification time."""
    digest = hashlib.sha256()
    root = settings.raw_dir()
    for source in sorted(SOURCES):
        for path in sorted((root / source).rglob("*")) if (root / source).is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n"
                              .encode())
    return digest.hexdigest()


@dg.sensor(job=nightly_refresh, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING)
def new_export_files(context: dg.SensorEvaluationContext):
    """Requests a refresh when the set of export files in `data/raw/` changes."""
    fingerprint = exports_fingerprint()
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed export files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)
