"""What keeps a large trust's refresh within memory gives the same answers as doing it at once:
GX validation in batches, FFT coding in chunks; and what a person sees of a refresh."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import dagster as dg
import polars as pl
from rich.console import Console

from pipelines.lib import ingest, validation
from pipelines.lib.ingest import load_source
from pipelines.lib.mapping import load_mappings
from pipelines.lib.settings import DEMO_PROFILE_DIR


def test_validating_in_batches_rejects_the_same_rows_for_the_same_reasons(demo, monkeypatch):
    workspace, _ = demo
    mappings = load_mappings(DEMO_PROFILE_DIR / "mappings")
    [whole] = load_source(workspace.raw, mappings, "incidents")
    monkeypatch.setattr(validation, "VALIDATION_BATCH_ROWS", 97)
    # ... and files validated (then held no more) in groups of at least that many rows.
    monkeypatch.setattr(ingest, "VALIDATION_BATCH_ROWS", 97)
    [batched] = load_source(workspace.raw, mappings, "incidents")

    assert whole.loaded.height > 97 * 3 and whole.rejected.height > 0
    assert batched.loaded.equals(whole.loaded)
    assert batched.rejected.equals(whole.rejected)
    assert batched.outcomes == whole.outcomes


def test_validating_in_its_own_process_rejects_the_same_rows_for_the_same_reasons(
        demo, monkeypatch):
    """The refresh validates in a spawned process that leaves when the loads are done."""
    import multiprocessing

    workspace, _ = demo
    mappings = load_mappings(DEMO_PROFILE_DIR / "mappings")
    [here] = load_source(workspace.raw, mappings, "fft")
    # Several batches a group, and each group of files validated while the next is typed.
    monkeypatch.setattr(validation, "VALIDATION_BATCH_ROWS", 97)
    monkeypatch.setattr(ingest, "VALIDATION_BATCH_ROWS", 97 * 3)
    with validation.validating_process():
        [there] = load_source(workspace.raw, mappings, "fft")
        workers = multiprocessing.active_children()
        validation.end_validating_process()
        deadline = time.monotonic() + 30
        while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert workers and not any(w.is_alive() for w in workers)

    assert len(here.files) > 3 and here.rejected.height > 0
    assert there.loaded.equals(here.loaded)
    assert there.rejected.equals(here.rejected)
    assert there.outcomes == here.outcomes


def test_the_first_step_after_the_loads_ends_validating_and_starts_importing_dbt():
    """...and the dbt step starts importing the insight pack's modules beside it."""
    from types import SimpleNamespace

    from pipelines.defs.dbt.warm import SOCKET_VARIABLE, warm_dbt
    from pipelines.refresh import _after_the_loads

    def step_start(key):
        return SimpleNamespace(dagster_event=SimpleNamespace(is_step_start=True, step_key=key))

    imported = []
    ahead = SimpleNamespace(submit=lambda run, name: imported.append(name))
    with validation.validating_process(), warm_dbt() as warm:
        _after_the_loads(warm, ahead, step_start("raw__fft"))
        _after_the_loads(warm, ahead, SimpleNamespace(dagster_event=None))
        assert validation._process is not None and SOCKET_VARIABLE not in os.environ
        _after_the_loads(warm, ahead, step_start("coded__fft_comments"))
        assert validation._process is None and Path(os.environ[SOCKET_VARIABLE]).exists()
        assert imported == []
        _after_the_loads(warm, ahead, step_start("dbt_models"))
        assert imported == ["pipelines.report"]
    assert SOCKET_VARIABLE not in os.environ


def test_coding_fft_comments_in_chunks_codes_each_comment_as_at_once(refreshed_copy, monkeypatch):
    from pipelines.defs.coding import assets
    from pipelines.defs.resources import FULL_TAG, WarehouseResource
    from pipelines.textcoding import coding_pool
    from pipelines.textcoding.fft_model import code_comments

    query = "select * from coded.fft_comments order by response_id"
    with WarehouseResource().connect(read_only=True) as con:
        at_once = con.sql(query).pl()
        [(answers,)] = con.sql("select count(*) from (select distinct comment_improve, rating, "
                               "setting from raw.fft_responses where comment_improve is not "
                               "null)").fetchall()
        responses = con.sql("select distinct response_id, comment_improve, rating, setting from "
                            "raw.fft_responses where comment_improve is not null "
                            "order by response_id").pl()
    # Several chunks: coded by one worker process per core (two or more on any CI machine).
    monkeypatch.setattr(coding_pool, "CHUNK_ROWS", 101)
    # A full run: an incremental one would keep every code (no comment changed).
    result = dg.materialize([assets.fft_comments], resources={"warehouse": WarehouseResource()},
                            tags={FULL_TAG: "true"})
    with WarehouseResource().connect(read_only=True) as con:
        chunked = con.sql(query).pl()

    assert result.success and answers > 101 * 2 and at_once.height > answers
    [coded] = result.asset_materializations_for_node("coded__fft_comments")
    assert coded.metadata["comments_coded"].value == at_once.height
    assert chunked.equals(at_once)
    # ... and every response has the codes of its own comment and rating, coded directly.
    direct = code_comments(responses["comment_improve"].to_list(),
                           [assets._RATING_CODES.get(r) for r in responses["rating"].to_list()],
                           [assets._IMPROVE_QUESTION] * responses.height,
                           responses["setting"].to_list())
    assert chunked["response_id"].equals(responses["response_id"])
    assert chunked["v6_categories"].equals(direct["categories"], check_names=False)
    assert chunked["sentiment"].equals(direct["sentiment"], check_names=False)


def test_the_progress_display_follows_a_refresh_stage_by_stage(refreshed):
    from pipelines.defs.dbt.assets import dbt_models
    from pipelines.progress import RefreshProgress

    instance = dg.DagsterInstance.get()
    [run] = instance.get_runs(dg.RunsFilter(job_name="nightly_refresh",
                                            statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1)
    screen = Console(record=True, force_terminal=True, width=120)
    nodes = len(dbt_models.keys) + len(dbt_models.check_keys)
    dbt_events = 0
    with RefreshProgress(screen, dbt_nodes=nodes) as progress:
        for entry in instance.all_logs(run.run_id):
            progress(entry)
            event = entry.dagster_event
            if event and event.step_key == "dbt_models" and event.is_step_materialization:
                dbt_events += 1
                if dbt_events == 40:
                    progress._progress.refresh()  # draw a frame mid-dbt, whatever the load
    shown = screen.export_text()

    for line in ("Loading incidents exports", "Loading fft exports", "Coding FFT comments",
                 "Publishing the marts", "Writing the insight pack"):
        assert line in shown
    # The recording holds every frame drawn; the last one shows each stage done.
    assert re.search(rf"done Building and testing the models \(dbt\) ━+ {nodes}/{nodes} ", shown)
    counted = [int(n) for n in re.findall(
        rf"Building and testing the models \(dbt\)\D*?(\d+)/{nodes} ", shown)]
    assert any(0 < n < nodes for n in counted), "the dbt line never counted nodes as they ran"


def test_the_refresh_keeps_dbts_whole_log_in_a_private_file(refreshed):
    workspace, _ = refreshed
    log = sorted((workspace.warehouse.parent / "logs").glob("dbt-*.log"))[0]

    assert log.stat().st_mode & 0o077 == 0
    text = log.read_text()
    assert text.startswith("Running with dbt=") and "\nCompleted successfully\n" in text
    assert pl.Series(text.splitlines()).str.contains(" OK created ").sum() > 50


def test_a_load_reading_only_changed_files_gives_what_reading_every_file_gives(
        demo, tmp_path, monkeypatch):
    import datetime as dt
    import shutil

    from pipelines.lib import ingest
    from pipelines.lib.load_cache import LoadCache

    workspace, _ = demo
    raw = tmp_path / "raw"
    shutil.copytree(workspace.raw / "incidents", raw / "incidents")
    mappings = load_mappings(DEMO_PROFILE_DIR / "mappings")
    day = dt.date(2026, 12, 3)
    cache = LoadCache(tmp_path / "load_cache", day)
    load_source(raw, mappings, "incidents", cache)

    monthly = sorted(raw.glob("incidents/incidents_*.csv"))
    # A revised file, a deleted one, and a new one whose row has the id and revision time of
    # a row in an unchanged file but another harm: both rows are rejected, the unchanged
    # file's read again for its record.
    revised = monthly[-1].read_text(encoding="utf-8").splitlines()
    monthly[-1].write_text("\n".join([revised[0], *revised[2:]]) + "\n", encoding="utf-8")
    monthly[0].unlink()
    header, row = monthly[1].read_text(encoding="utf-8").splitlines()[:2]
    clash = row.replace("No harm", "Severe harm") if "No harm" in row else \
        row.replace("Low harm", "Severe harm")
    assert clash != row
    (raw / "incidents" / "incidents_clash.csv").write_text(f"{header}\n{clash}\n",
                                                             encoding="utf-8")
    original_typed, original_read, typed, read = ingest._typed_file, ingest.read_export, [], []

    def typing(path, *rest):
        typed.append(path.name)
        return original_typed(path, *rest)

    def reading(path, *rest):
        read.append(path.name)
        return original_read(path, *rest)

    monkeypatch.setattr(ingest, "_typed_file", typing)
    monkeypatch.setattr(ingest, "read_export", reading)
    [cached] = load_source(raw, mappings, "incidents", cache)
    assert sorted(typed) == sorted([monthly[-1].name, "incidents_clash.csv"])
    # Rows rejected by a file alone (a bad date, an unknown code, a copy of a row of the same
    # file) keep their records as exported from the night the file was read: the only file
    # read again is the unchanged one a new row conflicts with (and the new file itself).
    assert sorted(read) == sorted([monthly[-1].name, *["incidents_clash.csv"] * 2,
                                   monthly[1].name])
    rejected_by_file = cached.rejected.group_by("file").len()
    assert rejected_by_file.filter(~pl.col("file").str.contains(
        f"{monthly[-1].name}|{monthly[1].name}|clash")).height >= 1
    [whole] = load_source(raw, mappings, "incidents")

    assert cached.rejected.filter(pl.col("file") == monthly[1].relative_to(raw).as_posix()) \
        .height >= 1
    for frame in ("loaded", "rejected", "files", "fields"):
        assert getattr(cached, frame).equals(getattr(whole, frame)), frame
    assert cached.outcomes == whole.outcomes
    assert (tmp_path / "load_cache").stat().st_mode & 0o077 == 0
    # The deleted file's entry is forgotten; the others are kept for the next night.
    assert len(list((tmp_path / "load_cache" / "incidents").iterdir())) == len(
        list(raw.glob("incidents/*.csv")))
