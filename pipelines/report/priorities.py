"""The PSIRP local priorities as the pack reads them: one adapter over the mart's columns.

`psirp_local_priorities` is still changing (the signal method); every column the pack reads
is named here once, so a rename upstream is a one-line change. Read: priority_rank,
theme_id, issue, concentrated_at_level, concentrated_at_id, concentrated_at, directorate,
n_sources_signalling, sources_signalling, spc_concern_sources, <source>_recent_count and
<source>_rate_ratio per signal source, rationale, proposed_learning_response,
anticipated_improvement_route.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.lib.sql import table_columns
from pipelines.report.marts import Marts

TABLE = "psirp_local_priorities"
SIGNAL_SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr", "claims",
                  "claims_notified")
# Our name -> the mart's column.
COLUMNS = {
    "rank": "priority_rank",
    "theme_id": "theme_id",
    "issue": "issue",
    "unit_level": "concentrated_at_level",
    "unit_id": "concentrated_at_id",
    "unit_name": "concentrated_at",
    "directorate": "directorate",
    "n_sources": "n_sources_signalling",
    "sources_signalling": "sources_signalling",
    "spc_concern_sources": "spc_concern_sources",
    "rationale": "rationale",
    "response": "proposed_learning_response",
    "improvement_route": "anticipated_improvement_route",
}
PER_SOURCE = {"recent": "{source}_recent_count", "ratio": "{source}_rate_ratio"}


@dataclass(frozen=True)
class Priority:
    rank: int
    theme_id: str
    issue: str
    unit_level: str
    unit_id: str
    unit_name: str
    directorate: str | None
    n_sources: int
    sources_signalling: str | None
    spc_concern_sources: str | None
    rationale: str
    response: str
    improvement_route: str
    recent: dict[str, int]  # source -> recent records (sources with any)
    ratio: dict[str, float]  # source -> recent rate against baseline

    @property
    def where(self) -> str:
        if self.unit_level == "location" and self.directorate:
            return f"{self.unit_name} ({self.directorate})"
        return self.unit_name


def read_priorities(m: Marts, limit: int | None = None) -> list[Priority]:
    """The priorities in rank order (the first `limit`), or [] without the mart."""
    if not m.has(TABLE):
        return []
    present = {name for name, _ in table_columns(m.marts, TABLE)}
    per_source = [(key, s, pattern.format(source=s)) for key, pattern in PER_SOURCE.items()
                  for s in SIGNAL_SOURCES if pattern.format(source=s) in present]
    select = ", ".join([*(f'"{c}" as {k}' for k, c in COLUMNS.items()),
                        *(f'"{c}" as "{k}:{s}"' for k, s, c in per_source)])
    rows = m.rows(f'select {select} from "{TABLE}" order by {COLUMNS["rank"]}, '
                  f'{COLUMNS["issue"]}' + (f" limit {int(limit)}" if limit else ""))
    out = []
    for r in rows:
        extra = {key: {s: r[f"{key}:{s}"] for _, s, _ in per_source
                       if r.get(f"{key}:{s}") is not None and f"{key}:{s}" in r}
                 for key in PER_SOURCE}
        extra["recent"] = {s: int(v) for s, v in extra["recent"].items() if v}
        out.append(Priority(**{k: r[k] for k in COLUMNS}, **extra))
    return out
