"""Failures a person can act on, and how they are told about them.

A `UserFacingError`'s text is the one line the CLI prints for a failed step (and the Dagster UI
shows): what is wrong, where (file, mapping, row, column) and what to do. It never holds a cell
value, because an export's cells may carry patient identifiers. Any other error is summarised
by `safe_summary`, with its traceback kept for the run log and `--verbose`.
"""

from __future__ import annotations

import re


class UserFacingError(RuntimeError):
    """A failure whose message is complete, actionable and free of cell values."""


# Every `UserFacingError` class by name, to recognise them in Dagster's serialised errors
# (which keep a class name and message, not the exception object). Listed, not discovered:
# `status` reads stored errors without importing the modules that raise them, and then
# reported a missing column's BatchError as "unexpected" (tests/test_cli.py checks the list).
USER_FACING_CLASS_NAMES = frozenset({
    "UserFacingError", "BatchError", "MappingError", "ProfileError", "PublishError",
    "SettingError", "IdentifiableDataError", "RefreshRunning", "SourceUnavailableError",
    "OnboardError", "AsOfDateError"})


# A quoted stretch of text in a library's message is usually a value it choked on ("Could not
# convert string 'Mrs Smith' to INT32"); a quoted path (it holds a slash) is kept.
_QUOTED = re.compile(r"'[^'/\n]*'|\"[^\"/\n]*\"")


def without_quoted_values(text: str) -> str:
    return _QUOTED.sub("'…'", text)


def safe_summary(text: str, limit: int = 300) -> str:
    """The first line of an unexpected error's message, quoted values masked, kept short."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = without_quoted_values(first)
    return first if len(first) <= limit else first[: limit - 1] + "…"
