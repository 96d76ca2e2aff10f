"""Asset checks of every raw batch, produced by the load itself.

The Great Expectations suite has to run inside the load (failing rows are quarantined before
anything is written), so its outcome is reported through check specs on the raw asset rather
than by a second pass over the data.
"""

from __future__ import annotations

import dagster as dg

from pipelines.lib.identifiers import redact
from pipelines.lib.ingest import EntityLoad

ROWS_VALID = "rows_pass_rejection_rules"
ROWS_ACCOUNTED = "rows_read_equal_loaded_plus_rejected"
WARNINGS = "rows_pass_warning_rules"
FILES_KEPT = "files_as_long_as_last_loaded"
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
            "Rows pass the warning rules (dates in a plausible order); the rows a rule flags "
            "still load, and are listed with the rule in the flagged_rows mart.")),
        dg.AssetCheckSpec(FILES_KEPT, asset=asset, description=(
            "No file loaded last time is gone, or holds fewer than half the rows it held: a "
            "copy cut short at a row boundary, or a month's file deleted, loads cleanly and "
            "publishes a month with a fraction of its records.")),
    ]


def load_summary(loads: list[EntityLoad]) -> dict:
    """What the load's checks and metadata report, JSON-able: stored with the source's
    fingerprint, so a night that skips reading unchanged files reports the same."""
    failing = {"reject": {}, "warn": {}}
    for o in (o for load in loads for o in load.outcomes if not o.success):
        failing[o.on_failure][f"{o.expectation}({o.column})"] = o.unexpected_count
    return {
        "files": len({f for load in loads if load.files.height for f in load.files["file"]}),
        "rows_read": sum(load.rows_read for load in loads),
        "rows_loaded": sum(load.rows_loaded for load in loads),
        "rows_rejected": sum(load.rejected.height for load in loads),
        "rows_flagged": sum(load.flagged.height for load in loads),
        "failing": failing,
        "unbalanced": [row["file"] for load in loads for row in load.files.iter_rows(named=True)
                       if row["rows_read"] != row["rows_loaded"] + row["rows_rejected"]],
        "rejected_sample": _sample(loads),
        "files_table": _files_table(loads),
        "file_rows": {row["file"]: row["rows_read"] for load in loads
                      for row in load.files.iter_rows(named=True)},
    }


def shrunk_files(now: dict[str, int], before: dict[str, int]) -> list[str]:
    """Files of the last load that are gone, or hold fewer than half their rows now, named
    with any identifier typed into a file name redacted (the refresh prints them)."""
    gone = [f"{redact(file).text} is gone ({rows:,} rows when last loaded)"
            for file, rows in sorted(before.items()) if file not in now]
    cut = [f"{redact(file).text} has {now[file]:,} rows, {rows:,} when last loaded "
           "(cut short?)"
           for file, rows in sorted(before.items()) if file in now and now[file] < rows / 2]
    return gone + cut


def check_results(summary: dict) -> list[dg.AssetCheckResult]:
    """The load's checks, from its `load_summary`."""
    return [
        dg.AssetCheckResult(
            check_name=ROWS_VALID, passed=summary["rows_rejected"] == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "why": _listed(summary["rows_rejected"], "rejected", "rejected_rows"),
                "rows_rejected": summary["rows_rejected"],
                "failing_expectations": summary["failing"]["reject"],
                "rejected_rows_sample": dg.MetadataValue.md(summary["rejected_sample"]),
            }),
        dg.AssetCheckResult(
            check_name=ROWS_ACCOUNTED, passed=not summary["unbalanced"],
            metadata={"unbalanced_files": summary["unbalanced"],
                      "rows_read": summary["rows_read"]}),
        dg.AssetCheckResult(
            check_name=WARNINGS, passed=not summary["failing"]["warn"],
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"why": _listed(summary["rows_flagged"], "loaded with a warning",
                                     "flagged_rows"),
                      "rows_flagged": summary["rows_flagged"],
                      "failing_expectations": summary["failing"]["warn"]}),
        dg.AssetCheckResult(
            check_name=FILES_KEPT, passed=not summary.get("shrunk"),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"why": "; ".join(summary.get("shrunk", []))}),
    ]


def _listed(rows: int, what: str, mart: str) -> str:
    """What a failed row check printed by the refresh says, and where to look."""
    return f"{rows:,} row{'' if rows == 1 else 's'} {what}, listed in {mart}"


def _files_table(loads: list[EntityLoad]) -> str:
    lines = ["| file | mapping | encoding | read | loaded | rejected |",
             "|---|---|---|---|---|---|"]
    for load in loads:
        for row in load.files.iter_rows(named=True):
            lines.append(f"| {row['file']} | {row['mapping']} | {row['encoding']} | "
                         f"{row['rows_read']} | {row['rows_loaded']} | {row['rows_rejected']} |")
    return "\n".join(lines)


def _sample(loads: list[EntityLoad]) -> str:
    lines = ["| file | row | column | reason |", "|---|---|---|---|"]
    for load in loads:
        if not load.rejected.height:
            continue
        for row in load.rejected.head(_SAMPLE).iter_rows(named=True):
            lines.append(f"| {row['file']} | {row['row_number']} | {row['column_name'] or ''} | "
                         f"{row['reason']} |")
    return "\n".join(lines)
