"""The detection benchmark: many generated trusts with planted problems and decoys, run
through the pipeline; how well the signal ranks what was planted, beside the previous rule.

`python -m pipelines.detection_bench` (or `make bench-detection`); see `__main__.py`.
"""
