"""The benchmark's own measuring parts: nothing here times anything or asserts a speed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from pipelines.bench.__main__ import (
    Size,
    _generate,
    disk_use,
    exponent,
    hold_back_last_day,
    marts_differences,
)
from pipelines.bench.child import dbt_nodes
from pipelines.bench.distinct_texts import make_texts_distinct
from pipelines.bench.process import Sampler
from pipelines.lib.ingest import load_source
from pipelines.lib.mapping import load_mappings
from pipelines.lib.settings import DEMO_PROFILE_DIR


def test_the_growth_exponent_is_the_slope_on_logs():
    assert exponent([(1_000, 2.0), (10_000, 20.0), (100_000, 200.0)]) == pytest.approx(1.0)
    assert exponent([(1_000, 5.0), (4_000, 80.0)]) == pytest.approx(2.0)
    assert exponent([(1_000, 5.0)]) is None


def test_disk_use_is_each_folder_a_refresh_leaves_in_mib(tmp_path):
    for relative, size in [("warehouse/warehouse.duckdb", 3), ("warehouse/load_cache/fft/a", 1),
                           ("warehouse/load_cache/fft/b", 1), ("dagster_home/history/x.db", 2)]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(b"x" * size * 2**20)
    assert disk_use(tmp_path) == {"warehouse_mib": 3, "load_cache_mib": 2,
                                  "run_history_mib": 2, "published_mib": 0}


def test_the_sampler_counts_cpu_and_memory_of_a_child_process():
    burn = ("import time\nblock = b\"x\" * (200 * 2**20)\nend = time.process_time() + 0.6\n"
            "while time.process_time() < end: pass\n")
    child = subprocess.Popen([sys.executable, "-c", burn])
    with Sampler(child.pid, interval=0.05) as sampler:
        child.wait()
        time.sleep(0.1)
    started, ended = sampler.samples[0][0], sampler.samples[-1][0]
    cpu, peak = sampler.between(started, ended)
    assert 0.3 < cpu < 5 and peak > 200 * 2**20 and sampler.peak_rss == peak


def test_the_newest_day_is_held_back_and_the_file_restored(tmp_path):
    folder = tmp_path / "raw" / "fft"
    folder.mkdir(parents=True)
    rows = [["Response ID", "Response Date", "What could we do better?"],
            ["1", "30/10/2026", "More staff, please"], ["2", "31/10/2026", "Parking,\nagain"],
            ["3", "31/10/2026", ""]]
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(rows)
    (folder / "fft_2026-09.csv").write_text("Response ID,Response Date\n9,30/09/2026\n")
    newest = folder / "fft_2026-10.csv"
    newest.write_text(text.getvalue(), encoding="utf-8")

    [(path, original)] = hold_back_last_day(tmp_path / "raw")

    assert path == newest and original == text.getvalue()
    assert list(csv.reader(io.StringIO(newest.read_text(), newline=""))) == rows[:2]
    assert (folder / "fft_2026-09.csv").read_text() == "Response ID,Response Date\n9,30/09/2026\n"


def test_marts_differences_names_each_table_that_differs(tmp_path):
    for name, rows in (("a", [(1, "x"), (2, "y")]), ("b", [(2, "y"), (1, "x")])):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        con.execute("create table counts (n integer, t varchar)")
        con.executemany("insert into counts values (?, ?)", rows)
        con.execute("create table only_here as select 1" if name == "a" else "select 1")
        con.close()
    assert marts_differences(tmp_path / "a.duckdb", tmp_path / "b.duckdb") == ["main.only_here"]

    con = duckdb.connect(str(tmp_path / "b.duckdb"))
    con.execute("update counts set t = 'z' where n = 2")
    con.execute("create table only_here as select 1")
    con.close()
    assert marts_differences(tmp_path / "a.duckdb", tmp_path / "b.duckdb") == [
        "main.counts (2 rows)"]


def test_free_texts_are_made_distinct_and_blanks_left_alone(tmp_path):
    folder = tmp_path / "raw" / "fft"
    folder.mkdir(parents=True)
    rows = [["Response ID", "Response Date", "What was good?", "What could we do better?"],
            ["1", "30/10/2026", "Kind staff", "Nothing"], ["2", "31/10/2026", "", "Nothing"],
            ["3", "31/10/2026", "Did not answer", "Parking, again"]]
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(rows)
    (folder / "fft_2026-10.csv").write_text(text.getvalue(), encoding="utf-8")

    changed = make_texts_distinct(tmp_path / "raw", load_mappings(DEMO_PROFILE_DIR / "mappings"),
                                  ["fft"])

    read = list(csv.reader(io.StringIO((folder / "fft_2026-10.csv").read_text(), newline="")))
    assert changed == 4 and read[0] == rows[0]
    assert [row[2:] for row in read[1:]] == [["Kind staff (ref 1)", "Nothing (ref 2)"],
                                             ["", "Nothing (ref 3)"],
                                             ["Did not answer", "Parking, again (ref 4)"]]


def test_a_size_generated_in_parts_loads_every_part_without_a_shared_record(tmp_path):
    # A national year is generated as trusts side by side: their records must not meet as
    # duplicates or key conflicts, so the whole loads what each part loads alone.
    _generate(tmp_path, Size(0.1, 1, {}, "two trusts", parts=2), seed=3)
    raw = tmp_path / "raw"
    alone = {part: tmp_path / f"alone-{part}" for part in ("p000", "p001")}
    for path in (p for p in raw.rglob("*") if p.is_file()):
        relative = path.relative_to(raw)
        for part, into in alone.items():
            if relative.stem.endswith(part) or "_p0" not in relative.stem:
                (into / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, into / relative)
    fft_files = sorted(p.stem for p in (raw / "fft").iterdir())
    assert fft_files[:2] == [fft_files[0][:-5] + "_p000", fft_files[0][:-5] + "_p001"]
    assert [p.name for p in (raw / "activity").iterdir()] == ["activity_monthly.csv"]
    mappings = load_mappings(DEMO_PROFILE_DIR / "mappings")
    for source in ("incidents", "fft", "complaints", "sjr", "inquests", "claims", "audit"):
        whole = load_source(raw, mappings, source)
        parts = [load_source(into, mappings, source) for into in alone.values()]
        for i, load in enumerate(whole):
            assert load.rows_loaded == sum(p[i].rows_loaded for p in parts) > 0, source
            assert load.rejected.height == sum(p[i].rejected.height for p in parts), source
            first, second = ({tuple(k) for k in p[i].loaded.select(load.entity.key).rows()}
                             for p in parts)
            assert first and second and not first & second, source


def test_dbt_nodes_are_read_from_every_rotated_log_of_the_run(tmp_path):
    def event(name, ts, uid=None, seconds=0.5):
        data = {} if uid is None else {
            "execution_time": seconds,
            "node_info": {"unique_id": uid, "node_started_at": "2026-12-05T02:00:01.000000",
                          "node_finished_at": "2026-12-05T02:00:01.500000"}}
        return json.dumps({"info": {"name": name, "ts": ts}, "data": data})

    build = tmp_path / "build-abc"
    build.mkdir()
    (build / "dbt.log.1").write_text("\n".join([
        event("LogModelResult", "2026-12-04T23:00:00Z", "model.t.yesterday"),
        event("LogModelResult", "2026-12-05T02:00:02Z", "model.t.spine", 1.5)]) + "\n")
    (build / "dbt.log").write_text("\n".join([
        event("NodeFinished", "2026-12-05T02:00:03Z", "test.t.not_null"),
        event("LogTestResult", "2026-12-05T02:00:03Z", "test.t.not_null", 0.25),
        event("CommandCompleted", "2026-12-05T02:00:04Z")]) + "\n")
    since = dt.datetime(2026, 12, 5, 2, tzinfo=dt.UTC).timestamp()

    nodes = sorted(dbt_nodes(since, tmp_path), key=lambda n: n["id"])
    assert [(n["id"], n["seconds"]) for n in nodes] == [("model.t.spine", 1.5),
                                                         ("test.t.not_null", 0.25)]
    assert nodes[0]["start"] == since + 1 and nodes[0]["end"] == since + 1.5
