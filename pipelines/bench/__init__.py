"""Benchmark of the nightly refresh: time, CPU and peak memory per stage at several sizes.

`make bench` (`python -m pipelines.bench`); see `pipelines/bench/__main__.py` for the sizes
and what is measured. Figures are printed and written to CSV, never asserted.
"""

from pipelines.bench.process import tree_cpu, tree_rss

__all__ = ["tree_cpu", "tree_rss"]
