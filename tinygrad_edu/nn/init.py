"""Weight initialisation (``nn.init``), in place on a tensor's data, as PyTorch's functions.

Why the scale matters: a layer with n inputs sums n products, so its output variance grows with n.
Xavier/Glorot (for tanh/sigmoid) and Kaiming/He (for ReLU) pick the spread that keeps the
variance of activations (and gradients) roughly constant from layer to layer.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .. import backend, creation
from ..inplace import mark_written
from ..tensor import Tensor
from .functional import _check_tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR = (
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)
_GAINS = {**dict.fromkeys(_LINEAR, 1.0), "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 0.75}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activation variance steady through ``nonlinearity`` (as PyTorch)."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else _number("calculate_gain", "negative_slope (param)", param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; use one of {sorted(_GAINS)}")
    return _GAINS[nonlinearity]


def _number(name: str, argument: str, value: Any) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name}: {argument} must be a number, got a {type(value).__name__} ({value!r})")
    return value


def _float_tensor(name: str, tensor: Any) -> Tensor:
    """``tensor`` if it is a floating-point Tensor: random values would be truncated in an integer one."""
    _check_tensor(name, tensor, "tensor")
    if tensor.array.dtype.kind != "f":
        raise TypeError(f"{name}: the tensor must be floating point to hold random values, got {tensor.dtype}")
    return tensor


def _fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Inputs and outputs per unit for a weight (out, in, *kernel): fan_in = in * kernel."""
    _check_tensor("fan in/out", tensor, "tensor")
    if tensor.ndim < 2:
        raise ValueError(f"fan in/out need a weight with at least 2 dimensions, got shape {tuple(tensor.shape)}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fill(tensor: Tensor, values: object) -> Tensor:
    tensor.array[...] = backend.to_device(values, tensor.device)
    mark_written(tensor)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples from U(a, b)."""
    _float_tensor("uniform_", tensor)
    if not _number("uniform_", "a", a) <= _number("uniform_", "b", b):
        raise ValueError(f"uniform_: expects a <= b (a [a, b) range), but found a={a} > b={b}")
    return _fill(tensor, creation.generator().uniform(a, b, size=tensor.shape).astype(tensor.dtype))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples from N(mean, std**2)."""
    _float_tensor("normal_", tensor)
    _number("normal_", "mean", mean)
    if not _number("normal_", "std", std) >= 0:
        raise ValueError(f"normal_: expects std >= 0, but found std={std}")
    return _fill(tensor, creation.generator().normal(mean, std, size=tensor.shape).astype(tensor.dtype))


def constant_(tensor: Tensor, value: float) -> Tensor:
    _check_tensor("constant_", tensor, "tensor")
    _number("constant_", "value", value)
    tensor.array[...] = value
    mark_written(tensor)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    bound = _number("xavier_uniform_", "gain", gain) * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    std = _number("xavier_normal_", "gain", gain) * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return normal_(tensor, 0.0, std)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(-b, b) with b = sqrt(3) * gain / sqrt(fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))
