"""Run the nightly refresh in-process, as the CLI, the tests and the benchmark do."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.defs.dbt.warm import WarmDbt, warm_dbt
from pipelines.lib import settings, validation
from pipelines.lib.errors import safe_summary
from pipelines.lib.private_files import private_by_default
from pipelines.lib.publishing import remove_leftovers
from pipelines.lib.refresh_lock import lock_path, refresh_lock
from pipelines.lib.reporting_period import one_as_of_date
from pipelines.lib.run_history import failure_line, grouped
from pipelines.lib.settings import PROJECT_ROOT
from pipelines.lib.warehouse import discard_if_damaged, is_damage
from pipelines.progress import DBT_PARSE, RefreshProgress

DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
INSTANCE_SETTINGS = PROJECT_ROOT / "dagster.yaml"
RUN_LOGS_KEPT = 30
# More than a run plans (about 700 assets and checks at a full refresh): one batch, one write.
EVENT_BATCH_SIZE = 10_000
DBT_LOG_LINES = 200  # of dbt's console log kept in the run log of a failed refresh
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def dbt_manifest_stale() -> bool:
    """Whether any file of the dbt project changed since the manifest was written."""
    from pipelines.defs.dbt.resources import dbt_project

    return project_changed_since(Path(dbt_project.project_dir), Path(dbt_project.manifest_path))


def use_dagster_home() -> Path:
    """DAGSTER_HOME (the project's .dagster_home/ unless set), given the product's instance
    settings (the checkout's dagster.yaml: telemetry off, the pooled event log): always in the
    project's own home, in any other only where it has none (Dagster runs a home without a
    dagster.yaml with its telemetry on). The events a run logs as one batch (what it plans to
    materialise) are stored as one (PooledSqliteEventLogStorage.store_event_batch)."""
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DAGSTER_HOME)))
    settings_file = home / "dagster.yaml"
    ours = home.resolve() == DAGSTER_HOME.resolve()
    if not settings_file.exists() or (
            ours and settings_file.read_bytes() != INSTANCE_SETTINGS.read_bytes()):
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copy(INSTANCE_SETTINGS, settings_file)
    return home


def project_changed_since(project_dir: Path, manifest: Path) -> bool:
    """Whether `manifest` is missing or older than a file of the dbt project (not counting
    what dbt writes itself)."""
    from pipelines.lib.fingerprints import dbt_project_files

    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    return any(p.stat().st_mtime >= written for p in dbt_project_files(project_dir))


def prepare_dbt_manifest() -> None:
    """Parse the dbt project if any of its files changed since the manifest was written, so
    the asset graph reflects the models and seeds on disk (a parse costs ~10 s). Under the
    profile the builds run with, so they can start from this parse (seed_partial_parse)."""
    from pipelines.defs.dbt.resources import active_profile, dbt_project, dbt_resource

    if dbt_manifest_stale():
        with active_profile(create_key=False) as profile_args:
            dbt_resource.cli(["parse", "--quiet", *profile_args],
                             target_path=dbt_project.target_path).wait()


def exports_missing() -> str | None:
    """One line for a data/raw/ that holds no export file of any source, else None: a refresh
    would have nothing to load, and every source failing separately says less."""
    from pipelines.lib.canonical import SOURCES
    from pipelines.lib.mapping import is_export_file

    raw = settings.raw_dir()
    folders = [raw / source for source in SOURCES]
    if any(p.is_file() and is_export_file(p)
           for folder in folders if folder.is_dir() for p in folder.rglob("*")):
        return None
    return (f"{raw} holds no export files: put each system's exports in {raw}/<source>/ "
            f"({', '.join(SOURCES)}) and describe them in the trust profile's mappings/ "
            "(`triangulate onboard`), or run `triangulate generate` for the demo trust")


@dataclass(frozen=True)
class RefreshOutcome:
    success: bool
    run_id: str
    failures: list[str]  # one line per failed step: what failed, where, what to do
    stages: list[tuple[str, float]] = field(default_factory=list)  # step, seconds (done ones)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)  # "<asset> <check>: why"
    notes: list[str] = field(default_factory=list)  # what the refresh repaired on its way
    details: list[str] = field(default_factory=list)  # each failure's full error, tracebacks
    dbt_log: str = ""  # the end of dbt's console log, kept when a step failed
    log: Path | None = None  # the run log holding `details`, written when the refresh failed
    dbt_log_file: Path | None = None  # dbt's whole console log (unless verbose: on screen)
    reloaded: list[str] | None = None  # sources whose files were read (the others unchanged)
    dbt_rebuilt: tuple[int, int] = (0, 0)  # dbt models and seeds rebuilt, of all of them
    waited_s: float = 0.0  # how long it waited for the refresh before it (--wait)

    @property
    def marts_published(self) -> bool:
        """Whether this run published the marts (a later step may still have failed)."""
        return any(step == "published__marts" for step, _ in self.stages)

    @property
    def incremental_summary(self) -> str:
        """Which sources were read again and how much of dbt ran, in one line."""
        if self.reloaded is None:
            return ""
        sources = ", ".join(self.reloaded) if self.reloaded else "none (no file changed)"
        rebuilt, total = self.dbt_rebuilt
        dbt = ("in full" if rebuilt == total else "not at all (nothing it reads changed)"
               if rebuilt == 0 else f"in part ({rebuilt} of {total} models and seeds)")
        return f"sources read: {sources}; dbt build {dbt}"


def run_refresh(instance=None, verbose: bool = False, wait_seconds: float | None = None,
                progress: RefreshProgress | None = None, full: bool = False) -> RefreshOutcome:
    """Materialise every asset (load, validate, dbt build, publish) in this process.

    Incremental unless `full`: a source whose files, mappings and loader are unchanged since
    its last load is not read again, and dbt rebuilds only what depends on what changed
    (pipelines.lib.fingerprints); the marts are those a full refresh would publish.

    A failure anywhere stops the steps after it, so the published marts are only replaced by
    a run whose loads, checks and dbt tests all passed. Only one refresh runs at a time
    (`RefreshRunning` names the one running); a damaged warehouse is rebuilt from the exports.
    Unless `verbose`, the console stays quiet (the Dagster log, and the dbt log dagster-dbt
    echoes to stdout, are kept for the run log): each failed step is summarised in one line,
    with its traceback and the end of the dbt log in `details` and the run log.
    """
    use_dagster_home()
    settings.check()
    missing = exports_missing()
    if missing:
        return RefreshOutcome(False, "", [missing])
    warehouse = settings.warehouse_path()
    wait = settings.refresh_wait_seconds() if wait_seconds is None else wait_seconds
    asked = time.monotonic()
    # One as-of date for the whole run, dbt's parse included (the job's resource keeps it).
    with (private_by_default(),
          one_as_of_date(),
          refresh_lock(lock_path(warehouse), wait) as died,
          tempfile.TemporaryFile("w+", encoding="utf-8") as echoed,
          contextlib.redirect_stdout(sys.stdout if verbose else echoed)):
        notes = [died.died()] if died else []
        waited = time.monotonic() - asked
        short = short_of_space(warehouse, settings.marts_dir())
        if short:
            return RefreshOutcome(False, "not started", [short], notes=notes, waited_s=waited)
        remove_leftovers(settings.marts_dir())
        notes += filter(None, [discard_if_damaged(warehouse)])
        # Great Expectations (5-8 s to import) is imported while dbt's parse is checked and
        # the job starts, not while the first changed source waits to be validated.
        with validation.validating_process():
            try:
                if progress is not None and dbt_manifest_stale():
                    progress.started(DBT_PARSE)
                prepare_dbt_manifest()
            except Exception:
                if progress is not None:
                    progress.finished(DBT_PARSE, failed=True)
                return replace(_failed_before_the_job(notes), waited_s=waited)
            if progress is not None:
                progress.finished(DBT_PARSE)
            outcome = _execute(instance, verbose, notes, echoed, progress, full)
        damage = next((d for d in outcome.details if is_damage(d)), None)
        if damage is not None and discard_if_damaged(warehouse, damage):
            # Damage found mid-run (a block that fails its checksum): rebuild once.
            notes.append(f"the warehouse {warehouse} was damaged "
                         f"({safe_summary(damage, 240)}); it was removed and the refresh "
                         "rerun, rebuilding it from the exports")
            outcome = _execute(instance, verbose, notes, echoed, progress, full)
    outcome = replace(outcome, waited_s=waited)
    if not outcome.success:
        outcome = replace(outcome, log=write_run_log(outcome))
    return outcome


# The least free space a refresh starts with, beyond the warehouse's own size (a full build
# writes its tables anew before the old ones go).
MIN_FREE_BYTES = 64 * 2**20


def short_of_space(warehouse: Path, marts_dir: Path) -> str | None:
    """Why the disks holding the warehouse and the marts cannot take tonight's refresh, or
    None. A refresh that filled the disk part way had DuckDB abort the process (exit 134,
    a stack dump) on the next run, and the first said only "No space left on device"."""
    needed = MIN_FREE_BYTES + (warehouse.stat().st_size if warehouse.is_file() else 0)
    for folder in (warehouse.parent, marts_dir):
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        free = shutil.disk_usage(existing).free
        if free < needed:
            return (f"the disk holding {folder} has {free / 2**20:,.0f} MiB free; a refresh "
                    f"needs about {needed / 2**20:,.0f} MiB (the warehouse's size and "
                    f"{MIN_FREE_BYTES / 2**20:,.0f} MiB more): free some space and run it "
                    "again (the published marts are as they were)")
    return None


def _failed_before_the_job(notes: list[str]) -> RefreshOutcome:
    """The dbt project could not be parsed (an edited seed or model): the job never started."""
    from dagster._utils.error import serializable_error_info_from_exc_info

    error = serializable_error_info_from_exc_info(sys.exc_info())
    outcome = RefreshOutcome(False, "not started", [failure_line("dbt_parse", error)],
                             notes=notes, details=[error.to_string()])
    return replace(outcome, log=write_run_log(outcome))


def _execute(instance, verbose: bool, notes: list[str], echoed,
             progress: RefreshProgress | None, full: bool) -> RefreshOutcome:
    # `ahead`: a thread for imports done while dbt builds (_after_the_loads).
    with validation.validating_process(), warm_dbt() as warm, ThreadPoolExecutor(1) as ahead:
        return _execute_job(instance, verbose, notes, echoed, progress, full, warm, ahead)


def _after_the_loads(warm: WarmDbt, ahead: ThreadPoolExecutor, entry) -> None:
    """The loads run first; the first other step (FFT coding, dbt) ends the validating
    process, whose memory would otherwise add to theirs, and starts importing dbt for the
    build. While dbt builds, this process only reads dbt's events: it imports the insight
    pack's modules then (0.8 s, its charts and statistics), not after the publish."""
    event = entry.dagster_event
    if event is not None and event.is_step_start and not event.step_key.startswith("raw__"):
        validation.end_validating_process()
        warm.start()
        if event.step_key == "dbt_models":
            ahead.submit(importlib.import_module, "pipelines.report")


def _execute_job(instance, verbose: bool, notes: list[str], echoed,
                 progress: RefreshProgress | None, full: bool, warm: WarmDbt,
                 ahead: ThreadPoolExecutor) -> RefreshOutcome:
    import dagster as dg
    from dagster._core.utils import make_new_run_id

    from pipelines.definitions import defs
    from pipelines.defs.dbt.assets import dbt_models
    from pipelines.defs.resources import FULL_TAG

    job = defs.resolve_job_def("nightly_refresh")
    # An incremental dbt build leaves unchanged models' tests unrun, and Dagster warns about
    # each such check on stderr: expected, so not shown.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
    instance = instance or dg.DagsterInstance.get()
    run_id = make_new_run_id()
    if progress is not None:
        progress.dbt_nodes = len(dbt_models.keys) + len(dbt_models.check_keys)
        instance.add_event_listener(run_id, progress)
    instance.add_event_listener(run_id, functools.partial(_after_the_loads, warm, ahead))
    echoed.seek(0)
    echoed.truncate()
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, run_id=run_id,
        tags={FULL_TAG: "true"} if full else None,
        # Quiet by default: a failed step logs its whole stack trace. The run's full event log
        # is stored in the Dagster instance.
        run_config={"loggers": {"console": {"config": {
            "log_level": "WARNING" if verbose else "CRITICAL"}}}})
    failures, details, stages, passed, failed_checks = [], [], [], 0, []
    reloaded, dbt_rebuilt = [], 0
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            failures.append(failure_line(event.step_key, error))
            details.append(f"{event.step_key}:\n{error.to_string()}")
        elif event.is_step_success:
            stages.append((event.step_key, event.event_specific_data.duration_ms / 1000))
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                passed += 1
            else:
                why = evaluation.metadata.get("why")
                failed_checks.append(f"{evaluation.asset_key.to_user_string()} "
                                     f"{evaluation.check_name} ({evaluation.severity.value})"
                                     + (f": {why.value}" if why is not None else ""))
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialized = event.event_specific_data.materialization
            metadata = materialized.metadata
            if materialized.asset_key.path[0] == "raw" and metadata["reloaded"].value:
                reloaded.append(materialized.asset_key.path[1])
            elif materialized.asset_key in dbt_models.keys:
                dbt_rebuilt += "rebuilt" not in metadata
    written = echoed.seek(0, os.SEEK_END)
    echoed.seek(0)
    dbt_log = "".join(deque(echoed, maxlen=DBT_LOG_LINES)) if failures else ""
    log_file = None if verbose or not written else _write_private_log(
        f"dbt-{_stamp()}-{result.run_id[:8]}.log", echoed, "dbt-*.log")
    notes = [*notes, *_history_pruned(instance)]
    return RefreshOutcome(result.success, result.run_id, grouped(failures), stages, passed,
                          failed_checks, notes, details, dbt_log, dbt_log_file=log_file,
                          reloaded=sorted(reloaded),
                          dbt_rebuilt=(dbt_rebuilt, len(dbt_models.keys)))


def _history_pruned(instance) -> list[str]:
    """Runs older than the history kept removed (pipelines.lib.history_retention): nothing
    to say unless that failed, which leaves the refresh's outcome as it was."""
    from pipelines.lib.history_retention import prune_run_history

    try:
        pruned = prune_run_history(instance, settings.run_history_days())
    except Exception as error:  # housekeeping: tonight's marts stand either way
        return [f"the Dagster run history could not be pruned ({safe_summary(str(error), 160)});"
                " the next refresh tries again"]
    if pruned.failures:
        return [f"{len(pruned.failures)} old run(s) could not be removed from the Dagster run "
                f"history ({pruned.failures[0]}); the next refresh tries again"]
    return []


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _write_private_log(name: str, text, kept: str) -> Path:
    """A log beside the private warehouse (a log can quote a value), readable by the
    refresh's user only; of the logs matching `kept`, the newest RUN_LOGS_KEPT are kept."""
    folder = settings.run_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        if isinstance(text, str):
            handle.write(text)
        else:
            text.seek(0)
            for line in text:  # dbt colours its console log; a file wants none
                handle.write(_COLOUR.sub("", line))
    for old in sorted(folder.glob(kept))[:-RUN_LOGS_KEPT]:
        old.unlink(missing_ok=True)
    return path


def write_run_log(outcome: RefreshOutcome) -> Path:
    """The failed run's summary and tracebacks (see `_write_private_log`)."""
    body = [f"run {outcome.run_id} failed", *outcome.notes, *outcome.failures, "",
            *outcome.details, "", "End of the dbt log:", outcome.dbt_log]
    return _write_private_log(f"refresh-{_stamp()}-{outcome.run_id[:8]}.log",
                              "\n".join(body) + "\n", "refresh-*.log")
