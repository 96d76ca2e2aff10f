"""The published marts: what patient safety teams and BI tools read."""

import dagster as dg

from pipelines.defs.dbt.assets import dbt_models
from pipelines.defs.resources import MartsResource, WarehouseResource
from pipelines.lib.publishing import publish

# Rule, not a list of names: every dbt model in the marts layer feeds the published file.
MART_KEYS = [key for key in dbt_models.keys if key.path[0] == "marts"]


@dg.asset(key=["published", "marts"], group_name="published", deps=MART_KEYS, kinds={"duckdb"})
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    marts: MartsResource) -> dg.MaterializeResult:
    """`data/marts/triangulate.duckdb` (plus `parquet/<mart>.parquet`): every mart table and the
    theme and location reference tables, copied from the private warehouse and swapped in with
    an atomic rename. Open it read-only from BI tools; it holds no free text or identifiers."""
    published = publish(warehouse.file(), marts.folder())
    context.log.info(f"published {len(published.tables)} tables to {published.path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(published.path)),
        "tables": dg.MetadataValue.json(published.tables),
    })
