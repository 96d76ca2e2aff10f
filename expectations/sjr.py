"""Raw Structured Judgement Reviews."""

from expectations.rules import not_before, suite


def build_suites():
    return {"sjr_reviews": suite(
        "sjr_reviews",
        not_before("date_of_death", "admission_date"),
        not_before("review_date", "date_of_death"),
    )}
