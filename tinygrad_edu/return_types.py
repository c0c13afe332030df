"""The named tuples that ops returning values and their indices give back, as ``torch.return_types``.

``values, indices = x.max(dim=1)`` unpacks one; ``x.max(dim=1).values`` reads a field by name.
"""

from __future__ import annotations

from collections import namedtuple


def _values_and_indices(op: str) -> type:
    """A tuple type ``op(values, indices)``: the values (differentiable) and their int64 indices."""
    result = namedtuple(op, ("values", "indices"), module=__name__)
    result.__doc__ = f"What {op}(dim) returns: ``values``, and ``indices`` (int64) where they were found."
    result.__repr__ = lambda self: f"tinygrad_edu.return_types.{op}(values={self.values!r}, indices={self.indices!r})"
    return result


max = _values_and_indices("max")  # noqa: A001 - PyTorch's names
min = _values_and_indices("min")  # noqa: A001
sort = _values_and_indices("sort")
topk = _values_and_indices("topk")

__all__ = ["max", "min", "sort", "topk"]
