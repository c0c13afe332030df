"""Which dtype a tensor or a result gets: PyTorch's promotion rules, in one place.

- New tensors: Python floats (and lists of them) give ``float32``, Python ints ``int64``, bools
  ``bool``; a NumPy array keeps its dtype.
- A Python or NumPy number never promotes the tensor it meets: ``float32_tensor * 0.5`` and
  ``float32_tensor / 3`` stay float32. Only a float number meeting an integer tensor changes the
  kind (to float32), and an integer too big for a small integer dtype widens to int64.
- An integer tensor meeting a float tensor takes the float's dtype (NumPy would make int64 with
  float32 into float64); two float tensors give the wider one (float32 with float64 is float64).
- Functions that only make sense on floats (``exp``, true division, ``mean``) compute integers
  as float32.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

DEFAULT_FLOAT = np.dtype(np.float32)
SUPPORTED_KINDS = {"f": "floating", "i": "signed integer", "u": "unsigned integer", "b": "bool"}


def check_dtype(dtype: Any) -> np.dtype:
    """``dtype`` (a NumPy dtype, a type or a name such as ``"float32"``) as a supported NumPy dtype."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"unknown dtype {dtype!r}: use e.g. 'float32', 'float64', 'int64' or 'bool'") from error
    if dtype.kind not in SUPPORTED_KINDS:
        raise TypeError(f"dtype {dtype} is not supported: tensors hold floating, integer or bool values")
    return dtype


def scalar_dtype(value: Any, like: np.dtype) -> np.dtype:
    """The dtype a Python or NumPy number takes when it meets a tensor of dtype ``like``."""
    if type(value) is float:  # the usual case (lr * grad, x / 2.0), decided before the slower checks below
        return like if like.kind == "f" else DEFAULT_FLOAT
    if isinstance(value, bool | np.bool_):
        return like
    if isinstance(value, numbers.Integral):
        if like.kind == "f":
            return like
        fits = like.kind in "iu" and np.iinfo(like).min <= value <= np.iinfo(like).max
        return like if fits else np.dtype(np.int64)  # e.g. uint8 pixels + 300: no silent wrap-around
    if isinstance(value, numbers.Real):
        return like if like.kind == "f" else DEFAULT_FLOAT
    raise TypeError(f"unsupported operand {value!r} of type {type(value).__name__}: use a number or a Tensor")


@functools.lru_cache(maxsize=256)
def cast_for(a: np.dtype, b: np.dtype) -> np.dtype | None:
    """The float dtype both operands of a binary op must be cast to, when exactly one of them is
    floating and NumPy's own promotion would give another dtype (int64 with float32: float64).
    ``None`` when the operands can meet as they are (bool or uint8 with float32 stay float32)."""
    floating = a if a.kind == "f" else b if b.kind == "f" else None
    if floating is None or a.kind == b.kind or np.result_type(a, b) == floating:
        return None
    return floating
