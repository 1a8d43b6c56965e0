# CMC Platform. `make run` and `make test` each work alone on a fresh machine.
PORT ?= 5000
HOST ?= 127.0.0.1
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test test-postgres bench lint install chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,prod]"
	touch $(STAMP)

install: $(STAMP)

# A random SECRET_KEY the first time, so the embedded profile needs no setup.
instance/config.py:
	@mkdir -p instance
	@$(PYTHON) -c "import secrets; print('# Written by make run; see config.example.py for every setting.'); print('SECRET_KEY = ' + repr(secrets.token_urlsafe(48)))" > instance/config.py
	@echo "Wrote a new SECRET_KEY to instance/config.py"

# The address people use follows HOST and PORT (links in mail, the allowed live-connection origin),
# unless CMC_BASE_URL says otherwise.
run: export CMC_BASE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP) instance/config.py
	$(BIN)/cmc db upgrade
	$(BIN)/cmc seed --demo --if-empty
	@echo "Open $$CMC_BASE_URL/ (stop with Ctrl+C)"
	$(BIN)/cmc serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (never `playwright install`: it downloads and fails here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The whole suite on SQLite (tests that need Redis or PostgreSQL for a second process run when
# CMC_TEST_REDIS_URL / CMC_TEST_DATABASE_URL are set, as .ci/run sets them).
test: $(STAMP) chromium
	$(BIN)/ruff check .
	CMC_TEST_BACKENDS=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

# The whole suite again on PostgreSQL: the database tests, and every live server and browser test on a
# fresh PostgreSQL database of its own.
test-postgres: export CMC_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
test-postgres: $(STAMP) chromium
	CMC_TEST_BACKENDS=postgres CMC_TEST_LIVE_DATABASE=postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmarks of tests/perf/ (not part of `make test`): production layout on this machine's PostgreSQL and
# Redis, wrk (installed from Debian if missing) and a Node.js load driver; writes tests/perf/RESULTS.md.
# BENCH="fanout pages" runs only those.
bench: $(STAMP)
	$(BIN)/python -m tests.perf.run

lint: $(STAMP)
	$(BIN)/ruff check .
