"""Read-only access to the published marts for the pack, with its reporting period."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import quiet_duckdb
from pipelines.lib.publishing import CASE_LEVEL, MARTS
from pipelines.lib.reporting_period import ReportingPeriod, reporting_period


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
        return bool(con.execute("select count(*) from information_schema.tables "
                                "where table_name = ?", [name]).fetchone()[0])

    def not_sent(self, source: str) -> bool:
        """Whether the trust sends no exports of `source` (its profile does not expect it):
        the pack then says so, and never reads its empty tables as "none"."""
        return self.has("source_freshness") and bool(self.marts.execute(
            "select count(*) from source_freshness where source = ? and state = 'not_sent'",
            [source]).fetchone()[0])

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
