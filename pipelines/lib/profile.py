"""The trust profile: everything that describes one trust, kept apart from the product.

A profile is a folder (`TRIANGULATE_PROFILE`, default the shipped demo's `profiles/demo/`):
- `profile.yml`: which sources the trust sends and how fresh each must be (`sources:`), and
  the trust's own settings of the product's parameters (`vars:` source weights, windows ...,
  any var of `dbt_project/dbt_project.yml`; the rest keep the product's defaults);
- `mappings/*.yml`: how the trust's exports read (the product's `mappings/templates/` are
  copied from, never read);
- `reference/*.csv`: locations, location aliases, and the trust's own code maps, keyword rules
  and publishable words, layered over the product's shipped seeds (the trust's row wins on
  the same key; `pipelines/lib/reference.py`).
Every source not mentioned keeps the defaults below: the seven trust sources are expected, the
optional inputs (national PFD reports, activity) are not. A source that is expected but
missing, empty or stale stops the refresh before anything is published, because marts built
without it would read as "nothing here" where the truth is "not measured".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.lib import settings
from pipelines.lib.canonical import SOURCES
from pipelines.lib.errors import UserFacingError

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


class ProfileError(UserFacingError, ValueError):
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
    dbt_vars: dict = field(default_factory=dict)

    def expectation(self, source: str) -> SourceExpectation:
        return self.sources[source]


def load_profile(folder: Path | None = None) -> Profile:
    path = (folder or settings.profile_dir()) / PROFILE_FILE
    # Each of a refresh's steps asks for the profile: parsed again only when it or the
    # product's settings changed.
    return _parsed(path, path.read_bytes() if path.is_file() else None,
                   _product_settings().read_bytes())


def _product_settings() -> Path:
    """The product's settings (dbt vars), which a profile may override."""
    return settings.DBT_PROJECT_DIR / "dbt_project.yml"


@functools.lru_cache(maxsize=16)
def _parsed(path: Path, _content: bytes | None, _settings: bytes) -> Profile:
    spec = {}
    if path.is_file():
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise ProfileError(f"{path}: cannot be read as YAML ({error})") from error
    if not isinstance(spec, dict) or set(spec) - {"sources", "vars"}:
        raise ProfileError(f"{path}: takes only `sources:` and `vars:`")
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
    return Profile(path, sources, _dbt_vars(path, spec.get("vars") or {}))


def _dbt_vars(path: Path, given: dict) -> dict:
    """The profile's settings of product parameters: only vars the product defines, each of
    the same shape (a number for a number, the same keys for a table of weights)."""
    defaults = yaml.safe_load(_product_settings().read_text(encoding="utf-8"))["vars"]
    for name, value in given.items():
        if name not in defaults:
            raise ProfileError(f"{path}: vars.{name} is not a Triangulate setting; settings "
                               f"are {sorted(defaults)} (dbt_project/dbt_project.yml)")
        default = defaults[name]
        if isinstance(default, dict) and (not isinstance(value, dict)
                                          or set(value) - set(default)):
            raise ProfileError(f"{path}: vars.{name} takes keys {sorted(default)}")
        if isinstance(default, (int, float)) and not isinstance(default, bool) and (
                isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ProfileError(f"{path}: vars.{name} must be a number")
    return dict(given)

