"""The published marts: what patient safety teams and BI tools read."""

import json
from pathlib import Path

import dagster as dg

from pipelines.defs.dbt.assets import PUBLISHED_LAYERS, dbt_models
from pipelines.defs.resources import MartsResource, WarehouseResource
from pipelines.lib import settings
from pipelines.lib.identifier_guard import redactions_in
from pipelines.lib.publishing import MartDocs, publish

# Rule, not a list of names: every dbt model in the marts and case-level layers is published.
MART_KEYS = [key for key in dbt_models.keys if key.path[0] in PUBLISHED_LAYERS]


@dg.asset(key=["published", "marts"], group_name="published", deps=MART_KEYS, kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(
              "no_identifiers_redacted", asset=["published", "marts"],
              description="Nothing in the published files looked like a patient identifier "
                          "(else it was redacted: table identifier_redactions says where)")])
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                    marts: MartsResource) -> dg.MaterializeResult:
    """`data/marts/triangulate.duckdb` (plus `parquet/<mart>.parquet`): every mart table and the
    theme and location reference tables; `triangulate_case_level.duckdb` (plus
    `parquet_case_level/`): the record ids behind them, for the patient safety team only. Copied
    from the private warehouse and swapped in with an atomic rename. Open them read-only from BI
    tools; neither holds free text or patient identifiers."""
    published = publish(warehouse.file(), marts.folder(), _mart_docs())
    redacted = {}
    for file in published:
        context.log.info(f"published {len(file.tables)} tables to {file.path}")
        for r in redactions_in(file.path):
            redacted[f"{file.path.name} {r.table}.{r.column} {r.kind}"] = r.cells
    return dg.MaterializeResult(
        metadata={file.path.name: dg.MetadataValue.json(file.tables) for file in published},
        # One identifier typed into a ward name is redacted and reported, not a reason to
        # keep last night's marts (unless TRIANGULATE_IDENTIFIER_POLICY=refuse).
        check_results=[dg.AssetCheckResult(
            check_name="no_identifiers_redacted", passed=not redacted,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"cells_redacted": dg.MetadataValue.json(redacted)})])


def _mart_docs() -> MartDocs:
    """The dbt models' descriptions (doc blocks rendered), by the table each builds."""
    from pipelines.defs.dbt.resources import dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    # A mart published under a reference table's name (theme_code_map) describes it: last wins.
    models = sorted((node for node in manifest["nodes"].values()
                     if node["resource_type"] == "model"),
                    key=lambda node: node["config"].get("schema") == "marts")
    return MartDocs(
        {node["alias"] or node["name"]: " ".join(node["description"].split())
         for node in models},
        {(node["alias"] or node["name"], name): " ".join(column["description"].split())
         for node in models for name, column in node["columns"].items()
         if column["description"].strip()})


@dg.asset(key=["published", "insight_pack"], group_name="published",
          deps=[published_marts], kinds={"html"})
def insight_pack(context: dg.AssetExecutionContext, marts: MartsResource) -> dg.MaterializeResult:
    """`data/marts/insight_pack.html`: the quality insight pack (a one-page summary, then the
    PSIRP draft, MDC SPC charts of the top priorities, heatmap, FFT, complaints, deaths, PFD,
    audit, data quality), one self-contained HTML file built from the published marts.
    Restricted to the patient safety team: it holds small numbers and record ids. The
    wide-circulation pack (`triangulate report --wide`) has its own file,
    `insight_pack_wide.html`, which this asset never writes. Charts whose specification
    is as on an earlier night are taken from `chart_cache/` beside the warehouse."""
    from pipelines.report import build_pack

    path = build_pack(marts.folder(), chart_cache=settings.chart_cache_dir())
    context.log.info(f"insight pack written to {path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "size_bytes": dg.MetadataValue.int(path.stat().st_size)})
