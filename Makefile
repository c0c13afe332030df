# The two commands of the README's Quick start work on a fresh machine:
#   make train   set up, then train the classic MLP on Fashion-MNIST and report its test accuracy
#   make test    set up, then run ruff and the test suite
# Setting up creates .venv (once) with the package and its extras, and on Debian-like systems
# (as root) installs Debian's dataset-fashion-mnist and graphviz packages; elsewhere the loader
# downloads the files.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FASHION_MNIST := /usr/share/datasets/fashion-mnist

.PHONY: train test lint thorough gpu gpu-data data venv docs docs-serve clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,train,docs]"
	touch $@

venv: $(BIN)/.installed

# The data set and Graphviz's dot program (train writes graph.svg, the course draws graphs), from
# Debian's packages where this is a Debian-like system and we are root; otherwise the loader
# downloads the data set and drawings say how to install Graphviz.
data:
	@missing="$$( [ -d $(FASHION_MNIST) ] || echo dataset-fashion-mnist) $$(command -v dot >/dev/null || echo graphviz)"; \
	if [ -n "$${missing// /}" ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing \
		|| echo "could not install $$missing: the loader will download the data set; drawings need Graphviz"; \
	fi

train: venv data
	$(BIN)/tinygrad-edu train

lint: venv
	$(BIN)/ruff check .

# The suite, then its cuda cases once more on tests/fake_cupy.py (a strict CuPy stand-in made of
# NumPy): without a GPU they would only be skipped. pytest exits 5 if -k selects nothing.
test: lint data
	$(BIN)/python -m pytest -q
	TINYGRAD_EDU_FAKE_CUPY=1 $(BIN)/python -m pytest -q -k cuda

thorough: venv data
	TINYGRAD_EDU_HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q --hypothesis-show-statistics

# The docs site (mkdocs.yml): the README, the course in docs/learn/ (every chapter executed) and the
# API reference, built into site/; --strict turns every warning into a failure. docs-serve rebuilds
# on every change at http://127.0.0.1:8000 (executed chapters are cached in .cache/).
docs: venv data
	$(BIN)/mkdocs build --strict

docs-serve: venv data
	$(BIN)/mkdocs serve

# On a machine with an NVIDIA GPU and CuPy installed, with that machine's Python (no venv, no
# network needed): benchmarks/gpu_run.sh prints the versions, runs the cuda test cases with CUDA
# required (a skip fails), trains the classic recipe on the GPU and runs the GPU benchmark, each
# step under its own time limit, logs in runs/gpu/. DATA_ROOT: a folder with the four Fashion-MNIST
# IDX .gz files; `make gpu-data` copies them into runs/fmnist (ignored by git) to take along.
DATA_ROOT ?= runs/fmnist
gpu:
	PYTHON=$(PYTHON) DATA_ROOT=$(DATA_ROOT) bash benchmarks/gpu_run.sh runs/gpu

gpu-data: data
	mkdir -p runs/fmnist
	cp $(FASHION_MNIST)/*-ubyte.gz runs/fmnist/

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .cache runs site
