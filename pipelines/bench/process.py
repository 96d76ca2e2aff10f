"""Resident memory and CPU time of a process tree, sampled while it runs.

The refresh runs dbt as a subprocess (through its guard), so both figures are summed over the
process and all its descendants, read from /proc (Linux).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.append(current)
        pending.extend(int(child) for child in children)
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (dbt runs as a subprocess)."""
    total = 0
    for current in _tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) spent by a process tree: the live processes' own time plus
    what their finished, waited-for children spent (cutime/cstime), so it only grows."""
    total = 0
    for current in _tree(pid):
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces) start at field 3 (state).
        fields = stat.rsplit(")", 1)[1].split()
        total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / _TICK


@dataclass
class Sampler:
    """Samples (wall time, tree CPU seconds, tree RSS bytes) of `pid` every `interval` s."""

    pid: int
    interval: float = 0.1
    samples: list[tuple[float, float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            sample = (time.time(), tree_cpu(self.pid), tree_rss(self.pid))
            if sample[2]:  # else the process has ended: its last sample stands
                self.samples.append(sample)
            self._stop.wait(self.interval)

    def between(self, start: float, end: float) -> tuple[float, int]:
        """CPU seconds spent and the peak RSS seen between two wall-clock times."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        before = [s for s in self.samples if s[0] <= start]
        after = [s for s in self.samples if s[0] >= end]
        first = before[-1][1] if before else (inside[0][1] if inside else 0.0)
        last = after[0][1] if after else (inside[-1][1] if inside else first)
        around = inside or before[-1:] or after[:1]
        return max(0.0, last - first), max((s[2] for s in around), default=0)

    @property
    def peak_rss(self) -> int:
        return max((s[2] for s in self.samples), default=0)
