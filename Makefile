# docgen: `make run` serves the API locally, `make test` checks everything.
# Each target installs what it needs into .venv first, so both work on a fresh clone.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
STAGE ?= dev

.PHONY: help install lint format test run bench constraints clean import export

help:
	@echo "make run      serve the API on http://127.0.0.1:8000 against a local AWS emulator"
	@echo "make test     install, lint and run every test"
	@echo "make bench    benchmarks against the original sample's naive handler"
	@echo "make import   FILE=samples/customers-and-templates.jsonl: load customers and templates"
	@echo "make export   FILE=dump.jsonl [KIND=customers|templates]: dump them"
	@echo "make format   apply ruff's formatting and safe fixes"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements-dev.txt -c constraints.txt
	@touch $@

install: $(INSTALLED)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(VENV)/bin/pytest

run: install
	$(PY) -m tools.run_local

bench: install
	$(PY) -m bench

# Bulk load or dump customers and templates (tools/importer.py). FILE ends in .jsonl or .csv.
# STAGE defaults to local here (the emulator of a running `make run`); dev and prod are real AWS.
import export: STAGE = local
import: install
	$(if $(FILE),,$(error FILE is required: make import FILE=samples/customers-and-templates.jsonl))
	$(PY) -m tools.importer import "$(FILE)" --stage $(STAGE)

export: install
	$(if $(FILE),,$(error FILE is required: make export FILE=customers.jsonl [KIND=customers]))
	$(PY) -m tools.importer export "$(FILE)" --stage $(STAGE) --kind $(or $(KIND),all)

# Re-pin every transitive dependency after changing requirements*.txt.
constraints: $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	{ echo "# Exact versions of every package requirements-dev.txt pulls in (pip freeze),"; \
	  echo "# so a clean clone installs what CI tested. Refresh with: make constraints"; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
