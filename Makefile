# The two commands of the README, and the pieces they are made of.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_CUSTOMERS ?= 5000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo demo-port-free test test-sqlite test-postgres lint bench binary

# What running needs (requirements-app.txt): all that `make demo` installs.
$(BIN)/flask: requirements-app.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-app.txt
	touch $@

# What testing and benchmarks need on top (requirements.txt).
$(VENV)/.test-tools: requirements.txt $(BIN)/flask
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Runs argv[1:] with SIGINT handled by default (exec keeps it so): for a job started with &.
export DEFAULT_SIGINT := import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])

# Set up, load demo data once (SQLite in instance/), print a sign-in for the demo
# administrator (a new random password each time), and serve on http://$(HOST):$(PORT)/
# with the background worker beside it
# (make demo PORT=8080 HOST=0.0.0.0). The port is checked first: a demo already
# running there keeps its password.
demo: $(BIN)/flask demo-port-free
	$(BIN)/flask --app app seed --customers $(DEMO_CUSTOMERS) --only-if-empty
	$(BIN)/flask --app app demo-admin
	@# The background worker (bulk actions) runs beside the app: Ctrl-C stops the app, and the
	@# trap stops the worker with it after its current batch (the job resumes at its next start).
	@# A job started with & ignores SIGINT (sh without job control), and `trap - INT` cannot undo
	@# it: until the worker had set its own handler (a second or more of start-up), Ctrl-C and the
	@# trap's kill were lost and make waited for good. It starts with SIGINT at its default, and
	@# so does the app: make started where SIGINT is ignored (a script's background job) passed
	@# that on, and the app outlived Ctrl-C.
	$(BIN)/python -c "$$DEFAULT_SIGINT" $(BIN)/flask --app app worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python -c "$$DEFAULT_SIGINT" $(BIN)/flask --app app run --host $(HOST) --port $(PORT)

demo-port-free: $(BIN)/flask
	@$(BIN)/python -c 'import socket, sys; s = socket.socket(); \
	sys.exit("Port $(PORT) on $(HOST) is in use (a demo still running?). Stop it, or: make demo PORT=5001" \
	         if s.connect_ex(("$(HOST)", $(PORT))) == 0 else 0)'

# The whole suite, browser tests included, on SQLite and on PostgreSQL: both at once (each
# run has a database of its own), each one's output printed whole when it ends.
test: $(VENV)/.test-tools
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

# TEST_DATABASE_URL is emptied so an exported one (CI exports it) cannot turn this run into PostgreSQL.
test-sqlite: $(VENV)/.test-tools
	TEST_DATABASE_URL= $(BIN)/python -m pytest -q -m "not postgres_half"

# The browser tests drive the pages, not the database (the HTTP tests cover every page's
# queries on both backends): each runs once, most on SQLite, those marked postgres_half
# (tests/e2e/conftest.py) here, which keeps the suite under CI's 20 minutes on two cores.
# `make test-postgres PG_PYTEST_ARGS=` runs them all here.
PG_PYTEST_ARGS ?= -m "not e2e or postgres_half"
test-postgres: $(VENV)/.test-tools
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q $(PG_PYTEST_ARGS)

lint: $(VENV)/.test-tools
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check .

# One executable with its own Python and every package (PyInstaller, in a venv of its own):
#   dist/customer-management --data /srv/customers serve --bind 0.0.0.0:8000 --workers 3
BUILD_VENV := build/binary-venv
BINARY_DIST ?= dist
$(BUILD_VENV)/.installed: requirements-build.txt requirements-app.txt
	$(PYTHON) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/pip install --quiet -r requirements-build.txt
	touch $@

binary: $(BUILD_VENV)/.installed
	$(BUILD_VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath $(BINARY_DIST) \
		--workpath build/pyinstaller packaging/customer-management.spec
	@ls -l $(BINARY_DIST)/customer-management
