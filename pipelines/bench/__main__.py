"""Benchmark the nightly refresh on generated trusts: `python -m pipelines.bench [--sizes ...]`.

For each size a trust is generated in a temporary folder, its free texts made as distinct as
a real trust's (pipelines.bench.distinct_texts), with the newest day of its newest incident
and FFT exports held back. Then, each refresh in a fresh child process:
- `full`: a `refresh --full` into an empty warehouse (every file read, every model built), as
  of the morning of the day held back (the night before);
- `nightly`: the held-back day is put back (two export files change) and the incremental
  refresh runs on top of the full one a day later, as the 02:00 job does (which sources it
  read and how much of dbt it ran is printed);
- `full_after`: a refresh from an empty warehouse of the same files as `nightly`, whose
  published marts must equal the nightly's (printed as `identical`).
Per stage (imports, dbt parse, each raw asset, FFT coding, dbt start-up, seeds, models,
theme_spc, tests, publish, pack): wall seconds, CPU seconds of the process tree (user + system,
dbt included) and the tree's peak resident memory. Beside each raw asset: DuckDB's bare
`read_csv` of the same CSV files (all columns as text) in this process, and the ratio. Across
sizes: the exponent k of time ~ rows^k and memory ~ rows^k (least squares on logs).
The machine's load average is recorded: on a shared machine wall time is inflated, CPU time
much less so. Written to `<out>/bench-<UTC time>.csv`; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.bench.distinct_texts import make_texts_distinct
from pipelines.bench.process import Sampler
from pipelines.lib import quiet_duckdb
from pipelines.lib.canonical import SOURCES
from pipelines.lib.mapping import load_mappings
from pipelines.lib.settings import DEMO_PROFILE_DIR, PROJECT_ROOT
from pipelines.lib.sql import sql_string

MIB = 2**20


@dataclass(frozen=True)
class Size:
    scale: float
    years: int
    volume_factors: dict[str, float]
    about: str
    # Generated as this many trusts' exports side by side (scale / parts each, their own seeds,
    # record IDs and file names): the generator holds a trust's records in memory, about
    # 0.12 GB per unit of scale and year, too much for a national year in one go.
    parts: int = 1


# scale 1 = the demo trust: a year of 12k incidents, 600 complaints, 60k FFT responses, 40
# inquests, 250 SJRs, 80 audits.
SIZES = {
    "tiny": Size(0.05, 1, {}, "a smoke test of the benchmark itself"),
    "small": Size(0.25, 2, {}, "a small trust, two years"),
    "mid": Size(1, 2, {}, "the demo trust, two years"),
    "large": Size(2.5, 5, {"fft": 2}, "a large acute trust, five years: ~150k incidents, "
                                      "8k complaints, 1.5M FFT responses"),
    "region": Size(15, 5, {"fft": 2}, "an integrated care system: 6 large trusts x 5 years "
                                      "in one warehouse"),
    "national": Size(500, 1, {"fft": 2}, "a national year: ~200 large trusts' volumes",
                     parts=20),
}
DEFAULT_SIZES = ["small", "mid"]
# Held back before the full run and put back for the nightly one: (source folder, file name
# pattern of the monthly exports, the column that says which day a row arrived).
NIGHTLY_DAY = [("incidents", "incidents_*.csv", "Date Reported"),
               ("fft", "fft_*.csv", "Response Date")]


def _uptime() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _generate(root: Path, size: Size, seed: int) -> float:
    from pipelines.demo import generate_trust

    started = time.perf_counter()
    whole = size.parts == 1
    for part in range(size.parts):
        into = root / "raw" if whole else root / f"part-{part}"
        generate_trust(into, seed=seed + part, scale=size.scale / size.parts, years=size.years,
                       scenario={"volume_factors": size.volume_factors},
                       id_prefix="" if whole else f"P{part:03d}-")
        if not whole:
            merge_part(into, root / "raw", part)
    return time.perf_counter() - started


def merge_part(part_dir: Path, raw: Path, part: int) -> None:
    """Move a part's exports into `raw`, each named with the part's number. The ground truth
    and the activity file are the first part's alone (the parts' activity rows would share
    location-months)."""
    from pipelines.demo.generator import TRUTH_FILE

    for path in sorted(p for p in part_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(part_dir)
        once = relative.name == TRUTH_FILE or relative.parts[0] == "activity"
        if once and part > 0:
            continue
        target = raw / (relative if once else relative.with_stem(f"{relative.stem}_p{part:03d}"))
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
    shutil.rmtree(part_dir)


def _day(value: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value.strip()[:10], fmt).date()
        except ValueError:
            continue
    return None


def hold_back_last_day(raw: Path) -> list[tuple[Path, str]]:
    """Remove the rows of the newest day from each newest monthly export; return each file
    with its complete text, to be written back for the nightly run."""
    held = []
    for folder, pattern, column in NIGHTLY_DAY:
        files = sorted((raw / folder).glob(pattern))
        if not files:
            continue
        path = files[-1]
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        at = rows[0].index(column)
        days = [_day(row[at]) if len(row) > at else None for row in rows[1:]]
        newest = max(d for d in days if d)
        kept = io.StringIO(newline="")
        csv.writer(kept, lineterminator="\n").writerows(
            [rows[0], *(row for row, day in zip(rows[1:], days, strict=True) if day != newest)])
        path.write_text(kept.getvalue(), encoding="utf-8")
        held.append((path, text))
    return held


def _environment(root: Path, day_before: bool = False) -> dict[str, str]:
    # Each refresh runs as the morning after the exports' last day, as a nightly one does:
    # the as-of date is what the operational marts and the narrative classifier's training
    # window are judged from (not the day the benchmark happens to run). `day_before`: the
    # morning before, when that day is held back (the night before the nightly run).
    truth = json.loads((root / "raw" / "scenario_truth.json").read_text(encoding="utf-8"))
    morning_after = dt.date.fromisoformat(truth["generator"]["end_date"]) + dt.timedelta(1)
    env = {
        **os.environ,
        "TRIANGULATE_AS_OF_DATE": (morning_after - dt.timedelta(days=1 if day_before else 0)
                                   ).isoformat(),
        "TRIANGULATE_RAW_DIR": str(root / "raw"),
        "TRIANGULATE_WAREHOUSE": str(root / "warehouse" / "warehouse.duckdb"),
        "TRIANGULATE_MARTS_DIR": str(root / "marts"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    (root / "dagster_home").mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    return env


def run_refresh_measured(root: Path, options: dict, day_before: bool = False) -> dict:
    """One refresh in a child process (`day_before`: as of the morning before the exports'
    last day): its stages, each with wall, CPU and peak RSS."""
    out = root / "stages.json"
    started = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(
        [sys.executable, "-m", "pipelines.bench.child", str(out),
         json.dumps({**options, "started": started})],
        env=_environment(root, day_before), cwd=PROJECT_ROOT)
    with Sampler(child.pid) as sampler:
        child.wait()
    ended = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(out.read_text()) if out.exists() else {"success": False, "stages": [],
                                                                "failures": ["no report"]}
    if not report["success"]:
        raise SystemExit(f"refresh failed in {root}: {report['failures']}")
    stages = []
    for stage in report["stages"]:
        if "start" in stage:
            cpu, rss = sampler.between(stage["start"], stage["end"])
            stage = {**stage, "wall_s": stage["end"] - stage["start"], "cpu_s": cpu,
                     "peak_rss_mib": rss / MIB}
        stages.append(stage)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stages.append({"stage": "total", "wall_s": ended - started, "cpu_s": cpu,
                   "peak_rss_mib": sampler.peak_rss / MIB, **disk_use(root)})
    return {"stages": stages, "rows": _rows_read(root / "marts"), "summary": report["summary"]}


# What a refresh leaves on its server's disk, each a column of the run's total.
DISK = {"warehouse_mib": "warehouse/warehouse.duckdb", "load_cache_mib": "warehouse/load_cache",
        "run_history_mib": "dagster_home/history", "published_mib": "marts"}


def disk_use(root: Path) -> dict[str, float]:
    """MiB on disk after a run: the warehouse, the load cache, the Dagster run history (a
    night's growth is the difference between two runs) and the published marts."""
    def mib(path: Path) -> float:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        return sum(p.stat().st_size for p in files) / MIB

    return {column: mib(root / relative) for column, relative in DISK.items()}


def _rows_read(marts: Path) -> int:
    con = quiet_duckdb.connect(str(marts / "triangulate.duckdb"), read_only=True)
    try:
        return int(con.sql("select sum(rows_read) from load_summary").fetchone()[0])
    finally:
        con.close()


def bare_read_csv(raw: Path) -> dict[str, float]:
    """Seconds DuckDB takes to read each source's CSV files into a table, all text: the floor
    any loader of these files stands on."""
    import duckdb

    seconds = {}
    for folder in sorted(p for p in raw.iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.csv"))
        if not files:
            continue
        con = quiet_duckdb.connect()
        started = time.perf_counter()
        for i, path in enumerate(files):
            for encoding in ("utf-8", "latin-1"):
                try:
                    con.execute(f"create table t{i} as select * from read_csv(?, "
                                "all_varchar=true, ignore_errors=true, null_padding=true, "
                                f"encoding='{encoding}')", [str(path)])
                    break
                except duckdb.Error:
                    continue
        seconds[f"raw__{folder.name}"] = time.perf_counter() - started
        con.close()
    return seconds


# When a refresh published, not what: the one table two refreshes of the same files differ in.
PUBLISHED_AT = "main.refresh_info"


def marts_differences(a: Path, b: Path, tables: list[str] | None = None) -> list[str]:
    """Tables (`schema.table`; every one but PUBLISHED_AT unless `tables` names them) of two
    DuckDB files whose contents differ (as multisets of rows)."""
    import duckdb

    con = quiet_duckdb.connect()
    con.execute(f"attach {sql_string(a)} as a (read_only)")
    con.execute(f"attach {sql_string(b)} as b (read_only)")
    tables_in = {db: {r[0] for r in con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() where database_name = ?",
        [db]).fetchall()} - {PUBLISHED_AT} for db in ("a", "b")}
    if tables is not None:
        tables_in = {db: names & set(tables) for db, names in tables_in.items()}
        tables_in["a"] |= set(tables) - tables_in["a"] - tables_in["b"]  # missing from both
    differing = sorted(tables_in["a"] ^ tables_in["b"])
    for table in sorted(tables_in["a"] & tables_in["b"]):
        try:
            count = con.execute(
                f"select count(*) from ((select * from a.{table} except all "
                f"select * from b.{table}) union all (select * from b.{table} except all "
                f"select * from a.{table}))").fetchone()[0]
        except duckdb.Error as error:
            differing.append(f"{table} ({str(error).splitlines()[0]})")
            continue
        if count:
            differing.append(f"{table} ({count} rows)")
    con.close()
    return differing


def bench_size(name: str, size: Size, seed: int, nightly: bool, keep: bool) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix=f"triangulate-bench-{name}-"))
    print(f"\n== {name}: {size.about} (scale {size.scale:g}, {size.years} years) in {root}",
          flush=True)
    rows = []

    def record(run: str, measured: dict, extra: dict | None = None) -> None:
        for stage in measured["stages"]:
            rows.append({"size": name, "run": run, "rows": measured["rows"],
                         "load_average": _uptime(), **stage, **(extra or {}).get(stage["stage"],
                                                                              {})})

    generated = _generate(root, size, seed)
    print(f"generated in {generated:.1f} s", flush=True)
    cells = make_texts_distinct(root / "raw", load_mappings(DEMO_PROFILE_DIR / "mappings"),
                                list(SOURCES))
    print(f"free texts made distinct: {cells} cells (pipelines.bench.distinct_texts)",
          flush=True)
    held = hold_back_last_day(root / "raw") if nightly else []
    # The night before the nightly run: its as-of date a day earlier, as the 02:00 job's was.
    full = run_refresh_measured(root, {"full": True}, day_before=nightly)
    bare = bare_read_csv(root / "raw")
    record("full", full, {stage: {"bare_read_csv_s": s} for stage, s in bare.items()})
    if nightly:
        for path, text in held:
            path.write_text(text, encoding="utf-8")
        night = run_refresh_measured(root, {})
        shutil.copytree(root / "marts", root / "marts_nightly")
        # An empty warehouse, in the same deployment (its value_ref key beside it stays).
        (root / "warehouse" / "warehouse.duckdb").unlink()
        again = run_refresh_measured(root, {"full": True})
        differences = marts_differences(root / "marts_nightly" / "triangulate.duckdb",
                                        root / "marts" / "triangulate.duckdb")
        verdict = "identical" if not differences else "differ: " + "; ".join(differences)
        record("nightly", night, {"total": {"marts_vs_full": verdict,
                                            "path": night["summary"]}})
        record("full_after", again)
    if not keep:
        shutil.rmtree(root)
    return rows


def exponent(points: list[tuple[float, float]]) -> float | None:
    """k in y ~ x^k, least squares on logs; None with fewer than two distinct sizes."""
    points = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in points}) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    return (sum((x - mx) * (y - my) for x, y in points)
            / sum((x - mx) ** 2 for x, _ in points))


def _fmt(value, spec: str = ".1f") -> str:
    return "" if value is None or value == "" else format(value, spec)


def print_size(rows: list[dict]) -> None:
    runs = list(dict.fromkeys(r["run"] for r in rows))
    stages = list(dict.fromkeys(r["stage"] for r in rows))
    by = {(r["run"], r["stage"]): r for r in rows}
    head = f"{'stage':<26}" + "".join(f"{run + ' wall/cpu s, MiB':>30}" for run in runs) \
        + f"{'read_csv s':>11}{'ratio':>7}"
    print(head)
    for stage in stages:
        line = f"{stage:<26}"
        for run in runs:
            r = by.get((run, stage), {})
            if "node_seconds" in r:
                cell = f"{_fmt(r['node_seconds'])} node-s ({r['nodes']})"
            elif r:
                cell = f"{_fmt(r['wall_s'])} / {_fmt(r['cpu_s'])}, {_fmt(r['peak_rss_mib'], '.0f')}"
            else:
                cell = ""
            line += f"{cell:>30}"
        full = by.get(("full", stage), {})
        if full.get("bare_read_csv_s"):
            line += f"{_fmt(full['bare_read_csv_s'], '.2f'):>11}" \
                    f"{_fmt(full['wall_s'] / full['bare_read_csv_s']):>7}"
        print(line)
    print("disk after each run, MiB (" + ", ".join(DISK.values()) + "): " + "; ".join(
        f"{run} " + " / ".join(_fmt(by[run, "total"][column], ".0f") for column in DISK)
        for run in runs))
    verdict = by.get(("nightly", "total"), {}).get("marts_vs_full")
    if verdict:
        print(f"nightly run (incremental): {by[('nightly', 'total')]['path']}")
        print(f"nightly marts vs full refresh of the same files: {verdict}")


def print_growth(rows: list[dict]) -> None:
    totals = [r for r in rows if r["run"] == "full" and r["stage"] == "total"]
    print(f"\n{'size':<9}{'rows':>11}{'full wall s':>12}{'cpu s':>8}{'peak MiB':>9}"
          f"{'nightly wall s':>15}{'rows/s':>9}")
    for t in totals:
        night = next((r for r in rows if r["size"] == t["size"] and r["run"] == "nightly"
                      and r["stage"] == "total"), {})
        print(f"{t['size']:<9}{t['rows']:>11,}{t['wall_s']:>12.1f}{t['cpu_s']:>8.1f}"
              f"{t['peak_rss_mib']:>9.0f}{_fmt(night.get('wall_s')):>15}"
              f"{t['rows'] / t['wall_s']:>9,.0f}")
    for what in ("wall_s", "cpu_s", "peak_rss_mib"):
        k = exponent([(t["rows"], t[what]) for t in totals])
        if k is not None:
            print(f"growth exponent of {what} in rows: {k:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=DEFAULT_SIZES,
                        help="; ".join(f"{k}: {v.about}" for k, v in SIZES.items()))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-nightly", dest="nightly", action="store_false",
                        help="only the full refresh (no nightly or full_after runs)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench_results")
    parser.add_argument("--keep", action="store_true", help="keep the generated workspaces")
    args = parser.parse_args()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{stamp}.csv"
    print(f"load average at start: {_uptime()} on {os.cpu_count()} cores")
    rows: list[dict] = []
    for name in args.sizes:
        measured = bench_size(name, SIZES[name], args.seed, args.nightly, args.keep)
        rows += measured
        print_size(measured)
        _write(path, rows)
    print_growth(rows)
    print(f"\nload average at end: {_uptime()}; figures in {path}")


def _write(path: Path, rows: list[dict]) -> None:
    columns = ["size", "run", "stage", "rows", "wall_s", "cpu_s", "peak_rss_mib",
               "node_seconds", "nodes", "bare_read_csv_s", "marts_vs_full", "path", "within",
               "start", "end", "load_average", *DISK]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
