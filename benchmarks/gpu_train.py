"""ms per training step of an MLP on an NVIDIA GPU: tinygrad_edu vs hand-written CuPy vs PyTorch (if installed).

Each step is a forward pass, the cross-entropy loss, backpropagation and an SGD update (lr 0.01,
float32 everywhere). Three implementations of that step are timed:

  tinygrad_edu   the library on device "cuda": tg.Tensor(..., device="cuda"), model.to("cuda"),
                 optim.SGD; each step runs forward, loss, zero_grad, backward, step, and never
                 reads a value back to the host (no .item()). It runs twice: with each op's own
                 backward formula (the default), and as "tinygrad_edu fused" with the fused
                 gradient kernels of tinygrad_edu.fused switched on
  CuPy floor     the same forward, loss, backward and in-place SGD written by hand in CuPy
                 (CuPy's matmuls and reductions; ReLU backward, the cross-entropy gradient and
                 the SGD update one ElementwiseKernel each): the least work any engine built on
                 CuPy has to do. Should those kernels fail to compile, it runs them as plain CuPy
                 expressions and the table says so.
  PyTorch        eager PyTorch on CUDA, when torch is installed and torch.cuda.is_available()

Workloads (ReLU between the Linear layers, cross-entropy over the last layer's outputs):
  classic-64    784-1024-128-64-10, batch 64     (the Fashion-MNIST recipe: launch overhead dominates)
  classic-1024  784-1024-128-64-10, batch 1024
  wide-4096     784-4096-4096-4096-10 (three hidden layers of 4096), batch 4096 (matmul-bound)
  tiny          2-16-16-2, batch 32, 2 classes   (nothing but per-op overhead)

All implementations start from the same initial weights (PyTorch's default Linear init, from
benchmarks/train_mlp.py) and train on the same batches, which are copied to the GPU before any
timing, so no host-to-device copy is timed. Before timing, each workload checks that 3 steps of
every implementation leave the same weights (allclose, rtol 1e-4, atol 1e-5) and the same losses:
the floor really does the same work. Then every implementation warms up (kernel compilation,
cuBLAS handles, memory pools) and the implementations run interleaved, round-robin (the order
rotates each round): each round runs `steps` steps, with the device synchronised before the clock
starts and before it stops, so ms/step = elapsed / steps. The table shows the median over rounds.
TF32 stays off (CuPy's default unless CUPY_TF32=1, which the script warns about; PyTorch is set to
"highest" float32 matmul precision), so every matmul is a true float32 matmul.

With --epoch it instead times one epoch of the classic recipe (`tinygrad-edu train`: 784-1024-
128-64-10, SGD lr 0.01, batch 64, shuffled, Fashion-MNIST) on the CPU and on the GPU, with the
library's own recipes, DataLoader (over the data put on the device once, as the train command
does), fit and evaluate, and reports seconds per epoch, the speedup and the test accuracy after the epoch.

Run (needs CuPy and an NVIDIA GPU; exits with status 2 without them):
  python benchmarks/gpu_train.py                     # all workloads, well under two minutes on an H100
  python benchmarks/gpu_train.py --quick             # a smoke run: 2 rounds of 2 steps
  python benchmarks/gpu_train.py --workloads classic-64,tiny --rounds 15 --json results.json
  python benchmarks/gpu_train.py --epoch [--data-root FOLDER_WITH_THE_IDX_FILES] [--download]

The exit status is 1 when an implementation fails or the correctness check finds a difference.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import backend, fused, nn, optim, recipes
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F
from tinygrad_edu.train import evaluate, fit

BENCHMARKS = str(Path(__file__).resolve().parent)
if BENCHMARKS not in sys.path:  # train_mlp.py sits next to this file
    sys.path.insert(0, BENCHMARKS)
from train_mlp import batches, initial_weights, sequential_mlp  # noqa: E402

WORKLOADS: dict[str, dict[str, Any]] = {
    "classic-64": {"sizes": (784, 1024, 128, 64, 10), "batch": 64, "loss": "cross_entropy", "steps": 300},
    "classic-1024": {"sizes": (784, 1024, 128, 64, 10), "batch": 1024, "loss": "cross_entropy", "steps": 200},
    "wide-4096": {"sizes": (784, 4096, 4096, 4096, 10), "batch": 4096, "loss": "cross_entropy", "steps": 30},
    "tiny": {"sizes": (2, 16, 16, 2), "batch": 32, "loss": "cross_entropy", "steps": 300},
}
LR = 0.01
DISTINCT_BATCHES = 8  # each implementation cycles through the same 8 batches, already on the device
CHECK_STEPS = 3
RTOL, ATOL = 1e-4, 1e-5
OURS, OURS_FUSED, FLOOR, TORCH = "tinygrad_edu", "tinygrad_edu fused", "CuPy floor", "PyTorch"
IMPLEMENTATIONS = (OURS, OURS_FUSED, FLOOR, TORCH)
FLOOR_TARGET, WIDE_TORCH_TARGET, CLASSIC_TORCH_TARGET = 1.15, 1.1, 1.0

Weights = list[tuple[np.ndarray, np.ndarray]]


@dataclass
class Implementation:
    """One way to run the training step, on its own copy of the weights and of the batches."""

    name: str
    step: Callable[[int], Any]  # one step on batch i (mod the batch count); returns the loss, unread
    weights: Callable[[], Weights]  # host copies of every (weight, bias), for the correctness check
    synchronize: Callable[[], None]  # wait until the device has finished everything queued so far
    note: str | None = None  # anything the table should say about this implementation


# ----------------------------------------------------------------------------- the three steps
def tinygrad_implementation(
    cp: ModuleType, workload: dict, host_batches: list, fused_kernels: bool = False
) -> Implementation:
    """tinygrad_edu on "cuda": the step every user writes, with the library's model, loss and SGD;
    with ``fused_kernels`` the fused gradients of tinygrad_edu.fused are on during its steps."""
    model = sequential_mlp(nn, workload["sizes"])
    linears = list(model[::2])
    for layer, (w, b) in zip(linears, initial_weights(workload["sizes"]), strict=True):
        layer.weight.data[...] = w  # still on the CPU: NumPy into NumPy
        layer.bias.data[...] = b
    model.to("cuda")
    optimizer = optim.SGD(model.parameters(), lr=LR)
    data = [(tg.Tensor(x, device="cuda"), tg.Tensor(y, device="cuda")) for x, y in host_batches]

    def step(i: int) -> Any:
        fused.enable(fused_kernels)  # the implementations run interleaved: each sets its own mode
        x, y = data[i % len(data)]
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    def weights() -> Weights:
        return [(layer.weight.detach().numpy(), layer.bias.detach().numpy()) for layer in linears]

    return Implementation(OURS_FUSED if fused_kernels else OURS, step, weights, cp.cuda.Device().synchronize)


def cupy_floor_implementation(cp: ModuleType, workload: dict, host_batches: list) -> Implementation:
    """The same step written by hand in CuPy: no graph, no per-op bookkeeping, in-place SGD.

    Matmuls and reductions are CuPy's own; the three elementwise formulas that an engine would
    naturally fuse (and tinygrad_edu does) are one kernel each: see ``floor_kernels``.
    """
    kernels = floor_kernels(cp)
    layers = [(cp.asarray(w), cp.asarray(b)) for w, b in initial_weights(workload["sizes"])]
    data = [(cp.asarray(x), cp.asarray(y)) for x, y in host_batches]
    rows, columns = cp.arange(workload["batch"]), cp.arange(workload["sizes"][-1])
    scale = 1.0 / workload["batch"]  # the mean over the batch
    last = len(layers) - 1

    def step(i: int) -> Any:
        x, y = data[i % len(data)]
        activations = [x]  # the input of each layer
        for j, (w, b) in enumerate(layers):
            z = activations[-1] @ w.T
            z += b
            if j < last:
                cp.maximum(z, 0, out=z)  # ReLU in place
            activations.append(z)
        logits = activations.pop()
        # Cross-entropy: loss = mean(log sum exp(shifted) - shifted[target]), grad = (softmax - onehot) / n.
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = cp.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = (cp.log(total[:, 0]) - shifted[rows, y]).mean()
        grad = kernels.cross_entropy_grad(exp, total, columns, y[:, None], scale)
        for j in range(last, -1, -1):
            w, b = layers[j]
            a = activations[j]
            grad_w = grad.T @ a
            grad_b = grad.sum(axis=0)
            if j > 0:
                grad = kernels.relu_backward(grad @ w, a)  # a > 0 exactly where the ReLU's input was
            kernels.sgd(w, grad_w, LR)
            kernels.sgd(b, grad_b, LR)
        return loss

    def weights() -> Weights:
        return [(cp.asnumpy(w), cp.asnumpy(b)) for w, b in layers]

    return Implementation(FLOOR, step, weights, cp.cuda.Device().synchronize, kernels.note)


@dataclass
class FloorKernels:
    """The CuPy floor's elementwise steps: one fused kernel each, or plain CuPy expressions."""

    relu_backward: Callable[[Any, Any], Any]  # (grad, a): grad where a > 0, else 0
    cross_entropy_grad: Callable[..., Any]  # (exp, total, columns, targets, scale): (exp / total - onehot) * scale
    sgd: Callable[[Any, Any, float], None]  # (param, grad, lr): param -= lr * grad, in place
    note: str | None = None  # why the plain expressions are used, if they are


def plain_floor_kernels(note: str | None = None) -> FloorKernels:
    def sgd(param: Any, grad: Any, lr: float) -> None:
        param -= lr * grad

    return FloorKernels(
        relu_backward=lambda grad, a: grad * (a > 0),
        cross_entropy_grad=lambda exp, total, columns, targets, scale: (exp / total - (columns == targets)) * scale,
        sgd=sgd,
        note=note,
    )


@functools.cache
def floor_kernels(cp: ModuleType) -> FloorKernels:
    """The fused kernels once they pass a self-test against the plain expressions; else the plain ones."""
    try:
        fused = fused_floor_kernels(cp)
        check_same_results(cp, fused, plain_floor_kernels())
    except Exception as error:  # no CUDA compiler, or a CuPy that reads these kernels differently
        return plain_floor_kernels(f"ran unfused: its fused kernels failed ({type(error).__name__}: {error})")
    return fused


def fused_floor_kernels(cp: ModuleType) -> FloorKernels:
    relu_backward = cp.ElementwiseKernel("T grad, T a", "T out", "out = a > (T)0 ? grad : (T)0", "floor_relu_backward")
    cross_entropy_grad = cp.ElementwiseKernel(
        "T exp, T total, int64 column, int64 target, T scale",
        "T out",
        "out = (exp / total - (column == target ? (T)1 : (T)0)) * scale",
        "floor_cross_entropy_grad",
    )
    sgd = cp.ElementwiseKernel("T grad, T lr", "T param", "param -= lr * grad", "floor_sgd")
    return FloorKernels(relu_backward, cross_entropy_grad, lambda param, grad, lr: sgd(grad, lr, param))


def check_same_results(cp: ModuleType, fused: FloorKernels, plain: FloorKernels) -> None:
    """Raise ValueError unless both sets of kernels give the same float32 values on a small example."""
    rng = np.random.default_rng(2)
    grad, a = (cp.asarray(rng.standard_normal((4, 3), dtype=np.float32)) for _ in range(2))
    exp = cp.asarray(rng.uniform(0.1, 1.0, (4, 3)).astype(np.float32))
    total, columns, targets = exp.sum(axis=1, keepdims=True), cp.arange(3), cp.asarray(np.array([[0], [2], [1], [2]]))
    params = [a.copy(), a.copy()]
    fused.sgd(params[0], grad, LR)
    plain.sgd(params[1], grad, LR)
    results = {
        "relu_backward": (fused.relu_backward(grad, a), plain.relu_backward(grad, a)),
        "cross_entropy_grad": tuple(k.cross_entropy_grad(exp, total, columns, targets, 0.25) for k in (fused, plain)),
        "sgd": tuple(params),
    }
    for name, (got, expected) in results.items():
        got, expected = cp.asnumpy(got), cp.asnumpy(expected)
        if got.dtype != np.float32 or not np.allclose(got, expected, rtol=1e-6, atol=1e-7):
            raise ValueError(f"{name}: {got.dtype} {got.tolist()} instead of {expected.tolist()}")


def torch_implementation(workload: dict, host_batches: list) -> Implementation | str:
    """Eager PyTorch on CUDA, or the reason it cannot run here."""
    try:
        import torch
    except ImportError:
        return "n/a: PyTorch is not installed"
    if not torch.cuda.is_available():
        return f"n/a: torch {torch.__version__} sees no GPU (torch.cuda.is_available() is False)"
    torch.set_float32_matmul_precision("highest")  # float32 matmuls, no TF32 (the default, made sure of)
    model = sequential_mlp(torch.nn, workload["sizes"])
    linears = list(model[::2])
    with torch.no_grad():
        for layer, (w, b) in zip(linears, initial_weights(workload["sizes"]), strict=True):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    model.to("cuda")
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    data = [(torch.from_numpy(x).to("cuda"), torch.from_numpy(y).to("cuda")) for x, y in host_batches]

    def step(i: int) -> Any:
        x, y = data[i % len(data)]
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    def weights() -> Weights:
        return [(layer.weight.detach().cpu().numpy(), layer.bias.detach().cpu().numpy()) for layer in linears]

    return Implementation(TORCH, step, weights, torch.cuda.synchronize)


# ----------------------------------------------------------------------------- check and timing
def guarded(name: str, errors: dict[str, str], action: Callable[[], Any]) -> Any:
    """Run ``action``; on an exception record it under ``name`` (with the traceback on stderr) and return None."""
    try:
        return action()
    except Exception as error:
        traceback.print_exc()
        errors[name] = f"error: {type(error).__name__}: {error}"
        return None


def check_agreement(implementations: list[Implementation], errors: dict[str, str]) -> dict[str, Any]:
    """Run CHECK_STEPS steps of each implementation; compare weights and losses with the CuPy floor's."""
    finals: dict[str, tuple[Weights, list[float]]] = {}
    for impl in implementations:

        def run(impl: Implementation = impl) -> tuple[Weights, list[float]]:
            losses = [impl.step(i) for i in range(CHECK_STEPS)]
            impl.synchronize()
            return impl.weights(), [float(loss.item()) for loss in losses]

        result = guarded(impl.name, errors, run)
        if result is not None:
            finals[impl.name] = result
    report: dict[str, Any] = {"steps": CHECK_STEPS, "rtol": RTOL, "atol": ATOL, "ok": True, "compared": {}}
    if FLOOR not in finals:
        report["ok"] = False
        return report
    floor_weights, floor_losses = finals[FLOOR]
    for name, (weights, losses) in finals.items():
        if name != FLOOR:
            report["compared"][name] = compare(weights, losses, floor_weights, floor_losses)
            report["ok"] = report["ok"] and report["compared"][name]["ok"]
    report["floor_losses"] = floor_losses
    return report


def compare(weights: Weights, losses: list[float], reference: Weights, reference_losses: list[float]) -> dict:
    """Largest differences of the weights and losses from the reference, and whether all are allclose."""
    pairs = [(a, b) for layer, ref in zip(weights, reference, strict=True) for a, b in zip(layer, ref, strict=True)]
    close = all(np.allclose(a, b, rtol=RTOL, atol=ATOL) for a, b in pairs)
    close = close and np.allclose(losses, reference_losses, rtol=RTOL, atol=ATOL)
    return {
        "ok": bool(close),
        "max_abs_weight_diff": max(float(np.max(np.abs(a - b))) for a, b in pairs),
        "losses": losses,
    }


def time_round(impl: Implementation, steps: int) -> float:
    """ms per step over ``steps`` steps, the device idle when the clock starts and when it stops."""
    gc.collect()
    impl.synchronize()
    start = time.perf_counter()
    for i in range(steps):
        impl.step(i)
    impl.synchronize()
    return (time.perf_counter() - start) * 1000 / steps


def warm_up(impl: Implementation, steps: int) -> None:
    for i in range(steps):
        impl.step(i)
    impl.synchronize()


def build_implementations(
    cp: ModuleType, workload: dict, errors: dict[str, str], notes: dict[str, str]
) -> list[Implementation]:
    host_batches = batches(workload, DISTINCT_BATCHES)
    implementations = []
    factories = (
        (OURS, tinygrad_implementation),
        (OURS_FUSED, functools.partial(tinygrad_implementation, fused_kernels=True)),
        (FLOOR, cupy_floor_implementation),
    )
    for name, factory in factories:
        impl = guarded(name, errors, lambda factory=factory: factory(cp, workload, host_batches))
        if impl is not None:
            implementations.append(impl)
    notes.update({impl.name: impl.note for impl in implementations if impl.note})
    torch_impl = guarded(TORCH, errors, lambda: torch_implementation(workload, host_batches))
    if isinstance(torch_impl, str):
        notes[TORCH] = torch_impl
    elif torch_impl is not None:
        implementations.append(torch_impl)
    return implementations


def run_workload(cp: ModuleType, name: str, rounds: int, steps: int, warmup: int) -> dict[str, Any]:
    """Check, warm up, then time every implementation, interleaved round by round."""
    workload = WORKLOADS[name]
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}
    implementations = build_implementations(cp, workload, errors, notes)
    check = check_agreement(implementations, errors)
    print(f"{name}: check after {CHECK_STEPS} steps: {describe_check(check)}", flush=True)
    implementations = [impl for impl in implementations if impl.name not in errors]
    for impl in implementations:
        guarded(impl.name, errors, lambda impl=impl: warm_up(impl, warmup))
    times: dict[str, list[float]] = {impl.name: [] for impl in implementations}
    for round_index in range(rounds):
        shift = round_index % max(len(implementations), 1)
        for impl in implementations[shift:] + implementations[:shift]:
            if impl.name not in errors:
                ms = guarded(impl.name, errors, lambda impl=impl: time_round(impl, steps))
                if ms is not None:
                    times[impl.name].append(ms)
    del implementations
    fused.disable()  # leave the library's default behind
    gc.collect()
    medians = {impl: statistics.median(values) for impl, values in times.items() if values and impl not in errors}
    print(f"{name}: " + ", ".join(f"{impl} {ms:.3f} ms" for impl, ms in medians.items()), flush=True)
    return {
        "workload": name,
        "sizes": list(workload["sizes"]),
        "batch": workload["batch"],
        "steps": steps,
        "rounds": rounds,
        "median_ms": medians,
        "round_ms": times,
        "notes": {**notes, **errors},
        "errors": sorted(errors),
        "check": check,
    }


def describe_check(check: dict[str, Any]) -> str:
    if not check["compared"]:
        return "nothing to compare with the CuPy floor" + ("" if check["ok"] else " (see the errors above)")
    parts = [
        f"{name} vs {FLOOR}: max |dw| {result['max_abs_weight_diff']:.2e}, {'agree' if result['ok'] else 'DIFFER'}"
        for name, result in check["compared"].items()
    ]
    return "; ".join(parts) + ("" if check["ok"] else "  <-- CORRECTNESS CHECK FAILED")


# ----------------------------------------------------------------------------- reporting
def environment(cp: ModuleType) -> dict[str, str]:
    """GPU name and the versions of everything involved."""
    device = cp.cuda.Device()
    name = cp.cuda.runtime.getDeviceProperties(device.id)["name"]
    info = {
        "gpu": name.decode() if isinstance(name, bytes) else str(name),
        "cupy": cp.__version__,
        "cuda_runtime": cuda_version(cp.cuda.runtime.runtimeGetVersion()),
        "driver": driver_version(cp),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    try:
        import torch

        info["pytorch"] = f"{torch.__version__} (CUDA {torch.version.cuda})"
    except ImportError:
        info["pytorch"] = "not installed"
    return info


def cuda_version(number: int) -> str:
    """CUDA's version integers: 12040 -> "12.4"."""
    return f"{number // 1000}.{number % 1000 // 10}"


def driver_version(cp: ModuleType) -> str:
    """The driver release from nvidia-smi when it is there, and the CUDA version the driver supports."""
    supports = f"supports CUDA {cuda_version(cp.cuda.runtime.driverGetVersion())}"
    try:
        query = ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"]
        release = subprocess.run(query, capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return supports
    return f"{release.splitlines()[0].strip()} ({supports})" if release.strip() else supports


def header(info: dict[str, str]) -> str:
    return (
        f"GPU: {info['gpu']}; CuPy {info['cupy']}, CUDA runtime {info['cuda_runtime']}, driver {info['driver']}, "
        f"NumPy {info['numpy']}, PyTorch {info['pytorch']}, Python {info['python']}"
    )


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"| workload | {OURS} ms | {OURS_FUSED} ms | {FLOOR} ms | {TORCH} ms "
        "| ours/floor | fused/floor | ours/PyTorch | fused/PyTorch |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        ms = result["median_ms"]
        cells = [f"{ms[impl]:.3f}" if impl in ms else cell_note(result["notes"].get(impl)) for impl in IMPLEMENTATIONS]
        ratios = [ratio(ms.get(ours), ms.get(other)) for other in (FLOOR, TORCH) for ours in (OURS, OURS_FUSED)]
        sizes = "-".join(map(str, result["sizes"]))
        lines.append(
            f"| {result['workload']}: {sizes}, batch {result['batch']} | "
            + " | ".join(cells + [f"{r:.2f}x" if r is not None else "n/a" for r in ratios])
            + " |"
        )
    return "\n".join(lines)


def cell_note(note: str | None) -> str:
    """What a table cell without a time says; the full note is printed under the table."""
    return "error" if note and note.startswith("error") else "n/a"


def notes(results: list[dict[str, Any]]) -> list[str]:
    """Each distinct reason for a missing time, with the workloads it applies to."""
    workloads: dict[str, list[str]] = {}
    for result in results:
        for impl, note in result["notes"].items():
            workloads.setdefault(f"{impl}: {note}", []).append(result["workload"])
    return [f"{text} ({', '.join(names)})" for text, names in workloads.items()]


def targets(results: list[dict[str, Any]]) -> list[str]:
    """The speed targets, each with the measured ratio (without and with the fused kernels) and whether it was met."""
    by_name = {result["workload"]: result["median_ms"] for result in results}
    lines = [f"Targets: within {FLOOR_TARGET}x of the CuPy floor on every case"]
    for name, ms in by_name.items():
        lines.append(f"  {name}: {verdicts(ms, FLOOR, FLOOR_TARGET)}")
    for name, limit, text in (
        ("wide-4096", WIDE_TORCH_TARGET, f"within {WIDE_TORCH_TARGET}x of PyTorch on wide-4096"),
        ("classic-64", CLASSIC_TORCH_TARGET, "at or below PyTorch eager on classic-64"),
    ):
        lines.append(f"{text}: {verdicts(by_name.get(name), TORCH, limit)}")
    return lines


def verdicts(ms: dict[str, float] | None, other: str, limit: float) -> str:
    """``ours/<other> ...; fused/<other> ...`` for one workload's medians."""
    label = "floor" if other == FLOOR else "PyTorch"
    return "; ".join(
        f"{short}/{label} {verdict(ratio(ms.get(ours), ms.get(other)) if ms else None, limit)}"
        for short, ours in (("ours", OURS), ("fused", OURS_FUSED))
    )


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "not measured"
    return f"{value:.2f}x ({'met' if value <= limit else 'MISSED'})"


def write_json(path: str | None, payload: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {path}")


# ----------------------------------------------------------------------------- --epoch
def epoch_on(data: recipes.ClassificationData, device: str, synchronize: Callable[[], None]) -> dict[str, Any]:
    """One timed epoch of the classic recipe on ``device``, after a short warm-up on a throwaway model."""
    one_epoch(data, device, synchronize, limit=20 * 64)  # kernels compiled, memory pools and caches filled
    return one_epoch(data, device, synchronize)


def on_device(x: np.ndarray, y: np.ndarray, device: str) -> TensorDataset:
    return TensorDataset(tg.Tensor(x, device=device), tg.Tensor(y, device=device))


def one_epoch(
    data: recipes.ClassificationData, device: str, synchronize: Callable[[], None], limit: int | None = None
) -> dict[str, Any]:
    """Train a fresh classic MLP for one epoch (on the first ``limit`` samples), then evaluate on the test set."""
    tg.manual_seed(0)  # the same initial weights and batch order on both devices
    model = recipes.build_mlp(data.features, recipes.CLASSIC_HIDDEN, data.classes).to(device)
    optimizer = recipes.make_optimizer("sgd", model.parameters(), LR)
    loss_fn = nn.CrossEntropyLoss()
    # As `tinygrad-edu train` does: the data goes to the device once (not timed), batches are gathered there.
    train = on_device(data.x_train[:limit], data.y_train[:limit], device)
    test = on_device(data.x_test[:limit], data.y_test[:limit], device)
    synchronize()
    start = time.perf_counter()
    history = fit(
        model,
        DataLoader(train, 64, shuffle=True, drop_last=True),
        loss_fn,
        optimizer,
        epochs=1,
        verbose=False,
        progress=False,
    )
    synchronize()
    seconds = time.perf_counter() - start
    results = evaluate(model, DataLoader(test, 64), loss_fn)
    return {
        "seconds": seconds,
        "train_loss": history.history["loss"][-1],
        "test_accuracy": results["accuracy"],
        "test_loss": results["loss"],
    }


def epoch_mode(cp: ModuleType, args: argparse.Namespace, info: dict[str, str]) -> int:
    try:
        data = recipes.load_classification("fashion-mnist", root=args.data_root, download=args.download)
    except (OSError, RuntimeError, ValueError) as error:
        print(f"gpu_train.py --epoch: cannot load Fashion-MNIST: {error}", file=sys.stderr)
        return 2
    print(f"one epoch of the classic recipe (784-1024-128-64-10, SGD lr {LR}, batch 64), {len(data.x_train)} samples")
    devices = {"cpu": lambda: None, "cuda": cp.cuda.Device().synchronize}
    results = {device: epoch_on(data, device, synchronize) for device, synchronize in devices.items()}
    print("\n| device | s/epoch | train loss | test accuracy | test loss |\n| --- | --- | --- | --- | --- |")
    for device, result in results.items():
        print(
            f"| {device} | {result['seconds']:.2f} | {result['train_loss']:.4f} | "
            f"{100 * result['test_accuracy']:.2f}% | {result['test_loss']:.4f} |"
        )
    speedup = results["cpu"]["seconds"] / results["cuda"]["seconds"]
    print(f"\nGPU speedup over the CPU ({platform.machine()}, NumPy {np.__version__}): {speedup:.2f}x")
    write_json(args.json, {"environment": info, "epoch": results, "speedup": speedup})
    return 0


# ----------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds per implementation (default 9)")
    parser.add_argument("--steps", type=int, default=None, help="steps per round (default: per workload)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps per implementation (default 10)")
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma-separated subset of {', '.join(WORKLOADS)}"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 rounds of 2 steps, 1 warm-up step")
    parser.add_argument("--json", metavar="PATH", default=None, help="also write the results to PATH as JSON")
    parser.add_argument("--epoch", action="store_true", help="time one epoch of the classic recipe, CPU vs GPU")
    parser.add_argument("--data-root", default=None, help="folder with the Fashion-MNIST IDX files (for --epoch)")
    parser.add_argument(
        "--download", action="store_true", help="--epoch: download Fashion-MNIST when it is not found (default: fail)"
    )
    args = parser.parse_args(argv)
    args.workloads = [name.strip() for name in args.workloads.split(",") if name.strip()]
    unknown = [name for name in args.workloads if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    if args.quick:
        args.rounds, args.steps, args.warmup = 2, 2, 1
    if args.rounds < 1 or (args.steps is not None and args.steps < 1) or args.warmup < 0:
        parser.error("--rounds and --steps must be at least 1, --warmup at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        cp = backend.array_module("cuda")
    except RuntimeError as error:
        print(f"gpu_train.py: {error}", file=sys.stderr)
        return 2
    info = environment(cp)
    print(header(info), flush=True)
    if os.environ.get("CUPY_TF32", "0") != "0":
        print("warning: CUPY_TF32 is set: CuPy's float32 matmuls use TF32 and PyTorch's do not", file=sys.stderr)
    if args.epoch:
        return epoch_mode(cp, args, info)
    results = []
    for name in args.workloads:
        steps = args.steps or WORKLOADS[name]["steps"]
        results.append(run_workload(cp, name, args.rounds, steps, args.warmup))
    per_round = ", ".join(f"{result['workload']} {result['steps']}" for result in results)
    print(f"\nms per training step, median of {args.rounds} rounds (steps per round: {per_round}), float32\n")
    print(table(results))
    print("\n" + "\n".join(notes(results)) if notes(results) else "")
    print()
    print("\n".join(targets(results)))
    write_json(args.json, {"environment": info, "results": results})
    failed = [r["workload"] for r in results if r["errors"] or not r["check"]["ok"]]
    if failed:
        print(f"\nfailures (errors or a failed correctness check) in: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
