"""The Dagster definitions load and hold the assets, checks, job, schedule and sensor."""

import dagster as dg

from pipelines.lib.canonical import SOURCES


def test_definitions_hold_the_whole_graph():
    from pipelines.definitions import defs

    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {f"raw/{source}" for source in SOURCES} <= keys
    assert {"marts/theme_counts", "marts/theme_signals", "coded/fft_comments",
            "published/marts", "published/insight_pack"} <= keys
    assert any(key.startswith("staging/stg_incidents__") for key in keys)

    checks = {(c.asset_key.to_user_string(), c.name)
              for c in defs.resolve_asset_graph().asset_check_keys}
    assert ("raw/incidents", "rows_pass_rejection_rules") in checks
    assert ("raw/fft", "rows_read_equal_loaded_plus_rejected") in checks
    assert ("published/marts", "no_identifiers_redacted") in checks
    assert any(key.startswith("marts/") for key, _ in checks), "dbt tests become checks"


def test_published_marts_depend_on_every_mart():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts and marts <= graph.get(dg.AssetKey(["published", "marts"])).parent_keys


def test_insight_pack_is_built_after_the_marts_are_published():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    pack = graph.get(dg.AssetKey(["published", "insight_pack"]))
    assert pack.parent_keys == {dg.AssetKey(["published", "marts"])}
    assert "published/insight_pack" in {
        k.to_user_string() for k in defs.resolve_job_def("nightly_refresh").asset_layer
        .selected_asset_keys}


def test_nightly_schedule_runs_at_two_in_the_morning_uk_time():
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("nightly_refresh_0200")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"
    assert schedule.job_name == "nightly_refresh"


def test_new_export_files_trigger_a_refresh(tmp_path, monkeypatch):
    from pipelines.definitions import defs

    monkeypatch.setenv("TRIANGULATE_RAW_DIR", str(tmp_path))
    (tmp_path / "fft").mkdir()
    (tmp_path / "fft" / "fft_2026-10.csv").write_text("x\n1\n")
    sensor = defs.resolve_sensor_def("new_export_files")
    with dg.instance_for_test() as instance:  # no refresh has run: the files are new
        first = sensor(dg.build_sensor_context(cursor=None, instance=instance))
        assert isinstance(first, dg.RunRequest)
        unchanged = sensor(dg.build_sensor_context(cursor=first.run_key, instance=instance))
        assert isinstance(unchanged, dg.SkipReason)
        (tmp_path / "fft" / "fft_2026-11.csv").write_text("x\n1\n")
        assert isinstance(sensor(dg.build_sensor_context(cursor=first.run_key,
                                                         instance=instance)), dg.RunRequest)


def test_every_asset_that_writes_the_warehouse_holds_the_refresh_lock():
    """The warehouse resource takes the refresh lock for the run, so a run from the UI, the
    schedule or the sensor waits for (or is refused by) a running `triangulate refresh`."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    writers = [*(["raw", source] for source in SOURCES), ["coded", "fft_comments"],
               ["marts", "theme_spc"], ["published", "marts"]]
    for key in writers:
        assert "warehouse" in graph.get(dg.AssetKey(key)).assets_def.required_resource_keys, key
