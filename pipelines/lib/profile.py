"""The trust profile: which sources this trust sends, and how fresh each must be.

A profile is a folder (`TRIANGULATE_PROFILE`, default `profiles/demo/`) holding
`profile.yml`. Every source not mentioned keeps the defaults below: the seven trust sources are
expected, the optional inputs (national PFD reports, activity) are not. A source that is
expected but missing, empty or stale stops the refresh before anything is published, because
marts built without it would read as "nothing here" where the truth is "not measured".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.lib import settings
from pipelines.lib.canonical import SOURCES

PROFILE_FILE = "profile.yml"
# How old a source's newest record may be before the source counts as stale. Set for a
# monthly rhythm: incidents and complaints are exported at least monthly, FFT a month in
# arrears, SJRs follow a death by weeks to months, inquests and audits are rare events; a
# trust is notified of a few claims a month and NHS Resolution's listing comes quarterly.
DEFAULT_STALE_AFTER_DAYS = {
    "incidents": 45, "complaints": 60, "fft": 75, "sjr": 120, "inquests": 365, "audit": 400,
    "claims": 180,
}
_SOURCE_KEYS = {"expected", "stale_after_days"}


class ProfileError(ValueError):
    """A profile.yml that cannot be used as written."""


@dataclass(frozen=True)
class SourceExpectation:
    source: str
    expected: bool
    stale_after_days: int | None  # None: never stale (optional inputs)


@dataclass(frozen=True)
class Profile:
    path: Path
    sources: dict[str, SourceExpectation]

    def expectation(self, source: str) -> SourceExpectation:
        return self.sources[source]


def load_profile(folder: Path | None = None) -> Profile:
    folder = folder or settings.profile_dir()
    path = folder / PROFILE_FILE
    spec = {}
    if path.is_file():
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise ProfileError(f"{path}: cannot be read as YAML ({error})") from error
    overrides = spec.get("sources") or {}
    unknown = set(overrides) - set(SOURCES)
    if unknown:
        raise ProfileError(f"{path}: sources {sorted(unknown)} are not among {sorted(SOURCES)}")
    sources = {}
    for source in SOURCES:
        given = overrides.get(source) or {}
        if set(given) - _SOURCE_KEYS:
            raise ProfileError(f"{path}: sources.{source} takes only {sorted(_SOURCE_KEYS)}")
        default_days = DEFAULT_STALE_AFTER_DAYS.get(source)
        expected = bool(given.get("expected", default_days is not None))
        days = given.get("stale_after_days", default_days)
        if days is not None and (not isinstance(days, int) or days < 1):
            raise ProfileError(f"{path}: sources.{source}.stale_after_days must be a whole "
                               "number of days, at least 1")
        sources[source] = SourceExpectation(source, expected, days)
    return Profile(path, sources)

