"""What the Dagster instance remembers of the last nightly refresh: status and checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

JOB_NAME = "nightly_refresh"


class RunHistoryError(RuntimeError):
    """The Dagster instance (DAGSTER_HOME) cannot be opened, so the run history is unknown."""


@dataclass(frozen=True)
class FailedCheck:
    asset: str
    check: str
    severity: str  # WARN: reported only; ERROR: stops the refresh


@dataclass(frozen=True)
class LastRun:
    run_id: str
    status: str  # SUCCESS, FAILURE, STARTED ...
    started_at: datetime | None
    checks_passed: int
    failed_checks: list[FailedCheck]
    failed_steps: list[str]  # "<step>: <why>"


def root_cause(error) -> str:
    """The innermost error's message: Dagster wraps what the step raised in its own errors."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def last_refresh(instance=None) -> LastRun | None:
    """The newest run of the nightly job, or None when there has been none. Raises
    RunHistoryError when there is no usable Dagster instance to ask."""
    import dagster as dg

    if instance is None:
        try:
            instance = dg.DagsterInstance.get()
        except dg.DagsterError as error:  # DAGSTER_HOME unset, missing or unreadable
            raise RunHistoryError(f"run history unknown: {str(error).splitlines()[0]}") \
                from None
    runs = instance.get_run_records(dg.RunsFilter(job_name=JOB_NAME), limit=1)
    if not runs:
        return None
    record = runs[0]
    passed, failed, failed_steps = 0, [], []
    for entry in instance.all_logs(record.dagster_run.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                passed += 1
            else:
                failed.append(FailedCheck(evaluation.asset_key.to_user_string(),
                                          evaluation.check_name, evaluation.severity.value))
        elif event.is_step_failure:
            failed_steps.append(f"{event.step_key}: {root_cause(event.step_failure_data.error)}")
    started = (datetime.fromtimestamp(record.start_time, UTC) if record.start_time else None)
    return LastRun(record.dagster_run.run_id, record.dagster_run.status.value, started, passed,
                   failed, failed_steps)
