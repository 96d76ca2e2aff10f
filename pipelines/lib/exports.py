"""The PSIRP tables and audit priorities as files a committee paper can take."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.lib.marts_reader import has_table, query

# Published table -> the columns a committee reads, in order.
PSIRP_EXPORTS = {
    "psirp_local_priorities": [
        "priority_rank", "issue", "concentrated_at", "directorate", "n_sources_signalling",
        "sources_signalling", "spc_concern_sources", "total_recent_records",
        "recent_serious_or_worse_count", "rationale", "proposed_learning_response",
        "anticipated_improvement_route"],
    "psirp_national_requirements_summary": None,  # every column
    "audit_priorities": [
        "audit_priority_rank", "theme_name", "directorate", "n_sources_signalling",
        "sources_signalling", "coverage_gaps", "recommended_audit", "guidance", "rationale"],
}


def markdown_table(frame: pl.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes in values escaped)."""
    def cell(value) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(frame.columns) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines) + "\n"


def write_frame(frame: pl.DataFrame, path: Path) -> Path:
    if path.suffix == ".md":
        path.write_text(markdown_table(frame), encoding="utf-8")
    else:
        frame.write_csv(path)
    return path


def export_psirp(out_dir: Path, fmt: str = "csv", marts_dir: Path | None = None) -> list[Path]:
    """Write each PSIRP table present in the published marts to `out_dir/<table>.<fmt>`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, columns in PSIRP_EXPORTS.items():
        if not has_table(table, marts_dir=marts_dir):
            continue
        select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        frame = query(f'select {select} from "{table}" order by all', marts_dir=marts_dir)
        written.append(write_frame(frame, out_dir / f"{table}.{fmt}"))
    return written
