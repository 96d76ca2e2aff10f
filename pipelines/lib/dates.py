"""Plausible date ranges: a date outside its field's range is a rejected row, not a record.

A typed year (0025 for 25, 2035 for 2025, 1900 for a blank in some systems) would otherwise
load as a record decades away, stretch every zero-filled monthly series across those decades
and move the signal windows. Each date field of `pipelines.lib.canonical` has a range; a
mapping may widen or narrow it (`plausible_dates`). Bounds are ISO dates or relative to the
day of the refresh: `today`, `today+1 day`, `today+2 years`.
"""

from __future__ import annotations

import datetime as dt
import re

from pipelines.lib.canonical import DATE, TIMESTAMP, Field
from pipelines.lib.reporting_period import as_of_date

EARLIEST = "2000-01-01"
# Events happen in the past; one day of slack covers time zones and clock drift.
LATEST_EVENT = "today+1 day"
_RELATIVE = re.compile(r"^today(?:\s*\+\s*(\d+)\s*(day|days|year|years))?$")


class BoundError(ValueError):
    """A bound that is neither an ISO date nor `today[+N days|years]`."""


def check_bound(spec: object) -> str:
    """The bound as text, validated; YAML gives unquoted ISO dates as `date` objects."""
    text = spec.isoformat() if isinstance(spec, dt.date) else str(spec).strip()
    resolve(text, dt.date(2000, 1, 1))
    return text


def resolve(spec: str, today: dt.date) -> dt.date:
    match = _RELATIVE.match(spec)
    if match:
        amount, unit = int(match.group(1) or 0), match.group(2) or "day"
        if unit.startswith("year"):
            try:
                return today.replace(year=today.year + amount)
            except ValueError:  # 29 February
                return today.replace(year=today.year + amount, day=28)
        return today + dt.timedelta(days=amount)
    try:
        return dt.date.fromisoformat(spec)
    except ValueError:
        raise BoundError(f"{spec!r} is not a date (YYYY-MM-DD) or today[+N days|years]") from None


def default_range(field: Field) -> tuple[str, str]:
    assert field.kind in (DATE, TIMESTAMP), field
    return field.earliest or EARLIEST, field.latest or LATEST_EVENT


def reference_day() -> dt.date:
    """"today" of the bounds: the refresh day, or a pinned as-of date when it is later (a
    rebuild of exports that end after the machine's clock must not reject their last days)."""
    return max(dt.date.today(), as_of_date())


def lower_bound_moves(field: Field, overrides: dict[str, tuple[str, str]]) -> bool:
    """Whether the field's earliest plausible date is relative to the day (a mapping may set
    one): a later day could then reject a date accepted today."""
    return bool(_RELATIVE.match(overrides.get(field.name, default_range(field))[0]))


def plausible_range(field: Field, overrides: dict[str, tuple[str, str]],
                    today: dt.date) -> tuple[dt.date, dt.date]:
    earliest, latest = overrides.get(field.name, default_range(field))
    return resolve(earliest, today), resolve(latest, today)
