"""Onboarding a trust whose exports name columns in other words (an independent probe's
"Eastmoor" trust): headers in another word order or by synonym, a ward column beside a
constant free-text one, repeated comments that read as codes, dated export names, and the
review sheet of columns after hand edits."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.onboard.draft import onboard
from pipelines.onboard.review import check

WARDS = ["Heron Ward", "Kestrel Ward", "Osprey Ward", "Wren Unit", "Delivery Suite"]


def _write(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture(scope="module")
def eastmoor(tmp_path_factory):
    root = tmp_path_factory.mktemp("eastmoor")
    exports = root / "exports"
    _write(exports / "incidents" / "EMH_Incidents_Extract.csv", [
        ["Ref No", "Date of Event", "Reported On", "Area", "What happened", "Harm Level",
         "Action Taken"]] + [
        [f"EM-{i}", f"{1 + i % 27:02d}-Mar-2026", f"2026-03-{1 + i % 27:02d}T09:00:00",
         WARDS[i % 5], f"Dose of medicine {i} was not given on the evening round", "No Harm",
         "Reviewed by ward manager"] for i in range(60)])
    _write(exports / "inquests" / "coroner_cases.csv", [
        ["Coroner Ref", "DOD", "Ward", "Verdict", "Concerns raised"]] + [
        [f"INQ-{i}", f"{1 + i:02d}/02/2026", WARDS[i % 5], "Natural causes",
         "Falls risk assessment not completed" if i % 2 else ""] for i in range(8)])
    _write(exports / "fft" / "responses_supplierX.csv", [
        ["Survey ID", "Submitted", "Ward Name", "Q1 Overall", "What was good?",
         "What could we do better?"]] + [
        [f"S{i}", f"{1 + i % 27:02d}/10/2026 10:00", WARDS[i % 5].upper(), "Very good",
         "Friendly staff", ["", "Food was cold", "Long wait"][i % 3]] for i in range(90)])
    done = onboard(exports, root / "profile")
    return root, {p.source: p for p in done.proposals}


def test_a_header_in_other_words_is_read_with_its_date_format(eastmoor):
    _, drafted = eastmoor
    spec = drafted["incidents"].spec
    assert spec["columns"]["occurred_date"] == "Date of Event"
    assert (spec["date_format"], spec["timestamp_format"]) == ("%d-%b-%Y", "%Y-%m-%dT%H:%M:%S")
    assert not drafted["incidents"].undecided


def test_a_ward_column_is_the_location_not_a_constant_one(eastmoor):
    _, drafted = eastmoor
    assert drafted["incidents"].spec["columns"]["location"] == "Area"


def test_synonyms_and_exact_headers_win_over_weak_likeness(eastmoor):
    _, drafted = eastmoor
    inquests = drafted["inquests"].spec["columns"]
    assert inquests["conclusion"] == "Verdict" and inquests["concerns"] == "Concerns raised"
    assert "coroner_area" not in inquests
    fft = drafted["fft"]
    assert fft.template.path.name == "fft_vendor.yml"
    assert {k: fft.spec["columns"].get(k) for k in ("comment_good", "comment_improve")} == {
        "comment_good": "What was good?", "comment_improve": "What could we do better?"}


def test_the_draft_reads_next_months_export_and_check_names_unread_files(eastmoor, tmp_path):
    root, drafted = eastmoor
    assert drafted["incidents"].spec["files"] == ["incidents/EMH_Incidents_Extract*.csv"]
    text = (root / "profile" / "mappings" / "incidents_inphase.yml").read_text()
    assert "- incidents/EMH_Incidents_Extract*.csv" in text
    exports = root / "exports"
    dated = exports / "incidents" / "EMH_Incidents_Extract_2026-12-03.csv"
    dated.write_bytes((exports / "incidents" / "EMH_Incidents_Extract.csv").read_bytes())
    stray = exports / "fft" / "other_survey.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    try:
        result = check(root / "profile", exports)
    finally:
        dated.unlink()
        stray.unlink()
    assert (result.files_found, result.files_unread) == (4, 1)
    assert any("other_survey.csv: no mapping" in p for p in result.problems)
    assert not any("EMH_Incidents_Extract_2026-12-03" in p for p in result.problems)


def test_check_rewrites_the_columns_sheet_from_the_edited_mappings(eastmoor):
    root, _ = eastmoor
    sheet = root / "profile" / "review" / "columns.csv"

    def rows():
        with sheet.open(encoding="utf-8") as handle:
            return {r["column"]: (r["mapped_to"], r["how"]) for r in csv.DictReader(handle)
                    if r["file"].startswith("inquests/")}

    assert rows()["Verdict"] == ("conclusion", "guessed")
    mapping = root / "profile" / "mappings" / "inquests_register.yml"
    text = mapping.read_text(encoding="utf-8")
    edited = "\n".join(line.split("  # REVIEW")[0] for line in text.splitlines()
                       if not line.lstrip().startswith("concerns:"))
    mapping.write_text(edited + "\n", encoding="utf-8")
    try:
        check(root / "profile", root / "exports")
        assert rows()["Verdict"] == ("conclusion", "read")
        assert rows()["Concerns raised"] == ("", "not read")
    finally:
        mapping.write_text(text, encoding="utf-8")
