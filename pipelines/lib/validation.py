"""Run a source's Great Expectations suite over a loaded frame.

GX validates pandas frames well (its SQL datasource on DuckDB does not), so each raw batch
is validated as a frame before it is written. GX is imported here, lazily: it costs seconds.

A refresh validates in a process of its own (`validating_process`): it imports GX while the
refresh reads the exports, and GX's modules and each batch's pandas copy (a few hundred MB)
leave with it when the loads are done, instead of staying with the refresh through FFT coding
and dbt, the steps its peak memory is set by. Without one (a test, a load started from the
Dagster UI), validation runs in the calling process.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context

import polars as pl

from pipelines.lib.cell_shape import shapes
from pipelines.lib.process_guard import die_with_parent

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

    def flagged(self) -> pl.DataFrame:
        return self.failures.filter(pl.col("on_failure") == "warn")

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


def _import_gx() -> None:
    """GX imported and its context made, in the validating process (the context itself
    cannot be sent back)."""
    _context()


_process = None  # the validating process, while one is open


@contextmanager
def validating_process() -> Iterator[None]:
    """Validate in one spawned process until the block ends or `end_validating_process()`;
    it starts importing GX at once. Within a block holding one open, the block uses that one."""
    global _process
    if _process is not None:
        yield
        return
    _process = ProcessPoolExecutor(1, mp_context=get_context("spawn"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
    _process.submit(_import_gx)
    try:
        yield
    finally:
        end_validating_process()


def end_validating_process() -> None:
    """The validating process ends (its memory freed); later validation runs in this one."""
    global _process
    if _process is not None:
        _process.shutdown(wait=False)
        _process = None


@cache
def _suite(source: str, entity: str):
    module = importlib.import_module(f"expectations.{source}")
    return _context().suites.add(module.build_suites()[entity])


@cache
def _batch_definition(source: str, entity: str):
    datasource = _context().data_sources.add_pandas(f"{source}.{entity}")
    return datasource.add_dataframe_asset(entity).add_batch_definition_whole_dataframe("whole")


def validating(frame: pl.DataFrame, source: str, entity: str) -> Callable[[], Validation]:
    """Validate `frame` (canonical columns): call the result for the Validation, whose
    failures refer to the frame's row positions. In the validating process when one is open,
    so the caller reads its next files while this frame is validated.

    In batches of VALIDATION_BATCH_ROWS: GX validates a pandas copy of the columns its
    expectations read (not the free text: most of the bytes), and every expectation in the
    suites is row by row, so batches give the same failures while the copy's memory stays
    bounded however many rows a source has."""
    starts = range(0, max(frame.height, 1), VALIDATION_BATCH_ROWS)
    if _process is None:
        checked = frame.select(_checked_columns(source, entity))
        done = _combined([_validate_batch(checked.slice(start, VALIDATION_BATCH_ROWS), source,
                                          entity, start) for start in starts])
        return lambda: done
    checked = frame.select(_process.submit(_checked_columns, source, entity).result())
    # Handed over as Arrow tables: pickled several times faster than polars frames.
    batches = [_process.submit(_validate_arrow_batch,
                               checked.slice(start, VALIDATION_BATCH_ROWS).to_arrow(), source,
                               entity, start) for start in starts]
    return lambda: _combined([batch.result() for batch in batches])


def _combined(batches: list[Validation]) -> Validation:
    return Validation(combined([b.outcomes for b in batches]),
                      pl.concat([b.failures for b in batches]))


def _checked_columns(source: str, entity: str) -> list[str]:
    """The columns the suite's expectations read, in the order they are first read."""
    kwargs = [e.configuration.kwargs for e in _suite(source, entity).expectations]
    return list(dict.fromkeys(
        column for kw in kwargs
        for column in [*(kw[n] for n in ("column", "column_A", "column_B") if n in kw),
                       *kw.get("column_list", ())]))


def _validate_arrow_batch(table, source: str, entity: str, offset: int) -> Validation:
    return _validate_batch(pl.from_arrow(table), source, entity, offset)


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
