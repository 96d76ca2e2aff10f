"""Great Expectations suites, one module per source, each exposing `build_suites()`.

Modules here import great_expectations at the top, so import them only where a validation
runs (`pipelines.lib.validation` does so lazily): GX takes seconds to import.
"""
