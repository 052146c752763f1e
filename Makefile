# Two commands on a fresh machine with Python 3.11 and make:
#   make run    set up everything and serve the site with its task worker (at RUN_ADDRESS, 127.0.0.1:8000)
#   make test   run the whole test suite
#   make test-fast  the quick loop while working (no browser, no real servers; database kept)

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run setup test test-fast fuzz guide lint format migrations-check deploy-check bench backup restore clean

help:
	@echo "make run     installe, migre, charge la démo et sert le site (+ worker) sur RUN_ADDRESS, 127.0.0.1:8000 par défaut"
	@echo "             ex. RUN_ADDRESS=127.0.0.1:8124 make run ([hôte:]port) ; les liens des e-mails suivent"
	@echo "             (SITE_BASE_URL=http://… pour leur donner une autre adresse)"
	@echo "make test    lance toute la suite de tests (ce que lance la CI)"
	@echo "make test-fast  les tests sans navigateur ni serveurs réels, base de test gardée (--create-db pour la refaire)"
	@echo "make guide   reprend les captures d'écran du guide du secrétariat (docs/guide/)"
	@echo "make fuzz    les formulaires face à des saisies aléatoires nouvelles (FUZZ_EXAMPLES=500)"
	@echo "make lint    ruff check + ruff format --check"
	@echo "make bench   lance les benchmarks"
	@echo "make backup  sauvegarde la base et les médias dans var/backups/ (BACKUP_DIR=…, KEEP=N)"
	@echo "make restore BACKUP=var/backups/po-…  restaure une sauvegarde (FORCE=1 pour remplacer)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_roles
	$(MANAGE) setup_schedules
	$(MANAGE) seed_demo

# RUN_ADDRESS: where runserver listens ([host:]port, 127.0.0.1:8000 by default); scripts/serve.py
# prints it, and the development settings give links in emails that address.
run: setup
	$(PY) scripts/serve.py

CHROMIUM ?= /usr/bin/chromium

# The browser tests drive Debian's Chromium (Playwright's own download is not used).
$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (needs root and apt-get)."
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# axe-core for the accessibility tests, pinned in package.json and package-lock.json.
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Installing Debian's npm for axe-core (needs root and apt-get)."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

test: install $(CHROMIUM) $(AXE)
	$(BIN)/pytest

# The quick loop while working: no browser (tests/browser), nothing marked `integration`
# (real servers, worker processes, threads racing), and the test database kept between
# runs. PYTEST_ARGS="--create-db" rebuilds it after a model or a migration changed.
test-fast: install
	$(BIN)/pytest --reuse-db -m "not integration" --ignore=tests/browser $(PYTEST_ARGS)

# The forms' fuzz tests on new random input, FUZZ_EXAMPLES per form (make test replays fixed ones).
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/pytest -p no:cacheprovider tests/security/test_forms_fuzz.py

# The secretariat's guide's screenshots (docs/guide/), taken again of the admin as it is.
guide: install $(CHROMIUM)
	REFRESH_GUIDE=1 $(BIN)/pytest -p no:cacheprovider tests/browser/test_secretariat_guide.py

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
	ALLOWED_HOSTS=www.le-po.com CSRF_TRUSTED_ORIGINS=https://www.le-po.com ADMINS=technique@le-po.com \
	SITE_BASE_URL=https://www.le-po.com \
	$(MANAGE) check --deploy --fail-level WARNING

bench: install
	$(PY) benchmarks/catalogue.py
	$(PY) benchmarks/notifications.py
	$(PY) benchmarks/legacy.py
	$(PY) benchmarks/matching.py
	$(PY) benchmarks/rush.py
	$(PY) benchmarks/signup_timing.py
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian's wrk for benchmarks/http.py (needs root and apt-get)."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(PY) benchmarks/http.py

# Database dump and media archive in one timestamped directory (scripts/backup.py);
# settings from DJANGO_SETTINGS_MODULE, as for manage.py.
backup: install
	$(PY) scripts/backup.py $(if $(KEEP),--keep $(KEEP))

restore: install
	@test -n "$(BACKUP)" || { echo "Indiquez la sauvegarde : make restore BACKUP=var/backups/po-… [FORCE=1]"; \
		ls -d $${BACKUP_DIR:-var/backups}/po-* 2>/dev/null; exit 2; }
	$(PY) scripts/restore.py "$(BACKUP)" $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
