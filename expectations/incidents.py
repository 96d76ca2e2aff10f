"""Raw incident revisions (Datix/DCIQ, Radar, Ulysses, InPhase, LFPSE exports)."""

from expectations.rules import not_before, suite


def build_suites():
    return {"incidents": suite(
        "incidents",
        not_before("reported_date", "occurred_date"),
    )}
