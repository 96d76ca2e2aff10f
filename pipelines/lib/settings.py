"""Where Triangulate reads and writes, from environment variables read at call time.

Defaults put everything under the checkout, so the demo runs with no configuration; a trust
deployment points these at its own folders (see `.env.example`).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).resolve() if value else default


def profile_dir() -> Path:
    """The trust profile folder (profile.yml): the demo's unless TRIANGULATE_PROFILE says."""
    return _path("TRIANGULATE_PROFILE", PROJECT_ROOT / "profiles" / "demo")


def raw_dir() -> Path:
    return _path("TRIANGULATE_RAW_DIR", PROJECT_ROOT / "data" / "raw")


def mappings_dir() -> Path:
    return _path("TRIANGULATE_MAPPINGS_DIR", PROJECT_ROOT / "mappings")


def warehouse_path() -> Path:
    # dbt's profiles.yml reads the same variable with the same default.
    return _path("TRIANGULATE_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse" / "warehouse.duckdb")


def marts_dir() -> Path:
    return _path("TRIANGULATE_MARTS_DIR", PROJECT_ROOT / "data" / "marts")
