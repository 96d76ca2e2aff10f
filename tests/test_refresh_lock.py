"""The refresh lock between processes, and what a failed step or a damaged warehouse says."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest
from dagster._utils.error import serializable_error_info_from_exc_info

from pipelines.lib.loading import BatchError
from pipelines.lib.mapping import parse_mapping
from pipelines.lib.refresh_lock import RefreshRunning, refresh_lock
from pipelines.lib.run_history import failure_line
from pipelines.lib.settings import DEMO_PROFILE_DIR, PROJECT_ROOT
from pipelines.lib.warehouse import discard_if_damaged

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipelines.lib.refresh_lock import refresh_lock
    with refresh_lock(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def hold(path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_held_lock_refuses_at_once_naming_its_holder(tmp_path):
    path = tmp_path / "refresh.lock"
    holder = hold(path, 30)
    try:
        with pytest.raises(RefreshRunning) as error, refresh_lock(path):
            pass
        assert f"is running (pid {holder.pid}): wait for it to finish" in str(error.value)
        assert "a refresh started at 20" in str(error.value)
        assert str(error.value).endswith("or rerun with --wait MINUTES")
        # Having waited already, it says so, not "rerun with --wait" (an independent probe).
        with pytest.raises(RefreshRunning) as error, refresh_lock(path, wait_seconds=0.6):
            pass
        assert str(error.value).endswith("it was still running after 0.01 minutes of "
                                         "waiting; rerun with a longer --wait")
    finally:
        holder.kill()


def test_a_waiting_refresh_starts_when_the_running_one_finishes(tmp_path):
    path = tmp_path / "refresh.lock"
    holder = hold(path, 1.5)
    started = time.monotonic()
    with refresh_lock(path, wait_seconds=30) as died:
        assert died is None  # the holder released it properly
        assert path.read_text().startswith(f"{os.getpid()} ")
        waited = time.monotonic() - started
    assert holder.wait(5) == 0 and 0.5 < waited < 30
    assert not path.exists()


def test_the_lock_of_a_killed_refresh_is_taken_over(tmp_path):
    path = tmp_path / "refresh.lock"
    holder = hold(path, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(5)
    assert path.read_text().startswith(f"{holder.pid} ")  # left behind
    with refresh_lock(path) as died:
        assert died.pid == holder.pid
        assert f"(pid {holder.pid}) ended without finishing; its lock was taken over" in \
            died.died()
        with refresh_lock(path) as again:  # the same process may take it again
            assert again is None
        assert path.exists()
    assert not path.exists()


def raised(error: BaseException):
    """Dagster's serialised form of `error`, raised inside a step wrapper as Dagster does."""
    try:
        try:
            raise error
        except BaseException as inner:
            raise RuntimeError('Error occurred while executing op "raw__fft"') from inner
    except RuntimeError:
        return serializable_error_info_from_exc_info(sys.exc_info())


def test_a_failed_load_is_one_line_from_the_error_raised_for_people(tmp_path):
    mapping = parse_mapping(DEMO_PROFILE_DIR / "mappings" / "fft.yml")
    try:
        raise ValueError("found more fields than defined in 'Schema' truncate_ragged_lines")
    except ValueError as polars_like:
        error = BatchError(tmp_path / "fft" / "a.csv", mapping, "looks like UTF-16", row=3)
        error.__cause__ = polars_like
    line = failure_line("raw__fft", raised(error))
    assert line == (f"loading fft: {tmp_path}/fft/a.csv (mapping {mapping.path}), row 3: "
                    "looks like UTF-16")


DBT_ERROR = """The dbt CLI process with command

`triangulate-dbt build --vars {as_of_date: 'Mrs Smith'}`

failed with exit code `1`.

Errors parsed from dbt logs:

5 of 30 ERROR creating sql table model marts.complaints_performance ... [\x1b[31mERROR\x1b[0m]

\x1b[31mFailure in model complaints_performance (models/marts/operational/x.sql)\x1b[0m

  Runtime Error in model complaints_performance (models/marts/operational/x.sql)
  Conversion Error: invalid date field format: "Mrs Smith", expected format is (YYYY-MM-DD)

  LINE 32:     select cast('Mrs Smith' as date) as as_of_date

\x1b[31mFailure in test unique_fft_response_id (models/x.yml)\x1b[0m
  Got 2 results, configured to fail if != 0
"""


def test_a_dbt_failure_names_its_nodes_without_the_values_dbt_quoted():
    class DagsterDbtCliRuntimeError(Exception):
        pass

    line = failure_line("dbt_models", raised(DagsterDbtCliRuntimeError(DBT_ERROR)))
    assert line.startswith("building the marts (dbt): dbt build failed: model "
                           "complaints_performance (Conversion Error: invalid date field "
                           "format: '…', expected format is (YYYY-MM-DD)); test "
                           "unique_fft_response_id (Got 2 results, configured to fail if != 0)")
    assert "Smith" not in line and "\n" not in line


def test_an_unexpected_error_is_masked_and_points_to_the_run_log():
    line = failure_line("published__marts", raised(KeyError("Mrs Jane Smithson")))
    assert line == ("publishing: unexpected KeyError: '…' (the traceback is in the run log; "
                    "--verbose prints it)")
    line = failure_line("published__insight_pack",
                        raised(ModuleNotFoundError("No module named 'vl_convert'")))
    assert line == ("writing the insight pack: unexpected ModuleNotFoundError: No module named "
                    "'vl_convert' (the traceback is in the run log; --verbose prints it)")


def test_a_damaged_warehouse_is_discarded_and_a_locked_one_is_not(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).execute("create table t as select 1 as x").close()
    assert discard_if_damaged(path) is None and path.exists()
    with path.open("r+b") as file:
        file.write(b"\0" * 8192)
    note = discard_if_damaged(path)
    assert "was damaged" in note and "rebuilt from them" in note and not path.exists()
    # Held open by another process is not damage: the file stays.
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               f"c = duckdb.connect({str(path)!r}); print('open', flush=True); "
                               "time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        assert discard_if_damaged(path) is None and path.exists()
    finally:
        holder.kill()


def test_a_run_the_sensor_or_schedule_starts_waits_for_a_running_refresh(monkeypatch):
    """An independent probe held the lock while the sensor's run started: the run failed at
    once, and the sensor never asked again for the files it had seen."""
    from pipelines.defs.resources import LAUNCHED_RUN_WAIT_SECONDS, lock_wait_seconds

    monkeypatch.delenv("TRIANGULATE_REFRESH_WAIT_MINUTES", raising=False)
    assert lock_wait_seconds({"dagster/sensor_name": "new_export_files"}) == \
        lock_wait_seconds({"dagster/schedule_name": "nightly_refresh_0200"}) == \
        LAUNCHED_RUN_WAIT_SECONDS
    assert lock_wait_seconds({}) == 0  # a person's run says at once that one is running
    monkeypatch.setenv("TRIANGULATE_REFRESH_WAIT_MINUTES", "120")
    assert lock_wait_seconds({"dagster/sensor_name": "new_export_files"}) == 7200
