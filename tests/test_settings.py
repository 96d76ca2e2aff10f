"""Settings read from the environment: DuckDB's memory limit, dbt's threads, and what dbt is
given."""

from __future__ import annotations

import os

import pytest

from pipelines.lib import settings


def test_duckdb_memory_limit_is_a_quarter_of_the_machine_unless_set(monkeypatch):
    monkeypatch.delenv("TRIANGULATE_DUCKDB_MEMORY_LIMIT", raising=False)
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert settings.duckdb_memory_limit() == f"{max(1, machine // 4 // 2**30)}GB"

    monkeypatch.setenv("TRIANGULATE_DUCKDB_MEMORY_LIMIT", "512MB")
    assert settings.duckdb_memory_limit() == "512MB"
    monkeypatch.setenv("TRIANGULATE_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(settings.SettingError, match="TRIANGULATE_DUCKDB_MEMORY_LIMIT"):
        settings.duckdb_memory_limit()


def test_published_file_modes_never_open_a_file_to_other_users(monkeypatch):
    """An independent probe set 777 and 666 and got a world-readable case-level file and a
    world-writable Parquet folder, with no warning."""
    for variable, restricted, good, bad in (
            ("TRIANGULATE_CASE_LEVEL_FILE_MODE", True, ("600", "640"), ("604", "777", "x")),
            ("TRIANGULATE_MARTS_FILE_MODE", False, ("644", "640"), ("666", "777"))):
        for mode in good:
            monkeypatch.setenv(variable, mode)
            assert settings.published_file_mode(restricted) == int(mode, 8)
        for mode in bad:
            monkeypatch.setenv(variable, mode)
            with pytest.raises(settings.SettingError, match=variable):
                settings.published_file_mode(restricted)


def test_the_query_memory_limit_is_2gb_unless_set(monkeypatch):
    monkeypatch.delenv("TRIANGULATE_QUERY_MEMORY_LIMIT", raising=False)
    assert settings.query_memory_limit() == "2GB"
    monkeypatch.setenv("TRIANGULATE_QUERY_MEMORY_LIMIT", "all of it")
    with pytest.raises(settings.SettingError, match="TRIANGULATE_QUERY_MEMORY_LIMIT"):
        settings.query_memory_limit()


def test_dbt_threads_are_the_usable_cores_unless_set(monkeypatch):
    monkeypatch.delenv("TRIANGULATE_DBT_THREADS", raising=False)
    assert settings.dbt_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("TRIANGULATE_DBT_THREADS", "3")
    assert settings.dbt_threads() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("TRIANGULATE_DBT_THREADS", bad)
        with pytest.raises(settings.SettingError, match="TRIANGULATE_DBT_THREADS"):
            settings.dbt_threads()


def test_dbt_is_given_the_memory_limit_and_threads_for_one_command_only(monkeypatch,
                                                                          tmp_path):
    from pipelines.defs.dbt.resources import active_profile

    monkeypatch.setenv("TRIANGULATE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    for name in ("TRIANGULATE_DUCKDB_MEMORY_LIMIT", "TRIANGULATE_DBT_THREADS"):
        monkeypatch.delenv(name, raising=False)
    with active_profile():
        assert os.environ["TRIANGULATE_DUCKDB_MEMORY_LIMIT"] == settings.duckdb_memory_limit()
        assert os.environ["TRIANGULATE_DBT_THREADS"] == str(settings.dbt_threads())
    assert "TRIANGULATE_DUCKDB_MEMORY_LIMIT" not in os.environ
    assert "TRIANGULATE_DBT_THREADS" not in os.environ
