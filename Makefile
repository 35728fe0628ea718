# The two set-up commands:
#   make demo   install, start the embedded PostgreSQL, generate a 10,000-patient EDW, run the nightly build
#   make test   install, start the embedded PostgreSQL, lint the SQL (sqlfluff) and the project (phm lint:
#               layout, naming, grain tests, contracts, descriptions), check the bundle seeds, run pytest
#               (which runs dbt build with every test, serves the docs and checks them against the catalog)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PHM := $(VENV)/bin/phm
PATIENTS ?= 10000
SEED ?= 42
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_VERSION_CHECK := false

.PHONY: install demo test test-slow pytest lint project-lint bundles-check db-start db-stop clean bench docs

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

db-start: install
	$(PHM) db start

db-stop:
	$(PHM) db stop

demo: db-start
	@start=$$(date +%s); \
	$(PHM) edw generate --patients $(PATIENTS) --seed $(SEED) && \
	$(PHM) run && \
	echo "demo finished in $$(( $$(date +%s) - start )) s"

test: db-start lint project-lint bundles-check pytest

pytest: install
	$(VENV)/bin/pytest

# the slow tier: end-to-end checks that build a warehouse several times (python/tests, @pytest.mark.slow)
test-slow: db-start
	$(VENV)/bin/pytest -m slow

lint: install
	$(VENV)/bin/sqlfluff lint models snapshots analyses tests --processes 2

# dbt parse once, then layout, naming, grain-test, contract and description rules over target/manifest.json
project-# the slow tier: end-to-end checks that build a warehouse several times (python/tests, @pytest.mark.slow)
test-slow: db-start
	$(VENV)/bin/pytest -m slow

lint: install
	$(PHM) lint

docs: db-start
	$(PHM) docs

bench: db-start
	$(PHM) bench generate --patients $(PATIENTS)

clean:
	-$(PHM) db stop
	rm -rf .phm target logs

bundles-check: install
	$(PHM) bundles check
