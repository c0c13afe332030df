"""Reductions over axes (sum, var, the 2-norm, logsumexp, amax/amin) and the softmax family along one axis.

Each reduction computes with the reduced axes kept (size 1) and drops them at the end unless
``keepdims``: ``squeeze(axis)`` removes exactly those axes (all of them for ``axis=None``).
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..backend import get_array_module


class Sum(Function):
    """sum over axes: y = sum_i x_i; dy/dx_i = 1, so dL/dx is dL/dy copied back along those axes."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.input_shape, ctx.axis = x.array.shape, axis
        return x.array.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):  # the summed axes put back as size 1, then dL/dy copied along them
        kept = tuple(1 if ctx.axis is None or i in ctx.axis else n for i, n in enumerate(ctx.input_shape))
        return grad.reshape(kept).expand(ctx.input_shape)


class Var(Function):
    """var over axes: y = sum_i (x_i - m)**2 / (N - c) (mean m, correction c); dy/dx_i = 2 (x_i - m) / (N - c)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims, correction):
        mean = x.array.mean(axis=axis, keepdims=True)
        ctx.save_for_backward(x)
        ctx.axis, ctx.kept_shape, ctx.divisor = axis, mean.shape, max(x.array.size // max(mean.size, 1) - correction, 0)
        return ((x.array - mean) ** 2).sum(axis=axis, keepdims=keepdims) / ctx.divisor

    @staticmethod
    def backward(ctx, grad):  # the path through m adds nothing: sum_i (x_i - m) = 0
        (x,) = ctx.saved_tensors
        scale = 2 / ctx.divisor if ctx.divisor else math.inf
        return (x - x.mean(axis=ctx.axis, keepdims=True)) * (grad.reshape(ctx.kept_shape) * scale)


class Std(Function):
    """std over axes: y = sqrt(var(x)); dy/dx_i = (x_i - m) / ((N - c) y), taken as 0 where y = 0
    (all x_i equal: as torch.std, where sqrt's own derivative would give 0 * inf)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims, correction):
        kept = get_array_module(x.array).sqrt(Var.forward(ctx, x, axis, True, correction))
        return kept if keepdims else kept.squeeze(axis)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        std = ctx.output.reshape(ctx.kept_shape)
        per_unit = grad.reshape(ctx.kept_shape) / ((std + (std.array == 0)) * (ctx.divisor or math.nan))
        return (x - x.mean(axis=ctx.axis, keepdims=True)) * per_unit


class Norm(Function):
    """p-norm over axes (p >= 1): y = (sum_i |x_i|**p)**(1/p); dy/dx_i = sign(x_i) |x_i|**(p-1) / y**(p-1),
    taken as 0 where y = 0 (as torch.norm). For p = 2 that is x_i / y."""

    @staticmethod
    def forward(ctx, x, axis, keepdims, p=2):
        xp = get_array_module(x.array)
        if p == 2:  # the common case: squares, no powers
            kept = xp.sqrt((x.array * x.array).sum(axis=axis, keepdims=True))
        else:
            kept = (xp.abs(x.array) ** p).sum(axis=axis, keepdims=True) ** (1 / p)
        ctx.save_for_backward(x)
        ctx.kept_shape, ctx.axis, ctx.p = kept.shape, axis, p
        return kept if keepdims else kept.squeeze(axis)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        norm, p = ctx.output.reshape(ctx.kept_shape), ctx.p
        nonzero_norm = norm + (norm.array == 0)  # y = 0 only where every x = 0: there the gradient is 0
        if p == 2:
            return x * (grad.reshape(ctx.kept_shape) / nonzero_norm)
        sign = (x.array > 0).astype(x.array.dtype) - (x.array < 0)
        return sign * x.abs() ** (p - 1) * (grad.reshape(ctx.kept_shape) / nonzero_norm ** (p - 1))


class LogSumExp(Function):
    """logsumexp over axes (kept, size 1): y = log(sum_i e**x_i), max m factored out; dy/dx_i = softmax(x)_i."""

    @staticmethod
    def forward(ctx, x, axis):
        xp, peak = get_array_module(x.array), _peak(x.array, axis)
        ctx.axis, ctx.peak = axis, xp.where(xp.isfinite(peak), peak, 0)  # a row of -inf gives -inf, not NaN
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore"):  # log(0) = -inf for such a row, as it should be
            return xp.log(xp.exp(x.array - ctx.peak).sum(axis=axis, keepdims=True)) + ctx.peak

    @staticmethod
    def backward(ctx, grad):
        e = (ctx.saved_tensors[0] - ctx.peak).exp()
        return e / e.sum(axis=ctx.axis, keepdims=True) * grad


class Max(Function):
    """amax over axes (amin if smallest): dy/dx_i = 1 at the extreme, else 0; ties share it (as torch.amax).
    A NaN is the extreme of its axis, so the NaNs there share the gradient (as torch.max)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims, smallest=False):
        kept = (x.array.min if smallest else x.array.max)(axis=axis, keepdims=True)
        ctx.save_for_backward(x)
        ctx.kept, ctx.axis = kept, axis
        return kept if keepdims else kept.squeeze(axis)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved_tensors[0].array
        xp = get_array_module(x)
        winners = ((x == ctx.kept) | (xp.isnan(x) & xp.isnan(ctx.kept))).astype(grad.dtype)
        winners /= winners.sum(axis=ctx.axis, keepdims=True)  # ties share the gradient, so it sums to 1
        return grad.reshape(ctx.kept.shape) * winners


class Softmax(Function):
    """softmax: y_i = e**x_i / sum_j e**x_j (max subtracted: no overflow); dL/dx = y (dL/dy - sum(dL/dy y))."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x.array)
        e = xp.exp(x.array - _peak(x.array, axis))
        ctx.axis = axis
        return e / e.sum(axis=axis, keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return y * (grad - (grad * y).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """log_softmax: y_i = x_i - log(sum_j e**x_j), as (x - m) - log(sum e**(x - m)) with m = max(x), stable
    for huge logits; dL/dx = dL/dy - softmax(x) sum(dL/dy)."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x.array)
        shifted = x.array - _peak(x.array, axis)
        ctx.axis = axis
        return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        return grad - ctx.output.exp() * grad.sum(axis=ctx.axis, keepdims=True)


def _peak(array, axis):
    """The largest value along ``axis`` (kept, size 1), subtracted before ``exp`` so it cannot
    overflow; an empty tensor has none, and any shift (here 0) gives the same empty result."""
    if array.size == 0:
        return array.sum(axis=axis, keepdims=True)  # zeros of the reduced shape
    return array.max(axis=axis, keepdims=True)
