# Two entry points: `make build` (set up, then build the edition) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: build test setup system-deps lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/.installed

# Programs the tests use that PyPI does not ship (jing, for cross-checking verdicts).
system-deps:
	scripts/install-system-deps

build: setup
	$(BIN)/edition build

test: setup system-deps
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check pipeline tests benchmarks

clean:
	rm -rf site .pytest_cache
