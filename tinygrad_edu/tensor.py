"""Tensor: an array that remembers how it was computed, so ``backward()`` can apply the chain rule.

Every operator and method below is a thin call to one ``Function`` of the ``ops`` package (or a
few of them, for composite ops such as ``mean``). The Tensor keeps ``data`` (a NumPy or CuPy
array), ``grad`` (a Tensor, filled in by ``backward``) and ``grad_fn`` (the Function node that
made it). Which dtype a result gets is decided in ``dtypes.py``.

The ops and the backward pass are built on Tensor, and Tensor's methods call them: that circle
is closed by the one import at the end of this module, which runs once Tensor exists.
"""

from __future__ import annotations

import itertools
import math
import numbers
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import backend, dtypes, return_types
from .dtypes import SUPPORTED_KINDS, TYPE_NAMES, DType, check_dtype, default_float, scalar_dtype

Axis = int | Sequence[int] | None


class Size(tuple):
    """A tensor's shape: a tuple of axis lengths, as ``torch.Size``."""

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __repr__(self) -> str:
        return f"tinygrad_edu.Size({list(self)})"


Operand = Any  # a Tensor, a Python or NumPy number, or an array-like


class Tensor:
    """An n-dimensional array with automatic differentiation.

    Examples:
        >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        Tensor([2., 4., 6.])
    """

    __slots__ = ("__weakref__", "_ctx", "_grad", "_requires_grad", "_versions", "array")
    __array_ufunc__ = None  # make ``ndarray * Tensor`` call Tensor.__rmul__ instead of NumPy's ufunc
    __hash__ = object.__hash__  # __eq__ is elementwise, so hashing is by identity (as PyTorch)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None) -> None:
        self.array = _array_from(data, dtype, device)  # the NumPy or CuPy array the ops compute with
        self._grad: Tensor | None = None
        self._ctx = None
        self._requires_grad = False
        self._versions = None  # in-place writes counted (see inplace.py); None until the first one
        self.requires_grad = requires_grad

    # ------------------------------------------------------------------ attributes
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self.array.dtype.kind != "f":
            raise TypeError(
                f"only floating point tensors can require gradients, but this tensor is {self.dtype} "
                f"with shape {tuple(self.shape)}; create it with dtype='float32' (or call .float()) first"
            )
        if not flag and self._ctx is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use .detach() instead")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return this tensor."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor | None:
        """The gradient ``backward`` accumulated here (None until then, or after ``zero_grad``)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # Refused as PyTorch refuses them: a gradient must be usable as this tensor's (an optimizer
        # step reads it element for element), so a later step never fails or broadcasts silently.
        if value is not None:
            _check_assigned_grad(self, value)
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The same memory as a Tensor outside the graph, as PyTorch: ``p.data -= lr * p.grad``
        updates ``p``. Writes through it count as writes to ``p`` (see inplace.py)."""
        return inplace.alias(self)

    @data.setter
    def data(self, value: Any) -> None:
        inplace.replace_storage(self, value)

    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a ``tg.Size`` (a tuple), or the length of axis ``dim``."""
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_checked_axis("size", dim, self.array.shape, self.array.ndim)]

    def dim(self) -> int:
        """The number of axes, as ``ndim``."""
        return self.array.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self.array.size

    nelement = numel

    @property
    def dtype(self) -> DType:
        """``tg.float32``, ``tg.int64``, ... (equal to the NumPy dtype and its name, too). The engine's
        own code reads ``self.array.dtype``, the NumPy dtype, which skips this look-up."""
        return dtypes._BY_NUMPY.get(self.array.dtype) or dtypes.of_array(self.array)

    @property
    def device(self) -> backend.device:
        """``device(type='cpu')`` or ``device(type='cuda', index=0)``; it equals ``"cpu"`` / ``"cuda"`` too."""
        return backend.device_object(self.array)

    def is_floating_point(self) -> bool:
        return self.array.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self.array.dtype.itemsize

    @property
    def grad_fn(self) -> Any:
        """The Function that produced this tensor, or ``None`` for leaves and constants."""
        return self._ctx

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def T(self) -> Tensor:  # noqa: N802 - the NumPy/PyTorch name
        """All axes reversed (the matrix transpose for 2-D tensors)."""
        ndim = self.array.ndim
        return self if ndim < 2 else ops.Transpose.apply(self, axes=tuple(range(ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The last two axes swapped: a batch of matrices, each transposed."""
        return self.swapaxes(-1, -2)

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array. On the CPU it shares this tensor's memory, as in PyTorch
        (``.numpy().copy()`` for a copy); a GPU tensor is copied to the host."""
        if self._requires_grad:
            raise RuntimeError(
                f"numpy(): this tensor of shape {tuple(self.shape)} requires grad, so its values belong to the graph; "
                "call tensor.detach().numpy() instead, as in PyTorch"
            )
        return backend.as_numpy(self.array)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"but this tensor has shape {tuple(self.shape)}; index it or reduce it (e.g. .sum()) first"
            )
        return self.array.item()

    def tolist(self) -> Any:
        return backend.as_numpy(self.array).tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if self.device != "cpu":
            raise TypeError("cannot convert a cuda tensor to a NumPy array implicitly; call .numpy() or .cpu()")
        array = self.array if dtype is None else self.array.astype(dtype, copy=False)
        return array.copy() if copy else array

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer tensor as an index, as PyTorch: ``range(t)``, ``items[t]``."""
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError(
                f"only one-element integer tensors can be used as an index, but this tensor is {self.dtype} "
                f"with shape {tuple(self.shape)}; convert it with int(t.item()) if that is what you mean"
            )
        return operator.index(self.array.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats its Python number (``f"{loss:.4f}"``); any other tensor formats as its repr."""
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"format spec {spec!r} applies to 0-d tensors (numbers), but this tensor has shape "
                f"{tuple(self.shape)}; format t.item() for a one-element tensor, or t.tolist() for values"
            )
        return repr(self)

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise ValueError(
                f"the truth value of a tensor with shape {tuple(self.shape)} is ambiguous; "
                "reduce it to one value first, e.g. bool((t > 0).sum() > 0) for 'any element is positive'"
            )
        return bool(self.array.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        body = np.array2string(backend.as_numpy(self.array), separator=", ", prefix="Tensor(")
        extras = []
        if self.array.dtype not in (default_float(), np.dtype(np.int64), np.dtype(bool)):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({', '.join([body, *extras])})"

    # ------------------------------------------------------------------ graph
    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow through it to this tensor."""
        return ops.Clone.apply(self)

    def detach(self) -> Tensor:
        """The same memory, cut off from the graph (no ``grad_fn``, no gradient)."""
        return inplace.alias(self)

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was written in place (PyTorch's ``_version``)."""
        return 0 if self._versions is None else self._versions.count

    def backward(self, gradient: Operand = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) * ``gradient`` into ``.grad`` of every leaf that requires grad.

        ``gradient`` may be omitted only for a one-element tensor (it is then 1). The graph is
        freed afterwards unless ``retain_graph=True`` (the default when ``create_graph=True``).
        With ``create_graph=True`` the gradients are themselves differentiable; note that this
        stores graph tensors in ``.grad`` (a parameter then references its own graph), so prefer
        ``tg.grad(..., create_graph=True)`` for higher derivatives, as PyTorch advises.
        """
        autograd.backward(self, gradient, retain_graph, create_graph)

    # ------------------------------------------------------------------ device and dtype
    def to(self, *args: Any, device: Any = None, dtype: Any = None, copy: bool = False) -> Tensor:
        """Move to a device and/or cast to a dtype: ``t.to("cuda")``, ``t.to(tg.float64)``,
        ``t.to("cuda", tg.float16)``, ``t.to(other)`` (other's device and dtype), as PyTorch.
        Returns this tensor itself when nothing changes (unless ``copy=True``)."""
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif backend.names_device(arg):
                device = arg
            else:
                dtype = arg
        out = self
        if dtype is not None:
            try:
                target = check_dtype(dtype)
            except TypeError as error:
                raise TypeError(
                    f"to(): unknown device or dtype {dtype!r}: use 'cpu', 'cuda', or a dtype such as tg.float32"
                ) from error
            if target != self.array.dtype:
                out = ops.Cast.apply(out, dtype=target)
        if device is not None and backend.normalize_device(device) != backend.device_of(out.array):
            out = ops.ToDevice.apply(out, device=backend.normalize_device(device))
        return out.clone() if copy and out is self else out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def type(self, dtype: Any = None) -> str | Tensor:
        """Without an argument, the legacy type name (``'tinygrad_edu.FloatTensor'``, or
        ``'tinygrad_edu.cuda.FloatTensor'`` on the GPU); with a dtype or such a name
        (``'torch.LongTensor'`` too), this tensor cast to it."""
        if dtype is None:
            place = "" if backend.device_of(self.array) == "cpu" else "cuda."
            return f"tinygrad_edu.{place}{TYPE_NAMES[self.array.dtype.name]}"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            *place, name = dtype.split(".")
            by_type_name = {type_name: name for name, type_name in TYPE_NAMES.items()}
            if name not in by_type_name or place[1:] not in ([], ["cuda"]):
                raise TypeError(f"type(): unknown tensor type {dtype!r}: use e.g. 'tinygrad_edu.FloatTensor'")
            return self.to(by_type_name[name], device="cuda" if place[1:] else None)
        return self.to(dtype)

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def half(self) -> Tensor:
        return self.to(np.float16)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def short(self) -> Tensor:
        return self.to(np.int16)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    # ------------------------------------------------------------------ arithmetic operators
    def __add__(self, other: Operand) -> Tensor:
        return ops.Add.apply(*_operands(self, other))

    def __radd__(self, other: Operand) -> Tensor:
        return ops.Add.apply(*_operands(self, other, reverse=True))

    def __sub__(self, other: Operand) -> Tensor:
        return ops.Sub.apply(*_operands(self, other))

    def __rsub__(self, other: Operand) -> Tensor:
        return ops.Sub.apply(*_operands(self, other, reverse=True))

    def __mul__(self, other: Operand) -> Tensor:
        return ops.Mul.apply(*_operands(self, other))

    def __rmul__(self, other: Operand) -> Tensor:
        return ops.Mul.apply(*_operands(self, other, reverse=True))

    def __truediv__(self, other: Operand) -> Tensor:
        return ops.Div.apply(*_operands(self, other, floating=True))

    def __rtruediv__(self, other: Operand) -> Tensor:
        return ops.Div.apply(*_operands(self, other, reverse=True, floating=True))

    def __pow__(self, other: Operand) -> Tensor:
        return ops.Pow.apply(*_operands(self, other))

    def __rpow__(self, other: Operand) -> Tensor:
        return ops.Pow.apply(*_operands(self, other, reverse=True))

    def __matmul__(self, other: Operand) -> Tensor:
        return _matmul(self, _as_operand(other, self))  # no promotion: _matmul refuses mixed dtypes

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _matmul(_as_operand(other, self), self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def matmul(self, other: Operand) -> Tensor:
        return self @ other

    def mm(self, other: Tensor) -> Tensor:
        """The product of two matrices (2-D only, as torch.mm; ``matmul`` broadcasts)."""
        _check_ndims("mm", (self, other), 2, "use matmul (or @) for vectors and batches")
        return self @ other

    def bmm(self, other: Tensor) -> Tensor:
        """Batched matrix product of (b, n, m) and (b, m, p) tensors (3-D only, as torch.bmm)."""
        _check_ndims("bmm", (self, other), 3, "use matmul (or @) to broadcast batches")
        if self.shape[0] != other.shape[0]:
            raise ValueError(f"bmm: batch sizes differ: shapes {tuple(self.shape)} and {tuple(other.shape)}")
        return self @ other

    def dot(self, other: Tensor) -> Tensor:
        """The inner product of two vectors of one length (1-D only, as torch.dot)."""
        _check_ndims("dot", (self, other), 1, "use matmul (or @) for matrices")
        return self @ other

    def outer(self, other: Tensor) -> Tensor:
        """The outer product of two vectors: ``result[i, j] = self[i] * other[j]``."""
        _check_ndims("outer", (self, other), 1, "flatten them first")
        return self.unsqueeze(1) * other

    def add(self, other: Operand, *, alpha: float = 1) -> Tensor:
        """``self + alpha * other``."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Operand, *, alpha: float = 1) -> Tensor:
        """``self - alpha * other``."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Operand) -> Tensor:
        return self * other

    def div(self, other: Operand) -> Tensor:
        return self / other

    def pow(self, exponent: Operand) -> Tensor:
        return self**exponent

    def neg(self) -> Tensor:
        return -self

    # ------------------------------------------------------------------ in-place ops (rules in inplace.py)
    def add_(self, other: Operand, *, alpha: float = 1) -> Tensor:
        return inplace.update(self, "add_", lambda t, o: t.add(o, alpha=alpha), other)

    def sub_(self, other: Operand, *, alpha: float = 1) -> Tensor:
        return inplace.update(self, "sub_", lambda t, o: t.sub(o, alpha=alpha), other)

    def mul_(self, other: Operand) -> Tensor:
        return inplace.update(self, "mul_", Tensor.mul, other)

    def div_(self, other: Operand) -> Tensor:
        return inplace.update(self, "div_", Tensor.div, other)

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        return inplace.update(self, "clamp_", lambda t: t.clamp(min, max))

    clip_ = clamp_

    def copy_(self, src: Operand) -> Tensor:
        """Write ``src`` (broadcast, cast to this dtype and device) into this tensor; gradients flow to ``src``."""
        return inplace.update(self, "copy_", inplace.copied, _as_operand(src, self))

    def fill_(self, value: float) -> Tensor:
        return inplace.update(self, "fill_", lambda t: inplace.filled(t, value))

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with samples of N(mean, std**2)."""
        return inplace.update(self, "normal_", lambda t: inplace.sampled(t, "normal", mean, std, generator))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with samples of the uniform distribution on [a, b)."""
        return inplace.update(self, "uniform_", lambda t: inplace.sampled(t, "uniform", a, b, generator))

    def scatter_(self, dim: int, index: Tensor, src: Operand = None, *, value: float | None = None) -> Tensor:
        """``self[..., index[i, j], ...] = src[i, j]`` along axis ``dim`` (a number ``value`` fills instead)."""
        return inplace.scatter(self, _single_axis(self, "scatter_", dim), index, value if src is None else src)

    def __setitem__(self, index: Any, value: Operand) -> None:
        inplace.set_item(self, _index_argument(index, self.device), value)

    # ------------------------------------------------------------------ comparisons (no gradient)
    def __lt__(self, other: Operand) -> Tensor:
        return _compare(operator.lt, self, other)

    def __le__(self, other: Operand) -> Tensor:
        return _compare(operator.le, self, other)

    def __gt__(self, other: Operand) -> Tensor:
        return _compare(operator.gt, self, other)

    def __ge__(self, other: Operand) -> Tensor:
        return _compare(operator.ge, self, other)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(operator.eq, self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(operator.ne, self, other)

    def eq(self, other: Operand) -> Tensor:
        return _compare_or_refuse(operator.eq, self, other)

    def ne(self, other: Operand) -> Tensor:
        return _compare_or_refuse(operator.ne, self, other)

    def lt(self, other: Operand) -> Tensor:
        return _compare_or_refuse(operator.lt, self, other)

    def le(self, other: Operand) -> Tensor:
        return _compare_or_refuse(operator.le, self, other)

    def gt(self, other: Operand) -> Tensor:
        return _compare_or_refuse(operator.gt, self, other)

    def ge(self, other: Operand) -> Tensor:
        return _compare_or_refuse(operator.ge, self, other)

    # ------------------------------------------------------------------ integer arithmetic (no gradient)
    def __mod__(self, other: Operand) -> Tensor:
        """The remainder with the divisor's sign (Python's and ``torch.remainder``'s)."""
        return _without_gradient("%", operator.mod, *_operands(self, other))

    def __rmod__(self, other: Operand) -> Tensor:
        return _without_gradient("%", operator.mod, *_operands(self, other, reverse=True))

    def __floordiv__(self, other: Operand) -> Tensor:
        """Division rounded down, as ``torch.floor_divide``."""
        return _without_gradient("//", operator.floordiv, *_operands(self, other))

    def __rfloordiv__(self, other: Operand) -> Tensor:
        return _without_gradient("//", operator.floordiv, *_operands(self, other, reverse=True))

    remainder, floor_divide = __mod__, __floordiv__

    # ------------------------------------------------------------------ logic on bool and integer tensors
    def __and__(self, other: Operand) -> Tensor:
        """Elementwise and (bitwise for integers), as torch: ``(x > 0) & (x < 1)``."""
        return _bitwise("&", operator.and_, *_operands(self, other))

    def __or__(self, other: Operand) -> Tensor:
        return _bitwise("|", operator.or_, *_operands(self, other))

    def __xor__(self, other: Operand) -> Tensor:
        return _bitwise("^", operator.xor, *_operands(self, other))

    def __invert__(self) -> Tensor:
        """Elementwise not (bitwise for integers): ``~mask``."""
        return _bitwise("~", lambda a, _: ~a, self, self)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    bitwise_and, bitwise_or, bitwise_xor, bitwise_not = __and__, __or__, __xor__, __invert__

    # ------------------------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        return ops.Exp.apply(_floating(self))

    def log(self) -> Tensor:
        return ops.Log.apply(_floating(self))

    def log2(self) -> Tensor:
        return ops.Log2.apply(_floating(self))

    def log10(self) -> Tensor:
        return ops.Log10.apply(_floating(self))

    def exp2(self) -> Tensor:
        return ops.Exp2.apply(_floating(self))

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(_floating(self))

    def rsqrt(self) -> Tensor:
        """1 / sqrt(x)."""
        return 1 / self.sqrt()

    def square(self) -> Tensor:
        """x * x; bools square as int64, as PyTorch's (its x**2)."""
        x = self.long() if self.array.dtype == np.bool_ else self
        return x * x

    def reciprocal(self) -> Tensor:
        """1 / x, in floating point for integer tensors (as PyTorch)."""
        return 1 / self

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def sin(self) -> Tensor:
        return ops.Sin.apply(_floating(self))

    def cos(self) -> Tensor:
        return ops.Cos.apply(_floating(self))

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(_floating(self))

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(_floating(self))

    def relu(self) -> Tensor:
        return ops.ReLU.apply(self)

    def softplus(self) -> Tensor:
        """log(1 + e**x), a smooth ReLU, computed without overflow."""
        return ops.Softplus.apply(_floating(self))

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        if not isinstance(negative_slope, numbers.Real):
            raise TypeError(f"leaky_relu: negative_slope must be a number, got {negative_slope!r}")
        return ops.LeakyReLU.apply(self, slope=float(negative_slope))  # a Python float never promotes

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """Limit values to ``[min, max]`` (either bound may be None); ``clamp`` is the same."""
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        x = self
        if any(isinstance(bound, numbers.Real) and not isinstance(bound, numbers.Integral) for bound in (min, max)):
            x = _floating(self)  # a float bound on an integer tensor computes in float32
        # a missing bound is the dtype's most extreme value: -inf and inf for floats
        lowest, highest = (-math.inf, math.inf) if x.dtype.kind == "f" else _integer_range(x.dtype)
        lo, hi = (_as_operand(b, x) for b in (lowest if min is None else min, highest if max is None else max))
        return ops.Clip.apply(x, lo, hi)

    clamp = clip

    # ------------------------------------------------------------------ reductions
    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        axis, keepdims = _axis_arguments(self, "sum", axis, keepdims, dim, keepdim)
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        axis, keepdims = _axis_arguments(self, "mean", axis, keepdims, dim, keepdim)
        count = self.array.size if axis is None else math.prod(self.shape[i] for i in axis)
        return _floating(self).sum(axis=axis, keepdims=keepdims) / count

    def amax(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """The largest value over one or several axes (all by default); ties share the gradient."""
        axis, keepdims = _axis_arguments(self, "amax", axis, keepdims, dim, keepdim)
        _check_not_empty(self, "amax", axis)
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def amin(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """The smallest value over one or several axes (all by default); ties share the gradient."""
        axis, keepdims = _axis_arguments(self, "amin", axis, keepdims, dim, keepdim)
        _check_not_empty(self, "amin", axis)
        return ops.Max.apply(self, axis=axis, keepdims=keepdims, smallest=True)

    def max(
        self, dim: int | Tensor | None = None, keepdim: bool = False, *, axis: int | None = None, keepdims: bool = False
    ) -> Tensor | return_types.max:
        """As torch.max: the largest value (no ``dim``); ``(values, indices)`` along ``dim``, where
        the gradient goes to the index picked; with a Tensor argument, the elementwise ``maximum``.
        Use ``amax`` to reduce several axes at once."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        return _extremum(self, "max", axis if dim is None else dim, keepdim or keepdims)

    def min(
        self, dim: int | Tensor | None = None, keepdim: bool = False, *, axis: int | None = None, keepdims: bool = False
    ) -> Tensor | return_types.min:
        """As torch.min: the smallest value, ``(values, indices)`` along ``dim``, or the elementwise ``minimum``."""
        if isinstance(dim, Tensor):
            return minimum(self, dim)
        return _extremum(self, "min", axis if dim is None else dim, keepdim or keepdims)

    def var(
        self,
        dim: Axis = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
        axis: Axis = None,
        keepdims: bool = False,
    ) -> Tensor:
        """Variance with Bessel's ``correction``: 1 by default, as PyTorch (``unbiased=False`` or
        ``correction=0`` for the population variance). Arguments in PyTorch's order."""
        correction = _correction("var", unbiased, correction)
        axis, keepdims = _axis_arguments(self, "var", axis, keepdims, dim, keepdim or None)
        return ops.Var.apply(_floating(self), axis=axis, keepdims=keepdims, correction=correction)

    def std(
        self,
        dim: Axis = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
        axis: Axis = None,
        keepdims: bool = False,
    ) -> Tensor:
        """Standard deviation, the square root of ``var`` (same arguments)."""
        correction = _correction("std", unbiased, correction)
        axis, keepdims = _axis_arguments(self, "std", axis, keepdims, dim, keepdim or None)
        return ops.Std.apply(_floating(self), axis=axis, keepdims=keepdims, correction=correction)

    def norm(self, p: float | str = 2, dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The p-norm over ``dim`` (all elements by default), as torch.norm: ``p`` is a number,
        ``inf``/``-inf`` (largest/smallest magnitude) or ``"fro"`` (the 2-norm)."""
        axis, keepdims = _axis_arguments(self, "norm", dim, keepdim, None, None)
        x = _floating(self)
        if p in (2, "fro"):
            return ops.Norm.apply(x, axis=axis, keepdims=keepdims)
        if isinstance(p, str) or not isinstance(p, numbers.Real):
            raise ValueError(f"norm: p must be a number, inf, -inf or 'fro', got {p!r}")
        if p == 1:
            return x.abs().sum(axis, keepdims)
        if math.isinf(p):
            return x.abs().amax(axis, keepdims) if p > 0 else x.abs().amin(axis, keepdims)
        if p == 0:
            return (x != 0).to(x.dtype).sum(axis, keepdims)
        if p > 1:
            return ops.Norm.apply(x, axis=axis, keepdims=keepdims, p=float(p))
        return (x.abs() ** p).sum(axis, keepdims) ** (1 / p)  # 0 < p < 1 (not a norm) or negative p

    def logsumexp(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """log(sum(exp(x))) without overflow: the max is factored out first."""
        axis, keepdims = _axis_arguments(self, "logsumexp", axis, keepdims, dim, keepdim)
        kept = ops.LogSumExp.apply(_floating(self), axis=axis)
        return kept if keepdims else kept.squeeze(axis)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.Softmax.apply(_floating(self), axis=_single_axis(self, "softmax", axis if dim is None else dim))

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        axis = _single_axis(self, "log_softmax", axis if dim is None else dim)
        return ops.LogSoftmax.apply(_floating(self), axis=axis)

    def argmax(
        self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None, keepdim: bool = False
    ) -> Tensor:
        """Index of the largest value (flattened when ``axis`` is None); an int64 tensor, no gradient."""
        return _arg_extremum(self, "argmax", axis if dim is None else dim, keepdims or keepdim)

    def argmin(
        self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None, keepdim: bool = False
    ) -> Tensor:
        return _arg_extremum(self, "argmin", axis if dim is None else dim, keepdims or keepdim)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """Indices that sort the values along ``dim``; int64, no gradient. The sort is always
        stable (equal values keep their order), so ``stable`` is accepted for PyTorch's sake."""
        axis, xp = _single_axis(self, "argsort", dim), backend.get_array_module(self.array)
        values = self.array.reshape(self.shape or (1,))
        if descending:  # sort the reversed values, reverse back: ties keep their order, NaN comes first
            order = values.shape[axis] - 1 - xp.flip(_stable_argsort(xp.flip(values, axis), axis), axis)
        else:
            order = _stable_argsort(values, axis)
        return _wrap(order.astype(np.int64, copy=False).reshape(self.shape))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> return_types.sort:
        """``(values, indices)``: the values sorted along ``dim`` (NaN last, or first when
        ``descending``), and where each came from. Gradients flow back to the positions they came from."""
        indices = self.argsort(dim, descending, stable)
        return return_types.sort(_take_along(self, _single_axis(self, "sort", dim), indices), indices)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> return_types.topk:  # noqa: A002
        """``(values, indices)`` of the ``k`` largest (or smallest) values along ``dim``, largest
        first (always sorted). Gradients flow back to those positions."""
        axis = _single_axis(self, "topk", dim)
        length = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= length or (k == 0 and not self.ndim):
            raise ValueError(
                f"topk: k={k} is out of range for dim {dim} of length {length} (shape {tuple(self.shape)})"
            )
        picked = (slice(None),) * axis + (slice(0, k),)
        indices = self.argsort(dim, descending=largest)[picked if self.ndim else ()]
        return return_types.topk(_take_along(self, axis, indices), indices)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """Same values in a new shape; one dimension may be -1 (inferred)."""
        if len(shape) == 1 and type(shape[0]) is tuple:  # reshape((2, 3)), as the engine itself calls it
            shape = shape[0]
        if shape == self.array.shape:
            return self
        shape = _shape_argument(shape, "reshape", lowest=-1)
        if shape.count(-1) > 1:
            raise ValueError(f"reshape: only one size can be -1 (inferred), got {shape}")
        if -1 in shape:  # infer it here, so a reshape to the same shape costs nothing
            known = math.prod(n for n in shape if n != -1)
            if known and self.array.size % known == 0:
                shape = tuple(self.array.size // known if n == -1 else n for n in shape)
        if shape == self.shape:
            return self
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_axis: int = 0, end_axis: int = -1) -> Tensor:
        """Merge axes ``start_axis..end_axis`` into one (all of them by default)."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (_single_axis(self, "flatten", a) for a in (start_axis, end_axis))
        if start > end:
            raise ValueError(
                f"flatten: start_axis {start_axis} comes after end_axis {end_axis} for shape {tuple(self.shape)}"
            )
        return self.reshape(*self.shape[:start], -1, *self.shape[end + 1 :])

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        """Reorder the axes: axis i of the result is axis ``dims[i]`` of this tensor."""
        dims = _shape_argument(dims, "permute", lowest=None)
        normalized = tuple(a % self.ndim if -self.ndim <= a < self.ndim else a for a in dims) if self.ndim else dims
        if sorted(normalized) != list(range(self.ndim)):
            raise ValueError(
                f"permute: {dims} is not a permutation of the {self.ndim} axes of shape {tuple(self.shape)}; "
                "name every axis once, or use transpose(dim0, dim1) to swap two axes"
            )
        if normalized == tuple(range(self.ndim)):
            return self
        return ops.Transpose.apply(self, axes=normalized)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap axes ``dim0`` and ``dim1`` (PyTorch's meaning; NumPy's ``transpose`` is ``permute``)."""
        a, b = _single_axis(self, "transpose", dim0), _single_axis(self, "transpose", dim1)
        if a == b:
            return self
        axes = list(range(self.array.ndim))
        axes[a], axes[b] = b, a
        return ops.Transpose.apply(self, axes=tuple(axes))

    swapaxes = swapdims = transpose

    def t(self) -> Tensor:
        """The transpose of a matrix (a tensor of at most 2 axes), as ``torch.t``."""
        if self.ndim > 2:
            raise ValueError(
                f"t() expects a tensor with at most 2 axes, got shape {tuple(self.shape)}; use transpose(dim0, dim1)"
            )
        return self.T

    def unsqueeze(self, axis: int) -> Tensor:
        """Insert a size-1 axis at ``axis`` (negative counts from the end of the result)."""
        axis = _checked_axis("unsqueeze", axis, self.array.shape, self.ndim + 1)  # a new axis may come last
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def squeeze(self, axis: Axis = None) -> Tensor:
        """Remove size-1 axes (all of them, or the given ones)."""
        axes = range(self.ndim) if axis is None else _normalize_axes(self, "squeeze", axis)
        return self.reshape(*(n for i, n in enumerate(self.shape) if not (i in axes and n == 1)))

    def expand(self, *shape: int | Sequence[int]) -> Tensor:
        """Broadcast to ``shape`` without copying (-1 keeps a dimension), as torch.expand."""
        if len(shape) == 1 and type(shape[0]) is tuple and -1 not in shape[0]:  # the engine's own calls
            shape = shape[0]
            return self if shape == self.array.shape else ops.Expand.apply(self, shape=shape)
        shape = _shape_argument(shape, "expand", lowest=-1)
        extra = len(shape) - self.ndim
        shape = tuple(self.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(shape))
        if (
            extra < 0
            or -1 in shape
            or any(old not in (1, new) for old, new in zip(self.shape, shape[extra:], strict=False))
        ):
            raise ValueError(
                f"expand: cannot expand shape {tuple(self.shape)} to {shape}: each size must be 1 or equal the "
                f"new size (-1 keeps it), and new axes come first"
            )
        if shape == self.shape:
            return self
        return ops.Expand.apply(self, shape=shape)

    broadcast_to = expand

    def repeat(self, *sizes: int | Sequence[int]) -> Tensor:
        """Tile: repeat the whole tensor ``sizes[i]`` times along axis i (as torch.repeat and
        np.tile; extra leading sizes add axes). Each axis becomes (copies, length) by expand, then one."""
        sizes = _shape_argument(sizes, "repeat")
        if len(sizes) < self.ndim:
            raise ValueError(
                f"repeat: give at least one size per axis: {len(sizes)} sizes for shape {tuple(self.shape)}"
            )
        shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
        spread = self.reshape(*(n for length in shape for n in (1, length)))
        tiled = spread.expand(*(n for copies, length in zip(sizes, shape, strict=True) for n in (copies, length)))
        return tiled.reshape(*(copies * length for copies, length in zip(sizes, shape, strict=True)))

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim``: each of ``split_size`` (the last may be shorter), or of the given
        lengths, as torch.split. Each piece is a slice, so gradients flow back to it."""
        axis = _single_axis(_with_axes(self, "split"), "split", dim)
        length = self.shape[axis]
        if isinstance(split_size_or_sections, numbers.Integral):
            size = int(split_size_or_sections)
            if size <= 0 and length:
                raise ValueError(f"split: split_size must be positive, got {size}")
            sections = [min(size, length - start) for start in range(0, length, size)] if length else [0]
        else:
            sections = [int(n) for n in split_size_or_sections]
            if sum(sections) != length or min(sections, default=0) < 0:
                raise ValueError(
                    f"split: sections {sections} must be non-negative and add up to {length}, the length of "
                    f"dim {dim} of shape {tuple(self.shape)}"
                )
        before, ends = (slice(None),) * axis, itertools.accumulate(sections)
        return tuple(self[(*before, slice(end - n, end))] for n, end in zip(sections, ends, strict=True))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` pieces of equal length ceil(n / chunks) along ``dim`` (the last may be
        shorter, and there may be fewer pieces), as torch.chunk."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        length = self.shape[_single_axis(_with_axes(self, "chunk"), "chunk", dim)]
        return self.split(max(-(-length // chunks), 1), dim)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, index=_index_argument(index, self.device))


def _check_assigned_grad(tensor: Tensor, grad: Any) -> None:
    """Raise unless ``grad`` can be ``tensor``'s gradient: a Tensor other than itself, of its shape,
    dtype and device."""
    if not isinstance(grad, Tensor):
        raise TypeError(
            f"assigned grad expected to be a Tensor or None but got grad of type {type(grad).__name__}; "
            "wrap the values in a Tensor of the tensor's shape, dtype and device"
        )
    if grad is tensor:
        raise RuntimeError("cannot assign a tensor as its own grad; assign a copy (t.grad = t.detach().clone())")
    if grad.array.shape != tensor.array.shape:
        raise ValueError(
            f"assigned grad has shape {tuple(grad.shape)}, but the tensor has shape {tuple(tensor.shape)}; "
            "they must be the same (a gradient is never broadcast)"
        )
    if grad.array.dtype != tensor.array.dtype:
        raise TypeError(
            f"assigned grad has dtype {grad.dtype}, but the tensor has dtype {tensor.dtype}; "
            f"convert it with grad.to({tensor.dtype})"
        )
    if type(grad.array) is not type(tensor.array) and grad.device != tensor.device:
        raise RuntimeError(
            f"assigned grad is on {grad.device}, but the tensor is on {tensor.device}; "
            f"move it with grad.to({str(tensor.device)!r})"
        )


# ---------------------------------------------------------------------------- construction
def _wrap(array: Any) -> Tensor:
    """A constant Tensor around an existing backend array, without copying (for internal use)."""
    if type(array) is not np.ndarray and isinstance(array, np.generic | numbers.Number):
        array = np.asarray(array)  # NumPy reductions return scalars; keep tensors array-backed
    tensor = Tensor.__new__(Tensor)
    tensor.array = array
    tensor._grad = None
    tensor._ctx = None
    tensor._requires_grad = False
    tensor._versions = None
    return tensor


def _array_from(data: Any, dtype: Any, device: Any) -> Any:
    """Copy ``data`` into a new backend array on ``device``: Python floats give the default float
    dtype (float32), NumPy arrays keep their dtype. Without ``device`` a Tensor or CuPy array stays
    where it is and anything else goes to the default device (the CPU), as PyTorch."""
    if isinstance(data, Tensor):
        data = data.array
    dtype = None if dtype is None else check_dtype(dtype)
    if isinstance(data, np.ndarray | np.generic) or backend.is_device_array(data):
        if data.dtype.kind not in SUPPORTED_KINDS:
            raise TypeError(f"cannot build a tensor from an array of dtype {data.dtype}: use numbers")
        if device is None:
            target = backend.device_of(data) if backend.is_device_array(data) else backend.normalize_device(None)
        else:
            target = backend.normalize_device(device)
        if target == "cpu" and type(data) is np.ndarray:  # the common case: a NumPy array, copied
            return np.array(data, dtype=dtype, copy=True)
        return backend.array_module(target).array(backend.to_device(data, target), dtype=dtype, copy=True)
    try:
        array = np.array(data)
    except ValueError as error:
        raise ValueError(f"cannot build a tensor from this data (is it a ragged nested list?): {error}") from error
    if array.dtype.kind not in SUPPORTED_KINDS:
        raise TypeError(f"cannot build a tensor from {type(data).__name__} data of dtype {array.dtype}: use numbers")
    if dtype is not None:
        array = array.astype(dtype)
    elif array.dtype.kind == "f":
        array = array.astype(default_float())  # Python floats are double precision; tensors default to float32
    return backend.to_device(array, backend.normalize_device(device))


# ---------------------------------------------------------------------------- operand handling
def _as_operand(value: Any, like: Tensor) -> Tensor:
    """Turn the other operand of a binary op into a Tensor on ``like``'s device.

    A number takes ``like``'s dtype (``dtypes.scalar_dtype``); arrays keep theirs.
    """
    if isinstance(value, Tensor):
        return value
    if type(value) is np.ndarray:
        return _wrap(value)
    if isinstance(value, numbers.Number | np.generic):
        xp = backend.get_array_module(like.array)
        return _wrap(backend.scalar_array(xp, value, scalar_dtype(value, like.array.dtype)))
    if isinstance(value, np.ndarray) or backend.is_device_array(value):
        return _wrap(value)
    return Tensor(value, device=like.device)


def _operands(self: Tensor, other: Any, reverse: bool = False, floating: bool = False) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors of PyTorch's common dtype (``dtypes.result_type``);
    ``floating`` ops (true division) then compute integers as float32."""
    number = not isinstance(other, Tensor) and isinstance(other, numbers.Number | np.generic)
    other = _as_operand(other, self)
    a, b = self.array, other.array
    if a.dtype != b.dtype:
        # a number's dtype was chosen by scalar_dtype (an int too big for uint8 is int64): it stays
        common = dtypes.binary_cast(a.dtype, not a.ndim, b.dtype, not b.ndim, number)
        if common is not None:
            self, other = self.to(common), other.to(common)
    if floating:
        self, other = _floating(self), _floating(other)
    return (other, self) if reverse else (self, other)


def _promoted(*tensors: Tensor) -> list[Tensor]:
    """The tensors cast to PyTorch's ``dtypes.result_type`` of them, where NumPy would otherwise
    combine them into another dtype."""
    arrays = [t.array for t in tensors]
    if all(a.dtype == arrays[0].dtype for a in arrays):  # one dtype: nothing to promote
        return list(tensors)
    common = dtypes.cast_needed(*arrays)
    return list(tensors) if common is None else [t.to(common) for t in tensors]


def _floating(tensor: Tensor) -> Tensor:
    return tensor if tensor.array.dtype.kind == "f" else tensor.to(default_float())


def _integer_range(dtype: np.dtype) -> tuple[int, int]:
    """The smallest and largest value of an integer (or bool) dtype."""
    if dtype.kind == "b":
        return False, True
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _without_gradient(symbol: str, compute: Any, a: Tensor, b: Tensor) -> Tensor:
    """``a symbol b`` on the arrays, for ops that carry no gradient here (``%`` and ``//``)."""
    if autograd.is_grad_enabled() and (a._requires_grad or b._requires_grad):
        raise RuntimeError(
            f"{symbol} has no gradient in tinygrad_edu: compute it under tg.no_grad(), or on .detach()ed tensors"
        )
    try:
        return _wrap(compute(a.array, b.array))
    except ValueError as error:
        raise ValueError(f"{symbol}: cannot combine shapes {tuple(a.shape)} and {tuple(b.shape)}: {error}") from error


def _bitwise(symbol: str, compute: Any, a: Tensor, b: Tensor) -> Tensor:
    """``a symbol b`` on bool or integer tensors (they never carry a gradient)."""
    for t in (a, b):
        if t.dtype.kind not in "biu":
            raise TypeError(
                f"{symbol} takes bool or integer tensors, got {t.dtype}; for a mask of a float tensor "
                f"combine comparisons, e.g. (x > 0) {symbol if symbol != '~' else '&'} (x < 1)"
            )
    return _without_gradient(symbol, compute, a, b)


def _compare(compare: Any, tensor: Tensor, other: Any) -> Tensor:
    try:
        other = _as_operand(other, tensor)
    except TypeError:
        return NotImplemented
    try:
        return _wrap(compare(tensor.array, other.array))
    except ValueError as error:
        raise ValueError(
            f"comparison: cannot compare shapes {tuple(tensor.shape)} and {tuple(other.shape)}: {error}"
        ) from error


def _compare_or_refuse(compare: Any, tensor: Tensor, other: Any) -> Tensor:
    """A comparison called as a method (``x.eq(y)``): there is no reflected operator to fall back on."""
    result = _compare(compare, tensor, other)
    if result is NotImplemented:
        raise TypeError(f"{compare.__name__}: cannot compare a tensor with {type(other).__name__}")
    return result


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b``. A 1-D operand is first made a matrix, as NumPy reads it (a row (1, n) on the left,
    a column (n, 1) on the right), and that axis is removed from the product again. The operands
    must share one dtype, as in PyTorch (no silent float64 product of float32 and float64)."""
    if a.array.dtype != b.array.dtype and a.array.ndim and b.array.ndim:  # 0-d operands get their own error below
        raise dtypes.mismatch_error("matmul", {"a": a, "b": b})
    if a.array.dtype == np.bool_ or b.array.dtype == np.bool_:  # NumPy's bool product is a logical "any"
        raise TypeError(
            f"matmul: bool tensors cannot be multiplied (shapes {tuple(a.shape)} and {tuple(b.shape)}); "
            "convert them with .long() or .float() first"
        )
    a_shape, b_shape = a.array.shape, b.array.shape
    if len(a_shape) > 1 and len(b_shape) > 1 and a_shape[-1] == b_shape[-2]:  # two matrices (or batches)
        return ops.MatMul.apply(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: operands must have at least one dimension, got shapes {tuple(a.shape)} and {tuple(b.shape)}; "
            f"use * for scalars"
        )
    inner_a, inner_b = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned: the last axis of the first "
            f"({inner_a}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} axis of the second ({inner_b})"
        )
    product = ops.MatMul.apply(a if a.ndim > 1 else a.reshape(1, -1), b if b.ndim > 1 else b.reshape(-1, 1))
    rows = product.shape[-2:-1] if a.ndim > 1 else ()
    columns = product.shape[-1:] if b.ndim > 1 else ()
    return product.reshape(*product.shape[:-2], *rows, *columns)


# ---------------------------------------------------------------------------- argument parsing
def _shape_argument(shape: tuple, op: str = "shape", lowest: int | None = 0) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``; every size must be an integer, at least ``lowest``
    (0 for sizes, -1 where -1 means "infer", None for axis numbers, which may be negative)."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list | np.ndarray):
        shape = tuple(shape[0])
    try:
        sizes = tuple(n if type(n) is int else operator.index(n) for n in shape)
    except TypeError:
        bad = next(n for n in shape if not _is_integer(n))
        raise TypeError(
            f"{op}: sizes must be integers, got {bad!r} ({type(bad).__name__}) in {tuple(shape)}; "
            f"use int(...) or round(...) for a computed size"
        ) from None
    if lowest is not None and any(n < lowest for n in sizes):
        meaning = "or -1 (inferred)" if lowest == -1 else "(a size of 0 makes an empty tensor)"
        raise ValueError(f"{op}: sizes must be >= 0 {meaning}, got {sizes}")
    return sizes


def _is_integer(n: Any) -> bool:
    try:
        operator.index(n)
    except TypeError:
        return False
    return True


class AxisError(IndexError, ValueError):
    """An axis (``dim``) out of range: an IndexError, as PyTorch raises, and a ValueError, as NumPy does."""


def _checked_axis(op: str, axis: Any, shape: tuple[int, ...], ndim: int) -> int:
    """``axis`` as a non-negative int below ``ndim``, or an error naming the op, the axis and the shape."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: an axis (dim) must be an int, got {axis!r} ({type(axis).__name__})")
    if not -ndim <= axis < ndim:
        raise AxisError(
            f"{op}: axis {axis} is out of range for a tensor of shape {tuple(shape)} ({len(shape)} dimensions); "
            f"use -{ndim} <= axis < {ndim}"
        )
    return int(axis) % ndim


def _single_axis(tensor: Tensor, op: str, axis: int) -> int:
    ndim = tensor.array.ndim
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked cheaply
        return axis % ndim
    return _checked_axis(op, axis, tensor.array.shape, max(ndim, 1))  # a 0-d tensor has axis 0 and -1


def _normalize_axes(tensor: Tensor, op: str, axis: Axis) -> tuple[int, ...] | None:
    """Axes as a sorted tuple of non-negative ints; ``None`` means every axis."""
    if axis is None:
        return None
    ndim = tensor.array.ndim
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked cheaply
        return (axis % ndim,)
    axes = tuple(axis) if isinstance(axis, tuple | list) else (axis,)
    if not axes:  # dim=() or dim=[]: every axis, as torch (NumPy would reduce none)
        return None
    normalized = tuple(sorted(_checked_axis(op, a, tensor.array.shape, ndim) for a in axes))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: axis {axis} names the same axis twice for shape {tuple(tensor.shape)}")
    return normalized


def _axis_arguments(tensor: Tensor, op: str, axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None) -> tuple:
    """Accept NumPy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` spellings."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return _normalize_axes(tensor, op, axis), bool(keepdims)


def _correction(op: str, unbiased: bool | None, correction: int | None) -> int:
    """Bessel's correction from PyTorch's two spellings: 1 by default, ``unbiased=False`` for 0."""
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give either unbiased or correction, not both")
    return (1 if unbiased is None else int(unbiased)) if correction is None else correction


def _check_not_empty(tensor: Tensor, op: str, axes: tuple[int, ...] | None) -> None:
    """A largest or smallest value needs at least one value in each reduced slice (as torch)."""
    if not tensor.array.size and (axes is None or any(tensor.array.shape[a] == 0 for a in axes)):
        where = "of an empty tensor" if axes is None else f"along dim {', '.join(map(str, axes))}, of size 0"
        raise ValueError(
            f"{op}: there is no extreme value {where}, shape {tuple(tensor.shape)}; reduce a non-empty axis"
        )


def _arg_extremum(tensor: Tensor, name: str, axis: int | None, keepdims: bool) -> Tensor:
    if axis is not None:
        axis = _single_axis(tensor, name, axis)
    _check_not_empty(tensor, name, None if axis is None or tensor.ndim == 0 else (axis,))
    result = getattr(tensor.array, name)(axis=axis, keepdims=keepdims)
    return _wrap(result.astype(np.int64, copy=False))


def _extremum(tensor: Tensor, name: str, dim: Any, keepdim: bool) -> Tensor | tuple:
    """max or min: of every element without ``dim``, else ``(values, indices)`` along one axis."""
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim needs a dim; use a{name}(keepdim=True) to keep every axis")
        return tensor.amax() if name == "max" else tensor.amin()
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{name}(dim) takes one axis, got {dim!r}; use a{name}(dim={dim!r}) for several")
    axis = _single_axis(tensor, name, dim)
    flat = tensor.reshape(1) if tensor.ndim == 0 else tensor
    indices = _arg_extremum(flat, f"arg{name}", axis, keepdims=True)
    values, result = _take_along(flat, axis, indices), getattr(return_types, name)
    if keepdim and tensor.ndim:
        return result(values, indices)
    return result(values.squeeze(axis), indices.squeeze(axis))


def _stable_argsort(array: Any, axis: int) -> Any:
    xp = backend.get_array_module(array)
    return xp.argsort(array, axis=axis, kind="stable" if xp is np else None)  # CuPy always sorts stably


def _take_along(tensor: Tensor, axis: int, indices: Tensor) -> Tensor:
    """``tensor`` picked at ``indices`` (of ``tensor``'s number of axes) along ``axis``, as NumPy's
    take_along_axis, through GetItem: the gradient scatters back to the picked elements."""
    if tensor.ndim == 0:  # one value: pick from it as a vector of one
        return _take_along(tensor.reshape(1), 0, indices.reshape(-1)).reshape(indices.shape)
    xp, ndim = backend.get_array_module(indices.array), indices.ndim
    index = tuple(
        indices.array if i == axis else xp.arange(n).reshape([-1 if j == i else 1 for j in range(ndim)])
        for i, n in enumerate(indices.shape)
    )
    return ops.GetItem.apply(tensor, index=index)


def _with_axes(tensor: Tensor, name: str) -> Tensor:
    """``tensor``, refused if it is 0-d: it has no axis to cut into pieces."""
    if not tensor.ndim:
        raise ValueError(
            f"{name}: expects a tensor of at least 1 dimension, got a 0-d tensor; reshape it with t.reshape(1)"
        )
    return tensor


def _check_ndims(name: str, tensors: tuple[Tensor, ...], ndim: int, hint: str) -> None:
    if any(not isinstance(t, Tensor) or t.ndim != ndim for t in tensors):
        shapes = " and ".join(str(tuple(t.shape)) if isinstance(t, Tensor) else type(t).__name__ for t in tensors)
        raise ValueError(f"{name}: expects {ndim}-D tensors, got {shapes}; {hint}")


def _index_argument(index: Any, device: str) -> Any:
    """Replace Tensors, lists and arrays inside an index with arrays on ``device``.

    An index array from the host is copied to the GPU here, once and on purpose, as PyTorch does
    with a CPU index tensor: indices are small, and the op itself then never mixes devices.
    """
    if isinstance(index, tuple):
        return tuple(_index_argument(part, device) for part in index)
    if isinstance(index, Tensor):
        if index.dtype.kind not in "iub":
            raise IndexError(f"tensors used as indices must be integer or bool, got {index.dtype}")
        index = index.array
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) or backend.is_device_array(index):
        return backend.to_device(index, device)
    return index


# ---------------------------------------------------------------------------- functions of several tensors
def cat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (PyTorch's ``cat``, NumPy's ``concatenate``)."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    for position, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(
                f"cat: tensor {position} has no axes (a 0-d tensor) and cannot be joined along one; "
                f"use tg.stack to make a vector of 0-d tensors"
            )
    axis = _single_axis(tensors[0], "cat", axis if dim is None else dim)
    return ops.Cat.apply(*_promoted(*tensors), axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    axis = _checked_axis("stack", axis if dim is None else dim, tensors[0].array.shape, tensors[0].ndim + 1)
    return cat([t.unsqueeze(axis) for t in tensors], axis=axis)


def where(condition: Any, a: Operand, b: Operand) -> Tensor:
    """``a`` where ``condition`` is true, else ``b`` (broadcast); gradients flow to ``a`` and ``b``."""
    condition = condition if isinstance(condition, Tensor) else Tensor(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor (e.g. x > 0), got {condition.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a, device=condition.device)
    return ops.Where.apply(condition, *_pair(a, b))


def maximum(a: Operand, b: Operand) -> Tensor:
    """Elementwise maximum (broadcast); at ties each input gets half the gradient."""
    return ops.Maximum.apply(*_pair(a, b))


def minimum(a: Operand, b: Operand) -> Tensor:
    """Elementwise minimum (broadcast); at ties each input gets half the gradient."""
    return ops.Maximum.apply(*_pair(a, b), smallest=True)


def _pair(a: Operand, b: Operand) -> tuple[Tensor, Tensor]:
    """Operands of a binary function where either side may be a number (it takes the Tensor's dtype)."""
    if isinstance(a, Tensor):
        return _operands(a, b)
    if isinstance(b, Tensor):
        return _operands(b, a, reverse=True)
    return _operands(Tensor(a), b)


__all__ = ["Size", "Tensor", "cat", "maximum", "minimum", "stack", "where"]

# The one late-binding import (see the module docstring): autograd and ops build on Tensor.
from . import autograd, inplace, ops  # noqa: E402
