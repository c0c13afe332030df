"""ms per training step of an MLP: tinygrad_edu vs a hand-written NumPy loop vs PyTorch (if installed).

Workloads (each step: forward, loss, backward, SGD update):
  classic  784-1024-128-64-10 ReLU, cross-entropy, batch 64  (the Fashion-MNIST recipe)
  tiny     2-16-16-1 ReLU, mean squared error, batch 32       (Python overhead per op dominates)

The implementations run interleaved (a round of each, repeated) from the same initial weights on
the same batches; the table shows the median over rounds and the ratio to the NumPy floor. With
--memory it also measures the peak of NumPy allocations (tracemalloc) over one epoch of the
classic recipe (937 batches of 64) for tinygrad_edu and the NumPy loop.

With --baseline REV it also runs tinygrad_edu as it was at git revision REV (checked out into a
temporary folder and imported under another name), interleaved with the rest: a before/after
comparison in one run.

Run with NumPy's own BLAS kernel choice (unset the variables this workplace sets):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/train_mlp.py [--memory] [--baseline REV]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import io
import itertools
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F

WORKLOADS = {
    "classic": {"sizes": (784, 1024, 128, 64, 10), "batch": 64, "loss": "cross_entropy"},
    "tiny": {"sizes": (2, 16, 16, 1), "batch": 32, "loss": "mse"},
}
LR = 0.01


def initial_weights(sizes: tuple[int, ...], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch's default Linear init, as float32 arrays (weight (out, in), bias (out,))."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        layers.append(
            (
                rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                rng.uniform(-bound, bound, fan_out).astype(np.float32),
            )
        )
    return layers


def batches(workload: dict, count: int, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    n_in, n_out, batch = workload["sizes"][0], workload["sizes"][-1], workload["batch"]
    data = []
    for _ in range(count):
        x = rng.standard_normal((batch, n_in)).astype(np.float32)
        if workload["loss"] == "cross_entropy":
            y = rng.integers(0, n_out, batch).astype(np.int64)
        else:
            y = rng.standard_normal((batch, n_out)).astype(np.float32)
        data.append((x, y))
    return data


# ----------------------------------------------------------------------------- the NumPy floor
def numpy_step_factory(workload: dict) -> Callable[[np.ndarray, np.ndarray], None]:
    """A hand-written forward/backward/SGD step: the least work any NumPy engine can do."""
    layers = [(w.copy(), b.copy()) for w, b in initial_weights(workload["sizes"])]
    cross_entropy = workload["loss"] == "cross_entropy"

    def step(x: np.ndarray, y: np.ndarray) -> None:
        activations, pre = [x], []
        for i, (w, b) in enumerate(layers):
            z = activations[-1] @ w.T + b
            pre.append(z)
            activations.append(np.maximum(z, 0) if i < len(layers) - 1 else z)
        out = activations[-1]
        n = out.shape[0]
        if cross_entropy:
            e = np.exp(out - out.max(axis=1, keepdims=True))
            grad = e / e.sum(axis=1, keepdims=True)
            grad[np.arange(n), y] -= 1
            grad /= n
        else:
            grad = (2.0 / out.size) * (out - y)
        for i in range(len(layers) - 1, -1, -1):
            w, b = layers[i]
            grad_w, grad_b = grad.T @ activations[i], grad.sum(axis=0)
            if i > 0:
                grad = (grad @ w) * (pre[i - 1] > 0)
            w -= LR * grad_w
            b -= LR * grad_b

    return step


# ----------------------------------------------------------------------------- autograd engines
def autograd_step_factory(
    nn_module: Any, optim_module: Any, functional: Any, tensor: Callable, workload: dict
) -> Callable[[np.ndarray, np.ndarray], None]:
    """The same step in any engine with PyTorch's API: tinygrad_edu, or PyTorch itself."""
    model = sequential_mlp(nn_module, workload["sizes"])
    for layer, (w, b) in zip(model[::2], initial_weights(workload["sizes"]), strict=True):
        layer.weight.data[...] = tensor(w)
        layer.bias.data[...] = tensor(b)
    optimizer = optim_module.SGD(model.parameters(), lr=LR)
    loss_fn = functional.cross_entropy if workload["loss"] == "cross_entropy" else functional.mse_loss

    def step(x: np.ndarray, y: np.ndarray) -> None:
        optimizer.zero_grad()
        loss = loss_fn(model(tensor(x)), tensor(y))
        loss.backward()
        optimizer.step()

    return step


def sequential_mlp(module: Any, sizes: tuple[int, ...]) -> Any:
    """Linear layers with ReLU between them, in tinygrad_edu.nn or torch.nn (Linear layers: ``model[::2]``)."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(module.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(module.ReLU())
    return module.Sequential(*layers)


def tinygrad_step_factory(workload: dict) -> Callable[[np.ndarray, np.ndarray], None]:
    return autograd_step_factory(nn, optim, F, tg.Tensor, workload)


def torch_step_factory(workload: dict) -> Callable[[np.ndarray, np.ndarray], None] | None:
    try:
        import torch
    except ImportError:
        return None
    return autograd_step_factory(torch.nn, torch.optim, torch.nn.functional, torch.from_numpy, workload)


FACTORIES = {
    "numpy (hand-written)": numpy_step_factory,
    "tinygrad_edu": tinygrad_step_factory,
    "pytorch": torch_step_factory,
}


def import_at_revision(revision: str) -> Any:
    """tinygrad_edu as it was at git ``revision``, imported as the package ``tinygrad_edu_baseline``."""
    repository = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "archive", revision, "tinygrad_edu"], cwd=repository, capture_output=True, check=True
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="tinygrad_edu_baseline_"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    spec = importlib.util.spec_from_file_location(
        "tinygrad_edu_baseline", folder / "tinygrad_edu" / "__init__.py", submodule_search_locations=[]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["tinygrad_edu_baseline"] = module
    spec.loader.exec_module(module)
    return module


def baseline_step_factory(package: Any) -> Callable[[dict], Callable[[np.ndarray, np.ndarray], None]]:
    return lambda workload: autograd_step_factory(
        package.nn, package.optim, package.nn.functional, package.Tensor, workload
    )


def time_steps(workload: dict, rounds: int, steps: int) -> dict[str, float]:
    """Median ms per step of each implementation, interleaved round by round."""
    data = batches(workload, steps)
    steppers = {name: f(workload) for name, f in FACTORIES.items()}
    steppers = {name: s for name, s in steppers.items() if s is not None}
    times: dict[str, list[float]] = {name: [] for name in steppers}
    for round_index in range(rounds + 1):
        for name, step in steppers.items():
            gc.collect()
            start = time.perf_counter()
            for x, y in data:
                step(x, y)
            if round_index:  # the first round warms up caches and allocators
                times[name].append((time.perf_counter() - start) * 1000 / steps)
    return {name: statistics.median(values) for name, values in times.items()}


def epoch_peak_memory(factory: Callable, workload: dict, steps: int) -> float:
    """Peak MiB of traced allocations during one epoch (after the model exists)."""
    data = batches(workload, 8)
    step = factory(workload)
    step(*data[0])
    gc.collect()
    tracemalloc.start()
    for i in range(steps):
        step(*data[i % len(data)])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--memory", action="store_true", help="also measure the peak memory of one epoch")
    parser.add_argument("--baseline", metavar="REV", help="also time tinygrad_edu at this git revision")
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS), choices=list(WORKLOADS))
    args = parser.parse_args()
    if args.baseline:
        FACTORIES[f"tinygrad_edu @ {args.baseline}"] = baseline_step_factory(import_at_revision(args.baseline))
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('architecture')} x{i['num_threads']}" for i in threadpool_info())
    except ImportError:
        blas = "unknown (pip install threadpoolctl to show it)"
    print(
        f"machine: {platform.machine()}, {platform.processor() or ''} python {platform.python_version()}, "
        f"numpy {np.__version__}, BLAS: {blas}"
    )
    steps = {"classic": 100, "tiny": 500}
    for name in args.workloads:
        workload = WORKLOADS[name]
        results = time_steps(workload, args.rounds, steps[name])
        floor = results["numpy (hand-written)"]
        print(
            f"\n{name}: {'-'.join(map(str, workload['sizes']))}, batch {workload['batch']}, "
            f"{workload['loss']}, median of {args.rounds} rounds x {steps[name]} steps"
        )
        print(f"  {'implementation':<22}{'ms/step':>10}{'vs NumPy':>10}")
        for impl, ms in results.items():
            print(f"  {impl:<22}{ms:10.3f}{ms / floor:9.2f}x")
    if args.memory:
        workload = WORKLOADS["classic"]
        print("\npeak traced memory of one epoch of the classic recipe (937 steps of batch 64):")
        base = epoch_peak_memory(numpy_step_factory, workload, 937)
        ours = epoch_peak_memory(tinygrad_step_factory, workload, 937)
        print(f"  numpy (hand-written) {base:8.2f} MiB\n  tinygrad_edu         {ours:8.2f} MiB   ({ours / base:.2f}x)")


if __name__ == "__main__":
    main()
