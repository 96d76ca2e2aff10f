"""Generate a benchmark trust and run the pipeline on it, as far as the PSIRP marts.

The same assets as the nightly refresh (load, validate, code FFT comments, `dbt build` of
every model the priorities depend on), in this process and an ephemeral Dagster instance; dbt
tests (the test suite runs them), publishing and the insight pack are left out, so the marts
are read from the private warehouse.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from pipelines.demo import generate_trust
from pipelines.detection_bench.scenarios import BenchScenario
from pipelines.lib import quiet_duckdb

# What the benchmark reads: the priorities (what a committee sees) and every theme x unit
# row behind them (for the previous rule and the false signals).
MARTS = ("psirp_local_priorities", "triangulation")


@contextmanager
def _environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_scenario(scenario: BenchScenario, root: Path) -> dict:
    """Generate the scenario's trust under `root`, run the pipeline and return the truth and
    the marts' rows: {"truth": ..., "<mart>": [dict, ...]}."""
    import dagster as dg

    from pipelines.refresh import prepare_dbt_manifest

    # Parsed before the definitions are imported: they are built from the manifest.
    prepare_dbt_manifest()
    from pipelines.definitions import defs

    shutil.rmtree(root, ignore_errors=True)
    truth = generate_trust(root / "raw", seed=scenario.seed, scale=scenario.scale,
                           scenario=scenario.spec, years=scenario.years,
                           end_date=scenario.end_date)
    warehouse = root / "warehouse" / "warehouse.duckdb"
    keys = dg.AssetSelection.assets(*(dg.AssetKey(["marts", m]) for m in MARTS)).upstream()
    job = defs.resolve_implicit_global_asset_job_def()
    with _environment({"TRIANGULATE_RAW_DIR": str(root / "raw"),
                       "TRIANGULATE_WAREHOUSE": str(warehouse),
                       "TRIANGULATE_MARTS_DIR": str(root / "marts"),
                       "TRIANGULATE_AS_OF_DATE": truth["generator"]["end_date"],
                       # Models only: the test suite runs their tests, and tests touching
                       # marts the benchmark leaves out would fail here.
                       "DBT_INDIRECT_SELECTION": "empty"}):
        result = job.execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
            asset_selection=list(keys.resolve(defs.resolve_asset_graph())),
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
    if not result.success:
        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        raise RuntimeError(f"{scenario.name}: the pipeline failed at {failed}; files in {root}")
    return {"truth": truth, **read_marts(warehouse)}


def read_marts(warehouse: Path) -> dict[str, list[dict]]:
    con = quiet_duckdb.connect(str(warehouse), read_only=True)
    try:
        return {mart: con.sql(f"select * from marts.{mart}").df().to_dict("records")
                for mart in MARTS}
    finally:
        con.close()
