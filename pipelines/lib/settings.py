"""Where Triangulate reads and writes, from environment variables read at call time.

Defaults put everything under the checkout, so the demo runs with no configuration; a trust
deployment points these at its own folders (see `.env.example`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pipelines.lib.errors import UserFacingError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEMO_PROFILE_DIR = PROJECT_ROOT / "profiles" / "demo"
TEMPLATES_DIR = PROJECT_ROOT / "mappings" / "templates"


class SettingError(UserFacingError):
    """An environment variable set to something Triangulate cannot use."""


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).resolve() if value else default


def _parsed(variable: str, default: str, parse, what: str):
    try:
        return parse(os.environ.get(variable) or default)
    except ValueError:
        raise SettingError(f"{variable} must be {what}") from None


def profile_dir() -> Path:
    """The trust profile folder (profile.yml): the demo's unless TRIANGULATE_PROFILE says."""
    return _path("TRIANGULATE_PROFILE", DEMO_PROFILE_DIR)


def raw_dir() -> Path:
    return _path("TRIANGULATE_RAW_DIR", PROJECT_ROOT / "data" / "raw")


def mappings_dir() -> Path:
    """The active mappings: the profile's `mappings/` folder (TRIANGULATE_MAPPINGS_DIR
    overrides it). The product's `mappings/templates/` are never read as active mappings."""
    return _path("TRIANGULATE_MAPPINGS_DIR", profile_dir() / "mappings")


def warehouse_path() -> Path:
    # dbt's profiles.yml reads the same variable with the same default.
    return _path("TRIANGULATE_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse" / "warehouse.duckdb")


def marts_dir() -> Path:
    return _path("TRIANGULATE_MARTS_DIR", PROJECT_ROOT / "data" / "marts")


def refresh_wait_seconds() -> float:
    """How long a refresh waits for one already running before giving up (default 0: it
    stops at once, naming the running one); TRIANGULATE_REFRESH_WAIT_MINUTES."""
    return _parsed("TRIANGULATE_REFRESH_WAIT_MINUTES", "0", float, "a number of minutes") * 60


def published_file_mode(restricted: bool) -> int:
    """File mode of the published outputs (octal text): the marts file and its Parquet copies
    TRIANGULATE_MARTS_FILE_MODE (default 644), the record-level case-level file and its
    Parquet copies TRIANGULATE_CASE_LEVEL_FILE_MODE (default 600: the refresh's user only;
    640 with a patient safety group owning the file). Folders get the matching search bits."""
    variable, default = (("TRIANGULATE_CASE_LEVEL_FILE_MODE", "600") if restricted
                         else ("TRIANGULATE_MARTS_FILE_MODE", "644"))
    # Other users may never write a published file, nor read a restricted one.
    forbidden, rule = ((0o007, "no access for other users") if restricted
                       else (0o002, "not writable by other users"))

    def parse(text: str) -> int:
        mode = int(text, 8) & 0o777
        if mode & forbidden:
            raise ValueError(text)
        return mode

    return _parsed(variable, default, parse, f"an octal file mode such as 640, {rule}")


def _memory_size(text: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text.strip(), re.IGNORECASE):
        raise ValueError(text)
    return text.strip()


def duckdb_memory_limit() -> str:
    """DuckDB's buffer memory in the refresh's warehouse connections and in dbt's (dbt reads
    the same variable in profiles.yml; the refresh passes it on): past it DuckDB spills to
    disk beside the warehouse. TRIANGULATE_DUCKDB_MEMORY_LIMIT; by default a quarter of the
    machine's memory and at least 1GB. Not a fixed 1GB: a region's warehouse (10M rows)
    runs out of it in dbt (DuckDB cannot spill every operator), while a quarter leaves the
    rest of a small server to the refresh's own process and to everything else on it."""
    quarter = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4 // 2**30
    return _parsed("TRIANGULATE_DUCKDB_MEMORY_LIMIT", f"{max(1, quarter)}GB", _memory_size,
                   "a size such as 1GB or 512MB")


def query_memory_limit() -> str:
    """DuckDB's memory for one `triangulate query` (TRIANGULATE_QUERY_MEMORY_LIMIT, default
    2GB): an analyst's query never spills to disk, and must not take what the nightly
    refresh on the same server needs; past the limit it fails with DuckDB's out-of-memory
    error."""
    return _parsed("TRIANGULATE_QUERY_MEMORY_LIMIT", "2GB", _memory_size,
                   "a size such as 2GB or 512MB")


def dbt_threads() -> int:
    """How many models and tests dbt runs at once (the refresh passes it on; profiles.yml
    reads it): TRIANGULATE_DBT_THREADS, by default the cores this process may use. More
    threads than cores gain nothing (DuckDB already spreads each query over the cores) and
    hold more of DuckDB's buffer at once: at a large trust's full build, 4 threads on 2
    cores took as long as 2 and peaked 350 MB higher."""
    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) < 1:
            raise ValueError(text)
        return int(text)

    return _parsed("TRIANGULATE_DBT_THREADS", str(len(os.sched_getaffinity(0))), parse,
                   "a whole number of at least 1")


def value_ref_key_path() -> Path:
    """The private key of the published `value_ref` pointers (pipelines.lib.value_ref_key):
    beside the warehouse, outside its file, so a warehouse rebuilt from the exports publishes
    the same pointers; TRIANGULATE_VALUE_REF_KEY_FILE."""
    return _path("TRIANGULATE_VALUE_REF_KEY_FILE", warehouse_path().parent / "value_ref.key")


def chart_cache_dir() -> Path:
    """The insight packs' charts kept as SVG by their specification
    (pipelines.report.svg_cache): they hold the restricted pack's small numbers, so they sit
    beside the private warehouse."""
    return warehouse_path().parent / "chart_cache"


def run_log_dir() -> Path:
    """Logs of failed refreshes (tracebacks), private like the warehouse they sit beside."""
    return _path("TRIANGULATE_LOG_DIR", warehouse_path().parent / "logs")


def run_history_days() -> int:
    """How many days of Dagster run history a refresh keeps (pipelines.lib.history_retention):
    TRIANGULATE_RUN_HISTORY_DAYS, default 90, at most 36500 (a date further back than that is
    out of range); 0 keeps every run."""
    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) > 36500:
            raise ValueError(text)
        return int(text)

    return _parsed("TRIANGULATE_RUN_HISTORY_DAYS", "90", parse,
                   "a whole number of days up to 36500 (0 keeps every run)")


def check() -> None:
    """Parse every setting that has to parse, so a bad one stops a refresh before it starts
    (one message) rather than failing each step that reads it."""
    from pipelines.lib.reporting_period import as_of_date

    as_of_date()
    refresh_wait_seconds()
    duckdb_memory_limit()
    dbt_threads()
    run_history_days()
    published_file_mode(restricted=True)
    published_file_mode(restricted=False)
