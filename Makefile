# The front door: `make run` runs KAM, `make test` runs the suite. Both set themselves up.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVSTACK := $(PY) -m kam.devstack

.PHONY: install run test check lint format migrations migrations-check seed clean

$(STAMP): requirements.txt requirements-testdata.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	# Test data only (the CDNOW summaries inside the lifetimes wheel); its old pins would clash.
	$(PY) -m pip install --quiet --no-deps -r requirements-testdata.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(DEVSTACK) run

test: $(STAMP)
	$(DEVSTACK) exec -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# The one-way layers and test-code bans of .importlinter (docs/architecture.md).
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations: $(STAMP)
	$(DEVSTACK) exec -- $(PY) manage.py makemigrations

migrations-check: $(STAMP)
	$(DEVSTACK) exec -- $(PY) manage.py makemigrations --check --dry-run

seed: $(STAMP)
	$(DEVSTACK) exec -- $(PY) manage.py seed_demo

check: lint migrations-check test

clean:
	rm -rf $(VENV) var/static

# Not part of `make test`: builds SCALE x (100k accounts, 10M interactions) and times the nightly scoring.
bench-scoring: $(STAMP)
	$(DEVSTACK) exec -- $(PY) manage.py bench_scoring

# Not part of `make test`: 10,000 accounts with a year of daily snapshots; server time of the main pages.
bench-web: $(STAMP)
	$(DEVSTACK) exec -- $(PY) manage.py bench_web

# Not part of `make test`: the Chinese wall's overhead on the account page (10,000 accounts, 1M log rows).
bench-access: $(STAMP)
	$(DEVSTACK) exec -- $(PY) manage.py bench_access
