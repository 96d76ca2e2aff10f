"""A new trust's profile: `onboard` drafts it from exports in the shipped templates' layouts,
`check` validates it and writes review sheets, `accept` applies them; the second test trust
(tests/second_trust.py, not the demo generator) then loads with nothing left to map; shipped
files are never written, and a product upgrade leaves the trust's rows in force."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
import second_trust

from pipelines.lib.errors import UserFacingError
from pipelines.lib.ingest import load_source
from pipelines.lib.loading import coerce, read_export
from pipelines.lib.mapping import MappingError, load_mappings
from pipelines.lib.profile import ProfileError, load_profile
from pipelines.lib.reference import layered, repeated_reference_rows
from pipelines.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT, TEMPLATES_DIR
from pipelines.onboard.draft import _propose_locations, onboard
from pipelines.onboard.review import accept, check


def _accept_all(profile: Path) -> None:
    for name in ("locations.csv", "codes.csv"):
        path = profile / "review" / name
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({**r, "accept": "y"} for r in rows)


def _shipped_digest() -> str:
    digest = hashlib.sha256()
    for folder in (PROJECT_ROOT / "mappings", DBT_PROJECT_DIR / "seeds"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory):
    root = tmp_path_factory.mktemp("second_trust")
    second_trust.write_exports(root / "exports")
    second_trust.write_locations(root / "locations.csv")
    before = _shipped_digest()
    done = onboard(root / "exports", root / "profile", root / "locations.csv")
    return root, done, before


def test_onboard_picks_the_template_of_each_layout(onboarded):
    root, done, _ = onboarded
    chosen = {p.files[0].name: (p.template.path.name, len(p.files)) for p in done.proposals}
    assert chosen == {
        "datix_listing_2025.csv": ("incidents_datix.yml", 1),
        "radar_export_2026-07.csv": ("incidents_radar.yml", 3),
        "vendor_responses.csv": ("fft_vendor.yml", 1),
        "ko41a_register.csv": ("complaints_ko41a.yml", 1),
        "rcp_sjr_reviews.csv": ("sjr_rcp.yml", 1),
    }
    assert done.undecided == []
    radar = load_mappings(root / "profile" / "mappings")
    [mapping] = [m for m in radar if m.name == "incidents_radar.yml"]
    assert mapping.files == ("incidents/radar_export*.csv",)  # next year's too
    # Columns the export does not have are dropped from the draft, not left to fail.
    assert "subcategory" not in mapping.columns and mapping.columns["location"] == "Area"
    profile = load_profile(root / "profile")
    assert not profile.expectation("inquests").expected
    assert profile.expectation("sjr").expected


def test_review_suggestions_are_right_and_accepting_them_leaves_nothing_to_map(onboarded):
    root, done, before = onboarded
    profile = root / "profile"
    assert done.check.problems == []
    with (profile / "review" / "locations.csv").open(newline="", encoding="utf-8") as handle:
        locations = list(csv.DictReader(handle))
    with (profile / "review" / "codes.csv").open(newline="", encoding="utf-8") as handle:
        codes = list(csv.DictReader(handle))
    assert len(locations) == 17 and len(codes) == 18
    right = [r for r in locations if second_trust.TRUTH_LOCATIONS[
        (r["location_as_exported"], r["site_as_exported"])] == r["suggested_location_id"]]
    assert len(right) == len(locations)
    truth = {(s, f, c): t for (s, f), m in second_trust.TRUTH_CODES.items()
             for c, t in m.items()}
    right = [r for r in codes if truth[(r["source"], r["code_field"], r["native_code"])]
             == r["suggested_theme_id"]]
    assert len(right) == len(codes)

    _accept_all(profile)
    accepted = accept(profile)
    assert (accepted.aliases, accepted.codes, accepted.skipped) == (17, 18, [])
    aliases = layered("location_aliases", profile)
    # "Outpatients" means a different place at each site: accepted as site-qualified aliases.
    assert sorted((a["site"], a["location_id"]) for a in aliases if a["alias"] == "Outpatients") \
        == [("HCH", "HC-OPD"), ("Hillside", "HC-OPD"), ("RGH", "RH-OPD"),
            ("Riverside", "RH-OPD")]
    again = check(profile, root / "exports")
    assert (again.problems, again.unresolved_locations, again.unmapped_codes) == ([], 0, 0)
    assert _shipped_digest() == before  # onboarding wrote nothing into the product


def _review_profile(folder: Path, location: str, locations: list[list],
                    codes: list[list]) -> Path:
    """A profile with one location (`location`: its locations.csv row) and review sheets
    holding `locations` and `codes` rows."""
    profile = folder / "profile"
    (profile / "reference").mkdir(parents=True)
    (profile / "review").mkdir()
    (profile / "reference" / "locations.csv").write_text(
        "location_id,location_name,site,directorate,specialty,location_type\n"
        f"{location}\n", encoding="utf-8")
    sheets = {"locations.csv": (["source", "location_as_exported", "site_as_exported",
                                 "records", "suggested_location_id",
                                 "suggested_location_name", "score", "accept"], locations),
              "codes.csv": (["source", "code_field", "native_code", "records",
                             "records_without_theme", "suggested_theme_id", "score", "basis",
                             "accept"], codes)}
    for name, (header, rows) in sheets.items():
        with (profile / "review" / name).open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *rows])
    return profile


def test_a_spelling_accepted_twice_is_one_alias_and_check_names_repeated_rows(tmp_path):
    """"AMU" exported with a site by one source and without by another is two review rows
    meaning one place: accepting both wrote the alias twice, and the next refresh failed its
    uniqueness test with no file named."""
    profile = _review_profile(
        tmp_path, "WB-AMU,Acute Medical Unit,General,Medicine,,ward",
        [["incidents", "AMU", "General", 9, "WB-AMU", "Acute Medical Unit", 1, "y"],
         ["fft", "AMU", "", 4, "WB-AMU", "Acute Medical Unit", 1, "y"]], [])

    assert accept(profile).aliases == 1
    aliases = profile / "reference" / "location_aliases.csv"
    assert aliases.read_text(encoding="utf-8").splitlines() == ["alias,location_id,site",
                                                                "AMU,WB-AMU,"]
    with aliases.open("a", encoding="utf-8") as handle:  # a hand edit repeating it
        handle.write("amu,WB-AMU,\n")
    assert repeated_reference_rows(profile) == [
        f"{aliases}: row 3 repeats row 2 (alias, location_id, site): delete one of them"]


def test_a_value_that_looks_like_an_identifier_is_never_accepted_or_drafted(tmp_path):
    """A privacy probe marked `y` on review rows holding an address, a titled name or an NHS
    number: accepted, their words joined the publishable vocabulary and the values were
    published verbatim. Such rows stay in the sheets, named by what they look like; a draft
    profile proposes no place from such a spelling."""
    profile = _review_profile(
        tmp_path, "W1,Ward 1,General,Medicine,,ward",
        [["incidents", "Ward 1 (943_476_5919)", "", 2, "W1", "Ward 1", 1, "y"],
         ["incidents", "Ward one", "", 5, "W1", "Ward 1", 1, "y"]],
        [["incidents", "category", "Medication 12 Acacia Avenue", 1, 1, "medication", 1, "",
          "y"],
         ["incidents", "category", "Skin damage Dr. O'Neillsworth", 1, 1, "pressure_ulcers",
          1, "", "y"],
         ["incidents", "category", "Slips and trips", 1, 1, "falls", 1, "", "y"]])

    done = accept(profile)

    assert (done.aliases, done.codes) == (1, 1)
    assert [line.split(":")[0] + ": " + line.split("looks like ")[1].split(":")[0]
            for line in done.skipped] == [
        "locations.csv: an NHS number", "codes.csv: an address", "codes.csv: a titled name"]
    reference = (profile / "reference" / "location_aliases.csv").read_text() \
        + (profile / "reference" / "theme_code_map.csv").read_text()
    assert "Ward one" in reference and "Slips and trips" in reference
    assert "5919" not in reference and "Acacia" not in reference and "Neill" not in reference
    left = (profile / "review" / "codes.csv").read_text()
    assert "Acacia" in left and "Slips" not in left
    # The sheets hold values as exported: their user's only, whatever mode they had before.
    assert (profile / "review" / "codes.csv").stat().st_mode & 0o777 == 0o600
    assert (profile / "review").stat().st_mode & 0o777 == 0o700

    # Without the trust's list of places, the draft proposes places from the spellings.
    (profile / "review" / "locations.csv").write_text(
        "source,location_as_exported,site_as_exported,records,suggested_location_id,"
        "suggested_location_name,score,accept\n"
        "incidents,JOHN QUELCHWORTH (943_476_5919),,9,,,0,\n"
        "incidents,Elm Ward,,3,,,0,\n", encoding="utf-8")
    assert _propose_locations(profile) == 1
    drafted = (profile / "reference" / "locations.csv").read_text()
    assert "Elm Ward" in drafted and "5919" not in drafted


def test_an_untitled_name_is_never_accepted_or_drafted_but_places_named_after_people_are(
        tmp_path):
    """A privacy probe marked `y` on review rows holding a name with no title ("Jane Smith",
    a patient on a ward: "June Long Ward 7"): accepted, their words joined the vocabulary and
    the values were published verbatim. They stay in the sheets like titled names; places
    named after people and plants are accepted ("Willow Ward", "St Aidan's Ward"), and so is
    a given name and a word before a place's word where the trust names a place so."""
    profile = _review_profile(
        tmp_path, "W1,Florence Nightingale Ward,St Aidan's Hospital,Medicine,,ward",
        [["incidents", "June Long Ward 7", "", 2, "W1", "Ward 1", 1, "y"],
         ["incidents", "Bay 3 Jane Smith", "", 1, "W1", "Ward 1", 1, "y"],
         ["incidents", "Florence Nightingale Ward bay 2", "", 5, "W1", "Ward 1", 1, "y"],
         ["incidents", "Willow Ward", "", 5, "W1", "Ward 1", 1, "y"],
         ["incidents", "St Aidan's Ward", "", 5, "W1", "Ward 1", 1, "y"]],
        [["incidents", "category", "Fall Jane Smith", 1, 1, "falls", 1, "", "y"],
         ["incidents", "category", "Ray West Bay 4", 1, 1, "falls", 1, "", "y"],
         ["incidents", "category", "Audit June 2024", 1, 1, "falls", 1, "", "y"]])

    done = accept(profile)

    assert (done.aliases, done.codes) == (3, 1)
    assert [line.split(":")[0] + ": " + line.split("looks like ")[1].split(":")[0]
            for line in done.skipped] == ["locations.csv: a name"] * 2 + ["codes.csv: a name"] * 2
    reference = (profile / "reference" / "location_aliases.csv").read_text() \
        + (profile / "reference" / "theme_code_map.csv").read_text()
    assert "Florence Nightingale Ward bay 2" in reference and "Willow Ward" in reference
    assert "Audit June 2024" in reference
    assert "Smith" not in reference and "Long" not in reference and "Ray" not in reference

    # Without the trust's list of places nothing tells "June Long Ward" from a ward named so.
    (profile / "review" / "locations.csv").write_text(
        "source,location_as_exported,site_as_exported,records,suggested_location_id,"
        "suggested_location_name,score,accept\n"
        "incidents,June Long Ward 7,,9,,,0,\n"
        "incidents,Rose Ward,Jane Smith,9,,,0,\n"
        "incidents,Elm Ward,St Aidan's Hospital,3,,,0,\n", encoding="utf-8")
    assert _propose_locations(profile) == 1
    drafted = (profile / "reference" / "locations.csv").read_text()
    assert "Elm Ward" in drafted and "Long" not in drafted and "Smith" not in drafted


def test_a_value_whose_new_words_read_as_a_name_stays_in_review(tmp_path):
    """A fourth privacy probe marked `y` on 'Fall - Edna Clarke' (a code: 'Edna' is no given
    name on the list, so no name was found) and a trust accepted its words into the
    reference data. A capitalised word no reference list holds, beside another such word or
    after a place's word, keeps the row in the sheet with the reason; ordinary spellings and
    abbreviations of the place they mean ('KES WD', 'Kestrel Wd', 'NGH Kestrel', 'A&E
    Majors') and codes of vocabulary words are accepted."""
    profile = _review_profile(
        tmp_path, "K1,Kestrel Ward,Northgate General Hospital,Medicine,,ward",
        [["incidents", "Kestrel Ward Patterson", "", 1, "K1", "Kestrel Ward", 0.9, "y"],
         ["incidents", "Ward 7 PATTERSON", "", 1, "K1", "Kestrel Ward", 0.9, "y"],
         ["incidents", "KES WD", "", 5, "K1", "Kestrel Ward", 0.9, "y"],
         ["incidents", "Kestrel Wd", "", 5, "K1", "Kestrel Ward", 0.9, "y"],
         ["incidents", "NGH Kestrel", "", 5, "K1", "Kestrel Ward", 0.9, "y"],
         ["incidents", "A&E Majors", "", 5, "K1", "Kestrel Ward", 0.9, "y"]],
        [["incidents", "category", "Slips, trips and falls > Fall - Edna Clarke", 1, 1,
          "falls", 0.8, "", "y"],
         ["incidents", "category", "Slips, trips and falls > Fall from bed", 4, 4, "falls",
          0.8, "", "y"],
         ["incidents", "category", "Medication > Omitted dose", 4, 4, "medication", 0.8, "",
          "y"]])

    done = accept(profile)

    assert (done.aliases, done.codes) == (4, 2)
    assert [line.split(":")[0] for line in done.skipped] == ["locations.csv"] * 2 + [
        "codes.csv"]
    assert all("may be a person's name" in line and "stays in the sheet" in line
               for line in done.skipped)
    reference = (profile / "reference" / "location_aliases.csv").read_text() \
        + (profile / "reference" / "theme_code_map.csv").read_text()
    assert "Patterson" not in reference and "PATTERSON" not in reference
    assert "Edna" not in reference and "Fall from bed" in reference
    assert "KES WD" in reference and "A&E Majors" in reference
    left = (profile / "review" / "codes.csv").read_text() \
        + (profile / "review" / "locations.csv").read_text()
    assert "Edna Clarke" in left and "Ward 7 PATTERSON" in left and "KES WD" not in left


def test_second_trust_loads_through_its_profile_with_nothing_rejected(onboarded):
    root, _, _ = onboarded
    mappings = load_mappings(root / "profile" / "mappings")
    loads = {e.entity.name: e for source in ("incidents", "fft", "complaints", "sjr")
             for e in load_source(root / "exports", mappings, source)}
    assert {name: (e.rows_read, e.rejected.height) for name, e in loads.items()} == {
        "incidents": (330, 0), "fft_responses": (300, 0), "complaints": (60, 0),
        "sjr_reviews": (40, 0)}
    sjr = loads["sjr_reviews"].loaded
    with (root / "exports" / "sjr" / "rcp_sjr_reviews.csv").open(encoding="utf-8") as handle:
        exported = {r["SJR Number"]: r for r in csv.DictReader(handle)}
    for row in sjr.iter_rows(named=True):
        listed, harm = exported[row["review_id"]]["Problem types"], \
            exported[row["review_id"]]["Problem led to harm"]
        expected = ("harm_yes" if harm == "Yes" else "harm_no") \
            if "Clinical monitoring" in listed else "none"
        assert row["problem_monitoring"] == expected
    complaints = loads["complaints"].loaded
    assert all(1 <= len(s) <= 3 for s in complaints["subjects"])


def test_a_template_is_never_an_active_mapping(tmp_path):
    shutil.copy(TEMPLATES_DIR / "incidents_radar.yml", tmp_path / "radar.yml")
    with pytest.raises(MappingError, match="is a template"):
        load_mappings(tmp_path)


def test_check_names_what_would_stop_a_refresh(tmp_path):
    root = tmp_path
    second_trust.write_exports(root / "exports")
    (root / "profile" / "mappings").mkdir(parents=True)
    radar = (TEMPLATES_DIR / "incidents_radar.yml").read_text(encoding="utf-8")
    radar = radar.replace("template: true\n", "").replace("incidents/radar*.csv",
                                                           "incidents/*.csv")
    # Two mappings read every incident file (and the Datix file is not in Radar's layout).
    (root / "profile" / "mappings" / "radar.yml").write_text(radar)
    (root / "profile" / "mappings" / "radar_copy.yml").write_text(radar)
    result = check(root / "profile", root / "exports")
    several = [p for p in result.problems if "matched by several mappings" in p]
    assert len(several) == 4  # every incident file, not only the first
    assert several[0] == (
        f"file {root / 'exports' / 'incidents' / 'datix_listing_2025.csv'}: matched by several "
        "mappings ['radar.yml', 'radar_copy.yml'] for the same entity; make their `files` "
        "globs distinct")
    (root / "profile" / "mappings" / "radar_copy.yml").unlink()
    result = check(root / "profile", root / "exports")
    [problem] = [p for p in result.problems if "incidents" in p]
    assert "datix_listing_2025.csv" in problem and "'Incident Number' (incident_id) is not " \
        "in the header row" in problem
    assert result.files_read == 3  # the Radar files still read
    assert result.files_found == 4  # "Read 3 of 4 files": the Datix listing failed
    # The other sources' files are named too: no mapping in this profile reads them.
    assert sum("no mapping in the mappings folder reads it" in p for p in result.problems) == 3


def test_review_sheets_show_a_formula_typed_into_an_export_as_text(onboarded, tmp_path):
    """An independent probe typed =HYPERLINK(...) into a ward field: check wrote it into
    review/locations.csv as it was, so opening the sheet in Excel would run it. It is
    written with a leading apostrophe (text in every spreadsheet) and accepted as typed."""
    root, _, _ = onboarded
    shutil.copytree(root / "exports", tmp_path / "exports")
    shutil.copytree(root / "profile", tmp_path / "profile")
    formula = '=HYPERLINK("http://evil.example","Ward 12")'
    radar = tmp_path / "exports" / "incidents" / "radar_export_2026-07.csv"
    lines = radar.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",Intensive Care,", f',"{formula.replace(chr(34), 2 * chr(34))}",')
    radar.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check(tmp_path / "profile", tmp_path / "exports")
    sheet = tmp_path / "profile" / "review" / "locations.csv"
    with sheet.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    [row] = [r for r in rows if "HYPERLINK" in r["location_as_exported"]]
    assert row["location_as_exported"] == "'" + formula
    place = layered("locations", tmp_path / "profile")[0]["location_id"]
    row["suggested_location_id"], row["accept"] = place, "y"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    accept(tmp_path / "profile")
    aliases = layered("location_aliases", tmp_path / "profile")
    assert any(a["alias"] == formula and a["location_id"] == place for a in aliases)


def test_the_values_sheet_shows_a_file_named_like_a_formula_as_text(tmp_path):
    """An independent probe named an export `=HYPERLINK(...).csv`: values.csv wrote the name
    as it was, a formula when the sheet is opened."""
    from pipelines.onboard.review import REVIEW_FOLDER, _append_values

    (tmp_path / REVIEW_FOLDER).mkdir()
    _append_values(tmp_path, Path("=HYPERLINK(inquest).csv"), "conclusion", ["+SUM(1)"])
    with (tmp_path / REVIEW_FOLDER / "values.csv").open(encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert row == {"file": "'=HYPERLINK(inquest).csv", "field": "conclusion",
                   "value_as_exported": "'+SUM(1)"}


def test_check_stops_only_for_what_would_stop_a_refresh(tmp_path):
    """An unmapped value rejects its rows, which the refresh lists and goes on: a note. One
    unmapped value in many rows (a code the mapping lacks), or a file with more than half its
    rows rejected, stops the refresh: a problem."""
    import polars as pl

    from pipelines.demo import generate_trust
    from pipelines.lib.settings import DEMO_PROFILE_DIR

    shutil.copytree(DEMO_PROFILE_DIR, tmp_path / "profile")
    generate_trust(tmp_path / "raw", seed=3, scale=0.05, years=1)
    fft = sorted((tmp_path / "raw" / "fft").glob("*.csv"))[-1]
    exported = pl.read_csv(fft, infer_schema=False)
    first = pl.int_range(pl.len()) == 0
    exported.with_columns(pl.when(first).then(pl.lit("Excellent"))
                          .otherwise(pl.col("Overall Experience"))
                          .alias("Overall Experience")).write_csv(fft)
    result = check(tmp_path / "profile", tmp_path / "raw")
    assert result.problems == []
    assert any("Overall Experience" not in n and "rating are not mapped" in n
               for n in result.notes)
    fifth = pl.int_range(pl.len()) % 5 == 0
    exported.with_columns(pl.when(fifth).then(pl.lit("Excellent"))
                          .otherwise(pl.col("Overall Experience"))
                          .alias("Overall Experience")).write_csv(fft)
    [problem] = check(tmp_path / "profile", tmp_path / "raw").problems
    assert fft.name in problem and f"{(exported.height + 4) // 5} of {exported.height} rows " \
        "hold one rating value no value map covers" in problem \
        and "so the refresh would stop" in problem and "Excellent" not in problem
    exported.with_columns(pl.lit("Excellent").alias("Overall Experience")).write_csv(fft)
    problems = check(tmp_path / "profile", tmp_path / "raw").problems
    assert len(problems) == 2 and all(fft.name in p for p in problems)
    assert any("it refuses a file with more than half its rows rejected" in p for p in problems)
    # A mapping that reads no ward: said once, not left as "0 spellings do not resolve".
    mapping = tmp_path / "profile" / "mappings" / "incidents.yml"
    mapping.write_text("\n".join(line for line in mapping.read_text().splitlines()
                                 if not line.strip().startswith("location:")) + "\n")
    notes = check(tmp_path / "profile", tmp_path / "raw").notes
    assert sum("incidents.yml: no column is read as location" in n for n in notes) == 1


def test_check_and_the_refresh_agree_that_a_small_file_mostly_rejected_loads(tmp_path):
    """A tester's 3-row complaints workbook with 2 rows rejected: the refresh loads the third
    (more than half rejected stops it only in a file of 10 rows or more), so check must not
    say it would stop."""
    import polars as pl

    from pipelines.lib.settings import DEMO_PROFILE_DIR

    shutil.copytree(DEMO_PROFILE_DIR, tmp_path / "profile")
    mappings = load_mappings(tmp_path / "profile" / "mappings")
    [mapping] = [m for m in mappings if m.source == "complaints"]
    columns = mapping.columns
    register = pl.DataFrame({column: [None] * 3 for column in columns.values()},
                            schema={column: pl.String for column in columns.values()})
    register = register.with_columns(
        pl.Series(columns["complaint_id"], ["C1", "C2", "C3"]),
        pl.lit("03/02/2025").alias(columns["received_date"]),
        pl.lit("Formal complaint").alias(columns["complaint_type"]),
        # Two outcomes no value map covers: their rows are rejected.
        pl.Series(columns["outcome"], ["Upheld", "Resolved locally", "Resolved locally"]))
    (tmp_path / "raw" / "complaints").mkdir(parents=True)
    register.write_excel(tmp_path / "raw" / "complaints" / "register.xlsx",
                         worksheet="Complaints")

    result = check(tmp_path / "profile", tmp_path / "raw")
    assert result.problems == []
    assert any("register.xlsx: 2 of 3 rows would be rejected" in n for n in result.notes)
    [complaints] = [e for e in load_source(tmp_path / "raw", mappings, "complaints")
                    if e.entity.name == "complaints"]
    assert (complaints.loaded.height, complaints.rejected.height) == (1, 2)


def test_upgrading_the_product_keeps_the_trusts_rows(tmp_path, monkeypatch):
    """A later product release (new taxonomy version, new and changed shipped code rows)
    replaces dbt_project/seeds; the trust's own rows still win and its files are untouched."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR / "seeds", project / "seeds")
    profile = tmp_path / "trust"
    (profile / "reference").mkdir(parents=True)
    trust_rows = "source,code_field,native_code,theme_id\n" \
                 "complaints,subjects,Waiting times,communication\n"
    (profile / "reference" / "theme_code_map.csv").write_text(trust_rows)
    seeds = project / "seeds"
    with (seeds / "shipped_theme_code_map.csv").open("a", encoding="utf-8") as handle:
        handle.write("complaints,subjects,Car parking,equipment_environment\n")
    with (seeds / "theme_taxonomy.csv").open("a", encoding="utf-8") as handle:
        handle.write("2.0,2027-04-01,A later taxonomy\n")
    monkeypatch.setattr("pipelines.lib.settings.DBT_PROJECT_DIR", project)
    rows = {(r["source"], r["code_field"], r["native_code"]): r["theme_id"]
            for r in layered("theme_code_map", profile)}
    assert rows[("complaints", "subjects", "Waiting times")] == "communication"  # trust's
    assert rows[("complaints", "subjects", "Car parking")] == "equipment_environment"  # new
    assert rows[("incidents", "lfpse_agent", "Medications")] == "medication"  # shipped
    assert (profile / "reference" / "theme_code_map.csv").read_text() == trust_rows


def test_profile_vars_reach_dbt_and_bad_ones_are_refused(tmp_path, monkeypatch):
    from pipelines.defs.dbt.resources import dbt_profile_args

    (tmp_path / "profile.yml").write_text(
        "vars:\n  recent_months: 3\n  triangulation_source_weights: {incidents: 2}\n")
    monkeypatch.setenv("TRIANGULATE_PROFILE", str(tmp_path))
    assert dbt_profile_args() == [
        "--vars", '{"recent_months": 3, "triangulation_source_weights": {"incidents": 2}}']
    (tmp_path / "profile.yml").write_text("vars:\n  recent_month: 3\n")
    with pytest.raises(ProfileError, match="vars.recent_month is not a Triangulate setting"):
        load_profile(tmp_path)
    (tmp_path / "profile.yml").write_text("vars:\n  triangulation_source_weights: {claims: 1}\n")
    with pytest.raises(ProfileError, match="takes keys"):
        load_profile(tmp_path)


def test_a_broken_profile_is_named_once_by_check_and_by_the_refresh(tmp_path):
    """An independent probe's unclosed brace in profile.yml: check said nothing, and the
    refresh printed the YAML error nine times, once per source, naming no file."""
    from pipelines.lib.run_history import grouped

    (tmp_path / "profile.yml").write_text("sources:\n  incidents: {expected: true,\n")
    result = check(tmp_path, tmp_path / "exports")
    [problem] = [p for p in result.problems if "profile.yml" in p]
    assert f"{tmp_path / 'profile.yml'}: cannot be read as YAML" in problem
    assert issubclass(ProfileError, UserFacingError)
    assert grouped(["loading fft: x is wrong", "loading sjr: x is wrong", "dbt: y"]) == [
        "loading fft, sjr: x is wrong", "dbt: y"]


@pytest.mark.slow
def test_second_trust_refreshes_with_nothing_left_to_map(tmp_path, monkeypatch):
    """The full refresh of the onboarded, accepted second trust: every location resolves
    (site-qualified "Outpatients" included), no code that matters is unmapped."""
    from conftest import make_workspace

    from pipelines.refresh import run_refresh

    second_trust.write_exports(tmp_path / "exports")
    second_trust.write_locations(tmp_path / "locations.csv")
    onboard(tmp_path / "exports", tmp_path / "profile", tmp_path / "locations.csv")
    _accept_all(tmp_path / "profile")
    accept(tmp_path / "profile")
    workspace = make_workspace(tmp_path / "run")
    for name, value in {**workspace.env(), "TRIANGULATE_RAW_DIR": str(tmp_path / "exports"),
                        "TRIANGULATE_PROFILE": str(tmp_path / "profile"),
                        "TRIANGULATE_AS_OF_DATE": "2026-10-05"}.items():
        monkeypatch.setenv(name, value)
    outcome = run_refresh()
    assert outcome.success, "\n".join(outcome.failures)
    assert workspace.query("select count(*) from unresolved_locations") == [(0,)]
    assert workspace.query("select count(*) from unmapped_codes") == [(0,)]
    outpatients = workspace.query(
        "select location_id, count(*) from theme_counts where location_id in "
        "('RH-OPD', 'HC-OPD') group by 1 order by 1")
    assert [row[0] for row in outpatients] == ["HC-OPD", "RH-OPD"]


def test_onboard_finds_a_header_under_title_rows_and_guesses_renamed_columns(tmp_path):
    """A Radar export saved as a report (two title rows) with three columns renamed: the
    header row is found, the renamed columns are matched by content and name and marked for
    review; without a list of places, "Outpatients" at two sites becomes two places."""
    second_trust.write_exports(tmp_path / "all")
    source = tmp_path / "all" / "incidents" / "radar_export_2026-07.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[0] = ("Incident Ref,Occurred On,Site,Ward Area,Incident Category,Actual Impact,"
                "Summary,Last Modified")
    (tmp_path / "exports" / "incidents").mkdir(parents=True)
    (tmp_path / "exports" / "incidents" / "radar_july.csv").write_text(
        "Incidents by area\nRun on 01/10/2026\n" + "\n".join(lines) + "\n", encoding="utf-8")
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    [proposal] = done.proposals
    assert proposal.spec["header_row"] == 3
    assert {k: proposal.spec["columns"][k] for k in ("incident_id", "occurred_date",
                                                     "location")} == {
        "incident_id": "Incident Ref", "occurred_date": "Occurred On", "location": "Ward Area"}
    assert set(proposal.guesses) >= {"incident_id", "occurred_date", "location", "header_row"}
    text = (tmp_path / "profile" / "mappings" / "incidents_radar.yml").read_text()
    assert "  location: Ward Area  # REVIEW: guessed:" in text
    with (tmp_path / "profile" / "review" / "columns.csv").open(encoding="utf-8") as handle:
        columns = {r["column"]: r for r in csv.DictReader(handle)}
    assert {k: (v["content"], v["date_format"], v["how"]) for k, v in columns.items()
            if k in ("Occurred On", "Ward Area", "Summary")} == {
        "Occurred On": ("date", "%d/%m/%Y", "guessed"), "Ward Area": ("ward", "", "guessed"),
        "Summary": ("free_text", "", "read")}
    assert "# Read as utf-8, comma-separated, header on row 3, 60 data rows" in text
    places = layered("locations", tmp_path / "profile")
    assert sorted(p["location_name"] for p in places if "Outpatients" in p["location_name"]) \
        == ["Outpatients (Hillside)", "Outpatients (Riverside)"]
    assert (done.check.problems, done.check.unresolved_locations) == ([], 0)
    [load] = load_source(tmp_path / "exports", load_mappings(tmp_path / "profile" / "mappings"),
                         "incidents")
    assert (load.rows_read, load.rejected.height) == (60, 0)


def test_onboard_reads_the_demo_trusts_own_exports(tmp_path):
    """The demo's complaints workbook has one Subjects column where the KO41a template reads
    three (Subject 1-3): comparing a column with a template's list of columns crashed. An
    export no template fits is drafted from its folder's source, its required fields found
    by content alone."""
    from pipelines.demo import generate_trust

    generate_trust(tmp_path / "exports", seed=3, scale=0.05, years=1)
    # FFT exported by a system no template knows: every column renamed.
    for path in (tmp_path / "exports" / "fft").glob("*.csv"):
        header, rest = path.read_text(encoding="utf-8").split("\n", 1)
        path.write_text(",".join(f"Q{i}" for i, _ in enumerate(header.split(","))) + "\n"
                        + rest, encoding="utf-8")
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    drafted = {proposal.source: proposal for proposal in done.proposals}
    assert {"incidents", "complaints", "claims", "sjr", "fft"} <= set(drafted)
    fft = drafted["fft"]
    # Response ID (numbers, the demo's duplicates repeat a few), Response Date, and the
    # Overall Experience answers the templates map; the two comment columns are left to
    # the reviewer (two free-text fields, two free-text columns).
    assert {k: fft.spec["columns"].get(k) for k in ("response_id", "response_date", "rating",
                                                    "comment_improve")} == {
        "response_id": "Q0", "response_date": "Q1", "rating": "Q5", "comment_improve": None}
    assert "every column guessed" in fft.guesses["(template)"] and not fft.undecided
    sources = (tmp_path / "profile" / "profile.yml").read_text(encoding="utf-8")
    assert "fft: {expected: true, stale_after_days: 75}" in sources


def test_onboard_drafts_layouts_no_template_knows(tmp_path):
    """Fenmoor's exports (an independent probe's second trust): a complaints workbook with
    a report title above its header, an FFT file with the single NHS question and numeric
    answer codes, and a coroner's register with "Our Ref" and "DOD". No shipped template
    shares two columns with any of them; each is drafted from its folder's source, its
    header row found and its required fields matched by content and common abbreviations."""
    from test_bad_input_corpus import workbook

    exports = tmp_path / "exports"
    for folder in ("complaints", "fft", "inquests"):
        (exports / folder).mkdir(parents=True)
    complaints = [["Fenmoor Hospitals NHS Foundation Trust", None, None, None, None],
                  ["Complaints received - run 01/12/2026", None, None, None, None], [],
                  ["Case Number", "Received", "Closed", "Primary Subject", "Summary"]]
    complaints += [[f"COMP/2026/{i:04d}", f"{1 + i % 27:02d}/03/2026", f"{1 + i % 27:02d}/05/2026",
                    "Communication", f"Family were not told about the change of plan on day {i}"]
                   for i in range(40)]
    (exports / "complaints" / "Complaints Log.xlsx").write_bytes(workbook(complaints))
    fft = ["SurveyID\tDate Completed\tQ1 Score\tTell us why you gave this answer"]
    fft += [f"{900000 + i}\t{1 + i % 28:02d}/10/2026 10:15\t{1 + i % 6}\t"
            f"Answer {i}: the nurses were kind but the wait for a bed was far too long"
            for i in range(60)]
    (exports / "fft" / "responses.csv").write_text("\n".join(fft) + "\n", encoding="utf-8")
    inquests = ["Our Ref,DOD,Coroners Area,Hearing,Reg 28 received"]
    inquests += [f"INQ-26-{i:03d},{1 + i:02d}/02/2026,Fenland,{1 + i:02d}/09/2026,No"
                 for i in range(12)]
    (exports / "inquests" / "register.csv").write_text("\n".join(inquests) + "\n",
                                                       encoding="utf-8")
    done = onboard(exports, tmp_path / "profile")
    drafted = {proposal.source: proposal for proposal in done.proposals}
    assert set(drafted) == {"complaints", "fft", "inquests"}
    assert not any(p.undecided for p in drafted.values())
    assert all("every column guessed" in drafted[s].guesses["(template)"]
               for s in ("complaints", "fft"))
    # "DOD" and "Coroners Area" name two of the register's columns in other words.
    assert "(template)" not in drafted["inquests"].guesses
    complaint = drafted["complaints"].spec
    assert (complaint["header_row"], complaint["columns"]["complaint_id"],
            complaint["columns"]["received_date"]) == (4, "Case Number", "Received")
    assert {k: drafted["fft"].spec["columns"][k] for k in (
        "response_id", "response_date", "rating", "comment_improve")} == {
        "response_id": "SurveyID", "response_date": "Date Completed", "rating": "Q1 Score",
        "comment_improve": "Tell us why you gave this answer"}
    assert {k: drafted["inquests"].spec["columns"][k] for k in (
        "case_reference", "date_of_death", "hearing_date")} == {
        "case_reference": "Our Ref", "date_of_death": "DOD", "hearing_date": "Hearing"}
    assert drafted["inquests"].spec["columns"]["coroner_area"] == "Coroners Area"


def test_upgraded_product_seeds_leave_the_trusts_rows_in_the_warehouse(tmp_path):
    """dbt's layering itself: a copy of the dbt project whose shipped seeds a later release
    replaced (a new taxonomy version, a national code re-mapped, one added) builds the
    reference tables with the trust profile's rows still winning."""
    import os
    import subprocess
    import sys

    import duckdb

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    seeds = project / "seeds"
    code_map = (seeds / "shipped_theme_code_map.csv").read_text(encoding="utf-8")
    code_map = code_map.replace("complaints,subjects,Waiting times,access_delays",
                                "complaints,subjects,Waiting times,staffing_capacity")
    (seeds / "shipped_theme_code_map.csv").write_text(
        code_map + "complaints,subjects,Car parking,equipment_environment\n", encoding="utf-8")
    with (seeds / "theme_taxonomy.csv").open("a", encoding="utf-8") as handle:
        handle.write("2.0,2027-04-01,A later taxonomy\n")
    profile = tmp_path / "trust"
    (profile / "reference").mkdir(parents=True)
    (profile / "reference" / "theme_code_map.csv").write_text(
        "source,code_field,native_code,theme_id\ncomplaints,subjects,waiting times,"
        "communication\nincidents,category,Falls,falls\n", encoding="utf-8")
    (profile / "reference" / "location_aliases.csv").write_text(
        "alias,location_id\nW1,L1\n", encoding="utf-8")  # no site column: it reads blank
    (profile / "reference" / "locations.csv").write_text(
        "location_id,location_name,site\nL1,Ward 1,Riverside\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "build", "--quiet", "--resource-type", "seed", "--resource-type", "model",
         "--project-dir", str(project), "--profiles-dir", str(project), "--select", "themes",
         "theme_taxonomy", "shipped_theme_code_map", "theme_code_map", "locations",
         "location_aliases"],
        cwd=project, check=True, env={**os.environ, "TRIANGULATE_WAREHOUSE": str(warehouse),
                                      "TRIANGULATE_PROFILE": str(profile)})
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = dict(((s, f, c), (t, layer)) for s, f, c, t, layer in con.execute(
        "select source, code_field, native_code, theme_id, layer from reference.theme_code_map"
    ).fetchall())
    assert rows[("complaints", "subjects", "waiting times")] == ("communication", "profile")
    assert ("complaints", "subjects", "Waiting times") not in rows  # the trust's row won
    assert rows[("complaints", "subjects", "Car parking")] == ("equipment_environment",
                                                               "shipped")
    assert con.execute("select max(version) from reference.theme_taxonomy").fetchone() \
        == ("2.0",)
    assert con.execute("select alias, location_id, site from reference.location_aliases"
                       ).fetchall() == [("W1", "L1", None)]


def _sample(mapping, name: str) -> str:
    """A plausible cell for a field of a template, written as its export would write it."""
    from pipelines.lib.canonical import BOOLEAN, DATE, ENUM, INTEGER, NUMBER, TIMESTAMP

    kind = mapping.entity.field(name).kind
    if kind == DATE:
        return dt.date(2025, 2, 3).strftime(mapping.date_format)
    if kind == TIMESTAMP:
        return dt.datetime(2025, 2, 3, 10, 15).strftime(mapping.timestamp_format)
    if kind == BOOLEAN:
        return "Yes"
    if kind in (INTEGER, NUMBER):
        return "3"
    if kind == ENUM:
        return next(iter(mapping.values.get(name) or {}), mapping.entity.field(name).values[0])
    return "Ward 7" if name == "location" else f"{name} 1"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES_DIR.glob("*.yml")))
def test_every_template_reads_an_export_in_its_own_layout(tmp_path, template):
    """Each shipped template, made active, loads a one-row export with exactly its columns
    (derived SJR problems included) without a rejected row."""
    from pipelines.lib.mapping import parse_mapping

    mapping = parse_mapping(TEMPLATES_DIR / template)
    assert mapping.template
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / template).write_text(
        (TEMPLATES_DIR / template).read_text(encoding="utf-8").replace("template: true\n", ""))
    header = list(dict.fromkeys(column for _, column in mapping.read_columns()))
    owner = {column: name for name, column in reversed(mapping.read_columns())}
    cells = [_sample(mapping, owner[c]) for c in header]
    for rule in mapping.derived.values():  # the list holds a type, the flag says harm
        cells[header.index(rule.if_list)] = rule.contains
        cells[header.index(rule.then)] = "Yes"
    glob = mapping.files[0].replace("*", "x")
    path = tmp_path / "raw" / glob
    path.parent.mkdir(parents=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, cells])
    [active] = load_mappings(tmp_path / "mappings")
    coerced = coerce(read_export(path, active), path, active)
    assert coerced.errors["reason"].to_list() == []
    [row] = coerced.frame.iter_rows(named=True)
    for entity_field in mapping.entity.fields:
        if entity_field.values and row[entity_field.name] is not None:
            assert row[entity_field.name] in entity_field.values, entity_field.name
    if mapping.derived:
        assert row["problem_other"] == "harm_yes" and row["problem_assessment"] == "none"


def test_a_profile_is_read_again_when_it_changed(tmp_path):
    (tmp_path / "profile.yml").write_text("vars:\n  recent_months: 3\n")
    assert load_profile(tmp_path) is load_profile(tmp_path)  # the same content: read once
    (tmp_path / "profile.yml").write_text("vars:\n  recent_months: 4\n")
    assert load_profile(tmp_path).dbt_vars == {"recent_months": 4}


def test_onboard_gives_a_required_field_its_only_fitting_column_before_an_optional_guess(
        tmp_path):
    """An independent probe's FFT export (ID, Survey Date, Team, Score, a comment): "Score",
    the 1-6 answer codes, was drafted as the site (its name is like the template's "Site
    code"), and the required rating had no column. Required fields now choose first, and a
    column of numbers is never a site."""
    folder = tmp_path / "exports" / "fft"
    folder.mkdir(parents=True)
    rows = ["ID,Survey Date,Team,Score,Why did you give this answer"] + [
        f"F{i:05d},2026-{i % 12 + 1:02d}-{i % 27 + 1:02d},TEAM-{i % 7},{i % 6 + 1},"
        f"Comment number {i} about the visit" for i in range(300)]
    (folder / "fft_responses.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = onboard(tmp_path / "exports", tmp_path / "profile")
    [proposal] = done.proposals
    assert proposal.spec["columns"]["rating"] == "Score"
    assert "site" not in proposal.spec["columns"]


@pytest.mark.parametrize("header", ["Ref No", "Ref. No.", "Complaint No", "Incident No.",
                                    "Case Number", "Reference Number"])
def test_a_record_id_column_named_as_a_number_or_reference_is_found(tmp_path, header):
    """A complaints export whose id column is "Ref No" (or "Case Number", ...) was drafted
    with complaint_id left for review: the template's 'Complaint Ref' is not in the file and
    phone numbers are a column of ids too. A header ending with a word naming an identifier
    is the record's, unless it is a person's or a phone's; a count is no id."""
    from pipelines.onboard.inspect import inspect_file
    from pipelines.onboard.propose import propose, templates

    (tmp_path / "complaints").mkdir()
    path = tmp_path / "complaints" / "log.csv"
    rows = [f"{header},Phone No,NHS No,No. of patients,Date Received,Primary Subject,Summary"]
    rows += [f"C{2000 + i},07700 900{i:03d},{9434765000 + i},{1 + i % 3},{1 + i % 27:02d}/03/2026,"
             f"Communication,Family were not told about the change of plan on day {i}"
             for i in range(40)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [layout] = inspect_file(path)
    proposal = propose([path], layout, "complaints", templates(), tmp_path)
    assert proposal.spec["columns"]["complaint_id"] == header and not proposal.undecided
    assert "is id with a name naming an identifier" in proposal.guesses["complaint_id"]
    # Without it, no person's or phone's number, nor a count, is taken for the record's id.
    path.write_text("\n".join(",".join(row.split(",")[1:]) for row in rows) + "\n",
                    encoding="utf-8")
    [layout] = inspect_file(path)
    proposal = propose([path], layout, "complaints", templates(), tmp_path)
    assert proposal.spec["columns"]["complaint_id"] == "REVIEW: which column?"


def test_location_suggestions_need_a_shared_distinctive_word():
    """Probe 4: "Elm Ward" was suggested as Cedar Ward (they share only "ward") although
    "Elm Stroke Unit" was listed, and "Delivery Suite" as Intensive Care Unit by string
    likeness; a type only one location has (delivery_suite) names it."""
    from pipelines.onboard.review import Place, suggest_location
    places = [Place(i, n, n, "", "St Aidan's") for i, n in (
        ("ICU", "Intensive Care Unit"), ("CED", "Cedar Ward"), ("ELM", "Elm Stroke Unit"),
        ("ASH", "Ash Ward"), ("WIL", "Willow Ward"))]
    places.append(Place("LAB", "Labour Ward", "delivery suite", "", "St Aidan's", by_type=True))
    assert suggest_location(places, "Elm Ward", "")[0].location_id == "ELM"
    assert suggest_location(places, "Delivery Suite", "")[0].location_id == "LAB"
    assert suggest_location(places[:-1], "Delivery Suite", "")[0] is None
    assert suggest_location(places, "ITU", "")[0].location_id == "ICU"
    assert suggest_location(places, "Birch Ward", "")[0] is None


def test_code_suggestions_weigh_every_word_of_the_code():
    """Probe 4: "Abuse/Aggression" and "Verbal Abuse to Staff" were suggested as safeguarding
    (the first keyword rule to match), "Self Injury" and "Device Failure" as pressure ulcers,
    "IPC" and "Ingestion" not at all."""
    from pipelines.lib.reference import shipped_rows
    from pipelines.onboard.review import suggest_theme
    rules = [r for r in shipped_rows("theme_keywords", ("rule_set", "theme_id", "pattern"))
             if r["rule_set"] == "narrative"]
    themes = shipped_rows("themes", ("theme_id", "theme_name", "description"))
    expected = {"Abuse/Aggression": "violence_restraint",
                "Verbal Abuse to Staff": "violence_restraint",
                "Self Injury": "self_harm_suicide", "Device Failure": "equipment_environment",
                "IPC": "infection", "Ingestion": "self_harm_suicide",
                "Medicines Management": "medication", "Car Parking": "", "Zebra Crossing": ""}
    got = {c: suggest_theme("incidents", c, [], rules, themes)[0] for c in expected}
    assert got == expected


def test_a_subcategory_takes_the_theme_its_records_categories_agree_on():
    from pipelines.onboard.review import same_records_theme
    assert same_records_theme(["infection"] * 26) == "infection"
    assert same_records_theme(["infection"] * 2) == ""  # too few records to say
    assert same_records_theme(["infection", "medication", "falls", "infection"]) == ""
