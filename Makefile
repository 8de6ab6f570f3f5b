# Atelier — the two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ATELIER := $(VENV)/bin/atelier
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: install run serve migrate reference demo test test-unit test-e2e quality fix bench messages clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

atelier/locale/en/LC_MESSAGES/django.mo: atelier/locale/en/LC_MESSAGES/django.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d atelier/locale -D django -l en

install: $(VENV)/.installed node_modules/.installed atelier/locale/en/LC_MESSAGES/django.mo

migrate: install
	$(ATELIER) migrate --no-input

reference: migrate
	$(ATELIER) load_reference

demo: reference
	$(ATELIER) load_demo

run: demo
	$(ATELIER) collectstatic --no-input -v0
	@echo "Atelier : http://$(HOST):$(PORT)/  (comptes de démonstration : voir README.md)"
	@$(MAKE) --no-print-directory serve

# The web server and, beside it, the task worker (index and map updates after imports, the
# daily run of the support journeys — queued first if it is not); both stop together (Ctrl-C).
serve: install
	@$(ATELIER) support_daily --schedule || echo "Tâche quotidienne de l'accompagnement non programmée (base migrée ?)."
	@echo "Worker des tâches de fond démarré (atelier db_worker)."
	@$(ATELIER) db_worker --no-startup-delay --no-reload -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(ATELIER) runserver $(HOST):$(PORT)

# The whole suite: unit + integration tests, then the end-to-end browser tests (which say clearly
# when Chromium is missing and what they skipped). DATABASE_URL=postgres://… runs it on PostgreSQL.
# Ends with one line saying which database ran and whether the e2e tests ran or were skipped
# (why). Exit code 5 (no test collected) is a failure like any other non-zero code.
test: install
	@summary=$${ATELIER_TEST_SUMMARY:-$$(mktemp)}; : > "$$summary"; \
	ATELIER_TEST_SUMMARY="$$summary" DJANGO_SETTINGS_MODULE=config.settings.test \
		$(VENV)/bin/pytest -q $(PYTEST_ARGS); rc=$$?; \
	echo; \
	if [ -s "$$summary" ]; then echo "== Suites exécutées : $$(cat "$$summary")"; \
	else echo "== Suites exécutées : aucun bilan (pytest arrêté avant la fin, code $$rc)"; fi; \
	[ $$rc -eq 5 ] && echo "== Aucun test collecté : échec."; \
	[ -z "$$ATELIER_TEST_SUMMARY" ] && rm -f "$$summary"; \
	exit $$rc

# Only the end-to-end browser tests (Chromium + axe-core).
test-e2e: install
	@$(MAKE) --no-print-directory test PYTEST_ARGS="-m e2e $(PYTEST_ARGS)"

# ruff (lint + format); import contracts (layers, search infrastructure independent of the
# apps, no app importing another's models, no import cycle: pyproject [tool.importlinter]);
# mypy on every services, selectors and the search package; migrations up to date;
# check --deploy with the production settings.
MYPY_PATHS = $(wildcard atelier/*/services atelier/*/services.py atelier/*/selectors atelier/*/selectors.py) atelier/search atelier/observatory/pdf.py
quality: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy $(MYPY_PATHS) --exclude 'migrations|tests'
	DJANGO_SETTINGS_MODULE=config.settings.test $(ATELIER) makemigrations --check --dry-run
	@# The English catalogue compiles without error (pybabel reports errors but exits 0).
	@out=$$($(VENV)/bin/pybabel compile -d atelier/locale -D django -l en 2>&1); echo "$$out"; \
		! grep -q '^error:' <<<"$$out"
	DJANGO_SETTINGS_MODULE=config.settings.prod DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') $(ATELIER) check --deploy --fail-level WARNING

fix: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	DJANGO_SETTINGS_MODULE=config.settings.bench $(PY) bench/run.py $(BENCH_ARGS)

# The same bench code paths (search, map, import and its floor, national scan, search while an
# import runs, observatory, orientation) at tiny sizes, in var/bench-smoke, never writing bench/RESULTS.md: so that bench/
# cannot rot (CI).
# Fails if any step raises; the figures themselves are not checked. BENCH_ARGS=--engines=postgresql
# (with BENCH_POSTGRES_URL=postgres://… to use a running server) runs it on PostgreSQL.
.PHONY: bench-smoke
BENCH_SMOKE_ARGS := --engines sqlite --organisations 3000 --reps 1 --map-reps 1 --baseline-reps 1 \
	--import-rows 3000 --import-baseline-rows 300 --concurrency-rows 3000 --quiet-seconds 5 \
	--scan-rows 20000 --concurrency-max-seconds 120 --observatory-territories 12 \
	--observatory-reps 1 --observatory-changes 300 --observatory-pdf-reps 1 --support-schemes 40 \
	--support-profiles 300 --support-reps 5 --support-baseline-reps 3 --support-batch-baseline 10 \
	--out var/bench-smoke --no-write
bench-smoke: install
	DJANGO_SETTINGS_MODULE=config.settings.bench $(PY) bench/run.py $(BENCH_SMOKE_ARGS) $(BENCH_ARGS)

# Needs GNU gettext (xgettext) on the developer's machine; compiled files are built by `install`.
messages: install
	cd atelier && ../$(ATELIER) makemessages -l en --no-obsolete

clean:
	rm -rf $(VENV) node_modules var
