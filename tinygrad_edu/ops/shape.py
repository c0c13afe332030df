"""Shape and indexing: reshape, permute (transpose), expand, indexing, its adjoint and assignment, cat."""

from __future__ import annotations

import itertools
from typing import Any

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import _wrap


class Reshape(Function):
    """reshape: same values, new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.array.shape
        return x.array.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(*ctx.input_shape)


class Transpose(Function):
    """transpose: permute axes; the gradient is permuted back with the inverse permutation."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.array.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = tuple(sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__))
        return grad.permute(*inverse)


class Expand(Function):
    """expand (broadcast_to): copies values along new or size-1 axes; dL/dx = sum of dL/dy over them.

    The sum is the engine's broadcast reduction, so backward simply hands the gradient back.
    """

    @staticmethod
    def forward(ctx, x, shape):
        return get_array_module(x.array).broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


class GetItem(Function):
    """getitem: y = x[index]; dL/dx = zeros with dL/dy scatter-added at index (repeats add up)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.input_shape = index, x.array.shape
        return x.array[index]

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, index=ctx.index, shape=ctx.input_shape)


class ScatterAdd(Function):
    """scatter_add: y = zeros(shape); y[index] += x; dL/dx = dL/dy[index] (the adjoint of getitem)."""

    @staticmethod
    def forward(ctx, x, index, shape):
        ctx.index, out = index, get_array_module(x.array).zeros(shape, dtype=x.array.dtype)
        if _is_basic_index(index):  # ints and slices never pick an element twice
            out[index] = x.array
        else:  # index arrays may repeat an element: add.at adds every repeat
            get_array_module(x.array).add.at(out, index, x.array)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, index=ctx.index)


class SetItem(Function):
    """setitem: y = x with y[index] = v; dL/dx = dL/dy with zeros at index, dL/dv = dL/dy[index].

    The result of ``t[index] = v`` on a tensor in the graph (see inplace.py).
    """

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index, out = index, x.array.copy()
        out[index] = value.array
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_value = ctx.needs_input_grad
        cleared = SetItem.apply(grad, _wrap(get_array_module(grad.array).zeros((), grad.dtype)), index=ctx.index)
        return (cleared if need_x else None), (grad[ctx.index] if need_value else None)


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, int | slice) for p in parts)


class Cat(Function):
    """cat: join tensors along an axis; each input's gradient is its slice of dL/dy."""

    @staticmethod
    def forward(ctx, *tensors, axis):
        ctx.axis, ctx.sizes = axis, [t.shape[axis] for t in tensors]
        return get_array_module(tensors[0].array).concatenate([t.array for t in tensors], axis=axis)

    @staticmethod
    def backward(ctx, grad):
        before = (slice(None),) * ctx.axis  # every axis in front of the joined one
        ends = itertools.accumulate(ctx.sizes)
        parts = zip(ctx.sizes, ends, ctx.needs_input_grad)  # noqa: B905 (one entry per input)
        return tuple(grad[(*before, slice(end - size, end))] if needed else None for size, end, needed in parts)
