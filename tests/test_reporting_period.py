"""The as-of date a refresh judges its marts against."""

from __future__ import annotations

import os


def test_a_refresh_across_midnight_judges_everything_against_the_day_it_started(monkeypatch):
    """An independent probe started a refresh at 23:59: its marts were judged against two
    days (audit_programme on the 6th, complaints_performance on the 7th). Within
    `one_as_of_date` the as-of date is the day the block began, for dbt too (the variable)."""
    import datetime as dt

    from pipelines.lib import reporting_period

    clock = {"today": dt.date(2026, 12, 6)}

    class Clock(dt.date):
        @classmethod
        def today(cls):
            return clock["today"]

    monkeypatch.delenv("TRIANGULATE_AS_OF_DATE", raising=False)
    monkeypatch.setattr(reporting_period, "date", Clock)
    with reporting_period.one_as_of_date() as day:
        clock["today"] = dt.date(2026, 12, 7)  # midnight passes
        assert day == reporting_period.as_of_date() == dt.date(2026, 12, 6)
        assert os.environ["TRIANGULATE_AS_OF_DATE"] == "2026-12-06"
    assert "TRIANGULATE_AS_OF_DATE" not in os.environ
    assert reporting_period.as_of_date() == dt.date(2026, 12, 7)
    # A date the user fixed is kept as it is.
    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", "2026-03-31")
    with reporting_period.one_as_of_date() as day:
        assert day == dt.date(2026, 3, 31)
    assert os.environ["TRIANGULATE_AS_OF_DATE"] == "2026-03-31"
