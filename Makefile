# The two commands of the README, and the pieces they are made of.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_CUSTOMERS ?= 5000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test test-sqlite test-postgres lint bench zipapp

$(BIN)/flask: requirements.txt requirements-app.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Set up, load demo data once (SQLite in instance/), print a sign-in for the demo
# administrator (a new random password each time), and serve on http://$(HOST):$(PORT)/
demo: $(BIN)/flask
	$(BIN)/flask --app app seed --customers $(DEMO_CUSTOMERS) --only-if-empty
	$(BIN)/flask --app app demo-admin
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# The whole suite, browser tests included, on SQLite and then on PostgreSQL.
test: test-sqlite test-postgres

# TEST_DATABASE_URL is emptied so an exported one (CI exports it) cannot turn this run into PostgreSQL.
test-sqlite: $(BIN)/flask
	TEST_DATABASE_URL= $(BIN)/python -m pytest -q

test-postgres: $(BIN)/flask
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q

lint: $(BIN)/flask
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check .

# One file that runs the app with its own SQLite database:
#   python dist/customer-management.pyz --data /srv/customers serve --bind 0.0.0.0:8000
zipapp: $(BIN)/flask
	rm -rf build/zipapp && mkdir -p build/zipapp dist
	cp -r app.py cli.py wsgi.py gunicorn.conf.py data views templates static build/zipapp/
	find build/zipapp -name __pycache__ -prune -exec rm -rf {} +
	$(BIN)/shiv --site-packages build/zipapp -r requirements-app.txt -e cli:main \
		-o dist/customer-management.pyz --compressed --python "/usr/bin/env python3"
