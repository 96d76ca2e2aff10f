"""Every dbt seed, model and test as Dagster assets and checks, keyed by layer."""

import json
from collections.abc import Mapping
from graphlib import TopologicalSorter
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines.defs.dbt.resources import (
    active_profile,
    build_target_path,
    dbt_project,
    seed_partial_parse,
)
from pipelines.defs.dbt.selection import (
    AS_OF_STEP,
    ATTEMPTED,
    CI_ONLY,
    NIGHTLY_EXCLUDES,
    BuildPlan,
    note_attempt,
    plan_build,
    sources_with_changed_records,
)
from pipelines.defs.resources import WarehouseResource, is_full
from pipelines.lib import settings
from pipelines.lib.fingerprints import DBT_STEP, dbt_inputs_fingerprint, store, stored
from pipelines.lib.reporting_period import as_of_date
from pipelines.lib.warehouse import forget_changed_keys, forget_kept_results, noted_changes


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


# Writing manifest.json (twice) and run_results.json cost each build about a second, and nothing
# reads them: the asset graph comes from `dbt parse`'s manifest, the results from dbt's event
# stream, and dbt's log in the target folder keeps every node's result. That log is kept at
# info level (each node's start, result and errors): at debug level dbt also writes each of its
# ~3,000 statements and connection events as JSON, a twentieth of a nightly build's time.
BUILD_FLAGS = ["--no-write-json", "--log-level-file", "info"]
# The layers published to data/marts/ (pipelines.defs.publish).
PUBLISHED_LAYERS = ("marts", "case_level")
# The audit workbook's three tables are dbt sources of one raw asset, so source keys repeat.
translator = LayeredTranslator(
    DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project,
            dagster_dbt_translator=translator, exclude=CI_ONLY)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
               warehouse: WarehouseResource):
    """Seeds, staging, intermediate and mart models built and tested by `dbt build`: only
    those downstream of a source whose load or coding changed when nothing else dbt reads
    changed since the last successful build (pipelines.defs.dbt.selection), all of them
    otherwise or on a full refresh."""
    # dbt writes the warehouse itself: requiring the resource makes the run hold the refresh
    # lock (WarehouseResource) even when only the dbt models are materialised.
    # dbt's unit tests check the models' SQL on fixed inputs, and the intermediate models'
    # data tests check it on the test trusts: both run in CI (tests/test_dbt_tests_in_ci.py).
    # The tests of what the trust's data and profile bring in (staging, reference) and of
    # everything published gate the nightly publish.
    with active_profile() as profile_args:
        inputs = dbt_inputs_fingerprint(settings.profile_dir(), settings.mappings_dir(),
                                        settings.value_ref_key_path())
        with warehouse.connect() as con:
            steps = stored(con)
            noted = sources_with_changed_records(noted_changes(con))
        last = steps.pop(DBT_STEP, None)
        _, attempted = steps.pop(ATTEMPTED, (None, None))
        steps = {step: fingerprint for step, (fingerprint, _) in steps.items()}
        steps[AS_OF_STEP] = as_of_date().isoformat()
        manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
        plan = plan_build(manifest, inputs, steps, last, is_full(context), noted, attempted)
        context.log.info("dbt builds everything" if plan.full else
                         f"dbt leaves {len(plan.kept)} models and seeds as they are; "
                         f"sources changed: {', '.join(plan.changed_sources) or 'none'}")
        # A published model left as it is counts as materialised tonight (its table is
        # current), so the publish after it runs. Dagster takes a step's assets in dependency
        # order, and no model left as it is depends on one rebuilt (that would be downstream
        # of a change too), so those left come first.
        yield from _left_as_they_are(context, manifest, plan)
        if not plan.nothing:
            with warehouse.connect() as con:
                # Should this build fail, it may leave models as it built them.
                store(con, ATTEMPTED, "since the last successful build",
                      note_attempt(attempted, inputs, steps[AS_OF_STEP]))
                # `refresh --full` is the way to have everything worked out afresh.
                if is_full(context):
                    forget_kept_results(con)
            seed_partial_parse(build_target_path())
            yield from dbt.cli(["build", *NIGHTLY_EXCLUDES, *BUILD_FLAGS, *plan.dbt_args(),
                                *profile_args],
                               context=context, target_path=build_target_path()).stream()
    # Only a build of every model vouches for all of them (the UI can materialise a few).
    whole = set(context.selected_asset_keys) == set(context.assets_def.keys)
    with warehouse.connect() as con:
        if whole:  # every model reading a record noted has been rebuilt (plan_build)
            forget_changed_keys(con)
        store(con, DBT_STEP, inputs if whole else None, steps)
        if whole:  # forgotten only once this success is noted: a kill between loses nothing
            store(con, ATTEMPTED, None)


def _left_as_they_are(context: dg.AssetExecutionContext, manifest: dict, plan: BuildPlan):
    """An output for each selected published model the plan leaves (the publish waits for
    them), in dependency order. The other models left need none: nothing outside dbt reads
    them, and each output costs the run an event."""
    keys = {translator.get_asset_key(manifest["nodes"][uid]) for uid in plan.kept}
    keys = {k for k in keys & set(context.selected_asset_keys) if k.path[0] in PUBLISHED_LAYERS}
    deps = context.assets_def.asset_deps
    for key in TopologicalSorter({k: deps.get(k, set()) & keys for k in keys}).static_order():
        yield dg.Output(None, context.assets_def.get_output_name_for_asset_key(key),
                        metadata={"rebuilt": False})
