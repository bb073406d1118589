# Quick start:  make demo   (set up, then run the end-to-end slice)
#               make test   (set up, then lint, type-check and run every test)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup demo up test lint unit integration bench kafka-up kafka-down clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

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

unit: setup
	$(BIN)/pytest tests/unit tests/property -q

integration: kafka-up
	$(BIN)/pytest tests/integration -q

test: lint kafka-up
	$(BIN)/pytest -q

bench: kafka-up
	for b in bench/*.py; do [ "$$b" = bench/admin_key.py ] && continue; echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
