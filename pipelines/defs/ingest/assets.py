"""One raw asset per source: the source's export files, validated, in `raw.<entity>` tables."""
# No `from __future__ import annotations` here: Dagster inspects the context annotation.


import dagster as dg

from pipelines.defs.ingest.checks import check_results, check_specs
from pipelines.defs.resources import ExportsResource, WarehouseResource
from pipelines.lib.canonical import SOURCES
from pipelines.lib.freshness import MISSING, SourceUnavailableError, judge
from pipelines.lib.ingest import load_source, newest_record_date, write_source
from pipelines.lib.reporting_period import as_of_date


def raw_asset(source: str) -> dg.AssetsDefinition:
    entities = SOURCES[source]
    tables = ", ".join(f"`raw.{e.name}` ({e.description[0].lower()}{e.description[1:]})"
                       for e in entities)

    @dg.asset(
        key=["raw", source],
        group_name="raw",
        kinds={"duckdb", "polars"},
        check_specs=check_specs(source),
        description=(
            f"Every export file in `data/raw/{source}/`, read through its mapping in the "
            f"trust profile's `mappings/`, validated by the `expectations/{source}.py` suite "
            "and loaded into "
            f"{tables}. Rows failing a rule go to `raw.rejected_rows` with their reason. "
            "Fails (so nothing is published) when the trust profile expects the source and "
            "its folder is missing or empty, or its newest record is stale."),
    )
    def _asset(context: dg.AssetExecutionContext, exports: ExportsResource,
               warehouse: WarehouseResource):
        profile = exports.profile()
        loads = load_source(exports.raw_path(), exports.mappings(), source)
        as_of = as_of_date()
        state = judge(
            profile.expectation(source), str(exports.raw_path() / source), str(profile.path.parent),
            files=len({f for load in loads if load.files.height for f in load.files["file"]}),
            rows_loaded=sum(load.loaded.height for load in loads),
            newest=newest_record_date(loads, as_of), as_of=as_of)
        if state.state == MISSING and state.problem:
            # Leave the warehouse as it was: the last good load of the source stays there.
            raise SourceUnavailableError(state.problem)
        with warehouse.connect() as con:
            write_source(con, source, loads, state)
        if state.problem:
            raise SourceUnavailableError(state.problem)
        read = sum(load.rows_read for load in loads)
        loaded = sum(load.loaded.height for load in loads)
        context.log.info(f"{source}: {read} rows read, {loaded} loaded, {read - loaded} rejected")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": loaded,
                "rows_read": read,
                "rows_rejected": read - loaded,
                "files": dg.MetadataValue.md(_files_table(loads)),
            },
            check_results=check_results(source, loads),
        )

    return _asset


def _files_table(loads) -> str:
    lines = ["| file | mapping | encoding | read | loaded | rejected |",
             "|---|---|---|---|---|---|"]
    for load in loads:
        for row in load.files.iter_rows(named=True):
            lines.append(f"| {row['file']} | {row['mapping']} | {row['encoding']} | "
                         f"{row['rows_read']} | {row['rows_loaded']} | {row['rows_rejected']} |")
    return "\n".join(lines)


raw_assets = [raw_asset(source) for source in SOURCES]
