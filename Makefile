# Corridor: `make run` sets up and runs the 2021 scenario; `make test` sets up and runs the tests.
# Needs Python >= 3.12: `.python-version` makes pyenv's python3 resolve to 3.12 in this folder.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
EXTRAS ?= dev
TEST_EXTRAS ?= dev,dask,demo,abc,ema
STAMP  := $(VENV)/.installed-$(EXTRAS)

.PHONY: setup run test lint bench fuzz clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Corridor needs Python >= 3.12 (found " + sys.version.split()[0] + "); install it, e.g. pyenv install 3.12, or run make PYTHON=python3.12")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/corridor run scenarios/belarus_2021.yaml --out outputs/belarus_2021/latest

# the tests need every extra (the demo's browser test, the Dask engine)
test:
	$(MAKE) setup EXTRAS=$(TEST_EXTRAS)
	$(BIN)/ruff check sim tests benchmarks run.py
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# the property-based tests of every input, long: 10,000 examples per input type (a few hours on 2 cores);
# docs/reliability.md records the last long run
fuzz:
	$(MAKE) setup EXTRAS=$(TEST_EXTRAS)
	CORRIDOR_FUZZ_EXAMPLES=$${CORRIDOR_FUZZ_EXAMPLES:-10000} $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
