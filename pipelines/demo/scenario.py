"""The scenario: problems, decoys, seasonal themes, ward openings and closures, coding changes
and national-requirement events planted in the demo trust.

Format and defaults: `scenarios/default.yml` (commented). A scenario given as a dict or file
only needs the keys it changes; the others come from the default scenario.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pipelines.demo import texts
from pipelines.demo.catalogue import CLAIM_CAUSES
from pipelines.demo.reference import Reference

DEFAULT_SCENARIO = Path(__file__).with_name("scenarios") / "default.yml"
SIGNAL_SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr", "claims")
# Seasonal themes are planted where records arrive all year round; inquests follow deaths
# the SJRs reviewed and claims arrive years after the harm, so they are not.
SEASONAL_SOURCES = ("incidents", "complaints", "fft", "sjr")

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


def months_between(start: dt.date, end: dt.date) -> int:
    """Calendar months from start's month to end's month, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class Plant:
    """A planted problem, decoy or seasonal theme."""

    name: str
    kind: str  # problem | decoy | seasonal
    theme: str
    unit_level: str  # location | directorate | trust (seasonal themes: every location)
    unit_value: str
    sources: tuple[str, ...]
    audit: bool
    start: dt.date
    end: dt.date
    intensity: float
    counts: dict[str, int]  # exact records per source; rate-based where a source is absent
    peak_month: int = 1  # seasonal themes: calendar month of the peak

    def location_ids(self, ref: Reference) -> list[str]:
        if self.unit_level == "location":
            return [self.unit_value]
        return [loc.location_id for loc in ref.locations
                if self.unit_level == "trust" or loc.directorate == self.unit_value]


@dataclass(frozen=True)
class NationalEvent:
    kind: str
    location_id: str
    date: dt.date

    @property
    def response(self) -> str:
        return NATIONAL_RESPONSES[self.kind]


@dataclass(frozen=True)
class UnitChange:
    """A location that opens (no records before `date`) or closes (none from `date`)."""

    location_id: str
    change: str  # opens | closes
    date: dt.date

    def is_open(self, day: dt.date) -> bool:
        return day >= self.date if self.change == "opens" else day < self.date


@dataclass(frozen=True)
class CodeChange:
    """From `date`, a share of the source's records of one theme are filed under codes of
    another (a new incident system, a recategorised list): a step change trust-wide."""

    source: str
    from_theme: str
    to_theme: str
    share: float
    date: dt.date


@dataclass(frozen=True)
class Scenario:
    start_date: dt.date
    end_date: dt.date
    planting_rates: dict[str, float]
    min_planted: int
    generic_code_share: float
    growth_per_year: float
    overdispersion: dict[str, float]
    plants: tuple[Plant, ...]
    unit_changes: tuple[UnitChange, ...]
    code_changes: tuple[CodeChange, ...]
    national_events: tuple[NationalEvent, ...]
    messiness: dict[str, Any]
    volume_factors: dict[str, float] = field(default_factory=dict)

    def planted_count(self, plant: Plant, source: str, scale: float) -> int:
        if source in plant.counts:
            return plant.counts[source]
        rate = self.planting_rates[source] * months_between(plant.start, plant.end) \
            * plant.intensity * scale
        return max(self.min_planted, round(rate))

    def generic_rows(self, rng, n: int) -> np.ndarray:
        """Which of n planted records are filed under a generic code ("Other"), so that only
        their narrative says what happened."""
        return rng.random(n) < self.generic_code_share

    def plants_for(self, source: str) -> list[Plant]:
        return [plant for plant in self.plants if source in plant.sources]

    def open_mask(self, location_ids: list[str], months: list[dt.date]) -> np.ndarray:
        """months x locations: 1 where the location is open for the whole month, else 0."""
        mask = np.ones((len(months), len(location_ids)))
        for change in self.unit_changes:
            j = location_ids.index(change.location_id)
            mask[:, j] = [change.is_open(m) for m in months]
        return mask


def load_scenario(scenario: Path | str | dict | None, ref: Reference,
                  overrides: dict | None = None) -> Scenario:
    """The default scenario updated by `scenario` (a file or dict), then by `overrides`
    (e.g. the generate command's --years and --end-date)."""
    spec = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    if isinstance(scenario, (str, Path)):
        scenario = yaml.safe_load(Path(scenario).read_text(encoding="utf-8"))
    spec.update(scenario or {})
    spec.update({k: v for k, v in (overrides or {}).items() if v is not None})
    end = spec["end_date"]
    end = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
    years = int(spec["years"])
    if years < 1:
        raise ScenarioError(f"years must be at least 1, not {years}")
    start = month_start(end, 12 * years - 1)
    plants = tuple(
        _plant(item, kind, start, end, ref)
        for kind, key in (("problem", "problems"), ("decoy", "decoys"),
                          ("seasonal", "seasonal_themes"))
        for item in spec.get(key) or ()
    )
    names = [plant.name for plant in plants]
    if len(set(names)) != len(names):
        raise ScenarioError(f"problem, decoy and seasonal theme names must be unique: {names}")
    events = tuple(_event(item, end, ref) for item in spec.get("national_events") or ())
    units = tuple(_unit_change(item, start, end, ref) for item in spec.get("unit_changes") or ())
    codes = tuple(_code_change(item, start, end, ref) for item in spec.get("code_changes") or ())
    return Scenario(start, end, dict(spec["planting_rates"]), int(spec["min_planted"]),
                    float(spec.get("generic_code_share", 0)),
                    float(spec.get("growth_per_year", 0)),
                    {s: float(spec.get("overdispersion", {}).get(s, 0)) for s in SIGNAL_SOURCES},
                    plants, units, codes, events, dict(spec["messiness"]),
                    {s: float(f) for s, f in (spec.get("volume_factors") or {}).items()})


def _months_back(item: dict, name: str, start: dt.date, end: dt.date) -> dt.date:
    """The first day of the month `months_before_end` months before end_date, which must fall
    inside the exported period."""
    day = month_start(end, int(item["months_before_end"]))
    if not start < day <= end:
        raise ScenarioError(f"{name}: months_before_end {item['months_before_end']} falls "
                            f"outside the exports ({start} to {end})")
    return day


def _plant(item: dict, kind: str, start: dt.date, end: dt.date, ref: Reference) -> Plant:
    name = item.get("name", "?")
    if item["theme"] not in ref.themes:
        raise ScenarioError(f"{name}: theme {item['theme']!r} is not in themes.csv")
    counts = {source: int(n) for source, n in (item.get("counts") or {}).items()}
    sources = tuple(item.get("sources") or counts)
    if not sources or not set(sources) <= set(SIGNAL_SOURCES):
        raise ScenarioError(f"{name}: sources {sources} must be among {SIGNAL_SOURCES}")
    if not set(counts) <= set(sources) or any(n < 1 for n in counts.values()):
        raise ScenarioError(f"{name}: counts {counts} must be positive and for its sources")
    if kind == "seasonal":
        if not set(sources) <= set(SEASONAL_SOURCES):
            raise ScenarioError(f"{name}: seasonal themes are planted in {SEASONAL_SOURCES}")
        level, value, first = "trust", "trust", start
    else:
        unit = item["unit"]
        known = ([loc.location_id for loc in ref.locations] if unit["level"] == "location"
                 else ref.directorates if unit["level"] == "directorate" else [])
        if unit["value"] not in known:
            raise ScenarioError(f"{name}: unit {unit} is not a location_id or directorate of "
                                "locations.csv")
        level, value = unit["level"], unit["value"]
        first = month_start(end, item["window_months"] - 1)
    # Planted FFT comments and coroners' concerns are written per theme (texts.py).
    worded = {"fft": texts.FFT_IMPROVE, "inquests": texts.INQUEST_CONCERNS}
    for source, pools in worded.items():
        if source in sources and item["theme"] not in pools:
            raise ScenarioError(f"{name}: the demo has no {source} text for theme "
                                f"{item['theme']!r}; add some to pipelines/demo/texts.py")
    # Planted claims are filed under a cause group theme_code_map.csv codes to the theme.
    if "claims" in sources and not any(
            item["theme"] in ref.themes_of("claims", "cause_group", group)
            for group in CLAIM_CAUSES):
        raise ScenarioError(f"{name}: no claims cause group of pipelines/demo/catalogue.py "
                            f"is coded to theme {item['theme']!r}")
    return Plant(name, kind, item["theme"], level, value, sources,
                 bool(item.get("audit", False)), first, end, float(item.get("intensity", 1.0)),
                 counts, int(item.get("peak_month", 1)))


def _event(item: dict, end: dt.date, ref: Reference) -> NationalEvent:
    if item["kind"] not in NATIONAL_RESPONSES:
        raise ScenarioError(f"national event kind {item['kind']!r} is not one of "
                            f"{sorted(NATIONAL_RESPONSES)}")
    if item["location"] not in {loc.location_id for loc in ref.locations}:
        raise ScenarioError(f"national event {item}: location is not in locations.csv")
    # Mid-month, so the event stays inside its month whatever the month's length.
    day = month_start(end, item["months_before_end"]) + dt.timedelta(days=14)
    return NationalEvent(item["kind"], item["location"], min(day, end))


def _unit_change(item: dict, start: dt.date, end: dt.date, ref: Reference) -> UnitChange:
    location = item["location"]
    if location not in {loc.location_id for loc in ref.locations}:
        raise ScenarioError(f"unit change {item}: location is not in locations.csv")
    if item["change"] not in ("opens", "closes"):
        raise ScenarioError(f"unit change {item}: change must be `opens` or `closes`")
    return UnitChange(location, item["change"], _months_back(item, location, start, end))


def _code_change(item: dict, start: dt.date, end: dt.date, ref: Reference) -> CodeChange:
    label = f"code change {item.get('from_theme')} -> {item.get('to_theme')}"
    if item["source"] != "incidents":
        raise ScenarioError(f"{label}: the demo recodes incidents only")
    for theme in (item["from_theme"], item["to_theme"]):
        if theme not in ref.themes:
            raise ScenarioError(f"{label}: theme {theme!r} is not in themes.csv")
    share = float(item.get("share", 1.0))
    if not 0 < share <= 1:
        raise ScenarioError(f"{label}: share must be in (0, 1]")
    return CodeChange(item["source"], item["from_theme"], item["to_theme"], share,
                      _months_back(item, label, start, end))
