# prepops: `make help` lists the targets. Everything runs inside .venv, created on demand.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.8
export PATH := $(BIN):$(PATH)

# The newest supported interpreter that really starts: a pyenv shim can exist for a version that
# is not installed. `make install PY=/path/to/python3.12` picks one by hand.
PY ?= $(shell for v in 3.13 3.12 3.11; do p=$$(command -v python$$v) && $$p -c '' 2>/dev/null && { echo $$p; break; }; done)
PY_OK := import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else \
	f"prepops needs Python 3.11, 3.12 or 3.13; {sys.executable} is {v[0]}.{v[1]}")

# DVC remote plugins (pyproject's optional extras), e.g. `make install EXTRAS=s3` or EXTRAS=s3,ssh.
# The choice is remembered in .venv/extras, so a later `make install` or `make run` keeps the
# plugins; `make install EXTRAS=` drops them. Each extra adds requirements-<extra>.lock.
EXTRA_NAMES := s3 ssh gs azure
EXTRAS_FILE := $(VENV)/extras
ifeq ($(origin EXTRAS),undefined)
EXTRAS := $(shell cat $(EXTRAS_FILE) 2>/dev/null)
endif
comma := ,
EXTRA_LIST := $(sort $(subst $(comma), ,$(EXTRAS)))
UNKNOWN := $(filter-out $(EXTRA_NAMES),$(EXTRA_LIST))
LOCKS := requirements.lock $(patsubst %,requirements-%.lock,$(filter $(EXTRA_NAMES),$(EXTRA_LIST)))

.PHONY: FORCE help install run test test-fast lint format validate where stop clean lock bench relock

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-11s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Rewritten only when the list changes: its date is what makes the stamp below out of date.
$(EXTRAS_FILE): FORCE
	@$(if $(UNKNOWN),echo "unknown EXTRAS: $(UNKNOWN) (choose from: $(EXTRA_NAMES))" >&2; exit 2)
	@mkdir -p $(VENV)
	@test -f $@ && test "$$(cat $@)" = "$(EXTRA_LIST)" || echo "$(EXTRA_LIST)" > $@

$(STAMP): $(EXTRAS_FILE) $(LOCKS) pyproject.toml
	@test -x $(BIN)/python || { test -n "$(PY)" || { echo "prepops needs Python 3.11, 3.12 or \
	3.13: found none of python3.13, python3.12, python3.11 on PATH" >&2; exit 2; }; \
	$(PY) -c '$(PY_OK)' && echo "creating $(VENV) with $(PY)" && $(PY) -m venv $(VENV); }
	@$(BIN)/python -c '$(PY_OK)'
	@echo "Python $$($(BIN)/python -c 'import platform; print(platform.python_version())')\
	 in $(VENV); extras: $(or $(EXTRA_LIST),none)"
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	@# --compile-bytecode: every stage and CLI call is a new process; without .pyc files (and
	@# with PYTHONDONTWRITEBYTECODE set, as on CI machines) each one compiles its libraries
	@# again: a cold `dvc repro` measured 23 s without, 16.5 s with.
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python $(LOCKS)
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python --no-deps -e .
	@# Prepare the local Prefect database now, so the first `dvc repro` does not wait on migrations.
	PREFECT_HOME="$${PREFECT_HOME:-$(CURDIR)/.prefect}" $(BIN)/prefect server database upgrade -y >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv (newest Python 3.13-3.11) and install the locks (EXTRAS=s3,ssh,gs,azure)

run: install ## Run the lifecycle on the workspace named in params.yaml (dvc repro)
	dvc repro
	@prepops where

test: install ## Run the whole test suite (what CI runs)
	python -m pytest -n 2 --dist loadscope

test-fast: install ## Run the tests that take no DVC repro, Prefect server, PostgreSQL or remote
	python -m pytest -n 2 -m "not e2e and not flow and not postgres and not remote"

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

# One resolution of the base and every extra together (universal: Python 3.11-3.13, any OS),
# then requirements.lock (base + dev) and, per extra, only what it adds: any mix of the files
# installs together. Existing pins are kept (uv prefers what is in the -o file).
LOCK_FLAGS := --universal --generate-hashes -q --custom-compile-command "make lock"
lock: ## Re-resolve requirements.lock and requirements-<extra>.lock from pyproject.toml (commit them)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cat requirements*.lock > $$tmp/all.txt; \
	$(BIN)/uv pip compile pyproject.toml --universal -q $(patsubst %,--extra %,dev $(EXTRA_NAMES)) \
	  -o $$tmp/all.txt; \
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --extra dev -c $$tmp/all.txt -o requirements.lock; \
	sed -i "s|$$tmp/||" requirements.lock; \
	for e in $(EXTRA_NAMES); do \
	  $(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --extra dev --extra $$e -c $$tmp/all.txt \
	    -o $$tmp/$$e.txt; \
	  sed -i "s|$$tmp/||" $$tmp/$$e.txt; \
	  awk 'NR == FNR { if (/^[^ #]/) base[$$0]; next } /^#/ { print; next } \
	    /^[^ ]/ { keep = !($$0 in base) } keep' requirements.lock $$tmp/$$e.txt > requirements-$$e.lock; \
	done

clean: stop ## Remove the venv and local service state (never the workspace)
	rm -rf $(VENV) .prefect .pytest_cache .ruff_cache

relock: install ## Regenerate dvc.lock and reports/metrics.json from a fresh copy's dvc repro (commit them)
	python tests/repo_copy.py relock

bench: install ## Run the benchmarks: reports/bench.json and a table against the targets
	python benchmarks/run_all.py
	python benchmarks/stage_overhead.py --runs 3
