"""The optional activity input: its mapping and suite, and the rates theme_spc derives from it."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.demo.reference import load_reference
from pipelines.lib.ingest import load_source, write_source
from pipelines.lib.mapping import files_for_source, load_mappings, parse_mapping
from pipelines.lib.settings import DEMO_PROFILE_DIR, PROJECT_ROOT

SHIPPED = DEMO_PROFILE_DIR / "mappings" / "activity.yml"
HEADER = ("Month,Site,Division,Ward/Department,Occupied Bed Days,Admissions,Attendances\n")
# The activity_measures seed, as theme_spc applies it to a location's rate.
MEASURES = {row["location_type"]: row["measure"] for row in csv.DictReader(
    (PROJECT_ROOT / "dbt_project" / "seeds" / "activity_measures.csv").open())}
COLUMNS = {"occupied_bed_days": "Occupied Bed Days", "admissions": "Admissions",
           "attendances": "Attendances"}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "mappings").mkdir()
    shutil.copy(SHIPPED, tmp_path / "mappings" / "activity.yml")
    (tmp_path / "raw").mkdir()
    return tmp_path


def load(workspace: Path):
    [entity_load] = load_source(workspace / "raw", load_mappings(workspace / "mappings"),
                                "activity")
    return entity_load


def test_shipped_mapping_reads_the_demo_layout():
    mapping = parse_mapping(SHIPPED)
    assert mapping.entity.name == "activity_monthly"
    assert mapping.matches("activity/activity_monthly.csv")
    assert {"month", "location", *COLUMNS} <= set(mapping.columns)


def test_bad_activity_rows_are_rejected_with_file_row_column_and_reason(workspace):
    (workspace / "raw" / "activity").mkdir()
    (workspace / "raw" / "activity" / "a.csv").write_text(
        HEADER
        + "01/03/2025,NGH,Medicine,Ward 7B,\"1,512\",301,\n"  # row 2: fine (thousands sep)
        + "15/03/2025,NGH,Medicine,Ward 8,700,,\n"  # row 3: any day of the month is fine
        + "01/03/2025,NGH,Medicine,,700,120,\n"  # row 4: no location
        + ",NGH,Medicine,Ward 6,700,120,\n"  # row 5: no month
        + "01/03/2025,NGH,Medicine,Ward 10,-4,120,\n"  # row 6: negative bed days
        + "01/03/2025,NGH,ED,Emergency Department,,,6000.5\n"  # row 7: not whole
        # Row 8: past 32 bits, a typing slip (it stopped the whole night: a probe found it).
        + "01/04/2025,NGH,ED,Emergency Department,,,99999999999\n")
    result = load(workspace)
    rejected = {r["row_number"]: r for r in result.rejected.iter_rows(named=True)}
    assert sorted(rejected) == [4, 5, 6, 7, 8]
    assert rejected[8]["reason"] == ("attendances is not a whole number up to 2,147,483,647 "
                                     "(the cell reads ###########)")
    assert {r["file"] for r in rejected.values()} == {"activity/a.csv"}
    assert rejected[4]["column_name"] == "location"
    assert rejected[4]["reason"] == "location is blank but required"
    assert rejected[5]["column_name"] == "month"
    assert rejected[5]["reason"] == "month is blank but required"
    assert rejected[6]["column_name"] == "occupied_bed_days"
    assert rejected[6]["reason"] == "occupied_bed_days is below the minimum 0 (the cell reads -#)"
    assert rejected[7]["column_name"] == "attendances"
    assert "is not a whole number" in rejected[7]["reason"]
    loaded = result.loaded.sort("location")
    assert loaded["location"].to_list() == ["Ward 7B", "Ward 8"]
    assert loaded["occupied_bed_days"].to_list() == [1512, 700]
    assert loaded["month"].to_list() == [dt.date(2025, 3, 1), dt.date(2025, 3, 15)]


def test_without_activity_files_the_source_loads_empty(workspace):
    mappings = load_mappings(workspace / "mappings")
    assert files_for_source(workspace / "raw", mappings, "activity") == []
    [result] = load_source(workspace / "raw", mappings, "activity")
    assert result.rows_read == 0
    con = duckdb.connect(str(workspace / "warehouse.duckdb"))
    try:
        write_source(con, "activity", [result])
        assert con.execute("select count(*) from raw.activity_monthly").fetchone() == (0,)
    finally:
        con.close()


def _activity(workspace) -> dict[tuple[str, dt.date], dict[str, str]]:
    path = workspace.raw / "activity" / "activity_monthly.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["Ward/Department"], dt.datetime.strptime(row["Month"], "%d/%m/%Y").date()):
                row for row in csv.DictReader(handle)}


def test_location_rate_is_records_per_1000_of_the_generated_activity(refreshed):
    workspace, _ = refreshed
    activity = _activity(workspace)
    ref = load_reference()
    rows = workspace.query(
        "select unit_id, month, record_count, denominator, rate, rate_unit from theme_spc "
        "where unit_level = 'location' and source = 'all' and record_count > 0 "
        "order by record_count desc, unit_id, month, theme_id limit 20")
    assert rows
    for location_id, month, count, denominator, rate, unit in rows:
        location = ref.location(location_id)
        measure = MEASURES.get(location.location_type, "admissions")
        figure = activity[(location.name, month)][COLUMNS[measure]]
        if not figure:
            assert rate is None and denominator is None
            continue
        assert denominator == int(figure)
        assert rate == pytest.approx(count / int(figure) * 1000)
        assert unit == f"per 1,000 {measure.replace('_', ' ')}"


def test_trust_rate_is_per_1000_bed_days_of_every_bedded_location(refreshed):
    workspace, _ = refreshed
    activity = _activity(workspace)
    ref = load_reference()
    bedded = [loc.name for loc in ref.locations
              if MEASURES.get(loc.location_type) == "occupied_bed_days"]
    month, count, denominator, rate, unit = workspace.query(
        "select month, record_count, denominator, rate, rate_unit from theme_spc "
        "where unit_level = 'trust' and source = 'all' and record_count > 0 "
        "order by month desc, theme_id limit 1")[0]
    bed_days = sum(int(activity[(name, month)]["Occupied Bed Days"]) for name in bedded)
    assert (denominator, unit) == (bed_days, "per 1,000 occupied bed days")
    assert rate == pytest.approx(count / bed_days * 1000)


def test_rate_charts_only_where_every_month_has_a_denominator(refreshed):
    workspace, _ = refreshed
    assert workspace.query(
        "select count(*) from theme_spc where rate_mean is not null and rate is null")[0] == (0,)
    assert workspace.query(
        "select count(*) from theme_spc where rate_point_type is not null")[0][0] > 0
