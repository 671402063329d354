# Caseinjob portal. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := APP_ENV=development FLASK_APP=wsgi $(BIN)/flask
CATALOG := app/translations/fr/LC_MESSAGES/messages.po
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-e2e lint promises translations translations-extract translations-update translations-compile \
        venv clean-venv bench bench-smoke tools

# The page checkers of tests/e2e (accessibility, HTML validity), from npm into a git-ignored folder.
TOOLS := .tools
AXE_CORE_VERSION := 4.11.1
VNU_JAR_VERSION := 26.9.27
TOOLS_STAMP := $(TOOLS)/.installed-axe-$(AXE_CORE_VERSION)-vnu-$(VNU_JAR_VERSION)

run: $(VENV)/.installed translations-compile ## Serve the portal on http://127.0.0.1:5000 (SQLite, demo data)
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo "Portal: http://$(HOST):$(PORT)/  (demo password: tulip-harbour-47)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Two processes (pytest-xdist), one per core; a file's tests stay together (the two-node test starts its nodes once),
# and files start in the order tests/conftest.py gives them (the long ones first).
PYTEST_WORKERS ?= 2

test: $(VENV)/.installed translations-compile $(TOOLS_STAMP) ## The whole suite (e2e tests skip without chromium unless CI=true)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-e2e: $(VENV)/.installed translations-compile $(TOOLS_STAMP)
	$(BIN)/pytest tests/e2e

promises: $(VENV)/.installed translations-compile ## Run the tests tagged with a policy clause, print the ledger
	-$(BIN)/pytest -q -p no:cacheprovider -m "promise and not e2e" --promise-ledger instance/promises.json
	$(FLASK) privacy promises instance/promises.json

bench: $(VENV)/.installed translations-compile ## Volume data, gunicorn and wrk: writes bench/RESULTS.md (needs wrk)
	@command -v wrk >/dev/null || (echo "wrk is needed: sudo apt-get install wrk" && exit 1)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-smoke: $(VENV)/.installed translations-compile ## The benchmark on small data, a few seconds per page (CI)
	@command -v wrk >/dev/null || (echo "wrk is needed: sudo apt-get install wrk" && exit 1)
	$(BIN)/python -m bench.run --smoke $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	@test -n "$(PYTHON)" || (echo "Python 3.11 is needed: sudo apt-get install python3 python3-venv" && exit 1)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		(echo "Could not create the virtual environment: sudo apt-get install python3-venv" && exit 1)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

tools: $(TOOLS_STAMP) ## axe-core and the Nu HTML checker, for the accessibility and HTML tests

# Without npm or the registry the checks skip (they fail under CI=true); the next make tries again.
$(TOOLS_STAMP):
	@if command -v npm >/dev/null 2>&1 && npm install --prefix $(TOOLS) --no-audit --no-fund --ignore-scripts \
		--silent axe-core@$(AXE_CORE_VERSION) vnu-jar@$(VNU_JAR_VERSION); then touch $@; \
	else echo "axe-core and vnu-jar are not installed (npm or the registry is missing): those checks will skip"; fi

translations: translations-extract translations-update translations-compile ## Extract, update, compile

translations-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -c i18n: --add-location=file --sort-by-file \
		--project=caseinjob --copyright-holder="Caseinjob SAS" -o app/translations/messages.pot .

translations-update: $(VENV)/.installed
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

translations-compile: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations --statistics

clean-venv:
	rm -rf $(VENV)
