"""dbt imported before the refresh needs it.

A refresh's `dbt build` used to start with 2.5 s of launching Python and importing dbt
(mashumaro compiles dbt's classes as they are imported) before dbt read a file. When the loads
end, the refresh starts (`WarmDbt.start`) a process that imports dbt, beside the FFT coding,
and waits. (Started with the job, it slowed the job's start-up and the loads as much as it
saved: on two cores, Great Expectations is being imported for the validation then.) When
dagster-dbt later runs `triangulate-dbt build ...`, the guard (pipelines.defs.dbt.guard) hands
that process the command, its working folder, its environment and its standard streams over a
Unix socket; the process runs exactly that command through dbt's own entry point, writing to
the guard's streams (so dagster-dbt reads dbt's events as before), and answers with dbt's
exit code. A warm process serves one command. Without one (the Dagster UI, `dagster dev`, a
second command, a warm process that failed to start) the guard runs dbt as before.

Run as `python -m pipelines.defs.dbt.warm <file descriptor of the listening socket>`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.lib.process_guard import die_with_parent

# The socket of the refresh's warm dbt process, for the guard (set while the refresh runs).
SOCKET_VARIABLE = "TRIANGULATE_WARM_DBT"
_LENGTH_BYTES = 8


class WarmDbt:
    """A warm dbt process, once started, for the next dbt command of this process's children."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._path: Path | None = None  # the socket, alone in a folder of its own

    def start(self) -> None:
        """Start the process (once); from then on the guard hands it the next command."""
        if self._process is not None:
            return
        self._path = path = Path(tempfile.mkdtemp(prefix="triangulate-dbt-")) / "dbt.sock"
        # Listening before the process starts, so a command never finds nobody there while
        # dbt is being imported; the process holds the only copy, so once it has ended a
        # command is refused at once and the guard runs dbt itself.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(path))
            listener.listen(1)
            # Its own process group, as the guard puts dbt in one: a Ctrl-C at the terminal
            # reaches only the refresh, which stops dbt through dagster-dbt. Not its own
            # session: Linux would schedule it as a group of its own (autogroup), beside the
            # refresh's, and the build ran about 8% slower so.
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(listener.fileno())],
                pass_fds=[listener.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"}, process_group=0)
        os.environ[SOCKET_VARIABLE] = str(path)

    def stop(self) -> None:
        """The process ended (if the command never came) and its socket removed."""
        if self._process is None:
            return
        os.environ.pop(SOCKET_VARIABLE, None)
        self._process.kill()
        self._process.wait()
        self._path.unlink(missing_ok=True)
        self._path.parent.rmdir()
        self._process = None


@contextmanager
def warm_dbt() -> Iterator[WarmDbt]:
    """A WarmDbt for the block, to `start()` ahead of the dbt command; stopped at its end."""
    warm = WarmDbt()
    try:
        yield warm
    finally:
        warm.stop()


def run_in_warm_process(path: str, args: list[str]) -> int | None:
    """For the guard: `dbt <args>` run by the warm process listening at `path`, with this
    process's folder, environment and standard streams; dbt's exit code, or None when no
    warm process took the command (then nothing ran)."""
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(path)
    except OSError:
        return None
    request = json.dumps({"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    socket.send_fds(connection, [len(request).to_bytes(_LENGTH_BYTES, "big")], [0, 1, 2])
    connection.sendall(request)
    replies = connection.makefile("rb")
    started = replies.readline()
    if not started:  # the warm process ended before it took the command
        return None
    pid = int(started)
    # dagster-dbt stops dbt with SIGINT (and the refresh's death kills both processes).
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda number, _: os.kill(pid, number))
    finished = replies.readline()
    if not finished:
        print("triangulate-dbt: the warm dbt process ended without an exit code",
              file=sys.stderr)
        return 2
    return int(finished)


def _serve(listening: int) -> None:
    die_with_parent()
    listener = socket.socket(fileno=listening)
    # What this process is for: dbt imported before the command comes.
    import dbt.adapters.duckdb  # noqa: F401
    from dbt.cli.main import cli

    write_only_logged_lines()
    build_validation_schemas()

    connection, _ = listener.accept()
    listener.close()
    head, streams, _, _ = socket.recv_fds(connection, _LENGTH_BYTES, 3)
    length, request = int.from_bytes(head, "big"), b""
    while len(request) < length:
        received = connection.recv(length - len(request))
        if not received:  # the guard died before it had sent the command
            return
        request += received
    command = json.loads(request)
    for stream, number in zip(streams, (0, 1, 2), strict=True):
        os.dup2(stream, number)
        os.close(stream)
    os.chdir(command["cwd"])
    os.environ.clear()
    os.environ.update(command["env"])
    sys.argv = ["dbt", *command["args"]]  # dbt logs its invocation from it
    connection.sendall(f"{os.getpid()}\n".encode())
    code = _exit_code(lambda: cli.main(args=command["args"], prog_name="dbt"))
    sys.stdout.flush()
    sys.stderr.flush()
    connection.sendall(f"{code}\n".encode())
    # Nothing is left to do (dbt has closed the warehouse): the interpreter's teardown of dbt's
    # modules and the build's heap, about a second after a large build, is skipped, as
    # dagster-dbt reads dbt's output until this process lets go of it. Log files flushed first.
    logging.shutdown()
    os._exit(0)


def build_validation_schemas() -> None:
    """Build the JSON schemas dbt checks the project, its flags, the selectors and the
    profile against: dbt builds each on its first use (lru_cache), 0.3-0.4 s of every build's
    start-up, though they depend only on dbt's own classes."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.config.selectors import SelectorFile
    from dbt.contracts.project import ProfileConfig, Project, ProjectFlags

    for contract in (Project, ProjectFlags, ProfileConfig, SelectorFile, DuckDBCredentials):
        contract.json_schema()


def write_only_logged_lines() -> None:
    """Make each of dbt's loggers format an event's line only when its Python logger would
    write it. dbt-common formats every event, as JSON for the refresh's logs, before the level
    is checked: a nightly build's debug events (each SQL statement and connection), dropped
    by the info-level console and file logs, took 2.5 of its 23 seconds holding the GIL at
    the large trust. A PrintEvent is written at error level, as dbt writes it."""
    from dbt_common.events import logger as dbt_logger

    write_line = dbt_logger._Logger.write_line

    def write_if_logged(self, msg) -> None:
        python = self._python_logger
        level = "error" if dbt_logger._is_print_event(msg) else msg.info.level
        # An unknown level passes, to fail as dbt fails on it.
        if python is not None and python.isEnabledFor(
                dbt_logger._log_level_map.get(level, logging.ERROR)):
            write_line(self, msg)

    dbt_logger._Logger.write_line = write_if_logged


def _exit_code(run: Callable[[], object]) -> int:
    """dbt's exit code, as its console script would exit with it."""
    try:
        run()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
