"""What the pack says instead of a figure when the source behind it cannot give one.

Every section drawing on a source checks it here first, against the marts' own record of
what the exports held (source_freshness, field_coverage): a source not sent, loaded with no
rows, or whose exports fill none of the fields a section needs is said, and its empty tables
are never shown as "none" (the worst thing a safety report can say wrongly). A stale
source's figures are shown after a warning that recent months may be missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipelines.report import labels
from pipelines.report.html import NOT_SENT, fmt, note
from pipelines.report.marts import Marts

# Each source as "This trust does not send ..." names it.
SOURCE_NOUNS = {
    "incidents": "incident exports",
    "complaints": "a complaints register",
    "fft": "Friends and Family Test results",
    "inquests": "an inquest register",
    "sjr": "structured judgement reviews (SJRs)",
    "claims": "a claims register",
    "audit": "a clinical audit register",
    "activity": "activity data",
    "pfd": "national PFD reports",
}
NONE_IMPLIED = "no figure here says there are none."


def gap(m: Marts, source: str, shown: str, fields: Sequence[str] = ()) -> tuple[str, bool] | None:
    """Why `shown` (what a section shows from `source`) cannot be read as complete, and
    whether nothing of it can be shown at all; None when the source is as expected.

    fields: the section needs at least one of these filled in some record."""
    state = m.source_state(source) or "ok"  # an older marts file: no verdict to give
    if state == "not_sent":
        return NOT_SENT.format(SOURCE_NOUNS.get(source, source), shown), True
    if state in ("missing", "no_rows"):
        return (f"No {labels.source(source).lower()} records were loaded at the last refresh "
                f"({labels.words(state).lower()}), so {shown} cannot be shown: "
                f"{NONE_IMPLIED}"), True
    unfilled = m.fields_not_filled(source, fields)
    if fields and len(unfilled) == len(fields):
        names = " or ".join(labels.FIELDS.get(f, f.replace("_", " ")) for f in unfilled)
        return (f"The {labels.source(source).lower()} exports carry no {names} (not in the "
                f"export, or blank in every record), so {shown} cannot be shown: "
                f"{NONE_IMPLIED}"), True
    if state == "stale":
        return (f"{labels.source(source)} are out of date: the newest record loaded is dated "
                f"{fmt(m.newest_record(source))}, so {shown} below miss anything since; "
                "a quiet recent period is not known to be quiet."), False
    return None


def from_source(m: Marts, source: str, shown: str, render: Callable[[], str],
                fields: Sequence[str] = ()) -> str:
    """render() for a section drawing on `source`, after the note of `gap`; only that note
    when nothing can be shown."""
    found = gap(m, source, shown, fields)
    if found is None:
        return render()
    text, nothing = found
    warning = note(text, "note missing")
    return warning if nothing else warning + render()
