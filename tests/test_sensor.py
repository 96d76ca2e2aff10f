"""The new_export_files sensor: a refresh when exports change, none on a first launch that
finds nothing new since the last successful refresh."""

from __future__ import annotations

import os
import time

import dagster as dg

from pipelines.defs.ingest import sensors


def _exports(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    (raw / "incidents").mkdir(parents=True)
    export = raw / "incidents" / "datix_export.csv"
    export.write_text("inc_ourref\n1\n")
    old = time.time() - 3600
    os.utime(export, (old, old))
    monkeypatch.setenv("TRIANGULATE_RAW_DIR", str(raw))
    return export


def _evaluate(cursor=None):
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        return sensors.new_export_files(context), context.cursor


def test_first_launch_with_nothing_new_since_the_last_refresh_starts_nothing(
        tmp_path, monkeypatch):
    export = _exports(tmp_path, monkeypatch)
    monkeypatch.setattr(sensors, "last_successful_refresh_start", lambda _: time.time() - 60)
    result, cursor = _evaluate()
    assert isinstance(result, dg.SkipReason), result
    assert cursor == sensors.exports_fingerprint()  # seeded: later changes still fire
    export.write_text("inc_ourref\n1\n2\n")  # a new export arrives
    result, _ = _evaluate(cursor)
    assert isinstance(result, dg.RunRequest)


def test_first_launch_with_files_newer_than_the_last_refresh_starts_one(tmp_path, monkeypatch):
    _exports(tmp_path, monkeypatch)
    monkeypatch.setattr(sensors, "last_successful_refresh_start", lambda _: time.time() - 7200)
    result, _ = _evaluate()
    assert isinstance(result, dg.RunRequest)


def test_first_launch_with_no_successful_refresh_yet_starts_one(tmp_path, monkeypatch):
    _exports(tmp_path, monkeypatch)
    result, _ = _evaluate()  # a fresh instance: no runs at all
    assert isinstance(result, dg.RunRequest)
    result, _ = _evaluate(sensors.exports_fingerprint())  # the same files again: nothing
    assert isinstance(result, dg.SkipReason)


def test_first_launch_with_no_export_files_starts_nothing(tmp_path, monkeypatch):
    (tmp_path / "raw").mkdir()
    monkeypatch.setenv("TRIANGULATE_RAW_DIR", str(tmp_path / "raw"))
    result, _ = _evaluate()
    assert isinstance(result, dg.SkipReason)
