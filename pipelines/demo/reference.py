"""The demo profile's reference data (over the shipped seeds), read by the generator so the
demo trust's exports match it."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.reference import layered, shipped_rows
from pipelines.lib.settings import DEMO_PROFILE_DIR


def location_key(value: str) -> str:
    """The dbt matching key of a location spelling (macro normalise_location)."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


@dataclass(frozen=True)
class Location:
    location_id: str
    name: str
    site: str
    directorate: str
    specialty: str
    location_type: str
    spellings: tuple[str, ...]  # the name, then its aliases in seed order


@dataclass(frozen=True)
class Reference:
    themes: tuple[str, ...]
    locations: tuple[Location, ...]
    # (source, code_field) -> lower-cased code -> themes, as dbt joins them (case-insensitive).
    code_themes: dict[tuple[str, str], dict[str, frozenset[str]]]
    keywords: dict[tuple[str, str], str]  # (rule_set, theme_id) -> pattern

    def location(self, location_id: str) -> Location:
        return next(loc for loc in self.locations if loc.location_id == location_id)

    @property
    def directorates(self) -> tuple[str, ...]:
        return tuple(sorted({loc.directorate for loc in self.locations}))

    def themes_of(self, source: str, code_field: str, code: str) -> frozenset[str]:
        return self.code_themes.get((source, code_field), {}).get(code.strip().lower(),
                                                                  frozenset())


def load_reference(profile: Path = DEMO_PROFILE_DIR) -> Reference:
    themes = tuple(row["theme_id"] for row in shipped_rows("themes", ("theme_id",)))
    aliases: dict[str, list[str]] = defaultdict(list)
    for row in layered("location_aliases", profile):
        aliases[row["location_id"]].append(row["alias"])
    locations = tuple(
        Location(row["location_id"], row["location_name"], row["site"], row["directorate"],
                 row["specialty"], row["location_type"],
                 (row["location_name"], *aliases[row["location_id"]]))
        for row in layered("locations", profile)
    )
    code_themes: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(
        lambda: defaultdict(set))
    for row in layered("theme_code_map", profile):
        if row["theme_id"]:
            code_themes[(row["source"], row["code_field"])][
                row["native_code"].strip().lower()].add(row["theme_id"])
    keywords = {(row["rule_set"], row["theme_id"]): row["pattern"]
                for row in layered("theme_keywords", profile)}
    return Reference(
        themes=themes,
        locations=locations,
        code_themes={key: {code: frozenset(ts) for code, ts in table.items()}
                     for key, table in code_themes.items()},
        keywords=keywords,
    )
