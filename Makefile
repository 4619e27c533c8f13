# The two commands a user needs: `make run` serves the product, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean observe prepare

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# migrated, seeded when empty, and a token to try it with
prepare: $(STAMP)
	$(BIN)/pagos migrate
	$(BIN)/pagos seed --if-empty
	@token=$$($(BIN)/pagos token create --scope read --ttl 8h) && \
	echo "A read token for the next 8 hours (write: pagos token create --scope read,write):" && \
	echo "  curl -H 'Authorization: Bearer $$token' http://127.0.0.1:$${PORT:-8000}/api/v1/pagos/kpis"

run: prepare
	$(BIN)/pagos serve

# make run, plus a local Prometheus (:9091) scraping it with alerts/*.yml; prints the URLs
# and how to point a Grafana at dashboards/provisioning (docs/observe.md)
observe: prepare
	$(BIN)/python -m telemetry.observe --target 127.0.0.1:$${PORT:-8000} \
		--bearer-token-env PAGOS_METRICS_TOKEN -- $(BIN)/pagos serve

test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy service telemetry

# each prints its ratios; bench/overhead.py also needs wrk (apt-get install wrk)
bench: $(STAMP)
	$(BIN)/python bench/kpis.py
	$(BIN)/python bench/cache.py
	$(BIN)/python bench/logs.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
