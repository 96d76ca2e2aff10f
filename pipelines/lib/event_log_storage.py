"""Dagster's SQLite event log, with one database engine per file instead of one per write.

Dagster's SqliteEventLogStorage builds a new SQLAlchemy engine, connects, writes and disposes
of the engine for every write, and stores each event with two to six such writes (the run's
file, then its mirror in the cross-run index). A refresh stores about 1,700 events, most of
them dbt's models and tests as they finish, in the thread that reads dbt's output: this class
keeps a small pool of engines (one per database file, the least recently used closed first),
so a write is a pooled connection and a transaction. What is written, and where, is unchanged;
the instance uses it through `event_log_storage` in DAGSTER_HOME's dagster.yaml.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Field, StringSource
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine

# A refresh writes to two files (its run's and the index); a Dagster UI reading several runs'
# logs opens a few more.
ENGINES_KEPT = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage (same files, same schema) keeping each file's engine open."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # the base class writes
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
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            if len(self._engines) > ENGINES_KEPT:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()  # before their files are deleted
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
