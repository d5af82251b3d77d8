# Flytverk: `make run` sets up and serves the demo; `make test` sets up and runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app designer
PORT ?= 5000
PYTEST_ARGS ?=
# Two test processes (one per core); each gets its own database (tests/conftest.py).
PYTEST_WORKERS ?= -n 2 --dist loadfile

.PHONY: setup run db worker beat test pytest lint format static translations bench clean

setup: $(VENV)/.stamp-python node_modules/.stamp-npm static/dist/app.js translations

$(VENV)/.stamp-python: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres,celery]'
	touch $@

node_modules/.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/app.js: node_modules/.stamp-npm static/build.mjs $(shell find static/src -type f)
	npm run --silent build

static: node_modules/.stamp-npm
	npm run --silent build

translations: $(VENV)/.stamp-python
	$(BIN)/pybabel compile --use-fuzzy -d designer/translations > /dev/null

db: setup
	$(FLASK) db upgrade
	$(FLASK) seed --demo-users

run: db
	FLYTVERK_DEMO=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Celery workers and their clock (one beat per installation: ticks, and the daily retention and
# digest): set FLYTVERK_BROKER_URL=redis://... here and for the web server. `make run` needs
# neither: `flask run` starts the in-process worker thread.
worker: setup
	$(BIN)/celery -A designer.worker.celery_app worker --loglevel=INFO

beat: setup
	$(BIN)/celery -A designer.worker.celery_app beat --loglevel=INFO --schedule instance/celerybeat-schedule

lint: $(VENV)/.stamp-python
	$(BIN)/ruff check .
	$(BIN)/mypy designer engine forms
	$(BIN)/lint-imports

pytest: setup
	@$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; fi; exit $$rc

test: lint pytest

format: $(VENV)/.stamp-python
	$(BIN)/ruff check --fix .

# Every benchmark prints its ratios and writes tests/bench/results/<name>.json; the last line
# prints the README's figures from them (`tests/bench/report.py --write` puts them there).
# DATABASE_URL=postgresql://... adds the PostgreSQL variants.
bench: setup
	$(BIN)/python tests/bench/step_cost.py
	$(BIN)/python tests/bench/cpu_budget.py --raw
	$(BIN)/python tests/bench/long_runs.py
	$(BIN)/python tests/bench/http_throughput.py
	$(BIN)/python tests/bench/sandbox_cost.py
	$(BIN)/python tests/bench/inbox.py
	$(BIN)/python tests/bench/designer_open.py
	$(BIN)/python tests/bench/subscriptions.py
	$(BIN)/python tests/bench/report.py

clean:
	rm -rf $(VENV) node_modules static/dist
