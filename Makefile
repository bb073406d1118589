# Quick start:  make demo   (set up, then run the end-to-end slice)
#               make test   (set up, then lint, type-check and run every test)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
UV     := uv==0.13.8

.PHONY: setup lock promtool demo up test lint unit integration bench kafka-up kafka-down clean dashboard dashboard-test \
        dashboard-clean dashboard-regen chromium

# Python dependencies install from requirements.lock: exact versions with their hashes (pip refuses a file
# whose hash differs), so a new release upstream cannot change a fresh clone. `make lock` refreshes it
# after pyproject.toml changed (keeping every other pin); `make lock UPGRADE=1` moves every pin to the
# newest release pyproject.toml allows. Commit the lock with the change.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# promtool checks and unit-tests the alert rules (tests/unit/infra/test_alert_rules.py runs it when it is
# here): built from Prometheus's source with Go, once, into the cache (a few minutes)
PROMTOOL := $(or $(CRYPTICK_CACHE),$(HOME)/.cache/cryptick)/bin/promtool
promtool: $(PROMTOOL)
$(PROMTOOL):
	GOBIN=$(dir $(PROMTOOL)) GOFLAGS=-mod=mod go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0

lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "$(UV)"
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --no-header -o requirements.lock $(if $(UPGRADE),--upgrade)

setup: $(STAMP) dashboard

# The web dashboard (dashboard/): npm ci when the lockfile changes; its types generated from the API's
# OpenAPI document (dumped without a server) and from the event schemas the SSE stream sends;
# type-checked and built into dashboard/dist, which the API serves at /. Each step runs only when its
# inputs changed, and a generated file is rewritten only when its text changes.
DASH       := dashboard
DASH_NPM   := $(DASH)/node_modules/.installed
DASH_TYPES := $(DASH)/.types.stamp
DASH_GEN   := $(DASH)/src/api/schema.ts $(DASH)/src/api/events.gen.ts
DASH_DIST  := $(DASH)/dist/index.html
DASH_SRC   := $(shell find $(DASH)/src -type f ! -name schema.ts ! -name '*.gen.ts' 2>/dev/null) \
              $(DASH)/index.html $(DASH)/vite.config.ts $(DASH)/tsconfig.json $(DASH)/tsconfig.node.json \
              $(DASH)/package.json
API_SRC    := $(shell find api schemas cryptick -name '*.py' 2>/dev/null) $(wildcard schemas/avsc/*.avsc)
DASH_LOST  := $(filter-out $(wildcard $(DASH_GEN) $(DASH)/openapi.json),$(DASH_GEN) $(DASH)/openapi.json)
OPENAPI_PY := import json, sys; from api.app import create_app; \
              open(sys.argv[1], "w").write(json.dumps(create_app().openapi()))

$(DASH_NPM): $(DASH)/package-lock.json
	cd $(DASH) && npm ci --no-audit --no-fund
	touch $@

$(DASH_TYPES): $(STAMP) $(DASH_NPM) $(API_SRC) $(DASH)/scripts/gen-types.mjs $(if $(DASH_LOST),dashboard-regen)
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  CRYPTICK_AUTH_DB="$$tmp/auth.db" $(BIN)/python -c '$(OPENAPI_PY)' "$$tmp/openapi.json" && \
	  { cmp -s "$$tmp/openapi.json" $(DASH)/openapi.json || cp "$$tmp/openapi.json" $(DASH)/openapi.json; }
	cd $(DASH) && node scripts/gen-types.mjs
	touch $@

$(DASH_GEN): $(DASH_TYPES)
	@:

$(DASH_DIST): $(DASH_NPM) $(DASH_GEN) $(DASH_SRC)
	cd $(DASH) && npm run --silent typecheck
	cd $(DASH) && npm run --silent build

dashboard: $(DASH_DIST)

dashboard-regen:  # a generated file was deleted: make them again

dashboard-test: $(DASH_GEN)
	cd $(DASH) && npm run --silent test

dashboard-clean:
	rm -rf $(DASH)/node_modules $(DASH)/dist $(DASH)/openapi.json $(DASH_GEN) $(DASH_TYPES)

kafka-up: setup
	$(BIN)/cryptick infra up

kafka-down: setup
	$(BIN)/cryptick infra down

demo: kafka-up
	$(BIN)/cryptick demo

up: setup
	$(BIN)/cryptick up

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Unit and property tests are CPU-bound and share nothing: two processes (a file's tests stay together, so
# its module fixtures are built once). Integration tests share one broker and start processes: one at a time.
unit: setup
	$(BIN)/pytest tests/unit tests/property -q -n 2 --dist loadfile

integration: kafka-up
	$(BIN)/pytest tests/integration -q --durations=15

test: lint dashboard-test chromium kafka-up
	$(BIN)/pytest tests/unit tests/property -q -n 2 --dist loadfile
	$(BIN)/pytest tests/integration -q --durations=15

# The dashboard's browser tests drive Debian's chromium (Playwright for Python, via executable_path)
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && { apt-get install -y -q chromium >/dev/null || \
	    { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }; } || \
	  { echo "the dashboard's browser tests need Chromium: apt-get install chromium (as root)" >&2; exit 1; }

bench: kafka-up dashboard
	for b in bench/*.py; do case "$$b" in bench/admin_key.py|bench/interleave.py|bench/agent_path.py) continue;; esac; echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
