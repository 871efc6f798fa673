# openrcm — the two commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: demo test lint typecheck pytest pytest-postgres bench peers clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/openrcm demo $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy openrcm

pytest: $(STAMP)
	DATABASE_URL=sqlite:///:memory: $(VENV)/bin/pytest -q

# PostgreSQL: OPENRCM_TEST_DATABASE_URL, else a server answering on localhost:5432.
pytest-postgres: $(STAMP)
	@url="$${OPENRCM_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  url="postgres://postgres@localhost:5432/openrcm"; fi; \
	if [ -z "$$url" ]; then echo "PostgreSQL: no server on localhost:5432 and OPENRCM_TEST_DATABASE_URL unset; skipped"; \
	else echo "PostgreSQL run: $$url"; DATABASE_URL="$$url" $(VENV)/bin/pytest -q -m "not browser"; fi

test: lint typecheck pytest pytest-postgres

# The peer X12 parsers, in a venv of their own (the 835 benchmark and the tigershark
# read-back test of our 270s use it; .ci/run makes it so CI runs that test).
peers: bench/.peers/bin/python

bench/.peers/bin/python: bench/peers-requirements.txt
	$(PYTHON) -m venv bench/.peers
	bench/.peers/bin/python -m pip install --quiet -r bench/peers-requirements.txt
	@touch bench/.peers/bin/python

bench: $(STAMP)
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) var/openrcm.sqlite3* .pytest_cache .mypy_cache .ruff_cache
