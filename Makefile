# Two entry points: `make build` (set up, then build the edition) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: build test setup system-deps tei-schemas lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/.installed

# Programs the tests use that PyPI does not ship (jing, for cross-checking verdicts).
system-deps:
	scripts/install-system-deps

# Full TEI P5 validation needs the TEI's schemas: fetched once (pinned, checksummed)
# unless EDITION_TEI_SCHEMA_DIR names a copy. Offline, the build still runs on the
# project schema, which admits only valid TEI.
tei-schemas: setup
	@$(BIN)/edition schema where >/dev/null 2>&1 || $(BIN)/edition schema fetch || \
	  echo "note: TEI P5 schemas not fetched; full TEI P5 validation is skipped" >&2

build: setup tei-schemas
	$(BIN)/edition build

test: setup system-deps
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf site .pytest_cache
