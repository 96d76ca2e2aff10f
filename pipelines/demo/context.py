"""What every source generator is given: the seeds, the scenario, the seed and the scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.demo.reference import Reference
from pipelines.demo.scenario import Scenario

# Appended sources come last: each source's random stream is keyed by its position here.
SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr", "audit", "activity", "claims")
# The fewest background records a source gets, so every export has rows to be messy in.
MIN_BACKGROUND = 12


@dataclass(frozen=True)
class Context:
    ref: Reference
    scenario: Scenario
    seed: int
    scale: float
    # Put before every record ID, so exports generated apart (the parts of a volume too large
    # to generate at once) never share one.
    id_prefix: str = ""

    def rng(self, source: str) -> np.random.Generator:
        # One stream per source: changing one source's generator leaves the others' files as
        # they were.
        return np.random.default_rng([self.seed, SOURCES.index(source)])

    @property
    def years(self) -> float:
        start, end = self.scenario.start_date, self.scenario.end_date
        return ((end.year - start.year) * 12 + end.month - start.month + 1) / 12

    def volume(self, per_year: float, source: str) -> int:
        factor = self.scenario.volume_factors.get(source, 1.0)
        return max(MIN_BACKGROUND, round(per_year * factor * self.years * self.scale))
