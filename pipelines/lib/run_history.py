"""What the Dagster instance remembers of the last nightly refresh: status, checks, and the one
line each failed step gets (the refresh prints the same lines)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pipelines.lib.errors import USER_FACING_CLASS_NAMES, safe_summary
from pipelines.lib.reference import LAYERS

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
    failed_steps: list[str]  # failure_line: "<step>: <what, where, what to do>"


# What each step is, for the one line a failed step gets.
_STEPS = {"dbt_parse": "reading the dbt project", "dbt_models": "building the marts (dbt)",
          "published__marts": "publishing", "published__insight_pack": "writing the insight pack",
          "coded__fft_comments": "coding FFT comments"}


_QUOTE_NO_VALUES = {"ModuleNotFoundError", "ImportError", "FileNotFoundError",
                    "PermissionError", "IsADirectoryError", "NotADirectoryError"}


def _chain(error):
    """The error and everything it was raised from, outermost first."""
    while error is not None:
        yield error
        error = error.cause or error.context


def _own_message(error) -> str:
    """A serialised error's message without its `module.Class: ` prefix."""
    prefix, _, rest = error.message.partition(": ")
    text = rest if prefix.rsplit(".", 1)[-1] == error.cls_name else error.message
    return " ".join(text.split())


def failure_line(step_key: str, error) -> str:
    """One line for a failed step: the message of the error we raised for people when there
    is one (it names file, mapping, row and what to do, and no cell values); for dbt, the
    nodes that failed; otherwise the unexpected error's class and a masked first line."""
    step = _STEPS.get(step_key) or (
        f"loading {step_key.split('__', 1)[1]}" if step_key.startswith("raw__") else step_key)
    errors = list(_chain(error))
    for item in errors:
        if item.cls_name in USER_FACING_CLASS_NAMES:
            return f"{step}: {_own_message(item)}"
    for item in errors:
        if item.cls_name == "DagsterDbtCliRuntimeError":
            return f"{step}: {_dbt_failures(item.message)}"
    inner = errors[-1]
    # These quote a module or a path, never a cell: nothing to mask.
    summary = (_own_message(inner) if inner.cls_name in _QUOTE_NO_VALUES
               else safe_summary(_own_message(inner)))
    return (f"{step}: unexpected {inner.cls_name}: {summary} "
            "(the traceback is in the run log; --verbose prints it)")


def grouped(lines: list[str]) -> list[str]:
    """`failure_line`s with the same message as one line naming every step: a broken
    profile.yml failed each source's load with the same words, printed nine times."""
    steps: dict[str, list[str]] = {}
    for line in lines:
        step, _, message = line.partition(": ")
        steps.setdefault(message, []).append(step)
    return [f"{_joined(names)}: {message}" for message, names in steps.items()]


def _joined(steps: list[str]) -> str:
    loads = [s.removeprefix("loading ") for s in steps if s.startswith("loading ")]
    others = [s for s in steps if not s.startswith("loading ")]
    return ", ".join([*(["loading " + ", ".join(loads)] if loads else []), *others])


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_FAILURE = re.compile(r"Failure in (\w+) (\S+)")
# The generic tests' node names: `<test>_<model>_<columns>`.
_GENERIC_TESTS = r"(unique_key|unique|not_null|relationships|accepted_values|expression_is_true)"
_DBT_NOISE = re.compile(r"^(compiled code at|LINE \d+|\^|(\w+ )?Error in \w+ )")


def _dbt_failures(message: str) -> str:
    """dagster-dbt's error lists what dbt logged at error level: keep which nodes failed and
    dbt's first line about each (values masked), drop the command line, SQL and paths."""
    lines = [_ANSI.sub("", line).strip() for line in message.split("Errors parsed", 1)[-1]
             .splitlines()]
    found = {}
    for i, line in enumerate(lines):
        match = _DBT_FAILURE.search(line)
        if match and match.group(2) not in found:
            why = next((text for text in lines[i + 1:i + 6]
                        if text and not _DBT_NOISE.match(text)), "")
            found[match.group(2)] = (f"{match.group(1)} {match.group(2)}"
                                     + (f" ({safe_summary(why, 160)})" if why else ""))
    if not found:
        return ("dbt build failed before running its models (the dbt log is in the run log; "
                "--verbose prints it)")
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    tables = sorted({table for node in found for table in LAYERS
                     if node == table or re.match(rf"{_GENERIC_TESTS}_{table}_", node)})
    fix = (f"fix the trust profile's {', '.join(f'reference/{t}.csv' for t in tables)} "
           "(`triangulate check` names the rows)") if tables else "fix the data or the model"
    return ("dbt build failed: " + "; ".join(list(found.values())[:3]) + more +
            f"; {fix}, then rerun (details in the run log)")


def last_refresh(instance=None, finished: bool = False) -> LastRun | None:
    """The newest run of the nightly job (`finished`: the newest that finished, however),
    or None when there has been none. Raises RunHistoryError when there is no usable Dagster
    instance to ask."""
    import dagster as dg

    if instance is None:
        try:
            instance = dg.DagsterInstance.get()
        except dg.DagsterError as error:  # DAGSTER_HOME unset, missing or unreadable
            raise RunHistoryError(f"run history unknown: {str(error).splitlines()[0]}") \
                from None
    statuses = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                dg.DagsterRunStatus.CANCELED] if finished else None
    runs = instance.get_run_records(dg.RunsFilter(job_name=JOB_NAME, statuses=statuses),
                                    limit=1)
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
            failed_steps.append(failure_line(event.step_key, event.step_failure_data.error))
    started = (datetime.fromtimestamp(record.start_time, UTC) if record.start_time else None)
    return LastRun(record.dagster_run.run_id, record.dagster_run.status.value, started, passed,
                   failed, grouped(failed_steps))
