# docgen: `make run` serves the API locally, `make test` checks everything.
# Each target installs what it needs into .venv first, so both work on a fresh clone.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two installs, each with its stamp: what running needs (make run, import, export) and, on
# top of it, the test, lint and benchmark tools, which a first `make run` need not wait for.
RUN_INSTALLED := $(VENV)/.installed-run
INSTALLED := $(VENV)/.installed
# Redocly CLI for make openapi-lint and axe-core for the console's browser tests, at the
# versions package-lock.json pins.
NODE_INSTALLED := node_modules/.installed
STAGE ?= dev
# CI gates (checkov, bandit) in a venv of their own: their dependencies clash with .venv's pins.
GATES_VENV := .venv-gates
GATES_PY := $(GATES_VENV)/bin/python
GATES_INSTALLED := $(GATES_VENV)/.installed
DEPLOYABLE_STAGES := dev prod
# The Lambda package's wheels, downloaded once per requirements change so packaging is offline.
WHEELHOUSE := build/wheelhouse/.filled
TEMPLATES := $(foreach stage,$(DEPLOYABLE_STAGES),build/$(stage)/sam.json)
# The stack name is fixed per stage so that make destroy and the docs can name it.
STACK = docgen-$(STAGE)

# Debian's packages the tests read documents and drive the console with: poppler-utils
# (pdftotext, pdffonts, pdftoppm: a PDF as readers see it) and Chromium (Playwright's own
# browser download is not reachable). Installed once, as root or through sudo.
SYSTEM_PACKAGES := poppler-utils chromium fonts-dejavu-core
SYSTEM_COMMANDS := pdftotext pdffonts pdftoppm chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# botocore's data cut down to DynamoDB and S3 for the installed botocore and boto3, which the
# app's session reads instead of botocore's own (tools/botocore_data.py); not checked in.
BOTOCORE_DATA := chalicelib/botocore-data/manifest.json

.PHONY: help install install-run lint format test test-files run bench load constraints clean \
	import export package gates deploy destroy constraints-gates wheelhouse openapi-lint \
	bench-batch system-packages

help:
	@echo "make run      serve the API on http://127.0.0.1:8000 against a local AWS emulator"
	@echo "make test     install (pip, npm, apt), lint and run every test, shuffled, then most files alone"
	@echo "make test-files  each test file alone in a fresh pytest; ALL=1 adds the five slow ones"
	@echo "make bench    benchmarks against the original sample's naive handler"
	@echo "make bench-batch  [LETTERS=10000]: one batch end to end on the local stack"
	@echo "make load     concurrent clients against chalice local (loopback only, bounded)"
	@echo "make import   FILE=samples/customers-and-templates.jsonl: load customers and templates"
	@echo "make export   FILE=dump.jsonl [KIND=customers|templates]: dump them"
	@echo "make format   apply ruff's formatting and safe fixes"
	@echo "make openapi-lint  Redocly CLI's recommended rules on the app's OpenAPI document"
	@echo "make package  [STAGE=dev|prod]: CloudFormation template and code zip in build/<stage>/"
	@echo "make gates    cfn-lint and checkov on both stages' templates, bandit on the code"
	@echo "make deploy   STAGE=dev|prod ARTIFACT_BUCKET=<bucket>: deploy with the AWS CLI"
	@echo "make destroy  STAGE=dev CONFIRM=docgen-dev: empty the bucket and delete the stack"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUN_INSTALLED): requirements.txt requirements-run.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements-run.txt -c constraints.txt
	@touch $@

# requirements-dev.txt includes requirements-run.txt, so this install stamps both.
$(INSTALLED): requirements.txt requirements-run.txt requirements-dev.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements-dev.txt -c constraints.txt
	@touch $(RUN_INSTALLED) $@

install-run: $(RUN_INSTALLED)

install: $(INSTALLED)

$(BOTOCORE_DATA): $(RUN_INSTALLED) tools/botocore_data.py chalicelib/adapters/botocore_data.py
	$(PY) -m tools.botocore_data

# From whichever registry npm is configured with: the lock file names no host (.npmrc).
$(NODE_INSTALLED): package.json package-lock.json
	npm ci
	@touch $@

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# pytest-randomly shuffles the files and the tests in each. The run prints its seed first
# ("Using --randomly-seed=..."), and a seed replays its order: make test fixes one, so CI's
# order can be replayed; TEST_SEED=<n> tries another. A plain `pytest` draws a new seed.
TEST_SEED ?= 20261123
PYTEST = $(VENV)/bin/pytest -p randomly --randomly-seed=$(TEST_SEED)
# The files whose own tests take over ten seconds: together they would cost more run alone
# than every other file does, so make test runs them only with the rest (ALL=1 adds them).
SLOW_TEST_FILES := tests/e2e/test_contract.py tests/routes/test_hostile_input.py \
	tests/routes/test_catalog_routes.py tests/routes/test_fault_matrix.py \
	tests/routes/test_generate_route.py
TEST_FILES = $(sort $(wildcard tests/*/test_*.py))
ALONE_TEST_FILES = $(if $(ALL),$(TEST_FILES),$(filter-out $(SLOW_TEST_FILES),$(TEST_FILES)))

test: lint gates openapi-lint system-packages $(BOTOCORE_DATA)
	$(PYTEST)
	@$(MAKE) --no-print-directory test-files

# Each file alone, in a fresh process, so no file can lean on what another one set up.
# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: otherwise every start
# rewrites the asserts of every plugin's modules again (3 s a file instead of 1.5 s).
# tests/unit/test_package.py reads what make gates packaged.
test-files: install
	@for file in $(ALONE_TEST_FILES); do \
		echo "alone: $$file"; \
		PYTHONDONTWRITEBYTECODE= $(PYTEST) -x -q "$$file" || exit 1; \
	done

# apt-get update only when the package lists cannot serve the install (a fresh machine).
system-packages:
	@for command in $(SYSTEM_COMMANDS); do command -v $$command >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) || \
		{ $(SUDO) apt-get update -q && \
		  $(SUDO) apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES); }; \
	fi

run: install-run $(BOTOCORE_DATA)
	$(PY) -m tools.run_local

# The document as the app serves it (GET /openapi.json), linted with Redocly's recommended
# rules (redocly.yaml); make test fails on any error.
openapi-lint: install-run $(NODE_INSTALLED)
	$(PY) -m tools.openapi_document build/openapi.json
	REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --no-install redocly lint build/openapi.json

# Every figure against the naive baseline in one run; MARKDOWN=1 prints the README's table.
bench: install $(BOTOCORE_DATA)
	$(PY) -m bench $(if $(MARKDOWN),--markdown)

# A batch of LETTERS (10,000) txt letters end to end on the local stack (bench/local_batch.py).
bench-batch: install $(BOTOCORE_DATA)
	$(PY) -m bench.local_batch $(LETTERS)

# Bulk load or dump customers and templates (tools/importer.py). FILE ends in .jsonl or .csv.
# STAGE defaults to local here (the emulator of a running `make run`); dev and prod are real AWS.
# Bounded in operations and time, loopback only; fails on any 5xx, lost update or wrong document.
load: install
	$(PY) -m tools.load $(if $(MARKDOWN),--markdown)

import export: STAGE = local
import: install-run
	$(if $(FILE),,$(error FILE is required: make import FILE=samples/customers-and-templates.jsonl))
	$(PY) -m tools.importer import "$(FILE)" --stage $(STAGE)

export: install-run
	$(if $(FILE),,$(error FILE is required: make export FILE=customers.jsonl [KIND=customers]))
	$(PY) -m tools.importer export "$(FILE)" --stage $(STAGE) --kind $(or $(KIND),all)

# Re-pin every transitive dependency after changing requirements*.txt.
constraints: $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	{ echo "# Exact versions of every package requirements-dev.txt pulls in (pip freeze),"; \
	  echo "# so a clean clone installs what CI tested. Refresh with: make constraints"; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) $(GATES_VENV) build node_modules .pytest_cache .ruff_cache

# The CI gates' own venv, installed once like $(INSTALLED).
$(GATES_PY):
	$(PYTHON) -m venv $(GATES_VENV)

$(GATES_INSTALLED): requirements-gates.txt constraints-gates.txt | $(GATES_PY)
	$(GATES_PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements-gates.txt -c constraints-gates.txt
	@touch $@

$(WHEELHOUSE): requirements.txt constraints.txt | $(INSTALLED)
	$(PY) -m tools.package --wheelhouse
	@touch $@

wheelhouse: $(WHEELHOUSE)

# Package a stage for CloudFormation (tools/package.py): no AWS credentials and, once the
# wheelhouse is filled (it needs PyPI, like any install), no network.
package: install $(WHEELHOUSE) $(BOTOCORE_DATA)
	$(PY) -m tools.package $(STAGE)

# Package both stages, then lint what would be deployed and the code.
# tests/unit/test_package.py reads the templates made here (its sockets are off, so it
# cannot run chalice package).
gates: install $(GATES_INSTALLED) $(WHEELHOUSE) $(BOTOCORE_DATA)
	$(PY) -m tools.package $(DEPLOYABLE_STAGES)
	$(VENV)/bin/cfn-lint $(TEMPLATES)
	$(GATES_VENV)/bin/checkov --framework cloudformation --skip-download --quiet --compact \
		$(foreach template,$(TEMPLATES),--file $(template))
	$(GATES_VENV)/bin/bandit --quiet --recursive -ll app.py chalicelib tools

# Deploy a stage with the AWS CLI and your credentials: the code zip (and the template, which
# may outgrow CloudFormation's 51,200-byte inline limit) go to ARTIFACT_BUCKET, an existing
# bucket of yours in the target region; then the stack docgen-<stage> is created or updated.
# The settings are checked when make starts, so a refusal comes before any install or build.
ifneq ($(filter deploy,$(MAKECMDGOALS)),)
ifeq ($(ARTIFACT_BUCKET),)
$(error ARTIFACT_BUCKET is required: make deploy STAGE=$(STAGE) ARTIFACT_BUCKET=<an S3 bucket of yours in the target region, for the code zip>)
endif
endif
deploy: install $(WHEELHOUSE) $(BOTOCORE_DATA)
	@command -v aws >/dev/null || { echo "make deploy needs the AWS CLI (aws) on PATH" >&2; exit 1; }
	$(PY) -m tools.package $(STAGE)
	aws cloudformation package --use-json --template-file build/$(STAGE)/sam.json \
		--s3-bucket $(ARTIFACT_BUCKET) --s3-prefix docgen/$(STAGE) \
		--output-template-file build/$(STAGE)/packaged.json
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.json \
		--s3-bucket $(ARTIFACT_BUCKET) --s3-prefix docgen/$(STAGE) \
		--stack-name $(STACK) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
		--tags project=docgen stage=$(STAGE) --no-fail-on-empty-changeset
	aws cloudformation describe-stacks --stack-name $(STACK) \
		--query 'Stacks[0].Outputs' --output table

# Delete a dev stack and everything in it. Prod is refused: its table has deletion
# protection and its data should outlive the stack (infra/DEPLOY.md says how to do it by hand).
ifneq ($(filter destroy,$(MAKECMDGOALS)),)
ifeq ($(STAGE),prod)
$(error make destroy refuses prod: see "Tearing down" in infra/DEPLOY.md)
endif
ifneq ($(CONFIRM),$(STACK))
$(error this deletes the stack $(STACK), its table and every document: make destroy STAGE=$(STAGE) CONFIRM=$(STACK))
endif
endif
destroy: install
	@command -v aws >/dev/null || { echo "make destroy needs the AWS CLI (aws) on PATH" >&2; exit 1; }
	$(PY) -m tools.teardown $(STAGE)
	aws cloudformation delete-stack --stack-name $(STACK)
	aws cloudformation wait stack-delete-complete --stack-name $(STACK)

# Re-pin every transitive dependency of the gates after changing requirements-gates.txt.
constraints-gates: $(GATES_PY)
	$(GATES_PY) -m pip install --quiet -r requirements-gates.txt
	{ echo "# Exact versions of every package requirements-gates.txt pulls in (pip freeze),"; \
	  echo "# so CI's gates run what was tested. Refresh with: make constraints-gates"; \
	  $(GATES_PY) -m pip freeze --exclude-editable; } > constraints-gates.txt
