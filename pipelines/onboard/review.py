"""`triangulate check` and `triangulate accept`: a profile validated against the exports
without a refresh, and review sheets a person accepts row by row.

`check` reads every export through the profile's mappings with the loader's own code, then
reports: mappings that do not parse or lack a required field, files no mapping (or two)
reads, batch errors, coded values no value map covers, and writes two review sheets into
`<profile>/review/`:
- `locations.csv`: each location spelling (with the site it was exported with) that the
  profile's locations and aliases do not resolve, with the closest location and a score;
- `codes.csv`: each code (incident category, complaint subject ...) no code map row covers,
  with a suggested theme, a score and its basis (the shipped national code maps, the keyword
  rules, the taxonomy's descriptions, the themes the same records' other codes have).
  Weak suggestions are left blank.
A person puts `y` in the `accept` column (changing the suggestion first where it is wrong),
and `accept` writes those rows into the profile's reference CSVs. The sheets hold values as
exported, so they stay in the private profile folder; the console shows only counts.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.lib.canonical import ENUM, SOURCES
from pipelines.lib.errors import UserFacingError
from pipelines.lib.identifiers import IDENTIFIER_NAMES, redact
from pipelines.lib.ingest import (
    mostly_rejected,
    rows_of_commonest_problem,
    stops_the_batch,
)
from pipelines.lib.loading import coerce, read_export
from pipelines.lib.mapping import (
    Mapping,
    MappingError,
    header_key,
    is_export_file,
    pair_files,
    parse_mapping,
)
from pipelines.lib.names import holds_a_name, place_phrases, reads_as_a_new_name
from pipelines.lib.profile import ProfileError, load_profile
from pipelines.lib.reference import (
    LAYERS,
    REFERENCE_FOLDER,
    layered,
    read_rows,
    repeated_reference_rows,
    shipped_rows,
)
from pipelines.lib.spreadsheet_text import as_text, as_written, row_as_text
from pipelines.onboard.inspect import profile_column

REVIEW_FOLDER = "review"
# Fields holding codes a trust's system configures, per source (theme_code_map.code_field).
CODE_FIELDS = {
    "incidents": ("category", "subcategory", "lfpse_safety_challenge", "lfpse_agent",
                  "lfpse_process", "never_event_type"),
    "complaints": ("subjects", "sub_subjects"),
    "audit": ("topic", "guidance_reference"),
    "claims": ("cause_group", "cause"),
}
LOCATION_REVIEW = ("source", "location_as_exported", "site_as_exported", "records",
                   "suggested_location_id", "suggested_location_name", "score", "accept")
COLUMN_REVIEW = ("file", "sheet", "column", "content", "date_format", "fill_rate",
                 "distinct_values", "mapped_to", "how")
CODE_REVIEW = ("source", "code_field", "native_code", "records", "records_without_theme",
               "suggested_theme_id", "score", "basis", "accept")
ACCEPTED = {"y", "yes", "x", "1", "true", "accept", "accepted"}
# A house number then a street ("12 Acacia Avenue"): an address, as no place or code is.
_ADDRESS = re.compile(r"(?i)\b\d{1,4}[a-z]?,?\s+(?:[a-z'’-]+\s+){1,3}(?:road|rd|street|st|"
                      r"avenue|ave|lane|close|drive|crescent|grove|terrace|gardens|way|court|"
                      r"place|square|mews|walk|row)\b")
MIN_LOCATION_SCORE = 0.5
# How trusts abbreviate places: expanded before spellings are compared.
_ABBREVIATIONS = {
    "w": "ward", "wd": "ward", "ae": "emergency department", "ed": "emergency department",
    "aande": "emergency department", "opd": "outpatients", "op": "outpatients",
    "itu": "intensive care", "icu": "intensive care", "amu": "acute medical unit",
    "sdec": "same day emergency care", "mau": "medical assessment unit",
    "sau": "surgical assessment unit", "dsu": "day surgery unit", "nnu": "neonatal unit",
    "scbu": "neonatal unit", "mlu": "midwifery led unit", "dept": "department",
}
_STOPWORDS = {"and", "or", "of", "the", "a", "an", "to", "in", "on", "for", "with", "not",
              "other", "general", "issue", "issues", "incident", "incidents", "care"}


@dataclass
class CheckResult:
    profile: Path
    problems: list[str] = field(default_factory=list)  # stop a refresh: must be fixed
    notes: list[str] = field(default_factory=list)  # worth a look, do not stop a refresh
    files_read: int = 0
    files_found: int = 0  # export files a mapping reads (some may fail to read)
    files_unread: int = 0  # export files in a source's folder no mapping reads
    rows_read: int = 0
    unresolved_locations: int = 0
    unmapped_codes: int = 0
    location_sheet: Path | None = None
    code_sheet: Path | None = None


# --- reading the exports through the profile --------------------------------------------


@dataclass
class Seen:
    """What the exports hold, gathered across files: location spellings with their sites, and
    per record its codes, per code field."""

    locations: Counter = field(default_factory=Counter)  # (source, spelling, site) -> rows
    codes: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)  # rows of review/columns.csv


def _mappings(folder: Path, result: CheckResult) -> list[Mapping]:
    mappings = []
    paths = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not paths:
        result.problems.append(f"{folder}: no mapping files (*.yml)")
    for path in paths:
        try:
            mapping = parse_mapping(path)
        except MappingError as error:
            result.problems.append(str(error))
            continue
        if mapping.template:
            result.problems.append(f"mapping {path}: still marked `template: true`: delete "
                                   "that line once it describes your export")
        for name, column in mapping.columns.items():
            if column.startswith("REVIEW"):
                result.problems.append(f"mapping {path}: columns.{name} is not decided yet")
        mappings.append(mapping)
    return mappings


def gather(profile: Path, raw: Path, result: CheckResult) -> Seen:
    seen = Seen()
    try:
        load_profile(profile)
    except ProfileError as error:
        result.problems.append(str(error))
    mappings = _mappings(profile / "mappings", result)
    for source in SOURCES:
        pairs, problems = pair_files(raw, mappings, source)
        result.problems += [str(problem) for problem in problems]
        result.files_found += len({path for path, _ in pairs})
        result.files_unread += len(_export_files(raw / source) - {path for path, _ in pairs})
        read_paths = set()
        described = set()  # mappings whose columns the sheet shows (from their first file)
        for path, mapping in pairs:
            try:
                read = read_export(path, mapping)
                coerced = coerce(read, path, mapping)
            except UserFacingError as error:
                result.problems.append(str(error))
                continue
            read_paths.add(path)
            if mapping.path not in described:
                described.add(mapping.path)
                seen.columns += _column_rows(path.relative_to(raw), mapping, read.frame)
            result.rows_read += read.rows_read
            frame = coerced.frame
            unmapped = _value_gaps(path, mapping, frame, result)
            # Rows of the wrong shape (a stray quote, a missing field) and rows holding a
            # value the mapping cannot read.
            missing = _missing_required(mapping, frame)
            rejected = read.malformed.height + len(
                set(coerced.errors["_source_row"]) | unmapped | missing)
            # The rows of the commonest problem of one column (a small file stops on one).
            one_problem = max(len(unmapped), len(missing),
                              rows_of_commonest_problem(coerced.errors))
            if mostly_rejected(rejected, read.rows_read, one_problem):
                result.problems.append(f"{path}: {rejected} of {read.rows_read} rows would be "
                                       "rejected (rows of the wrong shape or values the "
                                       "mapping cannot read), so the refresh would stop: it "
                                       "refuses a file with more than half its rows rejected")
            elif rejected:
                result.notes.append(f"{path}: {rejected} of {read.rows_read} rows would be "
                                    "rejected (rows of the wrong shape or values the mapping "
                                    "cannot read; the refresh lists each in rejected_rows)")
            _note_unplaced(mapping, result)
            if "location" in frame.columns and "location" in mapping.mapped_fields():
                sites = frame["site"] if "site" in frame.columns else pl.Series([None] * len(frame))
                for spelling, site in zip(frame["location"], sites, strict=True):
                    if spelling:
                        seen.locations[(source, spelling, site or "")] += 1
            fields = [f for f in CODE_FIELDS.get(source, ()) if f in mapping.mapped_fields()]
            for row in frame.select(fields).iter_rows(named=True) if fields else ():
                seen.codes.append((source, {
                    f: [v for v in (row[f] if isinstance(row[f], list) else [row[f]]) if v]
                    for f in fields}))
        result.files_read += len(read_paths)
    return seen


# Where a problem or note names its file: the text up to the first export's extension.
_NAMED_FILE = re.compile(r"^(?P<path>.*?\.(?:csv|tsv|txt|xlsx|xlsm|xlsb|xls|ods))(?=[: ])",
                         re.IGNORECASE)


def grouped(lines: list[str]) -> list[str]:
    """Problems or notes that say the same of several files (the same words, their own
    counts) as one line each: the first file's, naming how many others and which (25 monthly
    workbooks each with one unmapped value were 75 lines)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for line in lines:
        named = _NAMED_FILE.match(line)
        path = named["path"] if named else ""
        # Only files of one folder (one source) are grouped: a source's line stays its own.
        key = f"{Path(path).parent}|{re.sub(r'[0-9]+', '#', line[len(path):])}" if named \
            else line
        groups.setdefault(key, []).append((path, line))
    out = []
    for members in groups.values():
        (path, line), rest = members[0], [p for p, _ in members[1:]]
        # The same line again for the first file (one per value of a field) is counted as
        # such, not as another file.
        same = sum(p == path for p in rest)
        others = list(dict.fromkeys(p for p in rest if p != path))
        also = [f"{same} more like it in the same file"] if same else []
        if others:
            names = [Path(p).name for p in others]
            listed = ", ".join(names) if len(names) <= 3 else f"{names[0]} .. {names[-1]}"
            also.append(f"the same, with their own counts, in {len(others)} other "
                        f"file{'s' if len(others) > 1 else ''}: {listed}")
        out.append(f"{line} [{'; '.join(also)}]" if also else line)
    return out


def _missing_required(mapping, frame) -> set[int]:
    """Rows the refresh's checks reject for a required field (the record's id, its date)
    left empty: a sparse column drafted as a claim's reference rejects most claims."""
    required = [f for f in mapping.entity.required if f in frame.columns]
    if not required or "_source_row" not in frame.columns:
        return set()
    return set(frame.filter(pl.any_horizontal(pl.col(f).is_null() for f in required))
               ["_source_row"].to_list())


def _export_files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() and is_export_file(p)} \
        if folder.is_dir() else set()


def _column_rows(relative: Path, mapping: Mapping, frame: pl.DataFrame) -> list[dict]:
    """review/columns.csv's rows for a mapping, from its first file: what each column holds
    and which fields the mapping as it now stands reads from it ("guessed" while its line
    is still marked REVIEW)."""
    fields = defaultdict(list)
    for name, column in mapping.read_columns():
        fields[header_key(column)].append(name)
    marked = _marked_for_review(mapping.path)
    rows = []
    for name in frame.columns[1:]:  # after the loader's row number
        column, read = profile_column(frame[name]), fields.get(header_key(name), [])
        rows.append({
            "file": relative.as_posix(),
            "sheet": (", ".join(mapping.sheet) if isinstance(mapping.sheet, tuple)
                      else mapping.sheet or ""), "column": name,
            "content": column.kind, "date_format": column.date_format or "",
            "fill_rate": f"{column.fill_rate:.2f}", "distinct_values": column.distinct,
            "mapped_to": "; ".join(read[:3]) + (" ..." if len(read) > 3 else ""),
            "how": ("guessed" if marked & set(read) else "read" if read else "not read")})
    return rows


def _marked_for_review(path: Path) -> set[str]:
    """The fields whose line in a mapping still carries a `# REVIEW` mark."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {m[1] for line in lines if (m := re.match(r"\s+(\w+):.*#\s*REVIEW", line))}


def _note_unplaced(mapping: Mapping, result: CheckResult) -> None:
    """A mapping that reads no location for a source that has one places none of its
    records: say so once, so "0 location spellings do not resolve" is not read as all
    resolved."""
    note = (f"mapping {mapping.path}: no column is read as location, so its records count at "
            "trust level only, in no ward or department")
    has_location = any(f.name == "location" for f in mapping.entity.fields)
    if has_location and "location" not in mapping.mapped_fields() and note not in result.notes:
        result.notes.append(note)


def _value_gaps(path: Path, mapping: Mapping, frame: pl.DataFrame,
                result: CheckResult) -> set[int]:
    """Every value seen is either mapped or listed: an enum value that is neither canonical
    nor in the mapping's value map would be a rejected row. Returns those rows' numbers."""
    rows: set[int] = set()
    for entity_field in mapping.entity.fields:
        if entity_field.kind != ENUM or entity_field.name not in mapping.mapped_fields():
            continue
        values = frame[entity_field.name].drop_nulls().value_counts(sort=True).rows()
        unknown = [v for v, _ in values if v not in entity_field.values]
        rows.update(frame.filter(pl.col(entity_field.name).is_in(unknown))["_source_row"])
        for value, count in values:
            if value in unknown and stops_the_batch(count, frame.height):
                result.problems.append(
                    f"{path} (mapping {mapping.path}): {count} of {frame.height} rows hold "
                    f"one {entity_field.name} value no value map covers (the most common of "
                    f"the file's in the review sheet values.csv), so the refresh would stop: "
                    f"add it under `values: {entity_field.name}:`")
        if unknown:  # their rows are rejected: a problem if most are (gather) or one is common
            result.notes.append(
                f"{path} (mapping {mapping.path}): {len(unknown)} value(s) of "
                f"{entity_field.name} are not mapped: add them under `values: "
                f"{entity_field.name}:` (see the review sheet values.csv)")
            _append_values(result.profile, path, entity_field.name, unknown)
    return rows


def _append_values(profile: Path, path: Path, name: str, values: list[str]) -> None:
    sheet = profile / REVIEW_FOLDER / "values.csv"
    new = not sheet.exists()
    with sheet.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["file", "field", "value_as_exported"])
        writer.writerows([as_text(path.name), name, as_text(v)] for v in values)
    sheet.chmod(0o600)  # values as exported, as in the other sheets (_write)


# --- location suggestions ------------------------------------------------------------------


def location_key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _words(value: str) -> list[str]:
    tokens = re.findall(r"[a-z]+|\d+[a-z]?", value.lower().replace("&", "and"))
    joined = "".join(tokens)
    if joined in _ABBREVIATIONS:
        return _ABBREVIATIONS[joined].split()
    return [w for t in tokens for w in _ABBREVIATIONS.get(t, t).split()]


def spelling_score(exported: str, candidate: str) -> float:
    """How alike two spellings of a place are, 0..1: their words (abbreviations expanded)
    compared as text and as sets; numbers must agree (Ward 7 is not Ward 8)."""
    a, b = _words(exported), _words(candidate)
    numbers_a = {w for w in a if w[0].isdigit()}
    numbers_b = {w for w in b if w[0].isdigit()}
    if numbers_a != numbers_b:
        return 0.0
    if not a or not b:
        return 0.0
    text = difflib.SequenceMatcher(None, " ".join(a), " ".join(b)).ratio()
    overlap = len(set(a) & set(b)) / len(set(a) | set(b))
    contained = len(set(a) & set(b)) / min(len(set(a)), len(set(b)))
    return round(max(text, overlap, 0.9 * contained if contained == 1 else 0), 2)


@dataclass(frozen=True)
class Place:
    location_id: str
    name: str
    spelling: str
    site: str  # the alias's site ("" for names and aliases valid at any site)
    location_site: str  # the site of the location in locations.csv
    by_type: bool = False  # spelt as its location type (suggestions only)


def _places(profile: Path) -> list[Place]:
    locations = {r["location_id"]: r for r in layered("locations", profile)}
    places = [Place(i, r["location_name"], r["location_name"], "", r["site"])
              for i, r in locations.items()]
    places += [Place(r["location_id"], locations[r["location_id"]]["location_name"], r["alias"],
                     r["site"], locations[r["location_id"]]["site"])
               for r in layered("location_aliases", profile) if r["location_id"] in locations]
    return places


def same_site(exported: str, site: str) -> bool:
    """An exported site naming a site of the list: the same, its first word ("Riverside"
    for "Riverside General Hospital") or its initials ("RGH")."""
    words = re.findall(r"[a-z0-9]+", site.lower())
    key = location_key(exported)
    return bool(key and words) and key in {"".join(words), words[0],
                                           "".join(w[0] for w in words)}


def resolves(places: list[Place], spelling: str, site: str) -> bool:
    """As dbt resolves (int_location_keys_*): a key of the record's site, else one for any
    site; a key pointing at two locations resolves to neither."""
    key, site_key = location_key(spelling), location_key(site)
    for wanted_site in (site_key, ""):
        ids = {p.location_id for p in places
               if location_key(p.spelling) == key and location_key(p.site) == wanted_site}
        if ids:
            return len(ids) == 1
    return False


# Words that say what kind of place a place is, not which one ("Elm Ward" and "Cedar Ward"
# share only "ward"): a suggestion needs a distinctive word in common.
_PLACE_KINDS = {"ward", "wards", "unit", "units", "department", "suite", "hospital", "centre",
                "center", "clinic", "clinics", "bay", "bays", "room", "area", "service",
                "services", "team", "floor", "wing", "block", "site", "and", "the", "of"}


def _distinctive(words: list[str], common: set[str]) -> set[str]:
    return {w for w in words if w not in _PLACE_KINDS and w not in common and not w[0].isdigit()}


def _same_word(a: str, b: str) -> bool:
    """The same word, its abbreviation ("resp", "respiratory") or a near spelling."""
    if a == b or (min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a))):
        return True
    return min(len(a), len(b)) >= 5 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def location_suggestion_score(exported: str, candidate: str, common: set[str]) -> float:
    """spelling_score, but two spellings that each have distinctive words (not "ward",
    "unit" or a word most places share) and share none of them score at most 0.3: "Elm
    Ward" is not "Cedar Ward"; sharing one raises the score ("Elm Ward", "Elm Stroke
    Unit")."""
    score = spelling_score(exported, candidate)
    mine = _distinctive(_words(exported), common)
    theirs = _distinctive(_words(candidate), common)
    if not mine or not theirs or score == 0.0:
        return score
    shared = {w for w in mine if any(_same_word(w, t) for t in theirs)}
    if not shared:
        return round(min(score, 0.3), 2)
    return round(max(score, 0.6 + 0.3 * len(shared) / len(mine)), 2)


def _common_words(places: list[Place]) -> set[str]:
    """Words in the names of a third or more of the locations (at least three)."""
    counts: Counter = Counter()
    names = {p.location_id: p.name for p in places}
    for name in names.values():
        counts.update(set(_words(name)))
    return {w for w, n in counts.items() if n >= max(3, len(names) / 3)}


def _type_places(profile: Path) -> list[Place]:
    """A location type only one location has ("delivery_suite", "critical_care") as a
    spelling of it, for suggestions only (dbt does not resolve by type)."""
    rows = layered("locations", profile)
    types = Counter(r.get("location_type", "") for r in rows)
    return [Place(r["location_id"], r["location_name"], r["location_type"].replace("_", " "),
                  "", r["site"], by_type=True)
            for r in rows if r.get("location_type") and types[r["location_type"]] == 1
            and set(_words(r["location_type"].replace("_", " "))) - _PLACE_KINDS]


def suggest_location(places: list[Place], spelling: str, site: str) -> tuple[Place | None, float]:
    common = _common_words(places)
    best, best_key = None, (0.0, 0.0)
    for place in places:
        score = location_suggestion_score(spelling, place.spelling, common)
        if (place.site and location_key(place.site) == location_key(site)) or same_site(
                site, place.location_site):
            score = round(min(1.0, score + 0.05), 2)
        if place.by_type:
            score = min(score, 0.8)  # a kind of place, not its name
        key = (score, spelling_score(spelling, place.spelling))  # ties: the likelier text
        if key > best_key:
            best, best_key = place, key
    best_score = best_key[0]
    return (best, best_score) if best_score >= MIN_LOCATION_SCORE else (None, best_score)


# --- code suggestions ----------------------------------------------------------------------


# How trusts' codes say what the taxonomy says in other words.
_CODE_SYNONYMS = {
    "ipc": "infection prevention control", "hcai": "infection", "injury": "harm",
    "injuries": "harm", "aggression": "violence", "ingestion": "overdose swallowed",
    "nnu": "neonatal", "scbu": "neonatal", "pph": "postpartum haemorrhage",
    "partum": "postpartum", "tv": "pressure", "vte": "thrombosis", "dols": "safeguarding",
}
_CODE_STOPWORDS = _STOPWORDS | {"poor", "done", "unexpected", "management", "related",
                                "inadequate", "error", "patient", "staff"}
MIN_THEME_SCORE = 0.3  # weaker suggestions are left blank for a person to choose
SAME_RECORDS_SHARE = 0.8  # of a code's records whose other codes agree on a theme


def _stem(word: str) -> str:
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    for suffix in ("ation", "ment", "ure", "ion", "ing", "ed", "ie", "y", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)]
    return word


def _content_words(text: str, stopwords: set[str] = _STOPWORDS) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]+", text.lower()) if w not in stopwords}


def _code_words(code: str) -> list[set[str]]:
    """Each content word of a code with its synonyms' words, stemmed."""
    words = [w for w in re.findall(r"[a-z]+", code.lower()) if w not in _CODE_STOPWORDS]
    return [{_stem(w)} | _content_words(_CODE_SYNONYMS.get(w, "")) for w in words]


def suggest_theme(source: str, code: str, code_map: list[dict], rules: list[dict],
                  themes: list[dict]) -> tuple[str, float, str]:
    """(theme_id, score, basis): the same code in another field of the code map (the shipped
    national maps: LFPSE, KO41a ...) first; else the theme covering most of the code's words
    (synonyms included: "IPC", "self injury"), a word covered when the theme's keyword rule
    matches it or its name or description holds it; ties go to a theme whose rule matched.
    "Abuse/Aggression": violence_restraint covers both words, safeguarding only "abuse"."""
    lowered = code.strip().lower()
    for row in code_map:
        if row["source"] == source and row["native_code"].strip().lower() == lowered \
                and row["theme_id"]:
            return row["theme_id"], 1.0, f"code map ({row['code_field']})"
    words = _code_words(code)
    if not words:
        return "", 0.0, "no suggestion"
    matched: dict[str, set[str]] = defaultdict(set)  # theme -> words its rules matched
    for rule in rules:
        try:
            for hit in re.finditer(rule["pattern"], code, re.IGNORECASE):
                matched[rule["theme_id"]] |= _content_words(hit.group(0), set())
        except re.error:
            continue
    best, best_key = "", (0.0, False)
    for theme in themes:
        vocabulary = _content_words(" ".join((theme["theme_name"], theme["description"])))
        by_rule = matched.get(theme["theme_id"], set())
        covered = sum(1 for forms in words if forms & (vocabulary | by_rule))
        key = (covered / len(words), bool(by_rule))
        if key > best_key:
            best, best_key = theme["theme_id"], key
    coverage, by_rule = best_key
    score = round(0.5 + 0.4 * coverage, 2) if by_rule else round(0.7 * coverage, 2)
    if not best or score < MIN_THEME_SCORE:
        return "", score, "no suggestion"
    return best, score, "keyword rule (narrative)" if by_rule else "taxonomy description"


def same_records_theme(code_themes: Iterable[str]) -> str:
    """The theme most of a code's records agree on through their other codes (a
    subcategory's category), when SAME_RECORDS_SHARE of them do; else ""."""
    counts = Counter(code_themes)
    total = sum(counts.values())
    if not total:
        return ""
    theme, n = counts.most_common(1)[0]
    return theme if theme and n >= SAME_RECORDS_SHARE * total and total >= 3 else ""


# --- check and accept ------------------------------------------------------------------------


def check(profile: Path, raw: Path) -> CheckResult:
    result = CheckResult(profile)
    review = profile / REVIEW_FOLDER
    review.mkdir(parents=True, exist_ok=True)
    (review / "values.csv").unlink(missing_ok=True)
    seen = gather(profile, raw, result)
    result.problems += repeated_reference_rows(profile)
    result.location_sheet = review / "locations.csv"
    result.code_sheet = review / "codes.csv"
    _write(result.location_sheet, LOCATION_REVIEW, _location_rows(profile, seen, result),
           for_people=True)
    # The mappings as they now stand, hand edits included (not the draft onboard wrote).
    _write(review / "columns.csv", COLUMN_REVIEW, seen.columns, for_people=True)
    _write(result.code_sheet, CODE_REVIEW, _code_rows(profile, seen, result), for_people=True)
    return result


def _location_rows(profile: Path, seen: Seen, result: CheckResult) -> list[dict]:
    places = _places(profile)
    candidates = places + _type_places(profile)
    spellings: Counter = Counter()
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (source, spelling, site), n in seen.locations.items():
        if not resolves(places, spelling, site):
            spellings[(spelling, site)] += n
            sources[(spelling, site)].add(source)
    result.unresolved_locations = len(spellings)
    rows = []
    for (spelling, site), n in spellings.most_common():
        place, score = suggest_location(candidates, spelling, site)
        rows.append({
            "source": "; ".join(sorted(sources[(spelling, site)])),
            "location_as_exported": spelling, "site_as_exported": site, "records": n,
            "suggested_location_id": place.location_id if place else "",
            "suggested_location_name": place.name if place else "",
            "score": score, "accept": ""})
    return rows


def _code_rows(profile: Path, seen: Seen, result: CheckResult) -> list[dict]:
    code_map = layered("theme_code_map", profile)
    mapped = {(r["source"], r["code_field"], r["native_code"].strip().lower()): r["theme_id"]
              for r in code_map}
    counts: Counter = Counter()
    without_theme: Counter = Counter()
    for source, fields in seen.codes:
        codes = [(f, c) for f, values in fields.items() for c in values]
        themed = any(mapped.get((source, f, c.strip().lower())) for f, c in codes)
        for f, c in codes:
            if (source, f, c.strip().lower()) not in mapped:
                counts[(source, f, c)] += 1
                without_theme[(source, f, c)] += not themed
    rules = [r for r in layered("theme_keywords", profile) if r["rule_set"] == "narrative"]
    themes = shipped_rows("themes", ("theme_id", "theme_name", "description"))
    suggested = {key: suggest_theme(key[0], key[2], code_map, rules, themes) for key in counts}
    # What each record's other codes say (a subcategory's category, mapped or well suggested).
    known = {key: theme for key, (theme, score, _) in suggested.items() if score >= 0.7}

    def theme_of(source: str, code_field: str, code: str) -> str:
        return mapped.get((source, code_field, code.strip().lower())) \
            or known.get((source, code_field, code), "")

    others: dict[tuple, list[str]] = defaultdict(list)
    for source, fields in seen.codes:
        codes = [(f, c) for f, values in fields.items() for c in values]
        for f, c in codes:
            if (source, f, c) in counts:
                others[(source, f, c)].append(next(
                    (theme for g, d in codes if g != f and (theme := theme_of(source, g, d))),
                    ""))
    rows = []
    for (source, code_field, code), n in sorted(
            counts.items(), key=lambda item: (-without_theme[item[0]], -item[1])):
        theme, score, basis = suggested[(source, code_field, code)]
        agreed = same_records_theme(others[(source, code_field, code)])
        if agreed and score < 0.8 and agreed != theme:
            theme, score, basis = agreed, 0.75, "the same records' other codes"
        rows.append({"source": source, "code_field": code_field, "native_code": code,
                     "records": n, "records_without_theme": without_theme[(source, code_field,
                                                                            code)],
                     "suggested_theme_id": theme, "score": score, "basis": basis,
                     "accept": ""})
    result.unmapped_codes = sum(1 for r in rows if r["records_without_theme"])
    return rows


def _write(path: Path, columns: tuple[str, ...], rows: list[dict],
           for_people: bool = False) -> None:
    """A CSV of `rows`; `for_people` (a review sheet, opened in a spreadsheet): values an
    export could make a formula written as text, and the sheet its user's only (it holds
    values as exported), in a folder of theirs only, however it was made before."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(map(row_as_text, rows) if for_people else rows)
    if for_people:
        path.chmod(0o600)
        path.parent.chmod(0o700)


def _read_sheet(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """A review sheet's rows as `_write` was given them."""
    return [{k: as_written(v) for k, v in row.items()} for row in read_rows(path, columns)]


def identifying(value: str, places: Iterable[str] = ()) -> str | None:
    """What in an exported value looks like a patient's identifier ("an NHS number", "an
    address", "a name"), or None. A reference CSV's values are published and their words make
    others publishable (int_publishable_words), so such a value is neither drafted nor
    accepted. A name without a title ("Jane Smith", "June Long Ward 7") is told from a place
    named after someone as the word screen tells it (pipelines.lib.names): `places` are the
    phrases of the trust's own places that name one so ("florence nightingale ward")."""
    kinds = list(redact(value).kinds) + (["address"] if _ADDRESS.search(value) else [])
    if "titled_name" not in kinds and holds_a_name(value, places):
        kinds.append("untitled_name")
    return " and ".join(IDENTIFIER_NAMES[kind] for kind in kinds) or None


def named_places(profile: Path) -> set[str]:
    """The phrases of the profile's places (names, sites, aliases) that name one after
    someone: a spelling holding one is a place, not a patient's name (`identifying`)."""
    texts = [t for r in layered("locations", profile) for t in (r["location_name"], r["site"])]
    texts += [r["alias"] for r in layered("location_aliases", profile)]
    return {phrase for text in texts if text for phrase in place_phrases(text)}


# Why `accept` keeps a row whose value reads as a name no list holds (names.reads_as_a_new_name).
_NEW_NAME = ("{sheet}: a {what} accepted holds a capitalised word no reference list holds, "
             "beside a given name, a place's word or another such word, so it may be a "
             "person's name (as in 'Fall - Edna Clarke'); it stays in the sheet: map it by "
             "hand in reference/{table}.csv only if it is {kind}, and add a word to "
             "reference/publishable_words.csv only if it may be published")


def reference_vocabulary(profile: Path) -> set[str]:
    """The words the profile's canonical reference data and the shipped vocabulary make
    publishable (as int_publishable_words reads them; keyword rules word by word): its
    places' names, sites, directorates and specialties, the themes, the shipped code maps and
    publishable words. Not its aliases nor its own codes: those are spellings from exports."""
    texts = [r[c] for r in layered("locations", profile)
             for c in ("location_name", "site", "directorate", "specialty")]
    texts += [r[c] for r in shipped_rows("themes", ("theme_name", "description", "excludes"))
              for c in ("theme_name", "description", "excludes")]
    texts += [r["native_code"] for r in shipped_rows("shipped_theme_code_map",
                                                     LAYERS["theme_code_map"].columns)]
    texts += [r["pattern"] for r in layered("theme_keywords", profile)]
    texts += [r["word"] for r in layered("publishable_words", profile)]
    return {word.lower() for text in texts if text for word in re.findall(r"[^\W_]+", text)}


def _meaning(row: dict[str, str], table: dict[str, dict[str, str]], columns: Iterable[str],
             key: str) -> list[str]:
    target = table.get(row[key]) or {}
    return [target.get(column) or "" for column in columns]


@dataclass
class Accepted:
    aliases: int = 0
    codes: int = 0
    skipped: list[str] = field(default_factory=list)


def accept(profile: Path) -> Accepted:
    """Rows marked accepted in the review sheets, written into the profile's reference CSVs
    (the sheets keep the rows not yet accepted, and those accepted but skipped). A spelling
    accepted for different locations at different sites becomes site-qualified aliases."""
    done = Accepted()
    review = profile / REVIEW_FOLDER
    reference = profile / REFERENCE_FOLDER
    locations = {r["location_id"]: r for r in layered("locations", profile)}
    places = named_places(profile)
    vocabulary = reference_vocabulary(profile)
    rows = _read_sheet(review / "locations.csv", LOCATION_REVIEW)
    chosen = [r for r in rows if r["accept"].lower() in ACCEPTED]
    targets = defaultdict(set)
    for row in chosen:
        targets[location_key(row["location_as_exported"])].add(row["suggested_location_id"])
    aliases, written = [], []  # written: the rows that leave the sheet
    for row in chosen:
        if found := identifying(row["location_as_exported"], places):
            done.skipped.append(f"locations.csv: a spelling accepted holds what looks like "
                                f"{found}: map it by hand in reference/location_aliases.csv "
                                "only if it names a place")
            continue
        if reads_as_a_new_name(row["location_as_exported"], vocabulary, _meaning(
                row, locations, ("location_name", "site", "directorate", "specialty"),
                "suggested_location_id")):
            done.skipped.append(_NEW_NAME.format(sheet="locations.csv", what="spelling",
                                                 table="location_aliases", kind="a place"))
            continue
        if row["suggested_location_id"] not in locations:
            done.skipped.append(f"locations.csv: a row accepted for location id "
                                f"{row['suggested_location_id']!r}, which is not in "
                                "reference/locations.csv")
            continue
        qualified = len(targets[location_key(row["location_as_exported"])]) > 1
        aliases.append({"alias": row["location_as_exported"],
                        "location_id": row["suggested_location_id"],
                        "site": row["site_as_exported"] if qualified else ""})
        written.append(row)
    done.aliases = _append(reference / "location_aliases.csv", "location_aliases", aliases)
    _write(review / "locations.csv", LOCATION_REVIEW, [r for r in rows if r not in written],
           for_people=True)

    themes = {r["theme_id"]: r for r in shipped_rows("themes", ("theme_id", "theme_name",
                                                                  "description"))}
    rows = _read_sheet(review / "codes.csv", CODE_REVIEW)
    chosen = [r for r in rows if r["accept"].lower() in ACCEPTED]
    codes, written = [], []
    for row in chosen:
        if found := identifying(row["native_code"], places):
            done.skipped.append(f"codes.csv: a code accepted holds what looks like {found}: "
                                "map it by hand in reference/theme_code_map.csv only if it "
                                "is a code")
            continue
        if reads_as_a_new_name(row["native_code"], vocabulary, _meaning(
                row, themes, ("theme_name", "description"), "suggested_theme_id")):
            done.skipped.append(_NEW_NAME.format(sheet="codes.csv", what="code",
                                                 table="theme_code_map", kind="a code"))
            continue
        if row["suggested_theme_id"] and row["suggested_theme_id"] not in themes:
            done.skipped.append(f"codes.csv: a row accepted for theme "
                                f"{row['suggested_theme_id']!r}, which is not a theme")
            continue
        codes.append({"source": row["source"], "code_field": row["code_field"],
                      "native_code": row["native_code"], "theme_id": row["suggested_theme_id"]})
        written.append(row)
    done.codes = _append(reference / "theme_code_map.csv", "theme_code_map", codes)
    _write(review / "codes.csv", CODE_REVIEW, [r for r in rows if r not in written],
           for_people=True)
    return done


def _append(path: Path, table: str, rows: list[dict]) -> int:
    """Rows added to a reference CSV unless already there; returns how many were added."""
    columns = LAYERS[table].columns
    existing = read_rows(path, columns)
    have = {tuple(r[c].strip().lower() for c in columns) for r in existing}
    new = []
    for row in rows:  # the same spelling can be accepted twice (exported with and without a site)
        key = tuple(row[c].strip().lower() for c in columns)
        if key not in have:
            have.add(key)
            new.append(row)
    _write(path, columns, existing + [dict.fromkeys(columns, "") | r for r in new])
    return len(new)
