"""The trust's reference tables as the marts see them: the profile's `reference/<table>.csv`
over the product's shipped seeds, the profile's row winning on the same key.

dbt builds the same layering in SQL (`dbt_project/macros/profile_reference.sql`, models in
`models/reference/`); this is the Python reading, for the demo generator and
`triangulate check` / `onboard`, which run before (or without) a refresh.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib import settings

REFERENCE_FOLDER = "reference"


@dataclass(frozen=True)
class Layer:
    columns: tuple[str, ...]
    key: tuple[str, ...]  # a profile row replaces the shipped rows with its key
    shipped: str | None  # the product's seed under dbt_project/seeds/, if any
    # What no two rows may share: the columns of the dbt model's uniqueness test (several
    # themes for one code, several patterns for one theme are allowed).
    unique: tuple[str, ...]


LAYERS = {
    "locations": Layer(("location_id", "location_name", "site", "directorate", "specialty",
                        "location_type"), ("location_id",), None, ("location_id",)),
    "location_aliases": Layer(("alias", "location_id", "site"), ("alias", "location_id", "site"),
                              None, ("alias", "location_id", "site")),
    "theme_code_map": Layer(("source", "code_field", "native_code", "theme_id"),
                            ("source", "code_field", "native_code"), "shipped_theme_code_map",
                            ("source", "code_field", "native_code", "theme_id")),
    "theme_keywords": Layer(("rule_set", "theme_id", "pattern"), ("rule_set", "theme_id"),
                            "shipped_theme_keywords", ("rule_set", "theme_id", "pattern")),
    "publishable_words": Layer(("word",), ("word",), "shipped_publishable_words", ("word",)),
}


def read_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """A reference CSV's rows with the given columns (a column it lacks reads blank; extra
    columns, such as a review sheet's score, are ignored); none when the file is absent."""
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [{c: (row.get(c) or "").strip() for c in columns} for row in csv.DictReader(handle)]


def _key(row: dict[str, str], layer: Layer) -> tuple[str, ...]:
    return tuple(row[k].strip().lower() for k in layer.key)


def repeated_reference_rows(profile: Path) -> list[str]:
    """One line per profile reference CSV row repeating an earlier row's key (a build would
    fail its uniqueness test), naming the file and both rows, never their values."""
    problems = []
    for table, layer in LAYERS.items():
        path = profile / REFERENCE_FOLDER / f"{table}.csv"
        first: dict[tuple[str, ...], int] = {}
        for row_number, row in enumerate(read_rows(path, layer.columns), start=2):
            earlier = first.setdefault(tuple(row[c].lower() for c in layer.unique), row_number)
            if earlier != row_number:
                problems.append(f"{path}: row {row_number} repeats row {earlier} "
                                f"({', '.join(layer.unique)}): delete one of them")
    return problems


def layered(table: str, profile: Path | None = None) -> list[dict[str, str]]:
    """The profile's rows of `table`, then the shipped rows whose key the profile lacks."""
    layer = LAYERS[table]
    profile = profile or settings.profile_dir()
    trust = read_rows(profile / REFERENCE_FOLDER / f"{table}.csv", layer.columns)
    shipped = read_rows(settings.DBT_PROJECT_DIR / "seeds" / f"{layer.shipped}.csv",
                        layer.columns) if layer.shipped else []
    keys = {_key(row, layer) for row in trust}
    return trust + [row for row in shipped if _key(row, layer) not in keys]


def shipped_rows(name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """A product seed that profiles do not layer (themes, taxonomy, activity measures)."""
    return read_rows(settings.DBT_PROJECT_DIR / "seeds" / f"{name}.csv", columns)
