"""The nightly refresh: every asset, in-process, at 02:00 UK time."""

import dagster as dg

nightly_refresh = dg.define_asset_job(
    "nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Load every source's exports, build and test the dbt models, publish the marts.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_0200",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
