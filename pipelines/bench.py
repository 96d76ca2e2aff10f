"""Benchmark: wall time and peak memory of the nightly refresh on generated trusts of several sizes.

`make bench` (or `python -m pipelines.bench --scales 0.5 1 2`). Each refresh runs in a fresh
child process; peak memory is the largest summed resident size of that process and its
children (dbt runs as a subprocess), sampled every 0.1 s. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.lib.settings import PROJECT_ROOT

_CHILD = (
    "from pipelines.refresh import run_refresh\n"
    "outcome = run_refresh()\n"
    "raise SystemExit(0 if outcome.success else '\\n'.join(outcome.failures))\n"
)


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (dbt runs as a subprocess)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
        pending.extend(int(child) for child in children)
    return total


def _rows_read(marts: Path) -> int:
    import duckdb

    con = duckdb.connect(str(marts / "triangulate.duckdb"), read_only=True)
    try:
        return con.sql("select sum(rows_read) from load_summary").fetchone()[0]
    finally:
        con.close()


def bench(scale: float, seed: int, keep: bool) -> dict:
    from pipelines.demo import generate_trust

    root = Path(tempfile.mkdtemp(prefix=f"triangulate-bench-{scale}-"))
    env = {
        **os.environ,
        "TRIANGULATE_RAW_DIR": str(root / "raw"),
        "TRIANGULATE_WAREHOUSE": str(root / "warehouse" / "warehouse.duckdb"),
        "TRIANGULATE_MARTS_DIR": str(root / "marts"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    (root / "dagster_home").mkdir()
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml",
                root / "dagster_home" / "dagster.yaml")
    started = time.perf_counter()
    generate_trust(root / "raw", seed=seed, scale=scale)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", _CHILD], env=env, cwd=PROJECT_ROOT)
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(child.pid))
        time.sleep(0.1)
    refreshed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"refresh failed at scale {scale}; files kept in {root}")
    result = {"scale": scale, "rows": _rows_read(root / "marts"), "generate_s": generated,
              "refresh_s": refreshed, "peak_mib": peak / 2**20}
    if not keep:
        shutil.rmtree(root)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.25, 1.0, 4.0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the generated workspaces")
    args = parser.parse_args()
    results = [bench(scale, args.seed, args.keep) for scale in args.scales]
    base = results[0]
    print(f"\n{'scale':>6} {'rows':>9} {'generate s':>11} {'refresh s':>10} {'peak MiB':>9} "
          f"{'rows/s':>8} {'time x':>7} {'rows x':>7}")
    for r in results:
        print(f"{r['scale']:>6g} {r['rows']:>9,} {r['generate_s']:>11.1f} {r['refresh_s']:>10.1f} "
              f"{r['peak_mib']:>9.0f} {r['rows'] / r['refresh_s']:>8,.0f} "
              f"{r['refresh_s'] / base['refresh_s']:>7.2f} {r['rows'] / base['rows']:>7.2f}")


if __name__ == "__main__":
    main()
