"""The reporting period the insight pack, the board export and `triangulate status` share.

The reporting month is the last complete calendar month of incident, complaint and FFT data
up to the as-of date: the latest month that has ended on or before the as-of date (the
`TRIANGULATE_AS_OF_DATE` setting, else today) and for which any of those three sources holds
records. Other sources never set it: an audit programme lists report and re-audit dates
months ahead, and a future month must not become "the last 12 months".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from pipelines.lib.settings import SettingError

# The sources whose monthly data define the reporting month (the busy, monthly ones).
PERIOD_SOURCES = ("incidents", "complaints", "fft")


class AsOfDateError(SettingError, ValueError):
    """TRIANGULATE_AS_OF_DATE is set but is not a YYYY-MM-DD date."""


AS_OF_VARIABLE = "TRIANGULATE_AS_OF_DATE"


def as_of_date() -> date:
    """TRIANGULATE_AS_OF_DATE (YYYY-MM-DD), else today."""
    value = os.environ.get(AS_OF_VARIABLE, "").strip()
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AsOfDateError(f"TRIANGULATE_AS_OF_DATE={value!r} is not a date (YYYY-MM-DD)") \
            from None


@contextmanager
def one_as_of_date() -> Iterator[date]:
    """Within the block, the as-of date is one day: TRIANGULATE_AS_OF_DATE, else today as the
    block starts (set for the block, so dbt's `as_of_date()` and every step read it too). A
    refresh running across midnight published marts judged against two days."""
    if os.environ.get(AS_OF_VARIABLE, "").strip():
        yield as_of_date()
        return
    today = date.today()
    os.environ[AS_OF_VARIABLE] = today.isoformat()
    try:
        yield today
    finally:
        os.environ.pop(AS_OF_VARIABLE, None)


def add_months(month: date, months: int) -> date:
    """The first day of the month `months` after `month`'s (before it when negative)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return date.fromordinal(add_months(month, 1).toordinal() - 1)


def last_complete_month(as_of: date) -> date:
    """First day of the latest calendar month that ended on or before `as_of`."""
    this_month = as_of.replace(day=1)
    return this_month if month_end(this_month) <= as_of else add_months(this_month, -1)


@dataclass(frozen=True)
class ReportingPeriod:
    month: date  # first day of the reporting month
    as_of: date

    @property
    def label(self) -> str:
        return self.month.strftime("%B %Y")

    def months_back(self, n: int) -> tuple[date, date]:
        """First day of the first month and last day of the reporting month of the n months
        ending with the reporting month."""
        return add_months(self.month, -(n - 1)), month_end(self.month)

    @property
    def quarter_start(self) -> date:
        """First day of the calendar quarter holding the reporting month."""
        return self.month.replace(month=(self.month.month - 1) // 3 * 3 + 1)


def reporting_period(con, as_of: date | None = None) -> ReportingPeriod | None:
    """The reporting period of the published marts open on `con` (read from theme_counts),
    or None when none of PERIOD_SOURCES has a record in a complete month up to the as-of
    date."""
    as_of = as_of or as_of_date()
    cutoff = last_complete_month(as_of)
    sources = ", ".join(f"'{s}'" for s in PERIOD_SOURCES)
    [(month,)] = con.execute(
        f"select max(month) from theme_counts where source in ({sources}) and month <= ?",
        [cutoff]).fetchall()
    return ReportingPeriod(month, as_of) if month is not None else None
