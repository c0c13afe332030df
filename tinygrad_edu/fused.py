"""Fused gradient kernels, opt-in: on a GPU, a whole gradient formula in one kernel launch.

On a GPU every array operation is a kernel launch with a fixed cost (microseconds of Python,
CuPy and driver work) however small the arrays are, so on small models launches, not
arithmetic, set the speed. ReLU's backward ``grad * (x > 0)`` is two launches and a temporary;
fused it is one kernel that reads each input once.

Nothing uses these kernels unless asked: ``tinygrad_edu.fused.enable()`` puts them in the
backward pass (``autograd.fused_gradients``), ``disable()`` takes them out, and each op's
backward is then its own Tensor formula again, the one the kernel must agree with (the tests
compare them). Under ``create_graph=True`` the ops' own formulas run regardless, so second
derivatives are unchanged.

Each kernel is one Python function, written once with ``xp``, the array module:

- on the CPU it runs as written, as ordinary NumPy calls;
- on the GPU ``cupy.fuse`` traces it (once per input dtypes) into a single CUDA kernel.

If CuPy cannot fuse a formula, the kernel runs it unfused instead, warns once and records why in
``FALLBACKS``: slower, never wrong. Scalars (a leaky ReLU's slope, a loss's 1/N) are passed as
Python numbers; each formula casts its result to its input's dtype, so float32 stays float32.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from . import autograd, ops
from .backend import get_array_module
from .tensor import Tensor, _wrap

__all__ = [
    "Kernel",
    "class_columns",
    "disable",
    "enable",
    "is_enabled",
    "kernel",
    "leaky_relu_backward",
    "relu_backward",
    "sigmoid_backward",
    "softmax_cross_entropy_backward",
    "tanh_backward",
]

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


# ----------------------------------------------------------------------------- the kernels
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


@kernel
def softmax_cross_entropy_backward(
    xp: ModuleType, log_probs: Any, classes: Any, columns: Any, grad: Any, scale: float
) -> Any:
    """dL/dx_ij = (softmax(x_i)_j - [j == t_i]) * grad_i * scale, with softmax = e**log_probs.

    Comparing each column number with the sample's class makes the one-hot row inside the
    kernel, without building it in memory.
    """
    return ((xp.exp(log_probs) - (columns == classes)) * (grad * scale)).astype(log_probs.dtype, copy=False)


@functools.lru_cache(maxsize=32)
def class_columns(xp: ModuleType, count: int) -> Any:
    """[0, 1, ..., count - 1] on xp's device, made once per class count."""
    return xp.arange(count)


# ----------------------------------------------------------------------------- op -> fused gradient
def _relu(ctx: ops.ReLU, grad: Tensor) -> Tensor:
    return _wrap(relu_backward(grad.array, ctx.saved_tensors[0].array))


def _leaky_relu(ctx: ops.LeakyReLU, grad: Tensor) -> Tensor:
    return _wrap(leaky_relu_backward(grad.array, ctx.saved_tensors[0].array, ctx.slope))


def _tanh(ctx: ops.Tanh, grad: Tensor) -> Tensor:
    return _wrap(tanh_backward(grad.array, ctx.output.array))


def _sigmoid(ctx: ops.Sigmoid, grad: Tensor) -> Tensor:
    return _wrap(sigmoid_backward(grad.array, ctx.output.array))


def _cross_entropy(ctx: ops.CrossEntropy, grad: Tensor) -> tuple[Tensor, None]:
    log_probs, classes = ctx.log_probs, ctx.classes
    per_sample = grad.array[..., None] if ctx.reduction == "none" else grad.array
    scale = ops.nn.element_share(ctx.reduction, classes.size)
    columns = class_columns(get_array_module(log_probs), log_probs.shape[-1])
    return _wrap(softmax_cross_entropy_backward(log_probs, classes[..., None], columns, per_sample, scale)), None


FUSED_GRADIENTS: dict[type, Callable[[Any, Tensor], Any]] = {
    ops.ReLU: _relu,
    ops.LeakyReLU: _leaky_relu,
    ops.Tanh: _tanh,
    ops.Sigmoid: _sigmoid,
    ops.CrossEntropy: _cross_entropy,
}


def enable(on: bool = True) -> None:
    """Use the fused kernels in every backward pass from now on (``on=False``: stop using them)."""
    autograd.fused_gradients.clear()
    if on:
        autograd.fused_gradients.update(FUSED_GRADIENTS)


def disable() -> None:
    """Back to each op's own Tensor formula for its gradient (the default)."""
    enable(False)


def is_enabled() -> bool:
    return bool(autograd.fused_gradients)
