"""Shape and indexing: reshape, permute (transpose), expand, indexing and its adjoint, cat."""

from __future__ import annotations

import itertools
from typing import Any

from ..autograd import Function
from ..backend import get_array_module


class Reshape(Function):
    """reshape: same values, new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x.data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(*ctx.input_shape)


class Transpose(Function):
    """transpose: permute axes; the gradient is permuted back with the inverse permutation."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.data.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = tuple(sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__))
        return grad.transpose(*inverse)


class Expand(Function):
    """expand (broadcast_to): copies values along new or size-1 axes; dL/dx = sum of dL/dy over them.

    The sum is the engine's broadcast reduction, so backward simply hands the gradient back.
    """

    @staticmethod
    def forward(ctx, x, shape):
        return get_array_module(x.data).broadcast_to(x.data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


class GetItem(Function):
    """getitem: y = x[index]; dL/dx = zeros with dL/dy scatter-added at index (repeats add up)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.input_shape = index, x.shape
        return x.data[index]

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, index=ctx.index, shape=ctx.input_shape)


class ScatterAdd(Function):
    """scatter_add: y = zeros(shape); y[index] += x; dL/dx = dL/dy[index] (the adjoint of getitem)."""

    @staticmethod
    def forward(ctx, x, index, shape):
        ctx.index, out = index, get_array_module(x.data).zeros(shape, dtype=x.dtype)
        if _is_basic_index(index):  # ints and slices never pick an element twice
            out[index] = x.data
        else:  # index arrays may repeat an element: add.at adds every repeat
            get_array_module(x.data).add.at(out, index, x.data)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, index=ctx.index)


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, int | slice) for p in parts)


class Cat(Function):
    """cat: join tensors along an axis; each input's gradient is its slice of dL/dy."""

    @staticmethod
    def forward(ctx, *tensors, axis):
        ctx.axis, ctx.sizes = axis, [t.shape[axis] for t in tensors]
        return get_array_module(tensors[0].data).concatenate([t.data for t in tensors], axis=axis)

    @staticmethod
    def backward(ctx, grad):
        before = (slice(None),) * ctx.axis  # every axis in front of the joined one
        ends = itertools.accumulate(ctx.sizes)
        parts = zip(ctx.sizes, ends, ctx.needs_input_grad)  # noqa: B905 (one entry per input)
        return tuple(grad[(*before, slice(end - size, end))] if needed else None for size, end, needed in parts)
