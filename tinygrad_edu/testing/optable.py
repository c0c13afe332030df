"""The op table: one row per differentiable op, with everything needed to check its gradient.

A row (``OpSpec``) holds:

- ``op``: the op written once against the PyTorch-compatible API, with the library module as
  its first argument: ``lambda lib, a, b: lib.maximum(a, b)``. With ``lib = tinygrad_edu`` it is
  our op (``spec.fn(*inputs, **params)`` calls it so); with ``lib = torch`` it is PyTorch's, which
  is how ``benchmarks/gradcheck_suite.py`` runs PyTorch's gradcheck on the very same row. This
  package never imports torch: the caller passes it in.
- ``reference``: what the op computes, written with NumPy; called as ``reference(*arrays, **params)``.
- ``kind``: how its inputs are shaped (below); ``arity``: how many tensors it differentiates.
- ``domain``: the range input values are drawn from (one range, or one per input).
- ``kinks``: the points where it has no derivative; ``distinct``: its inputs must not tie (it picks
  one element: max, min, maximum); ``smooth``: twice differentiable, so gradgradcheck applies.
- ``draws_random``: it draws random numbers from the library's own generator (dropout), so two
  libraries give different outputs; its reference takes the ``device`` the numbers were drawn on.
- ``errors``: bad inputs of this op and the errors they must get (``errors.ErrorInput``), besides
  the ones every op of its kind shares (``errors.ops``).

Kinds (what a test must generate for an op):
- ``unary``:     one tensor of any shape.
- ``binary``:    two tensors of mutually broadcastable shapes.
- ``reduce``:    one tensor plus ``axis`` (None, int, negative, tuple) and ``keepdims``.
- ``axis``:      one tensor with at least one dimension plus a single ``axis``.
- ``matmul``:    two tensors whose shapes ``@`` accepts (1-D, 2-D and broadcast batches).
- ``reshape``:   one tensor plus a ``shape`` with the same number of elements.
- ``transpose``: one tensor plus ``axes``, a permutation of its axes.
- ``expand``:    one tensor plus a ``shape`` it broadcasts to.
- ``getitem``:   one tensor with at least one dimension plus an ``index``.
- ``join``:      several tensors of one shape plus an ``axis`` (``cat`` and ``stack``).
- ``where``:     a bool ``condition`` plus two tensors, all broadcastable.
- ``linear``:    x (..., in), weight (out, in) and bias (out,).
- ``class_loss``: logits (N, C) or (C,) plus integer class indices ``target`` (N,) or () and a ``reduction``.
- ``pair_loss``: input and target of one shape (both differentiable) plus a ``reduction``.
- ``batchnorm``: x (N, C) or (N, C, L) with N*L >= 2, weight (C,) and bias (C,).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np

import tinygrad_edu

from ..backend import as_numpy
from ..creation import generator_on
from ..tensor import Tensor
from .errors import ErrorInput

Domain = tuple[float, float]
KINDS = (
    "unary", "binary", "reduce", "axis", "matmul", "reshape", "transpose", "expand", "getitem", "join", "where",
    "linear", "class_loss", "pair_loss", "batchnorm",
)  # fmt: skip


@dataclass(frozen=True)
class OpSpec:
    """How to check one differentiable op (see the module docstring for each field)."""

    name: str
    op: Callable[..., Any]  # op(lib, *inputs, **params), lib being tinygrad_edu or torch
    reference: Callable[..., np.ndarray]  # reference(*arrays, **params), in NumPy
    kind: str
    arity: int = 1
    domain: Domain | tuple[Domain, ...] = (-3.0, 3.0)
    kinks: tuple[float, ...] = ()
    distinct: bool = False  # inputs must not tie (the op picks one element: max, min, maximum)
    smooth: bool = True  # twice differentiable on its domain: gradgradcheck applies
    draws_random: bool = False  # draws from the library's own generator: libraries' outputs differ
    errors: tuple[ErrorInput, ...] = ()  # bad inputs of this op besides those its kind shares (errors.ops)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"OpSpec {self.name!r}: unknown kind {self.kind!r}; use one of {', '.join(KINDS)}")

    def fn(self, *inputs: Any, **params: Any) -> Tensor:
        """The op on tinygrad_edu's Tensors: ``op(tinygrad_edu, *inputs, **params)``."""
        return self.op(tinygrad_edu, *inputs, **params)

    def domain_of(self, position: int) -> Domain:
        """The value range of input ``position``."""
        if isinstance(self.domain[0], tuple):
            return self.domain[position]  # type: ignore[return-value]
        return self.domain  # type: ignore[return-value]


# ----------------------------------------------------------------------------- op helpers
def _dims(x: Any, axis: int | tuple[int, ...] | None) -> int | tuple[int, ...]:
    """``axis=None`` (every axis) as an explicit tuple: torch's logsumexp has no ``dim=None``."""
    return tuple(range(x.ndim)) if axis is None else axis


def _dropout_after_manual_seed(lib: ModuleType, x: Any) -> Any:
    """Dropout with p=0.3 and the same mask on every call (the seed is reset first), so it can be
    differentiated numerically: the gradient must be the upstream gradient times the mask."""
    lib.manual_seed(7)
    return lib.nn.functional.dropout(x, 0.3, training=True)


# ----------------------------------------------------------------------------- NumPy references
def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _torch_axes(axis: Any) -> Any:
    """PyTorch's meaning of ``dim=()``: every axis (NumPy's ``axis=()`` reduces none)."""
    return None if axis == () else axis


def _reduction(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    return lambda x, axis=None, keepdims=False: fn(x, axis=_torch_axes(axis), keepdims=keepdims)


def _logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=_torch_axes(axis), keepdims=keepdims))


def _expanded(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``x.expand(shape)``: each -1 in ``shape`` keeps the input's dimension."""
    extra = len(shape) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - extra] if n == -1 else n for i, n in enumerate(shape)))


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return x @ weight.T + bias


def _batch_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Training mode: each feature (axis 1) normalised with its batch mean and biased variance."""
    axes = (0,) if x.ndim == 2 else (0, 2)
    per_feature = (1, -1) + (1,) * (x.ndim - 2)
    normalised = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return normalised * weight.reshape(per_feature) + bias.reshape(per_feature)


def _dropout_after_seed_7(x: np.ndarray, p: float = 0.3, device: str = "cpu") -> np.ndarray:
    """The mask is drawn again from the seed: after ``tg.manual_seed(7)`` the library generator's
    uniform numbers decide, each element is kept where its number is >= p and scaled by 1 / (1 - p).

    This is more independent than reading the mask off the op's own output on a ones input: that
    would only show the op multiplies by *some* fixed mask, while this also proves which elements
    are dropped (keep probability 1 - p, not p), the scale, and that the seed controls the draw.
    """
    tinygrad_edu.manual_seed(7)
    keep = as_numpy(generator_on(device).random(x.shape, dtype=np.float32) >= p)
    return np.where(keep, x / (1 - p), 0.0)


def _reduce_loss(losses: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](losses)


def _picked(x: np.ndarray, target: Any) -> np.ndarray:
    """x[..., target]: each sample's entry for its class (target may be a Tensor: np.asarray reads it)."""
    return np.take_along_axis(x, np.asarray(target)[..., None], axis=-1)[..., 0]


def _cross_entropy(x: np.ndarray, target: Any, reduction: str = "mean") -> np.ndarray:
    return _reduce_loss(_logsumexp(x, -1) - _picked(x, target), reduction)


def _nll_loss(x: np.ndarray, target: Any, reduction: str = "mean") -> np.ndarray:
    return _reduce_loss(-_picked(x, target), reduction)


def _mse_loss(x: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    return _reduce_loss((x - t) ** 2, reduction)


def _l1_loss(x: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    return _reduce_loss(np.abs(x - t), reduction)


def _binary_cross_entropy(p: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    log_p, log_not_p = np.maximum(np.log(p), -100.0), np.maximum(np.log(1 - p), -100.0)  # clamped as PyTorch
    return _reduce_loss(-(t * log_p + (1 - t) * log_not_p), reduction)


def _bce_with_logits(z: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """-(t log s(z) + (1 - t) log(1 - s(z))) = softplus(z) - t z, with softplus(z) = log(1 + e**z)."""
    return _reduce_loss(np.logaddexp(0.0, z) - t * z, reduction)


def _in_place(method: str) -> Callable[..., Any]:
    """An in-place method applied to a tensor in the graph: ``y = a + 0 * b`` (the broadcast shape,
    with a history), then ``y.method(b)``. Its gradients flow through the node the write records."""

    def op(lib: ModuleType, a: Any, b: Any) -> Any:
        y = a + 0 * b
        getattr(y, method)(b)
        return y

    return op


def _assigned_where_positive(lib: ModuleType, x: Any) -> Any:
    """``y = 2 x``, then ``y[x > 0] = x[x > 0] ** 2`` written in place (a recorded setitem)."""
    y = x * 2
    y[x > 0] = x[x > 0] ** 2
    return y


def _rejoined(lib: ModuleType, pieces: tuple, axis: int) -> Any:
    """Pieces of a split joined again, piece i scaled by i + 1: a wrong cut shows in the values and gradients."""
    return lib.cat([piece * (i + 1) for i, piece in enumerate(pieces)], axis)


def _split_reference(x: np.ndarray, axis: int = -1, size: int = 2) -> np.ndarray:
    """``_rejoined`` of ``x`` cut into pieces of ``size`` along ``axis`` (the last one shorter)."""
    pieces = np.split(x, range(size, x.shape[axis], size), axis)
    return np.concatenate([piece * (i + 1) for i, piece in enumerate(pieces)], axis)


def _chunk_reference(x: np.ndarray, axis: int = -1, chunks: int = 3) -> np.ndarray:
    """torch.chunk: pieces of ceil(n / chunks), so 7 in 3 chunks is 3 + 3 + 1 (np.array_split gives 3 + 2 + 2)."""
    return _split_reference(x, axis, -(-x.shape[axis] // chunks))


def _top2(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """The two largest values along ``axis`` (one for an axis of length 1), largest first."""
    return np.take(-np.sort(-x, axis), range(min(2, x.shape[axis])), axis)


def _std_of_pair(lib: ModuleType, x: Any, axis: int = -1) -> Any:
    """std over ``x`` joined with 2 x + 1 along ``axis``: never fewer than 2 values, never all equal
    (std has no derivative where every value is the same)."""
    return lib.cat([x, x * 2 + 1], axis).std(dim=axis)


def _norm(x: np.ndarray, axis: Any = None, keepdims: bool = False, p: float = 2) -> np.ndarray:
    return np.sum(np.abs(x) ** p, axis=_torch_axes(axis), keepdims=keepdims) ** (1 / p)


# ----------------------------------------------------------------------------- bad inputs of single rows
def _refused(name: str, what: str, call: Callable[[Any], Any], error: type[Exception], match: str) -> ErrorInput:
    """A bad input of row ``name``: ``call(x)`` with ``x`` a (2, 3) float tensor on the device."""
    return ErrorInput(name, what, lambda device, folder: call(tinygrad_edu.ones(2, 3, device=device)), error, match)


_ERRORS: dict[str, tuple[ErrorInput, ...]] = {
    "pow": (_refused("pow", "a string exponent", lambda x: x ** "2", TypeError, r"str"),),
    "setitem": (
        _refused("setitem", "a value of the wrong shape", lambda x: x.__setitem__(0, tinygrad_edu.ones(4)),
                 ValueError, r"setitem.*\(4,\).*\(2, 3\)"),
        _refused("setitem", "an index out of range", lambda x: x.__setitem__(5, 1.0), IndexError,
                 r"setitem.*5.*\(2, 3\)"),
    ),
    "leaky_relu": (
        _refused("leaky_relu", "a string slope", lambda x: x.leaky_relu("a"), TypeError, r"negative_slope.*'a'"),
    ),
    "clip": (
        _refused("clip", "no bound", lambda x: x.clip(), ValueError, r"at least one of min and max"),
        _refused("clip", "a string bound", lambda x: x.clip("a"), TypeError, r"str"),
    ),
    "norm": (_refused("norm", "an unknown p", lambda x: x.norm("bad"), ValueError, r"p must be.*'bad'"),),
    "std": (_refused("std", "unbiased and correction both", lambda x: x.std(0, True, correction=1), TypeError,
                     r"either unbiased or correction"),),
    "max_dim": (_refused("max_dim", "keepdim without dim", lambda x: x.max(keepdim=True), TypeError,
                         r"keepdim needs a dim.*amax"),),
    "topk": (_refused("topk", "k larger than the axis", lambda x: x.topk(5), ValueError, r"k=5.*length 3"),),
    "split": (_refused("split", "a split size of 0", lambda x: x.split(0, dim=1), ValueError,
                       r"split_size must be positive, got 0"),),
    "chunk": (_refused("chunk", "no chunks", lambda x: x.chunk(0), ValueError, r"chunks must be positive, got 0"),),
    "repeat": (
        _refused("repeat", "a negative count", lambda x: x.repeat(-1, 1), ValueError, r"repeat.*>= 0.*-1"),
        _refused("repeat", "fewer counts than axes", lambda x: x.repeat(2), ValueError, r"one size per axis"),
    ),
    "flatten": (_refused("flatten", "start after end", lambda x: x.flatten(1, 0), ValueError,
                         r"start_axis 1 comes after end_axis 0"),),
    "dropout_fixed_mask": (_refused("dropout_fixed_mask", "p above 1", lambda x: tinygrad_edu.nn.functional.dropout(
        x, 1.5), ValueError, r"dropout.*between 0 and 1, but got 1.5"),),
}  # fmt: skip


# ----------------------------------------------------------------------------- the table
POSITIVE: Domain = (0.2, 4.0)
PROBABILITY: Domain = (0.0, 1.0)  # bce_with_logits' targets; binary_cross_entropy refuses a step outside

# fmt: off
OP_SPECS: tuple[OpSpec, ...] = (
    # arithmetic, with broadcasting
    OpSpec("add", lambda lib, a, b: a + b, np.add, "binary", 2),
    OpSpec("sub", lambda lib, a, b: a - b, np.subtract, "binary", 2),
    OpSpec("mul", lambda lib, a, b: a * b, np.multiply, "binary", 2),
    OpSpec("div", lambda lib, a, b: a / b, np.divide, "binary", 2, domain=((-3.0, 3.0), POSITIVE)),
    OpSpec("pow", lambda lib, a, b: a**b, np.power, "binary", 2, domain=(POSITIVE, (-2.0, 2.0))),
    # in place, on tensors in the graph: each write is recorded as the op's node
    OpSpec("add_", _in_place("add_"), np.add, "binary", 2),
    OpSpec("sub_", _in_place("sub_"), np.subtract, "binary", 2),
    OpSpec("mul_", _in_place("mul_"), np.multiply, "binary", 2),
    OpSpec("div_", _in_place("div_"), np.divide, "binary", 2, domain=((-3.0, 3.0), POSITIVE)),
    OpSpec("copy_", _in_place("copy_"), lambda a, b: np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)).copy(),
           "binary", 2),
    OpSpec("setitem", _assigned_where_positive, lambda x: np.where(x > 0, x**2, 2 * x), "unary", kinks=(0.0,),
           smooth=False),
    OpSpec("maximum", lambda lib, a, b: lib.maximum(a, b), np.maximum, "binary", 2, distinct=True, smooth=False),
    OpSpec("minimum", lambda lib, a, b: lib.minimum(a, b), np.minimum, "binary", 2, distinct=True, smooth=False),
    OpSpec("matmul", lambda lib, a, b: a @ b, np.matmul, "matmul", 2),
    # with a Python number on one side
    OpSpec("neg", lambda lib, x: -x, np.negative, "unary"),
    OpSpec("radd_scalar", lambda lib, x: 2.5 + x, lambda x: 2.5 + x, "unary"),
    OpSpec("rsub_scalar", lambda lib, x: 2.5 - x, lambda x: 2.5 - x, "unary"),
    OpSpec("mul_scalar", lambda lib, x: x * -1.5, lambda x: x * -1.5, "unary"),
    OpSpec("rdiv_scalar", lambda lib, x: 2.0 / x, lambda x: 2.0 / x, "unary", domain=POSITIVE),
    OpSpec("pow_scalar", lambda lib, x: x**3, lambda x: x**3, "unary"),
    OpSpec("sqrt_as_pow", lambda lib, x: x**0.5, lambda x: x**0.5, "unary", domain=POSITIVE),
    OpSpec("rpow_scalar", lambda lib, x: 2.0**x, lambda x: 2.0**x, "unary"),
    # elementwise functions
    OpSpec("exp", lambda lib, x: x.exp(), np.exp, "unary"),
    OpSpec("log", lambda lib, x: x.log(), np.log, "unary", domain=POSITIVE),
    OpSpec("sqrt", lambda lib, x: x.sqrt(), np.sqrt, "unary", domain=POSITIVE),
    OpSpec("abs", lambda lib, x: x.abs(), np.abs, "unary", kinks=(0.0,), smooth=False),
    OpSpec("sin", lambda lib, x: x.sin(), np.sin, "unary"),
    OpSpec("cos", lambda lib, x: x.cos(), np.cos, "unary"),
    OpSpec("log2", lambda lib, x: x.log2(), np.log2, "unary", domain=POSITIVE),
    OpSpec("log10", lambda lib, x: x.log10(), np.log10, "unary", domain=POSITIVE),
    OpSpec("exp2", lambda lib, x: x.exp2(), np.exp2, "unary"),
    OpSpec("square", lambda lib, x: x.square(), np.square, "unary"),
    OpSpec("rsqrt", lambda lib, x: x.rsqrt(), lambda x: 1 / np.sqrt(x), "unary", domain=POSITIVE),
    OpSpec("reciprocal", lambda lib, x: x.reciprocal(), np.reciprocal, "unary", domain=POSITIVE),
    OpSpec("tanh", lambda lib, x: x.tanh(), np.tanh, "unary"),
    OpSpec("sigmoid", lambda lib, x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), "unary", domain=(-6.0, 6.0)),
    OpSpec("relu", lambda lib, x: x.relu(), lambda x: np.maximum(x, 0.0), "unary", kinks=(0.0,), smooth=False),
    OpSpec("softplus", lambda lib, x: lib.nn.functional.softplus(x), lambda x: np.logaddexp(0.0, x), "unary"),
    OpSpec("leaky_relu", lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x),
           "unary", kinks=(0.0,), smooth=False),
    OpSpec("clip", lambda lib, x: x.clip(-1.0, 1.5), lambda x: np.clip(x, -1.0, 1.5), "unary", kinks=(-1.0, 1.5),
           smooth=False),
    # reductions
    OpSpec("sum", lambda lib, x, axis=None, keepdims=False: x.sum(dim=axis, keepdim=keepdims), _reduction(np.sum),
           "reduce"),
    OpSpec("mean", lambda lib, x, axis=None, keepdims=False: x.mean(dim=axis, keepdim=keepdims), _reduction(np.mean),
           "reduce"),
    OpSpec("max", lambda lib, x, axis=None, keepdims=False: x.amax(dim=axis, keepdim=keepdims), _reduction(np.max),
           "reduce", distinct=True, smooth=False),
    OpSpec("min", lambda lib, x, axis=None, keepdims=False: x.amin(dim=axis, keepdim=keepdims), _reduction(np.min),
           "reduce", distinct=True, smooth=False),
    OpSpec("var", lambda lib, x, axis=None, keepdims=False: x.var(dim=axis, keepdim=keepdims, correction=0),
           _reduction(np.var), "reduce"),
    OpSpec("logsumexp", lambda lib, x, axis=None, keepdims=False: x.logsumexp(dim=_dims(x, axis), keepdim=keepdims),
           _logsumexp, "reduce"),
    OpSpec("norm", lambda lib, x, axis=None, keepdims=False: x.norm(dim=axis, keepdim=keepdims), _norm, "reduce",
           kinks=(0.0,)),
    OpSpec("norm_1", lambda lib, x, axis=None, keepdims=False: x.norm(1, dim=axis, keepdim=keepdims),
           lambda x, axis=None, keepdims=False: _norm(x, axis, keepdims, p=1), "reduce", kinks=(0.0,), smooth=False),
    OpSpec("norm_3", lambda lib, x, axis=None, keepdims=False: x.norm(3, dim=axis, keepdim=keepdims),
           lambda x, axis=None, keepdims=False: _norm(x, axis, keepdims, p=3), "reduce", domain=POSITIVE),
    # along one axis
    OpSpec("softmax", lambda lib, x, axis=-1: x.softmax(dim=axis), _softmax, "axis"),
    OpSpec("log_softmax", lambda lib, x, axis=-1: x.log_softmax(dim=axis), lambda x, axis=-1: np.log(_softmax(x, axis)),
           "axis"),
    OpSpec("std", _std_of_pair, lambda x, axis=-1: np.concatenate([x, x * 2 + 1], axis).std(axis, ddof=1), "axis",
           domain=POSITIVE),
    OpSpec("max_dim", lambda lib, x, axis=-1: x.max(dim=axis).values, lambda x, axis=-1: np.max(x, axis), "axis",
           distinct=True, smooth=False),
    OpSpec("min_dim", lambda lib, x, axis=-1: x.min(axis).values, lambda x, axis=-1: np.min(x, axis), "axis",
           distinct=True, smooth=False),
    OpSpec("sort", lambda lib, x, axis=-1: x.sort(dim=axis, descending=True).values,
           lambda x, axis=-1: -np.sort(-x, axis), "axis", distinct=True, smooth=False),
    OpSpec("topk", lambda lib, x, axis=-1: x.topk(min(2, x.size(axis)), dim=axis).values, _top2, "axis",
           distinct=True, smooth=False),
    OpSpec("split", lambda lib, x, axis=-1: _rejoined(lib, x.split(2, dim=axis), axis), _split_reference, "axis"),
    OpSpec("chunk", lambda lib, x, axis=-1: _rejoined(lib, x.chunk(3, dim=axis), axis), _chunk_reference, "axis"),
    # shape and indexing
    OpSpec("reshape", lambda lib, x, shape=(-1,): x.reshape(shape), np.reshape, "reshape"),
    OpSpec("flatten", lambda lib, x: x.flatten(), np.ravel, "unary"),
    OpSpec("clone", lambda lib, x: x.clone(), np.copy, "unary"),
    OpSpec("transpose", lambda lib, x, axes=None: x.permute(axes or tuple(reversed(range(x.ndim)))), np.transpose,
           "transpose"),
    OpSpec("T", lambda lib, x: x.T, np.transpose, "unary"),
    OpSpec("expand", lambda lib, x, shape=(): x.expand(shape), _expanded, "expand"),
    OpSpec("repeat", lambda lib, x: x.repeat(2, 1, 3, 1), lambda x: np.tile(x, (2, 1, 3, 1)), "unary"),
    OpSpec("getitem", lambda lib, x, index=0: x[index], lambda x, index=0: x[index], "getitem"),
    OpSpec("cat", lambda lib, *ts, axis=0: lib.cat(ts, axis), lambda *xs, axis=0: np.concatenate(xs, axis), "join", 3),
    OpSpec("stack", lambda lib, *ts, axis=0: lib.stack(ts, axis), lambda *xs, axis=0: np.stack(xs, axis), "join", 3),
    OpSpec("where", lambda lib, condition, a, b: lib.where(condition, a, b), np.where, "where", 2),
    # layers and losses (nn.functional)
    OpSpec("linear", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), _linear, "linear", 3),
    OpSpec("batch_norm", lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True),
           _batch_norm, "batchnorm", 3),
    OpSpec("dropout_fixed_mask", _dropout_after_manual_seed, _dropout_after_seed_7, "unary", draws_random=True),
    OpSpec("cross_entropy", lambda lib, x, target, reduction="mean": lib.nn.functional.cross_entropy(
        x, target, reduction=reduction), _cross_entropy, "class_loss"),
    OpSpec("nll_loss", lambda lib, x, target, reduction="mean": lib.nn.functional.nll_loss(
        x, target, reduction=reduction), _nll_loss, "class_loss"),
    OpSpec("mse_loss", lambda lib, x, t, reduction="mean": lib.nn.functional.mse_loss(
        x, t, reduction=reduction), _mse_loss, "pair_loss", 2),
    OpSpec("l1_loss", lambda lib, x, t, reduction="mean": lib.nn.functional.l1_loss(
        x, t, reduction=reduction), _l1_loss, "pair_loss", 2, distinct=True, smooth=False),
    OpSpec("binary_cross_entropy", lambda lib, x, t, reduction="mean": lib.nn.functional.binary_cross_entropy(
        x, t, reduction=reduction), _binary_cross_entropy, "pair_loss", 2, domain=((0.05, 0.95), (0.02, 0.98))),
    OpSpec("bce_with_logits", lambda lib, x, t, reduction="mean": lib.nn.functional.binary_cross_entropy_with_logits(
        x, t, reduction=reduction), _bce_with_logits, "pair_loss", 2, domain=((-4.0, 4.0), PROBABILITY)),
)
# fmt: on

OP_SPECS = tuple(replace(spec, errors=_ERRORS.get(spec.name, ())) for spec in OP_SPECS)  # each row's own bad inputs
SPECS_BY_NAME = {spec.name: spec for spec in OP_SPECS}


# ----------------------------------------------------------------------------- example arguments
# Example input shapes per kind, at three sizes: "small" is the readable one (the suite's --quick size);
# "medium" has about 10^3 elements in all differentiable inputs together (where a full Jacobian
# still takes a fraction of a second) and "large" about 10^5 (for fast mode only: a full
# Jacobian would have 10^10 entries).
SIZES = ("small", "medium", "large")
_EXAMPLE_SHAPES: dict[str, dict[str, tuple[tuple[int, ...], ...]]] = {
    "unary": {"small": ((3, 4),), "medium": ((25, 40),), "large": ((250, 400),)},
    # the second operand is broadcast over the rows
    "binary": {"small": ((3, 4), (4,)), "medium": ((24, 40), (40,)), "large": ((249, 400), (400,))},
    "reduce": {"small": ((3, 4),), "medium": ((25, 40),), "large": ((250, 400),)},
    "axis": {"small": ((3, 4),), "medium": ((25, 40),), "large": ((250, 400),)},
    "matmul": {"small": ((3, 4), (4, 2)), "medium": ((20, 25), (25, 20)), "large": ((200, 250), (250, 200))},
    "reshape": {"small": ((3, 4),), "medium": ((25, 40),), "large": ((250, 400),)},
    "transpose": {"small": ((2, 3, 4),), "medium": ((8, 10, 12),), "large": ((40, 50, 50),)},
    "expand": {"small": ((3, 1),), "medium": ((1000, 1),), "large": ((100_000, 1),)},
    "getitem": {"small": ((4, 3),), "medium": ((40, 25),), "large": ((400, 250),)},
    "join": {"small": ((2, 3),) * 3, "medium": ((10, 33),) * 3, "large": ((100, 333),) * 3},
    "where": {"small": ((3, 4), (4,)), "medium": ((24, 40), (40,)), "large": ((249, 400), (400,))},
    "linear": {
        "small": ((3, 4), (2, 4), (2,)),
        "medium": ((20, 25), (20, 25), (20,)),
        "large": ((200, 250), (200, 250), (200,)),
    },
    "batchnorm": {
        "small": ((4, 3), (3,), (3,)),
        "medium": ((50, 20), (20,), (20,)),
        "large": ((5000, 20), (20,), (20,)),
    },
    "class_loss": {"small": ((4, 5),), "medium": ((100, 10),), "large": ((10_000, 10),)},
    "pair_loss": {"small": ((3, 4), (3, 4)), "medium": ((20, 25), (20, 25)), "large": ((200, 250), (200, 250))},
}
_EXAMPLE_PARAMS: dict[str, dict] = {
    "reduce": {"axis": -1, "keepdims": False},
    "axis": {"axis": -1},
    "reshape": {"shape": (2, -1)},
    "transpose": {"axes": (2, 0, 1)},
    "getitem": {"index": (np.array([0, 2, 2]), slice(None, None, 2))},  # a repeated row: gradients add
    "join": {"axis": 1},
}


def grid_step(spec: OpSpec, size: int) -> float:
    """For an op that picks one element (``distinct``): the spacing of the grid ``sample_values``
    draws ``size`` values from, so that a step well below it cannot swap two values' order."""
    low, high = spec.domain_of(0)
    return (high - low) / (size * spec.arity)


def sample_values(
    spec: OpSpec, position: int, shape: tuple[int, ...], rng: np.random.Generator, margin: float = 0.05
) -> np.ndarray:
    """float64 values for input ``position`` in the op's domain, at least ``margin`` from any kink.

    For ops that pick one element (``distinct``), the values are a shuffled evenly spaced grid,
    so no two are closer than the grid step and ties cannot happen.
    """
    low, high = spec.domain_of(position)
    size = int(np.prod(shape))
    if spec.distinct:
        grid = np.linspace(low, high, size * spec.arity + 1)[position :: spec.arity][:size]
        return rng.permutation(grid).reshape(shape)
    values = rng.uniform(low, high, size=shape)
    for kink in spec.kinks:
        close = np.abs(values - kink) < margin
        values = np.where(close, kink + np.copysign(margin, values - kink + 1e-300), values)
    return values


def example_arguments(
    spec: OpSpec, rng: np.random.Generator, dtype: str = "float64", size: str = "small"
) -> tuple[tuple, dict]:
    """Example inputs (Tensors requiring grad) and keyword parameters for checking ``spec``.

    ``size`` is one of ``SIZES``: "small" (a dozen elements), "medium" (about 10^3 elements in
    the differentiable inputs together) or "large" (about 10^5).
    """
    shapes = _EXAMPLE_SHAPES[spec.kind][size]
    inputs = tuple(
        Tensor(sample_values(spec, i, s, rng), dtype=dtype, requires_grad=True) for i, s in enumerate(shapes)
    )
    if spec.kind == "where":
        return (Tensor(rng.random(shapes[0]) > 0.5), *inputs), {}
    params = dict(_EXAMPLE_PARAMS.get(spec.kind, {}))
    if spec.kind == "expand":  # a new leading axis and the last axis stretched: (n, 1) -> (2, n, k)
        params["shape"] = (2, shapes[0][0], 5 if size == "small" else 2)
    if spec.kind == "class_loss":
        params["target"] = Tensor(rng.integers(0, shapes[0][-1], size=shapes[0][:-1]))
    return inputs, params
