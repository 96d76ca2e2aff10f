"""Onboarding a trust whose exports name columns in other words (an independent probe's
"Eastmoor" trust): headers in another word order or by synonym, a ward column beside a
constant free-text one, repeated comments that read as codes, dated export names, and the
review sheet of columns after hand edits."""

from __future__ import annotations

import csv
import re
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


@pytest.fixture(scope="module")
def near_misses(tmp_path_factory):
    """A trust whose coded values miss the templates' spellings narrowly ("Partly Upheld",
    "Upheld - Partial", "MODERATE-HARM") or not at all ("Excellent", "Catastrophic-ish")."""
    root = tmp_path_factory.mktemp("near_misses")
    exports = root / "exports"
    outcomes = ["Upheld", "Partly Upheld", "Not Upheld", "Upheld - Partial", "Withdrawn"]
    _write(exports / "complaints" / "Complaints_Log.csv", [
        ["Case Number", "Date Received", "Ward / Dept", "Subjects", "Result"]] + [
        [f"C-{i}", f"{1 + i % 27:02d}/03/2026", WARDS[i % 5], "Communication",
         outcomes[i % 5]] for i in range(40)])
    harms = ["No Harm", "Low Harm", "MODERATE-HARM", "Catastrophic-ish"]
    _write(exports / "incidents" / "EMH_Incidents_Extract.csv", [
        ["Ref No", "Date of Event", "Area", "What happened", "Harm Level"]] + [
        [f"EM-{i}", f"{1 + i % 27:02d}-Mar-2026", WARDS[i % 5],
         f"Dose of medicine {i} was not given", harms[i % 4 if i < 30 else 0]]
        for i in range(60)])
    _write(exports / "fft" / "responses.csv", [
        ["Survey ID", "Submitted", "Ward Name", "Q1 Overall", "What was good?"]] + [
        [f"S{i}", f"{1 + i % 27:02d}/10/2026 10:00", WARDS[i % 5],
         ["Very Good", "very good", "Poorly", "Good", "Excellent"][i % 5], "Friendly staff"]
        for i in range(40)])
    done = onboard(exports, root / "profile")
    return root, {p.source: p for p in done.proposals}, done.check


def _values_sheet(root: Path) -> set[tuple[str, str]]:
    with (root / "profile" / "review" / "values.csv").open(encoding="utf-8") as handle:
        return {(r["field"], r["value_as_exported"]) for r in csv.DictReader(handle)}


def test_a_near_miss_of_one_canonical_value_is_drafted_marked_for_review(near_misses):
    """An independent probe's complaints "Result" held "Partly Upheld" in a quarter of its
    rows; the template maps "Partially upheld", so `check` stopped the refresh until a person
    added the value by hand."""
    from pipelines.lib.mapping import parse_mapping

    root, drafted, result = near_misses
    path = root / "profile" / "mappings" / "complaints_ko41a.yml"
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^    Partly Upheld: partially_upheld  # REVIEW: guessed: 'Partly Upheld'",
                     text, re.MULTILINE)
    mapping = parse_mapping(path)
    assert mapping.values["outcome"]["partly upheld"] == "partially_upheld"
    assert mapping.values["outcome"]["upheld - partial"] == "partially_upheld"
    assert parse_mapping(root / "profile" / "mappings" / "incidents_inphase.yml").values[
        "physical_harm"]["moderate-harm"] == "moderate"
    assert set(drafted["complaints"].value_guesses["outcome"]) == {"Partly Upheld",
                                                                    "Upheld - Partial"}
    assert not any("outcome" in p for p in result.problems)
    assert not {v for f, v in _values_sheet(root) if f == "outcome"}


def test_values_near_no_canonical_value_or_two_stay_for_a_person(near_misses):
    from pipelines.onboard.propose import near_miss

    root, drafted, result = near_misses
    assert _values_sheet(root) == {("physical_harm", "Catastrophic-ish"), ("rating", "Excellent")}
    # The column's codes are the rating's once "Poorly" reads as poor.
    assert drafted["fft"].spec["columns"]["rating"] == "Q1 Overall"
    assert drafted["fft"].value_guesses["rating"] == {"Poorly": (
        "poor", "guessed: 'Poorly' reads as 'poor' (case, punctuation or word form aside); no "
                "other rating value is as near")}
    assert "Catastrophic-ish" not in (root / "profile" / "mappings" /
                                      "incidents_inphase.yml").read_text(encoding="utf-8")
    # Never a guess between two canonical values, nor across a negation or an extra word.
    labels = {"open": "open", "opened": "reopened", "upheld": "upheld",
              "not upheld": "not_upheld"}
    assert near_miss("Opening", labels, "outcome") is None
    assert near_miss("Upheld in part", labels, "outcome") is None
    assert near_miss("NOT-UPHELD", labels, "outcome") == ("not_upheld", "not upheld")


def _claims_listing(exports: Path) -> None:
    """An independent probe's ("Pennine Vale") NHS Resolution listing: 5 claims, the trust's
    incident reference filled for one of them."""
    _write(exports / "claims" / "NHSR_claims_listing_Q3_2026.csv", [
        ["NHSR Ref No", "Scheme", "Date of Incident", "Date Notified", "Status", "Specialty",
         "Cause", "Injury", "Damages", "Claimant Costs", "Defence Costs", "Reserve",
         "Trust Incident Ref"]] + [
        [f"M25CT{i:03d}/00{i}", "CNST", f"{10 + i}/02/2024", f"{10 + i}/03/2025", "Open",
         "Obstetrics", "Failure to monitor", "Brain injury", "", "", "£1,000.00", "£5,000.00",
         "IR100123" if i == 2 else ""] for i in range(1, 6)])


def test_a_claims_id_is_the_filled_unique_column_not_a_sparse_one_named_alike(tmp_path):
    """The draft read `claim_reference: Trust Incident Ref` (1 claim in 5 has one) and left
    the unique "NHSR Ref No" unread: the refresh then loaded 1 claim of 5. An id field takes
    the fully filled, unique column before one more like it by name."""
    _claims_listing(tmp_path / "exports")
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    [claims] = [p for p in done.proposals if p.source == "claims"]
    assert claims.spec["columns"]["claim_reference"] == "NHSR Ref No"
    assert claims.spec["columns"].get("claim_reference") != "Trust Incident Ref"


def test_check_and_the_refresh_stop_on_a_small_file_mostly_rejected(tmp_path):
    """With the sparse column as the id, 4 of the 5 claims are rejected: `check` said nothing
    and the refresh published 1 claim with a warning (more than half rejected stopped only a
    file of 10 rows or more). Now more than half rejected, and at least 3 rows, stops both."""
    from pipelines.lib.ingest import BatchError, load_source
    from pipelines.lib.mapping import load_mappings

    _claims_listing(tmp_path / "exports")
    onboard(tmp_path / "exports", tmp_path / "profile")
    [path] = (tmp_path / "profile" / "mappings").glob("claims*.yml")
    path.write_text(re.sub(r"claim_reference: .*", "claim_reference: Trust Incident Ref",
                           path.read_text()))
    result = check(tmp_path / "profile", tmp_path / "exports")
    assert any("NHSR_claims_listing_Q3_2026.csv: 4 of 5 rows would be rejected" in p
               for p in result.problems), result.problems
    with pytest.raises(BatchError):
        load_source(tmp_path / "exports", load_mappings(tmp_path / "profile" / "mappings"),
                    "claims")


def test_a_single_dated_export_is_drafted_as_a_glob_and_check_counts_new_files(tmp_path):
    """One incidents listing named with its date range was drafted under its exact name, so
    the next night's listing stopped the refresh. The draft reads the name up to its first
    date, and `check` counts every export file present."""
    header = ["Incident Reference", "Incident Date", "Department", "Description of Incident"]
    rows = [[f"IR{100000 + i}", f"{1 + i % 27:02d}/03/2026", WARDS[i % 5],
             f"Patient {i} slipped in the bathroom while mobilising"] for i in range(30)]
    _write(tmp_path / "exports" / "incidents" / "Ulysses_IR_Listing_20241201_20261206.csv",
           [header] + rows)
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    [incidents] = [p for p in done.proposals if p.source == "incidents"]
    assert incidents.spec["files"] == ["incidents/Ulysses_IR_Listing*.csv"]
    _write(tmp_path / "exports" / "incidents" / "Ulysses_IR_Listing_20261207.csv",
           [header] + [[f"IR2{i}", *row[1:]] for i, row in enumerate(rows)])
    result = check(tmp_path / "profile", tmp_path / "exports")
    assert (result.files_found, result.files_unread) == (2, 0)
    assert not any("matched by" in p or "no mapping" in p for p in result.problems)


def _monthly_workbook(path: Path, months: list[str], bad: dict[str, int] | None = None) -> None:
    """An FFT workbook of one sheet a month (an independent probe's "Pennine Vale" layout);
    `bad`: sheet -> its data row (1-based) whose date is no date."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path)
    for m, month in enumerate(months):
        sheet = workbook.add_worksheet(month)
        sheet.write_row(0, 0, ["Resp No", "Survey Date", "Service Area", "Setting",
                               "Overall Experience", "What could be better?"])
        for i in range(20):
            date = "no date" if (bad or {}).get(month) == i + 1 else f"{1 + i:02d}/{m + 1:02d}/2025"
            sheet.write_row(i + 1, 0, [f"R{m}{i:03d}", date, WARDS[i % 5], "Inpatient",
                                       ["Very good", "Good", "Poor"][i % 3],
                                       f"More staff at night on the ward please {i}"])
    workbook.close()


def test_a_workbook_of_a_sheet_a_month_is_one_mapping_reading_every_sheet(tmp_path):
    """Onboard wrote one mapping per sheet (fft_vendor.yml .. fft_vendor_25.yml) with the same
    `files`, which `check` then refused as matched by several mappings. Sheets sharing one
    layout are now one mapping with `sheet: "*"`, read and stacked by the loader."""
    _monthly_workbook(tmp_path / "exports" / "fft" / "FFT_responses.xlsx",
                      ["Jan 2025", "Feb 2025", "Mar 2025"])
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    [fft] = [p for p in done.proposals if p.source == "fft"]
    assert fft.spec["sheet"] == "*"
    assert [p.name for p in (tmp_path / "profile" / "mappings").glob("fft*.yml")] == [
        "fft_vendor.yml"]
    assert not any("several mappings" in p for p in done.check.problems), done.check.problems
    assert done.check.rows_read == 60


def test_stacked_sheets_load_together_and_rejected_rows_name_their_sheet(tmp_path):
    from pipelines.lib.ingest import load_source
    from pipelines.lib.mapping import parse_mapping

    _monthly_workbook(tmp_path / "fft" / "FFT.xlsx", ["Jan", "Feb"], bad={"Feb": 3})
    (tmp_path / "fft.yml").write_text(
        'source: fft\nfiles: ["fft/*.xlsx"]\nsheet: "*"\ndate_format: "%d/%m/%Y"\n'
        "columns:\n  response_id: Resp No\n  response_date: Survey Date\n"
        "  location: Service Area\n  rating: Overall Experience\n"
        "values:\n  rating: {Very good: very_good, Good: good, Poor: poor}\n")
    [load] = load_source(tmp_path, [parse_mapping(tmp_path / "fft.yml")], "fft")
    assert load.loaded.height == 39
    [rejected] = load.rejected.iter_rows(named=True)
    # Data row 3 of sheet Feb is its spreadsheet row 4.
    assert rejected["row_number"] == 4 and rejected["reason"].startswith("sheet 'Feb': ")
    assert load.files["rows_read"].to_list() == [40]
    # A batch stopped names the sheet and the row it shows (here: the ward read as rating).
    (tmp_path / "fft.yml").write_text((tmp_path / "fft.yml").read_text().replace(
        "rating: Overall Experience", "rating: Service Area"))
    with pytest.raises(Exception, match=r"first at row 2 of sheet 'Jan'"):
        load_source(tmp_path, [parse_mapping(tmp_path / "fft.yml")], "fft")


def test_a_date_time_column_is_never_an_id_and_is_the_event_date(tmp_path):
    """"Incident Date/Time" ("2025-03-07 14:05", every value distinct) was profiled as an id:
    two id columns, so neither incident_id nor occurred_date was drafted."""
    _write(tmp_path / "exports" / "incidents" / "IR_Listing.csv", [
        ["Incident Reference", "Incident Date/Time", "Department", "Description of Incident"]] + [
        [f"IR{100000 + i}", f"2025-03-{1 + i % 27:02d} {i % 24:02d}:{i % 60:02d}", WARDS[i % 5],
         f"Patient {i} slipped in the bathroom while mobilising"] for i in range(40)])
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    [incidents] = done.proposals
    assert incidents.layout.column("Incident Date/Time").kind == "timestamp"
    assert incidents.spec["columns"]["incident_id"] == "Incident Reference"
    assert incidents.spec["columns"]["occurred_date"] == "Incident Date/Time"


def _proposal(folder: Path, source: str, rows: list[list[str]]):
    from pipelines.onboard.inspect import inspect_file
    from pipelines.onboard.propose import propose, templates

    path = folder / source / "export.csv"
    _write(path, rows)
    [layout] = inspect_file(path)
    return propose([path], layout, source, templates(), folder)


def test_fields_named_in_other_words_are_drafted(tmp_path):
    """The probe's complaints "Division", "Themes" (comma-separated subjects), SJR phase
    scores named "<Phase> Phase Score" and "LD", FFT "What went well?" and a claims
    "Damages" column of amounts were left unread."""
    complaints = _proposal(tmp_path, "complaints", [
        ["Complaint Ref", "Date Received", "Ward/Area", "Division", "Themes", "Outcome"]] + [
        [f"C{i}", f"{1 + i % 27:02d}/03/2026", WARDS[i % 5], ["Medicine", "Surgery"][i % 2],
         ["Communication, Staff attitude", "Clinical care", "Waiting times, Communication"][i % 3],
         "Upheld"] for i in range(40)])
    columns = complaints.spec["columns"]
    assert (columns["directorate"], columns["subjects"], columns["location"]) == (
        "Division", "Themes", "Ward/Area")
    assert complaints.spec["list_separator"] == ","
    sjr = _proposal(tmp_path, "sjr", [
        ["SJR Ref", "Date of Death", "Ward of Death", "Admission Phase Score",
         "Ongoing Care Phase Score", "Procedure Phase Score", "Overall Care Score", "LD"]] + [
        [f"SJR-{i}", f"{1 + i % 27:02d}/03/2026", WARDS[i % 5], str(1 + i % 5),
         str(1 + (i + 1) % 5), str(1 + (i + 2) % 5), str(1 + (i + 3) % 5), "YN"[i % 2]]
        for i in range(40)])
    columns = sjr.spec["columns"]
    assert (columns["score_admission"], columns["score_procedure"],
            columns["has_learning_disability"]) == (
        "Admission Phase Score", "Procedure Phase Score", "LD")
    fft = _proposal(tmp_path, "fft", [
        ["Resp No", "Survey Date", "Overall Experience", "What went well?",
         "What could be better?"]] + [
        [f"R{i}", f"{1 + i % 27:02d}/03/2026", "Good", f"Kind staff on day {i}",
         f"Parking was hard to find on day {i}"] for i in range(40)])
    assert (fft.spec["columns"]["comment_good"], fft.spec["columns"]["comment_improve"]) == (
        "What went well?", "What could be better?")
    claims = _proposal(tmp_path, "claims", [
        ["NHSR Ref No", "Scheme", "Date of Incident", "Status", "Damages"]] + [
        [f"M25CT{i:03d}", "CNST", f"{10 + i}/02/2024", "Open", f"£{1000 + i * 250:,}.00"]
        for i in range(6)])
    assert claims.spec["columns"]["damages_paid"] == "Damages"


def test_check_output_says_what_several_files_share_once(tmp_path):
    """25 monthly FFT files each with the same unmapped setting printed ~75 lines: lines that
    differ only by their file (in one folder) and counts are one line naming the others."""
    from pipelines.onboard.review import grouped

    for month in range(1, 6):
        _write(tmp_path / "exports" / "fft" / f"FFT_2026-{month:02d}.csv", [
            ["Resp No", "Survey Date", "Setting", "Overall Experience"]] + [
            [f"R{month}{i:03d}", f"{1 + i % 27:02d}/{month:02d}/2026",
             ["Inpatient", "Maternity - somewhere"][i % 2], "Good"] for i in range(20 + month)])
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    lines = done.check.problems + done.check.notes
    assert sum("FFT_2026-0" in line for line in lines) >= 5
    shown = grouped(done.check.problems) + grouped(done.check.notes)
    assert len(shown) < len(lines)
    assert any("in 4 other files: FFT_2026-02.csv .. FFT_2026-05.csv" in line
               for line in shown), shown
    assert sum("FFT_2026-" in line for line in shown) <= 3


def test_an_sjr_exports_avoidability_as_its_score_is_drafted_by_the_scales_numbers(tmp_path):
    """A probe's SJR export held avoidability as the RCP score alone ("6"), which no value
    map covers: every row would have been rejected, so `check` stopped the refresh and
    printed the one problem per value as the same problem "in 3 other files", naming the
    same file three times."""
    from pipelines.lib.mapping import parse_mapping
    from pipelines.onboard.propose import near_miss
    from pipelines.onboard.review import grouped

    scores = ["6", "6", "5", "4", "3", "6"]
    _write(tmp_path / "exports" / "sjr" / "sjr_reviews.csv", [
        ["Review No", "Date of Death", "Ward", "Overall care score", "Avoidability"]] + [
        [f"SJR-{i}", f"{1 + i % 27:02d}/03/2026", WARDS[i % 5], str(1 + i % 5), scores[i % 6]]
        for i in range(60)])
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    [proposal] = done.proposals
    assert proposal.value_guesses["avoidability"]["6"] == (
        "definitely_not_avoidable", "guessed: '6' is point 6 of the scale, "
        "'score 6 - definitely not avoidable'; no other avoidability value is as near")
    mapping = parse_mapping(tmp_path / "profile" / "mappings" / "sjr_rcp.yml")
    assert {mapping.values["avoidability"][v] for v in ("3", "4", "5")} == {
        "probably_avoidable", "possibly_avoidable_not_likely", "slight_evidence"}
    assert not done.check.problems, done.check.problems
    # A number only reads as the point a spelling opens with, of one scale.
    labels = {"Score 1 - Definitely avoidable": "definitely_avoidable",
              "1. Very good": "very_good", "Ward 1 closed": "closed"}
    assert near_miss("Score 1", {k: v for k, v in labels.items() if "Score" in k},
                     "avoidability") == ("definitely_avoidable", "Score 1 - Definitely avoidable")
    assert near_miss("1", labels, "x") is None  # two scales open with 1
    assert near_miss("7", labels, "x") is None
    # One line per file: the same problem for several of a file's values counted as such.
    lines = [f"sjr/a.csv (mapping m.yml): {n} of 60 rows hold one avoidability value"
             for n in (21, 9)] + ["sjr/b.csv (mapping m.yml): 30 of 60 rows hold one "
                                  "avoidability value"]
    assert grouped(lines) == [f"{lines[0]} [1 more like it in the same file; the same, with "
                              "their own counts, in 1 other file: b.csv]"]
