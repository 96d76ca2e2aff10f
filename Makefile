# Triangulate: `make demo` sets everything up and runs the nightly job on a generated demo
# trust; `make test` runs the tests. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install browser demo refresh dev test test-all lint bench bench-large bench-region \
	bench-national bench-detection clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

demo: install  ## generate the demo trust and run the nightly refresh on it
	$(BIN)/triangulate demo

refresh: install  ## run the nightly refresh on whatever is in data/raw/
	$(BIN)/triangulate refresh

# The new_export_files sensor starts a refresh only for files written since the last
# successful one. `dagster dev` still works but warns that `dg dev` supersedes it (dg is a
# separate package): that one warning is silenced.
DEV_PORT ?= 3000
# It runs in the Dagster home, which gets the checkout's dagster.yaml first (run from the
# checkout, `dagster dev` would warn that that file is not the home's).
dev: install  ## Dagster UI on http://127.0.0.1:3000
	$(BIN)/python -c 'from pipelines.refresh import use_dagster_home; use_dagster_home()'
	cd $(DAGSTER_HOME) && PYTHONWARNINGS='ignore:Function `dev_command` is superseded' \
	  $(CURDIR)/$(BIN)/dagster dev -m pipelines.definitions -d $(CURDIR) -h 127.0.0.1 -p $(DEV_PORT)

# Headless Chromium and its driver (Debian packages) for the insight pack's browser test;
# apt-get runs only when they are missing, so this costs nothing once installed.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

test: install browser  ## the default test run (what CI runs)
	$(BIN)/pytest -q --durations=15

test-all: install browser  ## also the slow, full-size tests
	$(BIN)/pytest -q -m ""

lint: install
	$(BIN)/ruff check pipelines expectations tests

bench: install  ## time, CPU and peak memory per stage, full and nightly, small and mid trusts
	$(BIN)/python -m pipelines.bench

# The larger sizes of the issue, each its own target: a large trust's five years (~1.7M rows),
# a region (6 trusts x 5 years, ~10M rows) and a national year (~200 trusts, ~66M rows).
bench-large: install  ## the benchmark on a large acute trust's five years
	$(BIN)/python -m pipelines.bench --sizes small mid large

bench-region: install  ## the benchmark on an integrated care system (about 15 minutes)
	$(BIN)/python -m pipelines.bench --sizes large region --no-nightly

# At DuckDB's default limit the whole national year ran end to end in 46 minutes, peaking at
# 11.0 GB (README, "A national year at the default memory limit"). About 55 minutes with the
# generation, on 2 cores and 24 GB.
bench-national: install  ## the benchmark on a national year
	$(BIN)/python -m pipelines.bench --sizes large national --no-nightly

bench-detection: install  ## how well the signal ranks planted problems, beside the previous rule
	$(BIN)/python -m pipelines.detection_bench --out bench_detection

corpus-table: install  ## the bad-input corpus: each case's outcome and rows read/loaded/rejected
	cd tests && ../$(VENV)/bin/python bad_input_corpus_table.py

clean:
	rm -rf data/warehouse data/marts/*.duckdb data/marts/parquet $(DAGSTER_HOME)/storage
