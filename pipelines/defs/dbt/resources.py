"""The one dbt project object and the dbt CLI resource.

The manifest is built by `triangulate setup` / the tests' session fixture (`dbt parse`), or on
load under `dagster dev`; never at import time elsewhere.
"""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from pipelines.lib.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

# The dbt installed beside this interpreter (so it works without an activated virtualenv),
# through the guard that kills it when the refresh dies (pipelines/defs/dbt/guard.py).
dbt_resource = DbtCliResource(
    project_dir=dbt_project,
    dbt_executable=str(Path(sys.executable).with_name("triangulate-dbt")))
