#!/usr/bin/env bash
# The GPU run, in one go, on a machine with an NVIDIA GPU and CuPy, with that machine's own Python
# (no venv, no network): the versions, the cuda test cases with CUDA required, the classic recipe
# trained on the GPU, and the GPU benchmark. Each step runs under its own time limit, so one slow
# step cannot eat the others' time, and writes its log into the output folder as it goes
# (unbuffered, through tee): a run that is cut short still leaves everything that ran.
#
#   bash benchmarks/gpu_run.sh [OUT_DIR]          # default OUT_DIR: runs/gpu
#
# Settings, from the environment:
#   PYTHON       the interpreter (default python3)
#   DATA_ROOT    folder with the four Fashion-MNIST IDX .gz files (default runs/fmnist; fill it here
#                with `make gpu-data`, then carry runs/fmnist to the GPU machine)
#   EPOCHS       epochs of the classic recipe (default 20, as on the CPU)
#   TRAIN_OUT    where training writes its model, history and pictures (default OUT_DIR/fashion-mnist)
#   LIMIT_VERSIONS, LIMIT_TESTS, LIMIT_TRAIN, LIMIT_BENCH   seconds per step (20, 170, 150, 120)
#   BENCH_ARGS   extra arguments for benchmarks/gpu_train.py (e.g. --quick)
#
# Dry run on a CPU, with the CuPy stand-in of the tests (tests/fake_cupy.py) installed in every
# Python this script starts:
#   TINYGRAD_EDU_FAKE_CUPY=1 EPOCHS=1 BENCH_ARGS="--quick --workloads classic-64,tiny" \
#       bash benchmarks/gpu_run.sh /tmp/gpu-dry
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT_DIR=${1:-runs/gpu}
PYTHON=${PYTHON:-python3}
DATA_ROOT=${DATA_ROOT:-runs/fmnist}
EPOCHS=${EPOCHS:-20}
TRAIN_OUT=${TRAIN_OUT:-$OUT_DIR/fashion-mnist}
BENCH_ARGS=${BENCH_ARGS:-}
mkdir -p "$OUT_DIR"
export PYTHONUNBUFFERED=1 PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

if [ "${TINYGRAD_EDU_FAKE_CUPY:-}" = 1 ]; then
    # sitecustomize runs at every interpreter start: the stand-in is `cupy` for each step's Python.
    stand_in=$(cd "$OUT_DIR" && pwd)/dry-run
    mkdir -p "$stand_in"
    printf 'import sys\nsys.path.insert(0, %s)\nimport fake_cupy\nfake_cupy.install()\n' \
        "'$ROOT/tests'" > "$stand_in/sitecustomize.py"
    export PYTHONPATH="$stand_in:$PYTHONPATH"
fi

failed=()
# step NAME LIMIT COMMAND...: run COMMAND for at most LIMIT seconds, its output to OUT_DIR/NAME.txt.
step() {
    local name=$1 limit=$2
    shift 2
    echo "== $name (at most ${limit} s): $*" | tee "$OUT_DIR/$name.txt"
    local start=$SECONDS
    timeout --signal=INT --kill-after=15 "$limit" "$@" 2>&1 | tee -a "$OUT_DIR/$name.txt"
    local status=${PIPESTATUS[0]}
    local verdict="exit status $status"
    [ "$status" = 124 ] && verdict="stopped at its limit of ${limit} s"
    echo "== $name: $verdict after $((SECONDS - start)) s" | tee -a "$OUT_DIR/$name.txt" "$OUT_DIR/summary.txt"
    [ "$status" = 0 ] || failed+=("$name")
}

: > "$OUT_DIR/summary.txt"
step versions "${LIMIT_VERSIONS:-20}" "$PYTHON" - <<'EOF'
import platform, sys
import numpy, cupy
print("python", platform.python_version(), "| numpy", numpy.__version__, "| cupy", cupy.__version__)
print("cupy sees", cupy.cuda.runtime.getDeviceCount(), "GPU(s)")
properties = cupy.cuda.runtime.getDeviceProperties(0)
name = properties["name"]
print("GPU 0:", name.decode() if isinstance(name, bytes) else name)
print("CUDA runtime", cupy.cuda.runtime.runtimeGetVersion(), "| driver", cupy.cuda.runtime.driverGetVersion())
try:
    import torch
    print("torch", torch.__version__, "| CUDA available:", torch.cuda.is_available())
except ImportError:
    print("torch: not installed")
EOF

# The CPU cases are proven on the CPU; here every cuda case must run (a skip fails).
step tests "${LIMIT_TESTS:-170}" env TINYGRAD_EDU_REQUIRE_CUDA=1 \
    "$PYTHON" -m pytest -q -p no:cacheprovider -k cuda -ra --durations=10

if [ -f "$DATA_ROOT/train-images-idx3-ubyte.gz" ]; then
    step train "${LIMIT_TRAIN:-150}" "$PYTHON" -m tinygrad_edu train --device cuda --epochs "$EPOCHS" \
        --no-progress --data-root "$DATA_ROOT" --out "$TRAIN_OUT"
else
    echo "== train: skipped, no Fashion-MNIST files in $DATA_ROOT (make gpu-data fills runs/fmnist)" \
        | tee "$OUT_DIR/train.txt" | tee -a "$OUT_DIR/summary.txt"
    failed+=(train)
fi

# classic at batch 64 and 1024, the 4096-wide MLP at batch 4096 and the tiny MLP; each with the fused
# gradient kernels off and on (tinygrad_edu / tinygrad_edu fused), beside the CuPy floor and PyTorch.
# shellcheck disable=SC2086 # BENCH_ARGS is a list of arguments
step bench "${LIMIT_BENCH:-120}" "$PYTHON" benchmarks/gpu_train.py --json "$OUT_DIR/gpu_train.json" $BENCH_ARGS

echo "== done; logs in $OUT_DIR; failed steps: ${failed[*]:-none}" | tee -a "$OUT_DIR/summary.txt"
[ ${#failed[@]} = 0 ]
