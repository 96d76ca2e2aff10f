"""Resources shared by every concern: where the exports, mappings and warehouse live."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines.lib import quiet_duckdb, settings
from pipelines.lib.mapping import Mapping, load_mappings
from pipelines.lib.profile import Profile, load_profile
from pipelines.lib.refresh_lock import lock_path, refresh_lock
from pipelines.lib.reporting_period import one_as_of_date
from pipelines.lib.warehouse import create_if_missing, discard_if_damaged, upgrade_storage

# Paths come from environment variables (pipelines.lib.settings), not resource config, because
# the dbt subprocess must see the same warehouse file and reads it from the environment too.


# Run tag of `refresh --full`: every step runs in full, whatever the fingerprints say
# (pipelines.lib.fingerprints).
FULL_TAG = "triangulate/full"


def is_full(context: dg.AssetExecutionContext) -> bool:
    return context.run.tags.get(FULL_TAG) == "true"


class ExportsResource(dg.ConfigurableResource):
    """The trust's raw export files and the mappings that read them."""

    def raw_path(self) -> Path:
        return settings.raw_dir()

    def mappings(self) -> list[Mapping]:
        return load_mappings(settings.mappings_dir())

    def profile(self) -> Profile:
        return load_profile()


# How long a run the sensor or the schedule started waits for a refresh already running.
LAUNCHED_RUN_WAIT_SECONDS = 3600
_LAUNCHED_BY = ("dagster/sensor_name", "dagster/schedule_name")


def lock_wait_seconds(run_tags: dict[str, str]) -> float:
    """How long a run waits for the refresh lock: a run the sensor or the schedule started
    waits (it failed at once, and the sensor, having seen the changed files, never asked
    again: the change waited for the 02:00 run); one a person started, as configured."""
    wait = settings.refresh_wait_seconds()
    if any(tag in run_tags for tag in _LAUNCHED_BY):
        return max(wait, LAUNCHED_RUN_WAIT_SECONDS)
    return wait


class WarehouseResource(dg.ConfigurableResource):
    """The private warehouse DuckDB file: only the pipeline opens it, read-write.

    A run holds the refresh lock for as long as it uses the warehouse, so a run started from
    the Dagster UI, the schedule or the sensor never collides with a `triangulate refresh`
    (which takes the lock itself first); a damaged warehouse file is rebuilt."""

    def file(self) -> Path:
        return settings.warehouse_path()

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        run = context.dagster_run
        wait = lock_wait_seconds(run.tags if run is not None else {})
        with refresh_lock(lock_path(self.file()), wait) as died, one_as_of_date():
            if died is not None:
                context.log.warning(died.died())
            note = discard_if_damaged(self.file())
            if note:
                context.log.warning(note)
            note = upgrade_storage(self.file())
            if note:
                context.log.info(note)
            yield self

    @contextmanager
    def connect(self, read_only: bool = False):
        # Its user's only, whoever starts the run (the refresh, or the Dagster UI): the file
        # holds every free text exported.
        self.file().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_if_missing(self.file())
        con = quiet_duckdb.connect(str(self.file()), read_only=read_only,
                                   config={"memory_limit": settings.duckdb_memory_limit()})
        os.chmod(self.file(), 0o600)
        try:
            yield con
        finally:
            con.close()


class MartsResource(dg.ConfigurableResource):
    """The published marts folder that BI tools read."""

    def folder(self) -> Path:
        return settings.marts_dir()
