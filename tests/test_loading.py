"""Reading exports through mappings: encodings, workbooks, quarantine and batch failures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
import random
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib import ingest
from pipelines.lib.canonical import SOURCES
from pipelines.lib.ingest import load_source, write_source
from pipelines.lib.load_cache import LoadCache
from pipelines.lib.loading import BatchError, _has_blank_line
from pipelines.lib.mapping import MappingError, load_mappings, parse_mapping
from pipelines.lib.settings import DEMO_PROFILE_DIR
from pipelines.lib.warehouse import forget_changed_keys

MAPPING = """
source: incidents
files: ["incidents/*.csv", "incidents/*.xlsx"]
date_format: "%d/%m/%Y"
nulls: ["Did not answer"]
columns:
  incident_id: Ref
  occurred_date: Date of incident
  physical_harm: Harm
  location: Ward
  is_never_event: Never event
  description: Description
values:
  physical_harm:
    No harm: none
    Low harm: low
    Moderate harm: moderate
"""
HEADER = "Ref,Date of incident,Harm,Ward,Never event,Description\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "incidents.yml").write_text(MAPPING)
    (tmp_path / "raw" / "incidents").mkdir(parents=True)
    return tmp_path


def write(workspace: Path, name: str, body: str, encoding: str = "utf-8") -> Path:
    path = workspace / "raw" / "incidents" / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def load(workspace: Path):
    [entity_load] = load_source(workspace / "raw", load_mappings(workspace / "mappings"),
                                "incidents")
    return entity_load


@pytest.mark.parametrize(("text", "blank"), [
    ("a,b\n1,2\n", False),
    ("\na,b\n1,2\n", True),  # the first line
    ("\r\na,b\r\n1,2\r\n", True),
    ("a,b\n\n1,2\n", True),
    ("a,b\r\n\r\n1,2\r\n", True),
    ('a,b\n1,"one\n\ntwo"\n', False),  # a paragraph break inside a quoted cell
    ('a,b\n1,"say ""hi""\n\nthen"\n', False),  # ... after doubled quotes
    ('a,b\n1,"one\n\ntwo"\n\n2,x\n', True),  # a blank line after the cell closes
    ("a,b\n1,2\n\n", True),  # trailing
])
def test_a_blank_line_is_found_only_outside_quoted_cells(text, blank):
    assert _has_blank_line(text) is blank


def test_lines_are_split_as_splitlines_splits_them_however_the_text_is_chunked():
    """The header is found without splitting the whole file; the lines read are those
    `str.splitlines` gives, even where a chunk ends inside a CRLF or a long line."""
    from pipelines.lib.loading import _lines

    rng = random.Random(7)
    pieces = ["a", "bc", ",", "\n", "\r", "\r\n", "\x0b", "\u2028", " ", '"']
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        for chunk in (1, 2, 5, 64):
            assert list(_lines(text, chunk)) == text.splitlines(), (text, chunk)


def test_values_are_coerced_to_canonical_types_and_codes(workspace):
    write(workspace, "a.csv", "INC1,03/02/2025,Low harm,Ward 7B,N,Slipped in bay\n"
                              "INC2,04/02/2025,no harm,W7B,Y,Did not answer\n")
    loaded = load(workspace).loaded.sort("incident_id")
    assert loaded["physical_harm"].to_list() == ["low", "none"]
    assert loaded["occurred_date"].cast(pl.String).to_list() == ["2025-02-03", "2025-02-04"]
    assert loaded["is_never_event"].to_list() == [False, True]
    assert loaded["description"].to_list() == ["Slipped in bay", None]
    assert loaded["_source_file"].to_list() == ["incidents/a.csv"] * 2
    assert loaded["_source_row"].to_list() == [2, 3]


def test_rows_typed_again_the_thorough_way_keep_their_place_and_values(workspace):
    """Rows the quick pass fails (a date in another accepted format, a bad date, an
    implausible one, a bad flag) are typed again apart from the rest; the file's rows keep
    their order and each gets the value or reason the thorough pass alone would give."""
    write(workspace, "a.csv", "INC1,03/02/2025,Low harm,W1,N,a\n"
                              "INC2,2025-02-04,Low harm,W1,N,ISO date\n"
                              "INC3,05/02/2025 14:30,Low harm,W1,N,with its time\n"
                              "INC4,31/02/2025,Low harm,W1,N,no such day\n"
                              "INC5,06/02/2025,Low harm,W1,maybe,bad flag\n"
                              "INC6,07/02/1850,Low harm,W1,N,implausible\n"
                              "INC7,08/02/2025,Low harm,W1,Y,b\n")
    result = load(workspace)
    loaded = result.loaded
    assert loaded["incident_id"].to_list() == ["INC1", "INC2", "INC3", "INC7"]
    assert loaded["occurred_date"].cast(pl.String).to_list() == [
        "2025-02-03", "2025-02-04", "2025-02-05", "2025-02-08"]
    assert loaded["_source_row"].to_list() == [2, 3, 4, 8]
    reasons = {r["row_number"]: (r["column_name"], r["reason"])
               for r in result.rejected.iter_rows(named=True)}
    assert sorted(reasons) == [5, 6, 7]
    assert reasons[5][1].endswith("but no such day exists (a 31st in a 30-day month, 29 "
                                  "February outside a leap year?)")
    assert reasons[6] == ("is_never_event", "is_never_event is not a yes/no value (add it to "
                          "true_values/false_values) (the cell reads aaaaa)")
    assert reasons[7][0] == "occurred_date" and "outside the plausible range" in reasons[7][1]


def test_windows_1252_file_loads_with_its_characters(workspace):
    write(workspace, "legacy.csv", "INC9,01/03/2025,No harm,Café ward,N,Patient’s fall £\n",
          encoding="windows-1252")
    result = load(workspace)
    assert result.loaded["location"].to_list() == ["Café ward"]
    assert result.loaded["description"].to_list() == ["Patient’s fall £"]
    assert result.files["encoding"].to_list() == ["windows-1252"]


def test_xlsx_workbook_loads(workspace):
    frame = pl.DataFrame({
        "Ref": ["X1", "X2"], "Date of incident": ["05/01/2025", "06/01/2025"],
        "Harm": ["Moderate harm", "No harm"], "Ward": ["Ward 12", "ED"],
        "Never event": ["N", "N"], "Description": ["Medication omitted", "Delay"],
    })
    frame.write_excel(workspace / "raw" / "incidents" / "export.xlsx")
    loaded = load(workspace).loaded
    assert loaded.sort("incident_id")["physical_harm"].to_list() == ["moderate", "none"]


def test_a_spreadsheet_error_in_a_read_column_rejects_its_row_instead_of_reading_blank(
        workspace):
    """fastexcel reads #REF! as an empty cell: a broken formula would load as 'not recorded'.
    A title row and an empty first column shift the used range; an error in a column the
    mapping leaves unread costs nothing."""
    import openpyxl  # writes "#REF!" as an error cell, as Excel stores one

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Incident listing"])
    sheet.append([None, *HEADER.strip().split(","), "Days open"])
    sheet.append([None, "X1", "05/01/2025", "#REF!", "Ward 12", "N", "Omitted", "#DIV/0!"])
    sheet.append([None, "X2", "06/01/2025", "No harm", "#N/A", "N", "Delay", "#DIV/0!"])
    sheet.append([None, "X3", "07/01/2025", "No harm", "ED", "N", "Fall", "#DIV/0!"])
    book.save(workspace / "raw" / "incidents" / "export.xlsx")
    (workspace / "mappings" / "incidents.yml").write_text(
        MAPPING + "header_row: 2\n")
    result = load(workspace)
    assert result.loaded["incident_id"].to_list() == ["X3"]
    rejected = {r["row_number"]: r["reason"] for r in result.rejected.iter_rows(named=True)}
    assert rejected == {
        3: "Harm holds the spreadsheet error #REF! (a formula that no longer works): "
           "correct it in the workbook",
        4: "Ward holds the spreadsheet error #N/A (a formula that no longer works): "
           "correct it in the workbook"}


def test_excel_text_forcing_and_invisible_characters_are_not_part_of_a_value(workspace):
    """Excel writes an id it must keep as text as ="00012"; a zero-width space pasted
    before an id makes it look the same and compare different (two records, no conflict)."""
    write(workspace, "a.csv",
          '"=""00012""",01/03/2025,No harm,Ward 7,N,x\n'
          "\u200bINC2,01/03/2025,No harm,Ward 7,N,first\n"
          "INC2,01/03/2025,Low harm,Ward 7,N,second\n")
    result = load(workspace)
    assert result.loaded["incident_id"].to_list() == ["00012"]
    assert sorted(result.rejected["row_number"].to_list()) == [3, 4]  # one id, two contents


def test_a_file_written_month_first_stops_the_batch(workspace):
    """3-5 October and 25 October written by a computer set to US dates: only 25 October
    names no day read day first, and no date reads only day first, so the other three would
    load as 10 March, April and May (an independent probe). Beside a date read only day
    first, one month-first date is that row's slip alone; a file whose every day is 12 or
    under tells nothing, and loads as the mapping says."""
    us = write(workspace, "us.csv", "U1,10/03/2025,No harm,Ward 7,N,x\n"
                                    "U2,10/04/2025,No harm,Ward 7,N,x\n"
                                    "U3,10/25/2025,No harm,Ward 7,N,x\n"
                                    "U4,10/05/2025,No harm,Ward 7,N,x\n")
    with pytest.raises(BatchError) as stopped:
        load(workspace)
    assert str(us) in str(stopped.value)
    assert ("occurred_date is written month first: in row 4 it names no day read as "
            "%d/%m/%Y but reads as a date month first, and none of its dates reads only day "
            "first") in str(stopped.value)
    us.unlink()
    write(workspace, "uk.csv", "K1,25/04/2025,No harm,Ward 7,N,x\n"
                               "K2,04/25/2025,No harm,Ward 7,N,x\n"
                               "K3,03/04/2025,No harm,Ward 7,N,x\n")
    result = load(workspace)
    assert result.loaded["incident_id"].to_list() == ["K1", "K3"]
    assert result.loaded["occurred_date"].cast(pl.String).to_list() == ["2025-04-25",
                                                                        "2025-04-03"]
    [(row, reason)] = result.rejected.select("row_number", "reason").rows()
    assert row == 3 and reason.endswith("read month first it is a date: an export from a "
                                        "computer set to US dates?")
    (workspace / "raw" / "incidents" / "uk.csv").unlink()
    write(workspace, "early.csv", "E1,10/03/2025,No harm,Ward 7,N,x\n"
                                  "E2,10/04/2025,No harm,Ward 7,N,x\n")
    result = load(workspace)
    assert result.loaded["occurred_date"].cast(pl.String).to_list() == ["2025-03-10",
                                                                        "2025-04-10"]
    assert result.rejected.is_empty()


# The Datix/DCIQ dialect's header, as the shipped Datix mapping reads it.
DATIX_HEADER = ("inc_ourref,inc_dincident,inc_dreported,inc_type,inc_unit,inc_directorate,"
                "inc_specialty,inc_locactual,inc_category,inc_subcategory,inc_severity,"
                "inc_notes,inc_never_event,inc_mha,updateddate\n")


def test_a_datix_export_written_month_first_with_times_stops_the_batch(tmp_path):
    """A US-locale Datix export writes its incident date with a time ("10/03/2025 00:00:00"):
    read by the timestamp format, not the date column's own, 3 October and 5 November loaded
    as 10 March and 11 May, and 25 October was rejected without the US hint (a probe)."""
    folder = tmp_path / "incidents"
    folder.mkdir()
    (folder / "datix_export_2025.csv").write_text(
        DATIX_HEADER
        + "".join(f"W{i},{day} 00:00:00,,Incident,NGH,Medicine,General Medicine,Ward 7,Falls,"
                  "Slip,No Harm,x,N,N,11/12/2025 09:00:00\n"
                  for i, day in enumerate(["10/03/2025", "11/05/2025", "10/25/2025"])))
    mapping = parse_mapping(DEMO_PROFILE_DIR / "mappings" / "incidents_datix.yml")
    with pytest.raises(BatchError) as stopped:
        load_source(tmp_path, [mapping], "incidents")
    assert ("occurred_date is written month first: in row 4 it names no day read as "
            "%d/%m/%Y but reads as a date month first") in str(stopped.value)


def test_a_date_time_column_of_us_dates_without_times_stops_the_batch(workspace):
    """Date-only US values in a date-time column (the one that decides which revision of a
    record wins) are read by the date format: 4 March loaded as 3 April, and 26 March was
    rejected alone (a probe)."""
    (workspace / "mappings" / "incidents.yml").write_text(MAPPING.replace(
        "  description: Description\n", "  description: Description\n  updated_at: Saved\n"))
    path = workspace / "raw" / "incidents" / "a.csv"
    path.write_text(HEADER.replace("\n", ",Saved\n")
                    + "A,25/03/2025,No harm,Ward 7,N,x,03/04/2025\n"
                    + "B,26/03/2025,No harm,Ward 7,N,x,03/26/2025\n")
    with pytest.raises(BatchError) as stopped:
        load(workspace)
    assert ("updated_at is written month first: in row 3 it names no day read as "
            "%d/%m/%Y %H:%M but reads as a date month first") in str(stopped.value)


def test_a_month_first_exporters_dates_joined_to_a_day_first_file_are_all_rejected(workspace):
    """Two exporters in one file (as a real FFT file: 181 unpadded M/D/YYYY dates among 3,311
    padded DD/MM/YYYY): the month-first dates were rejected as slips and the same exporter's
    early-month ones (3/4/2025) loaded swapped (a probe). Every date written as no date read
    only day first is ("3/4/2025" beside "25/03/2025") is now rejected, and the rest loads;
    a couple of typos are only their own rows; many month-first dates written as the
    day-first ones are cannot be told apart and stop the batch."""
    uk = [f"K{day},{day:02d}/03/2025,No harm,Ward 7,N,x\n" for day in range(13, 29)]
    us = [f"U{day},3/{day}/2025,No harm,Ward 7,N,x\n" for day in range(13, 29)]
    mixed = write(workspace, "mixed.csv", "".join(uk + us) + "A1,3/4/2025,No harm,Ward 7,N,x\n"
                                                             "A2,04/03/2025,No harm,Ward 7,N,x\n")
    result = load(workspace)
    assert result.loaded["incident_id"].to_list() == [f"K{day}" for day in range(13, 29)] + ["A2"]
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True))
    assert sorted(reasons) == list(range(18, 35))
    assert reasons[34] == ("occurred_date is written as this file's dates read only month first"
                           " are (the cell reads #/#/####): it cannot be told which of day and "
                           "month comes first")
    mixed.unlink()
    many_uk = [f"K{i},{day:02d}/0{month}/2025,No harm,Ward 7,N,x\n"
               for i, (day, month) in enumerate(itertools.product(range(13, 29), range(1, 8)))]
    write(workspace, "typos.csv", "".join(many_uk) + "T1,03/25/2025,No harm,Ward 7,N,x\n"
                                                     "T2,3/26/2025,No harm,Ward 7,N,x\n")
    result = load(workspace)
    assert result.loaded.height == len(many_uk)
    assert sorted(result.rejected["row_number"].to_list()) == [len(many_uk) + 2, len(many_uk) + 3]
    write(workspace, "typos.csv", "".join(many_uk) + "".join(
        f"T{day},03/{day}/2025,No harm,Ward 7,N,x\n" for day in range(13, 29)))
    with pytest.raises(BatchError, match="16 of its 128 dates, written as its day-first ones "
                                         "are\\), too many to be slips"):
        load(workspace)


def test_a_file_written_day_first_for_a_month_first_mapping_stops_the_batch(workspace):
    """The mirror: a mapping reading US dates fed a UK export loaded 3 October as 10 March
    and rejected 25 October as naming no day (a probe). A slip among US dates is rejected
    with the UK hint."""
    (workspace / "mappings" / "incidents.yml").write_text(
        MAPPING.replace('"%d/%m/%Y"', '"%m/%d/%Y"'))
    uk = write(workspace, "uk.csv", "K1,03/10/2025,No harm,Ward 7,N,x\n"
                                    "K2,25/10/2025,No harm,Ward 7,N,x\n")
    with pytest.raises(BatchError) as stopped:
        load(workspace)
    assert ("occurred_date is written day first: in row 3 it names no day read as %m/%d/%Y "
            "but reads as a date day first, and none of its dates reads only month first"
            ) in str(stopped.value)
    uk.unlink()
    write(workspace, "us.csv", "U1,10/25/2025,No harm,Ward 7,N,x\n"
                               "U2,25/10/2025,No harm,Ward 7,N,x\n")
    result = load(workspace)
    assert result.loaded["incident_id"].to_list() == ["U1"]
    [(row, reason)] = result.rejected.select("row_number", "reason").rows()
    assert row == 3 and reason.endswith("read day first it is a date: an export from a "
                                        "computer set to UK dates?")


def test_dates_written_with_a_12_hour_clock_load_in_the_mappings_order(workspace):
    """"03/04/2024 2:30 PM" and "03/04/2024 02:30:15 pm" were rejected as not dates in a
    date column and a date-time one alike. They load, day first as the mapping says (3 April),
    with their time where the column keeps it (12:30 AM is half past midnight); an hour past
    12 with PM is still no date."""
    (workspace / "mappings" / "incidents.yml").write_text(MAPPING.replace(
        "  description: Description\n", "  description: Description\n  updated_at: Saved\n"))
    (workspace / "raw" / "incidents" / "a.csv").write_text(
        HEADER.replace("\n", ",Saved\n")
        + "A,03/04/2024 2:30 PM,No harm,Ward 7,N,x,03/04/2024 2:30 PM\n"
        + "B,03/04/2024 02:30:15 pm,No harm,Ward 7,N,x,25/04/2024 12:30:15 am\n"
        + "C,25/04/2024,No harm,Ward 7,N,x,25/04/2024 12:05 PM\n"
        + "D,03/04/2024 13:30 PM,No harm,Ward 7,N,x,25/04/2024 09:00\n")
    result = load(workspace)
    loaded = result.loaded.sort("incident_id")
    assert loaded["occurred_date"].cast(pl.String).to_list() == [
        "2024-04-03", "2024-04-03", "2024-04-25"]
    assert list(map(str, loaded["updated_at"])) == [
        "2024-04-03 14:30:00", "2024-04-25 00:30:15", "2024-04-25 12:05:00"]
    [(row, reason)] = result.rejected.select("row_number", "reason").rows()
    assert row == 5 and reason.startswith("occurred_date is not a date in the format %d/%m/%Y")


def test_12_hour_dates_written_month_first_stop_the_batch_or_load_for_a_month_first_mapping(
        workspace):
    """The month-first guard judges 12-hour date-times as the others: a US export
    ("10/25/2025 9:00 am") stops the batch, and a month-first mapping reads it."""
    body = ("U1,10/03/2025 2:30 PM,No harm,Ward 7,N,x\n"
            "U2,10/25/2025 9:00 am,No harm,Ward 7,N,x\n")
    write(workspace, "us.csv", body)
    with pytest.raises(BatchError, match="occurred_date is written month first: in row 3"):
        load(workspace)
    (workspace / "mappings" / "incidents.yml").write_text(MAPPING.replace(
        'date_format: "%d/%m/%Y"',
        'date_format: "%m/%d/%Y"\ntimestamp_format: "%m/%d/%Y %H:%M"'))
    assert load(workspace).loaded["occurred_date"].cast(pl.String).to_list() == [
        "2025-10-03", "2025-10-25"]


@pytest.mark.parametrize("end", [b"\r\n\x1a", b"\n\x1a\x1a", b"\x1a"],
                         ids=["after the last line", "twice", "ending the last line"])
def test_a_dos_end_of_file_marker_is_not_a_row(workspace, end):
    """Old Windows exporters end a file with Ctrl-Z: read as a row of one field, it stopped
    the batch as a file cut short. Inside the file it is still a character of its cell."""
    path = workspace / "raw" / "incidents" / "a.csv"
    path.write_bytes(HEADER.encode() + b"A,03/04/2024,No harm,Ward 7,N,x\x1ay\r\n"
                     b"B,04/04/2024,No harm,Ward 7,N,x" + end)
    result = load(workspace)
    assert result.rows_read == 2 and result.rejected.is_empty()
    assert result.loaded.sort("incident_id")["description"].to_list() == ["x\x1ay", "x"]


def test_a_workbook_reads_as_its_sheet_shows_it(workspace):
    """A percentage cell stores a fraction (85% as 0.85), a merged range holds its value in
    its first cell only, and a formula never calculated holds no result: fastexcel reads
    0.85, blanks and a blank. A target of 85% is not 0.85%, a ward merged over three rows
    is the ward of all three, and an uncalculated date is not a missing one."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["X1", "05/01/2025", "No harm", "Ward 12", "N", 0.85])
    sheet["F2"].number_format = "0%"
    sheet.append(["X2", "06/01/2025", "No harm", None, "N", "Delay"])
    sheet.append(["X3", "07/01/2025", "No harm", None, "N", "Fall"])
    sheet.merge_cells("D2:D4")
    sheet.append(["X4", "=B4+1", "No harm", "ED", "N", "Fall"])  # saved without its result
    book.save(workspace / "raw" / "incidents" / "export.xlsx")
    result = load(workspace)
    loaded = {r["incident_id"]: r for r in result.loaded.iter_rows(named=True)}
    assert loaded["X1"]["description"] == "85%"
    assert [loaded[i]["location"] for i in ("X1", "X2", "X3")] == ["Ward 12"] * 3
    assert result.rejected.select("row_number", "reason").rows() == [
        (5, "Date of incident holds a formula whose result was never saved: correct it in "
            "the workbook")]


def test_bad_rows_are_quarantined_with_file_row_column_and_reason(workspace):
    write(workspace, "a.csv",
          "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n"
          "INC2,31/02/2025,Low harm,Ward 7B,N,bad date\n"
          "INC3,03/02/2025,Moderat,Ward 7B,N,unknown harm\n"
          ",03/02/2025,Low harm,Ward 7B,N,no id\n"
          "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n")
    result = load(workspace)
    rejected = {r["row_number"]: r for r in result.rejected.iter_rows(named=True)}
    assert sorted(rejected) == [3, 4, 5, 6]
    assert rejected[3]["column_name"] == "occurred_date"
    assert rejected[3]["reason"] == ("occurred_date is not a date in the format %d/%m/%Y "
                                     "(the cell reads ##/##/####); it has the format's "
                                     "shape, but no such day exists (a 31st in a 30-day "
                                     "month, 29 February outside a leap year?)")
    assert rejected[4]["column_name"] == "physical_harm"
    assert rejected[4]["reason"].startswith(
        "physical_harm is not a known value (the cell reads Aaaaaaa; expected one of none, ")
    # Reasons are published: they give a cell's shape, never its value.
    assert not any("31/02/2025" in r["reason"] or "Moderat" in r["reason"]
                   for r in rejected.values())
    assert rejected[5]["reason"] == "incident_id is blank but required"
    assert rejected[6]["reason"] == "exact duplicate of incidents/a.csv row 2"
    # The row as exported is kept, so nothing is lost.
    assert json.loads(rejected[4]["record"])["Harm"] == "Moderat"
    assert result.loaded["incident_id"].to_list() == ["INC1"]
    [accounting] = result.files.iter_rows(named=True)
    assert (accounting["rows_read"], accounting["rows_loaded"], accounting["rows_rejected"]) == (
        5, 1, 4)


def test_a_row_a_warning_rule_flags_loads_and_is_listed_where_it_sits(workspace, tmp_path):
    (workspace / "mappings" / "incidents.yml").write_text(MAPPING.replace(
        "  occurred_date: Date of incident\n",
        "  occurred_date: Date of incident\n  reported_date: Reported\n"))
    (workspace / "raw" / "incidents" / "a.csv").write_text(
        "Ref,Date of incident,Reported,Harm,Ward,Never event,Description\n"
        "INC1,03/02/2025,04/02/2025,Low harm,Ward 7B,N,ok\n"
        "INC2,03/02/2025,01/02/2025,Low harm,Ward 7B,N,reported before it occurred\n"
        "INC3,03/02/2025,01/02/2025,Moderat,Ward 7B,N,rejected: not listed as flagged\n")
    cache = LoadCache(tmp_path / "load_cache", dt.date(2026, 12, 3))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    flagged = [("incidents", "incidents/a.csv", 3, "reported_date",
                "reported_date is before occurred_date", "incidents.yml")]
    for _ in range(2):  # read, then kept in the load cache
        [result] = load_source(workspace / "raw", load_mappings(workspace / "mappings"),
                               "incidents", cache)
        assert result.loaded["incident_id"].to_list() == ["INC1", "INC2"]
        assert result.rejected["row_number"].to_list() == [4]
        write_source(con, "incidents", [result])
        assert con.sql("select source, file, row_number, column_name, reason, mapping "
                       "from raw.flagged_rows").fetchall() == flagged


def test_missing_mapped_columns_fail_the_batch_naming_file_and_mapping(workspace):
    path = workspace / "raw" / "incidents" / "broken.csv"
    path.write_text("Ref,Harm,Ward\nINC1,No harm,Ward 7B\n")
    with pytest.raises(BatchError) as error:
        load(workspace)
    message = str(error.value)
    assert str(path) in message and "incidents.yml" in message
    assert "column 'Date of incident' (occurred_date) is not in the header row" in message
    assert "column 'Never event' (is_never_event) is not in the header row" in message


@pytest.mark.parametrize("content, problem", [("", "is empty"), (HEADER, "no data rows")])
def test_empty_files_fail_the_batch(workspace, content, problem):
    (workspace / "raw" / "incidents" / "empty.csv").write_text(content)
    with pytest.raises(BatchError, match=problem):
        load(workspace)


def test_files_typed_ahead_load_in_order_and_the_first_broken_one_is_named(workspace):
    """Several files are read and typed at once: what they load is what reading them one by
    one loads, and the file that fails the batch is the first broken one in the folder's
    order, not the first whose typing happened to finish."""
    for i in range(7):
        write(workspace, f"f{i}.csv", "".join(
            f"I{i}-{j},0{1 + j % 9}/03/2025,Low harm,Ward {i},N,row {j}\n" for j in range(20)))
    loaded = load(workspace).loaded
    assert loaded.height == 140
    assert loaded["_source_file"].to_list() == [f"incidents/f{i}.csv" for i in range(7)
                                                 for _ in range(20)]
    assert loaded["incident_id"].to_list() == [f"I{i}-{j}" for i in range(7) for j in range(20)]
    (workspace / "raw" / "incidents" / "f2.csv").write_text(HEADER)
    (workspace / "raw" / "incidents" / "f5.csv").write_text("")
    with pytest.raises(BatchError, match=r"f2\.csv.* has a header but no data rows"):
        load(workspace)


def test_a_register_exported_twice_is_not_a_mapping_that_no_longer_fits(workspace):
    """Two snapshots side by side, the second repeating the first with one row changed: its
    copies are rejected as exact duplicates, which says nothing about the mapping."""
    rows = [f"I{i},01/03/2025,No harm,W{i},N,x\n" for i in range(12)]
    write(workspace, "register_a.csv", "".join(rows))
    write(workspace, "register_b.csv", "".join(rows[:-1]) + "I11,01/03/2025,Low harm,W11,N,x\n")
    result = load(workspace)
    assert result.rejected["reason"].str.starts_with("exact duplicate of").sum() == 11
    assert result.loaded.height == 13
    # A file mostly misread still fails, duplicates or not.
    write(workspace, "register_c.csv", "".join(rows[:5]) + "".join(
        f"J{i},2025-13-01,No harm,W,N,x\n" for i in range(7)))
    with pytest.raises(BatchError, match="7 of 12 rows are rejected"):
        load(workspace)


def test_a_link_to_an_export_that_is_gone_fails_the_batch(workspace):
    """An unmounted share's file, linked into data/raw/, is not skipped in silence."""
    link = workspace / "raw" / "incidents" / "incidents_2026-12.csv"
    link.symlink_to(workspace / "share" / "missing.csv")
    with pytest.raises(BatchError, match=r"incidents_2026-12\.csv .* cannot be read"):
        load(workspace)


def test_a_named_pipe_named_like_an_export_fails_the_batch(workspace):
    """A pipe would hang the reader; an independent probe found it skipped in silence."""
    os.mkfifo(workspace / "raw" / "incidents" / "incidents_2026-12.csv")
    with pytest.raises(MappingError, match=r"incidents_2026-12\.csv: is not a regular file"):
        load(workspace)


def test_a_mostly_rejected_file_fails_the_batch(workspace):
    # A trust whose system switched to ISO dates: the mapping no longer fits.
    write(workspace, "iso.csv", "".join(f"I{i},2025-13-0{i % 9 + 1},No harm,W,N,x\n"
                                        for i in range(12)))
    with pytest.raises(BatchError, match="12 of 12 rows are rejected"):
        load(workspace)


def test_a_file_no_mapping_reads_is_an_error(workspace):
    (workspace / "raw" / "incidents" / "notes.txt").write_text("hello")
    with pytest.raises(MappingError, match="no mapping in the mappings folder reads it"):
        load(workspace)


@pytest.mark.parametrize("change, problem", [
    (("incident_id: Ref", "incident_ref: Ref"), "'incident_ref' is not a field of incidents"),
    (("    No harm: none", "    No harm: nil"), "maps to 'nil'"),
    (("source: incidents", "source: datix"), "source 'datix' is not one of"),
])
def test_mapping_mistakes_are_reported_with_the_file(workspace, change, problem):
    path = workspace / "mappings" / "incidents.yml"
    path.write_text(MAPPING.replace(*change))
    with pytest.raises(MappingError, match=problem) as error:
        parse_mapping(path)
    assert str(path) in str(error.value)


def test_reloading_the_same_files_writes_the_same_rows(workspace, tmp_path):
    write(workspace, "a.csv", "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n"
                              "INC2,31/02/2025,Low harm,Ward 7B,N,bad\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    snapshots = []
    for _ in range(2):
        write_source(con, "incidents", [load(workspace)])
        snapshots.append([con.sql(f"select * from raw.{t} order by all").fetchall()
                          for t in ("incidents", "rejected_rows", "loaded_files")])
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[1][0]) == 1 and len(snapshots[1][1]) == 1


@pytest.mark.parametrize("batch_rows", [1, 2, ingest.WRITE_BATCH_ROWS])
def test_a_reload_rewrites_only_the_files_whose_loaded_rows_changed(workspace, tmp_path,
                                                                   monkeypatch, batch_rows):
    """The raw table ends as a write to an empty warehouse would leave it, and the rows of a
    file whose loaded rows are unchanged stay where they were (the same rowids); whether the
    files are compared and written one by one, a few at a time or all at once."""
    monkeypatch.setattr(ingest, "WRITE_BATCH_ROWS", batch_rows)
    write(workspace, "a.csv", "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n"
                              "INC2,04/02/2025,No harm,Ward 7B,N,ok\n")
    write(workspace, "b.csv", "INC3,05/02/2025,Low harm,Ward 7B,N,ok\n")
    write(workspace, "c.csv", "INC4,06/02/2025,Low harm,Ward 7B,N,ok\n")
    write(workspace, "d.csv", "INC5,07/02/2025,Low harm,Ward 7B,N,ok\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_source(con, "incidents", [load(workspace)])

    def rows(connection, file):
        return connection.sql("select rowid, incident_id, physical_harm from raw.incidents "
                              f"where _source_file = 'incidents/{file}' order by all").fetchall()

    kept_a = rows(con, "a.csv")
    # Every row was new: the build after rebuilds every incident (and empties the list).
    assert con.sql("select * from raw.changed_keys").fetchall() == [
        ("incidents", "incidents", None)]
    forget_changed_keys(con)
    # b revised, c deleted, e new, and d's row now also in an earlier file ("0.csv"), so it
    # is rejected as an exact duplicate though d.csv is unchanged.
    write(workspace, "b.csv", "INC3,05/02/2025,Moderate harm,Ward 7B,N,ok\n")
    (workspace / "raw" / "incidents" / "c.csv").unlink()
    write(workspace, "e.csv", "INC6,08/02/2025,Low harm,Ward 7B,N,ok\n")
    write(workspace, "0.csv", "INC5,07/02/2025,Low harm,Ward 7B,N,ok\n")
    reloaded = load(workspace)
    write_source(con, "incidents", [reloaded])
    fresh = duckdb.connect(str(tmp_path / "fresh.duckdb"))
    write_source(fresh, "incidents", [reloaded])

    everything = "select * exclude (rowid) from ({}) order by all".format(
        "select rowid, * from raw.incidents")
    assert con.sql(everything).fetchall() == fresh.sql(everything).fetchall()
    assert rows(con, "a.csv") == kept_a
    assert [r[1:] for r in rows(con, "b.csv")] == [("INC3", "moderate")]
    assert rows(con, "c.csv") == [] and rows(con, "d.csv") == []
    assert [r[1:] for r in rows(con, "0.csv")] == [("INC5", "low")]
    # The records the build after must redo: those of the files replaced, gone or new.
    assert con.sql("select distinct key_value from raw.changed_keys order by 1").fetchall() \
        == [("INC3",), ("INC4",), ("INC5",), ("INC6",)]


def test_a_file_whose_rows_are_unchanged_is_not_read_to_be_written(workspace, tmp_path):
    """A night that adds one export file writes that file's rows without reading the others'
    (their row keys match what the warehouse holds), until another file's rows change
    which of theirs are rejected."""
    write(workspace, "a.csv", "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_source(con, "incidents", [load(workspace)])

    def unread(entity_load, file):
        def fail(_):
            raise AssertionError(f"{file} was read")
        return replace(entity_load, parts={**entity_load.parts,
                                           file: entity_load.parts[file].map_batches(fail)})

    write(workspace, "b.csv", "INC2,04/02/2025,Low harm,Ward 7B,N,ok\n")
    write_source(con, "incidents", [unread(load(workspace), "incidents/a.csv")])
    assert con.sql("select incident_id from raw.incidents order by 1").fetchall() \
        == [("INC1",), ("INC2",)]
    # A copy of a.csv's row in a new file rejects it as an exact duplicate: a.csv's rows
    # changed though the file did not, so they are read and replaced.
    write(workspace, "0.csv", "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n")
    with pytest.raises(AssertionError, match="a.csv was read"):
        write_source(con, "incidents", [unread(load(workspace), "incidents/a.csv")])
    write_source(con, "incidents", [load(workspace)])
    assert con.sql("select _source_file, incident_id from raw.incidents order by 2").fetchall() \
        == [("incidents/0.csv", "INC1"), ("incidents/b.csv", "INC2")]


def test_a_load_replacing_every_row_keeps_the_raw_tables_shape(workspace, tmp_path):
    """A first load (and a reload of every file) makes the staged table the raw table: it
    must be the raw table as create_raw_tables makes it, not-null lineage columns included."""
    from pipelines.lib.warehouse import create_raw_tables

    write(workspace, "a.csv", "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    made = duckdb.connect(str(tmp_path / "made.duckdb"))
    create_raw_tables(made)
    shape = ("select column_name, data_type, is_nullable from information_schema.columns "
             "where table_schema = 'raw' and table_name = 'incidents' order by ordinal_position")
    for incident in ("INC1", "INC2"):  # the first load, then a reload of its only file
        write(workspace, "a.csv", f"{incident},03/02/2025,Low harm,Ward 7B,N,ok\n")
        write_source(con, "incidents", [load(workspace)])
        assert con.sql(shape).fetchall() == made.sql(shape).fetchall()
        assert con.sql("select incident_id from raw.incidents").fetchall() == [(incident,)]
    assert ("_source_file", "VARCHAR", "NO") in con.sql(shape).fetchall()
    assert con.sql("select table_name from duckdb_tables() "
                   "where table_name like '%staged%'").fetchall() == []


def test_a_write_that_fails_after_staging_leaves_the_raw_tables_as_they_were(
        workspace, tmp_path, monkeypatch):
    """Changed files' rows are staged in committed batches before the one transaction that
    moves them in: a failure in that transaction keeps the earlier load and its accounting,
    and leaves no staged rows behind."""
    write(workspace, "a.csv", "INC1,03/02/2025,Low harm,Ward 7B,N,ok\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_source(con, "incidents", [load(workspace)])
    snapshot = "select * from raw.{} order by all"
    before = [con.sql(snapshot.format(t)).fetchall() for t in ("incidents", "loaded_files")]
    write(workspace, "a.csv", "INC1,03/02/2025,Moderate harm,Ward 7B,N,ok\n")
    write(workspace, "b.csv", "INC2,04/02/2025,Low harm,Ward 7B,N,ok\n")

    def fail(*_):
        raise OSError("disk full")

    monkeypatch.setattr(ingest, "store", fail)
    with pytest.raises(OSError, match="disk full"):
        write_source(con, "incidents", [load(workspace)])
    assert [con.sql(snapshot.format(t)).fetchall() for t in ("incidents", "loaded_files")] \
        == before
    assert con.sql("select table_name from duckdb_tables() "
                   "where table_name like '%staged%'").fetchall() == []


def test_a_datix_export_loads_through_the_shipped_datix_mapping(tmp_path):
    """The Datix/DCIQ dialect (inc_ourref, inc_dincident, ...) as trusts export it."""
    folder = tmp_path / "incidents"
    folder.mkdir()
    (folder / "datix_export_2025.csv").write_text(
        DATIX_HEADER
        + 'W1,01/01/2025,02/01/2025,Incident,NGH,Medicine,General Medicine,NGH WARD 6,'
        '"Slips, trips and falls",Found on floor,No Harm,Found on floor,N,N,03/01/2025 10:15:00\n'
        "W2,05/01/2025,05/01/2025,Near Miss,NGH,Surgery,Urology,Ward 4,Medication,"
        "Wrong dose,Death,Wrong dose given,Y,Y,06/01/2025 09:00:00\n")
    mapping = parse_mapping(DEMO_PROFILE_DIR / "mappings" / "incidents_datix.yml")
    [entity_load] = load_source(tmp_path, [mapping], "incidents")
    rows = {r["incident_id"]: r for r in entity_load.loaded.iter_rows(named=True)}
    assert entity_load.rejected.height == 0
    assert rows["W1"]["category"] == "Slips, trips and falls"
    assert rows["W1"]["physical_harm"] == "none" and rows["W2"]["physical_harm"] == "fatal"
    assert rows["W2"]["event_type"] == "incident"  # a near miss is an incident under LFPSE
    assert rows["W2"]["is_never_event"] and rows["W2"]["is_mental_health_act"]
    assert str(rows["W1"]["updated_at"]) == "2025-01-03 10:15:00"
    assert rows["W1"]["location"] == "NGH WARD 6"


def pfd_report(i: int) -> list[str]:
    """A Prevention of Future Deaths report in the PFD-toolkit layout: paragraphs spanning
    lines, some of them holding exactly a record's commas, one starting with a number."""
    return [str(i), f"https://www.judiciary.uk/prevention-of-future-death-reports/r{i}/",
            f"2025-{i:04d}", f"2025-07-{i + 1:02d}", "Tom OSBORNE", "Milton Keynes",
            "Urgent Care Service, NHS England, Department of Health and Social Care",
            "On 18 September 2024 I commenced an investigation. The conclusion was that:\n\n"
            "Narrative Conclusion\n\nHe died of a pulmonary embolism, not recognised, treated, "
            "escalated, recorded, reviewed, audited, shared, or learned from, despite tests.",
            'He was seen, assessed, given a nebuliser and told "come back if worse", then sent '
            "home.",
            "The MATTERS OF CONCERN are as follows:\n"
            "1, 2 and 3 May, 4, 5 and 6 June, 7, 8, 9 and 10 July, 11 August, in all: no review,\n"
            "and the staff, the managers, the board, the commissioners, the regulator, the "
            "coroner, the family, the GP and the public were, as I heard, never told."]


@pytest.mark.parametrize("separator_line", ["", "sep=,\n"], ids=["fast", "row by row"])
def test_reports_whose_paragraphs_hold_a_records_commas_load_whole(tmp_path, separator_line):
    """The real PFD reports file (74 reports, valid CSV) read as 64 rows and 203 rejected
    ones: every paragraph line holding 9 commas was taken for a record a stray quote had
    joined. Both readers load each report as one row, its line breaks kept."""
    reports = [pfd_report(i) for i in range(12)]
    text = io.StringIO(newline="")
    csv.writer(text).writerows([["", "url", "id", "date", "coroner", "area", "receiver",
                                 "investigation", "circumstances", "concerns"], *reports])
    (tmp_path / "pfd").mkdir()
    (tmp_path / "pfd" / "pfd_2025.csv").write_text(separator_line + text.getvalue(),
                                                   encoding="utf-8")
    mapping = parse_mapping(DEMO_PROFILE_DIR / "mappings" / "pfd_reports.yml")
    [entity_load] = load_source(tmp_path, [mapping], "pfd")
    assert (entity_load.rows_read, entity_load.loaded.height, entity_load.rejected.height) \
        == (12, 12, 0)
    loaded = entity_load.loaded.sort("_source_row")
    assert loaded["report_id"].to_list() == [f"2025-{i:04d}" for i in range(12)]
    assert loaded["concerns"].to_list() == [r[9] for r in reports]


@pytest.mark.parametrize("separator_line", ["", "sep=,\n"], ids=["fast", "row by row"])
def test_a_file_quoting_every_field_loads_a_note_holding_a_records_line(workspace,
                                                                        separator_line):
    """A note whose second line is laid out as a record (copied from another system) was
    rejected with three rows as joined by an unmatched quote. In a row whose every field is
    quoted, as some systems write every row, it is a cell's text: records a stray quote
    joined would end the cell with their own quotes. A quote left open is still found."""
    note = 'Seen by nurse.\nINC9,04/02/2025,No harm,Ward 7,N,"as noted"\nThen discharged'
    rows = [["INC1", "03/02/2025", "Low harm", "Ward 7", "N", "Fell in bay"],
            ["INC2", "04/02/2025", "No harm", "Ward 7", "N", note],
            ["INC3", "05/02/2025", "No harm", "Ward 8", "N", "Fine"]]
    text = io.StringIO(newline="")
    csv.writer(text, quoting=csv.QUOTE_ALL).writerows([HEADER.strip().split(","), *rows])
    path = workspace / "raw" / "incidents" / "a.csv"
    path.write_text(separator_line + text.getvalue(), encoding="utf-8")
    result = load(workspace)
    assert result.rejected.is_empty()
    assert result.loaded.sort("incident_id")["description"].to_list() == [
        "Fell in bay", note, "Fine"]
    # The first row's note never closed: it and the record it swallowed are rejected (the
    # rest of the swallowed row's note is then rows of its own, rejected too).
    lines = text.getvalue().splitlines(keepends=True)
    path.write_text(separator_line + "".join([lines[0], lines[1].replace('bay"', "bay"),
                                              *lines[2:]]), encoding="utf-8")
    result = load(workspace)
    assert result.loaded["incident_id"].to_list() == ["INC3"]
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True))
    assert reasons[2] == reasons[3] and reasons[2].startswith("rows 2-3 were read as one")


@pytest.mark.parametrize("body", [
    'INC1,03/02/2025,Low harm,"Ward 7B, bay 2",N,"Said ""sorry"", then left"\n'
    ",,,,,\n"  # a row of empty cells is skipped, its number kept
    "INC2,04/02/2025, Moderate harm ,,Y,\n",
    "INC1,03/02/2025,Low harm,Ward 7B,N,Slipped\nINC2,04/02/2025,No harm,W7B,Y,Fell",  # no EOL
    # Quoted line breaks and a paragraph break stay inside their cell, in one row.
    'INC1,03/02/2025,Low harm,Ward 7B,N,"Two\nlines"\n'
    'INC2,04/02/2025,No harm,W7B,Y,"Fell.\n\nFound by ""night"" staff"\n',
])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "'"])
def test_simple_csv_reads_as_the_row_by_row_reader_does(workspace, body, delimiter):
    """The fast reader of simple CSV files (DuckDB's) gives the same cells and row numbers
    as the row-by-row reader it stands in for, whatever the delimiter (one a mapping names
    is written into DuckDB's SQL)."""
    from pipelines.lib import loading

    path = workspace / "raw" / "incidents" / "a.csv"
    path.write_text((HEADER + body).replace(",", delimiter), encoding="utf-8")
    [mapping] = load_mappings(workspace / "mappings")
    text = path.read_bytes().decode()
    cells = loading._simple_csv_cells(path, text, delimiter)
    assert cells is not None
    fast = loading._tabulate_cells(path, mapping, cells, "utf-8", "", delimiter)
    slow = loading._tabulate(path, mapping, loading._csv_rows(path, mapping, text, delimiter),
                             "utf-8", "", delimiter)
    assert len(fast.frame) == 2
    assert fast.frame.to_dicts() == slow.frame.to_dicts()
    assert fast.frame.schema == slow.frame.schema and fast.malformed.is_empty()


@pytest.mark.parametrize("body", [
    "INC1,03/02/2025,Low harm\n",  # short row
    "INC1,03/02/2025,Low harm,Ward 7B,N,Fell\n\nINC2,04/02/2025,No harm,W7B,Y,Fell\n",
    'INC1,03/02/2025,Low harm,Ward 7B,N,"Fell"x\n',  # text after a closing quote
    "INC1,03/02/2025,Low harm,Ward 7B,N,Fell\r\n",  # CRLF after a header ending LF
])
def test_csv_files_that_are_not_simple_go_to_the_row_by_row_reader(workspace, body):
    from pipelines.lib import loading

    path = write(workspace, "a.csv", body)
    assert loading._simple_csv_cells(path, path.read_bytes().decode(), ",") is None


@pytest.mark.parametrize(("row", "found"), [
    ("INC1,03/02/2025,Low harm,Ward 7B,N,Fell, hit head,\n", 8),  # a comma in the description
    ("INC1,03/02/2025,Low harm,Ward 7B,N,,\n", 7),
    ('INC1,03/02/2025,Low harm,Ward 7B,N,Fell,""\n', 7),
    ("INC1,03/02/2025,Low harm,Ward 7B,N,Fell,,,,\n", 10),
    ("INC1,03/02/2025,Low harm,Ward 7B,\n", 5),  # one short, ending with an empty field
])
def test_a_row_with_empty_fields_past_the_headers_is_rejected_not_loaded_shifted(
        workspace, row, found):
    """DuckDB dropped empty fields at a row's end, so the row loaded with its fields shifted
    ("Fell" as the description, "hit head" as the ward) and nothing was rejected."""
    write(workspace, "a.csv", row + "INC2,04/02/2025,No harm,W7B,Y,Slipped\n")
    entity_load = load(workspace)
    assert entity_load.loaded["incident_id"].to_list() == ["INC2"]
    assert entity_load.rejected.select("row_number", "reason").rows() \
        == [(2, f"expected 6 fields, found {found}")]


def test_rows_all_ending_with_a_delimiter_load_when_the_header_does_too(workspace):
    """A common export quirk: every line, the header's too, ends with the delimiter, so every
    row has the same (one unnamed, empty) field more."""
    path = workspace / "raw" / "incidents" / "a.csv"
    path.write_text(HEADER.replace("\n", ",\n") + "INC1,03/02/2025,Low harm,Ward 7B,N,Fell,\n"
                    "INC2,04/02/2025,No harm,W7B,Y,,\n", encoding="utf-8")
    entity_load = load(workspace)
    assert entity_load.rejected.is_empty()
    assert entity_load.loaded.select("incident_id", "description").rows() \
        == [("INC1", "Fell"), ("INC2", None)]


# An FFT mapping's first lines, each test adding the columns its file has.
FFT_MAPPING_HEAD = """
source: fft
files: ["fft/*.csv"]
date_format: "%d/%m/%Y"
columns:
  response_id: ID
  response_date: Date
"""
FFT_MAPPING = FFT_MAPPING_HEAD + """  location: Ward
  comment_improve: Improve
constants:
  rating: good
"""


@pytest.mark.parametrize("site", [False, True], ids=["4 columns", "6, free text"])
def test_records_a_stray_quote_hides_in_a_comment_are_rejected_each_with_its_row(tmp_path, site):
    """R1's comment opens a quote that R4's closes: R2-R4 were loaded inside R1's comment,
    not judged in a file under 5 columns, nor in one whose other columns are free text."""
    # Site and Good laid out differently in each row, as free text is.
    middles = {"ID": "Site,Good", "R1": "General Hospital,Fantastic care", "R2": "Community,kind",
               "R3": "St Mary's,quick", "R4": "A&E 2,lovely staff", "R5": "Ward 3,Fine"}

    def line(*cells: str) -> str:
        return ",".join([*cells[:2], *([middles[cells[0]]] if site else []), *cells[2:]])

    (tmp_path / "fft").mkdir()
    (tmp_path / "fft" / "fft_1.csv").write_text("\n".join([
        line("ID", "Date", "Ward", "Improve"),
        line("R1", "01/02/2025", "Ward 7", '"Nothing'),
        line("R2", "02/02/2025", "Maple Unit", "more parking please"),
        line("R3", "03/02/2025", "A&E Majors", "The wait"),
        line("R4", "04/02/2025", "Maple Unit", "Get a 6'2\""),
        line("R5", "05/02/2025", "Ward 3", "Fine"), ""]), encoding="utf-8")
    mapping = FFT_MAPPING.replace("  comment_improve", "  site: Site\n  comment_good: Good\n"
                                  "  comment_improve") if site else FFT_MAPPING
    (tmp_path / "fft.yml").write_text(mapping)
    [entity_load] = load_source(tmp_path, [parse_mapping(tmp_path / "fft.yml")], "fft")
    assert entity_load.loaded.select("_source_row", "response_id").rows() == [(6, "R5")]
    rejected = entity_load.rejected
    assert rejected["row_number"].to_list() == [2, 3, 4, 5]
    assert rejected["reason"].str.contains("rows 2-5 were read as one").all()


def test_only_rows_sharing_both_content_hashes_are_duplicates_of_the_first_kept():
    # Rows are found by their first hash before they are grouped by both (ingest._shared):
    # sharing one is not enough, and a rejected row is nobody's first copy.
    records = pl.DataFrame({
        "_row_id": [0, 1, 2, 3, 4], "_source_row": [2, 3, 4, 5, 6],
        "_source_file": ["fft/a.csv"] * 3 + ["fft/b.csv"] * 2,
        "_content_hash_1": [7, 7, 7, 9, 7], "_content_hash_2": [1, 2, 1, 1, 1],
    }, schema_overrides={"_content_hash_1": pl.UInt64, "_content_hash_2": pl.UInt64})
    none = pl.Series([], dtype=pl.Int64)
    found = ingest._exact_duplicates(records, none).select("_row_id", "reason").rows()
    assert found == [(2, "exact duplicate of fft/a.csv row 2"),
                     (4, "exact duplicate of fft/a.csv row 2")]
    found = ingest._exact_duplicates(records, pl.Series([0], dtype=pl.Int64))
    assert found.select("_row_id", "reason").rows() == [(4, "exact duplicate of fft/a.csv row 4")]


def test_a_key_shared_only_with_a_rejected_row_is_no_conflict():
    fft = SOURCES["fft"][0]
    records = pl.DataFrame({
        "_row_id": [0, 1, 2], "_source_row": [2, 3, 2],
        "_source_file": ["fft/a.csv", "fft/a.csv", "fft/b.csv"],
        "response_id": ["R1", "R2", "R1"],
    })
    conflicts = ingest._key_conflicts(fft, records, pl.Series([], dtype=pl.Int64))
    assert conflicts.select("_row_id").to_series().to_list() == [0, 2]
    assert "fft/b.csv row 2" in conflicts["reason"][0]
    assert ingest._key_conflicts(fft, records, pl.Series([0], dtype=pl.Int64)).is_empty()


def test_a_date_of_the_right_shape_that_names_no_day_is_told_apart():
    from pipelines.lib.loading import _shape_of

    assert re.match(_shape_of("%d/%m/%Y"), "31/02/2025")
    assert re.match(_shape_of("%Y-%m-%d %H:%M:%S"), "2026-11-31 10:00:00")
    assert not re.match(_shape_of("%d/%m/%Y"), "03.02.2025")
    assert not re.match(_shape_of("%d/%m/%Y"), "2025-02-03")


def test_a_file_cut_short_or_gone_since_the_last_load_is_named():
    """An independent probe cut an export in half at a row boundary, and deleted a month's
    file: both loaded cleanly and published a month with a fraction of its records."""
    from pipelines.defs.ingest.checks import shrunk_files

    before = {"incidents/2026-10.csv": 1012, "incidents/2026-11.csv": 1112,
              "incidents/2026-12.csv": 40}
    now = {"incidents/2026-11.csv": 554, "incidents/2026-12.csv": 41}
    assert shrunk_files(now, before) == [
        "incidents/2026-10.csv is gone (1,012 rows when last loaded)",
        "incidents/2026-11.csv has 554 rows, 1,112 when last loaded (cut short?)"]
    assert shrunk_files(before, before) == [] and shrunk_files(now, {}) == []
