"""The refresh's warm dbt process (pipelines.defs.dbt.warm): a command handed to it gives what
dbt run cold gives, it serves one command, and the guard can stop it."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.defs.dbt.warm import (
    SOCKET_VARIABLE,
    run_in_warm_process,
    warm_dbt,
    write_only_logged_lines,
)
from pipelines.lib.settings import DBT_PROJECT_DIR

GUARD = str(Path(sys.executable).with_name("triangulate-dbt"))
USAGE_ERROR = ["build", "--threads", "notanumber"]


def test_the_warm_process_runs_one_command_with_the_callers_streams(capfd):
    with warm_dbt() as warm:
        assert SOCKET_VARIABLE not in os.environ  # until started
        warm.start()
        path = os.environ[SOCKET_VARIABLE]
        assert run_in_warm_process(path, USAGE_ERROR) == 2
        err = capfd.readouterr().err
        assert "Usage: dbt build" in err and "Invalid value for '--threads'" in err
        # One command each: the next finds nobody listening and is run cold by the guard.
        assert run_in_warm_process(path, USAGE_ERROR) is None
    assert SOCKET_VARIABLE not in os.environ
    assert not Path(path).parent.exists()


@pytest.mark.parametrize("args", [["--help"], USAGE_ERROR])
def test_the_guard_gives_the_same_output_and_exit_code_warm_or_cold(args):
    def run() -> tuple[int, str, str]:
        done = subprocess.run([GUARD, *args], capture_output=True, text=True,
                              cwd=DBT_PROJECT_DIR, timeout=120)
        return done.returncode, done.stdout, done.stderr

    cold = run()
    with warm_dbt() as warm:
        warm.start()
        warmed = run()
    assert warmed == cold


def test_dbt_loggers_format_only_the_lines_they_write(monkeypatch):
    """In the warm process an info-level log formats no debug event, and writes the same
    lines as before: info events, and print events at any level."""
    from dbt_common.events import logger as dbt_logger
    from dbt_common.events.base_types import EventLevel, msg_from_base_event
    from dbt_common.events.types import Note, PrintEvent

    monkeypatch.setattr(dbt_logger._Logger, "write_line", dbt_logger._Logger.write_line)
    events = [msg_from_base_event(Note(msg="each SQL statement"), level=EventLevel.DEBUG),
              msg_from_base_event(Note(msg="1 of 2 OK created table"), level=EventLevel.INFO),
              msg_from_base_event(PrintEvent(msg="printed"))]

    def written() -> tuple[str, list[str]]:
        out, formatted = io.StringIO(), []
        log = dbt_logger._JsonLogger(dbt_logger.LoggerConfig(
            name="triangulate-test", line_format=dbt_logger.LineFormat.Json,
            level=EventLevel.INFO, output_stream=out))
        create_line = log.create_line
        monkeypatch.setattr(log, "create_line",
                            lambda msg: formatted.append(msg.info.msg) or create_line(msg))
        for event in events:
            log.write_line(event)
        return out.getvalue(), formatted

    lines, formatted = written()
    assert formatted == ["each SQL statement", "1 of 2 OK created table", "printed"]
    write_only_logged_lines()
    assert written() == (lines, ["1 of 2 OK created table", "printed"])
    assert "each SQL statement" not in lines and "printed" in lines


def _warm_processes() -> list[int]:
    """This test process's warm dbt children still running."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(parent) == os.getpid() and state != "Z" and b"dbt.warm" in command:
            found.append(int(stat.parent.name))
    return found


def test_an_interrupt_of_the_guard_stops_the_command_in_the_warm_process(tmp_path):
    """dagster-dbt stops dbt with SIGINT to the process it started (the guard): the guard
    passes it on, and the warm process running the command ends (not left parsing)."""
    with warm_dbt() as warm:
        warm.start()
        guard = subprocess.Popen(
            [GUARD, "parse", "--no-partial-parse", "--target-path", str(tmp_path)],
            cwd=DBT_PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(4)  # dbt is parsing the project (about 10 s from nothing)
        assert guard.poll() is None and len(_warm_processes()) == 1
        guard.send_signal(signal.SIGINT)
        assert guard.wait(timeout=60) != 0, guard.stderr.read()
        deadline = time.monotonic() + 10
        while _warm_processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _warm_processes() == []
        assert not (tmp_path / "manifest.json").exists()
