# The two commands of the README's Quick start work on a fresh machine:
#   make train   set up, then train the classic MLP on Fashion-MNIST and report its test accuracy
#   make test    set up, then run ruff and the test suite
# Setting up creates .venv (once) with the package and its extras, and on Debian-like systems
# (as root) installs Debian's dataset-fashion-mnist package; elsewhere the loader downloads the files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FASHION_MNIST := /usr/share/datasets/fashion-mnist

.PHONY: train demo test lint thorough gpu data venv clean

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

# The suite, then its cuda cases once more on tests/fake_cupy.py (a strict CuPy stand-in made of
# NumPy): without a GPU they would only be skipped. pytest exits 5 if -k selects nothing.
test: lint data
	$(BIN)/python -m pytest -q
	TINYGRAD_EDU_FAKE_CUPY=1 $(BIN)/python -m pytest -q -k cuda

thorough: venv data
	TINYGRAD_EDU_HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q --hypothesis-show-statistics

# On a machine with an NVIDIA GPU: the suite with every cuda case required to run (not skipped),
# training on the GPU, and the GPU benchmark. Logs go to runs/gpu/.
gpu: data
	$(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet -e ".[dev,train,gpu]" && touch $(BIN)/.installed
	mkdir -p runs/gpu
	$(BIN)/python -c "import cupy; print(cupy.__version__, cupy.cuda.runtime.getDeviceProperties(0)['name'])"
	TINYGRAD_EDU_REQUIRE_CUDA=1 $(BIN)/python -m pytest -q 2>&1 | tee runs/gpu/tests.txt
	$(BIN)/tinygrad-edu train --device cuda --no-progress --out runs/gpu/fashion-mnist 2>&1 | tee runs/gpu/train.txt
	$(BIN)/python benchmarks/gpu_train.py --json runs/gpu/gpu_train.json 2>&1 | tee runs/gpu/gpu_train.txt
	$(BIN)/python benchmarks/gpu_train.py --epoch 2>&1 | tee runs/gpu/epoch.txt

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache runs
