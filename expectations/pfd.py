"""Published national Prevention of Future Deaths reports."""

from expectations.rules import suite


def build_suites():
    return {"pfd_reports": suite("pfd_reports")}
