# The two commands a user needs: `make run` serves the product, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/pagos migrate
	$(BIN)/pagos seed --if-empty
	@token=$$($(BIN)/pagos token create --scope read --ttl 8h) && \
	echo "A read token for the next 8 hours (write: pagos token create --scope read,write):" && \
	echo "  curl -H 'Authorization: Bearer $$token' http://127.0.0.1:8000/api/v1/pagos/kpis"
	$(BIN)/pagos serve

test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy service telemetry

bench: $(STAMP)
	$(BIN)/python bench/kpis.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
