"""Functions behind the layers and losses (``tinygrad_edu.nn.functional``, imported as ``F``).

Some are their own Function because that makes them fast and stable, as in PyTorch: ``linear``
(one node instead of transpose + matmul + add), ``cross_entropy`` (log-softmax and the negative
log-likelihood fused, so huge logits never overflow), ``batch_norm`` in training, and the losses
``mse_loss``, ``nll_loss`` and ``binary_cross_entropy``. Each states its derivative in its
docstring and writes its backward with Tensor ops, so it stays twice differentiable. The rest
are compositions of Tensor ops, whose gradients the engine derives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import creation, kernels
from ..autograd import Function, is_grad_enabled
from ..backend import get_array_module
from ..tensor import Tensor, _wrap

REDUCTIONS = ("mean", "sum", "none")


# ----------------------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    return x.relu()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return x.leaky_relu(negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x.softmax(dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x.log_softmax(dim)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    The mask is a constant, so the gradient is the upstream gradient times the same mask.
    The mask is drawn on x's device (``creation.generator_on``); ``tg.manual_seed`` makes it
    reproducible.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return x
    keep = creation.generator_on(x.device).random(x.shape, dtype=np.float32) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * _wrap((keep * scale).astype(x.dtype))


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each feature (axis 1) of ``x`` (N, C) or (N, C, L): y = (x - mean) / sqrt(var + eps) * w + b.

    In training the batch's mean and biased variance are used (and differentiated through), and
    the running estimates are updated in place with the unbiased variance, as PyTorch does;
    otherwise the running estimates are used.
    """
    features = x.shape[1] if x.ndim in (2, 3) else None
    if features is None:
        raise ValueError(f"batch_norm: expected input (N, C) or (N, C, L), got {tuple(x.shape)}")
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (1, features) + (1,) * (x.ndim - 2)  # broadcasts one value per feature over x
    if training:
        count = x.size // features
        if count < 2:
            raise ValueError(f"batch_norm: training needs more than one value per feature, got input {x.shape}")
        if running_mean is not None and running_var is not None:
            mean, var = _batch_statistics(x.data, axes)
            _update_running(running_mean, mean, momentum)
            _update_running(running_var, var * (count / (count - 1)), momentum)
        return BatchNormTraining.apply(x, weight, bias, axes=axes, eps=eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    y = (x - mean) / (var + eps).sqrt()
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


class BatchNormTraining(Function):
    """batch_norm with the batch's statistics: y = x_hat * w + b, x_hat = (x - mean) / sqrt(var + eps),
    mean and (biased) var taken per feature over ``axes``.

    dL/db = sum(g), dL/dw = sum(g * x_hat) and, with h = g * w and means over the same axes,
    dL/dx = (h - mean(h) - x_hat * mean(h * x_hat)) / sqrt(var + eps): the two extra terms are
    the paths through the mean and the variance. One node instead of about twenty (as PyTorch's).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, eps):
        mean, var = _batch_statistics(x.data, axes)
        y = (x.data - mean) / get_array_module(x.data).sqrt(var + eps)
        shape = _feature_shape(x)
        if weight is not None:
            y = y * weight.data.reshape(shape)
        if bias is not None:
            y = y + bias.data.reshape(shape)
        ctx.save_for_backward(x, weight)
        ctx.axes, ctx.eps = axes, eps
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        axes = ctx.axes
        centred = x - x.mean(axis=axes, keepdims=True)
        inverse_std = 1 / ((centred * centred).mean(axis=axes, keepdims=True) + ctx.eps).sqrt()
        x_hat = centred * inverse_std
        h = grad if weight is None else grad * weight.reshape(_feature_shape(x))
        grad_x = (
            h - h.mean(axis=axes, keepdims=True) - x_hat * (h * x_hat).mean(axis=axes, keepdims=True)
        ) * inverse_std
        need_weight, need_bias = ctx.needs_input_grad[1:]
        grad_weight = (grad * x_hat).sum(axis=axes) if need_weight else None
        grad_bias = grad.sum(axis=axes) if need_bias else None
        return grad_x, grad_weight, grad_bias


def _batch_statistics(x: Any, axes: tuple[int, ...]) -> tuple[Any, Any]:
    """Per-feature mean and biased variance of an array, with the reduced axes kept (size 1)."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    return mean, (centred * centred).mean(axis=axes, keepdims=True)


def _feature_shape(x: Tensor) -> tuple[int, ...]:
    """(1, C) or (1, C, 1): one value per feature, broadcast over the batch (and length) axes."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _update_running(running: Tensor, batch_value: Any, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch, in place and outside the graph."""
    running.data *= 1 - momentum
    running.data += momentum * batch_value.reshape(-1)


# ----------------------------------------------------------------------------- linear
class Linear(Function):
    """linear: y = x W^T + b; dL/dx = dL/dy W, dL/dW = dL/dy^T x, dL/db = dL/dy summed over the batch.

    Leading axes of x are batch axes: they are flattened to rows for the weight and bias gradients.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        out = x.data @ weight.data.T
        if bias is not None:
            out += bias.data  # out is a fresh array: adding in place saves one temporary
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, *need_bias = ctx.needs_input_grad
        rows = grad if grad.ndim == 2 else grad.reshape(-1, grad.shape[-1])  # (batch, out)
        grad_x = grad @ weight if need_x else None
        grad_weight = rows.T @ (x if x.ndim == 2 else x.reshape(-1, x.shape[-1])) if need_weight else None
        if not need_bias:
            return grad_x, grad_weight
        return grad_x, grad_weight, (rows.sum(axis=0) if need_bias[0] else None)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with ``weight`` of shape (out_features, in_features) as in PyTorch."""
    if x.shape[-1:] != weight.shape[-1:]:
        raise ValueError(
            f"linear: the input's last axis has {x.shape[-1] if x.ndim else 'no'} features but the weight "
            f"{tuple(weight.shape)} expects {weight.shape[-1]} (input shape {tuple(x.shape)})"
        )
    return Linear.apply(x, weight) if bias is None else Linear.apply(x, weight, bias)


# ----------------------------------------------------------------------------- losses
def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def _check_same_shape(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} differ; "
            "broadcasting them would silently compare every prediction with every target. "
            "Reshape one of them (e.g. target.reshape(-1, 1) or input.reshape(-1))"
        )


def _as_target(target: Any, like: Tensor) -> Tensor:
    return target if isinstance(target, Tensor) else Tensor(target, device=like.device)


class MeanSquaredError(Function):
    """mse: L = reduce((x - t)**2); dL/dx = 2 (x - t) * dL/dL_i (divided by N for "mean"); dL/dt = -dL/dx.

    Its own op (like PyTorch's) because the loss ends every regression step: one node instead of
    subtract, square, sum and divide.
    """

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002
        ctx.save_for_backward(input, target)
        ctx.reduction = reduction
        diff = input.data - target.data
        return _reduce_array(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors  # noqa: A001
        grad_input = (input - target) * (_per_element(grad, ctx.reduction, input.size) * 2)
        return grad_input, (-grad_input if ctx.needs_input_grad[1] else None)


def _reduce_array(losses: Any, reduction: str) -> Any:
    """The forward half of a fused loss's reduction, on arrays."""
    if reduction == "none":
        return losses
    total = losses.sum()
    return total / max(losses.size, 1) if reduction == "mean" else total


def _per_element(grad: Tensor, reduction: str, count: int) -> Tensor:
    """The backward half: the upstream gradient each loss element receives (1/N of it for "mean")."""
    return grad / _elements_averaged(reduction, count) if reduction == "mean" else grad


def _elements_averaged(reduction: str, count: int) -> int:
    """N in the 1/N that "mean" gives each of its ``count`` loss elements (1 for "sum" and "none")."""
    return max(count, 1) if reduction == "mean" else 1


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error: mean((input - target)**2)."""
    target = _as_target(target, input)
    _check_same_shape("mse_loss", input, target)
    _check_reduction(reduction)
    return MeanSquaredError.apply(input, target, reduction=reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean absolute error: mean(|input - target|)."""
    target = _as_target(target, input)
    _check_same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """-(t log p + (1 - t) log(1 - p)) for probabilities p; each log is clamped at -100 as in PyTorch."""
    target = _as_target(target, input)
    _check_same_shape("binary_cross_entropy", input, target)
    data = input.data
    if input.device == "cpu" and data.size and (float(data.min()) < 0 or float(data.max()) > 1):
        raise ValueError(
            "binary_cross_entropy: the input must be probabilities in [0, 1]; "
            "apply sigmoid first, or use binary_cross_entropy_with_logits on the raw scores"
        )
    _check_reduction(reduction)
    return BinaryCrossEntropy.apply(input, target, reduction=reduction)


class BinaryCrossEntropy(Function):
    """bce: L = reduce(-(t log p + (1 - t) log(1 - p))), each log clamped at -100 as in PyTorch;
    dL/dp = (p - t) / (p (1 - p)) and dL/dt = log(1 - p) - log(p), per element (divided by N for "mean").

    Its own op (as PyTorch's): one node instead of eleven. The denominator p (1 - p) is kept at
    least 1e-12, as PyTorch does, so p = 0 or 1 gives a large but finite gradient.
    """

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002
        xp = get_array_module(input.data)
        p, t = input.data, target.data
        with np.errstate(divide="ignore"):  # log(0) = -inf is expected at p = 0 or 1: it is clamped next
            log_p, log_not_p = xp.maximum(xp.log(p), -100.0), xp.maximum(xp.log(1 - p), -100.0)
        ctx.save_for_backward(input, target)
        ctx.reduction = reduction
        return _reduce_array(-(t * log_p + (1 - t) * log_not_p), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors  # noqa: A001
        per_element = _per_element(grad, ctx.reduction, input.size)
        need_input, need_target = ctx.needs_input_grad
        grad_input = grad_target = None
        if need_input:
            grad_input = (input - target) / (input * (1 - input)).clip(min=1e-12) * per_element
        if need_target:
            log_ratio = (1 - input).log().clip(min=-100.0) - input.log().clip(min=-100.0)
            grad_target = log_ratio * per_element
        return grad_input, grad_target


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Binary cross-entropy of sigmoid(z) computed from the logits z without overflow.

    -(t log s(z) + (1 - t) log(1 - s(z))) = softplus(z) - z t, since log s(z) = z - softplus(z) and
    log(1 - s(z)) = -softplus(z); its gradient is s(z) - t.
    """
    target = _as_target(target, input)
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    return _reduce(input.softplus() - input * target, reduction)


def softplus(x: Tensor) -> Tensor:
    return x.softplus()


class CrossEntropy(Function):
    """cross_entropy: L_i = -log softmax(x_i)[t_i]; dL_i/dx_i = softmax(x_i) - onehot(t_i).

    Computed as logsumexp(x_i) - x_i[t_i] with the max factored out, so any logits are safe.
    The reduction over samples is part of the op: for "mean", dL/dx_i = (softmax(x_i) - onehot(t_i)) / N.
    """

    @staticmethod
    def forward(ctx, logits, target, reduction):
        x, classes = logits.data, target.data
        shifted = x - x.max(axis=-1, keepdims=True)
        log_normalizer = kernels.log_sum_exp(shifted)  # (..., 1): one fused kernel on the GPU
        ctx.save_for_backward(logits)
        ctx.shifted, ctx.log_normalizer = shifted, log_normalizer
        ctx.classes, ctx.reduction = classes, reduction
        losses = log_normalizer[..., 0] - _picked(shifted, classes)
        return _reduce_array(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        scale = 1.0 / _elements_averaged(ctx.reduction, ctx.classes.size)
        per_sample = grad.unsqueeze(-1) if ctx.reduction == "none" else grad  # one upstream value per row
        if is_grad_enabled():  # create_graph=True: recorded Tensor ops, so it can be differentiated again
            one_hot = get_array_module(logits.data).eye(logits.shape[-1], dtype=grad.dtype)[ctx.classes]
            return (logits.softmax(-1) - one_hot) * (per_sample * scale), None
        columns = kernels.class_columns(get_array_module(logits.data), logits.shape[-1])
        grad_logits = kernels.softmax_cross_entropy_backward(
            ctx.shifted, ctx.log_normalizer, ctx.classes[..., None], columns, per_sample.data, scale
        )
        return _wrap(grad_logits), None


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Cross-entropy of logits ``input`` (N, C) with integer class ``target`` (N,) or probabilities (N, C).

    Equal to ``nll_loss(log_softmax(input), target)``, fused for speed and stability.
    """
    target = _as_target(target, input)
    if target.dtype.kind == "f":  # class probabilities, e.g. soft labels
        if target.shape != input.shape:
            raise TypeError(
                f"cross_entropy: a {target.dtype} target of shape {tuple(target.shape)} for input "
                f"{tuple(input.shape)}: class indices must be integers (int64, e.g. y.long()); "
                "a float target is read as class probabilities with the input's shape"
            )
        return _reduce(-(target * input.log_softmax(-1)).sum(axis=-1), reduction)
    _check_class_targets("cross_entropy", input, target)
    _check_reduction(reduction)
    return CrossEntropy.apply(input, target, reduction=reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Negative log-likelihood: -input[i, target[i]] for log-probabilities ``input`` (N, C)."""
    target = _as_target(target, input)
    _check_class_targets("nll_loss", input, target)
    _check_reduction(reduction)
    return NegativeLogLikelihood.apply(input, target, reduction=reduction)


class NegativeLogLikelihood(Function):
    """nll: L_i = -x_i[t_i]; dL_i/dx_i = -onehot(t_i) (divided by N for "mean"). One node instead of three."""

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002
        x, classes = input.data, target.data
        ctx.classes, ctx.classes_count, ctx.reduction = classes, x.shape[-1], reduction
        return _reduce_array(-_picked(x, classes), reduction)

    @staticmethod
    def backward(ctx, grad):
        one_hot = get_array_module(grad.data).eye(ctx.classes_count, dtype=grad.dtype)[ctx.classes]
        per_sample = _per_element(grad, ctx.reduction, ctx.classes.size)
        if ctx.reduction == "none" and one_hot.ndim == 2:
            per_sample = per_sample.unsqueeze(-1)  # one upstream gradient per sample, applied to its row
        return per_sample * -one_hot, None


def _picked(x: Any, classes: Any) -> Any:
    """x[i, classes[i]] for each row i of x (N, C), or x[classes] for a single sample x (C,)."""
    return x[classes] if x.ndim == 1 else x[get_array_module(x).arange(x.shape[0]), classes]


def _check_class_targets(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    """Targets must be integer class indices, one per row of ``input``, each in [0, C).

    The range is checked on the CPU only: on a GPU reading the values would stall the device.
    """
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices (int64), got {target.dtype}")
    if target.device != input.device:  # CuPy would index with a host array by quietly copying it over
        raise RuntimeError(
            f"{name}: input and target are on different devices (input on {input.device}, target on "
            f"{target.device}); move the target with target.to({input.device!r})"
        )
    if input.ndim not in (1, 2) or target.shape != input.shape[:-1]:
        raise ValueError(
            f"{name}: expected input (N, C) with target (N,) (or input (C,) with a 0-d target), "
            f"got input {tuple(input.shape)} and target {tuple(target.shape)}"
        )
    classes = input.shape[-1]
    if target.device == "cpu" and target.size and (int(target.data.min()) < 0 or int(target.data.max()) >= classes):
        bad = int(target.data.max()) if int(target.data.max()) >= classes else int(target.data.min())
        raise IndexError(f"{name}: target contains class {bad}, but the input has {classes} classes (0..{classes - 1})")
