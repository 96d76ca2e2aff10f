"""Faults a trust's refresh meets: killed mid-dbt, started twice, fed the bad-input corpus.

One sequence on a copy of the refreshed demo trust, run as users run it (`triangulate refresh`
in its own process), shared by the tests below so it costs one interrupted and one full
refresh:
1. refresh A starts; while it holds the lock a second refresh is refused, naming A;
2. A is killed with kill -9 while dbt is building;
3. refresh C runs on the exports plus the corpus's worst cases (dates decades out, a mapping
   that lets a 1900 date in, UTF-16 and semicolon files, ragged rows, conflicting ids) after
   the warehouse file was damaged, with its peak memory sampled; another refresh started
   during C is refused, naming C.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ARTIFACTS, TRIANGULATE, make_workspace

from pipelines.bench import tree_rss
from pipelines.lib.refresh_lock import LOCK_FILE
from pipelines.lib.settings import DEMO_PROFILE_DIR, PROJECT_ROOT

FFT_HEADER = ["Response ID", "Response Date", "Survey", "Site", "Ward/Department",
              "Overall Experience", "What was good?", "What could we do better?",
              "Collection Method"]
SECRET = "Mrs Jane Smithson"
PEAK_MEMORY_CEILING = 3 * 2**30


def fft_row(response_id: str, date: str, rating: str = "Poor",
            improve: str = "The ward was noisy at night") -> list[str]:
    return [response_id, date, "Inpatient", "Northgate General", "Ward 12", rating,
            f"{SECRET} was kind", improve, "SMS"]


def plant_corpus(raw: Path) -> None:
    """Bad input in the shipped layouts, beside the demo exports."""
    utf16 = [FFT_HEADER, fft_row("CORPUS-1", "15/07/2026"), fft_row("CORPUS-2", "15/07/25"),
             fft_row("CORPUS-3", "15/07/2035"), fft_row("CORPUS-4", "16/07/2026")[:5],
             fft_row("CORPUS-9", "01/01/1900")]
    (raw / "fft" / "fft_corpus-unicode.csv").write_bytes(
        ("".join("\t".join(r) + "\r\n" for r in utf16) + "\r\n\r\n").encode("utf-16"))
    semicolon = [FFT_HEADER, fft_row("CORPUS-5", "17/07/2026"),
                 [*fft_row("CORPUS-6", "17/07/2026"), "", "extra"],
                 fft_row("CORPUS-1", "15/07/2026", rating="Very good")]
    (raw / "fft" / "fft_corpus-semicolon.csv").write_text(
        "".join(";".join(r) + "\n" for r in semicolon) + "\n", encoding="utf-8")
    export = sorted((raw / "incidents").glob("incidents_2*.csv"))[-1]
    header, first = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8"))))[:2]
    harm = header.index("Physical Harm")
    revision = ["CORPUS-INC-1", *first[1:]]
    disagreeing = [*revision[:harm], "Severe harm" if first[harm] != "Severe harm"
                   else "No harm", *revision[harm + 1:]]
    short = ["CORPUS-INC-2", *first[1:-3]]
    with (raw / "incidents" / "incidents_corpus.csv").open("w", newline="") as file:
        csv.writer(file).writerows([header, revision, disagreeing, short])


def published_files(marts: Path) -> dict[str, str]:
    return {p.relative_to(marts).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(marts.rglob("*")) if p.is_file()}


def leftovers(workspace) -> list[str]:
    return [p.name for p in workspace.marts.rglob("*")
            if p.name.startswith(".") or p.suffix in (".partial", ".wal")]


def children(pid: int) -> list[tuple[int, str]]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(stat.parent.name), cmdline))
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def start(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([TRIANGULATE, *args], env=env, cwd=PROJECT_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def held_by(workspace, pid: int) -> bool:
    lock = workspace.warehouse.parent / LOCK_FILE
    return lock.is_file() and lock.read_text().startswith(f"{pid} ")


@pytest.fixture(scope="module")
def fault_run(refreshed, tmp_path_factory):
    source, _ = refreshed
    workspace = make_workspace(tmp_path_factory.mktemp("faults"))
    shutil.copytree(source.raw, workspace.raw)
    workspace.warehouse.parent.mkdir(parents=True)
    shutil.copy(source.warehouse, workspace.warehouse)
    shutil.copytree(source.marts, workspace.marts)
    plant_corpus(workspace.raw)
    # The worst case a mapping allows: FFT dates back to 1900 accepted.
    mappings = workspace.root / "mappings"
    shutil.copytree(DEMO_PROFILE_DIR / "mappings", mappings)
    with (mappings / "fft.yml").open("a") as fft:
        fft.write("plausible_dates: {response_date: {earliest: 1900-01-01}}\n")
    env = {**os.environ, **workspace.env(), "TRIANGULATE_MAPPINGS_DIR": str(mappings)}
    run = {"workspace": workspace, "before": published_files(workspace.marts)}

    # 1-2: refresh A, refused second refresh, kill -9 of A while dbt builds.
    first = start(env, "refresh")
    try:
        wait_for(lambda: held_by(workspace, first.pid), 120, "refresh A to take the lock")
        second = subprocess.run([TRIANGULATE, "refresh"], env=env, capture_output=True,
                                text=True, timeout=120)
        run["refused_during_a"] = (second.returncode, second.stdout + second.stderr, first.pid)
        [(dbt, _)] = wait_for(lambda: _dbt_build_of(first), 600, "refresh A's dbt build")
        time.sleep(3)  # dbt is writing the warehouse
        # The guard, the warm dbt process running the build (pipelines.defs.dbt.warm), ...
        run["children"] = children(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(30)
        run["dbt_pid"] = dbt
        run["dbt_gone_after_s"] = _time_until(lambda: not alive(dbt), 30)
        run["children_gone_after_s"] = _time_until(
            lambda: not any(alive(pid) for pid, _ in run["children"]), 30)
        run["after_kill"] = published_files(workspace.marts)
        run["leftovers_after_kill"] = leftovers(workspace)
    finally:
        first.kill()
    with workspace.warehouse.open("r+b") as warehouse:
        warehouse.write(b"\0" * 8192)  # a damaged file header

    # 3: refresh C on the corpus, its memory sampled; a refresh during C is refused.
    samples, done = [0], threading.Event()
    started = time.monotonic()
    third = start(env, "refresh")

    def sample():
        while not done.is_set():
            samples.append(tree_rss(third.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        wait_for(lambda: held_by(workspace, third.pid), 120, "refresh C to take the lock")
        other = subprocess.run([TRIANGULATE, "refresh"], env=env, capture_output=True,
                               text=True, timeout=120)
        run["refused_during_c"] = (other.returncode, other.stdout + other.stderr, third.pid)
        output, _ = third.communicate(timeout=1800)
    finally:
        done.set()
        sampler.join()
        third.kill()
    run.update(next_returncode=third.returncode, next_output=output,
               next_seconds=time.monotonic() - started, peak_rss=max(samples))
    # Recorded where `make test` leaves its measurements (the issue asks for this figure).
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bad_input_refresh.json").write_text(json.dumps({
        "refresh_seconds": round(run["next_seconds"], 1),
        "peak_rss_mib": round(run["peak_rss"] / 2**20),
        "what": "refresh of the demo exports plus the bad-input corpus's worst cases, after "
                "the warehouse file was damaged (refresh process and its dbt child)"}, indent=2))
    return run


def _dbt_build_of(refresh: subprocess.Popen) -> list[tuple[int, str]]:
    if refresh.poll() is not None:
        raise AssertionError(f"refresh A ended before dbt ran:\n{refresh.stdout.read()}")
    return [child for child in children(refresh.pid) if " build" in child[1]]


def _time_until(condition, timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def test_a_second_refresh_is_refused_naming_the_running_one(fault_run):
    for stage in ("refused_during_a", "refused_during_c"):
        returncode, output, pid = fault_run[stage]
        assert returncode == 5, output
        assert re.search(rf"a refresh started at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d .* is running "
                         rf"\(pid {pid}\)", output), output
        assert "Traceback" not in output and len(output.splitlines()) == 1, output


def test_kill_9_mid_dbt_leaves_no_dbt_behind_and_the_published_files_untouched(fault_run):
    assert fault_run["dbt_gone_after_s"] is not None, f"dbt {fault_run['dbt_pid']} outlived it"
    assert any("pipelines.defs.dbt.warm" in command for _, command in fault_run["children"])
    assert fault_run["children_gone_after_s"] is not None, fault_run["children"]
    assert fault_run["after_kill"] == fault_run["before"]
    assert fault_run["leftovers_after_kill"] == []


def test_the_next_refresh_takes_over_and_succeeds_on_the_corpus(fault_run):
    workspace, output = fault_run["workspace"], fault_run["next_output"]
    assert fault_run["next_returncode"] == 0, output
    assert re.search(r"Note: the refresh started at .* \(pid \d+\) ended without finishing; "
                     "its lock was taken over", output), output
    assert re.search(rf"Note: the warehouse {workspace.warehouse} was damaged \(.*not a valid "
                     r"DuckDB database file.*\); it holds nothing the exports do not, so it was "
                     "removed and rebuilt from them", output), output
    assert not (workspace.warehouse.parent / LOCK_FILE).exists()
    assert leftovers(workspace) == []
    assert published_files(workspace.marts) != fault_run["before"]
    # The console shows no dbt log, no traceback and no free text from a row.
    assert "START sql" not in output and "Traceback" not in output and SECRET not in output


def test_corpus_rows_are_rejected_with_reasons_and_accounted_for(fault_run):
    workspace = fault_run["workspace"]
    rejected = {(file.split("/")[-1], row): reason for file, row, reason in workspace.query(
        "select file, row_number, reason from rejected_rows where file like '%corpus%'")}
    assert "two-digit year" in rejected["fft_corpus-unicode.csv", 3]
    assert "outside the plausible range of response_date" in rejected[
        "fft_corpus-unicode.csv", 4]
    assert rejected["fft_corpus-unicode.csv", 5] == "expected 9 fields, found 5"
    assert rejected["fft_corpus-semicolon.csv", 3] == "expected 9 fields, found 11"
    assert "same response_id as fft/fft_corpus-semicolon.csv row 4" in rejected[
        "fft_corpus-unicode.csv", 2]
    assert "same incident_id and updated_at as incidents/incidents_corpus.csv row 3" in \
        rejected["incidents_corpus.csv", 2]
    assert "expected" in rejected["incidents_corpus.csv", 4]
    assert not any(SECRET in reason for reason in rejected.values())
    summary = {file.split("/")[-1]: (read, loaded, rejected_count)
               for file, read, loaded, rejected_count in workspace.query(
                   "select file, rows_read, rows_loaded, rows_rejected from load_summary "
                   "where file like '%corpus%'")}
    assert summary == {"fft_corpus-unicode.csv": (5, 1, 4),
                       "fft_corpus-semicolon.csv": (3, 1, 2),
                       "incidents_corpus.csv": (3, 0, 3)}


def test_a_date_decades_back_cannot_stretch_the_spc_series(fault_run):
    workspace = fault_run["workspace"]
    [(first, longest)] = workspace.query(
        "select min(first_month), max(months) from (select min(month) as first_month, "
        "count(*) as months from theme_spc where source = 'fft' "
        "group by theme_id, unit_level, unit_id)")
    # The 1900 response loaded (the mapping allows it) and the series stop at 60 months.
    assert longest == 60
    assert first.year >= 2021
    assert fault_run["peak_rss"] < PEAK_MEMORY_CEILING


@pytest.mark.parametrize("pool", ["validation", "coding"])
def test_a_killed_refresh_takes_its_worker_processes_with_it(pool):
    """An independent probe killed a refresh during validation: the spawned validation
    worker (374 MB) lived on for 13 minutes. Worker pools now die with their parent."""
    start_pool = {
        "validation": "from pipelines.lib.validation import validating_process\n"
                      "validating_process().__enter__()\n",
        # Two cores claimed, so the pool opens even on a one-core machine.
        "coding": "import os\nos.sched_getaffinity = lambda pid: {0, 1}\n"
                  "from pipelines.textcoding import coding_pool\n"
                  "chunks = ([['x'], [1], ['q'], [None]] for _ in iter(int, 1))\n"
                  "next(coding_pool.code_in_chunks(chunks))\n",
    }[pool]
    parent = subprocess.Popen([sys.executable, "-c", start_pool + "import time\ntime.sleep(300)"],
                              cwd=PROJECT_ROOT)
    try:
        workers = wait_for(lambda: [pid for pid, cmd in children(parent.pid)
                                    if "multiprocessing" in cmd and "resource_tracker" not in cmd],
                           120, f"the {pool} worker to start")
    finally:
        parent.kill()
        parent.wait(30)
    assert _time_until(lambda: not any(alive(pid) for pid in workers), 30) is not None


def test_a_refresh_does_not_start_on_a_disk_too_full_for_it(tmp_path, monkeypatch):
    """An independent probe filled the warehouse's disk: one refresh failed "before it
    started" with only "No space left on device", the next had DuckDB abort the process
    (exit 134). A refresh now checks first and says which disk, how much is free and how
    much it needs."""
    import collections

    from pipelines import refresh

    warehouse = tmp_path / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(b"x" * 2**20)
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(refresh.shutil, "disk_usage", lambda _: usage(2**30, 2**30, 15 * 2**20))
    message = refresh.short_of_space(warehouse, tmp_path / "marts")
    assert message.startswith(f"the disk holding {warehouse.parent} has 15 MiB free; a "
                              "refresh needs about 65 MiB")
    monkeypatch.setattr(refresh.shutil, "disk_usage", lambda _: usage(2**30, 0, 2**30))
    assert refresh.short_of_space(warehouse, tmp_path / "marts") is None
