# CMC Platform. `make run` and `make test` each work alone on a fresh machine.
PORT ?= 5000
HOST ?= 127.0.0.1
PYTHON ?= python3
VENV ?= .venv
INSTANCE ?= instance
BIN := $(VENV)/bin
PYTEST_ARGS ?= --durations=25
# `make test` runs its tests in this many processes (pytest-xdist; a test module stays in one process, so its
# live server is started once). Two fit this project's 2-core CI beside `make test-postgres`; WORKERS=1 runs in
# series (e.g. to read a failing test's output in order).
WORKERS ?= 2

# Python keeps the compiled form of the platform's modules (__pycache__, ignored by git) even where the environment
# asks it not to: the suite starts hundreds of processes (live servers, `cmc` commands), and each compiled the
# platform again from source, a second and a half of CPU apiece.
unexport PYTHONDONTWRITEBYTECODE

# Dependencies come from two hash-checked locks made by `make lock`: what running needs (pyproject.toml's
# dependencies, the prod extra and the build backend) and, on top of it at the same versions, what testing
# needs (the dev extra). The platform itself is then installed editable, without dependencies.
RUN_LOCK := requirements/run.txt
DEV_LOCK := requirements/dev.txt
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
INSTALL_LOG := $(VENV)/install.log
# A step's output goes to a log, shown only when the step fails.
QUIETLY := bash scripts/quietly
UV_VERSION := 0.13.9
UV_ARGS ?=

.PHONY: run test test-postgres bench lint install lock chromium nginx messages translations

$(BIN)/python:
	@echo "Creating the virtual environment in $(VENV)"
	@$(PYTHON) -m venv $(VENV)

# pip install from a lock, then the project (editable, no dependencies, no download: the build backend is in
# the lock). $(1) is the lock.
define install_from
	@rm -f $(INSTALL_LOG)
	@$(QUIETLY) $(INSTALL_LOG) $(BIN)/python -m pip install --require-hashes -r $(1)
	@$(QUIETLY) $(INSTALL_LOG) $(BIN)/python -m pip install --no-deps --no-build-isolation -e .
endef

$(RUN_STAMP): $(RUN_LOCK) | $(BIN)/python
	@echo "Installing what running needs from $(RUN_LOCK) (pip's output: $(INSTALL_LOG))"
	$(call install_from,$(RUN_LOCK))
	@touch $@

# Everything of the run lock is in the dev lock at the same version: this also satisfies `make run`.
$(DEV_STAMP): $(DEV_LOCK) $(RUN_LOCK) | $(BIN)/python
	@echo "Installing what running and testing need from $(DEV_LOCK) (pip's output: $(INSTALL_LOG))"
	$(call install_from,$(DEV_LOCK))
	@touch $(RUN_STAMP) $@

install: $(DEV_STAMP) translations

# Translations: the catalogues (.po) are the source, kept in git; the compiled .mo files are built here from them
# (git ignores them), so a checkout never runs stale binaries. `make messages` extracts every marked string of
# the Python code, the templates and static/js (babel.cfg) into messages.pot and merges it into each language's
# catalogue; new strings arrive empty, changed ones fuzzy, and tests/unit/test_translations.py fails until a
# translator has written them.
TRANSLATIONS := platform/cmc/translations
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
BABEL_FLAGS := -w 110
# pybabel, through the environment's python (a virtual environment may hold no pybabel script).
PYBABEL = $(BIN)/python -m babel.messages.frontend
# pybabel writes the .mo even when the catalogue has errors (a placeholder renamed): compiled aside and moved in
# only when it compiled cleanly, so a broken catalogue stops the build now and on every later run.
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(RUN_STAMP)
	@$(PYBABEL) -q compile -i $< -o $@.tmp -l $* && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }
translations: $(COMPILED)

messages: $(DEV_STAMP)
	$(PYBABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k _p:1c,2 --add-comments=Translators: --sort-by-file \
	  $(BABEL_FLAGS) --project "CMC Platform" --copyright-holder "Caribbean Migration Consultations" \
	  -o $(TRANSLATIONS)/messages.pot .
	$(PYBABEL) -q update $(BABEL_FLAGS) -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

# Regenerate both locks after changing a pin in pyproject.toml (tests/unit/test_lock.py fails until then), with
# uv in a throwaway virtual environment; versions not pinned in pyproject.toml stay as they are unless
# `make lock UV_ARGS=--upgrade`. Universal: one file for every platform, with each package's hashes.
LOCK_FLAGS = --quiet --generate-hashes --universal --python-version 3.11 --custom-compile-command "make lock" $(UV_ARGS)
lock:
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	echo "Installing uv $(UV_VERSION) into a throwaway virtual environment"; \
	$(PYTHON) -m venv "$$tmp/venv" && "$$tmp/venv/bin/python" -m pip install --quiet uv==$(UV_VERSION) && \
	echo "Writing $(RUN_LOCK)" && \
	"$$tmp/venv/bin/uv" pip compile $(LOCK_FLAGS) --extra prod -o $(RUN_LOCK) pyproject.toml requirements/build.in && \
	echo "Writing $(DEV_LOCK)" && \
	"$$tmp/venv/bin/uv" pip compile $(LOCK_FLAGS) --extra prod --extra dev -c $(RUN_LOCK) -o $(DEV_LOCK) \
	  pyproject.toml requirements/build.in

# A random SECRET_KEY the first time, so the embedded profile needs no setup.
$(INSTANCE)/config.py:
	@mkdir -p $(INSTANCE)
	@$(PYTHON) -c "import secrets; print('# Written by make run; see config.example.py for every setting.'); print('SECRET_KEY = ' + repr(secrets.token_urlsafe(48)))" > $@
	@echo "Wrote a new SECRET_KEY to $@"

# Only what running needs is installed. The address people use follows HOST and PORT (links in mail, the
# allowed live-connection origin), unless CMC_BASE_URL says otherwise. HOST stays 127.0.0.1 unless asked:
# `cmc serve` warns when it listens anywhere else. Each step is a line; the demo sign-ins are printed once.
run: export CMC_BASE_URL ?= http://$(HOST):$(PORT)
run: export CMC_INSTANCE_PATH := $(abspath $(INSTANCE))
run: $(RUN_STAMP) translations $(INSTANCE)/config.py
	@echo "Upgrading the database (log: $(INSTANCE)/upgrade.log)"
	@$(QUIETLY) $(INSTANCE)/upgrade.log $(BIN)/cmc db upgrade
	@$(BIN)/cmc seed --demo --if-empty
	@echo "Open $$CMC_BASE_URL/ (stop with Ctrl+C)"
	@$(BIN)/cmc serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (never `playwright install`: it downloads and fails here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's nginx and its brotli module, for tests/integration/test_nginx_live.py (which runs the shipped
# deploy/nginx-cmc.conf in front of a real server; it is skipped, saying why, where they are missing), installed
# by `make test` like Chromium. The test starts its own nginx, on a free port, with a configuration of its own.
nginx:
	@test -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so || { \
	  echo "Installing Debian's nginx and libnginx-mod-http-brotli-filter for the nginx test..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx \
	    libnginx-mod-http-brotli-filter >/dev/null; }

# The whole suite on SQLite (tests that need Redis or PostgreSQL for a second process run when
# CMC_TEST_REDIS_URL / CMC_TEST_DATABASE_URL are set, as .ci/run sets them).
test: $(DEV_STAMP) translations chromium nginx
	$(BIN)/ruff check .
	CMC_TEST_BACKENDS=sqlite $(BIN)/python -m pytest $(if $(filter-out 1,$(WORKERS)),-n $(WORKERS) --dist loadfile) \
	  $(PYTEST_ARGS)

# The suite again on PostgreSQL, in one process (they share the `test` database): the tests whose outcome depends
# on the database (the `backend` fixture, and the live servers marked `live_database`, each on a fresh PostgreSQL
# database of its own; see pytest_collection_modifyitems in tests/conftest.py). The browser, unit and command tests
# run once, in `make test`: what they check does not depend on the database, and every page and live path the
# browser tests use runs on PostgreSQL in tests/integration.
test-postgres: export CMC_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
test-postgres: $(DEV_STAMP) translations
	CMC_TEST_BACKENDS=postgres CMC_TEST_LIVE_DATABASE=postgres $(BIN)/python -m pytest $(if $(filter-out 1,$(WORKERS)),-n $(WORKERS) --dist loadfile) \
	  --ignore=tests/browser --ignore=tests/unit $(PYTEST_ARGS)

# The benchmarks of tests/perf/ (not part of `make test`): production layout on this machine's PostgreSQL and
# Redis, wrk (installed from Debian if missing) and a Node.js load driver, and Debian's Chromium for the slow-link
# benchmark; writes tests/perf/RESULTS.md. BENCH="fanout pages" runs only those.
bench: $(DEV_STAMP) translations chromium
	$(BIN)/python -m tests.perf.run

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
