"""Hypothesis strategies that generate valid inputs for every row of ``tinygrad_edu.testing.OP_SPECS``.

``op_cases(spec)`` is the one entry point: it reads the spec's ``kind`` (see the docstring of
``tinygrad_edu.testing.optable``) and draws an ``OpCase``, the NumPy arrays to differentiate plus
the keyword arguments (``axis``, ``shape``, ``index``, ...) that ``spec.fn`` needs. The pieces
below it each generate one thing a test needs: shapes, axes, matmul shapes, reshape and expand
targets, indices, and values that a central difference can trust:

- float64, inside ``spec.domain_of(position)``, never NaN, inf or subnormal;
- at least ``KINK_MARGIN`` away from the op's kinks (relu at 0, clip at its bounds), so that
  ``x +- eps`` stays on one side of the kink;
- for ``distinct`` specs (max, min, maximum, minimum, l1_loss) every pair of elements at least
  ``TIE_GAP`` apart, so the op never meets a tie, where it has no derivative;
- for batch norm, every feature's values spread out (standard deviation at least
  ``MIN_FEATURE_STD``), so that dividing by sqrt(var + eps) does not blow small steps up.

Layers and losses take some arguments that are not differentiated: a loss's ``reduction``, and
the integer class ``target`` of cross_entropy and nll_loss (a NumPy int64 array or a Tensor,
as users pass either); these travel in ``OpCase.params``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor
from tinygrad_edu.testing import OpSpec

Shape = tuple[int, ...]

KINK_MARGIN = 1e-3  # smallest distance between a value and a kink of its op
TIE_GAP = 1e-3  # smallest distance between two values of a ``distinct`` op
GRID_STEP = 1e-2  # distinct values are drawn one per grid cell of this width

MIN_FEATURE_STD = 0.1  # smallest standard deviation of one feature of a batch-norm input
REDUCTIONS = ("mean", "sum", "none")  # how a loss reduces its per-element losses

MAX_DIMS = 3  # tensors are 0-d to 3-d ...
MAX_SIDE = 4  # ... with every dimension between 1 and 4


@dataclass(frozen=True)
class OpCase:
    """One valid call of an op: ``spec.fn(*([condition] if given), *arrays, **params)``."""

    arrays: tuple[np.ndarray, ...]  # the float64 inputs to differentiate
    params: dict[str, Any] = field(default_factory=dict)  # axis, keepdims, shape, index, target, ...
    condition: np.ndarray | None = None  # the bool condition of ``where`` (never differentiated)


# ----------------------------------------------------------------------------- shapes and axes
def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE) -> st.SearchStrategy[Shape]:
    """Array shapes with ``min_dims..max_dims`` dimensions of size ``1..max_side`` (0-d included)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def single_axes(ndim: int) -> st.SearchStrategy[int]:
    """One valid axis of an ``ndim``-d array, counted from the front or (negative) from the back."""
    return st.integers(-ndim, ndim - 1)


@st.composite
def reduction_axes(draw: st.DrawFn, ndim: int) -> int | tuple[int, ...] | None:
    """Every form a reduction accepts: None, an int, a negative int, a tuple (any order, negative
    members, or empty: then every axis is reduced, as in PyTorch)."""
    form = draw(st.sampled_from(["all", "one", "tuple"] if ndim else ["all", "tuple"]))
    if form == "all":
        return None
    if form == "one":
        return draw(single_axes(ndim))
    if ndim == 0:
        return ()
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(axis - ndim if draw(st.booleans()) else axis for axis in chosen)


@st.composite
def permutations(draw: st.DrawFn, ndim: int) -> tuple[int, ...] | None:
    """``axes`` for transpose: None (reverse all axes) or a permutation, some members negative."""
    if draw(st.booleans()):
        return None
    order = draw(st.permutations(range(ndim)))
    return tuple(axis - ndim if draw(st.booleans()) else axis for axis in order)


@st.composite
def reshape_targets(draw: st.DrawFn, shape: Shape) -> Shape:
    """A shape with as many elements as ``shape`` (0-d to 4-d), sometimes with one -1 to infer."""
    size = math.prod(shape)
    ndim = draw(st.integers(0 if size == 1 else 1, 4))
    if ndim == 0:
        return ()
    target = [1] * ndim
    for factor in _prime_factors(size):  # deal the prime factors out over the new dimensions
        target[draw(st.integers(0, ndim - 1))] *= factor
    if draw(st.booleans()):
        target[draw(st.integers(0, ndim - 1))] = -1
    return tuple(target)


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@st.composite
def expand_targets(draw: st.DrawFn, shape: Shape, max_side: int = MAX_SIDE) -> Shape:
    """A shape ``shape`` broadcasts to: new leading dimensions, size-1 dimensions stretched, and
    -1 (keep this dimension, as torch.expand) in some places."""
    leading = draw(st.lists(st.integers(1, 3), max_size=2))
    kept = []
    for n in shape:
        if draw(st.integers(0, 3)) == 0:
            kept.append(-1)
        else:
            kept.append(draw(st.integers(1, max_side)) if n == 1 else n)
    return (*leading, *kept)


@st.composite
def matmul_shapes(draw: st.DrawFn, max_side: int = MAX_SIDE) -> tuple[Shape, Shape]:
    """Shapes ``a @ b`` accepts: 1-D@1-D, 1-D@2-D, 2-D@1-D, 2-D@2-D, and stacks of matrices whose
    batch dimensions broadcast against each other, e.g. (2, 1, 3, 4) @ (5, 4, 2)."""
    batch_a, batch_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, min_side=1, max_side=min(3, max_side))
    ).input_shapes
    rows, inner, cols = (draw(st.integers(1, max_side)) for _ in range(3))
    a = (inner,) if draw(st.booleans()) else (*batch_a, rows, inner)  # a 1-D left operand has no batch
    b = (inner,) if draw(st.booleans()) else (*batch_b, inner, cols)
    return a, b


# ----------------------------------------------------------------------------- indices
def _slices(n: int) -> st.SearchStrategy[slice]:
    """Slices of an axis of length n: any start/stop (also out of range), steps -3..3."""
    bound = st.none() | st.integers(-n - 1, n + 1)
    step = st.none() | st.integers(-3, 3).filter(bool)
    return st.builds(slice, bound, bound, step)


@st.composite
def getitem_indices(draw: st.DrawFn, shape: Shape) -> Any:
    """An index for an array of ``shape`` (at least 1-d), as NumPy accepts it.

    Per indexed axis: an int (negative too), a slice with a step, or (in "integer arrays" mode)
    an integer array, all arrays of one shape so they broadcast, with repeated entries. In
    "bool mask" mode a bool array replaces a run of consecutive axes. Trailing axes may be left
    out or swallowed by an Ellipsis, and None may insert new axes anywhere.
    """
    ndim = len(shape)
    mode = draw(st.sampled_from(["basic", "integer arrays", "bool mask"]))
    if mode == "integer arrays":  # one shape for all the arrays, so that they broadcast together
        array_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    parts: list[Any] = []
    for n in shape:
        choices = [st.integers(-n, n - 1), _slices(n)]
        if mode == "integer arrays":  # an array is then as likely as an int and a slice together
            choices += [hnp.arrays(np.intp, array_shape, elements=st.integers(-n, n - 1))] * 2
        parts.append(draw(st.one_of(choices)))
    if mode == "bool mask":
        start = draw(st.integers(0, ndim - 1))
        stop = draw(st.integers(start + 1, ndim))
        parts[start:stop] = [draw(hnp.arrays(np.bool_, shape[start:stop]))]
    if draw(st.booleans()):  # an Ellipsis stands for a run of full slices
        start = draw(st.integers(0, len(parts)))
        stop = draw(st.integers(start, len(parts)))
        parts[start:stop] = [Ellipsis]
    else:  # or leave out trailing axes (NumPy indexes them fully)
        parts = parts[: draw(st.integers(1, len(parts)))]
    for _ in range(draw(st.integers(0, 2))):
        parts.insert(draw(st.integers(0, len(parts))), None)
    if len(parts) == 1 and draw(st.booleans()):
        return parts[0]
    return tuple(parts)


# ----------------------------------------------------------------------------- values
def _away_from_kinks(value: float, kinks: tuple[float, ...], lo: float, hi: float) -> float:
    """Move ``value`` to ``KINK_MARGIN`` from any kink it is closer to, staying inside [lo, hi]."""
    for kink in kinks:
        if abs(value - kink) < KINK_MARGIN:
            up, down = kink + KINK_MARGIN, kink - KINK_MARGIN
            value = up if (value >= kink and up <= hi) or down < lo else down
    return value


def element_values(spec: OpSpec, position: int) -> st.SearchStrategy[float]:
    """Finite, normal float64 values inside input ``position``'s domain and away from kinks."""
    lo, hi = spec.domain_of(position)
    values = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if not spec.kinks:
        return values
    return values.map(lambda v: _away_from_kinks(v, spec.kinks, lo, hi))


@st.composite
def input_arrays(draw: st.DrawFn, spec: OpSpec, input_shapes: list[Shape]) -> tuple[np.ndarray, ...]:
    """float64 arrays of the given shapes with values a central difference can trust (see the
    module docstring); for ``distinct`` specs no two elements of all the arrays are close."""
    if spec.distinct:
        return draw(_distinct_arrays(spec, input_shapes))
    return tuple(
        draw(hnp.arrays(np.float64, shape, elements=element_values(spec, i))) for i, shape in enumerate(input_shapes)
    )


@st.composite
def _distinct_arrays(draw: st.DrawFn, spec: OpSpec, input_shapes: list[Shape]) -> tuple[np.ndarray, ...]:
    """Values for ``distinct`` specs: each one in its own cell of a grid of width ``GRID_STEP``,
    placed within the cell so that any two values are at least ``TIE_GAP`` apart."""
    lo = max(spec.domain_of(i)[0] for i in range(len(input_shapes)))
    hi = min(spec.domain_of(i)[1] for i in range(len(input_shapes)))
    cells = math.floor((hi - lo) / GRID_STEP)
    sizes = [math.prod(shape) for shape in input_shapes]
    total = sum(sizes)
    assert total <= cells, f"{spec.name}: {total} distinct values do not fit in {cells} grid cells"
    chosen = draw(st.lists(st.integers(0, cells - 1), min_size=total, max_size=total, unique=True))
    offsets = draw(hnp.arrays(np.float64, total, elements=st.floats(0.0, GRID_STEP - TIE_GAP, allow_subnormal=False)))
    values = lo + np.asarray(chosen, dtype=np.float64) * GRID_STEP + offsets
    if spec.kinks:
        assume(all(abs(v - kink) >= KINK_MARGIN for v in values for kink in spec.kinks))
    splits = np.cumsum(sizes)[:-1]
    return tuple(part.reshape(shape) for part, shape in zip(np.split(values, splits), input_shapes, strict=True))


# ----------------------------------------------------------------------------- one case per kind
@st.composite
def _unary(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [shape])))


@st.composite
def _binary(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, min_side=1, max_side=max_side))
    return OpCase(draw(input_arrays(spec, list(pair.input_shapes))))


@st.composite
def _reduce(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    params = {"axis": draw(reduction_axes(len(shape))), "keepdims": draw(st.booleans())}
    return OpCase(draw(input_arrays(spec, [shape])), params)


@st.composite
def _axis(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    shape = draw(shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [shape])), {"axis": draw(single_axes(len(shape)))})


@st.composite
def _matmul(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    a, b = draw(matmul_shapes(max_side=max_side))
    return OpCase(draw(input_arrays(spec, [a, b])))


@st.composite
def _reshape(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [shape])), {"shape": draw(reshape_targets(shape))})


@st.composite
def _transpose(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [shape])), {"axes": draw(permutations(len(shape)))})


@st.composite
def _expand(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [shape])), {"shape": draw(expand_targets(shape, max_side))})


@st.composite
def _getitem(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    shape = draw(shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [shape])), {"index": draw(getitem_indices(shape))})


@st.composite
def _join(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    """1..arity tensors. ``stack`` needs one shape and may put its new axis after the last one
    (axis = ndim); ``cat`` needs an existing axis, along which the sizes may differ."""
    new_axis = spec.name == "stack"
    shape = draw(shapes(min_dims=0 if new_axis else 1, max_dims=max_dims, max_side=max_side))
    count = draw(st.integers(1, spec.arity))
    out_ndim = len(shape) + new_axis
    axis = draw(single_axes(out_ndim))
    input_shapes = [shape] * count
    if not new_axis:
        sizes = draw(st.lists(st.integers(1, max_side), min_size=count, max_size=count))
        input_shapes = [(*shape[: axis % out_ndim], n, *shape[axis % out_ndim + 1 :]) for n in sizes]
    return OpCase(draw(input_arrays(spec, input_shapes)), {"axis": axis})


@st.composite
def _where(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    condition_shape, *input_shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=max_dims, min_side=1, max_side=max_side)
    ).input_shapes
    condition = draw(hnp.arrays(np.bool_, condition_shape))
    return OpCase(draw(input_arrays(spec, input_shapes)), condition=condition)


@st.composite
def _linear(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    """x (in,), (N, in) or (B, N, in), weight (out, in) and bias (out,)."""
    in_features, out_features = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    batch = draw(shapes(max_dims=max_dims - 1, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [(*batch, in_features), (out_features, in_features), (out_features,)])))


@st.composite
def _batchnorm(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    """x (N, C) or (N, C, L) with at least two values per feature (N * L >= 2), weight and bias (C,).

    Each feature's values must spread out: with a variance near 0, y = (x - mean) / sqrt(var + eps)
    turns a step of 1e-6 into a large jump, and central differences stop being accurate.
    """
    length = draw(st.integers(1, max_side)) if max_dims >= 3 and draw(st.booleans()) else None
    count = draw(st.integers(2 if length in (None, 1) else 1, max_side))
    features = draw(st.integers(1, max_side))
    x_shape = (count, features) if length is None else (count, features, length)
    x, weight, bias = draw(input_arrays(spec, [x_shape, (features,), (features,)]))
    per_feature = np.moveaxis(x, 1, 0).reshape(features, -1)
    assume(np.all(per_feature.std(axis=1) >= MIN_FEATURE_STD))
    return OpCase((x, weight, bias))


@st.composite
def class_targets(draw: st.DrawFn, batch: Shape, classes: int) -> np.ndarray | Tensor:
    """Integer class indices in [0, classes), one per sample: a NumPy int64 array or an int64 Tensor."""
    target = draw(hnp.arrays(np.int64, batch, elements=st.integers(0, classes - 1)))
    return Tensor(target) if draw(st.booleans()) else target


@st.composite
def _class_loss(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    """Logits (N, C) with a target (N,), or one sample's logits (C,) with a 0-d target; C >= 2."""
    classes = draw(st.integers(2, max(2, max_side)))
    batch = draw(shapes(max_dims=1, max_side=max_side))
    params = {"target": draw(class_targets(batch, classes)), "reduction": draw(st.sampled_from(REDUCTIONS))}
    return OpCase(draw(input_arrays(spec, [(*batch, classes)])), params)


@st.composite
def _pair_loss(draw: st.DrawFn, spec: OpSpec, max_dims: int, max_side: int) -> OpCase:
    """Input and target of one shape, both differentiated (each from its own domain: BCE's input is a
    probability), and a reduction. For l1_loss (``distinct``) input and target never tie, where
    |input - target| has its kink."""
    shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    return OpCase(draw(input_arrays(spec, [shape, shape])), {"reduction": draw(st.sampled_from(REDUCTIONS))})


CASES_BY_KIND: dict[str, Callable[[OpSpec, int, int], st.SearchStrategy[OpCase]]] = {
    "unary": _unary,
    "binary": _binary,
    "reduce": _reduce,
    "axis": _axis,
    "matmul": _matmul,
    "reshape": _reshape,
    "transpose": _transpose,
    "expand": _expand,
    "getitem": _getitem,
    "join": _join,
    "where": _where,
    "linear": _linear,
    "batchnorm": _batchnorm,
    "class_loss": _class_loss,
    "pair_loss": _pair_loss,
}


def op_cases(spec: OpSpec, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE) -> st.SearchStrategy[OpCase]:
    """Valid inputs and arguments for ``spec``, drawn according to its ``kind``."""
    if spec.kind not in CASES_BY_KIND:
        raise KeyError(f"no strategy for op kind {spec.kind!r} (op {spec.name}); add one to tests/strategies.py")
    return CASES_BY_KIND[spec.kind](spec, max_dims, max_side)


# ----------------------------------------------------------------------------- hostile inputs
# ``hostile_cases(spec)`` draws what a careless or unlucky program hands an op: empty tensors,
# size-0 and size-1 axes, 0-d tensors, NaN, +-inf, huge and tiny values, -0.0, integer and bool
# tensors (mixed, for ops of several inputs), axes out of range, shapes that do not fit together,
# class indices out of range and unknown reductions. Unlike ``op_cases`` the call may be invalid:
# a test compares the outcome with PyTorch's, a value or a refusal.
HOSTILE_DTYPES = (np.float32, np.float64, np.int64, np.bool_)
HOSTILE_SIDE = 3  # every dimension between 0 and 3
SPECIAL_VALUES = (0.0, -0.0, 1.0, -1.0, math.nan, math.inf, -math.inf, 1e30, -1e30, 1e-30)
HOSTILE_REDUCTIONS = (*REDUCTIONS, "avg")  # "avg" is no reduction: it must be refused


def hostile_shapes(min_dims: int = 0, max_dims: int = MAX_DIMS) -> st.SearchStrategy[Shape]:
    """Shapes with ``min_dims..max_dims`` dimensions of size ``0..HOSTILE_SIDE`` (0-d included)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=HOSTILE_SIDE)


def hostile_values(dtype: np.dtype) -> st.SearchStrategy[Any]:
    """Elements of ``dtype``: for floats the special values or ordinary ones (so that a tensor may
    hold no special value at all), small integers, or bools."""
    if dtype == np.bool_:
        return st.booleans()
    if np.dtype(dtype).kind == "i":
        return st.integers(-3, 3)
    width = 32 if dtype == np.float32 else 64
    return st.sampled_from(SPECIAL_VALUES) | st.floats(-3, 3, width=width, allow_subnormal=False)


@st.composite
def hostile_dtypes(draw: st.DrawFn, count: int) -> list[np.dtype]:
    """The dtypes of ``count`` inputs: one shared dtype, or (half the time) each its own."""
    first = draw(st.sampled_from(HOSTILE_DTYPES))
    if count == 1 or draw(st.booleans()):
        return [np.dtype(first)] * count
    return [np.dtype(draw(st.sampled_from(HOSTILE_DTYPES))) for _ in range(count)]


@st.composite
def hostile_arrays(draw: st.DrawFn, input_shapes: list[Shape]) -> tuple[np.ndarray, ...]:
    """Arrays of the given shapes, of the dtypes ``hostile_dtypes`` draws, with ``hostile_values``."""
    kinds = draw(hostile_dtypes(len(input_shapes)))
    return tuple(
        draw(hnp.arrays(dtype, shape, elements=hostile_values(dtype)))
        for dtype, shape in zip(kinds, input_shapes, strict=True)
    )


def hostile_axes(ndim: int) -> st.SearchStrategy[int]:
    """One axis, valid or one step out of range on either side (a 0-d tensor takes 0 and -1)."""
    size = max(ndim, 1)
    return st.integers(-size - 1, size)


@st.composite
def hostile_reduction_axes(draw: st.DrawFn, ndim: int) -> int | tuple[int, ...] | None:
    """What ``reduction_axes`` draws, or an axis out of range, or a tuple naming one axis twice."""
    form = draw(st.sampled_from(["valid", "out of range", "repeated"]))
    if form == "valid":
        return draw(reduction_axes(ndim))
    if form == "out of range" or ndim == 0:
        return draw(hostile_axes(ndim))
    axis = draw(single_axes(ndim))
    return (axis, axis % ndim)


@st.composite
def some_shape_like(draw: st.DrawFn, shape: Shape) -> Shape:
    """``shape`` itself, or (half the time) any other shape: a partner that may not fit."""
    return shape if draw(st.booleans()) else draw(hostile_shapes())


@st.composite
def _hostile_unary(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    return OpCase(draw(hostile_arrays([draw(hostile_shapes())])))


@st.composite
def _hostile_binary(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """Two shapes that broadcast (sizes 0 and 1 included), or (a quarter of the time) any two."""
    if draw(st.integers(0, 3)):
        pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=HOSTILE_SIDE)).input_shapes
    else:
        pair = (draw(hostile_shapes()), draw(hostile_shapes()))
    return OpCase(draw(hostile_arrays(list(pair))))


@st.composite
def _hostile_reduce(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    shape = draw(hostile_shapes())
    params = {"axis": draw(hostile_reduction_axes(len(shape))), "keepdims": draw(st.booleans())}
    return OpCase(draw(hostile_arrays([shape])), params)


@st.composite
def _hostile_axis(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    shape = draw(hostile_shapes())
    return OpCase(draw(hostile_arrays([shape])), {"axis": draw(hostile_axes(len(shape)))})


@st.composite
def _hostile_matmul(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """Shapes ``@`` accepts, with sizes 0 and 1, or (a third of the time) any two shapes (0-d,
    inner sizes that differ, batches that do not broadcast)."""
    if draw(st.integers(0, 2)):
        batch_a, batch_b = draw(
            hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, min_side=0, max_side=HOSTILE_SIDE)
        ).input_shapes
        rows, inner, cols = (draw(st.integers(0, HOSTILE_SIDE)) for _ in range(3))
        a = (inner,) if draw(st.booleans()) else (*batch_a, rows, inner)
        b = (inner,) if draw(st.booleans()) else (*batch_b, inner, cols)
    else:
        a, b = draw(hostile_shapes()), draw(hostile_shapes())
    return OpCase(draw(hostile_arrays([a, b])))


@st.composite
def _hostile_reshape(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """A target with the same number of elements (a 0 among the sides of an empty tensor), or any
    target of sides -1..4 (then usually the wrong size, or two -1s)."""
    shape = draw(hostile_shapes())
    size = math.prod(shape)
    if draw(st.booleans()):
        target = draw(st.lists(st.integers(-1, 4), max_size=4).map(tuple))
    elif size:
        target = draw(reshape_targets(shape))
    else:
        target = draw(st.lists(st.integers(0, HOSTILE_SIDE), max_size=3).map(lambda sides: (*sides, 0)))
    return OpCase(draw(hostile_arrays([shape])), {"shape": target})


@st.composite
def _hostile_transpose(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """A permutation, or axes that are not one: repeated, out of range, too few or too many."""
    shape = draw(hostile_shapes())
    ndim = len(shape)
    if draw(st.booleans()):
        axes = draw(permutations(ndim))
    else:
        axes = tuple(draw(st.lists(hostile_axes(ndim), min_size=max(ndim - 1, 0), max_size=ndim + 1)))
    return OpCase(draw(hostile_arrays([shape])), {"axes": axes})


@st.composite
def _hostile_expand(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """A shape the input broadcasts to (new sides 0 included), or any target of sides -1..3."""
    shape = draw(hostile_shapes())
    if draw(st.booleans()):
        target = (*draw(st.lists(st.integers(0, 2), max_size=1)), *draw(expand_targets(shape, HOSTILE_SIDE)))
    else:
        target = tuple(draw(st.lists(st.integers(-1, HOSTILE_SIDE), max_size=4)))
    return OpCase(draw(hostile_arrays([shape])), {"shape": target})


def _hostile_index_part(n: int) -> st.SearchStrategy[Any]:
    """One part of an index for an axis of length ``n`` (maybe 0): an int that may be out of
    range, a slice, None or an Ellipsis."""
    return st.integers(-n - 1, n) | _slices(n) | st.sampled_from([None, Ellipsis])


@st.composite
def _hostile_getitem(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """An index ``getitem_indices`` draws (for a non-empty tensor of at least one dimension), or
    parts per axis that may be out of range, too many, or repeat the Ellipsis."""
    shape = draw(hostile_shapes())
    if shape and all(shape) and draw(st.booleans()):
        index = draw(getitem_indices(shape))
    else:
        sides = [*shape, 1]  # one part too many may come last
        index = tuple(draw(_hostile_index_part(n)) for n in sides[: draw(st.integers(0, len(sides)))])
    return OpCase(draw(hostile_arrays([shape])), {"index": index})


@st.composite
def _hostile_join(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """1..arity tensors of one shape but the joined axis (cat: sizes 0..3 along it) or, a quarter
    of the time, of any shapes; dtypes mixed as ``hostile_dtypes`` draws them."""
    new_axis = spec.name == "stack"
    shape = draw(hostile_shapes())
    count = draw(st.integers(1, spec.arity))
    axis = draw(hostile_axes(len(shape) + new_axis))
    if not draw(st.integers(0, 3)):
        input_shapes = [draw(hostile_shapes()) for _ in range(count)]
    elif new_axis or not shape or not -len(shape) <= axis < len(shape):
        input_shapes = [shape] * count
    else:
        at = axis % len(shape)
        input_shapes = [(*shape[:at], draw(st.integers(0, HOSTILE_SIDE)), *shape[at + 1 :]) for _ in range(count)]
    return OpCase(draw(hostile_arrays(input_shapes)), {"axis": axis})


@st.composite
def _hostile_where(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """A condition and two inputs that broadcast (sizes 0 and 1), the condition bool or (now and
    then) of another dtype."""
    condition_shape, *input_shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, min_side=0, max_side=HOSTILE_SIDE)
    ).input_shapes
    if draw(st.integers(0, 3)):
        condition = draw(hnp.arrays(np.bool_, condition_shape))
    else:
        (condition,) = draw(hostile_arrays([condition_shape]))
    return OpCase(draw(hostile_arrays(input_shapes)), condition=condition)


@st.composite
def _hostile_linear(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """x (..., in), weight (out, in), bias (out,) with sizes 0..3, or (a quarter of the time) a
    weight and bias of any shapes."""
    in_features, out_features = draw(st.integers(0, HOSTILE_SIDE)), draw(st.integers(0, HOSTILE_SIDE))
    x_shape = (*draw(hostile_shapes(max_dims=2)), in_features)
    weight_shape, bias_shape = (out_features, in_features), (out_features,)
    if not draw(st.integers(0, 3)):
        weight_shape, bias_shape = draw(hostile_shapes()), draw(hostile_shapes(max_dims=1))
    return OpCase(draw(hostile_arrays([x_shape, weight_shape, bias_shape])))


@st.composite
def _hostile_batchnorm(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """x (N, C) or (N, C, L) with sizes 0..3 (so N * L may be below 2), weight and bias (C,) or
    (a quarter of the time) of another length."""
    x_shape = draw(hostile_shapes(min_dims=2, max_dims=3))
    features = x_shape[1] if draw(st.integers(0, 3)) else draw(st.integers(0, HOSTILE_SIDE))
    return OpCase(draw(hostile_arrays([x_shape, (features,), (features,)])))


@st.composite
def _hostile_class_loss(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """Logits (N, C) or (C,) with N in 0..3 and C in 1..3, class indices in -1..C (so -1 and C
    are out of range), int64 or (now and then) float, and a reduction that may be unknown."""
    classes = draw(st.integers(1, HOSTILE_SIDE))
    batch = draw(hostile_shapes(max_dims=1))
    target_dtype = np.float32 if not draw(st.integers(0, 4)) else np.int64
    target = draw(hnp.arrays(target_dtype, batch, elements=st.integers(-1, classes)))
    params = {"target": target, "reduction": draw(st.sampled_from(HOSTILE_REDUCTIONS))}
    return OpCase(draw(hostile_arrays([(*batch, classes)])), params)


@st.composite
def _hostile_pair_loss(draw: st.DrawFn, spec: OpSpec) -> OpCase:
    """Input and target of one shape or (half the time) of any two, and a reduction that may be unknown."""
    shape = draw(hostile_shapes())
    shapes_ = [shape, draw(some_shape_like(shape))]
    return OpCase(draw(hostile_arrays(shapes_)), {"reduction": draw(st.sampled_from(HOSTILE_REDUCTIONS))})


HOSTILE_CASES_BY_KIND: dict[str, Callable[[OpSpec], st.SearchStrategy[OpCase]]] = {
    "unary": _hostile_unary,
    "binary": _hostile_binary,
    "reduce": _hostile_reduce,
    "axis": _hostile_axis,
    "matmul": _hostile_matmul,
    "reshape": _hostile_reshape,
    "transpose": _hostile_transpose,
    "expand": _hostile_expand,
    "getitem": _hostile_getitem,
    "join": _hostile_join,
    "where": _hostile_where,
    "linear": _hostile_linear,
    "batchnorm": _hostile_batchnorm,
    "class_loss": _hostile_class_loss,
    "pair_loss": _hostile_pair_loss,
}


def hostile_cases(spec: OpSpec) -> st.SearchStrategy[OpCase]:
    """Inputs and arguments for ``spec`` drawn to break it (see ``HOSTILE_DTYPES`` above); the
    call may be invalid. ``OpCase.arrays`` then hold any of ``HOSTILE_DTYPES``."""
    if spec.kind not in HOSTILE_CASES_BY_KIND:
        raise KeyError(
            f"no hostile strategy for op kind {spec.kind!r} (op {spec.name}); add one to tests/strategies.py"
        )
    return HOSTILE_CASES_BY_KIND[spec.kind](spec)
