"""Fused kernels: a whole elementwise formula in one GPU launch, plain NumPy on the CPU.

On a GPU every array operation is a kernel launch with a fixed cost (microseconds of Python,
CuPy and driver work) however small the arrays are. A training step of an MLP is a hundred small
operations, so on small models launches, not arithmetic, set the speed. ``grad * (x > 0)`` is
two launches and a temporary array; fused, it is one kernel that reads each input once.

Each kernel here is one Python function, written once with ``xp``, the array module:

- on the CPU it runs as written, as ordinary NumPy calls;
- on the GPU ``cupy.fuse`` traces it (once per input dtypes) into a single CUDA kernel.

If CuPy cannot fuse a formula, the kernel runs it unfused instead, warns once and records why in
``FALLBACKS``: slower, never wrong. Scalars (learning rates, betas) are passed as Python numbers;
a formula that returns a new array casts it to its input's dtype, so a float32 step stays float32.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from .backend import get_array_module

FALLBACKS: dict[str, str] = {}  # kernel name -> why CuPy could not fuse it


class Kernel:
    """A formula ``formula(xp, *arrays_and_numbers)``, fused on the GPU, called as ``kernel(*args)``."""

    def __init__(self, formula: Callable[..., Any]) -> None:
        self.formula = formula
        self.name = formula.__name__
        self.__doc__ = formula.__doc__
        self._fused: Callable[..., Any] | None = None

    def __call__(self, *args: Any) -> Any:
        xp = get_array_module(args[0])
        if xp is np:
            return self.formula(np, *args)
        if self.name in FALLBACKS:
            return self.formula(xp, *args)
        try:
            return self._fused_with(xp)(*args)
        except Exception as error:  # CuPy could not trace or compile this formula
            result = self.formula(xp, *args)  # an error of the arguments themselves is raised here
            FALLBACKS[self.name] = f"{type(error).__name__}: {error}"
            warnings.warn(f"kernel {self.name} runs unfused: cupy.fuse failed ({error})", RuntimeWarning, stacklevel=2)
            return result

    def _fused_with(self, xp: ModuleType) -> Callable[..., Any]:
        if self._fused is None:
            formula = self.formula

            def bound(*args: Any) -> Any:
                return formula(xp, *args)

            bound.__name__ = self.name
            self._fused = xp.fuse(kernel_name=self.name)(bound)
        return self._fused


def kernel(formula: Callable[..., Any]) -> Kernel:
    """Decorator: make ``formula(xp, ...)`` a ``Kernel``."""
    return Kernel(formula)


# ----------------------------------------------------------------------------- activations
@kernel
def relu_backward(xp: ModuleType, grad: Any, x: Any) -> Any:
    """dL/dx = dL/dy where x > 0, else 0."""
    return grad * (x > 0)


@kernel
def leaky_relu_backward(xp: ModuleType, grad: Any, x: Any, slope: float) -> Any:
    """dL/dx = dL/dy where x > 0, else slope * dL/dy."""
    return xp.where(x > 0, grad, grad * slope).astype(grad.dtype, copy=False)


@kernel
def tanh_backward(xp: ModuleType, grad: Any, y: Any) -> Any:
    """dL/dx = dL/dy (1 - y²), from the output y = tanh(x)."""
    return (grad * (1 - y * y)).astype(grad.dtype, copy=False)


@kernel
def sigmoid_backward(xp: ModuleType, grad: Any, y: Any) -> Any:
    """dL/dx = dL/dy y (1 - y), from the output y = sigmoid(x)."""
    return (grad * y * (1 - y)).astype(grad.dtype, copy=False)


# ----------------------------------------------------------------------------- softmax cross-entropy
@kernel
def log_sum_exp(xp: ModuleType, shifted: Any) -> Any:
    """log(sum_j e**shifted_j) over the last axis, kept as a column: the log of softmax's denominator."""
    return xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))


@kernel
def softmax_cross_entropy_backward(
    xp: ModuleType, shifted: Any, log_normalizer: Any, classes: Any, columns: Any, grad: Any, scale: float
) -> Any:
    """dL/dx_ij = (softmax(x_i)_j - [j == t_i]) * grad_i * scale.

    ``softmax = e**(shifted - log_normalizer)``; comparing each column number with the sample's
    class makes the one-hot row inside the kernel, without building it in memory.
    """
    return ((xp.exp(shifted - log_normalizer) - (columns == classes)) * (grad * scale)).astype(
        shifted.dtype, copy=False
    )


@functools.lru_cache(maxsize=32)
def class_columns(xp: ModuleType, count: int) -> Any:
    """[0, 1, ..., count - 1] on xp's device, made once per class count."""
    return xp.arange(count)


# ----------------------------------------------------------------------------- optimizer updates
@kernel
def descend(xp: ModuleType, param: Any, direction: Any, lr: float) -> None:
    """θ ← θ - γ d, in place."""
    param -= lr * direction


@kernel
def momentum_update(xp: ModuleType, buffer: Any, grad: Any, momentum: float, keep: float) -> None:
    """b ← μ b + (1 - τ) g, in place (``keep`` is 1 - τ, the share of g not dampened)."""
    buffer *= momentum
    buffer += keep * grad


@kernel
def adam_moments(xp: ModuleType, exp_avg: Any, exp_avg_sq: Any, grad: Any, beta1: float, beta2: float) -> None:
    """m ← β₁ m + (1 - β₁) g and v ← β₂ v + (1 - β₂) g², in place."""
    exp_avg *= beta1
    exp_avg += (1 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad


@kernel
def adam_descend(
    xp: ModuleType, param: Any, exp_avg: Any, exp_avg_sq: Any, step_size: float, root_correction2: float, eps: float
) -> None:
    """θ ← θ - (γ / (1 - β₁ᵗ)) m / (√v / √(1 - β₂ᵗ) + ε), in place: Adam's step with both bias
    corrections applied to numbers, as PyTorch does, so the arrays are divided once."""
    param -= step_size * exp_avg / (xp.sqrt(exp_avg_sq) / root_correction2 + eps)
