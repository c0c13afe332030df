"""Gradient checks of every op (full and fast mode, float64 and float32) against planted bugs and PyTorch.

The suite itself is ``tinygrad_edu.testing.suite`` (also ``tinygrad-edu gradcheck``, without the
comparison). This script adds the comparison with PyTorch when it is installed: on every float64
case ``torch.autograd.gradcheck`` (or ``gradgradcheck``) checks the same row of the op table with
``lib = torch``, on copies of the same inputs, with the same eps and tolerances. Run with NumPy's
own BLAS kernel choice:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/gradcheck_suite.py [--quick] [--no-torch]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.testing import suite
from tinygrad_edu.testing.suite import CaseInputs, Comparison, Verdict, timed


def to_torch(value: Any) -> Any:
    """Our argument as PyTorch's: Tensors and arrays become torch tensors (a copy, keeping
    ``requires_grad``), tuples are converted element by element, anything else is kept."""
    import torch

    if isinstance(value, Tensor):
        return torch.from_numpy(value.detach().numpy().copy()).requires_grad_(value.requires_grad)
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, tuple):
        return tuple(to_torch(v) for v in value)
    return value


def torch_arguments(inputs: tuple, params: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
    """A row's positional inputs and keyword parameters, converted with ``to_torch``."""
    return to_torch(inputs), {name: to_torch(value) for name, value in params.items()}


def check_with_torch(case: CaseInputs) -> Verdict:
    """Time ``torch.autograd.gradcheck`` (or gradgradcheck) on the case's row with ``lib = torch``.

    First the two libraries' outputs must agree (else the times would compare different
    functions); a row that draws its own random numbers (``draws_random``) is checked without
    that, as each library draws a mask of its own."""
    import torch

    spec, (inputs, params) = case.spec, torch_arguments(case.inputs, case.params)

    def fn(*tensors: torch.Tensor) -> torch.Tensor:
        return spec.op(torch, *tensors, **params)

    if not spec.draws_random:
        with torch.no_grad():
            ours, theirs = spec.fn(*case.inputs, **case.params).detach().numpy(), fn(*inputs).detach().numpy()
        if ours.shape != theirs.shape or not np.allclose(ours, theirs, rtol=1e-10, atol=1e-12):
            return Verdict(None, None, f"PyTorch's {spec.name} computes other values: not compared")
    tol = case.tolerances
    options = {"eps": tol.eps, "atol": tol.atol, "rtol": tol.rtol, "fast_mode": case.fast_mode}
    if case.grad_outputs is None:
        check = lambda: torch.autograd.gradcheck(fn, inputs, raise_exception=False, **options)  # noqa: E731
    else:
        grad_outputs = to_torch(tuple(case.grad_outputs))
        check = lambda: torch.autograd.gradgradcheck(  # noqa: E731
            fn, inputs, grad_outputs, raise_exception=False, **options
        )
    try:
        passed, ms = timed(check)
    except Exception as error:  # PyTorch's checker can refuse a function (e.g. a missing derivative)
        return Verdict(False, None, f"PyTorch: {type(error).__name__}: {str(error).splitlines()[0]}")
    return Verdict(passed, ms)


def torch_comparison(args: argparse.Namespace) -> Comparison | None:
    """The comparison with PyTorch, warmed up (the first gradcheck of a process pays PyTorch's
    set-up); None with ``--no-torch`` or when PyTorch is not installed."""
    if args.no_torch:
        return None
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: no comparison with torch.autograd.gradcheck")
        return None
    x = torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(3, 4).requires_grad_()
    for fast_mode in (False, True):
        torch.autograd.gradcheck(torch.tanh, (x,), fast_mode=fast_mode)
        torch.autograd.gradgradcheck(torch.tanh, (x,), fast_mode=fast_mode)
    return Comparison(check_with_torch, {"torch": torch.__version__, "torch_threads": torch.get_num_threads()})


def main(argv: Sequence[str] | None = None) -> int:
    """The suite with the PyTorch comparison: parse ``argv`` (default ``sys.argv[1:]``), run, return the exit status."""
    return suite.main(argv, compare_with=torch_comparison)


if __name__ == "__main__":
    sys.exit(main())
