# Two commands on a fresh machine with Python 3.11 and make:
#   make run    set up everything and serve the site with its task worker
#   make test   run the whole test suite

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run setup test lint format migrations-check deploy-check bench clean

help:
	@echo "make run     installe, migre, charge la démo et sert http://127.0.0.1:8000 (+ worker)"
	@echo "make test    lance toute la suite de tests"
	@echo "make lint    ruff check + ruff format --check"
	@echo "make bench   lance les benchmarks"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) setup_roles
	$(MANAGE) setup_schedules
	$(MANAGE) seed_demo

run: setup
	@echo "Le site : http://127.0.0.1:8000  (admin : /admin/) — Ctrl-C arrête le site et le worker."
	$(PY) scripts/serve.py

CHROMIUM ?= /usr/bin/chromium

# The browser tests drive Debian's Chromium (Playwright's own download is not used).
$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (needs root and apt-get)."
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: install $(CHROMIUM)
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run

deploy-check: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=check-deploy-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	ALLOWED_HOSTS=www.le-po.com CSRF_TRUSTED_ORIGINS=https://www.le-po.com \
	$(MANAGE) check --deploy --fail-level WARNING

bench: install
	$(PY) benchmarks/catalogue.py
	$(PY) benchmarks/notifications.py
	$(PY) benchmarks/legacy.py
	$(PY) benchmarks/rush.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
