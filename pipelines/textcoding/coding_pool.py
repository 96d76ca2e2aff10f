"""FFT comments coded on every core: a large trust's full refresh codes hundreds of thousands.

Chunks are coded in worker processes (spawned, so none inherits the parent's open DuckDB
connection), each loading the shipped model once. Each comment is coded on its own, so the
codes are those of one process coding them all, in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import polars as pl

from pipelines.textcoding.fft_model import code_comments

# Rows per call of the model: its features of a million comments would take gigabytes at once.
CHUNK_ROWS = 20_000


def _code(chunk: tuple[list, list, list]) -> pl.DataFrame:
    return code_comments(*chunk).drop("scores")


def code_in_chunks(texts: Sequence[str | None], ratings: Sequence, questions: Sequence
                   ) -> Iterator[tuple[int, pl.DataFrame]]:
    """(offset, codes) of each chunk of CHUNK_ROWS comments, in order: `categories`,
    `confidences` and `sentiment` as `code_comments` gives them. In one worker per core when
    there is more than one chunk."""
    chunks = [(list(texts[start:start + CHUNK_ROWS]), list(ratings[start:start + CHUNK_ROWS]),
               list(questions[start:start + CHUNK_ROWS]))
              for start in range(0, max(len(texts), 1), CHUNK_ROWS)]  # none: one empty
    workers = min(len(chunks), len(os.sched_getaffinity(0)))
    if workers <= 1:
        yield from ((i * CHUNK_ROWS, _code(chunk)) for i, chunk in enumerate(chunks))
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        yield from ((i * CHUNK_ROWS, codes)
                    for i, codes in enumerate(pool.map(_code, chunks)))
