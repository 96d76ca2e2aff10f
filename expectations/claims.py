"""Raw claims register or NHS Resolution claims listing."""

from expectations.rules import not_before, suite


def build_suites():
    return {"claims": suite(
        "claims",
        not_before("notification_date", "incident_date"),
        not_before("closed_date", "notification_date"),
    )}
