# youthwork: `make run` to try the portal, `make test` to run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run serve setup test test-browser messages lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## setup: install, migrate, load the seed plans and the demo data (safe to repeat)
setup: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_plans
	$(BIN)/python manage.py seed_demo

## run: setup, print the demo accounts, serve on http://$(HOST)/
run: setup
	@echo "Open http://$(HOST)/ and sign in with an account above."
	$(BIN)/python manage.py runserver $(HOST)

## test: the whole suite (browser tests run where Chromium is installed; CI requires them)
test: $(VENV)/.dev
	$(BIN)/python -m pytest

## test-browser: only the browser tests
test-browser: $(VENV)/.dev
	$(BIN)/python -m pytest tests/browser

## messages: refresh and compile the Chinese catalogue after changing strings
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var/db.sqlite3*
