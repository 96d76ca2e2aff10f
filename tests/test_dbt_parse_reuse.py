"""What a refresh's dbt step spends before dbt runs a node: the build starts from the parse the
refresh made of the project (pipelines.defs.dbt.resources.seed_partial_parse), so the first
build of a warehouse parses only what its environment changes, and the refresh's process builds
no dbt adapter of its own."""

import os
import subprocess
import sys
from pathlib import Path

from pipelines.defs.dbt.resources import (
    PARTIAL_PARSE,
    active_profile,
    dbt_resource,
    seed_partial_parse,
)
from pipelines.lib.settings import DBT_PROJECT_DIR

DBT = str(Path(sys.executable).with_name("dbt"))


def _parse(target: Path, create_key: bool) -> str:
    with active_profile(create_key=create_key) as profile_args:
        done = subprocess.run([DBT, "parse", "--target-path", str(target), "--log-path",
                               str(target), *profile_args],
                              cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    return done.stdout


def test_the_first_build_of_a_warehouse_starts_from_the_projects_parse(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    monkeypatch.setenv("TRIANGULATE_WAREHOUSE", str(warehouse))
    parsed, build = tmp_path / "parsed", tmp_path / "build"
    assert "Unable to do partial parsing" in _parse(parsed, create_key=False)  # from nothing

    seed_partial_parse(build, parsed)
    # As the build runs: with the key file, which the parse did not create.
    assert "Unable to do partial parsing" not in _parse(build, create_key=True)


def test_a_build_targets_own_newer_parse_is_kept(tmp_path):
    parsed, build = tmp_path / "parsed", tmp_path / "build"
    parsed.mkdir()
    build.mkdir()
    (parsed / PARTIAL_PARSE).write_bytes(b"the project's")
    seed_partial_parse(build, parsed)
    assert (build / PARTIAL_PARSE).read_bytes() == b"the project's"

    (build / PARTIAL_PARSE).write_bytes(b"the build's own")
    os.utime(parsed / PARTIAL_PARSE, (0, 0))
    seed_partial_parse(build, parsed)
    assert (build / PARTIAL_PARSE).read_bytes() == b"the build's own"
    assert sorted(p.name for p in build.iterdir()) == [PARTIAL_PARSE]


def test_a_dbt_command_builds_no_adapter_in_the_refreshs_process():
    """dagster-dbt builds a dbt adapter beside each command (1.2 s) unless told not to; the
    command itself still runs."""
    with active_profile(create_key=False):
        invocation = dbt_resource.cli(["debug", "--config-dir"])
        invocation.wait()
    assert invocation.adapter is None
    assert invocation.process.returncode == 0
