"""Every dbt seed, model and test as Dagster assets and checks, keyed by layer."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines.defs.dbt.resources import active_profile, build_target_path, dbt_project
from pipelines.defs.resources import WarehouseResource


def _layer(dbt_resource_props: Mapping[str, Any]) -> str:
    # Seeds are the trust's editable reference tables; models sit in models/<layer>/...
    if dbt_resource_props["resource_type"] == "seed":
        return "reference"
    return dbt_resource_props["fqn"][1]


class LayeredTranslator(DagsterDbtTranslator):
    """Asset key = [layer, model], group = layer; sources keep their `meta.dagster` keys."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return _layer(dbt_resource_props)


NIGHTLY_EXCLUDES = ["--exclude-resource-type", "unit_test"]

# The audit workbook's three tables are dbt sources of one raw asset, so source keys repeat.
translator = LayeredTranslator(
    DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project,
            dagster_dbt_translator=translator)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
               warehouse: WarehouseResource):
    """Seeds, staging, intermediate and mart models built and tested by `dbt build`."""
    # dbt writes the warehouse itself: requiring the resource makes the run hold the refresh
    # lock (WarehouseResource) even when only the dbt models are materialised.
    # dbt's unit tests check the models' SQL on fixed inputs, not the trust's data, so they
    # cannot fail on one night's data: they run in CI (tests/test_dbt_unit_tests.py), and
    # every data test gates the nightly publish.
    with active_profile() as profile_args:
        yield from dbt.cli(["build", *NIGHTLY_EXCLUDES, *profile_args], context=context,
                           target_path=build_target_path()).stream()
