"""The fused layer and loss ops: each is one node where a composition of primitives would be many.

As in PyTorch, these are their own Functions because that makes them fast and stable: ``Linear``
is one node instead of transpose, matmul and add; ``CrossEntropy`` fuses log-softmax and the
negative log-likelihood, so huge logits never overflow; ``BatchNorm`` (training) replaces about
twenty nodes. A loss op also does its reduction (``"mean"``, ``"sum"`` or ``"none"``): forward
with ``_reduced``, backward with ``_per_element``. Every backward is written with Tensor ops, so
each op stays twice differentiable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function
from ..backend import get_array_module


class Linear(Function):
    """linear: y = x W^T + b; dL/dx = dL/dy W, dL/dW = dL/dy^T x, dL/db = dL/dy summed over the batch.

    Leading axes of x are batch axes: they are flattened to rows for the weight and bias gradients.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        out = x.array @ weight.array.T
        if bias is not None:
            out += bias.array  # out is a fresh array: adding in place saves one temporary
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        rows, x_rows = (grad, x) if x.ndim == 2 else (grad.reshape(-1, grad.shape[-1]), x.reshape(-1, x.shape[-1]))
        grad_x = grad @ weight if need_x else None
        grad_weight = rows.mT @ x_rows if need_weight else None
        return grad_x, grad_weight, (rows.sum(axis=0) if need_bias else None)


class BatchNorm(Function):
    """batch_norm with the batch's statistics: y = x_hat w + b, x_hat = (x - mean) / sqrt(var + eps),
    mean and (biased) var taken per feature (axis 1) over ``axes``.

    dL/db = sum(g), dL/dw = sum(g x_hat) and, with h = g w and means over the same axes,
    dL/dx = (h - mean(h) - x_hat mean(h x_hat)) / sqrt(var + eps): the two extra terms are the
    paths through the mean and the variance.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, eps):
        ctx.save_for_backward(x, weight)
        ctx.axes, ctx.eps, ctx.per_feature = axes, eps, (1, x.shape[1]) + (1,) * (x.ndim - 2)
        mean, var = x.array.mean(axis=axes, keepdims=True), x.array.var(axis=axes, keepdims=True)
        y = (x.array - mean) / get_array_module(x.array).sqrt(var + eps)
        y = y if weight is None else y * weight.array.reshape(ctx.per_feature)
        return y if bias is None else y + bias.array.reshape(ctx.per_feature)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        axes, (_, need_weight, need_bias) = ctx.axes, ctx.needs_input_grad
        centred = x - x.mean(axis=axes, keepdims=True)
        inverse_std = 1 / ((centred * centred).mean(axis=axes, keepdims=True) + ctx.eps).sqrt()
        x_hat = centred * inverse_std
        h = grad if weight is None else grad * weight.reshape(ctx.per_feature)
        through_mean_and_var = h.mean(axis=axes, keepdims=True) + x_hat * (h * x_hat).mean(axis=axes, keepdims=True)
        grad_weight = (grad * x_hat).sum(axis=axes) if need_weight else None
        return (h - through_mean_and_var) * inverse_std, grad_weight, (grad.sum(axis=axes) if need_bias else None)


class CrossEntropy(Function):
    """cross_entropy: L_i = -log softmax(x_i)[t_i]; dL_i/dx_i = softmax(x_i) - onehot(t_i).

    log softmax(x) = (x - m) - log(sum e**(x - m)) with m = max(x), so any logits are safe.
    The reduction over samples is part of the op: for "mean", dL/dx_i is divided by N.
    """

    @staticmethod
    def forward(ctx, logits, target, reduction):
        xp, shifted = get_array_module(logits.array), logits.array - logits.array.max(axis=-1, keepdims=True)
        ctx.save_for_backward(logits)
        ctx.log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))  # (also read by fused.py)
        ctx.classes, ctx.reduction = target.array, reduction
        return _reduced(-_picked(ctx.log_probs, ctx.classes), reduction)

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        one_hot = _one_hot(ctx.classes, logits.shape[-1], grad)
        per_sample = grad.unsqueeze(-1) if ctx.reduction == "none" else grad  # one upstream value per row
        return (logits.softmax(-1) - one_hot) * _per_element(per_sample, ctx.reduction, ctx.classes.size), None


class NegativeLogLikelihood(Function):
    """nll: L_i = -x_i[t_i]; dL_i/dx_i = -onehot(t_i) (divided by N for "mean"). One node instead of three."""

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002
        ctx.classes, ctx.classes_count, ctx.reduction = target.array, input.shape[-1], reduction
        return _reduced(-_picked(input.array, ctx.classes), reduction)

    @staticmethod
    def backward(ctx, grad):
        per_sample = grad.unsqueeze(-1) if ctx.reduction == "none" else grad  # one upstream value per row
        one_hot = _one_hot(ctx.classes, ctx.classes_count, grad)
        return _per_element(per_sample, ctx.reduction, ctx.classes.size) * -one_hot, None


class MeanSquaredError(Function):
    """mse: L = reduce((x - t)**2); dL/dx = 2 (x - t) times each element's upstream gradient
    (dL/dL divided by N for "mean"); dL/dt = -dL/dx. One node instead of subtract, square, sum, divide."""

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002
        ctx.save_for_backward(input, target)
        ctx.reduction = reduction
        diff = input.array - target.array
        return _reduced(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors  # noqa: A001
        grad_input = (input - target) * _per_element(grad, ctx.reduction, input.array.size, scale=2)
        return grad_input, (-grad_input if ctx.needs_input_grad[1] else None)


class BinaryCrossEntropy(Function):
    """bce: L = reduce(-(t log p + (1 - t) log(1 - p))), each log clamped at -100 as in PyTorch;
    dL/dp = (p - t) / (p (1 - p)) and dL/dt = log(1 - p) - log(p), per element (divided by N for "mean").

    One node instead of eleven. The denominator p (1 - p) is kept at least 1e-12, as PyTorch does,
    so p = 0 or 1 gives a large but finite gradient.
    """

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002
        xp, p, t = get_array_module(input.array), input.array, target.array
        with np.errstate(divide="ignore"):  # log(0) = -inf is expected at p = 0 or 1: it is clamped next
            log_p, log_not_p = xp.maximum(xp.log(p), -100.0), xp.maximum(xp.log(1 - p), -100.0)
        ctx.save_for_backward(input, target)
        ctx.reduction = reduction
        return _reduced(-(t * log_p + (1 - t) * log_not_p), reduction)

    @staticmethod
    def backward(ctx, grad):
        p, t = ctx.saved_tensors
        per_element = _per_element(grad, ctx.reduction, p.array.size)
        need_p, need_t = ctx.needs_input_grad
        grad_p = (p - t) / (p * (1 - p)).clip(min=1e-12) * per_element if need_p else None
        grad_t = ((1 - p).log().clip(min=-100.0) - p.log().clip(min=-100.0)) * per_element if need_t else None
        return grad_p, grad_t


# ----------------------------------------------------------------------------- shared by the losses
def _reduced(losses: Any, reduction: str) -> Any:
    """The forward half of a loss's reduction, on arrays: the mean, the sum, or every loss ("none")."""
    if reduction == "none":
        return losses
    total = losses.sum()
    return total / max(losses.size, 1) if reduction == "mean" else total


def _per_element(grad: Any, reduction: str, count: int, scale: float = 1.0) -> Any:
    """The backward half: ``scale`` times the upstream gradient each of ``count`` loss elements receives."""
    scale *= element_share(reduction, count)
    return grad if scale == 1 else grad * scale


def element_share(reduction: str, count: int) -> float:
    """The share of the reduced loss that each of its ``count`` elements is: 1/N for "mean", else 1."""
    return 1.0 / max(count, 1) if reduction == "mean" else 1.0


def _picked(x: Any, classes: Any) -> Any:
    """x[i, classes[i]] for each row i of x (N, C), or x[classes] for a single sample x (C,).

    On the CPU the classes were checked to be in range before. On a GPU reading them would stall
    the device (and CuPy wraps an index out of range around), so there a class out of range
    picks NaN: the loss shows it instead of being silently wrong."""
    xp = get_array_module(x)
    if xp is np:
        return _rows_at(x, classes, xp)
    valid = (classes >= 0) & (classes < x.shape[-1])
    picked = _rows_at(x, xp.where(valid, classes, 0), xp)
    return xp.where(valid, picked, picked * math.nan)  # NaN in x's dtype, made on the device


def _rows_at(x: Any, classes: Any, xp: Any) -> Any:
    return x[classes] if x.ndim == 1 else x[xp.arange(x.shape[0]), classes]


def _one_hot(classes: Any, count: int, like: Any) -> Any:
    """Rows of the identity matrix: row i has a 1 in column classes[i], in ``like``'s dtype and device."""
    return get_array_module(like.array).eye(count, dtype=like.array.dtype)[classes]
