"""The random key behind the published `value_ref` pointers to withheld values.

A value_ref is a keyed hash of a withheld value (int_free_typed_values_screened): without the
key it cannot be recomputed from a guessed value (an NHS number, say). The key is drawn once
per deployment and kept in a private file beside the warehouse rather than in it, so the
pointers stay the same from night to night and a refresh into an empty warehouse (a damaged
one rebuilt, `refresh --full`) publishes exactly the marts an incremental refresh does.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import duckdb

from pipelines.lib import quiet_duckdb

# Where the key lived before it moved out of the warehouse (an incremental dbt model).
_OLD_TABLE = "select ref_key from intermediate.int_value_ref_key"


def ensure_value_ref_key(path: Path, warehouse: Path) -> Path:
    """Create the key file (readable by the refresh's user only) unless it exists; an
    existing warehouse's key is kept, so the pointers published so far do not change."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    key = _key_in_warehouse(warehouse) or secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return path


def _key_in_warehouse(warehouse: Path) -> str | None:
    if not warehouse.exists():
        return None
    con = quiet_duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(_OLD_TABLE).fetchone()
    except duckdb.Error:  # no such table, or the view that reads this file
        return None
    finally:
        con.close()
    return row[0] if row else None
