"""The demo trust generator: reproducible, scalable, consistent with the trust's seeds and the
demo mappings, and honest about what it planted (scenario_truth.json)."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.demo import catalogue, generate_trust, texts
from pipelines.demo.reference import SEEDS_DIR, load_reference, location_key
from pipelines.demo.scenario import ScenarioError
from pipelines.lib.canonical import ENTITIES, ENUM
from pipelines.lib.mapping import files_for_source, load_mappings, normalise
from pipelines.lib.settings import PROJECT_ROOT

SCALE = 0.03
SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr", "audit", "activity")
MAPPINGS = load_mappings(PROJECT_ROOT / "mappings")
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
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "keep.csv").write_text("not ours\n")
    generate_trust(tmp_path, seed=1, scale=0.02)
    assert not (tmp_path / "incidents" / "stale.csv").exists()
    assert (tmp_path / "claims" / "keep.csv").exists()
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
    with (SEEDS_DIR / "theme_code_map.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
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
    {"sources": ["claims"]},
])
def test_an_impossible_scenario_is_refused(tmp_path, change):
    problem = {"name": "p", "theme": "falls", "unit": {"level": "location", "value": "LOC-W12"},
               "sources": ["incidents"], "window_months": 3, **change}
    with pytest.raises(ScenarioError):
        generate_trust(tmp_path, scale=0.02, scenario={"problems": [problem]})
