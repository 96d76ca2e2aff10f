"""One refresh at a time: a lock file beside the warehouse naming its holder.

Two refreshes at once would fight over the warehouse file (DuckDB lets one process write it)
and both fail. The lock is an advisory `flock` on `refresh.lock`, which the kernel releases
when its holder dies however it dies, so a lock left by a killed refresh is simply taken over;
the file records the holder's pid and start time so the one that has to wait can say who it
is waiting for. A process may take the lock again while it holds it (the CLI takes it before
the job starts; the job's warehouse resource takes it for runs started from the Dagster UI).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.errors import UserFacingError

LOCK_FILE = "refresh.lock"
_POLL_SECONDS = 1.0
_held: dict[Path, int] = {}  # lock path -> how many times this process holds it


class RefreshRunning(UserFacingError):
    """Another refresh holds the lock."""


@dataclass(frozen=True)
class Holder:
    pid: int | None
    started_at: str | None

    def running(self) -> str:
        started = f"started at {self.started_at} " if self.started_at else ""
        return f"a refresh {started}is running (pid {self.pid or 'unknown'})"

    def died(self) -> str:
        started = f"started at {self.started_at} " if self.started_at else ""
        return (f"the refresh {started}(pid {self.pid}) ended without finishing; its lock "
                "was taken over")


def lock_path(warehouse: Path) -> Path:
    return warehouse.parent / LOCK_FILE


def read_holder(path: Path) -> Holder:
    try:
        pid, _, started = path.read_text().strip().partition(" ")
        return Holder(int(pid), started or None)
    except (OSError, ValueError):
        return Holder(None, None)


def running_refresh(path: Path) -> Holder | None:
    """The lock's holder when that process is alive (a refresh is running), else None. It
    only reads the lock file: taking the lock, even shared for an instant, would make a
    refresh starting at that moment stop as if another were running."""
    holder = read_holder(path)
    if holder.pid is None:
        return None
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return None  # a killed refresh's lock file, which the next refresh takes over
    except PermissionError:
        pass  # alive, run by another user
    return holder


@contextmanager
def refresh_lock(path: Path, wait_seconds: float = 0) -> Iterator[Holder | None]:
    """Hold the refresh lock for the block. Yields the previous holder when it died without
    releasing the lock (its refresh did not finish), else None. Raises `RefreshRunning` when
    another live refresh holds it beyond `wait_seconds`."""
    path = path.resolve()
    if _held.get(path):
        _held[path] += 1
        try:
            yield None
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                advice = ("rerun with --wait MINUTES" if not wait_seconds else
                          f"it was still running after {wait_seconds / 60:g} minutes of "
                          "waiting; rerun with a longer --wait")
                raise RefreshRunning(f"{read_holder(path).running()}: wait for it to finish, "
                                     f"or {advice}") from None
            time.sleep(_POLL_SECONDS)
            continue
        # The holder before us may have removed the file as it released it: a lock on an
        # unlinked file guards nothing, so start again on the file now at the path.
        try:
            same_file = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same_file = False
        if same_file:
            break
        os.close(fd)
    previous = read_holder(path)
    os.ftruncate(fd, 0)
    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    os.write(fd, f"{os.getpid()} {started}\n".encode())
    _held[path] = 1
    try:
        yield previous if previous.pid else None
    finally:
        del _held[path]
        path.unlink(missing_ok=True)
        os.close(fd)
