"""Run a source's Great Expectations suite over a loaded frame.

GX validates pandas frames well (its SQL datasource on DuckDB does not), so each raw batch
is validated as a frame before it is written. GX is imported here, lazily: it costs seconds.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import cache

import polars as pl

from pipelines.lib.cell_shape import shapes

ROW_ID = "_row_id"
VALIDATION_BATCH_ROWS = 250_000


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str
    on_failure: str
    success: bool
    unexpected_count: int


@dataclass(frozen=True)
class Validation:
    outcomes: list[ExpectationOutcome]
    failures: pl.DataFrame  # _row_id, column_name, reason, on_failure, expectation (its index)

    def rejected(self) -> pl.DataFrame:
        return self.failures.filter(pl.col("on_failure") == "reject")

    def outcomes_within(self, start: int, end: int) -> list[ExpectationOutcome]:
        """The outcomes over rows start..end-1 alone: every expectation in the suites is row
        by row (none has `mostly`), so an expectation fails where some of its rows do."""
        counts = dict(self.failures.filter(pl.col(ROW_ID).is_between(start, end - 1))
                      .group_by("expectation").len().iter_rows())
        return [ExpectationOutcome(o.expectation, o.column, o.on_failure, not counts.get(i),
                                   counts.get(i, 0)) for i, o in enumerate(self.outcomes)]


def combined(outcomes: list[list[ExpectationOutcome]]) -> list[ExpectationOutcome]:
    """The outcomes of parts of a frame (batches, files) as one: the suite's expectations in
    order, failed where any part failed, unexpected rows added up."""
    return [
        ExpectationOutcome(same[0].expectation, same[0].column, same[0].on_failure,
                           all(o.success for o in same), sum(o.unexpected_count for o in same))
        for same in zip(*outcomes, strict=True)
    ]


@cache
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch under this size by hashing all of it, for a batch
    # marker nothing here reads (an ephemeral context keeps no results): 2-3 s of the 4-5 s
    # it took to validate a large trust's 1.5M FFT responses. Zero turns the hashing off.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return context


@cache
def _suite(source: str, entity: str):
    module = importlib.import_module(f"expectations.{source}")
    return _context().suites.add(module.build_suites()[entity])


@cache
def _batch_definition(source: str, entity: str):
    datasource = _context().data_sources.add_pandas(f"{source}.{entity}")
    return datasource.add_dataframe_asset(entity).add_batch_definition_whole_dataframe("whole")


def validate(frame: pl.DataFrame, source: str, entity: str) -> Validation:
    """Validate `frame` (canonical columns); failures refer to its row positions.

    In batches of VALIDATION_BATCH_ROWS: GX validates a pandas copy of the frame, and every
    expectation in the suites is row by row, so batches give the same failures while the
    copy's memory stays bounded however many rows a source has."""
    batches = [_validate_batch(frame.slice(start, VALIDATION_BATCH_ROWS), source, entity, start)
               for start in range(0, max(frame.height, 1), VALIDATION_BATCH_ROWS)]
    return Validation(combined([b.outcomes for b in batches]),
                      pl.concat([b.failures for b in batches]))


def _validate_batch(frame: pl.DataFrame, source: str, entity: str, offset: int) -> Validation:
    data = frame.to_pandas(use_pyarrow_extension_array=False)
    batch = _batch_definition(source, entity).get_batch(batch_parameters={"dataframe": data})
    result = batch.validate(_suite(source, entity), result_format={"result_format": "COMPLETE"})

    outcomes, failures = [], []
    for index, item in enumerate(result.results):
        config = item.expectation_config
        column = config.kwargs.get("column") or config.kwargs.get("column_A")
        meta = config.meta or {}
        if item.exception_info and item.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {config.type} on {column} could not run: "
                               f"{item.exception_info.get('exception_message')}")
        rows = item.result.get("unexpected_index_list") or []
        outcomes.append(ExpectationOutcome(config.type, column, meta.get("on_failure", "reject"),
                                           bool(item.success), len(rows)))
        # Reasons are published: `{value}` becomes the cell's shape, never its value.
        values = shapes([frame[column][row] for row in rows]) if column in frame.columns \
            else [None] * len(rows)
        for row, value in zip(rows, values, strict=True):
            failures.append((row + offset, column, meta.get("reason", config.type).replace(
                "{value}", str(value)), meta.get("on_failure", "reject"), index))
    return Validation(outcomes, pl.DataFrame(
        failures, schema={ROW_ID: pl.Int64, "column_name": pl.String, "reason": pl.String,
                          "on_failure": pl.String, "expectation": pl.Int64}, orient="row"))
