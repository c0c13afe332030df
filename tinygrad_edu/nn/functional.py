"""Functions behind the layers and losses (``tinygrad_edu.nn.functional``, imported as ``F``).

Here are the API and its argument checks. The math is in the ops: ``linear``, ``batch_norm`` in
training, ``cross_entropy``, ``nll_loss``, ``mse_loss`` and ``binary_cross_entropy`` are each one
fused op of ``tinygrad_edu/ops/nn.py``; the rest are compositions of Tensor ops, whose gradients
the engine derives.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from .. import creation, dtypes, ops
from ..checks import check_flag
from ..inplace import mark_written
from ..tensor import Tensor, _promoted, _wrap

__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]

REDUCTIONS = ("mean", "sum", "none")
_MOVED_TO_OPS = {
    "Linear": "Linear",
    "BatchNormTraining": "BatchNorm",
    "CrossEntropy": "CrossEntropy",
    "NegativeLogLikelihood": "NegativeLogLikelihood",
    "MeanSquaredError": "MeanSquaredError",
    "BinaryCrossEntropy": "BinaryCrossEntropy",
}


def __getattr__(name: str) -> Any:
    """The fused layer and loss ops moved into ``ops/nn.py``: their old names here say where."""
    if name in _MOVED_TO_OPS:
        raise AttributeError(f"nn.functional.{name} moved: the op is tinygrad_edu.ops.{_MOVED_TO_OPS[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------------------- argument checks
def _check_tensor(name: str, value: Any, argument: str = "input") -> Tensor:
    """``value`` if it is a Tensor; else a TypeError naming the function (or layer) and argument."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name}: {argument} must be a Tensor, got a {type(value).__name__}; "
            "make one with tg.tensor(...) (a NumPy array: tg.from_numpy(array))"
        )
    return value


def _check_probability(name: str, p: Any) -> float:
    """``p`` if it is a number in [0, 1]; else a TypeError or ValueError naming ``name``."""
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"{name}: p must be a number in [0, 1], got a {type(p).__name__} ({p!r})")
    if not 0 <= p <= 1:  # NaN fails too
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    return p


def _implicit_softmax_dim(name: str, ndim: int) -> int:
    """The axis PyTorch picks for a softmax called without ``dim`` (0 for 0-, 1- and 3-d inputs, else 1),
    with PyTorch's warning that the choice is deprecated."""
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(
        f"{name}: implicit dimension choice for softmax has been deprecated; "
        f"change the call to include dim={dim} as an argument",
        UserWarning,
        stacklevel=3,
    )
    return dim


# ----------------------------------------------------------------------------- activations
def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); ``inplace`` is accepted for PyTorch's sake and computed out of place (same values)."""
    return _check_tensor("relu", x).relu()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    if not isinstance(negative_slope, numbers.Real):
        raise TypeError(f"leaky_relu: negative_slope must be a number, got {negative_slope!r}")
    return _check_tensor("leaky_relu", x).leaky_relu(negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return _check_tensor("sigmoid", x).sigmoid()


def tanh(x: Tensor) -> Tensor:
    return _check_tensor("tanh", x).tanh()


def softmax(x: Tensor, dim: int | None = None) -> Tensor:
    """softmax along ``dim``; without it, along PyTorch's implicit (deprecated) choice of axis."""
    _check_tensor("softmax", x)
    return x.softmax(_implicit_softmax_dim("softmax", x.ndim) if dim is None else dim)


def log_softmax(x: Tensor, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``; without it, along PyTorch's implicit (deprecated) choice of axis."""
    _check_tensor("log_softmax", x)
    return x.log_softmax(_implicit_softmax_dim("log_softmax", x.ndim) if dim is None else dim)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    The mask is a constant, so the gradient is the upstream gradient times the same mask.
    The mask is drawn on x's device (``creation.generator_on``); ``tg.manual_seed`` makes it
    reproducible.
    """
    _check_tensor("dropout", x)
    p = _check_probability("dropout", p)
    check_flag("dropout", "training", training)
    if not training or p == 0:
        return x
    if x.array.dtype.kind != "f":  # the scaled values would be truncated to integers
        raise TypeError(f"dropout: the input must be floating point, got {x.dtype}; convert it with input.float()")
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
    _check_tensor("batch_norm", x)
    if x.array.dtype.kind != "f":
        raise RuntimeError(
            f"batch_norm: the input must be floating point, got {x.dtype}; convert it with input.float()"
        )
    floats = {"input": x, "weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var}
    for name, t in floats.items():
        if t is not None:
            _check_tensor("batch_norm", t, name)
    if any(t is not None and t.array.dtype != x.array.dtype for t in floats.values()):
        raise dtypes.mismatch_error("batch_norm", floats)
    features = x.shape[1] if x.ndim in (2, 3) else None
    if not features:
        raise ValueError(f"batch_norm: expected input (N, C) or (N, C, L) with C >= 1, got {tuple(x.shape)}")
    for name, t in list(floats.items())[1:]:
        if t is not None and t.array.shape != (features,):
            raise ValueError(
                f"batch_norm: {name} should hold one value per feature, shape ({features},), "
                f"but has shape {tuple(t.shape)} (input {tuple(x.shape)})"
            )
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (1, features) + (1,) * (x.ndim - 2)  # broadcasts one value per feature over x
    if training:
        count = x.numel() // features
        if count < 2:
            raise ValueError(f"batch_norm: training needs more than one value per feature, got input {tuple(x.shape)}")
        if running_mean is not None and running_var is not None:
            _update_running(running_mean, x.array.mean(axis=axes), momentum)
            _update_running(running_var, x.array.var(axis=axes) * (count / (count - 1)), momentum)
        return ops.BatchNorm.apply(x, weight, bias, axes=axes, eps=eps)
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


def _update_running(running: Tensor, batch_value: Any, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch, in place and outside the graph."""
    running.array *= 1 - momentum
    running.array += momentum * batch_value
    mark_written(running)


# ----------------------------------------------------------------------------- linear
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with ``weight`` of shape (out_features, in_features) as in PyTorch. All three
    must share one dtype (an integer or float64 input to a float32 layer is refused, as PyTorch)."""
    if not _linear_fits(x, weight, bias):
        _refuse_linear(x, weight, bias)
    if weight.array.ndim == 1:  # one output per sample, without its axis (as PyTorch): Linear's backward needs a matrix
        y = x @ weight
        return y if bias is None else y + bias
    return ops.Linear.apply(x, weight, bias)


def _linear_fits(x: Any, weight: Any, bias: Any) -> bool:
    """The common case, checked cheaply on every call: Tensors of one dtype (not bool), at least
    1-D, the input's features those of the weight, a bias of one value per output."""
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor)):
        return False
    xa, wa = x.array, weight.array
    if xa.dtype != wa.dtype or xa.dtype == np.bool_ or not xa.ndim or not wa.ndim or xa.shape[-1] != wa.shape[-1]:
        return False
    if bias is None:
        return True
    ba = bias.array if isinstance(bias, Tensor) else None
    return (
        ba is not None
        and ba.dtype == wa.dtype
        and (not ba.ndim or ba.shape[-1] in (1, wa.shape[0] if wa.ndim == 2 else 1))
    )


def _refuse_linear(x: Any, weight: Any, bias: Any) -> None:
    """The error saying what is wrong with linear's arguments (``_linear_fits`` found something)."""
    _check_tensor("linear", x)
    _check_tensor("linear", weight, "weight")
    if bias is not None:
        _check_tensor("linear", bias, "bias")
    if x.array.dtype != weight.array.dtype or (bias is not None and bias.array.dtype != weight.array.dtype):
        raise dtypes.mismatch_error("linear", {"input": x, "weight": weight, "bias": bias})
    if x.array.dtype == np.bool_:  # NumPy's bool product is a logical "any", not a count
        raise TypeError(
            f"linear: bool tensors cannot be multiplied (input {tuple(x.shape)}); convert them with .float()"
        )
    if not x.ndim or not weight.ndim:
        raise ValueError(
            f"linear: the input and the weight need at least 1 dimension, got shapes {tuple(x.shape)} and "
            f"{tuple(weight.shape)}"
        )
    if x.array.shape[-1:] != weight.array.shape[-1:]:
        raise ValueError(
            f"linear: the input's last axis has {x.shape[-1]} features but the weight "
            f"{tuple(weight.shape)} expects {weight.shape[-1]} (input shape {tuple(x.shape)})"
        )
    outputs = weight.shape[0] if weight.ndim == 2 else 1
    raise ValueError(
        f"linear: the bias has shape {tuple(bias.shape)}, but the weight {tuple(weight.shape)} "
        f"makes {outputs} outputs; the bias needs shape ({outputs},)"
    )


# ----------------------------------------------------------------------------- losses
def _check_reduction(reduction: str) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return losses.mean() if losses.numel() else _mean_of_nothing(losses.sum())
    return losses.sum() if reduction == "sum" else losses


def _mean_of_nothing(total: Tensor) -> Tensor:
    """The mean loss of an empty batch: 0 / 0, NaN as in PyTorch, computed from the (zero) sum so that
    the backward gives the input its (empty) gradient, without a division-by-zero warning."""
    return total * math.nan


def _check_float_input(name: str, input: Any) -> Tensor:  # noqa: A002
    _check_tensor(name, input)
    if input.array.dtype.kind != "f":
        raise TypeError(f"{name}: the input must be floating point, got {input.dtype}; convert it with input.float()")
    return input


def _check_same_shape(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    if input.array.shape != target.array.shape:
        raise ValueError(
            f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} differ; "
            "broadcasting them would silently compare every prediction with every target. "
            "Reshape one of them (e.g. target.reshape(-1, 1) or input.reshape(-1))"
        )


def _as_target(target: Any, like: Tensor) -> Tensor:
    return target if isinstance(target, Tensor) else Tensor(target, device=like.device)


def _fused_loss(op: type, check: Any, name: str, input: Tensor, target: Any, reduction: str) -> Tensor:  # noqa: A002
    """A loss that is one op of ``ops/nn.py``: a floating ``input``, ``target`` made a Tensor on its
    device and checked (``check(name, input, target)`` returns the target to use), the reduction's
    name checked, then the op; the mean over an empty batch is NaN, as in PyTorch."""
    _check_float_input(name, input)
    target = check(name, input, _as_target(target, input))
    _check_reduction(reduction)
    # a target of values meets the input as torch promotes them (int64 with float32: float32); class indices stay
    pair = (input, target) if check is _check_class_targets else _promoted(input, target)
    if reduction == "mean" and target.numel() == 0:
        return _mean_of_nothing(op.apply(*pair, reduction="sum"))
    return op.apply(*pair, reduction=reduction)


def _regression_target(name: str, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
    """Same shapes; an integer or bool target is taken in the input's dtype, as PyTorch promotes it
    (a float32 prediction against int64 labels stays float32)."""
    _check_same_shape(name, input, target)
    return target if target.array.dtype.kind == "f" else target.to(input.array.dtype)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error: mean((input - target)**2)."""
    return _fused_loss(ops.MeanSquaredError, _regression_target, "mse_loss", input, target, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean absolute error: mean(|input - target|)."""
    target = _regression_target("l1_loss", _check_float_input("l1_loss", input), _as_target(target, input))
    return _reduce((input - target).abs(), reduction)


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """-(t log p + (1 - t) log(1 - p)) for probabilities p; each log is clamped at -100 as in PyTorch."""
    return _fused_loss(ops.BinaryCrossEntropy, _check_probabilities, "binary_cross_entropy", input, target, reduction)


def _check_probabilities(name: str, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
    """Same shapes and dtypes, and (on the CPU: on a GPU reading values would stall it) input and
    target probabilities in [0, 1], NaN refused, as PyTorch refuses them."""
    _check_same_shape(name, input, target)
    if target.array.dtype != input.array.dtype:
        raise TypeError(
            f"{name}: the target is {target.dtype} but the input is {input.dtype}; they must match: "
            f"convert the target with target.to({input.dtype})"
        )
    for what, tensor in (("input", input), ("target", target)):
        data = tensor.array
        if tensor.device == "cpu" and data.size and not (float(data.min()) >= 0 and float(data.max()) <= 1):
            fix = (
                "apply sigmoid first, or use binary_cross_entropy_with_logits on the raw scores"
                if what == "input"
                else "targets are probabilities: 0 or 1 for labels"
            )
            raise ValueError(f"{name}: all elements of {what} should be between 0 and 1 (NaN is not); {fix}")
    return target


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Binary cross-entropy of sigmoid(z) computed from the logits z without overflow.

    -(t log s(z) + (1 - t) log(1 - s(z))) = softplus(z) - z t, since log s(z) = z - softplus(z) and
    log(1 - s(z)) = -softplus(z); its gradient is s(z) - t.
    """
    name = "binary_cross_entropy_with_logits"
    target = _as_target(target, _check_float_input(name, input))
    _check_same_shape(name, input, target)
    if target.array.dtype.kind != "f":
        raise TypeError(
            f"{name}: the target must be floating point, got {target.dtype}; convert it with target.float()"
        )
    return _reduce(input.softplus() - input * target, reduction)


def softplus(x: Tensor) -> Tensor:
    return _check_tensor("softplus", x).softplus()


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Cross-entropy of logits ``input`` (N, C) with integer class ``target`` (N,) or probabilities (N, C).

    Equal to ``nll_loss(log_softmax(input), target)``, fused for speed and stability.
    """
    target = _as_target(target, _check_float_input("cross_entropy", input))
    if target.dtype.kind == "f":  # class probabilities, e.g. soft labels
        if target.shape != input.shape:
            raise TypeError(
                f"cross_entropy: a {target.dtype} target of shape {tuple(target.shape)} for input "
                f"{tuple(input.shape)}: class indices must be integers (int64, e.g. y.long()); "
                "a float target is read as class probabilities with the input's shape"
            )
        return _reduce(-(target * input.log_softmax(-1)).sum(axis=-1), reduction)
    return _fused_loss(ops.CrossEntropy, _check_class_targets, "cross_entropy", input, target, reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Negative log-likelihood: -input[i, target[i]] for log-probabilities ``input`` (N, C)."""
    return _fused_loss(ops.NegativeLogLikelihood, _check_class_targets, "nll_loss", input, target, reduction)


def _check_class_targets(name: str, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
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
    if target.device == "cpu" and target.numel():
        _check_class_range(name, target.array, input.shape[-1])
    return target


def _check_class_range(name: str, classes_given: Any, classes: int) -> None:
    low, high = int(classes_given.min()), int(classes_given.max())
    if low >= 0 and high < classes:
        return
    bad = high if high >= classes else low
    valid = f"{classes} classes (0..{classes - 1})" if classes else "0 classes"
    hint = (
        " (PyTorch skips targets equal to ignore_index, -100 by default; tinygrad_edu has no ignore_index: "
        "leave those rows out)"
        if bad == -100
        else ""
    )
    raise IndexError(f"{name}: target contains class {bad}, but the input has {valid}{hint}")
