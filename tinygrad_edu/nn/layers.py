"""Layers: Linear, activations, Flatten, Identity, Dropout, BatchNorm1d."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import check_dim, check_flag, check_number, check_size
from ..dtypes import check_dtype, default_float
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features), initialised as in PyTorch.

    Weights and bias start uniform in [-1/sqrt(in_features), 1/sqrt(in_features)].
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        dtype = default_float() if dtype is None else check_dtype(dtype)  # tg.set_default_dtype applies, as PyTorch
        in_features = check_size("Linear", "in_features", in_features)
        out_features = check_size("Linear", "out_features", out_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # = U(-1/sqrt(in), 1/sqrt(in)), PyTorch's choice
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
            bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(F._check_tensor("Linear", x), self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); it takes and ignores any arguments, as PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Flattens axes ``start_dim..end_dim`` (all but the batch axis by default): (N, 28, 28) -> (N, 784)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = check_dim("Flatten", "start_dim", start_dim)
        self.end_dim = check_dim("Flatten", "end_dim", end_dim)

    def forward(self, x: Tensor) -> Tensor:
        return F._check_tensor("Flatten", x).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class ReLU(Module):
    """max(x, 0). ``inplace`` is accepted for PyTorch's sake; the result is computed out of place
    (the same values and gradients, the input left as it is)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag("ReLU", "inplace", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F._check_tensor("ReLU", x).relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = check_flag("LeakyReLU", "inplace", inplace)  # computed out of place, as ReLU

    def forward(self, x: Tensor) -> Tensor:
        return F._check_tensor("LeakyReLU", x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e**-x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F._check_tensor("Sigmoid", x).sigmoid()


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F._check_tensor("Tanh", x).tanh()


class Softmax(Module):
    """softmax along ``dim`` (probabilities that sum to 1). Without ``dim``, PyTorch's implicit
    (deprecated) choice applies: axis 0 for 0-, 1- and 3-d inputs, else axis 1, with a warning."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = None if dim is None else check_dim(type(self).__name__, "dim", dim)

    def _dim(self, x: Tensor) -> int:
        F._check_tensor(type(self).__name__, x)
        return F._implicit_softmax_dim(type(self).__name__, x.ndim) if self.dim is None else self.dim

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self._dim(x))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably."""

    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(self._dim(x))


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by 1 / (1 - p)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._check_probability("Dropout", p)
        self.inplace = check_flag("Dropout", "inplace", inplace)  # computed out of place, as ReLU

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class BatchNorm1d(Module):
    """Normalise each feature over the batch, then scale and shift: y = (x - mean) / sqrt(var + eps) * w + b.

    Input (N, C) or (N, C, L). In training it uses the batch's mean and (biased) variance and
    updates running estimates (the unbiased variance, as PyTorch); in eval it uses the estimates.
    The running estimates move by ``momentum`` each batch; ``momentum=None`` makes them the plain
    average of all batches so far (as PyTorch).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True) -> None:
        super().__init__()
        num_features = check_size("BatchNorm1d", "num_features", num_features, minimum=1)
        eps = check_number("BatchNorm1d", "eps", eps, minimum=0)
        if momentum is not None:
            momentum = check_number("BatchNorm1d", "momentum", momentum, minimum=0, maximum=1)
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        dtype = default_float()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
        self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))

    def forward(self, x: Tensor) -> Tensor:
        F._check_tensor("BatchNorm1d", x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}): expected input (N, {self.num_features}) or "
                f"(N, {self.num_features}, L), got {tuple(x.shape)}"
            )
        momentum = self.momentum
        if self.training:
            self.num_batches_tracked.add_(1)
            if momentum is None:  # a cumulative average: batch n weighs 1/n
                momentum = 1.0 / int(self.num_batches_tracked.item())
        return F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, self.training, momentum or 0.0, self.eps
        )

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"
