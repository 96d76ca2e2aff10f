"""Dagster's SQLite event log, with one database engine per file instead of one per write.

Dagster's SqliteEventLogStorage builds a new SQLAlchemy engine, connects, writes and disposes
of the engine for every write, and stores each event with two to six such writes (the run's
file, then its mirror in the cross-run index). A refresh stores about 1,700 events, most of
them dbt's models and tests as they finish, in the thread that reads dbt's output: this class
keeps a small pool of engines (one per database file, the least recently used closed first),
so a write is a pooled connection and a transaction. Two more costs of each write go: asking
whether the schema has a table (the base class builds an engine for that too), and waiting for
the disk at each commit (the files are in WAL mode). On the small demo trust these took a
refresh's ~1,700 events from 5.5 to 3.0 s. What is written, and where, is unchanged; the
instance uses it through `event_log_storage` in DAGSTER_HOME's dagster.yaml.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import Field, StringSource
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# A refresh writes to two files (its run's and the index); a Dagster UI reading several runs'
# logs opens a few more.
ENGINES_KEPT = 8


def _commit_without_fsync(connection, _record) -> None:
    """In WAL mode (Dagster's event log files are), a commit need not wait for the disk: a
    power cut can lose the last events written, never the file's consistency. Each write is
    its own commit, and waiting for the disk cost a refresh 1.5-2 s of its ~1,700 events."""
    if connection.execute("pragma journal_mode").fetchone()[0] == "wal":
        connection.execute("pragma synchronous = normal")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage (same files, same schema) keeping each file's engine open."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # the base class writes
        self._tables_found: set[str] = set()
        # This thread's connections while it stores a batch (store_event_batch), by file.
        self._batch = threading.local()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls):
        # Where Dagster keeps its default event log: $DAGSTER_HOME/history/runs/.
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base_dir = config_value.get("base_dir") or os.path.join(
            os.environ["DAGSTER_HOME"], "history", "runs")
        return cls(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(self.conn_string_for_shard(shard),
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            event.listen(engine, "connect", _commit_without_fsync)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
                engine.dispose()  # connections opened before the file was put in WAL mode
            self._engines[shard] = engine
            if len(self._engines) > ENGINES_KEPT:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        held = getattr(self._batch, "connections", None)
        if held is None:
            with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
                yield conn
            return
        if shard not in held:
            held[shard] = self._engine(shard).connect()
            held[shard].begin()
        yield held[shard]

    def store_event_batch(self, events) -> None:
        """Every event of the batch in one transaction per file. A run's start logs each asset
        and check it plans to materialise (460 events a nightly refresh) as one batch
        when DAGSTER_EVENT_BATCH_SIZE is set (the refresh sets it): one by one they cost the
        run's start-up a second. If any fails nothing of the batch is kept, and Dagster stores
        the events one by one instead."""
        with self._db_lock:
            self._batch.connections = held = {}
            try:
                for event in events:
                    self.store_event(event)
                for conn in held.values():
                    conn.commit()
            finally:
                self._batch.connections = None
                for conn in held.values():
                    conn.close()  # rolls back what was not committed

    def has_table(self, table_name: str) -> bool:
        # Asked before every asset check result and asset event is stored (whether the
        # instance's schema has the table yet), and the base class builds an engine to answer:
        # a third of the time a refresh spent storing events. A table, once there, stays.
        if table_name not in self._tables_found and super().has_table(table_name):
            self._tables_found.add(table_name)
        return table_name in self._tables_found

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def close_files(self) -> None:
        """Close every file's engine, so SQLite folds each file's write-ahead log back in and
        removes it: a run's file is not written after its run, and kept its log (~4 MiB).
        Files with a log left beside them (by a process that never closed them, as every
        refresh did before this) are opened first, so they are folded too; one that cannot be
        opened keeps its log."""
        for log in Path(self._base_dir).glob("*.db-wal"):
            with contextlib.suppress(Exception), \
                    self.run_connection(log.name.removesuffix(".db-wal")) as conn:
                conn.exec_driver_sql("select 1")
        self._close_engines()

    def forget_run(self, run_id: str) -> int:
        """Delete a run's events without opening its own file (which may be damaged): its
        rows in the cross-run index, with the asset check executions Dagster's `delete_run`
        leaves there (each holding its whole evaluation: 0.4-0.8 MB a refresh), and then the
        file; returns the file's bytes. The run's record is the caller's to delete."""
        with self.index_connection() as conn:
            self.delete_events_for_run(conn, run_id)
            conn.execute(AssetCheckExecutionsTable.delete().where(
                AssetCheckExecutionsTable.c.run_id == run_id))
        with self._db_lock:
            engine = self._engines.pop(run_id, None)
            if engine is not None:
                engine.dispose()
            self._initialized_dbs.discard(run_id)
        freed = 0
        for suffix in (".db", ".db-wal", ".db-shm"):
            path = Path(self._base_dir) / f"{run_id}{suffix}"
            if path.is_file():
                freed += path.stat().st_size
                path.unlink()
        return freed

    def wipe(self) -> None:
        self._close_engines()  # before their files are deleted
        super().wipe()
        self._tables_found.clear()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
