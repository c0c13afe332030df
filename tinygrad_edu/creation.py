"""Functions that create tensors, and the random generator behind ``tg.manual_seed``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend
from .dtypes import DEFAULT_FLOAT, check_dtype
from .tensor import Tensor, _shape_argument, _wrap

_generator = np.random.default_rng()
_seed: int | None = None  # the last manual_seed, which also seeds the GPU's generator
_device_generator: Any = None  # CuPy's generator, made on first use


def manual_seed(seed: int) -> None:
    """Seed the generators used by ``randn``/``rand``, weight init, shuffling and dropout."""
    global _generator, _seed, _device_generator
    _generator, _seed, _device_generator = np.random.default_rng(seed), seed, None


def generator() -> np.random.Generator:
    """The library's random generator on the host. ``randn``, ``rand``, weight init and shuffling
    draw from it on every device, so a seed gives the same numbers on the CPU and the GPU."""
    return _generator


class Generator:
    """A random generator with its own state, as ``torch.Generator``: ``g = tg.Generator().manual_seed(0)``,
    then ``generator=g`` on the random functions draws from it instead of the library's generator."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = backend.normalize_device(device)
        self._seed = int(np.random.SeedSequence().entropy % 2**63)
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed, self.rng = int(seed), np.random.default_rng(seed)
        return self

    def initial_seed(self) -> int:
        return self._seed


def numpy_generator(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator=`` (the library's own when it is None)."""
    if generator is None:
        return _generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a tg.Generator, got {type(generator).__name__}")
    return generator.rng


def generator_on(device: str) -> Any:
    """A generator that draws straight into ``device``'s memory: the host generator for the CPU,
    CuPy's for the GPU (seeded by ``manual_seed`` too). Dropout draws a mask every step: making
    it on the host and copying it over would cost a transfer per step."""
    global _device_generator
    if backend.normalize_device(device) == "cpu":
        return _generator
    if _device_generator is None:
        _device_generator = backend.array_module("cuda").random.default_rng(_seed)
    return _device_generator


def _make(array: np.ndarray, dtype: Any, requires_grad: bool, device: str | None) -> Tensor:
    """Wrap a freshly made host array (no copy), then cast and move it."""
    if dtype is not None:
        array = array.astype(check_dtype(dtype), copy=False)
    tensor = _wrap(backend.to_device(array, backend.normalize_device(device)))
    tensor.requires_grad = requires_grad
    return tensor


def zeros(
    *shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str | None = None
) -> Tensor:
    return full(_shape_argument(shape), 0.0, dtype=dtype, requires_grad=requires_grad, device=device)


def ones(
    *shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str | None = None
) -> Tensor:
    return full(_shape_argument(shape), 1.0, dtype=dtype, requires_grad=requires_grad, device=device)


def full(
    shape: int | Sequence[int],
    fill_value: float,
    dtype: Any = None,
    requires_grad: bool = False,
    device: str | None = None,
) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (float32 for floats, int64 for ints, as PyTorch)."""
    shape = _shape_argument((shape,))
    if dtype is None:
        dtype = np.array(fill_value).dtype
        dtype = DEFAULT_FLOAT if dtype.kind == "f" else dtype
    xp = backend.array_module(backend.normalize_device(device))
    tensor = _wrap(xp.full(shape, fill_value, dtype=check_dtype(dtype)))
    tensor.requires_grad = requires_grad
    return tensor


def zeros_like(tensor: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(tensor.shape, 0, dtype=dtype or tensor.dtype, requires_grad=requires_grad, device=tensor.device)


def ones_like(tensor: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(tensor.shape, 1, dtype=dtype or tensor.dtype, requires_grad=requires_grad, device=tensor.device)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
    device: str | None = None,
) -> Tensor:
    """Evenly spaced values in [start, stop): int64 for integer arguments, float32 otherwise."""
    if stop is None:
        start, stop = 0, start
    array = np.arange(start, stop, step)
    if dtype is None and array.dtype.kind == "f":
        dtype = DEFAULT_FLOAT
    return _make(array, dtype, requires_grad, device)


def eye(
    n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, device: str | None = None
) -> Tensor:
    """The identity matrix (``n`` rows, ``m`` columns)."""
    return _make(np.eye(n, m, dtype=DEFAULT_FLOAT), dtype, requires_grad, device)


def randn(
    *shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str | None = None
) -> Tensor:
    """Samples from the standard normal distribution N(0, 1)."""
    array = _generator.standard_normal(_shape_argument(shape), dtype=np.float32 if dtype is None else np.float64)
    return _make(array, dtype, requires_grad, device)


def rand(
    *shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: str | None = None
) -> Tensor:
    """Samples from the uniform distribution on [0, 1)."""
    array = _generator.random(_shape_argument(shape), dtype=np.float32 if dtype is None else np.float64)
    return _make(array, dtype, requires_grad, device)
