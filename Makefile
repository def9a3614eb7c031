# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast deps system-deps migrate seed worker bench clean-instance

$(VENV)/.installed: requirements.txt requirements-test.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.installed node_modules/.installed

# Chromium (browser tests), Tesseract (OCR) and poppler (PDF checks) from Debian's packages.
system-deps:
	bash scripts/install-system-deps.sh

migrate: deps
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) referential import-seeds --if-empty
	$(FLASK) demo load --if-empty

run: seed
	@echo "Probatio : http://$(HOST):$(PORT) (travailleur de tâches lancé à côté)"
	$(VENV)/bin/huey_consumer worker.huey --workers 2 --logfile instance/worker.log & \
	  trap "kill $$! 2>/dev/null" EXIT; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

worker: deps
	$(VENV)/bin/huey_consumer worker.huey --workers 2

# The import check first: no two top-level packages may import each other.
test: deps system-deps
	$(PY) scripts/check-imports.py
	bash scripts/run-tests.sh

# The embedded-defaults run only (SQLite, local folder), for quick local feedback.
test-fast: deps
	$(PY) scripts/check-imports.py
	PROBATIO_TEST_RUNS=embedded bash scripts/run-tests.sh

bench: deps
	$(PY) bench/pages.py
	$(PY) bench/export.py
	$(PY) bench/upload.py
	$(PY) bench/search.py --docs 20000
