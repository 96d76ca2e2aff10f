"""Where Triangulate reads and writes, from environment variables read at call time.

Defaults put everything under the checkout, so the demo runs with no configuration; a trust
deployment points these at its own folders (see `.env.example`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).resolve() if value else default


def raw_dir() -> Path:
    return _path("TRIANGULATE_RAW_DIR", PROJECT_ROOT / "data" / "raw")


def mappings_dir() -> Path:
    return _path("TRIANGULATE_MAPPINGS_DIR", PROJECT_ROOT / "mappings")


def warehouse_path() -> Path:
    # dbt's profiles.yml reads the same variable with the same default.
    return _path("TRIANGULATE_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse" / "warehouse.duckdb")


def marts_dir() -> Path:
    return _path("TRIANGULATE_MARTS_DIR", PROJECT_ROOT / "data" / "marts")


def as_of_date() -> dt.date | None:
    """The day "overdue" is judged against when pinned (TRIANGULATE_AS_OF_DATE, YYYY-MM-DD);
    the dbt macro `as_of_date` reads the same variable."""
    value = os.environ.get("TRIANGULATE_AS_OF_DATE")
    return dt.date.fromisoformat(value) if value else None
