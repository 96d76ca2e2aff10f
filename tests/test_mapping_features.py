"""Mapping features real exports need: lists from one cell or several columns, fields derived
from two columns, value maps (to blank too), constants and forgiving header matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.ingest import load_source
from pipelines.lib.loading import BatchError
from pipelines.lib.mapping import MappingError, load_mappings, parse_mapping

SJR_MAPPING = """
source: sjr
files: ["sjr/*.csv"]
list_separator: ";"
constants:
  site: Riverside
columns:
  review_id: sjr reference            # the export says "SJR Reference"
  date_of_death: Date-of-death        # the export says "Date of Death"
  location: WARD
  avoidability: Avoidable
derived:
  problem_assessment: &problem
    {if_list: Problem Types, contains: Assessment, then: Problem Led to Harm, else: none}
  problem_medication: {<<: *problem, contains: Medication}
  problem_monitoring: {<<: *problem, contains: Clinical monitoring}
values:
  problem_assessment: &harm {Yes: harm_yes, No: harm_no, Unsure: harm_unsure}
  problem_medication: *harm
  problem_monitoring: *harm
  avoidability:
    Not avoidable: definitely_not_avoidable
    Not assessed: ~
  location: {W7: Ward 7}
"""
SJR_EXPORT = (
    "SJR Reference,Date of Death,Ward,Problem Types,Problem Led to Harm,Avoidable\n"
    "S1,03/02/2025,W7,Assessment; Medication,Yes,Not avoidable\n"
    "S2,04/02/2025,Ward 9,,,Not assessed\n"
    "S3,05/02/2025,Ward 9,clinical monitoring,No,Not avoidable\n"
)


def workspace(tmp_path: Path, name: str, mapping: str, export: str, source: str) -> Path:
    (tmp_path / "mappings").mkdir(exist_ok=True)
    (tmp_path / "mappings" / name).write_text(mapping)
    (tmp_path / "raw" / source).mkdir(parents=True, exist_ok=True)
    (tmp_path / "raw" / source / "export.csv").write_text(export)
    return tmp_path


def load(root: Path, source: str):
    return load_source(root / "raw", load_mappings(root / "mappings"), source)


def test_sjr_problem_types_and_harm_flag_become_per_type_values(tmp_path):
    root = workspace(tmp_path, "sjr.yml", SJR_MAPPING, SJR_EXPORT, "sjr")
    [sjr] = load(root, "sjr")
    assert sjr.rejected.height == 0
    rows = {r["review_id"]: r for r in sjr.loaded.iter_rows(named=True)}
    assert [rows["S1"][f"problem_{t}"] for t in ("assessment", "medication", "monitoring")] \
        == ["harm_yes", "harm_yes", "none"]
    assert [rows["S2"][f"problem_{t}"] for t in ("assessment", "medication", "monitoring")] \
        == ["none", "none", "none"]
    assert rows["S3"]["problem_monitoring"] == "harm_no"
    assert rows["S3"]["problem_medication"] == "none"
    # Fields not derived stay blank, not "none": the export does not say.
    assert rows["S1"]["problem_infection"] is None
    # A constant, a value mapped to blank, a value map on a code field.
    assert {r["site"] for r in rows.values()} == {"Riverside"}
    assert rows["S2"]["avoidability"] is None
    assert rows["S1"]["avoidability"] == "definitely_not_avoidable"
    assert (rows["S1"]["location"], rows["S2"]["location"]) == ("Ward 7", "Ward 9")
    fill = {r["field"]: r["column_name"] for r in sjr.fields.iter_rows(named=True)}
    assert fill["review_id"] == "SJR Reference"
    assert fill["site"] == "(constant)"
    assert fill["problem_medication"] == "Problem Types + Problem Led to Harm"


COMPLAINTS_MAPPING = """
source: complaints
files: ["complaints/*.csv"]
list_separator: ","
columns:
  complaint_id: Ref
  received_date: Received
  subjects: [Subject 1, Subject 2, Subject 3]
  sub_subjects: Sub subjects
values:
  subjects: {Attitude: Staff attitude, Unknown: ~}
"""


def test_several_columns_gather_into_one_list_with_values_mapped(tmp_path):
    root = workspace(tmp_path, "complaints.yml", COMPLAINTS_MAPPING,
                     "Ref,Received,Subject 1,Subject 2,Subject 3,Sub subjects\n"
                     "C1,03/02/2025,Attitude,Communications,,\"Rude, Dismissive\"\n"
                     "C2,04/02/2025,Unknown,,Communications,\n", "complaints")
    [complaints] = load(root, "complaints")
    rows = {r["complaint_id"]: r for r in complaints.loaded.iter_rows(named=True)}
    assert rows["C1"]["subjects"] == ["Staff attitude", "Communications"]
    assert rows["C2"]["subjects"] == ["Communications"]
    assert rows["C1"]["sub_subjects"] == ["Rude", "Dismissive"]
    assert rows["C2"]["sub_subjects"] is None


def test_missing_gathered_column_is_named_in_the_batch_error(tmp_path):
    root = workspace(tmp_path, "complaints.yml", COMPLAINTS_MAPPING,
                     "Ref,Received,Subject 1,Subject 2,Sub subjects\n"
                     "C1,03/02/2025,Attitude,Communications,\n", "complaints")
    with pytest.raises(Exception, match=r"column 'Subject 3' \(subjects\) is not in the header"):
        load(root, "complaints")


@pytest.mark.parametrize(("extra", "message"), [
    ("columns:\n  complaint_id: Ref\n  received_date: Received\n  description: [A, B]\n",
     "several columns can be gathered only into a list field"),
    ("columns:\n  complaint_id: Ref\n  received_date: Received\nconstants:\n  site: X\n"
     "derived:\n  site: {if_list: A, contains: B, then: C}\n", "more than one way"),
    ("columns:\n  complaint_id: Ref\n  received_date: Received\n"
     "derived:\n  outcome: {if_list: A, then: C}\n", "derived.outcome must give"),
    ("columns:\n  complaint_id: Ref\nconstants:\n  received_date: 01/01/2025\n"
     "values:\n  description: {a: b}\n", "description' is not a field whose values"),
])
def test_bad_mapping_features_are_refused_naming_the_key(tmp_path, extra, message):
    path = tmp_path / "complaints.yml"
    path.write_text("source: complaints\nfiles: [complaints/*.csv]\n" + extra)
    with pytest.raises(MappingError, match=message):
        parse_mapping(path)


def test_a_mapping_is_parsed_again_only_when_its_file_changed(tmp_path):
    (tmp_path / "sjr.yml").write_text(SJR_MAPPING, encoding="utf-8")
    first, again = load_mappings(tmp_path), load_mappings(tmp_path)
    assert again[0] is first[0]  # the same content: parsed once
    edited = SJR_MAPPING.replace('files: ["sjr/*.csv"]', 'files: ["reviews/*.csv"]')
    assert edited != SJR_MAPPING
    (tmp_path / "sjr.yml").write_text(edited, encoding="utf-8")
    assert load_mappings(tmp_path)[0].files == ("reviews/*.csv",)


def test_a_date_exported_with_its_time_beside_date_only_columns_reads_as_its_day(tmp_path):
    """One file, "Date/Time of Incident" as dd/mm/yyyy hh:mm and "Date Reported" as
    dd/mm/yyyy: both read, whichever format the mapping names for dates."""
    mapping = """
source: incidents
files: ["incidents/*.csv"]
date_format: "%d/%m/%Y"
timestamp_format: "%d/%m/%Y %H:%M"
columns:
  incident_id: Ref
  occurred_date: Date/Time of Incident
  reported_date: Date Reported
"""
    root = workspace(tmp_path, "incidents.yml", mapping,
                     "Ref,Date/Time of Incident,Date Reported\n"
                     "I1,03/02/2025 14:30,04/02/2025\n"
                     "I2,05/02/2025 00:05,05/02/2025\n", "incidents")
    [incidents] = [e for e in load(root, "incidents") if e.entity.name == "incidents"]
    assert incidents.rejected.height == 0
    rows = {r["incident_id"]: r for r in incidents.loaded.iter_rows(named=True)}
    assert (str(rows["I1"]["occurred_date"]), str(rows["I1"]["reported_date"])) \
        == ("2025-02-03", "2025-02-04")
    assert str(rows["I2"]["occurred_date"]) == "2025-02-05"


HARM_MAPPING = """
source: incidents
files: ["incidents/*.csv"]
columns:
  incident_id: Ref
  occurred_date: Occurred
  physical_harm: Impact
values:
  physical_harm: {Negligible: none, Minr: low, Moderate: moderate}
"""


def _harm_export(grades: list[str]) -> str:
    return "Ref,Occurred,Impact\n" + "".join(
        f"I{i},03/02/2025,{grade}\n" for i, grade in enumerate(grades))


def test_a_code_the_mapping_lacks_fails_the_batch_instead_of_dropping_its_records(tmp_path):
    """A typo under values: ("Minr") leaves every "Minor" incident unmapped: 12 of 40 rows,
    under the half that marks a mapping that no longer fits, would each be rejected and the
    marts published without them. The batch fails, naming the field and where to map it."""
    grades = ["Negligible"] * 20 + ["Minor"] * 12 + ["Moderate"] * 8
    root = workspace(tmp_path, "incidents.yml", HARM_MAPPING, _harm_export(grades), "incidents")
    with pytest.raises(BatchError, match=r"12 of 40 rows hold the same physical_harm value.*"
                                         r"first at row 22.*values\.physical_harm"):
        load(root, "incidents")


def test_a_few_unknown_codes_are_rejected_rows_not_a_failed_batch(tmp_path):
    grades = ["Negligible"] * 30 + ["Moderate"] * 8 + ["Minr typo", "???"]
    root = workspace(tmp_path, "incidents.yml", HARM_MAPPING, _harm_export(grades), "incidents")
    [incidents] = [e for e in load(root, "incidents") if e.entity.name == "incidents"]
    assert incidents.rejected.height == 2
    assert incidents.rejected["reason"].str.contains("physical_harm is not a known value").all()
