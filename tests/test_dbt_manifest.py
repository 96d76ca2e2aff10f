"""The refresh re-parses the dbt project only when one of its files changed since the manifest
was written; what dbt writes itself (target/, logs/) never counts."""

from __future__ import annotations

import os

from pipelines.refresh import project_changed_since


def _project(tmp_path):
    (tmp_path / "models" / "marts").mkdir(parents=True)
    (tmp_path / "models" / "marts" / "theme_counts.sql").write_text("select 1")
    (tmp_path / "target" / "build-abc").mkdir(parents=True)
    manifest = tmp_path / "target" / "manifest.json"
    manifest.write_text("{}")
    os.utime(tmp_path / "models" / "marts" / "theme_counts.sql", (1, 1))
    return manifest


def test_a_changed_model_or_a_missing_manifest_means_a_parse(tmp_path):
    manifest = _project(tmp_path)
    assert not project_changed_since(tmp_path, manifest)

    (tmp_path / "models" / "marts" / "theme_counts.sql").write_text("select 2")
    assert project_changed_since(tmp_path, manifest)

    manifest.unlink()
    assert project_changed_since(tmp_path, manifest)


def test_files_dbt_writes_do_not(tmp_path):
    manifest = _project(tmp_path)
    (tmp_path / "target" / "build-abc" / "run_results.json").write_text("{}")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "dbt.log").write_text("log")

    assert not project_changed_since(tmp_path, manifest)
