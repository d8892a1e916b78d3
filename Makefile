# Facturador: `make run` starts everything, `make test` runs the whole suite.
# Both set themselves up on a fresh clone (virtualenv, requirements, front-end assets, database).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := billing.settings

.PHONY: run test setup demo lint migrate assets clean help

help:
	@echo "make run   - prepara todo y arranca web, worker, beat (Procfile)"
	@echo "make test  - prepara todo y corre ruff y la suite de pruebas"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Se necesita Python 3.11 o más nuevo")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

setup: $(VENV)/.installed assets
	mkdir -p var

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py setup_demo
	$(PY) -m govsim register-issuer --from-json var/demo-issuer.json

run: demo
	$(VENV)/bin/honcho start -f Procfile

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: setup lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) node_modules var staticfiles
