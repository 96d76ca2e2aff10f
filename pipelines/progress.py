"""What `triangulate refresh` shows while it runs: one progress line per stage.

Each Dagster step (a source's load, the FFT coding, dbt, publishing, the pack) gets a line
when it starts and keeps it, with its time, when it ends; the dbt line counts the models,
seeds and tests dbt has finished out of all of them. The lines follow the run's Dagster
events (`DagsterInstance.add_event_listener`), so nothing in the assets knows about them.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

DBT_STEP = "dbt_models"
DBT_PARSE = "dbt_parse"
_NAMES = {
    DBT_PARSE: "Reading the dbt project (changed since the last run)",
    DBT_STEP: "Building and testing the models (dbt)",
    "coded__fft_comments": "Coding FFT comments",
    "published__marts": "Publishing the marts",
    "published__insight_pack": "Writing the insight pack",
}


def stage_name(step_key: str) -> str:
    """A person's name for a Dagster step: `raw__fft` is "Loading fft exports"."""
    if step_key.startswith("raw__"):
        return f"Loading {step_key.removeprefix('raw__')} exports"
    return _NAMES.get(step_key, step_key)


class RefreshProgress:
    """A rich progress display fed with the refresh's Dagster events (call it with each)."""

    def __init__(self, console: Console | None = None, dbt_nodes: int | None = None):
        # Bound to this stdout now: during the refresh stdout (dbt's log) goes to a file.
        self.console = console or Console(file=sys.stdout)
        self.dbt_nodes = dbt_nodes
        # Only on a terminal: a scheduled run's mail gets the summary, not a redrawn display.
        self._progress = Progress(
            SpinnerColumn(finished_text="[green]done[/]"),
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=self.console, redirect_stdout=False,
            redirect_stderr=False, disable=not self.console.is_terminal)
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> RefreshProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def started(self, step: str) -> None:
        total = self.dbt_nodes if step == DBT_STEP else 1
        self._tasks[step] = self._progress.add_task(stage_name(step), total=total)

    def finished(self, step: str, failed: bool = False) -> None:
        task = self._tasks.get(step)
        if task is None:
            return
        if failed:
            self._progress.update(task, description=f"[red]{stage_name(step)}: failed[/]")
            self._progress.stop_task(task)
        else:
            self._progress.update(task, completed=self._progress.tasks[task].total or 1)

    def __call__(self, entry) -> None:
        """One Dagster event log entry of the run."""
        import dagster as dg

        event = entry.dagster_event
        if event is None or not event.step_key:
            return
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_START:
            self.started(event.step_key)
        elif kind == dg.DagsterEventType.STEP_SUCCESS:
            self.finished(event.step_key)
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            self.finished(event.step_key, failed=True)
        elif DBT_STEP in self._tasks and event.step_key == DBT_STEP and kind in (
                dg.DagsterEventType.ASSET_MATERIALIZATION,
                dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            self._progress.advance(self._tasks[DBT_STEP])
