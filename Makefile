# The front door: `make run` runs KAM, `make test` runs the suite. Both set themselves up.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVSTACK := $(PY) -m kam.devstack

.PHONY: install run test check lint format migrations migrations-check seed clean
.PHONY: bench-scoring bench-web bench-access bench-smoke

$(STAMP): requirements.txt requirements-dev.txt requirements-testdata.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# What production runs (requirements.txt), and the development and test tools on top.
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
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

# The benchmarks: the development-only app bench/ (KAM_BENCH=1, which needs DEBUG on). Not part of
# `make test`; each prints its figures. SCALE=0.01 (or --scale) for a quick run.
BENCH := KAM_BENCH=1 DEBUG=true $(DEVSTACK) exec -- $(PY) manage.py

# SCALE x (100k accounts, 10M interactions): the nightly scoring, timed.
bench-scoring: $(STAMP)
	$(BENCH) bench_scoring

# SCALE x 10,000 accounts with a year of daily snapshots: server time of the main pages.
bench-web: $(STAMP)
	$(BENCH) bench_web

# The Chinese wall's overhead on the account page (SCALE x 10,000 accounts and 1M access-log rows).
bench-access: $(STAMP)
	$(BENCH) bench_access

# All three at a tiny scale, seconds each: CI runs it so the benchmarks cannot rot.
bench-smoke: $(STAMP)
	$(BENCH) bench_scoring --scale 0.001
	$(BENCH) bench_web --scale 0.001 --requests 5
	$(BENCH) bench_access --scale 0.001 --requests 10 --profile --verify
