"""The primitive operations: one Function per op, forward and backward side by side.

``forward`` computes on backend arrays (``x.data``) with the array module of its inputs, so the
same code runs on NumPy and CuPy. ``backward`` is written with Tensor operations, so when the
backward pass is itself recorded (``create_graph=True``) higher derivatives come for free.

Each docstring states the local derivative. Gradients are returned in the OUTPUT's shape when an
input was broadcast: the engine (``autograd._fit_gradient``) sums them back to the input's shape.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from . import kernels
from .autograd import Function, is_grad_enabled
from .backend import get_array_module, to_device
from .tensor import Tensor, _wrap, where


def _xp(x: Tensor) -> Any:
    return get_array_module(x.data)


def _backward_by(kernel: kernels.Kernel, recorded: Callable[[], Tensor], *args: Any) -> Tensor:
    """A gradient from one fused kernel; under ``create_graph=True`` from ``recorded()`` instead:
    the same formula in Tensor ops, recorded, so that the gradient can be differentiated again."""
    return recorded() if is_grad_enabled() else _wrap(kernel(*args))


# ----------------------------------------------------------------------------- arithmetic
class Add(Function):
    """add: z = a + b; dz/da = 1, dz/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.data + b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """sub: z = a - b; dz/da = 1, dz/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.data - b.data

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Neg(Function):
    """neg: z = -x; dz/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x.data

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Mul(Function):
    """mul: z = a * b; dz/da = b, dz/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data * b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """div: z = a / b; dz/da = 1 / b, dz/db = -a / b**2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data / b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_over_b = grad / b
        return (grad_over_b if need_a else None), (-grad_over_b * a / b if need_b else None)


class Pow(Function):
    """pow: z = a ** b; dz/da = b * a**(b - 1), dz/db = z * log(a) (needs a > 0)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _power(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if need_a else None
        grad_b = grad * ctx.output * a.log() if need_b else None
        return grad_a, grad_b


def _power(a: Any, b: Any) -> Any:
    """a ** b. NumPy's pow() is fast only for the exponents 2 and 0.5; for x**3 and x**4 (common in
    losses and tests) multiplying is 50 times faster, and exact to within an ulp of pow()."""
    if type(b) is np.ndarray and b.ndim == 0 and b.dtype == a.dtype and a.dtype.kind == "f":
        if b == 3:
            return a * a * a
        if b == 4:
            square = a * a
            return square * square
    return a**b


class MatMul(Function):
    """matmul: Z = A @ B; dL/dA = dL/dZ @ B^T, dL/dB = A^T @ dL/dZ.

    1-D operands follow NumPy: a vector on the left is a row (1, n), on the right a column (n, 1).
    They are given their missing axis here, and it is removed again from their gradients.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data @ b.data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a2 = a.reshape(1, -1) if a.ndim == 1 else a  # row vector (1, n)
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b  # column vector (n, 1)
        matrix_axes = int(a.ndim > 1) + int(b.ndim > 1)  # the output axes that are rows/columns, not batch
        batch = grad.shape[: grad.ndim - matrix_axes]
        grad2 = grad.reshape(*batch, a2.shape[-2], b2.shape[-1])
        grad_a = grad_b = None
        if need_a:
            grad_a = grad2 @ b2.swapaxes(-1, -2)
            if a.ndim == 1:  # drop the row axis that was added: (..., 1, n) -> (..., n)
                grad_a = grad_a.reshape(*grad_a.shape[:-2], grad_a.shape[-1])
        if need_b:
            grad_b = a2.swapaxes(-1, -2) @ grad2
            if b.ndim == 1:  # drop the column axis that was added: (..., n, 1) -> (..., n)
                grad_b = grad_b.reshape(*grad_b.shape[:-1])
        return grad_a, grad_b


class Maximum(Function):
    """maximum: z = max(a, b); dz/da = 1 where a > b, 0 where a < b, 1/2 at ties (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _xp(a).maximum(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        return _split_to_winner(ctx, grad, operator.gt)


class Minimum(Function):
    """minimum: z = min(a, b); dz/da = 1 where a < b, 0 where a > b, 1/2 at ties (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _xp(a).minimum(a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        return _split_to_winner(ctx, grad, operator.lt)


def _split_to_winner(ctx: Function, grad: Tensor, wins: Any) -> tuple[Tensor, Tensor]:
    """Send ``grad`` to whichever input was picked (``wins(a, b)`` for a), half to each at ties."""
    a, b = ctx.saved_tensors
    share_a = (wins(a.data, b.data) + 0.5 * (a.data == b.data)).astype(grad.dtype)
    return grad * share_a, grad * (1 - share_a)


class Where(Function):
    """where: z = a where cond else b; dz/da = cond, dz/db = not cond (cond gets no gradient)."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return _xp(a).where(cond.data, a.data, b.data)

    @staticmethod
    def backward(ctx, grad):
        _, need_a, need_b = ctx.needs_input_grad
        grad_a = where(ctx.cond, grad, 0) if need_a else None
        grad_b = where(ctx.cond, 0, grad) if need_b else None
        return None, grad_a, grad_b


# ----------------------------------------------------------------------------- elementwise functions
class Exp(Function):
    """exp: y = e**x; dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        return _xp(x).exp(x.data)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Function):
    """log: y = ln(x); dy/dx = 1 / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _xp(x).log(x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    """sqrt: y = x**0.5; dy/dx = 1 / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        return _xp(x).sqrt(x.data)

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.output)


class Abs(Function):
    """abs: y = |x|; dy/dx = sign(x), with the subgradient 0 at x = 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _xp(x).abs(x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _xp(x).sign(x.data)


class Tanh(Function):
    """tanh: y = tanh(x); dy/dx = 1 - y**2."""

    @staticmethod
    def forward(ctx, x):
        return _xp(x).tanh(x.data)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return _backward_by(kernels.tanh_backward, lambda: grad * (1 - y * y), grad.data, y.data)


class Sigmoid(Function):
    """sigmoid: y = 1 / (1 + e**-x); dy/dx = y (1 - y).

    Computed from e**-|x|, which never overflows: for x >= 0, y = 1 / (1 + e**-x); for x < 0,
    y = e**x / (1 + e**x). Both branches only exponentiate non-positive numbers.
    """

    @staticmethod
    def forward(ctx, x):
        xp = _xp(x)
        e = xp.exp(-xp.abs(x.data))
        return xp.where(x.data >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return _backward_by(kernels.sigmoid_backward, lambda: grad * y * (1 - y), grad.data, y.data)


class Softplus(Function):
    """softplus: y = log(1 + e**x); dy/dx = sigmoid(x). A smooth ReLU, computed as logaddexp(0, x): no overflow."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _xp(x).logaddexp(0, x.data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()


class ReLU(Function):
    """relu: y = max(x, 0); dy/dx = 1 for x > 0, else 0 (subgradient 0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _xp(x).maximum(x.data, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _backward_by(kernels.relu_backward, lambda: grad * (x.data > 0), grad.data, x.data)


class LeakyReLU(Function):
    """leaky_relu: y = x for x > 0, else slope * x; dy/dx = 1 for x > 0, else slope (slope at 0)."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return _xp(x).where(x.data > 0, x.data, x.data * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = ctx.slope

        def recorded() -> Tensor:
            return grad * _xp(x).where(x.data > 0, 1, slope).astype(grad.dtype)

        return _backward_by(kernels.leaky_relu_backward, recorded, grad.data, x.data, slope)


class Clip(Function):
    """clip: y = min(max(x, lo), hi); dy/dx = 1 where lo <= x <= hi, else 0 (as torch.clamp)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = lo, hi
        return _xp(x).clip(x.data, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = _xp(x).ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x.data >= lo
        if hi is not None:
            inside &= x.data <= hi
        return grad * inside


class Clone(Function):
    """clone: y = a copy of x in new memory; dy/dx = 1."""

    @staticmethod
    def forward(ctx, x):
        return x.data.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Cast(Function):
    """cast: y = x as another dtype; dy/dx = 1 (the engine casts the gradient back to x's dtype)."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.data.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad


# ----------------------------------------------------------------------------- reductions
class Sum(Function):
    """sum over axes: y = sum_i x_i; dy/dx_i = 1, so the gradient is copied back over those axes."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.shapes = x.shape, (None if axis is None else _kept_shape(x.shape, axis))
        return x.data.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        input_shape, kept_shape = ctx.shapes
        if kept_shape is not None:  # put back the summed axes as size 1 (a sum over all axes is 0-d: no need)
            grad = grad.reshape(kept_shape)
        return grad.expand(input_shape)


class Var(Function):
    """var over axes: y = sum_i (x_i - m)**2 / (N - c), m the mean and c the correction;
    dy/dx_i = 2 (x_i - m) / (N - c). (The path through m adds nothing: sum_i (x_i - m) = 0.)"""

    @staticmethod
    def forward(ctx, x, axis, keepdims, correction):
        count = x.size if axis is None else math.prod(x.shape[i] for i in axis)
        centred = x.data - x.data.mean(axis=axis, keepdims=True)
        ctx.save_for_backward(x)
        ctx.axis, ctx.divisor = axis, max(count - correction, 0)
        return (centred * centred).sum(axis=axis, keepdims=keepdims) / ctx.divisor

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centred = x - x.mean(axis=ctx.axis, keepdims=True)
        scale = 2 / ctx.divisor if ctx.divisor else math.inf
        return centred * (grad.reshape(_kept_shape(x.shape, ctx.axis)) * scale)


class LogSumExp(Function):
    """logsumexp over axes: y = log(sum_i e**x_i); dy/dx_i = e**x_i / sum_j e**x_j, the softmax of x.

    Both are computed with the max m factored out (e**(x_i - m)), so huge values never overflow.
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        xp = _xp(x)
        peak = x.data.max(axis=axis, keepdims=True)
        peak = xp.where(xp.isfinite(peak), peak, 0)  # a row of -inf has logsumexp -inf, not NaN
        with np.errstate(divide="ignore"):  # log(0) = -inf for such a row, as it should be
            kept = xp.log(xp.exp(x.data - peak).sum(axis=axis, keepdims=True)) + peak
        ctx.save_for_backward(x)
        ctx.axis, ctx.peak = axis, peak
        return kept if keepdims else kept.reshape(_reduced_shape(x.shape, axis))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        e = (x - ctx.peak).exp()
        return e / e.sum(axis=ctx.axis, keepdims=True) * grad.reshape(ctx.peak.shape)


class Max(Function):
    """max over axes: y = max_i x_i; dy/dx_i = 1 for the maximum, 0 elsewhere.

    Ties share the gradient equally (as PyTorch's amax), so the gradient sums to 1.
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        return _extremum(ctx, x, axis, keepdims, _xp(x).max)

    @staticmethod
    def backward(ctx, grad):
        return _extremum_backward(ctx, grad)


class Min(Function):
    """min over axes: y = min_i x_i; dy/dx_i = 1 for the minimum, 0 elsewhere (ties share)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        return _extremum(ctx, x, axis, keepdims, _xp(x).min)

    @staticmethod
    def backward(ctx, grad):
        return _extremum_backward(ctx, grad)


def _extremum(ctx: Function, x: Tensor, axis: Any, keepdims: bool, reduce: Any) -> Any:
    kept = reduce(x.data, axis=axis, keepdims=True)
    ctx.save_for_backward(x)
    ctx.kept, ctx.axis = kept, axis
    return kept if keepdims else kept.reshape(_reduced_shape(x.shape, axis))


def _extremum_backward(ctx: Function, grad: Tensor) -> Tensor:
    (x,) = ctx.saved_tensors
    winners = (x.data == ctx.kept).astype(grad.dtype)
    winners /= winners.sum(axis=ctx.axis, keepdims=True)  # ties share the gradient
    return grad.reshape(ctx.kept.shape) * winners


def _kept_shape(shape: tuple, axis: tuple | None) -> tuple:
    """The shape of a reduction with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _reduced_shape(shape: tuple, axis: tuple | None) -> tuple:
    """The shape of a reduction with keepdims=False."""
    if axis is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axis)


class Softmax(Function):
    """softmax: y_i = e**x_i / sum_j e**x_j; dL/dx = y * (dL/dy - sum(dL/dy * y)).

    The max is subtracted before exponentiating, so logits of any size never overflow.
    """

    @staticmethod
    def forward(ctx, x, axis):
        xp = _xp(x)
        e = xp.exp(x.data - x.data.max(axis=axis, keepdims=True))
        ctx.axis = axis
        return e / e.sum(axis=axis, keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return y * (grad - (grad * y).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """log_softmax: y_i = x_i - log(sum_j e**x_j); dL/dx = dL/dy - softmax(x) * sum(dL/dy).

    Written as (x - m) - log(sum e**(x - m)) with m = max(x): stable for huge logits.
    """

    @staticmethod
    def forward(ctx, x, axis):
        xp = _xp(x)
        shifted = x.data - x.data.max(axis=axis, keepdims=True)
        ctx.axis = axis
        return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        softmax = ctx.output.exp()
        return grad - softmax * grad.sum(axis=ctx.axis, keepdims=True)


# ----------------------------------------------------------------------------- shape and indexing
class Reshape(Function):
    """reshape: same values, new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x.data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(*ctx.input_shape)


class Transpose(Function):
    """transpose: permute axes; the gradient is permuted back with the inverse permutation."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.data.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = tuple(sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__))
        return grad.transpose(*inverse)


class Expand(Function):
    """expand (broadcast_to): copies values along new or size-1 axes; dL/dx = sum of dL/dy over them.

    The sum is the engine's broadcast reduction, so backward simply hands the gradient back.
    """

    @staticmethod
    def forward(ctx, x, shape):
        return _xp(x).broadcast_to(x.data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


class GetItem(Function):
    """getitem: y = x[index]; dL/dx = zeros with dL/dy scatter-added at index (repeats add up)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.input_shape = index, x.shape
        return x.data[index]

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, index=ctx.index, shape=ctx.input_shape)


class ScatterAdd(Function):
    """scatter_add: y = zeros(shape); y[index] += x; dL/dx = dL/dy[index] (the adjoint of getitem)."""

    @staticmethod
    def forward(ctx, x, index, shape):
        ctx.index = index
        xp = _xp(x)
        out = xp.zeros(shape, dtype=x.dtype)
        if _is_basic_index(index):
            out[index] = x.data  # slices and ints never repeat an element
        else:
            xp.add.at(out, index, x.data)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, index=ctx.index)


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, int | slice) for p in parts)


class Cat(Function):
    """cat: join tensors along an axis; each input's gradient is its slice of dL/dy."""

    @staticmethod
    def forward(ctx, *tensors, axis):
        ctx.axis = axis
        ctx.sizes = [t.shape[axis] for t in tensors]
        return _xp(tensors[0]).concatenate([t.data for t in tensors], axis=axis)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        prefix = (slice(None),) * (ctx.axis % grad.ndim)
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad, strict=True):
            grads.append(grad[(*prefix, slice(start, start + size))] if needed else None)
            start += size
        return tuple(grads)


class ToDevice(Function):
    """to(device): copy between host and GPU memory; dL/dx is dL/dy copied back to x's device."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = x.device
        return to_device(x.data, device)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.source)
