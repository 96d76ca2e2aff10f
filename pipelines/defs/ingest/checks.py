"""Asset checks of every raw batch, produced by the load itself.

The Great Expectations suite has to run inside the load (failing rows are quarantined before
anything is written), so its outcome is reported through check specs on the raw asset rather
than by a second pass over the data.
"""

from __future__ import annotations

import dagster as dg

from pipelines.lib.ingest import EntityLoad

ROWS_VALID = "rows_pass_rejection_rules"
ROWS_ACCOUNTED = "rows_read_equal_loaded_plus_rejected"
WARNINGS = "rows_pass_warning_rules"
_SAMPLE = 20


def check_specs(source: str) -> list[dg.AssetCheckSpec]:
    asset = dg.AssetKey(["raw", source])
    return [
        dg.AssetCheckSpec(ROWS_VALID, asset=asset, description=(
            "Every row passes the suite's rejection rules (required fields, known codes, "
            "ranges, parseable dates). Failing rows are quarantined in raw.rejected_rows.")),
        dg.AssetCheckSpec(ROWS_ACCOUNTED, asset=asset, description=(
            "For every file, rows read = rows loaded + rows rejected: nothing silently lost.")),
        dg.AssetCheckSpec(WARNINGS, asset=asset, description=(
            "Rows pass the warning rules (dates in a plausible order); failures are reported, "
            "the rows still load.")),
    ]


def check_results(source: str, loads: list[EntityLoad]) -> list[dg.AssetCheckResult]:
    rejected = sum(load.rejected.height for load in loads)
    failing = {"reject": {}, "warn": {}}
    for o in (o for load in loads for o in load.outcomes if not o.success):
        failing[o.on_failure][f"{o.expectation}({o.column})"] = o.unexpected_count
    unbalanced = [row["file"] for load in loads for row in load.files.iter_rows(named=True)
                  if row["rows_read"] != row["rows_loaded"] + row["rows_rejected"]]
    return [
        dg.AssetCheckResult(
            check_name=ROWS_VALID, passed=rejected == 0, severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_rejected": rejected,
                "failing_expectations": failing["reject"],
                "rejected_rows_sample": dg.MetadataValue.md(_sample(loads)),
            }),
        dg.AssetCheckResult(
            check_name=ROWS_ACCOUNTED, passed=not unbalanced,
            metadata={"unbalanced_files": unbalanced,
                      "rows_read": sum(load.rows_read for load in loads)}),
        dg.AssetCheckResult(
            check_name=WARNINGS, passed=not failing["warn"], severity=dg.AssetCheckSeverity.WARN,
            metadata={"failing_expectations": failing["warn"]}),
    ]


def _sample(loads: list[EntityLoad]) -> str:
    lines = ["| file | row | column | reason |", "|---|---|---|---|"]
    for load in loads:
        if not load.rejected.height:
            continue
        for row in load.rejected.head(_SAMPLE).iter_rows(named=True):
            lines.append(f"| {row['file']} | {row['row_number']} | {row['column_name'] or ''} | "
                         f"{row['reason']} |")
    return "\n".join(lines)
