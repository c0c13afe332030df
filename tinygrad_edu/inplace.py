"""In-place writes into a tensor's memory, and the version counters that keep backward honest.

A node that saved a tensor for its backward pass needs that tensor's values as they were in the
forward pass. Every in-place write therefore stamps the tensor with the sequence number of the
moment it happened; when ``backward`` reads a saved tensor that was written after its node was
recorded, it refuses with an error that names the op and the tensor, instead of silently using
the new values. Tensors that share memory (``t.data``, ``t.detach()``, a view made by reshape
or indexing) share one counter (``autograd.Versions``).
"""

from __future__ import annotations

import reprlib
import weakref
from collections.abc import Callable
from typing import Any

from . import autograd, backend, creation, ops
from .autograd import versions_of
from .tensor import Tensor, _as_operand, _wrap


def alias(tensor: Tensor) -> Tensor:
    """A new Tensor outside the graph on ``tensor``'s memory, sharing its version counter."""
    shared = _wrap(tensor.array)
    shared._versions = versions_of(tensor)
    return shared


def mark_written(tensor: Tensor, at: int | None = None) -> None:
    """Count one in-place write to ``tensor`` (at node sequence ``at``, or now)."""
    versions = versions_of(tensor)
    versions.count += 1
    versions.last_write = autograd.note_write(at)


def replace_storage(tensor: Tensor, value: Any) -> None:
    """``tensor.data = value``: the tensor now uses ``value``'s memory (a Tensor or an array)."""
    array = value.array if isinstance(value, Tensor) else value
    if not (hasattr(array, "shape") and hasattr(array, "dtype")):
        raise TypeError(f"data must be a Tensor or an array, got {type(value).__name__}")
    if array is not tensor.array:  # `p.data += x` writes in place first, then assigns the same memory back
        tensor.array = array
        mark_written(tensor)


def update(target: Tensor, name: str, compute: Callable[..., Tensor], *operands: Any) -> Tensor:
    """Write ``compute(target, *operands)`` into ``target``'s memory and return ``target``.

    Outside the graph (``no_grad``, or nothing requires grad) the values are simply written. When
    the op must be recorded, a leaf that requires grad is refused, as in PyTorch; any other target
    takes the new node as its ``grad_fn``: the node reads a copy of the old values (with their
    history), so the gradient of the old values flows back as if the op had been out of place.
    """
    if not _recorded(target, *operands):
        _write(target, name, compute(target, *operands).array)
        return target
    if target._ctx is None and target._requires_grad:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad (shape {tuple(target.shape)}) is being used in an in-place "
            "operation. Update parameters inside `with tg.no_grad():` (as an optimizer step does), or use an "
            "out-of-place op (x = x + y instead of x += y)."
        )
    if target.array.base is not None:  # a view: the tensor it shares memory with would change unrecorded
        raise RuntimeError(
            f"{name}: this tensor (shape {tuple(target.shape)}) is a view of another tensor's memory (made by "
            "reshape, view, transpose or indexing), and writing into it inside the graph is not supported; "
            "write into a copy (.clone()) or into the original tensor"
        )
    before = _wrap(target.array.copy())  # the old values, for nodes that save their input
    before._ctx, before._requires_grad = target._ctx, target._requires_grad
    if target._ctx is not None:
        target._ctx._output_ref = weakref.ref(before)  # the old node made the old values
    out = compute(before, *operands)
    if out is before or any(out is o for o in operands):
        out = out.clone()  # the result must be a node of its own, which target then becomes
    node = out._ctx
    _write(target, name, out.array, at=None if node is None else node.sequence)
    target._ctx, target._requires_grad = node, out._requires_grad
    if node is not None:
        node._output_ref = weakref.ref(target)
    return target


def _recorded(target: Tensor, *operands: Any) -> bool:
    """Whether a write into ``target`` must be recorded: grad mode is on and something requires grad."""
    return autograd.is_grad_enabled() and any(getattr(t, "_requires_grad", False) for t in (target, *operands))


def _write(target: Tensor, name: str, values: Any, at: int | None = None) -> None:
    """Copy ``values`` into ``target``'s memory, refusing a result that does not fit it."""
    if values.shape != target.array.shape:
        raise RuntimeError(
            f"{name}: the result has shape {tuple(values.shape)}, but the tensor written in place has shape "
            f"{tuple(target.shape)}; an in-place op cannot change a tensor's shape (use the out-of-place op)"
        )
    if values.dtype.kind == "f" and target.array.dtype.kind != "f":
        raise RuntimeError(
            f"{name}: the result is {values.dtype}, which cannot be written into a {target.dtype} tensor; "
            "convert the tensor first (t = t.float()) or use the out-of-place op"
        )
    if values is not target.array:
        target.array[...] = values
    mark_written(target, at)


def set_item(target: Tensor, index: Any, value: Any) -> None:
    """``target[index] = value``: written straight into memory, or recorded as a SetItem node."""
    value = value if isinstance(value, Tensor) else _as_operand(value, target)
    if type(value.array) is not type(target.array):  # another device: copied over, as torch copies into a slice
        value = value.to(target.device)
    if _recorded(target, value):
        update(target, "setitem", lambda t, v: ops.SetItem.apply(t, v, index=index), value)
        return
    try:
        target.array[index] = value.array  # cast to target's dtype, as PyTorch (floats into integers truncate)
    except (IndexError, ValueError) as error:
        raise type(error)(
            f"setitem: cannot write a value of shape {tuple(value.shape)} at [{reprlib.repr(index)}] of a tensor "
            f"of shape {tuple(target.shape)}: {error}"
        ) from error
    mark_written(target)


# ----------------------------------------------------------------------------- what some in-place ops write
# Each is ``target`` with every element replaced, as a SetItem node: the old values get a zero
# gradient and the new ones (``copy_``'s source) the whole gradient, as in PyTorch.
def copied(target: Tensor, source: Tensor) -> Tensor:
    """``source`` broadcast into ``target``'s shape, on its device and in its dtype."""
    moved = source.to(device=target.device, dtype=target.dtype)
    try:
        return ops.SetItem.apply(target, moved, index=...)
    except ValueError as error:
        raise RuntimeError(
            f"copy_: cannot copy shape {tuple(source.shape)} into shape {tuple(target.shape)}"
        ) from error


def filled(target: Tensor, value: Any) -> Tensor:
    """``target`` with every element ``value``."""
    value = value.item() if isinstance(value, Tensor) else value
    xp = backend.get_array_module(target.array)
    return ops.SetItem.apply(target, _wrap(xp.asarray(value, dtype=target.array.dtype)), index=...)


def sampled(target: Tensor, distribution: str, first: float, second: float, generator: Any) -> Tensor:
    """``target`` filled with random values for ``normal_`` (mean, std) or ``uniform_`` (low, high),
    drawn on the host as ``randn`` does, so a seed gives the same numbers on every device."""
    rng = creation.numpy_generator(generator)
    shape = target.array.shape
    values = rng.normal(first, second, shape) if distribution == "normal" else rng.uniform(first, second, shape)
    return ops.SetItem.apply(
        target, _wrap(backend.to_device(values.astype(target.array.dtype), target.device)), index=...
    )


def scatter(target: Tensor, axis: int, index: Tensor, source: Any) -> Tensor:
    """``scatter_``: along ``axis``, element ``index[i, j]`` of each line of ``target`` becomes ``source[i, j]``."""
    if _recorded(target, source):
        raise RuntimeError(
            "scatter_: writing into a tensor in the graph is not supported; build the result out of place "
            "(e.g. with tg.where or indexing), or scatter under tg.no_grad()"
        )
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu" or index.ndim != target.ndim:
        raise RuntimeError(f"scatter_: index must be an integer tensor with {target.ndim} axes, like the target")
    xp = backend.get_array_module(target.array)
    positions = list(xp.indices(index.array.shape, sparse=True))
    positions[axis] = index.array
    if isinstance(source, Tensor):  # only the part of source that index covers is used
        source = source.array[tuple(slice(0, n) for n in index.array.shape)]
    target.array[tuple(positions)] = source
    mark_written(target)
    return target
