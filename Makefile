# Two commands do all the set-up on a fresh machine with Python 3.11+ and git:
#   make demo   create .venv if needed, install, generate the demo sources and run every demo cycle
#   make test   the same set-up, then lint (ruff), types (mypy) and the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
# The dbt manifest the code location reads, prepared here once rather than at import.
MANIFEST := dbt_project/target/manifest.json
DBT_FILES := dbt_project/dbt_project.yml dbt_project/profiles.yml $(shell find dbt_project/models dbt_project/macros dbt_project/tests dbt_project/seeds dbt_project/snapshots dbt_project/analyses -type f 2>/dev/null)

.PHONY: all demo test test-heavy lint types unit dev clean

all: $(MANIFEST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The tests marked `spark` build the dbt project on a local PySpark: `make test` and
# `make test-heavy` add the extra (dbt-spark, PySpark; Java 17 from the system).
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

$(MANIFEST): $(STAMP) $(DBT_FILES)
	$(BIN)/python -m recon_pipeline.lib.dbt_manifest

demo: $(MANIFEST)
	$(BIN)/recon demo

lint: $(STAMP)
	$(BIN)/ruff check recon_pipeline tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

unit: $(MANIFEST)
	$(BIN)/pytest -q tests/unit

# Two workers (pytest-xdist): a module, or the tests sharing the pipeline run, stays on one;
# the groups start in the order tests/conftest.py gives (longest first), not xdist's by count.
# PYTEST_WORKERS=0 runs in this process; the slowest tests are listed at the end.
PYTEST_WORKERS ?= 2
test: lint types $(MANIFEST) $(SPARK_STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=25 -m 'not heavy'

# The tests marked `heavy` (minutes each, not yet inside the suite's time budget): the unit and data tests
# of the dbt sample on local Spark, and `recon run` closing two cycles on Spark. (The sample's
# Spark build and its parity with DuckDB, and a cycle under the multiprocess executor against
# the in-process run, are in `make test`.)
test-heavy: $(MANIFEST) $(SPARK_STAMP)
	$(BIN)/pytest -q -m heavy --durations=10

# The Dagster UI and daemon on this machine: `dg dev` on this project (pyproject.toml [tool.dg]).
# The instance settings (run queue: one warehouse writer at a time; telemetry off) are
# config/dagster.yaml, copied into DAGSTER_HOME only when it has no dagster.yaml yet, so an edited
# or PostgreSQL one there is kept. The cycle partitions start at the first month of the sources
# RECON_SOURCES_DIR names (default: the demo's), unless config/recon.yml sets first_cycle.
dev: $(MANIFEST)
	@home=$${DAGSTER_HOME:-$(CURDIR)/data/dagster_home}; \
	mkdir -p "$$home"; \
	if [ ! -f "$$home/dagster.yaml" ]; then \
	  cp config/dagster.yaml "$$home/dagster.yaml" && echo "wrote $$home/dagster.yaml"; \
	fi; \
	DAGSTER_HOME="$$home" RECON_SOURCES_DIR="$${RECON_SOURCES_DIR:-$(CURDIR)/data/demo/sources}" \
	VIRTUAL_ENV="$(abspath $(VENV))" PATH="$(abspath $(BIN)):$$PATH" exec $(BIN)/dg dev

clean:
	rm -rf $(VENV) data/demo data/dagster_home dbt_project/target dbt_project/logs
