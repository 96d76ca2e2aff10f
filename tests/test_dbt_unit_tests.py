"""dbt's unit tests, which the nightly refresh leaves out (they test the models' SQL on fixed
inputs, not the trust's data): here they run on every CI run, against the refreshed warehouse
(dbt reads the column types of a unit test's inputs from it)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from pipelines.defs.dbt.resources import dbt_project
from pipelines.lib.settings import DBT_PROJECT_DIR


def test_every_dbt_unit_test_passes(refreshed_copy, tmp_path):
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    expected = len(manifest["unit_tests"])
    dbt = Path(sys.executable).with_name("dbt")
    run = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--target-path", str(tmp_path),
         "--log-path", str(tmp_path)],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True)

    assert run.returncode == 0, run.stdout[-3000:]
    assert expected > 10
    assert re.search(rf"PASS={expected}\b", run.stdout), run.stdout[-1500:]
