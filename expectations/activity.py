"""Monthly activity per location (denominators): bed days, admissions, attendances.

Rejections come from the canonical declarations: a blank location or month, a count below 0
(and anything not a whole number, at coercion). Warnings flag figures too large to be one
location's month, which usually means a trust-wide or year-to-date total slipped into the
extract: the row still loads, the team should look.
"""

import great_expectations.expectations as gxe

from expectations.rules import suite, warn

# Generous ceilings for one location in one month.
PLAUSIBLE_MAXIMUM = {
    "occupied_bed_days": 3_100,  # a 100-bed unit full every night of a 31-day month
    "admissions": 20_000,
    "attendances": 50_000,
}


def build_suites():
    return {"activity_monthly": suite(
        "activity_monthly",
        *(gxe.ExpectColumnValuesToBeBetween(
            column=column, max_value=maximum,
            meta=warn(f"{column} is more than {maximum:,} for one location in one month "
                      "(the cell reads {value}): a trust-wide or year-to-date total?"))
          for column, maximum in PLAUSIBLE_MAXIMUM.items()),
    )}
