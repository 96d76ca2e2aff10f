"""The scenario: problems, decoys and national-requirement events planted in the demo trust.

Format and defaults: `scenarios/default.yml` (commented). A scenario given as a dict or file
only needs the keys it changes; the others come from the default scenario.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pipelines.demo import texts
from pipelines.demo.reference import Reference

DEFAULT_SCENARIO = Path(__file__).with_name("scenarios") / "default.yml"
SIGNAL_SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr")

# National requirement (DOMAIN.md) of each plantable event: the response it requires.
NATIONAL_RESPONSES = {
    "never_event": "local PSII",
    "avoidable_death": "local PSII (Learning from Deaths)",
    "mental_health_act_death": "local PSII",
    "mnsi_referral": "refer to MNSI",
    "child_death": "refer to Child Death Overview Panel",
    "learning_disability_death": "refer to LeDeR",
    "safeguarding": "refer to local authority safeguarding",
}


class ScenarioError(ValueError):
    """A scenario that cannot be planted as written."""


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Plant:
    """A planted problem or decoy."""

    name: str
    kind: str  # problem | decoy
    theme: str
    unit_level: str  # location | directorate
    unit_value: str
    sources: tuple[str, ...]
    audit: bool
    start: dt.date
    end: dt.date
    intensity: float

    def location_ids(self, ref: Reference) -> list[str]:
        if self.unit_level == "location":
            return [self.unit_value]
        return [loc.location_id for loc in ref.locations if loc.directorate == self.unit_value]


@dataclass(frozen=True)
class NationalEvent:
    kind: str
    location_id: str
    date: dt.date

    @property
    def response(self) -> str:
        return NATIONAL_RESPONSES[self.kind]


@dataclass(frozen=True)
class Scenario:
    start_date: dt.date
    end_date: dt.date
    planting_rates: dict[str, float]
    min_planted: int
    generic_code_share: float
    plants: tuple[Plant, ...]
    national_events: tuple[NationalEvent, ...]
    messiness: dict[str, Any]

    def planted_count(self, plant: Plant, source: str, scale: float) -> int:
        months = (plant.end.year - plant.start.year) * 12 + plant.end.month - plant.start.month + 1
        rate = self.planting_rates[source] * months * plant.intensity * scale
        return max(self.min_planted, round(rate))

    def generic_rows(self, rng, n: int) -> np.ndarray:
        """Which of n planted records are filed under a generic code ("Other"), so that only
        their narrative says what happened."""
        return rng.random(n) < self.generic_code_share

    def plants_for(self, source: str) -> list[Plant]:
        return [plant for plant in self.plants if source in plant.sources]


def load_scenario(scenario: Path | str | dict | None, ref: Reference) -> Scenario:
    spec = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    if isinstance(scenario, (str, Path)):
        scenario = yaml.safe_load(Path(scenario).read_text(encoding="utf-8"))
    spec.update(scenario or {})
    end = spec["end_date"]
    end = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
    start = month_start(end, 12 * int(spec["years"]) - 1)
    plants = tuple(
        _plant(item, kind, end, ref)
        for kind, key in (("problem", "problems"), ("decoy", "decoys"))
        for item in spec.get(key) or ()
    )
    names = [plant.name for plant in plants]
    if len(set(names)) != len(names):
        raise ScenarioError(f"problem and decoy names must be unique: {names}")
    events = tuple(_event(item, end, ref) for item in spec.get("national_events") or ())
    return Scenario(start, end, dict(spec["planting_rates"]), int(spec["min_planted"]),
                    float(spec.get("generic_code_share", 0)), plants, events,
                    dict(spec["messiness"]))


def _plant(item: dict, kind: str, end: dt.date, ref: Reference) -> Plant:
    name = item.get("name", "?")
    if item["theme"] not in ref.themes:
        raise ScenarioError(f"{name}: theme {item['theme']!r} is not in themes.csv")
    unit = item["unit"]
    known = ([loc.location_id for loc in ref.locations] if unit["level"] == "location"
             else ref.directorates if unit["level"] == "directorate" else [])
    if unit["value"] not in known:
        raise ScenarioError(f"{name}: unit {unit} is not a location_id or directorate of "
                            "locations.csv")
    sources = tuple(item["sources"])
    if not set(sources) <= set(SIGNAL_SOURCES):
        raise ScenarioError(f"{name}: sources {sources} must be among {SIGNAL_SOURCES}")
    # Planted FFT comments and coroners' concerns are written per theme (texts.py).
    worded = {"fft": texts.FFT_IMPROVE, "inquests": texts.INQUEST_CONCERNS}
    for source, pools in worded.items():
        if source in sources and item["theme"] not in pools:
            raise ScenarioError(f"{name}: the demo has no {source} text for theme "
                                f"{item['theme']!r}; add some to pipelines/demo/texts.py")
    return Plant(name, kind, item["theme"], unit["level"], unit["value"], sources,
                 bool(item.get("audit", False)), month_start(end, item["window_months"] - 1),
                 end, float(item.get("intensity", 1.0)))


def _event(item: dict, end: dt.date, ref: Reference) -> NationalEvent:
    if item["kind"] not in NATIONAL_RESPONSES:
        raise ScenarioError(f"national event kind {item['kind']!r} is not one of "
                            f"{sorted(NATIONAL_RESPONSES)}")
    if item["location"] not in {loc.location_id for loc in ref.locations}:
        raise ScenarioError(f"national event {item}: location is not in locations.csv")
    # Mid-month, so the event stays inside its month whatever the month's length.
    day = month_start(end, item["months_before_end"]) + dt.timedelta(days=14)
    return NationalEvent(item["kind"], item["location"], min(day, end))
