"""Raw complaints and PALS concerns."""

from expectations.rules import not_before, suite


def build_suites():
    return {"complaints": suite(
        "complaints",
        not_before("acknowledged_date", "received_date"),
        not_before("closed_date", "received_date"),
        not_before("due_date", "received_date"),
    )}
