"""A fictional mid-size acute trust whose exports exercise the whole pipeline.

`generate_trust` writes each source system's exports (their own headers, value spellings,
encodings and mess) into `<out>/<source>/` and the planted scenario, with exactly which
records and rows were planted, into `<out>/scenario_truth.json`.
"""

from pipelines.demo.generator import generate_trust

__all__ = ["generate_trust"]
