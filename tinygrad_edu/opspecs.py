"""A table of every differentiable Tensor operation, for checking gradients.

One row per op: the function to differentiate, how its inputs are shaped (``kind``), the range
its input values are drawn from, the points where it has a kink, and whether it is smooth
enough for second derivatives. The Hypothesis tests, the main job's gradient-check table and
the gradient-check benchmarks all read this table, so adding an op to the library is one row here.

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
from dataclasses import dataclass

import numpy as np

from . import creation
from . import tensor as _t
from .nn import functional as F
from .tensor import Tensor

Domain = tuple[float, float]


@dataclass(frozen=True)
class OpSpec:
    """How to check one differentiable op."""

    name: str
    fn: Callable[..., Tensor]
    kind: str
    arity: int = 1
    domain: Domain | tuple[Domain, ...] = (-3.0, 3.0)
    kinks: tuple[float, ...] = ()
    distinct: bool = False  # inputs must not tie (the op picks one element: max, min, maximum)
    smooth: bool = True  # twice differentiable on its domain: gradgradcheck applies

    def domain_of(self, position: int) -> Domain:
        """The value range of input ``position``."""
        if isinstance(self.domain[0], tuple):
            return self.domain[position]  # type: ignore[return-value]
        return self.domain  # type: ignore[return-value]


POSITIVE: Domain = (0.2, 4.0)

OP_SPECS: tuple[OpSpec, ...] = (
    # arithmetic, with broadcasting
    OpSpec("add", lambda a, b: a + b, "binary", 2),
    OpSpec("sub", lambda a, b: a - b, "binary", 2),
    OpSpec("mul", lambda a, b: a * b, "binary", 2),
    OpSpec("div", lambda a, b: a / b, "binary", 2, domain=((-3.0, 3.0), POSITIVE)),
    OpSpec("pow", lambda a, b: a**b, "binary", 2, domain=(POSITIVE, (-2.0, 2.0))),
    OpSpec("maximum", _t.maximum, "binary", 2, distinct=True, smooth=False),
    OpSpec("minimum", _t.minimum, "binary", 2, distinct=True, smooth=False),
    OpSpec("matmul", lambda a, b: a @ b, "matmul", 2),
    # with a Python number on one side
    OpSpec("neg", lambda x: -x, "unary"),
    OpSpec("radd_scalar", lambda x: 2.5 + x, "unary"),
    OpSpec("rsub_scalar", lambda x: 2.5 - x, "unary"),
    OpSpec("mul_scalar", lambda x: x * -1.5, "unary"),
    OpSpec("rdiv_scalar", lambda x: 2.0 / x, "unary", domain=POSITIVE),
    OpSpec("pow_scalar", lambda x: x**3, "unary"),
    OpSpec("sqrt_as_pow", lambda x: x**0.5, "unary", domain=POSITIVE),
    OpSpec("rpow_scalar", lambda x: 2.0**x, "unary"),
    # elementwise functions
    OpSpec("exp", Tensor.exp, "unary"),
    OpSpec("log", Tensor.log, "unary", domain=POSITIVE),
    OpSpec("sqrt", Tensor.sqrt, "unary", domain=POSITIVE),
    OpSpec("abs", Tensor.abs, "unary", kinks=(0.0,), smooth=False),
    OpSpec("tanh", Tensor.tanh, "unary"),
    OpSpec("sigmoid", Tensor.sigmoid, "unary", domain=(-6.0, 6.0)),
    OpSpec("relu", Tensor.relu, "unary", kinks=(0.0,), smooth=False),
    OpSpec("softplus", Tensor.softplus, "unary"),
    OpSpec("leaky_relu", lambda x: x.leaky_relu(0.1), "unary", kinks=(0.0,), smooth=False),
    OpSpec("clip", lambda x: x.clip(-1.0, 1.5), "unary", kinks=(-1.0, 1.5), smooth=False),
    # reductions
    OpSpec("sum", lambda x, axis=None, keepdims=False: x.sum(axis, keepdims), "reduce"),
    OpSpec("mean", lambda x, axis=None, keepdims=False: x.mean(axis, keepdims), "reduce"),
    OpSpec("max", lambda x, axis=None, keepdims=False: x.max(axis, keepdims), "reduce", distinct=True, smooth=False),
    OpSpec("min", lambda x, axis=None, keepdims=False: x.min(axis, keepdims), "reduce", distinct=True, smooth=False),
    OpSpec("var", lambda x, axis=None, keepdims=False: x.var(axis, keepdims, correction=0), "reduce"),
    OpSpec("logsumexp", lambda x, axis=None, keepdims=False: x.logsumexp(axis, keepdims), "reduce"),
    # along one axis
    OpSpec("softmax", lambda x, axis=-1: x.softmax(axis), "axis"),
    OpSpec("log_softmax", lambda x, axis=-1: x.log_softmax(axis), "axis"),
    # shape and indexing
    OpSpec("reshape", lambda x, shape=(-1,): x.reshape(shape), "reshape"),
    OpSpec("flatten", lambda x: x.flatten(), "unary"),
    OpSpec("clone", Tensor.clone, "unary"),
    OpSpec("transpose", lambda x, axes=None: x.transpose(*(axes or ())), "transpose"),
    OpSpec("T", lambda x: x.T, "unary"),
    OpSpec("expand", lambda x, shape=(): x.expand(shape), "expand"),
    OpSpec("getitem", lambda x, index=0: x[index], "getitem"),
    OpSpec("cat", lambda *ts, axis=0: _t.cat(ts, axis), "join", 3),
    OpSpec("stack", lambda *ts, axis=0: _t.stack(ts, axis), "join", 3),
    OpSpec("where", lambda condition, a, b: _t.where(condition, a, b), "where", 2),
    # layers and losses (nn.functional)
    OpSpec("linear", F.linear, "linear", 3),
    OpSpec("batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), "batchnorm", 3),
    OpSpec("dropout_fixed_mask", lambda x: _fixed_mask_dropout(x), "unary", smooth=True),
    OpSpec("cross_entropy", F.cross_entropy, "class_loss"),
    OpSpec("nll_loss", F.nll_loss, "class_loss"),
    OpSpec("mse_loss", F.mse_loss, "pair_loss", 2),
    OpSpec("l1_loss", F.l1_loss, "pair_loss", 2, distinct=True, smooth=False),
    OpSpec("binary_cross_entropy", F.binary_cross_entropy, "pair_loss", 2, domain=((0.05, 0.95), (0.0, 1.0))),
    OpSpec("bce_with_logits", F.binary_cross_entropy_with_logits, "pair_loss", 2, domain=((-4.0, 4.0), (0.0, 1.0))),
)

SPECS_BY_NAME = {spec.name: spec for spec in OP_SPECS}


def _fixed_mask_dropout(x: Tensor) -> Tensor:
    """Dropout with p=0.3 and the same mask on every call (the seed is reset), so it can be differentiated
    numerically: the gradient must be the upstream gradient times the mask."""
    creation.manual_seed(7)
    return F.dropout(x, 0.3, training=True)


# ----------------------------------------------------------------------------- example arguments
# Example input shapes per kind, at three sizes: "small" is a readable example (the gradcheck suite's --quick size);
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


def fixed_dropout_scale(shape: tuple[int, ...]) -> np.ndarray:
    """What ``dropout_fixed_mask`` multiplies its input by: 0 where dropped, 1 / (1 - p) elsewhere."""
    return _fixed_mask_dropout(Tensor(np.ones(shape), dtype="float64")).numpy()
