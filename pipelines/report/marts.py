"""Read-only access to the published marts for the pack, with its reporting period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import quiet_duckdb
from pipelines.lib.publishing import CASE_LEVEL, MARTS
from pipelines.lib.reporting_period import ReportingPeriod, reporting_period
from pipelines.lib.sql import has_table


@dataclass
class Marts:
    """Read-only connections to the published marts and (restricted pack only) the
    case-level file; the reporting period; location names by id."""

    marts: duckdb.DuckDBPyConnection
    case_level: duckdb.DuckDBPyConnection | None
    wide: bool
    period: ReportingPeriod | None = None
    location_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, marts_dir: Path, wide: bool) -> Marts:
        marts = quiet_duckdb.connect(str(marts_dir / MARTS.file), read_only=True)
        case_file = marts_dir / CASE_LEVEL.file
        # Wide circulation never opens the case-level file: no record ids can leak into it.
        case = (quiet_duckdb.connect(str(case_file), read_only=True)
                if case_file.exists() and not wide else None)
        m = cls(marts, case, wide)
        if m.has("theme_counts"):
            m.period = reporting_period(marts)
        if m.has("locations"):
            m.location_names = dict(marts.execute(
                "select location_id, location_name from locations").fetchall())
        return m

    def close(self) -> None:
        self.marts.close()
        if self.case_level is not None:
            self.case_level.close()

    def has(self, name: str, case_level: bool = False) -> bool:
        con = self.case_level if case_level else self.marts
        if con is None:
            return False
        return has_table(con, name)

    def source_state(self, source: str) -> str | None:
        """`source`'s verdict at the last refresh (source_freshness.state: ok, not_sent,
        stale, ...), None when the marts do not say."""
        return self._source_row(source).get("state")

    def newest_record(self, source: str) -> dt.date | None:
        """The date of `source`'s newest record loaded at the last refresh."""
        return self._source_row(source).get("newest_record_date")

    def _source_row(self, source: str) -> dict:
        if not self.has("source_freshness"):
            return {}
        rows = self.rows("select state, newest_record_date from source_freshness "
                         "where source = ?", [source])
        return rows[0] if rows else {}

    def fields_not_filled(self, source: str, fields: Sequence[str]) -> list[str]:
        """Those of `fields` that no loaded `source` record fills (not in the export, or
        blank in every row): field_coverage, the marts' own record of what exports carry."""
        if not fields or not self.has("field_coverage"):
            return []
        filled = {f for (f,) in self.marts.execute(
            "select field from field_coverage where source = ? and list_contains(?, field) "
            "and is_mapped and coalesce(pct_filled, 0) > 0", [source, list(fields)]).fetchall()}
        return [f for f in fields if f not in filled]

    def rows(self, sql: str, params=None, case_level: bool = False) -> list[dict]:
        con = self.case_level if case_level else self.marts
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def frame(self, sql: str, params=None) -> pl.DataFrame:
        return self.marts.execute(sql, params or []).pl()

    def location(self, location_id: str | None) -> str:
        """A location's name (its id only when the reference does not know it)."""
        if location_id is None:
            return "unknown location"
        return self.location_names.get(location_id, location_id)
