"""Run the nightly refresh in-process, as the CLI, the tests and the benchmark do."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from pipelines.lib.run_history import root_cause
from pipelines.lib.settings import PROJECT_ROOT

DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"


def prepare_dbt_manifest() -> None:
    """Parse the dbt project if any of its files changed since the manifest was written, so
    the asset graph reflects the models and seeds on disk (a parse costs ~10 s)."""
    from pipelines.defs.dbt.resources import dbt_project, dbt_resource

    manifest = dbt_project.manifest_path
    generated = {dbt_project.project_dir / "target", dbt_project.project_dir / "logs"}
    sources = (p for p in dbt_project.project_dir.rglob("*")
               if p.is_file() and not generated.intersection(p.parents))
    if manifest.exists() and all(p.stat().st_mtime < manifest.stat().st_mtime for p in sources):
        return
    dbt_resource.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


def exports_missing() -> str | None:
    """One line for a data/raw/ that holds no export file of any source, else None: a refresh
    would have nothing to load, and every source failing separately says less."""
    from pipelines.lib import settings
    from pipelines.lib.canonical import SOURCES

    raw = settings.raw_dir()
    folders = [raw / source for source in SOURCES]
    if any(p.is_file() and not p.name.startswith(".")
           for folder in folders if folder.is_dir() for p in folder.rglob("*")):
        return None
    return (f"{raw} holds no export files: put each system's exports in {raw}/<source>/ "
            f"({', '.join(SOURCES)}) and describe them in mappings/, or run "
            "`triangulate generate` for the demo trust")


@dataclass(frozen=True)
class RefreshOutcome:
    success: bool
    run_id: str
    failures: list[str]  # one line per failed step: what failed and why
    stages: list[tuple[str, float]] = field(default_factory=list)  # step, seconds (done ones)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)  # "<asset> <check>: why"


def run_refresh(instance=None, log_level: str = "WARNING") -> RefreshOutcome:
    """Materialise every asset (load, validate, dbt build, publish) in this process.

    A failure anywhere stops the steps after it, so the published marts are only replaced by
    a run whose loads, checks and dbt tests all passed.
    """
    import dagster as dg

    os.environ.setdefault("DAGSTER_HOME", str(DAGSTER_HOME))
    missing = exports_missing()
    if missing:
        return RefreshOutcome(False, "", [missing])
    prepare_dbt_manifest()
    from pipelines.definitions import defs

    job = defs.resolve_job_def("nightly_refresh")
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.get(), raise_on_error=False,
        # Failures and warnings only: at INFO dagster-dbt echoes every dbt node to the console.
        # The run's full event log is still stored in the Dagster instance.
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
    failures, stages, passed, failed_checks = [], [], 0, []
    for event in result.all_events:
        if event.is_step_failure:
            failures.append(f"{event.step_key}: {root_cause(event.step_failure_data.error)}")
        elif event.is_step_success:
            stages.append((event.step_key, event.event_specific_data.duration_ms / 1000))
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                passed += 1
            else:
                failed_checks.append(f"{evaluation.asset_key.to_user_string()} "
                                     f"{evaluation.check_name} ({evaluation.severity.value})")
    return RefreshOutcome(result.success, result.run_id, failures, stages, passed,
                          failed_checks)
