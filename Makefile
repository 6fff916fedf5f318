# Relais — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Material prints an end-of-life banner about MkDocs 2; we pin MkDocs 1.x.
export NO_MKDOCS_2_WARNING = 1
# `make run` is a development server with the development secret key.
RUN_ENV := PORTAL_ENV=development

.PHONY: run test lint format test-sqlite test-postgres install install-test system-deps site clean

run: install
	$(RUN_ENV) $(BIN)/relais init-db
	$(RUN_ENV) $(BIN)/relais load-demo
	$(RUN_ENV) $(BIN)/relais build-site
	@echo
	@echo "  Site public : http://$(HOST):$(PORT)/"
	@echo "  Portail     : http://$(HOST):$(PORT)/portail/connexion"
	@echo
	$(RUN_ENV) $(BIN)/relais run --host $(HOST) --port $(PORT)

site: install
	$(RUN_ENV) $(BIN)/relais build-site

# The whole suite on SQLite (browser tests included), then every test that
# uses the `app` fixture again on PostgreSQL. Two processes: two cores.
test: lint test-sqlite test-postgres

# ruff: lint and format check (configured in pyproject.toml); `make format` fixes.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-sqlite: install-test system-deps
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-postgres: install-test system-deps
	RELAIS_TEST_DATABASE=postgres $(BIN)/python -m pytest -n 2 -m "not browser" $(PYTEST_ARGS)

install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Debian's chromium (Playwright drives it; its own browser download is not
# used) and PostgreSQL (the suite starts a throw-away server). Installed when
# missing and we may: as root, or with password-less sudo in CI.
system-deps:
	@bash tests/install-system-deps.sh

clean:
	rm -rf site $(VENV) build *.egg-info
