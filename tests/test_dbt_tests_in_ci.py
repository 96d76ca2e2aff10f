"""The dbt tests the nightly refresh leaves out, run on every CI run against the refreshed demo
warehouse: dbt's unit tests (the models' SQL on fixed inputs; dbt reads the column types of a
unit test's inputs from the warehouse) and the intermediate models' data tests (tagged
`ci_only` in dbt_project.yml: they check the product's SQL on a real build)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from conftest import run_dbt

from pipelines.defs.dbt.resources import dbt_project
from pipelines.defs.dbt.selection import CI_ONLY


def _manifest() -> dict:
    return json.loads(Path(dbt_project.manifest_path).read_text())


def _dbt_test(select: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return run_dbt(["test", "--select", select], tmp_path)


def _ci_only_tests() -> list[str]:
    tag = CI_ONLY.removeprefix("tag:")
    return [node for node, props in _manifest()["nodes"].items()
            if props["resource_type"] == "test" and tag in props["tags"]]


def test_every_dbt_test_left_out_of_the_nightly_build_passes(refreshed_copy, tmp_path):
    # One dbt run for both kinds: each run parses what its environment changes.
    unit_tests, ci_only = len(_manifest()["unit_tests"]), len(_ci_only_tests())
    run = _dbt_test(f"test_type:unit {CI_ONLY}", tmp_path)

    assert run.returncode == 0, run.stdout[-3000:]
    assert unit_tests > 10 and ci_only > 100
    assert re.search(rf"PASS={unit_tests + ci_only}\b", run.stdout), run.stdout[-1500:]


def test_the_nightly_build_leaves_out_exactly_the_ci_only_tests():
    """Every intermediate model's data test is tagged, and none of them is a check of the
    nightly asset graph; every other data test is."""
    from pipelines.defs.dbt.assets import dbt_models  # needs the manifest the session made

    manifest = _manifest()
    tagged = set(_ci_only_tests())
    intermediate = {node for node, props in manifest["nodes"].items()
                    if props["resource_type"] == "test" and props["fqn"][1] == "intermediate"}
    nightly_checks = {key.name for key in dbt_models.check_keys}

    assert tagged == intermediate and len(tagged) > 100
    assert not {manifest["nodes"][node]["name"] for node in tagged} & nightly_checks
    assert len(nightly_checks) > 300


def test_a_key_test_fails_on_a_repeated_key_and_on_an_empty_key_column(refreshed_copy, tmp_path):
    """unique_key (dbt_project/tests/generic/unique_key.sql) stands in for a uniqueness test
    and a not_null test per key column: it must catch both, and leave alone a null in a key
    column the model declares nullable (theme_counts: directorate, location_id)."""
    import duckdb

    with duckdb.connect(str(refreshed_copy.warehouse)) as con:
        con.execute("insert into marts.theme_signals select * from marts.theme_signals limit 1")
        con.execute("update marts.hotspots set location_id = null where rowid = 0")
        con.execute("update marts.theme_counts set location_id = null, month = date '1900-01-01'"
                    " where rowid = 0")
    run = _dbt_test("test_name:unique_key,theme_signals test_name:unique_key,hotspots "
                    "test_name:unique_key,theme_counts", tmp_path)

    failed = re.findall(r"Failure in test (\S+)", run.stdout)
    assert sorted(name.split("_")[2] for name in failed) == ["hotspots", "theme"], failed
    assert [name for name in failed if "theme_signals" in name], failed
    assert re.search(r"PASS=1\b", run.stdout), run.stdout[-3000:]
