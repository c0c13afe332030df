"""The main job for now: an MLP learns XOR with the bare engine, then every op's gradient is checked.

Nothing here is hidden behind a framework: the weights are Tensors, the forward pass is four
lines, ``loss.backward()`` fills ``.grad``, and gradient descent is one line per weight.
"""

from __future__ import annotations

import time

import numpy as np

from . import creation
from .autograd import no_grad
from .gradcheck import check_gradients
from .tensor import Tensor
from .testing import OP_SPECS, example_arguments

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]


def train_xor(hidden: int = 4, steps: int = 2000, lr: float = 0.5, seed: int = 0, log_every: int = 200) -> float:
    """Train a 2-hidden-1 MLP (tanh, then sigmoid) on XOR by full-batch gradient descent.

    Prints the loss as it falls and the learned truth table; returns the final loss.
    """
    creation.manual_seed(seed)
    x, y = Tensor(XOR_INPUTS), Tensor(XOR_TARGETS)
    w1 = creation.randn(2, hidden, requires_grad=True)
    b1 = creation.zeros(hidden, requires_grad=True)
    w2 = creation.randn(hidden, 1, requires_grad=True)
    b2 = creation.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    print(f"XOR with a 2-{hidden}-1 MLP (tanh hidden layer, sigmoid output), binary cross-entropy, lr={lr}")
    for step in range(1, steps + 1):
        p = ((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()  # forward pass
        p = p.clip(1e-7, 1 - 1e-7)  # keep log() finite if a prediction saturates
        loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()  # binary cross-entropy
        for param in params:
            param.grad = None
        loss.backward()  # backpropagation: d loss / d param for every param
        with no_grad():
            for param in params:
                param.data -= lr * param.grad.data  # gradient descent
        if step == 1 or step % log_every == 0:
            print(f"  step {step:5d}   loss {loss.item():.6f}")

    with no_grad():
        p = ((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()
    print("\n  x1  x2 | target | p(y=1)  | predicted")
    for (x1, x2), (target,), (prob,) in zip(XOR_INPUTS, XOR_TARGETS, p.tolist(), strict=True):
        print(f"  {x1:2.0f}  {x2:2.0f} | {target:6.0f} | {prob:.4f}  | {int(prob > 0.5):9d}")
    return loss.item()


def gradcheck_table(seed: int = 0) -> bool:
    """Check every op of the op table with gradcheck (full and fast mode, float64); print a table."""
    rng = np.random.default_rng(seed)
    header = f"{'op':<20} {'kind':<10} {'input shapes':<18} {'max abs err':>11} {'max rel err':>11}  full  fast"
    header += f"  {'ms':>6}"
    print(f"\nGradient check of every op: backward() vs central differences (float64, eps=1e-6)\n{header}")
    print("-" * len(header))
    all_passed = True
    for spec in OP_SPECS:
        inputs, params = example_arguments(spec, rng)

        def fn(*tensors: Tensor, spec=spec, params=params) -> Tensor:
            return spec.fn(*tensors, **params)

        start = time.perf_counter()
        full = check_gradients(fn, inputs)
        fast = check_gradients(fn, inputs, fast_mode=True)
        elapsed = (time.perf_counter() - start) * 1000
        shapes = " ".join("x".join(map(str, t.shape)) or "()" for t in inputs)
        print(
            f"{spec.name:<20} {spec.kind:<10} {shapes:<18} {full.max_abs_error:11.1e} {full.max_rel_error:11.1e}  "
            f"{_mark(full.passed)}  {_mark(fast.passed)}  {elapsed:6.1f}"
        )
        all_passed &= full.passed and fast.passed
    print(f"\n{len(OP_SPECS)} ops checked: {'all gradients agree' if all_passed else 'SOME GRADIENTS DISAGREE'}")
    return all_passed


def _mark(passed: bool) -> str:
    return " ok " if passed else "FAIL"
