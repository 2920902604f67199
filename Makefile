# Family Voice: two commands for a newcomer, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Two workers: browser tests mostly wait on Chromium, so both cores stay busy (three
# were slower here). worksteal: a worker that runs out takes tests queued for the other,
# so one long test (the fuzz) does not leave a queue behind it.
PYTEST_WORKERS ?= 2
PYTEST_DIST ?= worksteal
FLASK := $(BIN)/flask --app voice_app

.PHONY: run test lint format translations install install-test clean-venv bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

translations: $(VENV)/.installed
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d translations -D messages; fi

run: install translations
	$(FLASK) init
	$(FLASK) demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check voice_app tests $(wildcard bench)
	$(BIN)/ruff format --check voice_app tests $(wildcard bench)
	# Security lint: no finding above low; each accepted one is marked `# nosec BXXX` beside
	# its reason (bandit's warnings about those marks go to stderr, dropped here).
	$(BIN)/bandit --quiet --recursive voice_app --severity-level medium 2>/dev/null

format: $(VENV)/.installed-test
	$(BIN)/ruff format voice_app tests $(wildcard bench)
	$(BIN)/ruff check --fix voice_app tests $(wildcard bench)

# The whole suite on SQLite, then again on PostgreSQL when VOICE_TEST_POSTGRES_URL is set
# (tests/unit never touch a database, so they run once).
test: install-test translations lint
	@echo "=== Test suite on SQLite ==="
	VOICE_TEST_DATABASE=sqlite $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS)
	@if [ -n "$$VOICE_TEST_POSTGRES_URL" ]; then \
		echo "=== Test suite on PostgreSQL ==="; \
		VOICE_TEST_DATABASE=postgres $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS) tests/web tests/browser; \
	else echo "=== PostgreSQL run skipped: VOICE_TEST_POSTGRES_URL is not set ==="; fi

# Benchmarks (bench/README.md): the dashboard's figures over 1,000,000 answers, journeys
# per second against a floor app, page weight, Lighthouse, one worker's memory. Each is
# bounded in time; files starting with _ are their shared parts, not benchmarks.
bench: install-test
	@for script in bench/[!_]*.py; do echo "=== $$script ==="; $(BIN)/python $$script || exit 1; done

clean-venv:
	rm -rf $(VENV) node_modules
