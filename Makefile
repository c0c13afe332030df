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

.PHONY: train test lint thorough gpu data venv docs docs-serve clean

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
# network needed): the suite with every cuda case required to run (a skip fails), training on the
# GPU, and the GPU benchmark. DATA_ROOT: a folder with the four Fashion-MNIST IDX .gz files.
# Everything printed is kept in runs/gpu/.
DATA_ROOT ?= $(FASHION_MNIST)
gpu:
	mkdir -p runs/gpu
	set -o pipefail; $(PYTHON) -c "import cupy; print('CuPy', cupy.__version__, \
		cupy.cuda.runtime.getDeviceProperties(0)['name'].decode())" 2>&1 | tee runs/gpu/device.txt
	set -o pipefail; TINYGRAD_EDU_REQUIRE_CUDA=1 $(PYTHON) -m pytest -q -p no:cacheprovider 2>&1 | tee runs/gpu/tests.txt
	set -o pipefail; $(PYTHON) -m tinygrad_edu train --device cuda --no-progress --data-root $(DATA_ROOT) \
		--out runs/gpu/fashion-mnist 2>&1 | tee runs/gpu/train.txt
	set -o pipefail; $(PYTHON) benchmarks/gpu_train.py --json runs/gpu/gpu_train.json 2>&1 | tee runs/gpu/gpu_train.txt
	set -o pipefail; $(PYTHON) benchmarks/gpu_train.py --epoch --data-root $(DATA_ROOT) 2>&1 | tee runs/gpu/epoch.txt

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .cache runs site
