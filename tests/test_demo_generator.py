"""The demo trust generator: reproducible, scalable, consistent with the trust's seeds and the
demo mappings, and honest about what it planted (scenario_truth.json)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.demo import catalogue, generate_trust, texts
from pipelines.demo.reference import load_reference, location_key
from pipelines.demo.scenario import ScenarioError
from pipelines.lib.canonical import ENTITIES, ENUM
from pipelines.lib.mapping import files_for_source, load_mappings, normalise
from pipelines.lib.reference import layered
from pipelines.lib.settings import DEMO_PROFILE_DIR

SCALE = 0.03
SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr", "audit", "activity", "claims")
MAPPINGS = load_mappings(DEMO_PROFILE_DIR / "mappings")
REF = load_reference()


@pytest.fixture(scope="module")
def trust(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo_trust")
    return out, generate_trust(out, seed=11, scale=SCALE)


def read_export(path: Path, sheet: str | None) -> pl.DataFrame:
    """Every cell as text, as the loader reads it (UTF-8, else Windows-1252)."""
    if path.suffix == ".xlsx":
        return pl.read_excel(path, sheet_name=sheet, infer_schema_length=0)
    content = path.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("windows-1252")
    return pl.read_csv(text.encode(), infer_schema=False)


def label(mark: dict) -> str:
    """A truth entry's file as `exports` labels it: workbook sheets as file#sheet."""
    return mark["file"] + (f"#{mark['sheet']}" if "sheet" in mark else "")


def exports(raw: Path):
    """(file name as in the truth's volumes, mapping, frame) for every export."""
    for source in SOURCES:
        for path, mapping in files_for_source(raw, MAPPINGS, source):
            name = path.relative_to(raw).as_posix()
            name += f"#{mapping.sheet}" if mapping.sheet else ""
            yield name, mapping, read_export(path, mapping.sheet)


def column(mapping, frame: pl.DataFrame, field: str) -> pl.Series:
    headers = {normalise(h): h for h in frame.columns}
    return frame[headers[normalise(mapping.columns[field])]]


def file_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_byte_identical_files(tmp_path):
    generate_trust(tmp_path / "a", seed=5, scale=0.02)
    generate_trust(tmp_path / "b", seed=5, scale=0.02)
    generate_trust(tmp_path / "c", seed=6, scale=0.02)
    first = file_digests(tmp_path / "a")
    assert first == file_digests(tmp_path / "b")
    assert first != file_digests(tmp_path / "c")
    assert any(name.endswith(".xlsx") for name in first)


def test_volumes_follow_scale(trust, tmp_path):
    _, small = trust
    large = generate_trust(tmp_path, seed=11, scale=2 * SCALE)

    def rows(truth: dict, prefix: str) -> int:
        return sum(n for name, n in truth["volumes"].items() if name.startswith(prefix))

    for prefix in ("incidents/", "fft/", "complaints/"):
        assert 1.6 < rows(large, prefix) / rows(small, prefix) < 2.4, prefix
    # Two years of history, FFT the largest source, as at full size.
    assert rows(small, "fft/") > rows(small, "incidents/") > rows(small, "complaints/")
    assert len([n for n in small["volumes"] if n.startswith("fft/")]) == 24


def test_generator_replaces_only_its_own_folders(tmp_path):
    (tmp_path / "incidents").mkdir(parents=True)
    (tmp_path / "incidents" / "stale.csv").write_text("old export\n")
    (tmp_path / "pfd").mkdir()
    (tmp_path / "pfd" / "keep.csv").write_text("not ours\n")
    generate_trust(tmp_path, seed=1, scale=0.02)
    assert not (tmp_path / "incidents" / "stale.csv").exists()
    assert (tmp_path / "pfd" / "keep.csv").exists()
    assert (tmp_path / "scenario_truth.json").exists()


def test_every_export_is_read_by_one_mapping_with_all_its_columns(trust):
    raw, truth = trust
    names = set()
    for name, mapping, frame in exports(raw):
        names.add(name)
        headers = {normalise(h) for h in frame.columns}
        missing = [h for h in mapping.columns.values() if normalise(h) not in headers]
        assert not missing, f"{name}: {missing} not in the export"
        assert frame.height == truth["volumes"][name]
    assert names == set(truth["volumes"])


def test_every_enum_spelling_is_mapped(trust):
    raw, truth = trust
    bad = {(label(b), b["row"]) for b in truth["messiness"]["bad_rows"]}
    for name, mapping, frame in exports(raw):
        frame = frame.with_row_index("_row", offset=1)
        for field in mapping.entity.fields:
            if field.kind != ENUM or field.name not in mapping.columns:
                continue
            known = set(mapping.values.get(field.name, {})) | set(field.values)
            values = frame.filter(~pl.col("_row").is_in([r for f, r in bad if f == name]))
            spellings = {normalise(v) for v in column(mapping, values, field.name).drop_nulls()}
            assert spellings <= known | set(mapping.nulls), (name, spellings - known)


def test_location_spellings_resolve_through_the_seeds(trust):
    raw, truth = trust
    keys: dict[str, set[str]] = {}
    for loc in REF.locations:
        for spelling in loc.spellings:
            keys.setdefault(location_key(spelling), set()).add(loc.location_id)
    assert all(len(ids) == 1 for ids in keys.values()), "a spelling matches two locations"
    planted = {(label(u), u["row"]): u["value"]
               for u in truth["messiness"]["unresolvable_location_rows"]}
    assert set(planted.values()) == set(truth["messiness"]["unresolvable_locations"])
    for name, mapping, frame in exports(raw):
        if "location" not in mapping.columns:
            continue
        for row, value in enumerate(column(mapping, frame, "location").to_list(), start=1):
            if (name, row) in planted:
                assert value == planted[name, row]
                assert location_key(value) not in keys
            elif value:
                assert location_key(value) in keys, f"{name} row {row}: {value!r}"


def test_systems_spell_one_ward_in_many_ways(trust):
    raw, _ = trust
    ward_12 = {location_key(s) for s in REF.location("LOC-W12").spellings}
    spelled = {value for _, mapping, frame in exports(raw) if "location" in mapping.columns
               for value in column(mapping, frame, "location").drop_nulls().to_list()
               if location_key(value) in ward_12}
    assert len({location_key(value) for value in spelled}) >= 4, spelled
    assert len(spelled) > len({location_key(value) for value in spelled})  # case, punctuation


def _planted_rows(raw: Path, truth: dict, source: str, field: str) -> dict[str, list[str]]:
    """Theme -> the field's text in every row planted for a problem or decoy of that theme."""
    id_field = {"fft": "response_id", "inquests": "case_reference"}[source]
    wanted = {i: p["theme"] for p in truth["problems"] + truth["decoys"]
              for i in p["planted"].get(source, {}).get("ids", [])}
    found: dict[str, list[str]] = {}
    for _, mapping, frame in exports(raw):
        if mapping.source != source:
            continue
        for record_id, text in zip(column(mapping, frame, id_field).to_list(),
                                   column(mapping, frame, field).to_list(), strict=True):
            if record_id in wanted:
                found.setdefault(wanted[record_id], []).append(text)
    assert sum(map(len, found.values())) == len(wanted)
    return found


@pytest.mark.parametrize(("source", "field", "rule_set"), [("fft", "comment_improve", "fft"),
                                                           ("inquests", "concerns", "narrative")])
def test_planted_text_matches_its_theme_keywords(trust, source, field, rule_set):
    raw, truth = trust
    patterns = {t: re.compile(p, re.IGNORECASE)
                for (s, t), p in REF.keywords.items() if s == rule_set}
    planted = _planted_rows(raw, truth, source, field)
    assert planted
    for theme, texts_ in planted.items():
        for text in texts_:
            assert {t for t, p in patterns.items() if p.search(text)} == {theme}, text


def test_text_templates_match_only_their_own_theme():
    for rule_set, pools in (("fft", texts.FFT_IMPROVE), ("narrative", texts.INQUEST_CONCERNS)):
        patterns = {t: re.compile(p, re.IGNORECASE)
                    for (s, t), p in REF.keywords.items() if s == rule_set}
        assert set(patterns) == set(REF.themes) == set(pools)
        for theme, pool in pools.items():
            for text in pool:
                assert {t for t, p in patterns.items() if p.search(text)} == {theme}, text
    fft = [re.compile(p, re.IGNORECASE) for (s, _), p in REF.keywords.items() if s == "fft"]
    for text in texts.FFT_IMPROVE_GENERIC + texts.FFT_GOOD:
        assert not any(p.search(text) for p in fft), text


def test_narratives_of_a_theme_read_as_that_theme():
    # Planted incidents and complaints filed under "Other" are found through these (they may
    # read as other themes too: real narratives do).
    patterns = {t: re.compile(p, re.IGNORECASE)
                for (s, t), p in REF.keywords.items() if s == "narrative"}
    for pools in (texts.INCIDENT_DESCRIPTIONS, texts.COMPLAINT_NARRATIVES):
        for theme, pool in pools.items():
            for text in pool:
                assert patterns[theme].search(text), text


def test_some_planted_records_carry_only_a_generic_code(trust):
    raw, truth = trust
    planted = {i for p in truth["problems"] for i in p["planted"]["incidents"]["ids"]}
    generic = set()
    for _label, mapping, frame in exports(raw):
        if mapping.entity.name == "incidents":
            ids = column(mapping, frame, "incident_id").to_list()
            categories = column(mapping, frame, "category").to_list()
            generic |= {i for i, c in zip(ids, categories, strict=True) if c == "Other"}
    assert planted & generic


def test_planted_codes_map_to_the_planted_theme(trust):
    # ... or, for records filed under a generic code, their narrative reads as the theme.
    raw, truth = trust
    planted = {(s, i): p["theme"] for p in truth["problems"] + truth["decoys"]
               for s, got in p["planted"].items() for i in got["ids"]}
    narrative = {t: re.compile(p, re.IGNORECASE)
                 for (s, t), p in REF.keywords.items() if s == "narrative"}
    checked = 0
    for _label, mapping, frame in exports(raw):
        if mapping.entity.name == "incidents":
            rows = zip(column(mapping, frame, "incident_id").to_list(),
                       column(mapping, frame, "category").to_list(),
                       column(mapping, frame, "subcategory").to_list(),
                       column(mapping, frame, "description").to_list(), strict=True)
            for i, cat, sub, text in rows:
                if ("incidents", i) in planted:
                    theme = planted["incidents", i]
                    themes = (REF.themes_of("incidents", "category", cat)
                              | REF.themes_of("incidents", "subcategory", sub))
                    assert themes == {theme} or (
                        not themes and narrative[theme].search(text or "")), (cat, sub, text)
                    checked += 1
        if mapping.entity.name == "complaints":
            rows = zip(column(mapping, frame, "complaint_id").to_list(),
                       column(mapping, frame, "sub_subjects").to_list(),
                       column(mapping, frame, "description").to_list(), strict=True)
            for i, subs, text in rows:
                if ("complaints", i) in planted:
                    theme = planted["complaints", i]
                    themes = {t for s in subs.split(";")
                              for t in REF.themes_of("complaints", "sub_subjects", s)}
                    assert theme in themes or (
                        not themes and narrative[theme].search(text or "")), (subs, text)
                    checked += 1
    assert checked == sum(1 for s, _ in planted if s in ("incidents", "complaints"))


def test_truth_names_problems_decoys_and_national_events(trust):
    _, truth = trust
    problems, decoys = truth["problems"], truth["decoys"]
    assert len(problems) >= 3 and all(len(p["sources"]) >= 3 for p in problems)
    assert decoys and all(len(d["sources"]) == 1 for d in decoys)
    for plant in problems + decoys:
        assert plant["window"]["start"] < plant["window"]["end"] == truth["generator"]["end_date"]
        for source in plant["sources"]:
            assert plant["planted"][source]["count"] >= 3
    kinds = {e["kind"] for e in truth["national_requirements"]["planted"]}
    assert {"never_event", "learning_disability_death", "mental_health_act_death",
            "mnsi_referral", "child_death", "safeguarding"} <= kinds
    everything = truth["national_requirements"]["all_records"]
    for event in truth["national_requirements"]["planted"]:
        assert event["records"], event["kind"]
        # Every planted event is among the records meeting its criteria (an inquest can
        # follow one, but the criteria are read from incidents and SJRs).
        for source, ids in event["records"].items():
            if source in ("incidents", "sjr"):
                assert set(ids) <= set(everything[event["kind"]][source])


def test_truth_lists_bad_rows_where_they_are(trust):
    raw, truth = trust
    bad = truth["messiness"]["bad_rows"]
    reasons = {(b["source"], b["column"]) for b in bad}
    assert {("incidents", "occurred_date"), ("incidents", "physical_harm"),
            ("incidents", "incident_id"), ("sjr", "score_overall")} <= reasons
    frames = {name: (mapping, frame) for name, mapping, frame in exports(raw)}
    for row in bad:
        mapping, frame = frames[label(row)]
        value = column(mapping, frame, row["column"])[row["row"] - 1]
        key = column(mapping, frame, ENTITIES[mapping.entity.name].key[0])[row["row"] - 1]
        assert key == row["record_id"]
        if row["column"] == "score_overall":
            assert value == "7"
        elif row["column"].endswith("_id"):
            assert value is None
        elif row["column"] == "physical_harm":
            assert normalise(value) not in mapping.values["physical_harm"]
    for dup in truth["messiness"]["duplicate_rows"]:
        mapping, frame = frames[label(dup)]
        assert frame.row(dup["row"] - 1) in frame.head(dup["row"] - 1).rows()


def test_inquest_register_needs_windows_1252(trust):
    raw, _ = trust
    content = (raw / "inquests" / "inquest_register.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    assert {"’", "£"} <= set(content.decode("windows-1252"))


def test_catalogue_and_seeds_agree():
    rows = layered("theme_code_map", DEMO_PROFILE_DIR)
    known = {
        ("incidents", "category"): set(catalogue.INCIDENT_CATEGORIES),
        ("incidents", "subcategory"): {s for c in catalogue.INCIDENT_CATEGORIES.values()
                                       for s in c.subcategories},
        ("complaints", "sub_subjects"): set(catalogue.COMPLAINT_SUB_SUBJECTS),
        ("complaints", "subjects"): {s for s, _ in catalogue.COMPLAINT_SUB_SUBJECTS.values()},
        ("audit", "topic"): set(catalogue.AUDIT_TOPICS),
    }
    for row in rows:
        # A blank theme_id marks a code reviewed and deliberately themeless.
        assert row["theme_id"] == "" or row["theme_id"] in REF.themes, row
        codes = known.get((row["source"], row["code_field"]))
        assert codes is None or row["native_code"] in codes, row
    assert {loc.location_type for loc in REF.locations} <= set(catalogue.LOCATION_VOLUMES)


def test_a_scenario_dict_replaces_the_default_plants(tmp_path):
    scenario = {
        "problems": [{"name": "meds_ward_14", "theme": "medication",
                      "unit": {"level": "location", "value": "LOC-W14"},
                      "sources": ["incidents", "fft", "complaints"], "window_months": 3,
                      "intensity": 1.0}],
        "decoys": [],
    }
    truth = generate_trust(tmp_path, seed=3, scale=0.02, scenario=scenario)
    [problem] = truth["problems"]
    assert truth["decoys"] == []
    assert problem["window"]["start"] == "2026-08-01"
    assert all(p["count"] >= 6 for p in problem["planted"].values())


@pytest.mark.parametrize("change", [
    {"theme": "not_a_theme"},
    {"unit": {"level": "location", "value": "LOC-NOWHERE"}},
    {"sources": ["litigation"]},
    {"theme": "end_of_life_care", "sources": ["claims"]},  # no claims cause group codes to it
])
def test_an_impossible_scenario_is_refused(tmp_path, change):
    problem = {"name": "p", "theme": "falls", "unit": {"level": "location", "value": "LOC-W12"},
               "sources": ["incidents"], "window_months": 3, **change}
    with pytest.raises(ScenarioError):
        generate_trust(tmp_path, scale=0.02, scenario={"problems": [problem]})


def _dated(raw: Path, source: str, id_field: str, date_field: str,
           location: bool = False) -> pl.DataFrame:
    """Every row of a source's exports: id, the year-month of its date (any dialect), and its
    resolved location_id when asked."""
    keys = {location_key(s): loc.location_id for loc in REF.locations for s in loc.spellings}
    frames = []
    for _, mapping, frame in exports(raw):
        if mapping.source != source or id_field not in mapping.columns:
            continue
        dates = column(mapping, frame, date_field).cast(pl.String)
        columns = {"id": column(mapping, frame, id_field), "date": dates}
        if location:
            columns["location_id"] = column(mapping, frame, "location").map_elements(
                lambda v: keys.get(location_key(v)), return_dtype=pl.String)
        frames.append(pl.DataFrame(columns))
    dated = pl.concat(frames)
    # Dates arrive as 2024-05-17 (an Excel cell may add a time) or 17/05/2024; the planted
    # unparseable dates (31/09) are left out.
    date = pl.coalesce(pl.col("date").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
                       pl.col("date").str.to_date("%d/%m/%Y", strict=False))
    return dated.with_columns(date.dt.strftime("%Y-%m").alias("month"))


def test_more_years_and_an_end_date_reach_every_source(tmp_path):
    truth = generate_trust(tmp_path, seed=3, scale=0.03, years=5, end_date="2025-06-30")
    assert truth["generator"]["start_date"] == "2020-07-01"
    assert truth["generator"]["end_date"] == "2025-06-30"
    volumes = truth["volumes"]
    assert len([n for n in volumes if n.startswith("fft/")]) == 60
    # Four years of the legacy Datix export, then the new system's last twelve months.
    assert sorted(n for n in volumes if n.startswith("incidents/datix_export_")) == [
        f"incidents/datix_export_{year}.csv" for year in range(2020, 2025)]
    assert len([n for n in volumes if re.fullmatch(r"incidents/incidents_\d{4}-\d{2}\.csv", n)
                ]) == 12
    for source, id_field, date_field in (
            ("incidents", "incident_id", "occurred_date"),
            ("complaints", "complaint_id", "received_date"),
            ("fft", "response_id", "response_date"),
            ("inquests", "case_reference", "date_of_death"),
            ("sjr", "review_id", "date_of_death")):
        months = _dated(tmp_path, source, id_field, date_field)["month"].drop_nulls()
        years = {m[:4] for m in months.to_list()}
        assert {"2020", "2025"} <= years and years <= {str(y) for y in range(2020, 2026)}, source
        assert min(months.to_list()) >= "2020-07" and max(months.to_list()) <= "2025-06"


def test_one_year_comes_from_the_new_incident_system_only(tmp_path):
    truth = generate_trust(tmp_path, seed=3, scale=0.02, years=1)
    assert not [n for n in truth["volumes"] if n.startswith("incidents/datix_export_")]
    assert len([n for n in truth["volumes"] if n.startswith("incidents/incidents_2")]) == 12


def test_background_volume_grows_year_on_year(tmp_path):
    truth = generate_trust(tmp_path, seed=4, scale=0.2, years=3, end_date="2025-12-31",
                           scenario={"growth_per_year": 0.05})
    per_year = {year: sum(n for name, n in truth["volumes"].items()
                          if name.startswith(f"fft/fft_{year}-")) for year in (2023, 2025)}
    assert 1.05 < per_year[2025] / per_year[2023] < 1.17  # 1.05 ** 2 = 1.10


def test_scenario_plants_exact_counts_seasons_openings_and_code_changes(tmp_path):
    scenario = {
        "problems": [{"name": "sparse_deaths", "theme": "deterioration_sepsis",
                      "unit": {"level": "location", "value": "LOC-W7B"},
                      "counts": {"inquests": 2, "sjr": 3, "complaints": 2},
                      "window_months": 6}],
        "decoys": [],
        "seasonal_themes": [{"name": "winter_infection", "theme": "infection",
                             "counts": {"incidents": 200}, "peak_month": 1}],
        "unit_changes": [{"location": "LOC-W5", "change": "opens", "months_before_end": 5},
                         {"location": "LOC-CED", "change": "closes", "months_before_end": 8}],
        "code_changes": [{"source": "incidents", "from_theme": "medication",
                          "to_theme": "records_it", "share": 1.0, "months_before_end": 6}],
    }
    truth = generate_trust(tmp_path, seed=8, scale=0.1, scenario=scenario)
    [problem] = truth["problems"]
    assert {s: p["count"] for s, p in problem["planted"].items()} == {
        "inquests": 2, "sjr": 3, "complaints": 2}
    [season] = truth["seasonal_themes"]
    incidents = _dated(tmp_path, "incidents", "incident_id", "occurred_date", location=True)
    seasonal = incidents.filter(pl.col("id").is_in(season["planted"]["incidents"]["ids"]))
    assert seasonal.height == 200
    winter = seasonal.filter(pl.col("month").str.slice(5, 2).is_in(["11", "12", "01", "02", "03"]))
    assert winter.height > 0.8 * seasonal.height
    # No record of any source at Ward 5 before it opened, or at Cedar Ward once it closed.
    assert truth["unit_changes"] == [
        {"location_id": "LOC-W5", "change": "opens", "date": "2026-05-01"},
        {"location_id": "LOC-CED", "change": "closes", "date": "2026-02-01"}]
    fft = _dated(tmp_path, "fft", "response_id", "response_date", location=True)
    for frame in (incidents, fft):
        assert frame.filter((pl.col("location_id") == "LOC-W5")
                            & (pl.col("month") < "2026-05")).height == 0
        assert frame.filter((pl.col("location_id") == "LOC-W5")
                            & (pl.col("month") >= "2026-05")).height > 0
        assert frame.filter((pl.col("location_id") == "LOC-CED")
                            & (pl.col("month") >= "2026-02")).height == 0
    # From the change on, incidents coded to medication alone are filed under records/IT
    # codes (a medication category whose subcategory adds another theme keeps its code).
    medication_codes = {code for (source, _), table in REF.code_themes.items()
                        if source == "incidents"
                        for code, themes in table.items() if themes == {"medication"}}
    categories = _dated(tmp_path, "incidents", "incident_id", "occurred_date")
    coded = pl.DataFrame({
        "month": categories["month"],
        "category": pl.concat([column(m, f, "category").str.to_lowercase()
                               for _, m, f in exports(tmp_path)
                               if m.source == "incidents" and "category" in m.columns]),
    })
    medication = coded.filter(pl.col("category").is_in(list(medication_codes)))
    before = medication.filter(pl.col("month") < "2026-04").height / 17
    after = medication.filter(pl.col("month") >= "2026-04").height / 7
    assert before > 5 and after < 0.1 * before


@pytest.mark.parametrize("rule_set", ["fft", "narrative"])
def test_pressure_damage_in_everyday_words_matches_only_pressure_ulcers(rule_set):
    """Probe 4: 11 of 21 planted Willow Ward FFT comments about pressure damage got no theme:
    the rules knew "skin breakdown" and "not turned", not "my skin broke down" or "nobody
    turned me". Everyday uses of the same words ("turned up", a sore throat, a sore back)
    stay unmatched."""
    patterns = {t: re.compile(p, re.IGNORECASE)
                for (s, t), p in REF.keywords.items() if s == rule_set}
    pressure = patterns["pressure_ulcers"]
    for text in ("My skin broke down on my heels, the nurses did not check it.",
                 "Nobody turned me and now I have a sore on my back.",
                 "We complained about his skin breaking down and were told they were short "
                 "staffed.", "Nobody turned my grandmother at night.",
                 "Nobody changed my position at night.", "His pressure were unstageable."):
        assert pressure.search(text), text
    for text in ("The paramedics turned up in 10 minutes.", "Nobody turned up to collect me.",
                 "I had a sore throat for days.", "My back was sore from the trolley.",
                 "Small skin tear to forearm dressed.", "I was in a difficult position.",
                 "The doctor had a sore on his hand."):
        assert not pressure.search(text), text
