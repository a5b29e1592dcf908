# Two commands do all the set-up on a fresh machine with Python 3.11+ and git:
#   make demo   create .venv if needed, install, generate the demo sources and run every demo cycle
#   make test   the same set-up, then lint (ruff), types (mypy) and the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types unit dev clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recon demo

lint: $(STAMP)
	$(BIN)/ruff check recon_pipeline tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

test: lint types
	$(BIN)/pytest -q

dev: $(STAMP)
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/data/dagster_home} $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf $(VENV) data/demo data/dagster_home dbt_project/target dbt_project/logs
