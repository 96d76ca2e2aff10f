"""Expectations every canonical entity gets from its field declarations.

Each expectation's `meta` says what a failure means: `reject` quarantines the failing rows
(they cannot be used as they are), `warn` only reports them (the record is still usable, the
team should look). `reason` is the sentence a user reads in `rejected_rows`; `{value}` becomes the
offending cell's shape (`pipelines.lib.cell_shape`), never the value: reasons are published.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from pipelines.lib.canonical import ENTITIES, ENUM, UNKNOWN_VALUE, Entity


def reject(reason: str) -> dict:
    return {"on_failure": "reject", "reason": reason}


def warn(reason: str) -> dict:
    return {"on_failure": "warn", "reason": reason}


def canonical_expectations(entity: Entity) -> list[gxe.Expectation]:
    expectations: list[gxe.Expectation] = []
    for field in entity.fields:
        if field.required:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(
                column=field.name, meta=reject(f"{field.name} is blank but required")))
        if field.kind == ENUM:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column=field.name, value_set=list(field.values),
                meta=reject(f"{field.name} {UNKNOWN_VALUE} (the cell reads {{value}}; "
                            f"expected one of {', '.join(field.values)}; map it under "
                            f"values.{field.name})")))
        if field.minimum is not None or field.maximum is not None:
            expectations.append(gxe.ExpectColumnValuesToBeBetween(
                column=field.name, min_value=field.minimum, max_value=field.maximum,
                meta=reject(f"{field.name} is outside the range {_bound(field.minimum)}.."
                            f"{_bound(field.maximum)} (the cell reads {{value}})"
                            if field.maximum is not None
                            else f"{field.name} is below the minimum {_bound(field.minimum)} "
                                 "(the cell reads {value})")))
    return expectations


def _bound(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def not_before(later: str, earlier: str) -> gxe.Expectation:
    """`later` on or after `earlier` where both are present: a warning, not a rejection."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=later, column_B=earlier, or_equal=True,
        ignore_row_if="either_value_is_missing",
        meta=warn(f"{later} is before {earlier}"))


def suite(entity_name: str, *extra: gxe.Expectation) -> gx.ExpectationSuite:
    entity = ENTITIES[entity_name]
    return gx.ExpectationSuite(
        name=f"raw_{entity_name}",
        expectations=[*canonical_expectations(entity), *extra],
        meta={"description": entity.description},
    )
