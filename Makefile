# The two commands of the README's Quick start work on a fresh machine:
#   make train   set up, then train the classic MLP on Fashion-MNIST and report its test accuracy
#   make test    set up, then run ruff and the test suite
# Setting up creates .venv (once) with the package and its extras, and on Debian-like systems
# (as root) installs Debian's dataset-fashion-mnist package; elsewhere the loader downloads the files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FASHION_MNIST := /usr/share/datasets/fashion-mnist

.PHONY: train demo test lint thorough data venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,train]"
	touch $@

venv: $(BIN)/.installed

data:
	@if [ ! -d $(FASHION_MNIST) ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist \
		|| echo "could not install dataset-fashion-mnist: the loader will download the files instead"; \
	fi

train: venv data
	$(BIN)/tinygrad-edu train

demo: venv
	$(BIN)/tinygrad-edu demo

lint: venv
	$(BIN)/ruff check .

test: lint data
	$(BIN)/python -m pytest -q

thorough: venv data
	TINYGRAD_EDU_HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q --hypothesis-show-statistics

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache runs
