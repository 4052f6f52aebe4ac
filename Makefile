# CREA CRM. `make run` sets up and starts the app; `make test` sets up and runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/crm

.PHONY: setup run serve test lint test-sqlite test-postgres test-e2e bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.env:
	$(PY) scripts/make_env.py .env

setup: $(VENV)/.installed node_modules/.installed .env
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0

run: setup
	./scripts/serve.sh

serve:
	./scripts/serve.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint ALLOWED_HOSTS=localhost CRM_ENV_FILE=/dev/null $(PY) manage.py makemigrations --check --dry-run

test-sqlite: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/pytest -m "not e2e" -q

test-postgres: $(VENV)/.installed
	@if $(PY) scripts/pg_ready.py "$(PG_TEST_URL)"; then \
		DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -m "not e2e" -q; \
	else echo "PostgreSQL no disponible en $(PG_TEST_URL): se omite la pasada en PostgreSQL."; fi

test-e2e: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/pytest -m e2e tests/e2e -q

test: lint test-sqlite test-postgres test-e2e

bench: $(VENV)/.installed node_modules/.installed
	$(PY) bench/run_all.py

clean:
	rm -rf var/test-media var/test-backups
