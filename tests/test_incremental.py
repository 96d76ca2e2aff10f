"""The incremental nightly refresh publishes exactly what a refresh from an empty warehouse of
the same files does, step after step on one trust: nothing changed; the as-of date a day
later; then, on that day, a new day's incidents and FFT responses, a revised incident, a
deleted export file and a changed mapping together; a row a later day accepts and a new FFT
coder version, no file changed; a changed profile reference CSV (slow: a full dbt build
twice; by default the fingerprint that forces it is checked); and `refresh --full`.

Each step refreshes the trust's warehouse (which has seen the earlier files), sets its
published files and row accounting aside, then refreshes the same files into an empty
warehouse at the same place (the value_ref key beside it stays: it is the deployment's) and
compares every published table and `raw.rejected_rows` / `raw.loaded_files`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import Workspace, make_workspace

from pipelines.bench.__main__ import marts_differences
from pipelines.defs.dbt.selection import AS_OF_MACRO
from pipelines.lib.publishing import CASE_LEVEL, MARTS
from pipelines.refresh import run_refresh

# And the tables a nightly build changes in place, record by record (dbt macro
# changed_record), and the record ids the loader noted for them, which a build empties.
ACCOUNTING = ["raw.rejected_rows", "raw.flagged_rows", "raw.loaded_files", "raw.loaded_fields",
              "raw.loaded_row_keys", "raw.source_inventory", "coded.fft_comments",
              "intermediate.int_quality_records_unioned", "intermediate.int_signal_records",
              "intermediate.int_record_keyword_matches", "intermediate.int_record_codes_unioned",
              "intermediate.int_record_themes_mapped", "intermediate.int_theme_unit_records",
              "raw.shared_input_digests", "raw.changed_keys"]


@pytest.fixture(scope="module")
def trust(refreshed, tmp_path_factory):
    """A copy of the refreshed demo trust (exports, warehouse with its value_ref key, marts)
    with its own copy of the demo profile, the environment pointing at them."""
    from pipelines.lib import settings

    source, _ = refreshed
    workspace = make_workspace(tmp_path_factory.mktemp("incremental"))
    shutil.copytree(source.raw, workspace.raw)
    shutil.copytree(source.warehouse.parent, workspace.warehouse.parent)
    shutil.copytree(source.marts, workspace.marts)
    profile = workspace.root / "profile"
    shutil.copytree(settings.profile_dir(), profile)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in workspace.env().items():
            patch.setenv(name, value)
        patch.setenv("TRIANGULATE_PROFILE", str(profile))
        # A test moves the as-of date on a day: put back for the other modules.
        patch.setenv("TRIANGULATE_AS_OF_DATE", os.environ["TRIANGULATE_AS_OF_DATE"])
        yield workspace, profile


def refresh(full: bool = False):
    outcome = run_refresh(full=full)
    assert outcome.success, "\n".join(outcome.failures)
    return outcome


def refreshed_from_empty(workspace: Workspace) -> Path:
    """Set the incremental refresh's published files and warehouse aside, refresh the same
    files into an empty warehouse, and return where the incremental ones were put."""
    aside = workspace.root / "incremental"
    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir()
    shutil.copytree(workspace.marts, aside / "marts")
    shutil.move(workspace.warehouse, aside / "warehouse.duckdb")
    outcome = refresh()
    assert outcome.reloaded == sorted(p.name for p in workspace.raw.iterdir() if p.is_dir())
    assert outcome.incremental_summary.endswith("dbt build in full")
    return aside


def assert_identical(workspace: Workspace, aside: Path) -> None:
    for published in (MARTS.file, CASE_LEVEL.file):
        assert marts_differences(aside / "marts" / published,
                                 workspace.marts / published) == [], published
    assert marts_differences(aside / "warehouse.duckdb", workspace.warehouse,
                             tables=ACCOUNTING) == []


def themes_digest(warehouse: Path) -> str:
    """The digest of what every record's themes read besides its own rows (the coding quality
    and the narrative classifier), as int_record_themes_mapped was last built with: when it
    changes, every record's themes are worked out again, else only the changed records'."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select digest from raw.shared_input_digests "
                           "where model = 'int_record_themes_mapped'").fetchone()[0]
    finally:
        con.close()


def rewrite_csv(path: Path, change) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(change(rows))
    path.write_text(text.getvalue(), encoding="utf-8")


# A comment on a view's first column goes with the view when dbt makes the view again.
VIEW_MARK = "left as it is"


def mark_views(warehouse: Path, views: list[str]) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        for view in views:
            schema, name = view.split(".")
            column = con.execute(
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? and ordinal_position = 1", [schema, name]).fetchone()[0]
            con.execute(f"comment on column {view}.{column} is '{VIEW_MARK}'")
    finally:
        con.close()


def marked_views(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {f"{schema}.{name}" for schema, name in con.execute(
            "select schema_name, table_name from duckdb_columns() where comment = ?",
            [VIEW_MARK]).fetchall()}
    finally:
        con.close()


def test_nothing_changed_reads_nothing_builds_nothing_and_publishes_the_same(trust, refreshed):
    workspace, _ = trust
    outcome = refresh()
    assert outcome.incremental_summary == (
        "sources read: none (no file changed); dbt build not at all (nothing it reads changed)")
    source, _ = refreshed
    assert marts_differences(source.published, workspace.published) == []


def test_a_later_day_reads_no_file_and_rebuilds_only_the_models_that_read_the_day(trust):
    """The nightly run moves the as-of date on (the next test checks, on that later day, that
    the marts equal a refresh from an empty warehouse)."""
    import datetime as dt

    workspace, _ = trust
    day = dt.date.fromisoformat(os.environ["TRIANGULATE_AS_OF_DATE"]) + dt.timedelta(days=1)
    os.environ["TRIANGULATE_AS_OF_DATE"] = day.isoformat()  # put back by the trust fixture
    # A view whose SQL holds the as-of date is made again on a later day.
    mark_views(workspace.warehouse, ["intermediate.int_record_narratives"])

    outcome = refresh()

    assert outcome.reloaded == []
    assert outcome.incremental_summary.startswith(
        "sources read: none (no file changed); dbt build in part")
    assert workspace.query("select distinct as_of_date from complaints_performance") == [(day,)]
    assert marked_views(workspace.warehouse) == set()


def test_new_revised_and_deleted_files_and_a_changed_mapping_publish_as_a_full_refresh(trust):
    workspace, profile = trust
    raw = workspace.raw
    newest_incidents = sorted(raw.glob("incidents/incidents_*.csv"))[-1]
    newest_fft = sorted(raw.glob("fft/fft_*.csv"))[-1]
    # (a) A new day's files: incidents and FFT responses under new ids.
    for newest, name in ((newest_incidents, "incidents_new_day.csv"),
                         (newest_fft, "fft_new_day.csv")):
        shutil.copy(newest, newest.with_name(name))
        rewrite_csv(newest.with_name(name), lambda rows: [
            rows[0], *([f"N{row[0]}", *row[1:]] for row in rows[-5:])])
    # (b) A revised incident: a later export carries an existing incident, updated later and
    # with a different harm.
    header = newest_incidents.read_text(encoding="utf-8").splitlines()[0].split(",")
    updated, harm = header.index("Last Updated"), header.index("Physical Harm")

    def revised(rows):
        row = list(rows[1])
        # Updated on the as-of day: later than any export's, and a plausible date.
        row[updated] = f"{os.environ['TRIANGULATE_AS_OF_DATE']} 23:59:00"
        row[harm] = "Severe harm"
        return [rows[0], row]

    shutil.copy(newest_incidents, raw / "incidents" / "incidents_revised_later.csv")
    rewrite_csv(raw / "incidents" / "incidents_revised_later.csv", revised)
    # (f) Old incidents the narrative classifier learnt from, re-exported with new words: it
    # learns again, so every record's themes are worked out again, not only the changed ones.
    oldest_incidents = sorted(raw.glob("incidents/incidents_*.csv"))[0]
    description = header.index("Description")

    def reworded(rows):
        again = [list(row) for row in rows[1:21]]
        for number, row in enumerate(again):
            row[updated] = f"{os.environ['TRIANGULATE_AS_OF_DATE']} 23:59:00"
            row[description] = f"Patient found on the floor beside bed {number}, reworded"
        return [rows[0], *again]

    shutil.copy(oldest_incidents, raw / "incidents" / "incidents_reworded_later.csv")
    rewrite_csv(raw / "incidents" / "incidents_reworded_later.csv", reworded)
    # (c) A deleted export file: the oldest month of FFT responses.
    deleted = sorted(raw.glob("fft/fft_*.csv"))[0]
    deleted.unlink()
    # (e) A revised FFT comment in an export re-sent with it.
    revised_fft = sorted(raw.glob("fft/fft_*.csv"))[0]
    fft_header = revised_fft.read_text(encoding="utf-8").splitlines()[0].split(",")
    improve = fft_header.index("What could we do better?")

    def revised_comment(rows):
        row = next(r for r in rows[1:] if r[improve])
        row[improve] = "The car park charges are far too high"
        return rows

    rewrite_csv(revised_fft, revised_comment)
    # (d) A changed mapping: PALS concerns now read as formal complaints.
    mapping = profile / "mappings" / "complaints.yml"
    mapping.write_text(mapping.read_text().replace("PALS concern: pals",
                                                   "PALS concern: formal"))

    # Views downstream of the changed sources are in the build (their tests read the new rows)
    # but are not made again from the same SQL (dbt_project/macros/view_materialization.sql).
    views = ["staging.stg_fft__responses", "staging.stg_incidents__incident_revisions"]
    mark_views(workspace.warehouse, views)
    digest = themes_digest(workspace.warehouse)

    outcome = refresh()

    assert themes_digest(workspace.warehouse) != digest

    assert outcome.reloaded == ["complaints", "fft", "incidents"]
    assert "dbt build in part" in outcome.incremental_summary
    # The deleted file is a warning naming it (an independent probe deleted a month's file:
    # the month published with a twentieth of its records, and nothing said so).
    [gone] = [c for c in outcome.checks_failed if "files_as_long_as_last_loaded" in c]
    assert gone.startswith("raw/fft files_as_long_as_last_loaded (WARN): ")
    assert f"fft/{deleted.name} is gone (" in gone
    # The row checks say how many rows and where they are listed.
    assert any(re.fullmatch(r"raw/incidents rows_pass_warning_rules \(WARN\): [\d,]+ rows? "
                            r"loaded with a warning, listed in flagged_rows", c)
               for c in outcome.checks_failed), outcome.checks_failed
    assert any(re.fullmatch(r"raw/incidents rows_pass_rejection_rules \(WARN\): [\d,]+ rows? "
                            r"rejected, listed in rejected_rows", c)
               for c in outcome.checks_failed), outcome.checks_failed
    assert marked_views(workspace.warehouse) == set(views)
    # Only the changed FFT files' comments were read again: the new day's and the revised one's.
    coding = dg.DagsterInstance.get().get_latest_materialization_event(
        dg.AssetKey(["coded", "fft_comments"])).asset_materialization.metadata
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        [(changed,)] = con.execute(
            "select count(*) from raw.fft_responses where comment_improve is not null "
            "and _source_file in (?, ?)", ["fft/fft_new_day.csv", f"fft/{revised_fft.name}"]
        ).fetchall()
        # The revision is loaded, not rejected (read where the file keeps its name: the
        # published marts screen file names).
        assert con.execute(
            "select rows_read, rows_loaded, rows_rejected from raw.loaded_files where file = ?",
            ["incidents/incidents_revised_later.csv"]).fetchall() == [(1, 1, 0)]
    finally:
        con.close()
    assert coding["comments_read"].value == changed
    assert 1 <= coding["comments_coded"].value <= 6
    assert_identical(workspace, refreshed_from_empty(workspace))


def test_what_changes_with_no_file_changed_is_rebuilt_all_the_same(trust, monkeypatch):
    """Two changes a night can bring with every export file as it was, so every load's
    fingerprint too: a load read again on a later day accepts a row it rejected as dated in
    the future, and a new FFT coder codes every response again. The records they change are
    rebuilt all the same (an independent probe found the accepted incident missing from the
    tables kept per record for good, its noted id emptied by a build that rebuilt nothing)."""
    import datetime as dt

    from pipelines.defs.ingest import assets as ingest_assets
    from pipelines.lib import ingest, loading
    from pipelines.textcoding import fft_model

    workspace, _ = trust

    def on(day: dt.date) -> None:
        for module in (ingest_assets, ingest, loading):
            monkeypatch.setattr(module, "reference_day", lambda: day)

    day = dt.date.fromisoformat(os.environ["TRIANGULATE_AS_OF_DATE"])
    judged = workspace.raw / "incidents" / "incidents_judged.csv"
    shutil.copy(sorted(workspace.raw.glob("incidents/incidents_2*.csv"))[-1], judged)

    def updated_in_two_days(rows):
        updated = rows[0].index("Last Updated")
        row = [f"J{rows[1][0]}", *rows[1][1:]]
        row[updated] = f"{day + dt.timedelta(days=2)} 12:00:00"
        return [rows[0], row]

    rewrite_csv(judged, updated_in_two_days)
    on(day)
    refresh()

    def warehouse(sql: str) -> list[tuple]:
        con = duckdb.connect(str(workspace.warehouse), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    # (The published file name is screened: "judged" is no publishable word.)
    judged_rows = "select count(*) from raw.rejected_rows where file like '%judged%'"
    assert warehouse(judged_rows) == [(1,)]

    on(day + dt.timedelta(days=1))
    monkeypatch.setattr(fft_model, "model_version", lambda *_: "next-version")
    digest = themes_digest(workspace.warehouse)
    outcome = refresh()

    assert outcome.reloaded == ["incidents"]
    # The classifier and the coding quality as they were: only the changed records' themes
    # (every FFT response's, the accepted incident's) were worked out again.
    assert themes_digest(workspace.warehouse) == digest
    assert warehouse(judged_rows) == [(0,)]
    assert warehouse("select count(*) from intermediate.int_quality_records_unioned "
                     "where record_id like 'J%'") == [(1,)]
    assert warehouse("select distinct model_version from intermediate.int_record_codes_unioned "
                     "where source = 'fft'") == [("next-version",)]
    assert_identical(workspace, refreshed_from_empty(workspace))


def refresh_failing_once_built(monkeypatch) -> None:
    """A refresh whose dbt build fails after building every model it was to build (as it
    notes its success)."""
    from pipelines.defs.dbt import assets as dbt_assets
    from pipelines.lib.fingerprints import DBT_STEP

    store = dbt_assets.store

    def fail_on_success(con, step, *args):
        if step == DBT_STEP:
            raise RuntimeError("killed")
        store(con, step, *args)

    with monkeypatch.context() as patch:
        patch.setattr(dbt_assets, "store", fail_on_success)
        assert not run_refresh().success


def test_a_build_failed_on_a_later_day_is_not_published_on_the_day_before(trust, monkeypatch):
    """A build on a later as-of date rebuilds the models that read the date and fails after
    (here: as it notes its success). The next night, back on the last published day with no
    file changed, rebuilds them on that day (an independent probe found the failed night's
    date published)."""
    import datetime as dt

    workspace, _ = trust
    day = os.environ["TRIANGULATE_AS_OF_DATE"]
    later = dt.date.fromisoformat(day) + dt.timedelta(days=40)
    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", later.isoformat())
    refresh_failing_once_built(monkeypatch)
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        assert con.execute("select distinct as_of_date from marts.complaints_performance"
                           ).fetchall() == [(later,)]
    finally:
        con.close()

    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", day)
    outcome = refresh()

    assert outcome.reloaded == []
    assert outcome.incremental_summary.startswith(
        "sources read: none (no file changed); dbt build in part")
    for mart in ("complaints_performance", "source_freshness", "audit_programme"):
        assert workspace.query(f"select distinct as_of_date from {mart}") == [
            (dt.date.fromisoformat(day),)], mart
    assert "nothing it reads changed" in refresh().incremental_summary


def test_a_build_failed_under_changed_inputs_is_not_published_once_they_are_put_back(
        trust, monkeypatch):
    """A profile reference CSV is changed (a ward renamed), and the build under it fails after
    rebuilding every model; the CSV is put back. The next night rebuilds every model (an
    independent probe found the renamed ward published: the inputs fingerprint equalled the
    last successful build's, so nothing was rebuilt)."""
    workspace, profile = trust
    locations = profile / "reference" / "locations.csv"
    kept = locations.read_bytes()
    renamed = "select count(*) from theme_spc where unit_name = 'Renamed Ward'"
    assert workspace.query(renamed) == [(0,)]
    rewrite_csv(locations, lambda rows: [rows[0], [rows[1][0], "Renamed Ward", *rows[1][2:]],
                                         *rows[2:]])
    refresh_failing_once_built(monkeypatch)
    locations.write_bytes(kept)

    outcome = refresh()

    assert outcome.incremental_summary.endswith("dbt build in full")
    assert workspace.query(renamed) == [(0,)]


def test_every_dbt_input_outside_the_mappings_is_in_the_dbt_fingerprint(tmp_path):
    from pipelines.lib.fingerprints import dbt_inputs_fingerprint
    from pipelines.lib.settings import DEMO_PROFILE_DIR

    profile = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE_DIR, profile)
    key = tmp_path / "value_ref.key"
    key.write_text("k1\n")

    def fingerprint():
        return dbt_inputs_fingerprint(profile, profile / "mappings", key)

    first = fingerprint()
    mapping = profile / "mappings" / "complaints.yml"
    mapping.write_text(mapping.read_text() + "\n# the load's concern, not dbt's\n")
    assert fingerprint() == first
    changes = [(profile / "reference" / "location_aliases.csv", "Main ED,LOC-ED\n"),
               (profile / "profile.yml", "\n# vars or expected sources\n"), (key, "k2\n")]
    for path, added in changes:
        before = fingerprint()
        path.write_text(path.read_text() + added)
        assert fingerprint() != before, path.name


@pytest.mark.slow
def test_a_changed_reference_csv_rebuilds_every_model(trust):
    workspace, profile = trust
    aliases = profile / "reference" / "location_aliases.csv"
    aliases.write_text(aliases.read_text() + "Main ED,LOC-ED\n")

    outcome = refresh()

    assert outcome.incremental_summary == "sources read: none (no file changed); dbt build in full"
    assert_identical(workspace, refreshed_from_empty(workspace))


# A third refresh of the trust (~90 s): the build plan's answer to --full is checked by default
# (test_dbt_rebuilds_what_is_downstream_of_a_changed_load_and_everything_on_new_inputs).
@pytest.mark.slow
def test_refresh_full_reads_every_source_and_builds_every_model(trust):
    """And works out anew what the Python models keep between nights: a kept chart altered
    by hand is gone."""
    from pipelines.lib.warehouse import SPC_CHARTS

    workspace, _ = trust
    before = workspace.root / "before.duckdb"
    shutil.copy(workspace.published, before)
    con = duckdb.connect(str(workspace.warehouse))
    try:
        con.execute(f"update {SPC_CHARTS} set mean = -1")
    finally:
        con.close()

    outcome = refresh(full=True)

    assert outcome.reloaded == sorted(p.name for p in workspace.raw.iterdir() if p.is_dir())
    assert outcome.incremental_summary.endswith("dbt build in full")
    assert marts_differences(before, workspace.published) == []
    assert workspace.query("select count(*) from theme_spc where mean = -1") == [(0,)]


def _manifest() -> dict:
    """Two sources and the loader's accounting, each with a staging model, a mart of both, a
    model reading the as-of date, and tests."""
    def node(kind, name, parents=(), macros=()):
        return {"resource_type": kind, "fqn": ["triangulate", name],
                "depends_on": {"nodes": list(parents), "macros": list(macros)}}

    sources = {"source.triangulate.incidents.t": ("incidents", "t"),
               "source.triangulate.fft.t": ("fft", "t"),
               "source.triangulate.loader.loaded_files": ("loader", "loaded_files"),
               "source.triangulate.loader.source_inventory": ("loader", "source_inventory")}
    # A model may read the day through another macro (last_complete_month).
    month_macro = "macro.triangulate.last_complete_month"
    return {
        "sources": {uid: {"source_name": s, "name": n} for uid, (s, n) in sources.items()},
        "macros": {AS_OF_MACRO: {"depends_on": {"macros": []}},
                   month_macro: {"depends_on": {"macros": [AS_OF_MACRO]}}},
        "nodes": {"model.stg_incidents": node("model", "stg_incidents"),
                  "model.stg_fft": node("model", "stg_fft"),
                  "model.load_summary": node("model", "load_summary"),
                  "model.source_freshness": node("model", "source_freshness"),
                  "model.theme_counts": node("model", "theme_counts"),
                  "seed.themes": node("seed", "themes"),
                  "model.theme_names": node("model", "theme_names"),
                  "model.overdue": node("model", "overdue", macros=[AS_OF_MACRO]),
                  "model.charted_months": node("model", "charted_months",
                                               macros=[month_macro]),
                  "seed.units": node("seed", "units"),
                  "test.not_null_fft": node("test", "not_null_fft", ["model.stg_fft"]),
                  "test.unique_incidents": node("test", "unique_incidents",
                                                ["model.stg_incidents"]),
                  "test.known_theme": node("test", "known_theme",
                                           ["model.theme_counts", "seed.themes"])},
        "child_map": {"source.triangulate.incidents.t": ["model.stg_incidents"],
                      "source.triangulate.fft.t": ["model.stg_fft"],
                      "source.triangulate.loader.loaded_files": ["model.load_summary"],
                      "source.triangulate.loader.source_inventory": ["model.source_freshness"],
                      "model.stg_incidents": ["model.theme_counts", "test.unique_incidents"],
                      "model.stg_fft": ["model.theme_counts", "test.not_null_fft"],
                      "model.theme_counts": ["test.known_theme"],
                      "seed.themes": ["model.theme_counts", "model.theme_names",
                                      "test.known_theme"]},
    }


def test_dbt_rebuilds_what_is_downstream_of_a_changed_load_and_everything_on_new_inputs():
    from pipelines.defs.dbt.selection import plan_build, sources_with_changed_records

    day = {"as_of_date": "2026-10-31"}
    steps = {"load/incidents": "i1", "load/fft": "f2", "coded/fft_comments": "c1", **day}
    last = ("inputs", {"load/incidents": "i1", "load/fft": "f1", "coded/fft_comments": "c1",
                       **day})

    plan = plan_build(_manifest(), "inputs", steps, last, full=False)
    assert not plan.full and plan.changed_sources == ["fft", "loader"]
    # The mart of both sources is rebuilt; the other source's model and the seeds are not,
    # excluded as the ancestors of what nothing left reads.
    assert plan.kept == ["model.charted_months", "model.overdue", "model.stg_incidents",
                         "model.theme_names", "seed.themes", "seed.units"]
    assert plan.excluded == ["+fqn:triangulate.charted_months", "+fqn:triangulate.overdue",
                             "+fqn:triangulate.stg_incidents", "+fqn:triangulate.theme_names",
                             "+fqn:triangulate.units"]
    assert plan_build(_manifest(), "inputs", {**steps, "load/fft": "f1"}, last,
                      full=False).nothing
    # Records noted as changed (raw.changed_keys) rebuild their source's readers though every
    # fingerprint is the last build's: a load read again on a later day, or files put back as
    # they were after a build that failed half way.
    noted = sources_with_changed_records([("incidents", "incidents")])
    assert noted == {"incidents", "loader"}
    assert plan_build(_manifest(), "inputs", {**steps, "load/fft": "f1"}, last, full=False,
                      noted=noted).changed_sources == ["incidents", "loader"]
    assert sources_with_changed_records([("fft", "fft_comments")]) == {"coding"}
    # A step the last build did not see (a new source) counts as changed.
    assert plan_build(_manifest(), "inputs", {**steps, "load/fft": "f1", "load/sjr": "s1"},
                      last, full=False).changed_sources == ["loader", "sjr"]
    for other in (("other inputs", last[1]), None):
        assert plan_build(_manifest(), "inputs", steps, other, full=False).full
    assert plan_build(_manifest(), "inputs", steps, last, full=True).full


def test_a_later_as_of_date_rebuilds_the_models_that_read_it_and_an_earlier_one_everything():
    from pipelines.defs.dbt.selection import note_attempt, plan_build

    steps = {"load/incidents": "i1", "load/fft": "f1", "as_of_date": "2026-11-01"}
    last = ("inputs", {**steps, "as_of_date": "2026-10-31"})

    plan = plan_build(_manifest(), "inputs", steps, last, full=False)
    # The models reading the day (one through another macro) and the source inventory
    # (judged against it) are rebuilt.
    assert not plan.full and plan.changed_sources == ["loader"]
    built = {uid for uid, node in _manifest()["nodes"].items() if node["resource_type"] != "test"}
    day_readers = {"model.overdue", "model.charted_months", "model.source_freshness"}
    assert built - set(plan.kept) == day_readers
    assert plan_build(_manifest(), "inputs", steps, ("inputs", steps), full=False).nothing
    assert plan_build(_manifest(), "inputs", last[1], ("inputs", steps), full=False).full
    # A build since failed on another day: the models that read the date may be on that day.
    tried = note_attempt(None, "inputs", "2026-11-05")
    again = plan_build(_manifest(), "inputs", steps, ("inputs", steps), full=False,
                       attempted=note_attempt(tried, "inputs", steps["as_of_date"]))
    assert built - set(again.kept) == day_readers
    # Or under other inputs: any model may be as it built it.
    assert plan_build(_manifest(), "inputs", steps, ("inputs", steps), full=False,
                      attempted=note_attempt(None, "other inputs", "2026-11-01")).full
    assert plan_build(_manifest(), "inputs", steps, ("inputs", steps), full=False,
                      attempted=note_attempt(None, "inputs", "2026-11-01")).nothing


def test_a_partial_build_runs_the_tests_of_what_it_rebuilds_and_no_kept_model(tmp_path):
    """dbt's own selection of a nightly plan (a day of incidents and FFT): every test reading
    a rebuilt model runs, a relationships test to a seed left as it is included; nothing
    left is built, nor a test reading only what is left."""
    import json

    from conftest import run_dbt

    from pipelines.defs.dbt.resources import dbt_project
    from pipelines.defs.dbt.selection import NIGHTLY_EXCLUDES, plan_build

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    last = {"load/fft": "f1", "load/incidents": "i1", "coded/fft_comments": "c1",
            "load/sjr": "s1", "as_of_date": "2026-11-01"}
    plan = plan_build(manifest, "inputs", {**last, "load/fft": "f2", "load/incidents": "i2",
                                           "coded/fft_comments": "c2"}, ("inputs", last),
                      full=False)
    listed = run_dbt(
        ["ls", "--resource-type", "model", "--resource-type", "seed", "--resource-type", "test",
         "--output", "name", "-q", "--select", "fqn:*", "--exclude", "tag:ci_only",
         *NIGHTLY_EXCLUDES, *plan.dbt_args()], tmp_path, check=True).stdout.split()
    names = {manifest["nodes"][uid]["name"]: uid for uid in manifest["nodes"]}
    kept = {manifest["nodes"][uid]["name"] for uid in plan.kept}
    assert kept and not kept & set(listed)
    assert {"int_narrative_coding", "theme_counts"} <= set(listed)
    assert "relationships_theme_counts_location_id__location_id__ref_locations_" in listed
    assert "locations" in kept
    assert not [name for name in listed if name in names
                and manifest["nodes"][names[name]]["resource_type"] == "test"
                and set(manifest["nodes"][names[name]]["depends_on"]["nodes"])
                <= set(plan.kept)]


def test_a_sources_fingerprint_follows_its_files_and_its_mappings(tmp_path):
    from pipelines.lib.fingerprints import source_fingerprint
    from pipelines.lib.mapping import load_mappings
    from pipelines.lib.settings import DEMO_PROFILE_DIR

    mappings_dir = tmp_path / "mappings"
    shutil.copytree(DEMO_PROFILE_DIR / "mappings", mappings_dir)
    (tmp_path / "raw" / "sjr").mkdir(parents=True)
    export = tmp_path / "raw" / "sjr" / "sjr_reviews.csv"
    export.write_text("Review ID\nR1\n")

    def fingerprint():
        return source_fingerprint(tmp_path / "raw", load_mappings(mappings_dir), "sjr")

    first = fingerprint()
    assert fingerprint() == first
    export.write_text("Review ID\nR2\n")  # same size, other content
    assert fingerprint() != first
    second = fingerprint()
    other = mappings_dir / "complaints.yml"
    other.write_text(other.read_text() + "\n# another source's mapping\n")
    assert fingerprint() == second
    own = mappings_dir / "sjr.yml"
    own.write_text(own.read_text() + "\n# this source's mapping\n")
    assert fingerprint() != second
    third = fingerprint()
    export.unlink()
    assert fingerprint() != third
    # A file it cannot read stops the load naming it, as the loader would (a test run as
    # root reads a chmod 000 file, so the read itself fails here).
    export.write_text("Review ID\nR1\n")
    real_open = Path.open

    def refusing(path, *args, **kwargs):
        if path == export:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    from pipelines.lib.loading import BatchError

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "open", refusing)
        with pytest.raises(BatchError, match=r"sjr_reviews\.csv \(mapping .*sjr\.yml\): "
                                             r"cannot be read \(Permission denied\)"):
            fingerprint()


def test_a_load_holds_on_later_days_unless_the_day_could_judge_its_rows_otherwise(
        refreshed, tmp_path):
    import datetime as dt

    from pipelines.lib.fingerprints import load_still_current
    from pipelines.lib.ingest import judged_by_the_day, load_source
    from pipelines.lib.mapping import load_mappings
    from pipelines.lib.settings import DEMO_PROFILE_DIR

    mappings_dir = tmp_path / "mappings"
    shutil.copytree(DEMO_PROFILE_DIR / "mappings", mappings_dir)
    raw = tmp_path / "raw"
    shutil.copytree(refreshed[0].raw / "sjr", raw / "sjr")
    [export] = raw.glob("sjr/*.csv")
    rows = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8-sig"), newline="")))
    rewrite_csv(export, lambda rows: rows[:30])

    def judged() -> bool:
        mappings = load_mappings(mappings_dir)
        return judged_by_the_day(load_source(raw, mappings, "sjr"), mappings, "sjr")

    assert not judged()
    # A death dated next year is rejected today, and may be accepted on a later day.
    died = rows[0].index("Date of Death")
    rewrite_csv(export, lambda rows: [*rows, [
        f"01/01/{dt.date.today().year + 1}" if i == died else cell
        for i, cell in enumerate(rows[1])]])
    assert judged()
    rewrite_csv(export, lambda rows: rows[:-1])
    # A lower bound that moves with the day could reject tomorrow a date accepted today.
    mapping = mappings_dir / "sjr.yml"
    assert not judged_by_the_day([], load_mappings(mappings_dir), "sjr")
    mapping.write_text(mapping.read_text()
                       + "plausible_dates: {review_date: {earliest: today}}\n")
    assert judged_by_the_day([], load_mappings(mappings_dir), "sjr")

    day = dt.date(2026, 11, 1)
    later = day + dt.timedelta(days=1)
    kept = {"reference_day": day.isoformat(), "judged_by_the_day": False}
    assert load_still_current(kept, day) and load_still_current(kept, later)
    assert not load_still_current(kept, day - dt.timedelta(days=1))
    judged_daily = {**kept, "judged_by_the_day": True}
    assert load_still_current(judged_daily, day) and not load_still_current(judged_daily, later)
    assert not load_still_current(None, day) and not load_still_current({}, day)


def test_the_value_ref_key_is_drawn_once_private_and_carried_over_from_a_warehouse(tmp_path):
    import duckdb

    from pipelines.lib.value_ref_key import ensure_value_ref_key

    warehouse = tmp_path / "warehouse.duckdb"
    key = ensure_value_ref_key(tmp_path / "value_ref.key", warehouse)
    drawn = key.read_text()
    assert len(drawn.strip()) == 64 and key.stat().st_mode & 0o077 == 0
    assert ensure_value_ref_key(key, warehouse).read_text() == drawn

    # A warehouse from before the key moved out of it keeps its pointers.
    con = duckdb.connect(str(warehouse))
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_value_ref_key as select 'old-key' as ref_key")
    con.close()
    moved = ensure_value_ref_key(tmp_path / "moved.key", warehouse)
    assert moved.read_text() == "old-key\n"
