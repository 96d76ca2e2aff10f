"""Random draws shared by the source generators: dates, places, choices, identifiers.

Dates are numpy `datetime64[D]` arrays; everything is vectorised so a full-size trust (tens
of thousands of FFT responses a month at scale 5) stays fast.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.demo.catalogue import LOCATION_VOLUMES, SOURCE_COLUMN, SPECIALTY_VOLUMES
from pipelines.demo.context import Context
from pipelines.demo.reference import Reference
from pipelines.demo.scenario import Plant, month_start, months_between


def days(start: dt.date, end: dt.date) -> np.ndarray:
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def sample_dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date, *,
                 winter: float = 0.15, weekend: float = 0.8, growth: float = 0.0) -> np.ndarray:
    """Dates with a winter peak (mid-January, +/- `winter`), quieter weekends and volume
    growing by `growth` a year."""
    span = days(start, end)
    day_of_year = (span - span.astype("datetime64[Y]")).astype(int)
    weights = 1 + winter * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)
    weekday = (span.astype(int) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    weights = weights * np.where(weekday >= 5, weekend, 1.0)
    weights = weights * (1 + growth) ** (np.arange(span.size) / 365.25)
    return np.sort(span[rng.choice(span.size, size=n, p=weights / weights.sum())])


def seasonal_dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date,
                   peak_month: int) -> np.ndarray:
    """Dates crowding round the middle of `peak_month` every year (most within about two
    months of it), as winter infections or summer heat do."""
    span = days(start, end)
    day_of_year = (span - span.astype("datetime64[Y]")).astype(int)
    peak = 30.4 * (peak_month - 1) + 15
    weights = np.exp(2.5 * np.cos(2 * np.pi * (day_of_year - peak) / 365.25))
    return np.sort(span[rng.choice(span.size, size=n, p=weights / weights.sum())])


def plant_dates(rng: np.random.Generator, plant: Plant, n: int) -> np.ndarray:
    """When a planted record happened: anywhere in a problem's or decoy's window; in season
    across the whole exported period for a seasonal theme."""
    if plant.kind == "seasonal":
        return seasonal_dates(rng, n, plant.start, plant.end, plant.peak_month)
    return uniform_dates(rng, n, plant.start, plant.end)


def background(ctx: Context, rng: np.random.Generator, source: str, n: int, *,
               winter: float = 0.15, weekend: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Dates and location indices of a source's n background records.

    Each location's share of the month's records is its usual weight times a gamma factor
    (mean 1, coefficient of variation `overdispersion[source]`) drawn per location and month:
    real wards' monthly counts vary more than chance alone would make them (staffing, case
    mix, an SMS batch of FFT invitations). A location closed that month gets none: the
    scenario's unit_changes open and close wards.
    """
    scenario = ctx.scenario
    dates = sample_dates(rng, n, scenario.start_date, scenario.end_date, winter=winter,
                         weekend=weekend, growth=scenario.growth_per_year)
    months = [month_start(scenario.start_date, -i)
              for i in range(months_between(scenario.start_date, scenario.end_date))]
    ids = [loc.location_id for loc in ctx.ref.locations]
    shares = location_weights(ctx.ref, source)[None, :] * scenario.open_mask(ids, months)
    variation = scenario.overdispersion.get(source, 0.0)
    if variation > 0:
        shape = 1 / variation**2
        shares = shares * rng.gamma(shape, 1 / shape, size=shares.shape)
    month_index = ((dates.astype("datetime64[M]") - np.datetime64(scenario.start_date, "M"))
                   .astype(int))
    return dates, pick_rows(rng, shares, month_index)


def uniform_dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> np.ndarray:
    span = days(start, end)
    return np.sort(span[rng.integers(0, span.size, size=n)])


def pick(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return rng.choice(weights.size, size=n, p=weights / weights.sum())


def pick_rows(rng: np.random.Generator, probabilities: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per row from its own row of a probability matrix (rows index the matrix)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random(rows.size)
    picked = np.empty(rows.size, dtype=int)
    for row in np.unique(rows):  # per distinct row, not per record: memory stays flat
        hit = rows == row
        picked[hit] = np.searchsorted(cumulative[row], draws[hit])
    return np.minimum(picked, probabilities.shape[1] - 1)


def location_weights(ref: Reference, source: str) -> np.ndarray:
    column = SOURCE_COLUMN[source]
    return np.array([
        LOCATION_VOLUMES[loc.location_type][column]
        * SPECIALTY_VOLUMES.get(loc.specialty, {}).get(source, 1.0)
        for loc in ref.locations
    ])


def plant_locations(ctx: Context, rng: np.random.Generator, plant: Plant, source: str,
                    n: int) -> np.ndarray:
    """Location indices of planted records: the unit's locations weighted as the source's
    background (a directorate's problem shows up where that source's records come from)."""
    ids = plant.location_ids(ctx.ref)
    index = np.array([i for i, loc in enumerate(ctx.ref.locations) if loc.location_id in ids])
    weights = location_weights(ctx.ref, source)[index]
    if plant.unit_level == "trust":  # a seasonal theme: not at wards that open or close
        changing = {change.location_id for change in ctx.scenario.unit_changes}
        weights = weights * np.array([ctx.ref.locations[i].location_id not in changing
                                      for i in index])
    if weights.sum() == 0:
        weights = np.ones(index.size)
    return index[pick(rng, weights, n)]


def spell(ref: Reference, locations: np.ndarray, role) -> np.ndarray:
    """How a source system spells each location: spelling number `role` (0 = the name, then
    the aliases in seed order), wrapping round when a location has fewer spellings."""
    table = [loc.spellings for loc in ref.locations]
    if np.ndim(role) == 0:
        return np.array([t[role % len(t)] for t in table], dtype=object)[locations]
    return np.array([table[i][r % len(table[i])] for i, r in zip(locations, role, strict=True)],
                    dtype=object)


def location_columns(ref: Reference, locations: np.ndarray) -> dict[str, np.ndarray]:
    """Site, directorate and specialty of each location index, as the seed has them."""
    attrs = ("site", "directorate", "specialty", "location_type", "location_id")
    table = {a: np.array([getattr(loc, a) for loc in ref.locations], dtype=object)
             for a in attrs}
    return {a: table[a][locations] for a in attrs}


def date_series(name: str, values: np.ndarray) -> pl.Series:
    """Polars dates from datetime64[D] values; NaT becomes null."""
    return pl.Series(name, values.astype("datetime64[D]"), dtype=pl.Date)


def timestamps(rng: np.random.Generator, dates: np.ndarray, *, office_hours: bool = False
               ) -> np.ndarray:
    """A time of day on each date (to the second)."""
    low, high = (8 * 3600, 18 * 3600) if office_hours else (0, 86400)
    seconds = dates.astype("datetime64[s]") + rng.integers(low, high, size=dates.size)
    return seconds.astype("datetime64[ms]")


def nhs_number(rng: np.random.Generator) -> str:
    """A fake NHS number (999 test range) with a valid modulus-11 check digit."""
    while True:
        digits = [9, 9, 9, *rng.integers(0, 10, size=6).tolist()]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            number = "".join(map(str, digits)) + str(check)
            return f"{number[:3]} {number[3:6]} {number[6:]}"


def pick_texts(rng: np.random.Generator, pools: list[tuple[str, ...]],
               which: np.ndarray) -> np.ndarray:
    """For each row, a random text from the pool its `which` index names."""
    flat = np.array([text for pool in pools for text in pool], dtype=object)
    lengths = np.array([len(pool) for pool in pools])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return flat[offsets[which] + (rng.random(which.size) * lengths[which]).astype(int)]


def site_code(site: str) -> str:
    """'Northgate General Hospital' -> 'NGH', as older systems abbreviate sites."""
    return "".join(word[0] for word in site.split() if word[0].isupper())


def numbered_by_year(prefix: str, date_column: str, width: int) -> pl.Expr:
    """`<prefix>-<year>-<n>`, n counting the (already sorted) records within each year, as a
    register numbers its cases."""
    year = pl.col(date_column).dt.year()
    number = pl.int_range(1, pl.len() + 1).over(year).cast(pl.String).str.zfill(width)
    return pl.format(prefix + "-{}-{}", year, number)
