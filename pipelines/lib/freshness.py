"""Whether each source's exports are present and fresh enough to publish marts from.

Judged by the raw asset after reading a source's folder. An expected source that is missing,
loads no rows or is stale stops the refresh before anything is published, with one line that
says what is wrong and what to do (see `pipelines.lib.profile`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipelines.lib.errors import UserFacingError
from pipelines.lib.profile import PROFILE_FILE, SourceExpectation

OK, STALE, MISSING, NO_ROWS, NOT_SENT = "ok", "stale", "missing", "no_rows", "not_sent"


class SourceUnavailableError(UserFacingError):
    """An expected source is missing, empty or stale: the refresh must not publish."""


@dataclass(frozen=True)
class SourceState:
    source: str
    is_expected: bool
    files: int
    rows_loaded: int
    newest_record_date: dt.date | None
    as_of_date: dt.date
    stale_after_days: int | None
    state: str
    problem: str | None  # one line for the user when an expected source blocks publishing

    @property
    def days_old(self) -> int | None:
        if self.newest_record_date is None:
            return None
        return (self.as_of_date - self.newest_record_date).days


def judge(expectation: SourceExpectation, folder: str, profile_dir: str, files: int,
          rows_loaded: int, newest: dt.date | None, as_of: dt.date) -> SourceState:
    source, days = expectation.source, expectation.stale_after_days
    not_expected_hint = (f"or, if this trust does not send {source}, set `{source}: "
                         f"{{expected: false}}` under `sources:` in {profile_dir}/{PROFILE_FILE}")
    if files == 0:
        state = NOT_SENT if not expectation.expected else MISSING
        problem = (f"{source}: no export files in {folder}/: put this trust's {source} "
                   f"export there, {not_expected_hint}")
    elif rows_loaded == 0 or newest is None:
        state = NO_ROWS
        problem = (f"{source}: {files} export file(s) in {folder}/ but no dated row loaded "
                   "(see rejected_rows for why): fix the export or its mapping")
    elif days is not None and (as_of - newest).days > days:
        state = STALE
        problem = (f"{source}: the newest record is dated {newest:%Y-%m-%d}, "
                   f"{(as_of - newest).days} days before {as_of:%Y-%m-%d} (stale after "
                   f"{days} days): add the latest export to {folder}/, raise "
                   f"`stale_after_days` in {profile_dir}/{PROFILE_FILE}, {not_expected_hint}")
    else:
        state, problem = OK, None
    return SourceState(source, expectation.expected, files, rows_loaded, newest, as_of, days,
                       state, problem if expectation.expected else None)
