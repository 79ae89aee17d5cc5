# ST-portfölj — the two commands users need: `make run` and `make test`.
# Both create .venv with Python >= 3.12 on first use and install requirements.txt.

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# First Python >= 3.12 found: $PYTHON if set, then python3.13/python3.12 on PATH, then pyenv's.
find_python = for p in $${PYTHON:-} python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3; do \
	  if [ -n "$$p" ] && command -v "$$p" >/dev/null 2>&1 && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v "$$p"; exit 0; fi; done; exit 1

.PHONY: run test test-pg test-e2e guide-screenshots deploy-smoke backup-check bench bench-sqlite lint format audit audit-code audit-deps messages install clean

$(VENV)/.installed: requirements.txt
	@python=$$($(find_python)) || { \
	  echo "ST-portfölj needs Python 3.12 or newer, and none was found."; \
	  echo "Install it (e.g. 'pyenv install 3.13' or your system's python3.12 package), or set PYTHON=/path/to/python3.12."; \
	  exit 1; }; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  rm -rf $(VENV); echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

# The load test's client, for `make bench` only.
$(VENV)/.installed-bench: $(VENV)/.installed bench/requirements.txt
	$(PY) -m pip install --quiet -r bench/requirements.txt
	@touch $@

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	@echo ""
	@echo "ST-portfölj runs at http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@echo "Log in as demo-st, demo-handledare, demo-studierektor, demo-chef or demo-admin; the password is: demo"
	@echo ""
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on SQLite, including the browser tests when Debian's chromium is installed.
test: install
	$(PY) -m pytest

# The same suite on PostgreSQL: DATABASE_URL=postgres://user@host:port/name make test-pg
test-pg: install
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL=postgres://… first (see docs/deployment.md)."; exit 1; }
	$(PY) -m pytest -m "not e2e"

test-e2e: install
	E2E_REQUIRED=1 $(PY) -m pytest tests/e2e

# The screenshots in docs/guides/img/, taken again from the browser tests of the guides' pages.
guide-screenshots: install
	GUIDE_SCREENSHOTS=1 E2E_REQUIRED=1 $(PY) -m pytest tests/e2e/test_guide_screenshots.py

# docs/deployment.md done for real on loopback: a fresh database, migrate, collectstatic,
# check --deploy, gunicorn, and a login through the "proxy". DATABASE_URL=postgres://… make deploy-smoke
deploy-smoke: install
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL=postgres://… first (see docs/deployment.md)."; exit 1; }
	$(PY) tools/deploy_smoke.py

# docs/deployment.md's backup and restore done for real: an installation with the demo data and an
# uploaded certificate, pg_dump and tar, a restore into a fresh database and media folder, and
# every table, sequence and file compared. DATABASE_URL=postgres://… make backup-check
backup-check: install
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL=postgres://… first (see docs/deployment.md)."; exit 1; }
	$(PY) tools/backup_restore_check.py

# The benchmark and the load test on a throw-away PostgreSQL cluster (docs/performance.md):
#   make bench                    # 10,000 ST-läkare
#   make bench TRAINEES=2000 LOAD_TIME=30s
TRAINEES ?= 10000
LOAD_TIME ?= 60s
LOAD_USERS ?= 40
# The load test runs on the same data even when a figure misses its target (bench/run.py exits
# 3); the exit status is then still 3, so a miss is not hidden. Any other failure stops the run.
bench: $(VENV)/.installed-bench
	bash bench/postgres.sh sh -c '$(PY) bench/run.py --trainees $(TRAINEES) --database-url "$$DATABASE_URL"; figures=$$?; \
	  [ $$figures -eq 0 ] || [ $$figures -eq 3 ] || exit $$figures; \
	  $(PY) bench/load.py --database-url "$$DATABASE_URL" --users $(LOAD_USERS) --run-time $(LOAD_TIME) || exit $$?; \
	  exit $$figures'

# The same figures on SQLite in a temporary file (no load test: it needs PostgreSQL).
bench-sqlite: install
	$(PY) bench/run.py --trainees $(TRAINEES) --output bench/results/sqlite.json

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Security audit: bandit over the code, pip-audit over the pinned dependencies (needs PyPI's
# vulnerability data; when it cannot be reached the target says NOT AUDITED and fails, exit 3).
audit: audit-code audit-deps

audit-code: install
	$(PY) -m bandit -r accounts portfolio assessments contracts config -c pyproject.toml -q

audit-deps: install
	$(PY) tools/audit_dependencies.py $(AUDIT_FLAGS)

# Regenerate the catalogues after changing user-facing text (needs GNU gettext).
messages: install
	DJANGO_DEBUG=1 $(PY) manage.py makemessages --locale sv --no-obsolete --no-location --ignore ".venv/*" --ignore "tests/*"
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages --ignore ".venv/*"

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
