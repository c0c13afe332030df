"""Kernel launches per training step of the classic MLP on "cuda", counted without a GPU.

A GPU pays a fixed cost per kernel launch, so for small models the launch count predicts the step
time better than the arithmetic does. This script runs the classic 784-1024-128-64-10 MLP (batch
64, cross-entropy) on the test double ``tests/fake_cupy.py``, which counts one launch per CuPy call
that computes or allocates (a ``cupy.fuse`` kernel is one), and prints, for the third step of SGD,
SGD with momentum and Adam, the launches of the forward pass, backward pass and optimizer step,
and the copies between host and device: first with each op's own backward formula (the default),
then with the fused gradient kernels of ``tinygrad_edu.fused`` switched on.

    python benchmarks/gpu_launches.py

A count is a model of GPU cost, not a timing: ``benchmarks/gpu_train.py`` measures on a GPU.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import fake_cupy

fake_cupy.install()

import tinygrad_edu as tg  # noqa: E402 - after the fake CuPy is in place
from tinygrad_edu import optim, recipes  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

OPTIMIZERS: dict[str, Callable[[Any], optim.Optimizer]] = {
    "SGD": lambda params: optim.SGD(params, lr=0.01),
    "SGD momentum 0.9": lambda params: optim.SGD(params, lr=0.01, momentum=0.9),
    "Adam": lambda params: optim.Adam(params, lr=1e-3),
}


def count_step(make_optimizer: Callable[[Any], optim.Optimizer], steps: int = 3) -> dict[str, int]:
    """Launches of each phase, and copies, in the last of ``steps`` steps (the first ones make state)."""
    tg.manual_seed(0)
    model = recipes.build_mlp(784, recipes.CLASSIC_HIDDEN, 10).to("cuda")
    optimizer = make_optimizer(model.parameters())
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((64, 784)).astype(np.float32), device="cuda")
    y = tg.Tensor(rng.integers(0, 10, 64), device="cuda")
    counts: dict[str, int] = {}
    for _ in range(steps):
        stats = fake_cupy.STATS
        stats.clear()
        loss = F.cross_entropy(model(x), y)
        counts["forward"] = stats["launches"]
        optimizer.zero_grad()
        loss.backward()
        counts["backward"] = stats["launches"] - counts["forward"]
        optimizer.step()
        counts["optimizer step"] = stats["launches"] - counts["forward"] - counts["backward"]
        counts["total"] = stats["launches"]
        counts["host<->device copies"] = stats["to_device"] + stats["to_host"]
        counts["host syncs"] = stats["syncs"]
    return counts


def main() -> None:
    rows = {}
    for fused_kernels in (False, True):
        tg.fused.enable(fused_kernels)
        for name, make in OPTIMIZERS.items():
            rows[f"{name}{', fused kernels' if fused_kernels else ''}"] = count_step(make)
    tg.fused.disable()
    columns = list(next(iter(rows.values())))
    print("| classic MLP, batch 64, one step | " + " | ".join(columns) + " |")
    print("| --- " * (len(columns) + 1) + "|")
    for name, counts in rows.items():
        print(f"| {name} | " + " | ".join(str(counts[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
