"""Which dtype a tensor or a result gets: PyTorch's promotion rules, in one place.

- New tensors: Python floats (and lists of them) give ``float32``, Python ints ``int64``, bools
  ``bool``; a NumPy array keeps its dtype.
- A Python or NumPy number never promotes the tensor it meets: ``float32_tensor * 0.5`` and
  ``float32_tensor / 3`` stay float32. Only a float number meeting an integer tensor changes the
  kind (to float32), and an integer too big for a small integer dtype widens to int64.
- An integer tensor meeting a float tensor takes the float's dtype (NumPy would make int64 with
  float32 into float64); two float tensors give the wider one (float32 with float64 is float64).
- A 0-d tensor meeting a tensor with axes of its own kind acts as a number: float32 [n] with a
  float64 0-d tensor is float32 (``result_type``). The same rules join ``cat``, ``stack`` and
  ``where``'s inputs.
- Functions that only make sense on floats (``exp``, true division, ``mean``) compute integers
  as float32.

"float32" above means the default float dtype: ``tg.set_default_dtype(tg.float64)`` makes Python
floats, ``randn``/``zeros``/... and integer division give float64, as in PyTorch.

The dtype objects (``tg.float32``, ``tg.long``, ...) are ``DType`` instances: one per dtype, printed
as ``tinygrad_edu.float32``, equal to the matching NumPy dtype, type and name (``t.dtype ==
np.float32``, ``t.dtype == "float32"``), hashed as the NumPy dtype, and accepted by NumPy
(``np.dtype(tg.float32)``, ``a.astype(tg.float32)``) through their ``dtype`` attribute.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

DEFAULT_FLOAT = np.dtype(np.float32)  # rebound by set_default_dtype; other modules call default_float()
SUPPORTED_KINDS = {"f": "floating", "i": "signed integer", "u": "unsigned integer", "b": "bool"}


class DType:
    """A tensor's dtype, as ``torch.dtype``: ``tg.float32``, ``tg.int64``, ... (one object per dtype)."""

    __slots__ = ("dtype", "is_floating_point", "is_signed", "itemsize", "kind", "name")

    def __init__(self, name: str) -> None:
        self.dtype = np.dtype(name)  # the NumPy dtype; NumPy reads this attribute in np.dtype(tg.float32)
        self.name, self.kind, self.itemsize = self.dtype.name, self.dtype.kind, self.dtype.itemsize
        self.is_floating_point = self.kind == "f"
        self.is_signed = self.kind in "fi"

    def __repr__(self) -> str:
        return f"tinygrad_edu.{self.name}"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return other.dtype == self.dtype
        if other is None or isinstance(other, bool | int | float):  # np.dtype(None) would be float64
            return False
        try:
            return self.dtype == np.dtype(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.dtype)  # so a dict keyed by NumPy dtypes finds tg.float32 too

    def __reduce__(self) -> tuple:
        return as_dtype, (self.name,)


NAMES = (
    "float16",
    "float32",
    "float64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "bool",
)
_BY_NUMPY: dict[np.dtype, DType] = {np.dtype(name): DType(name) for name in NAMES}
ALIASES = {"half": "float16", "float": "float32", "double": "float64", "short": "int16", "int": "int32"}
ALIASES |= {"long": "int64"}
# The legacy tensor-type names (t.type(), tg.FloatTensor) of each dtype.
TYPE_NAMES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor", "uint8": "ByteTensor"}
TYPE_NAMES |= {"int8": "CharTensor", "int16": "ShortTensor", "int32": "IntTensor", "int64": "LongTensor"}
TYPE_NAMES |= {"bool": "BoolTensor"}


def as_dtype(dtype: Any) -> DType:
    """The ``DType`` object for anything ``check_dtype`` accepts (``tg.float``, ``np.float32``, ``"int64"``)."""
    return _BY_NUMPY[check_dtype(dtype)]


def of_array(array: Any) -> DType:
    """The ``DType`` of a NumPy or CuPy array: one dictionary look-up (``Tensor.dtype`` asks it)."""
    found = _BY_NUMPY.get(array.dtype)
    return found if found is not None else as_dtype(array.dtype)  # e.g. a big-endian float32


def default_float() -> np.dtype:
    """The NumPy dtype Python floats and the float creation functions give (float32 unless changed)."""
    return DEFAULT_FLOAT


def get_default_dtype() -> DType:
    """The default float dtype, as ``torch.get_default_dtype()``."""
    return _BY_NUMPY[DEFAULT_FLOAT]


def set_default_dtype(dtype: Any) -> None:
    """Make ``dtype`` (float32 or float64) the dtype of Python floats, ``randn``, ``zeros``, ... and
    integer division, as ``torch.set_default_dtype``. Tensors made before keep their dtype."""
    global DEFAULT_FLOAT
    chosen = check_dtype(dtype)
    if chosen not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"set_default_dtype: only tg.float32 and tg.float64 can be the default, got {dtype}")
    DEFAULT_FLOAT = chosen


def check_dtype(dtype: Any) -> np.dtype:
    """``dtype`` (a ``tg`` dtype, a NumPy dtype, a type or a name such as ``"float32"``) as a supported
    NumPy dtype."""
    if isinstance(dtype, DType):
        return dtype.dtype
    if isinstance(dtype, str) and dtype.startswith(("tinygrad_edu.", "torch.")):  # str(tg.float32)
        name = dtype.split(".", 1)[1]
        dtype = ALIASES.get(name, name)
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


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < floating


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The dtype of two tensors of dtypes ``a`` and ``b`` combined, as ``torch.promote_types``."""
    floating = cast_for(a, b)
    return floating if floating is not None else np.result_type(a, b)


def result_type(*arrays: Any) -> np.dtype:
    """The dtype of an op on several tensors' arrays, as ``torch.result_type``: a 0-d tensor only
    counts where its kind (bool < integer < floating) is above every tensor with axes, so that
    float32 [n] * float64 0-d stays float32, while int64 [n] * float64 0-d is float64."""
    return _result_type(tuple((a.dtype, a.ndim == 0) for a in arrays))


def cast_needed(*arrays: Any) -> np.dtype | None:
    """``result_type`` of the arrays where NumPy would compute in another dtype; None where NumPy's
    dtype is already PyTorch's (the common case, answered from a cache: asked on many ops)."""
    return _cast_needed(tuple((a.dtype, a.ndim == 0) for a in arrays))


@functools.lru_cache(maxsize=1024)
def binary_cast(a: np.dtype, a_is_0d: bool, b: np.dtype, b_is_0d: bool, b_is_number: bool) -> np.dtype | None:
    """``cast_needed`` of a binary op's two operands (``b`` made from a Python number, if
    ``b_is_number``: its dtype was chosen for ``a`` and counts as a tensor's), cached by dtypes."""
    if b_is_number:
        common = promote_types(a, b)
        return None if common == np.result_type(a, b) else common
    return _cast_needed(((a, a_is_0d), (b, b_is_0d)))


@functools.lru_cache(maxsize=1024)
def _result_type(operands: tuple[tuple[np.dtype, bool], ...]) -> np.dtype:
    with_axes = [dtype for dtype, zero_dim in operands if not zero_dim]
    zero_dim = [dtype for dtype, is_zero_dim in operands if is_zero_dim]
    result = functools.reduce(promote_types, with_axes or zero_dim)
    if with_axes and zero_dim:
        zero_dim_result = functools.reduce(promote_types, zero_dim)
        if _CATEGORY[zero_dim_result.kind] > _CATEGORY[result.kind]:
            result = promote_types(result, zero_dim_result)
    return result


@functools.lru_cache(maxsize=1024)
def _cast_needed(operands: tuple[tuple[np.dtype, bool], ...]) -> np.dtype | None:
    common = _result_type(operands)
    return None if common == np.result_type(*(dtype for dtype, _ in operands)) else common


_CAST_CALLS = {"float16": ".half()", "float32": ".float()", "float64": ".double()", "int64": ".long()"}


def mismatch_error(op: str, operands: dict[str, Any]) -> RuntimeError:
    """The error for an op whose operands (named Tensors, None skipped) must share one dtype but do
    not, as PyTorch refuses ``float32 @ float64``: it names the op, each dtype and shape, and the cast."""
    given = {name: t for name, t in operands.items() if t is not None}
    (first, a), *others = given.items()
    second, b = next((name, t) for name, t in others if t.array.dtype != a.array.dtype)
    described = ", ".join(f"{name} {as_dtype(t.array.dtype)} of shape {tuple(t.shape)}" for name, t in given.items())
    if a.array.dtype.kind == "f" and b.array.dtype.kind == "f":
        fix = f"convert {first} with {first}{_cast_call(b.array.dtype)}"
        fix += f" (or {second} with {second}{_cast_call(a.array.dtype)})"
    else:  # convert the integer one: a float operand cast to integers would lose its fractions
        (name, target) = (second, a) if b.array.dtype.kind != "f" and a.array.dtype.kind == "f" else (first, b)
        fix = f"convert {name} with {name}{_cast_call(target.array.dtype)}"
    return RuntimeError(f"{op}: expected operands of one dtype, got {described}; {fix}")


def _cast_call(dtype: np.dtype) -> str:
    return _CAST_CALLS.get(dtype.name, f".to(tinygrad_edu.{dtype.name})")
