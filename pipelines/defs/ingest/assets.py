"""One raw asset per source: the source's export files, validated, in `raw.<entity>` tables."""
# No `from __future__ import annotations` here: Dagster inspects the context annotation.


import dagster as dg

from pipelines.defs.ingest.checks import (
    check_results,
    check_specs,
    load_summary,
    shrunk_files,
)
from pipelines.defs.resources import ExportsResource, WarehouseResource, is_full
from pipelines.lib.canonical import SOURCES
from pipelines.lib.dates import reference_day
from pipelines.lib.fingerprints import (
    load_step,
    load_still_current,
    source_fingerprint,
    stored,
)
from pipelines.lib.freshness import MISSING, SourceUnavailableError, judge
from pipelines.lib.ingest import (
    judged_by_the_day,
    load_source,
    newest_loaded_date,
    newest_record_date,
    write_source,
)
from pipelines.lib.load_cache import LoadCache
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
            "Unless the run is a full one, files, mappings and loader unchanged since the "
            "last load (same fingerprint) are not read again, nor on a later day unless "
            "the load rejected a date as implausible: the raw tables stay. When some "
            "files changed, only those are read, typed and validated; the others' share "
            "is kept beside the warehouse (`load_cache/`). "
            "Fails (so nothing is published) when the trust profile expects the source and "
            "its folder is missing or empty, or its newest record is stale (judged every run)."),
    )
    def _asset(context: dg.AssetExecutionContext, exports: ExportsResource,
               warehouse: WarehouseResource):
        profile = exports.profile()
        mappings = exports.mappings()
        as_of = as_of_date()
        day = reference_day()
        fingerprint = source_fingerprint(exports.raw_path(), mappings, source)
        with warehouse.connect() as con:
            last = stored(con).get(load_step(source))
            unchanged = (not is_full(context) and last is not None and last[0] == fingerprint
                         and load_still_current(last[1], day))
            newest = newest_loaded_date(con, source, as_of) if unchanged else None
        if unchanged:
            loads, summary = None, last[1]
        else:
            cache = LoadCache(warehouse.file().parent / "load_cache", day,
                              reuse=not is_full(context))
            loads = load_source(exports.raw_path(), mappings, source, cache)
            summary = {**load_summary(loads), "reference_day": day.isoformat(),
                       "judged_by_the_day": judged_by_the_day(loads, mappings, source)}
            # Kept with the load, so the warning stands until the files change again.
            summary["shrunk"] = shrunk_files(summary["file_rows"],
                                             last[1].get("file_rows", {}) if last else {})
            newest = newest_record_date(loads, as_of)
        state = judge(
            profile.expectation(source), str(exports.raw_path() / source), str(profile.path.parent),
            files=summary["files"], rows_loaded=summary["rows_loaded"], newest=newest,
            as_of=as_of)
        if state.state == MISSING and state.problem:
            # Leave the warehouse as it was: the last good load of the source stays there.
            raise SourceUnavailableError(state.problem)
        with warehouse.connect() as con:
            write_source(con, source, loads, state, (fingerprint, summary))
        if state.problem:
            raise SourceUnavailableError(state.problem)
        read, loaded = summary["rows_read"], summary["rows_loaded"]
        context.log.info(f"{source}: {read} rows read, {loaded} loaded, {read - loaded} rejected"
                         + ("" if loads is not None else " (files unchanged: not read again)"))
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": loaded,
                "rows_read": read,
                "rows_rejected": read - loaded,
                # Read tonight: a source not sent has no files to read.
                "reloaded": loads is not None and summary["files"] > 0,
                "files": dg.MetadataValue.md(summary["files_table"]),
            },
            check_results=check_results(summary),
        )

    return _asset


raw_assets = [raw_asset(source) for source in SOURCES]
