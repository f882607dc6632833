# prepops: `make help` lists the targets. Everything runs inside .venv, created on demand.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.8
export PATH := $(BIN):$(PATH)

.PHONY: help install run test test-fast lint format validate where stop clean lock bench relock

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-11s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 11), "prepops needs Python 3.11"'
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	@# --compile-bytecode: every stage and CLI call is a new process; without .pyc files (and
	@# with PYTHONDONTWRITEBYTECODE set, as on CI machines) each one compiles its libraries
	@# again: a cold `dvc repro` measured 23 s without, 16.5 s with.
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python --no-deps -e .
	@# Prepare the local Prefect database now, so the first `dvc repro` does not wait on migrations.
	PREFECT_HOME="$${PREFECT_HOME:-$(CURDIR)/.prefect}" $(BIN)/prefect server database upgrade -y >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv (if missing) and install the locked dependencies

run: install ## Run the lifecycle on the workspace named in params.yaml (dvc repro)
	dvc repro
	@prepops where

test: install ## Run the whole test suite (what CI runs)
	python -m pytest -n 2 --dist loadscope

test-fast: install ## Run the tests that take no DVC repro, Prefect server or PostgreSQL
	python -m pytest -n 2 -m "not e2e and not flow and not postgres"

lint: install ## ruff lint and format check
	ruff check . && ruff format --check .

format: install ## ruff fix and format
	ruff check --fix . && ruff format .

validate: install ## Check the workspace named in params.yaml against the data contract
	prepops validate

where: install ## Print where the report and the Prefect and MLflow UIs are
	@prepops where

stop: ## Stop the stage runner and the local Prefect server (prepops runner stop)
	@test -x $(BIN)/prepops && prepops runner stop || true

lock: ## Re-resolve requirements.lock from pyproject.toml (then commit it)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements.lock

clean: stop ## Remove the venv and local service state (never the workspace)
	rm -rf $(VENV) .prefect .pytest_cache .ruff_cache

relock: install ## Regenerate dvc.lock and reports/metrics.json from a fresh copy's dvc repro (commit them)
	python tests/repo_copy.py relock

bench: install ## Run the benchmarks: reports/bench.json and a table against the targets
	python benchmarks/run_all.py
	python benchmarks/stage_overhead.py --runs 3
