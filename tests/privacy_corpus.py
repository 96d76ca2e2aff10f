"""The privacy corpus: identifiers planted in every kind of export field, and a scanner of
everything a refresh publishes.

`plant_corpus` writes each identifier form into each field type of a generated trust's
export files (one row per form x field). `scan_published` reads every table of both DuckDB
files, every Parquet file and every HTML file of a marts folder and reports each text that
holds an identifier: found by the patterns (`pipelines.lib.identifiers`) or, independently
of them, holding a planted identifier's letters and digits with any spacing or punctuation.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.identifiers import find_identifiers
from pipelines.lib.mapping import load_mappings

# Each form as the privacy probe typed it; the needle is what it still reads as with every
# non-alphanumeric character removed and letters lower-cased.
FORMS: dict[str, tuple[str, str]] = {
    "nhs_number_prefixed": ("NHS9434765919", "9434765919"),
    "nhs_number_dotted": ("943.476.5919", "9434765919"),
    "nhs_number_spaced": ("943 476 5919", "9434765919"),
    "nhs_number_glued": ("9434765919ward", "9434765919"),
    "nhs_number_3_4_3": ("943 4765 919", "9434765919"),
    "phone_plus44": ("+44 (0)7700 900123", "7700900123"),
    "phone_mobile": ("07700 900123", "7700900123"),
    "phone_landline": ("0113 496 0000", "1134960000"),
    "email": ("jane.smithson@example.com", "smithsonexamplecom"),
    "postcode_lower_case": ("ls1 4ap", "ls14ap"),
    "postcode_hyphenated": ("LS1-4AP", "ls14ap"),
    "date_of_birth": ("DOB 01/02/1950", "01021950"),
    "titled_name": ("Mrs Jane Smithson", "smithson"),
    "titled_name_lower_case": ("mr john pemberton", "pemberton"),
    "titled_name_in_ward": ("W5 Mr John Doeman", "doeman"),
    "name_and_postcode_in_code": ("Fall - Mrs Jane Smithson ls1 4ap", "smithson"),
    "nhs_and_phone": ("NHS9434765919 +44 (0)7700 900123", "9434765919"),
    # Shapes a second probe found passing (6 December): spaced NI and hospital numbers, a
    # dotted postcode, a spaced birth date, a name in capitals, a name glued to an age.
    "ni_number_spaced": ("NI QQ 12 34 56 C", "qq123456c"),
    "hospital_number_spaced": ("RX 885 6836", "rx8856836"),
    "postcode_dotted": ("LS1.4AP", "ls14ap"),
    "date_of_birth_spaced": ("DOB 27 11 1930", "27111930"),
    "name_in_capitals": ("Ward 7 JANE SMITH", "janesmith"),
    "name_glued_to_age": ("FALL-Smith84", "smith84"),
    # A third probe's (7 December): a patient's name before a ward's or bay's word, each word
    # in the demo vocabulary (June, Long, Ray, West).
    "name_before_ward": ("June Long Ward 7", "junelong"),
    "name_before_bay": ("Ray West Bay 4", "raywest"),
}
# Export files saved under a patient's name, each a new record of the incidents layout: a
# name glued to an age in capitals, a patient before a ward's word (all vocabulary words).
FILE_NAMES: dict[str, tuple[str, str]] = {
    "file_name_glued_to_age": ("incidents/incidents_JUNE84.csv", "june84"),
    "file_name_before_ward": ("incidents/incidents_june_long_ward.csv", "junelong"),
}

# Shapes the publishing guard does not read (no pattern can tell them from codes): the word
# screen withholds them from the marts and the wide pack, but the restricted files (the
# case-level file and the restricted pack, for the patient safety team) show values as the
# guard leaves them (record ids, the withheld values as exported), so they may hold these.
SCREENED_ONLY = {"hospital_number_spaced", "name_in_capitals", "name_glued_to_age",
                 "name_before_ward", "name_before_bay", *FILE_NAMES}
RESTRICTED = ("triangulate_case_level.duckdb", "parquet_case_level/", "insight_pack.html")
# Field type -> (export file glob under raw/, canonical field). One file per field type, so
# the rows planted in a file stay well below the share that fails a batch.
FIELDS: dict[str, tuple[str, str]] = {
    "location": ("incidents/incidents_*.csv", "location"),
    "site": ("incidents/incidents_*.csv", "site"),
    "directorate": ("incidents/datix_export_*.csv", "directorate"),
    "specialty": ("incidents/datix_export_*.csv", "specialty"),
    "incident_category": ("incidents/datix_export_*.csv", "category"),
    "incident_subcategory": ("incidents/incidents_*.csv", "subcategory"),
    "complaint_subjects": ("complaints/*.xlsx", "subjects"),
    "complaint_sub_subjects": ("complaints/*.xlsx", "sub_subjects"),
    "status": ("incidents/incidents_*.csv", "status"),
    "date": ("incidents/datix_export_*.csv", "occurred_date"),
    "enum": ("fft/fft_*.csv", "rating"),
    "record_id": ("incidents/datix_export_*.csv", "incident_id"),
    "free_text": ("incidents/incidents_*.csv", "description"),
    "fft_location": ("fft/fft_*.csv", "location"),
}
# What else a planted row needs for its field to reach a published file: an exported site,
# directorate or specialty is only used when the ward does not resolve, and an incident's
# status is published only for incidents meeting a national requirement (a Never Event).
COMPANIONS: dict[str, dict[str, str]] = {
    "site": {"location": "Temporary escalation bay"},
    "directorate": {"location": "Temporary escalation bay"},
    "specialty": {"location": "Temporary escalation bay"},
    "status": {"is_never_event": "Y"},
}


@dataclass(frozen=True)
class Planted:
    field_type: str
    form: str
    file: str
    row: int  # spreadsheet row (header = 1)


def plant_corpus(raw: Path, mappings_dir: Path) -> list[Planted]:
    """Write every form into every field type; returns what went where."""
    mappings = load_mappings(mappings_dir)
    by_file: dict[Path, list[tuple[str, dict[str, str], str]]] = {}  # (type, header: value, form)
    for field_type, (pattern, field) in FIELDS.items():
        files = sorted(raw.glob(pattern), key=lambda p: p.stat().st_size, reverse=True)
        per_file = -(-len(FORMS) // len(files))
        for i, form in enumerate(FORMS):
            path = files[min(i // per_file, len(files) - 1)]
            relative = path.relative_to(raw).as_posix()
            mapping = next(m for m in mappings if m.matches(relative))
            cells = {mapping.columns[field]: FORMS[form][0]} | {
                mapping.columns[other]: value
                for other, value in COMPANIONS.get(field_type, {}).items()}
            if field_type == "free_text":
                cells[mapping.columns[field]] = f"Patient fell near the bed. {FORMS[form][0]}."
            by_file.setdefault(path, []).append((field_type, cells, form))
    planted = []
    for path, plantings in by_file.items():
        workbook = path.suffix == ".xlsx"
        frame = (pl.read_excel(path, infer_schema_length=0) if workbook
                 else pl.read_csv(path, infer_schema=False))
        # Every other row from the top where the file has room (every row where not), so no
        # two plantings share a row and no batch fails.
        assert len(plantings) < frame.height, (path, len(plantings), frame.height)
        step = 2 if len(plantings) * 2 < frame.height else 1
        for n, (field_type, cells, form) in enumerate(plantings):
            index = step * n
            frame = frame.with_columns(
                pl.when(pl.int_range(pl.len()) == index).then(pl.lit(value))
                .otherwise(pl.col(header)).alias(header) for header, value in cells.items())
            planted.append(Planted(field_type, form, path.relative_to(raw).as_posix(),
                                   index + 2))
        if workbook:
            frame.write_excel(path, worksheet="Complaints")
        else:
            frame.write_csv(path)
    return planted


def plant_file_names(raw: Path) -> None:
    """Write each of FILE_NAMES: an incidents export's first row as a new incident."""
    template = pl.read_csv(sorted(raw.glob("incidents/incidents_2*.csv"))[0],
                           infer_schema=False).head(1)
    for n, (name, _) in enumerate(FILE_NAMES.values()):
        template.with_columns(pl.lit(f"INCPRIV{n}").alias("Incident ID")).write_csv(raw / name)


@dataclass(frozen=True)
class Hit:
    file: str
    where: str  # table.column, or the part of the HTML
    what: str  # identifier kinds or planted forms found
    text: str


def _needles_in(text: str, restricted: bool) -> list[str]:
    folded = re.sub(r"[^a-z0-9]", "", text.lower())
    return sorted({form for form, (_, needle) in (FORMS | FILE_NAMES).items()
                   if needle in folded and not (restricted and form in SCREENED_ONLY)})


def scan_text(file: str, where: str, text: str) -> list[Hit]:
    kinds = find_identifiers(text) + _needles_in(text, file.startswith(RESTRICTED))
    return [Hit(file, where, ", ".join(kinds), text[:200])] if kinds else []


def _scan_relation(con: duckdb.DuckDBPyConnection, file: str, relation: str,
                   label: str) -> list[Hit]:
    hits = []
    columns = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]
    for column in columns:
        for (text,) in con.execute(
                f'select distinct cast("{column}" as varchar) from {relation} '
                f'where "{column}" is not null').fetchall():
            hits += scan_text(file, f"{label}.{column}", text)
    return hits


def scan_published(marts: Path) -> list[Hit]:
    """Every identifier in every published file under `marts`: DuckDB, Parquet, HTML."""
    hits = []
    files = sorted(p for p in marts.rglob("*") if p.is_file())
    assert any(p.suffix == ".duckdb" for p in files), f"nothing published in {marts}"
    con = duckdb.connect()
    try:
        for path in files:
            name = path.relative_to(marts).as_posix()
            if path.suffix == ".duckdb":
                con.execute(f"attach '{path}' as published (read_only)")
                for (table,) in con.execute(
                        "select table_name from duckdb_tables() "
                        "where database_name = 'published'").fetchall():
                    hits += _scan_relation(con, name, f'published."{table}"', table)
                con.execute("detach published")
            elif path.suffix == ".parquet":
                hits += _scan_relation(con, name, f"read_parquet('{path}')", path.stem)
            elif path.suffix == ".html":
                hits += scan_text(name, "html", html.unescape(path.read_text(encoding="utf-8")))
            else:
                hits += scan_text(name, "file", path.read_text(encoding="utf-8", errors="replace"))
    finally:
        con.close()
    return hits
