# Two commands for a fresh machine (see README.md): `make demo` and `make test`.
# Both create .venv (once) and install the package with its dev extras into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint thorough clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/tinygrad-edu demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q

thorough: $(BIN)/.installed
	TINYGRAD_EDU_HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q --hypothesis-show-statistics

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
