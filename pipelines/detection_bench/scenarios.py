"""Random benchmark scenarios: which themes, units and sources are planted, how many records
each, with decoys, seasonal themes, ward openings and closures and incident coding changes.

Each scenario is the `generate_trust` arguments (seed, scale, years, end date) and a scenario
dict in the format of `pipelines/demo/scenarios/default.yml`. The same benchmark seed gives the
same scenarios.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from pipelines.demo import catalogue, texts
from pipelines.demo.reference import Reference, load_reference
from pipelines.demo.sampling import location_weights
from pipelines.demo.sources import complaints, fft, incidents
from pipelines.lib.canonical import SJR_PROBLEM_TYPES

SCALES = (0.1, 0.25, 0.5, 1.0, 2.0)
PER_YEAR = {"incidents": incidents.PER_YEAR, "complaints": complaints.PER_YEAR,
            "fft": fft.PER_YEAR}
# Planted records per source: sparse sources get the few records they really see (a couple of
# inquests, a handful of complaints or SJRs); incidents and FFT up to 30.
COUNT_RANGES = {"incidents": (10, 30), "fft": (10, 30), "complaints": (2, 8), "sjr": (2, 6),
                "inquests": (2, 3), "claims": (2, 5)}
# Share of planted problems that are also claimed for (a handful of claims notified in the
# window), where a claims cause group codes to the theme.
CLAIMS_SHARE = 0.5
# Decoys: a reporting drive in incidents, or one source loud on its own.
DECOY_KINDS = {"reporting_drive": ("incidents", (15, 30)), "fft_spike": ("fft", (15, 30)),
               "complaints_cluster": ("complaints", (5, 8))}


@dataclass(frozen=True)
class BenchScenario:
    name: str
    seed: int
    scale: float
    years: int
    end_date: dt.date
    spec: dict = field(default_factory=dict)  # the generate_trust scenario dict

    @property
    def planted(self) -> list[dict]:
        return self.spec["problems"]

    @property
    def decoys(self) -> list[dict]:
        return self.spec["decoys"]


def plantable_sources(ref: Reference, theme: str) -> tuple[str, ...]:
    """The sources whose demo codes or texts can carry the theme."""
    def coded(source: str, fields: tuple[str, ...]) -> bool:
        return any(theme in themes for (s, f), table in ref.code_themes.items()
                   if s == source and f in fields for themes in table.values())

    possible = {
        "incidents": coded("incidents", ("category", "subcategory")),
        "complaints": any(
            theme in ref.themes_of("complaints", "sub_subjects", name)
            | ref.themes_of("complaints", "subjects", subject)
            for name, (subject, _) in catalogue.COMPLAINT_SUB_SUBJECTS.items()),
        "fft": theme in texts.FFT_IMPROVE,
        "inquests": theme in texts.INQUEST_CONCERNS,
        "sjr": any(theme in ref.themes_of("sjr", "problem_type", kind)
                   for kind in SJR_PROBLEM_TYPES),
    }
    return tuple(source for source, ok in possible.items() if ok)


def _units(ref: Reference, sources: tuple[str, ...], level: str) -> list[str]:
    """Units where every source has background records (a directorate: in some location)."""
    weights = np.vstack([location_weights(ref, s) for s in sources])
    if level == "location":
        return [loc.location_id for loc, w in zip(ref.locations, weights.T, strict=True)
                if (w > 0).all()]
    return [d for d in ref.directorates
            if all((weights[i][[loc.directorate == d for loc in ref.locations]] > 0).any()
                   for i in range(len(sources)))]


def _choice(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def _problem(rng, ref: Reference, name: str, theme: str, used_units: set[str]) -> dict | None:
    sources = list(plantable_sources(ref, theme))
    rng.shuffle(sources)
    chosen = tuple(sorted(sources[:int(rng.integers(2, min(4, len(sources)) + 1))]))
    level = "directorate" if rng.random() < 0.3 else "location"
    units = [u for u in _units(ref, chosen, level) if u not in used_units]
    if not units:
        return None
    unit = _choice(rng, units)
    counts = {s: int(rng.integers(COUNT_RANGES[s][0], COUNT_RANGES[s][1] + 1)) for s in chosen}
    return {"name": name, "theme": theme, "unit": {"level": level, "value": unit},
            "counts": counts, "window_months": int(rng.integers(3, 7))}


def _decoy(rng, ref: Reference, name: str, theme: str, used_units: set[str]) -> dict | None:
    kind = _choice(rng, sorted(DECOY_KINDS))
    source, (low, high) = DECOY_KINDS[kind]
    if source not in plantable_sources(ref, theme):
        return None
    level = "directorate" if kind != "reporting_drive" and rng.random() < 0.3 else "location"
    units = [u for u in _units(ref, (source,), level) if u not in used_units]
    if not units:
        return None
    return {"name": name, "theme": theme,
            "unit": {"level": level, "value": _choice(rng, units)},
            "counts": {source: int(rng.integers(low, high + 1))},
            "window_months": int(rng.integers(2, 5))}


def _add_claims(rng: np.random.Generator, ref: Reference, problems: list[dict]) -> None:
    """Claims for some planted problems, drawn from their own random stream so that the rest
    of each scenario is what it was before claims were a source."""
    for problem in problems:
        claimable = any(problem["theme"] in ref.themes_of("claims", "cause_group", group)
                        for group in catalogue.CLAIM_CAUSES)
        if claimable and rng.random() < CLAIMS_SHARE:
            low, high = COUNT_RANGES["claims"]
            problem["counts"]["claims"] = int(rng.integers(low, high + 1))


def make_scenario(bench_seed: int, index: int, ref: Reference | None = None) -> BenchScenario:
    """Scenario `index` of the benchmark seeded `bench_seed`."""
    ref = ref or load_reference()
    rng = np.random.default_rng([bench_seed, index])
    themes = list(ref.themes)
    rng.shuffle(themes)
    themes = iter(themes)
    used_units: set[str] = set()
    problems, decoys = [], []
    while len(problems) < int(rng.integers(2, 4)) or not problems:
        problem = _problem(rng, ref, f"problem_{len(problems) + 1}", next(themes), used_units)
        if problem:
            problems.append(problem)
            used_units.add(problem["unit"]["value"])
    for _ in range(int(rng.integers(1, 3))):
        for _attempt in range(10):
            decoy = _decoy(rng, ref, f"decoy_{len(decoys) + 1}", next(themes), used_units)
            if decoy:
                decoys.append(decoy)
                used_units.add(decoy["unit"]["value"])
                break
    years = int(rng.integers(1, 6))
    scale = float(_choice(rng, SCALES))
    spec: dict = {"problems": problems, "decoys": decoys}
    # Background events on themes and wards nothing was planted in.
    if rng.random() < 0.4:
        theme = next(themes)
        sources = [s for s in ("incidents", "fft", "complaints")
                   if s in plantable_sources(ref, theme)]
        share = rng.uniform(0.01, 0.04)  # of the source's records, all in season
        spec["seasonal_themes"] = [{
            "name": "seasonal", "theme": theme, "peak_month": int(rng.integers(1, 13)),
            "counts": {s: max(1, round(share * PER_YEAR[s] * scale * years)) for s in sources}}]
    if rng.random() < 0.4:
        free = [loc.location_id for loc in ref.locations
                if loc.location_id not in used_units
                and loc.directorate not in used_units and loc.location_type == "ward"]
        spec["unit_changes"] = [{
            "location": _choice(rng, free), "change": _choice(rng, ["opens", "closes"]),
            "months_before_end": int(rng.integers(2, min(12 * years - 2, 15) + 1))}]
    if rng.random() < 0.4:
        source_themes = [t for t in themes if "incidents" in plantable_sources(ref, t)]
        if len(source_themes) >= 2:
            spec["code_changes"] = [{
                "source": "incidents", "from_theme": source_themes[0],
                "to_theme": source_themes[1], "share": round(float(rng.uniform(0.3, 0.8)), 2),
                "months_before_end": int(rng.integers(1, min(12 * years - 2, 12) + 1))}]
    end = dt.date(int(rng.integers(2023, 2028)), int(rng.integers(1, 13)), 1)
    end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    _add_claims(np.random.default_rng([bench_seed, index, 1]), ref, problems)
    return BenchScenario(f"s{bench_seed}-{index:02d}", int(rng.integers(1, 10_000)), scale,
                         years, end, spec)
