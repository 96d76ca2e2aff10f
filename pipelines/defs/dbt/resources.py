"""The one dbt project object and the dbt CLI resource.

The manifest is built by `triangulate setup` / the tests' session fixture (`dbt parse`), or on
load under `dagster dev`; never at import time elsewhere.
"""

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from pipelines.lib import settings
from pipelines.lib.profile import load_profile
from pipelines.lib.settings import DBT_PROJECT_DIR
from pipelines.lib.value_ref_key import ensure_value_ref_key


class InstalledDbtCliResource(DbtCliResource):
    """The dbt CLI, whose version is read from the installed dbt-core package, with no dbt
    adapter in the calling process.

    dagster-dbt otherwise runs `dbt --version` before every dbt command, and that asks the
    Python package index for the latest dbt release over the network (no flag turns it off):
    the refresh must not open a socket. The dbt executable below is the one of this
    interpreter's environment, so its version is this package's.

    Before each command dagster-dbt also builds a dbt adapter in its own process (loading the
    project, the profile and dbt's macros: 1.2 s of each refresh's dbt step, 30 MB), used only
    to fetch column metadata or row counts after a build, which the refresh never asks for.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


PARTIAL_PARSE = "partial_parse.msgpack"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

# The dbt installed beside this interpreter (so it works without an activated virtualenv),
# through the guard that kills it when the refresh dies (pipelines/defs/dbt/guard.py).
dbt_resource = InstalledDbtCliResource(
    project_dir=dbt_project,
    dbt_executable=str(Path(sys.executable).with_name("triangulate-dbt")))


@contextmanager
def active_profile(create_key: bool = True):
    """The active trust profile as dbt reads it, for the length of one dbt command: its
    folder in TRIANGULATE_PROFILE and the value_ref key file (created if missing, unless the
    command only parses) in TRIANGULATE_VALUE_REF_KEY_FILE, made absolute (dbt runs from
    dbt_project/, so a relative path would point elsewhere), and DuckDB's memory limit and
    dbt's threads (their defaults depend on the machine, which profiles.yml cannot work out);
    dbt inherits this process's environment, which is put back after. Returns the arguments
    passing the profile's `vars:` (none: dbt's defaults, which also keeps dbt's partial parse
    valid)."""
    key = (ensure_value_ref_key(settings.value_ref_key_path(), settings.warehouse_path())
           if create_key else settings.value_ref_key_path())
    paths = {"TRIANGULATE_PROFILE": str(settings.profile_dir()),
             "TRIANGULATE_VALUE_REF_KEY_FILE": str(key),
             "TRIANGULATE_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit(),
             "TRIANGULATE_DBT_THREADS": str(settings.dbt_threads())}
    previous = {name: os.environ.get(name) for name in paths}
    os.environ.update(paths)
    try:
        yield dbt_profile_args()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_profile_args() -> list[str]:
    """`--vars` with the active profile's `vars:`, or nothing."""
    dbt_vars = load_profile().dbt_vars
    return ["--vars", json.dumps(dbt_vars)] if dbt_vars else []


def build_target_path() -> Path:
    """dbt's target folder for the refresh of this warehouse: the same every night, so dbt
    re-parses only the files that changed (partial parsing) and the folders do not pile up;
    one per warehouse, so refreshes of different warehouses never share one."""
    warehouse = str(settings.warehouse_path()).encode()
    return Path(dbt_project.target_path) / f"build-{hashlib.sha256(warehouse).hexdigest()[:12]}"


def seed_partial_parse(target: Path, parsed: Path | None = None) -> None:
    """Give a build target that has no saved parse (the first build of a warehouse), or one
    older than the project's, the parse `dbt parse` saved in `parsed` (the manifest's
    folder), made under the same profile (pipelines.refresh.prepare_dbt_manifest): dbt then
    re-parses only the files whose environment differs (the as-of date, the key file)
    instead of the whole project, about 4 s less. dbt checks a saved parse against the files
    on disk and the profile, so a stale one costs what it would have cost anyway."""
    project = Path(dbt_project.project_dir)
    saved = project / (parsed or dbt_project.target_path) / PARTIAL_PARSE
    ours = project / target / PARTIAL_PARSE
    if not saved.exists() or (ours.exists() and ours.stat().st_mtime >= saved.stat().st_mtime):
        return
    ours.parent.mkdir(parents=True, exist_ok=True)
    copying = ours.with_suffix(".copying")
    shutil.copy2(saved, copying)
    os.replace(copying, ours)
