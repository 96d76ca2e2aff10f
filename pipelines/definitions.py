"""Assembles Triangulate's Dagster definitions; the pieces live in pipelines/defs/."""

import dagster as dg

from pipelines.defs.coding.assets import fft_comments
from pipelines.defs.dbt.assets import dbt_models
from pipelines.defs.dbt.resources import dbt_resource
from pipelines.defs.ingest.assets import raw_assets
from pipelines.defs.ingest.sensors import new_export_files
from pipelines.defs.jobs import nightly_refresh, nightly_schedule
from pipelines.defs.publish.assets import insight_pack, published_marts
from pipelines.defs.resources import ExportsResource, MartsResource, WarehouseResource

defs = dg.Definitions(
    assets=[*raw_assets, fft_comments, dbt_models, published_marts, insight_pack],
    jobs=[nightly_refresh],
    schedules=[nightly_schedule],
    sensors=[new_export_files],
    resources={
        "exports": ExportsResource(),
        "warehouse": WarehouseResource(),
        "marts": MartsResource(),
        "dbt": dbt_resource,
    },
    # One process: the multiprocess executor costs seconds per step on two cores and its
    # steps would fight over the warehouse file's lock.
    executor=dg.in_process_executor,
)
