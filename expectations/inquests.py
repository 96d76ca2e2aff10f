"""Raw inquest register."""

from expectations.rules import not_before, suite


def build_suites():
    return {"inquests": suite(
        "inquests",
        not_before("hearing_date", "date_of_death"),
        not_before("pfd_date", "date_of_death"),
        not_before("response_sent_date", "pfd_date"),
    )}
