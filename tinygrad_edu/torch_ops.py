"""The op table in PyTorch: each row of ``opspecs.OP_SPECS`` written for torch tensors.

The gradient-check suite runs ``torch.autograd.gradcheck`` on these functions with the same
inputs, parameters, eps and tolerances as our ``gradcheck``, to compare the two checkers' time.
Each function takes the same positional inputs and keyword parameters as its OpSpec row, so a
row here must compute exactly what the row there does (the suite verifies the outputs agree).

This module imports PyTorch, which tinygrad_edu never requires: import it only where PyTorch
is optional (``try: from tinygrad_edu import torch_ops``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .opspecs import fixed_dropout_scale
from .tensor import Tensor


def _dims(x: torch.Tensor, axis: int | tuple[int, ...] | None) -> int | tuple[int, ...]:
    """NumPy's ``axis=None`` (every axis) in PyTorch's spelling."""
    return tuple(range(x.ndim)) if axis is None else axis


def _reversed_axes(x: torch.Tensor) -> tuple[int, ...]:
    """NumPy's default transpose (``x.T``, ``x.transpose()``) reverses every axis."""
    return tuple(reversed(range(x.ndim)))


@functools.lru_cache(maxsize=16)
def _dropout_scale(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """The fixed dropout mask of ``dropout_fixed_mask``, taken from our op once per shape."""
    return torch.from_numpy(fixed_dropout_scale(shape)).to(dtype)


TORCH_FUNCTIONS: dict[str, Callable[..., torch.Tensor]] = {
    # arithmetic, with broadcasting
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "matmul": lambda a, b: a @ b,
    # with a Python number on one side
    "neg": lambda x: -x,
    "radd_scalar": lambda x: 2.5 + x,
    "rsub_scalar": lambda x: 2.5 - x,
    "mul_scalar": lambda x: x * -1.5,
    "rdiv_scalar": lambda x: 2.0 / x,
    "pow_scalar": lambda x: x**3,
    "sqrt_as_pow": lambda x: x**0.5,
    "rpow_scalar": lambda x: 2.0**x,
    # elementwise functions
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "softplus": F.softplus,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "clip": lambda x: x.clamp(-1.0, 1.5),
    # reductions
    "sum": lambda x, axis=None, keepdims=False: x.sum(_dims(x, axis), keepdim=keepdims),
    "mean": lambda x, axis=None, keepdims=False: x.mean(_dims(x, axis), keepdim=keepdims),
    "max": lambda x, axis=None, keepdims=False: x.amax(_dims(x, axis), keepdim=keepdims),
    "min": lambda x, axis=None, keepdims=False: x.amin(_dims(x, axis), keepdim=keepdims),
    "var": lambda x, axis=None, keepdims=False: x.var(_dims(x, axis), keepdim=keepdims, correction=0),
    "logsumexp": lambda x, axis=None, keepdims=False: x.logsumexp(_dims(x, axis), keepdim=keepdims),
    # along one axis
    "softmax": lambda x, axis=-1: x.softmax(axis),
    "log_softmax": lambda x, axis=-1: x.log_softmax(axis),
    # shape and indexing
    "reshape": lambda x, shape=(-1,): x.reshape(shape),
    "flatten": lambda x: x.flatten(),
    "clone": lambda x: x.clone(),
    "transpose": lambda x, axes=None: x.permute(axes or _reversed_axes(x)),
    "T": lambda x: x.permute(_reversed_axes(x)),
    "expand": lambda x, shape=(): x.expand(shape),
    "getitem": lambda x, index=0: x[index],
    "cat": lambda *ts, axis=0: torch.cat(ts, axis),
    "stack": lambda *ts, axis=0: torch.stack(ts, axis),
    "where": torch.where,
    # layers and losses
    "linear": F.linear,
    "batch_norm": lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
    "dropout_fixed_mask": lambda x: x * _dropout_scale(tuple(x.shape), x.dtype),
    "cross_entropy": F.cross_entropy,
    "nll_loss": F.nll_loss,
    "mse_loss": F.mse_loss,
    "l1_loss": F.l1_loss,
    "binary_cross_entropy": F.binary_cross_entropy,
    "bce_with_logits": F.binary_cross_entropy_with_logits,
}


def to_torch(value: Any) -> Any:
    """Our argument as PyTorch's: Tensors and arrays become torch tensors (a copy, keeping
    ``requires_grad``), tuples are converted element by element, anything else is kept."""
    if isinstance(value, Tensor):
        return torch.from_numpy(value.numpy().copy()).requires_grad_(value.requires_grad)
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, tuple):
        return tuple(to_torch(v) for v in value)
    return value
