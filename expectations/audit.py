"""Raw clinical audit register, results per standard and action-plan items."""

import great_expectations.expectations as gxe

from expectations.rules import not_before, reject, suite


def build_suites():
    return {
        "audits": suite("audits", not_before("report_date", "period_start")),
        "audit_results": suite(
            "audit_results",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="denominator", column_B="numerator", or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=reject("numerator is greater than denominator")),
        ),
        "audit_actions": suite("audit_actions"),
    }
