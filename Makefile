# youthwork: `make run` to try the portal, `make test` to run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run serve setup test test-browser messages lint clean bench screenshots attack

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The demo (and makemessages) run the development profile (DEBUG, local hosts, demo accounts); without DJANGO_DEBUG
# the portal runs the production profile, which needs a secret key and host names (docs/deploy.md).
setup run messages: export DJANGO_DEBUG := true
# The demo's administrator signs in without a second factor; production requires it (OTP_ADMIN_REQUIRED).
setup run: export OTP_ADMIN_REQUIRED ?= false

## setup: install, migrate, load the seed plans and the demo data (safe to repeat)
setup: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_plans
	$(BIN)/python manage.py seed_demo

## run: setup, print the demo accounts, serve on http://$(HOST)/
run: setup
	@echo "Development server (DJANGO_DEBUG=true, demo accounts): for trying the portal, never for production;"
	@echo "see docs/deploy.md to deploy it. Open http://$(HOST)/ and sign in with an account above."
	$(BIN)/python manage.py runserver $(HOST)

# The Nu HTML Checker for tests/test_html_valid.py: vnu.jar from the npm package vnu-jar, kept in .cache/vnu/ (its
# postinstall script, which would download a Java runtime, is not run: the system's Java runs the jar).
VNU_VERSION := 26.9.27
VNU_STAMP := .cache/vnu/.vnu-jar-$(VNU_VERSION)

# Without the npm registry (a campus intranet) the fetch fails, the stamp is not written and the check is skipped;
# CI's REQUIRE_VNU=1 turns that skip into a failure.
$(VNU_STAMP):
	rm -rf .cache/vnu
	if npm install --prefix .cache/vnu --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
	    vnu-jar@$(VNU_VERSION); then touch $@; \
	else echo "vnu.jar could not be fetched: the HTML validity check will be skipped"; fi

## test: the whole suite (browser tests run where Chromium is installed, the HTML check where Java and npm are;
## CI requires both)
# One pytest worker per core (pytest-xdist); an idle worker takes tests from a busy one (worksteal), so one long file
# does not keep the run waiting. Each worker seeds the demo once (tests/demo_snapshot.py). TEST_WORKERS=0 runs in
# one process.
TEST_WORKERS ?= auto
test: $(VENV)/.dev $(if $(shell command -v npm),$(VNU_STAMP))
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# Issue 18: the two-server test (tests/multiserver): a fresh database on the PostgreSQL server DATABASE_URL names (else
# 127.0.0.1:5432), Redis, two gunicorn servers and a Celery worker on loopback; logs in test-artifacts/multiserver/.
.PHONY: test-multiserver
## test-multiserver: two app servers, Redis and a worker against PostgreSQL (needs redis-server; `make test` skips it)
test-multiserver: $(VENV)/.dev
	MULTISERVER=1 $(BIN)/python -m pytest -p no:xdist tests/multiserver

## test-browser: only the browser tests
test-browser: $(VENV)/.dev
	$(BIN)/python -m pytest tests/browser

## messages: refresh and compile the Chinese catalogue after changing strings
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

## screenshots: every main page (tests/pages.py) on a fresh demo database, into docs/screenshots/ (Chromium needed)
screenshots: $(VENV)/.dev
	$(BIN)/python tools/screenshots.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var/db.sqlite3*

$(VENV)/.bench: requirements.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@ $(VENV)/.runtime

## bench: the portal's speed at one university, at ten and at the province's 160 through one and two app servers
## with Redis (issue 18), beside a bare page of the same size (docs/benchmarks.md).
## PostgreSQL on loopback (.ci/start-postgres, as root) unless DATABASE_URL names a server; the database used is
## youthwork_bench on that server, dropped and made anew. Writes bench/results.json and the table in the doc.
bench: $(VENV)/.bench
	@if [ "$$(id -u)" = 0 ]; then \
	  need=""; command -v wrk >/dev/null || need="wrk"; \
	  command -v redis-server >/dev/null || need="$$need redis-server"; \
	  if [ -z "$$DATABASE_URL" ] && ! command -v pg_ctlcluster >/dev/null; then need="$$need postgresql"; fi; \
	  if [ -n "$$need" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
	  fi; \
	fi
	@if [ -z "$$DATABASE_URL" ]; then bash .ci/start-postgres; fi
	$(BIN)/python bench/run.py

## attack: the security issue's attack, re-run against gunicorn in the production profile (two-step sign-in on) on
## a throwaway SQLite database (docs/security.md); prints the counts and timings, exits 1 if any check failed.
attack: $(VENV)/.dev
	$(BIN)/python bench/attack.py
