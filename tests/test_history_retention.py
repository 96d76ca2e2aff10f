"""The refresh's Dagster run history is pruned to the days kept, without losing what the UI
and `triangulate status` still show."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from pipelines.lib import history_retention, settings
from pipelines.lib.history_retention import prune_run_history
from pipelines.refresh import INSTANCE_SETTINGS


@dg.asset
def loaded_yearly():
    """A source whose files rarely change: materialised in the first run only."""


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="built_nightly")])
def built_nightly():
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=True)])


@pytest.fixture
def instance(tmp_path, monkeypatch):
    shutil.copy(INSTANCE_SETTINGS, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        yield instance


def _runs(instance, nights: int) -> list[str]:
    """The first run materialises both assets, the others `built_nightly` alone."""
    run_ids = []
    for night in range(nights):
        selection = None if night == 0 else [built_nightly]
        result = dg.materialize([loaded_yearly, built_nightly], instance=instance,
                                selection=selection)
        assert result.success
        run_ids.append(result.run_id)
    return run_ids


def _event_files(instance, run_id: str) -> list[str]:
    """The run's own SQLite files (its events, write-ahead log and shared memory)."""
    return sorted(p.name for p in Path(instance.event_log_storage._base_dir).glob(f"{run_id}*"))


def test_old_runs_go_with_their_files_but_the_newest_and_latest_materialisations_stay(
        instance, monkeypatch):
    monkeypatch.setattr(history_retention, "NEWEST_KEPT", 2)
    first, second, third, fourth = _runs(instance, 4)
    assert _event_files(instance, second)  # each run has its own event file
    later = datetime.now(UTC) + timedelta(days=100)  # every run is now 100 days old

    pruned = prune_run_history(instance, keep_days=90, now=later)

    assert pruned.runs == 1 and pruned.bytes_freed > 0
    # The files closed: SQLite folded each write-ahead log back in and removed it.
    assert [name for name in _event_files(instance, "") if name.endswith("-wal")] == []
    kept = {r.dagster_run.run_id for r in instance.get_run_records()}
    # The two newest, and the first: it holds loaded_yearly's latest materialisation.
    assert kept == {first, third, fourth}
    assert instance.get_run_by_id(second) is None
    assert _event_files(instance, second) == []
    assert not list(instance.all_logs(second))
    latest = instance.get_latest_materialization_events(
        [dg.AssetKey("loaded_yearly"), dg.AssetKey("built_nightly")])
    assert {key.path[0]: entry.run_id for key, entry in latest.items()} == {
        "loaded_yearly": first, "built_nightly": fourth}
    # The runs kept keep their events, checks included; the deleted run's check executions
    # (which Dagster's own delete_run leaves in the index) are gone.
    assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in [
        e.dagster_event_type for e in instance.all_logs(fourth)]
    checked = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("built_nightly"), "positive"), limit=10)
    assert {execution.run_id for execution in checked} == {first, third, fourth}


def test_a_damaged_run_file_a_dead_run_and_a_failing_run_are_all_handled(instance,
                                                                           monkeypatch):
    """A run whose event file is damaged still goes (its file is not opened); a run left
    unfinished by a process that died goes once it is as old; a run that cannot be deleted
    is named, left for the next prune, and the others still go."""
    monkeypatch.setattr(history_retention, "NEWEST_KEPT", 1)
    first, second, third, fourth = _runs(instance, 4)
    runs = Path(instance.event_log_storage._base_dir)
    instance.event_log_storage.close_files()
    (runs / f"{second}.db").write_bytes(b"not a database" * 100)
    dead = instance.add_run(dg.DagsterRun(job_name="nightly_refresh",
                                          status=dg.DagsterRunStatus.STARTED)).run_id
    delete_logs = instance.compute_log_manager.delete_logs

    def delete_logs_failing_once(prefix):
        if prefix == [third]:
            raise PermissionError("Permission denied")
        return delete_logs(prefix=prefix)

    monkeypatch.setattr(instance.compute_log_manager, "delete_logs", delete_logs_failing_once)
    later = datetime.now(UTC) + timedelta(days=100)
    pruned = prune_run_history(instance, keep_days=90, now=later)

    assert pruned.runs == 1 and len(pruned.failures) == 1 and third in pruned.failures[0]
    # The newest (the dead run's record), the latest materialisations (the first's and the
    # fourth's) and the run that failed stay; the damaged one went.
    assert {r.dagster_run.run_id for r in instance.get_run_records()} == {
        first, third, fourth, dead}
    assert not (runs / f"{second}.db").exists()
    monkeypatch.setattr(instance.compute_log_manager, "delete_logs", delete_logs)
    [fifth] = _runs(instance, 1)  # both assets: the latest of each
    # The next prune takes the run that failed, the dead run, and the first and fourth (no
    # longer the latest of anything).
    assert prune_run_history(instance, keep_days=90, now=later).runs == 4
    assert [r.dagster_run.run_id for r in instance.get_run_records()] == [fifth]


def test_runs_within_the_days_kept_or_with_zero_days_all_stay(instance, monkeypatch):
    monkeypatch.setattr(history_retention, "NEWEST_KEPT", 1)
    run_ids = _runs(instance, 3)
    assert prune_run_history(instance, keep_days=90).runs == 0  # all made today
    later = datetime.now(UTC) + timedelta(days=400)
    assert prune_run_history(instance, keep_days=0, now=later).runs == 0  # 0 keeps all
    assert {r.dagster_run.run_id for r in instance.get_run_records()} == set(run_ids)


def test_the_days_kept_is_a_whole_number(monkeypatch):
    assert settings.run_history_days() == 90
    monkeypatch.setenv("TRIANGULATE_RUN_HISTORY_DAYS", "30")
    assert settings.run_history_days() == 30
    for wrong in ("a month", "-1", "36501"):  # further back than a date can go
        monkeypatch.setenv("TRIANGULATE_RUN_HISTORY_DAYS", wrong)
        with pytest.raises(settings.SettingError, match="TRIANGULATE_RUN_HISTORY_DAYS"):
            settings.check()


def test_a_log_an_earlier_version_left_beside_a_run_file_is_folded_back_in(instance):
    """Before the refresh closed its files, each run left its write-ahead log behind (a copy
    made while the file is open stands for one): the next prune folds it in, keeping the
    events it held."""
    [run_id] = _runs(instance, 1)
    runs = Path(instance.event_log_storage._base_dir)
    assert (runs / f"{run_id}.db-wal").exists()  # open, its events partly in the log
    for suffix in (".db", ".db-wal"):
        shutil.copy(runs / f"{run_id}{suffix}", runs / f"earlier{suffix}")
    prune_run_history(instance, keep_days=90)
    assert sorted(p.name for p in runs.glob("*.db-wal")) == []
    with contextlib.closing(sqlite3.connect(runs / "earlier.db")) as earlier:
        [(events,)] = earlier.execute("select count(*) from event_logs").fetchall()
    assert events == len(instance.all_logs(run_id)) > 0
