"""FFT comments coded on every core: a large trust's full refresh codes hundreds of thousands.

Chunks are coded in worker processes (spawned, so none inherits the parent's open DuckDB
connection), each loading the shipped model once. Each comment is coded on its own, so the
codes are those of one process coding them all, in the same order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import chain, islice
from multiprocessing import get_context

import polars as pl

from pipelines.lib.process_guard import die_with_parent
from pipelines.textcoding.fft_model import code_comments

# Rows per call of the model: its features of a million comments would take gigabytes at once.
CHUNK_ROWS = 20_000
# Chunks handed to each worker ahead of the one being coded: enough to keep it busy, few
# enough that a national year's 25M comments are never held at once.
_AHEAD_PER_WORKER = 2

# A chunk: its comments, their ratings, the questions they answer and their settings.
Chunk = tuple[list, list, list, list]


def _code(chunk: Chunk) -> pl.DataFrame:
    return code_comments(*chunk).drop("scores")


def code_in_chunks(chunks: Iterable[Chunk]) -> Iterator[pl.DataFrame]:
    """The codes of each chunk (of up to CHUNK_ROWS comments), in order: `categories`,
    `confidences` and `sentiment` as `code_comments` gives them. In one worker per core when
    there is more than one chunk, taking chunks from `chunks` only as workers free up."""
    chunks = iter(chunks)
    first = list(islice(chunks, 2))
    workers = len(os.sched_getaffinity(0))
    if len(first) <= 1 or workers <= 1:
        yield from map(_code, chain(first, chunks))
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        coding = deque()
        for chunk in chain(first, chunks):
            coding.append(pool.submit(_code, chunk))
            if len(coding) > workers * _AHEAD_PER_WORKER:
                yield coding.popleft().result()
        while coding:
            yield coding.popleft().result()
