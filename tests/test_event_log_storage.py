"""The pooled event log writes what Dagster's own SQLite event log would, where it would."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
from dagster._core.storage.event_log import SqliteEventLogStorage

from pipelines.lib import event_log_storage
from pipelines.lib.event_log_storage import PooledSqliteEventLogStorage
from pipelines.refresh import INSTANCE_SETTINGS


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers():
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=True)])


def _run(instance) -> str:
    job = dg.Definitions(assets=[numbers]).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance)
    assert result.success
    return result.run_id


def test_the_shipped_instance_stores_events_a_stock_dagster_reads(tmp_path, monkeypatch):
    shutil.copy(INSTANCE_SETTINGS, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_ids = [_run(instance), _run(instance)]
        written = [[e.dagster_event_type for e in instance.all_logs(run_id)]
                   for run_id in run_ids]

    stock = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    read = [[e.dagster_event_type for e in stock.get_logs_for_run(run_id)]
            for run_id in run_ids]
    assert read == written
    assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in read[1]
    latest = stock.get_latest_materialization_events([dg.AssetKey("numbers")])
    assert latest[dg.AssetKey("numbers")].run_id == run_ids[1]


def test_engines_are_kept_per_file_and_the_oldest_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(event_log_storage, "ENGINES_KEPT", 2)
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    for shard in ("a", "b", "a", "c"):
        with storage.run_connection(shard) as conn:
            conn.exec_driver_sql("select 1")
    assert list(storage._engines) == ["a", "c"]  # b was least recently used
    storage.wipe()  # deletes the run files: their engines go first
    assert list(storage._engines) == ["index"]
    assert not list(tmp_path.glob("[abc].db"))


def test_the_schema_is_asked_once_per_table_and_commits_do_not_wait_for_the_disk(
        tmp_path, monkeypatch):
    asked = []
    stock_has_table = SqliteEventLogStorage.has_table
    monkeypatch.setattr(SqliteEventLogStorage, "has_table",
                        lambda self, name: asked.append(name) or stock_has_table(self, name))
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    asked.clear()
    assert storage.supports_asset_checks and storage.supports_asset_checks
    assert asked == ["asset_check_executions"]  # found once, then remembered
    assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
    assert asked[1:] == ["no_such_table"] * 2  # a missing table is asked again: it may come
    for connect in (storage.index_connection, lambda: storage.run_connection("a_run")):
        with connect() as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # normal


def test_a_batch_is_stored_as_one_write_per_file_with_what_one_by_one_would_store(
        tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "10000")  # as the refresh sets it
    batches, connected = [], []
    stock_batch = PooledSqliteEventLogStorage.store_event_batch
    stock_engine = PooledSqliteEventLogStorage._engine

    def store_event_batch(self, events):
        batches.append(len(events))
        monkeypatch.setattr(PooledSqliteEventLogStorage, "_engine",
                            lambda self, shard: connected.append(shard) or stock_engine(self,
                                                                                        shard))
        stock_batch(self, events)
        monkeypatch.setattr(PooledSqliteEventLogStorage, "_engine", stock_engine)

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event_batch", store_event_batch)
    shutil.copy(INSTANCE_SETTINGS, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        run_id = _run(instance)
        written = [e.dagster_event_type for e in instance.all_logs(run_id)]
    assert batches == [2]  # the asset and its check, planned at the run's start
    assert sorted(connected) == sorted(["index", run_id])  # one connection per file
    planned = [dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
               dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED]
    assert all(kind in written for kind in planned)
    stock = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    assert [e.dagster_event_type for e in stock.get_logs_for_run(run_id)] == written
    # The index (cross-run) holds the planned check as Dagster's own storage would.
    check = stock.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("numbers"), "positive"), limit=5)
    assert len(check) == 1 and check[0].run_id == run_id


def test_a_batch_that_fails_keeps_nothing_of_it(tmp_path, monkeypatch):
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    stored = []

    def store_event(event):
        with storage.run_connection("a_run") as conn:
            conn.exec_driver_sql("create table if not exists t (x int)")
            conn.exec_driver_sql(f"insert into t values ({event})")
        stored.append(event)
        if event == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(storage, "store_event", store_event)
    with pytest.raises(RuntimeError):
        storage.store_event_batch([1, 2])
    assert stored == [1, 2]
    with storage.run_connection("a_run") as conn:
        conn.exec_driver_sql("create table if not exists t (x int)")
        assert conn.exec_driver_sql("select count(*) from t").scalar() == 0
    storage.store_event_batch([])  # and the storage is usable again
