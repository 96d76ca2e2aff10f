"""Files only their user reads: what holds values as exported."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def private_by_default() -> Iterator[None]:
    """What is created in the block (and by the processes it starts) is its user's only (umask
    077): the refresh's warehouse and its write-ahead log hold every free text, the Dagster
    run history and the logs the export files' names, and onboarding's review sheets and
    drafted reference CSVs values as exported. What is published is given its own mode
    (settings.published_file_mode)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
