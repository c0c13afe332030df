"""Functions that create tensors, and the random generator behind ``tg.manual_seed``.

Without ``dtype=`` a float result has the default float dtype (float32, see
``tg.set_default_dtype``); without ``device=`` it lives on the default device (the CPU, see
``tg.set_default_device``). Random numbers are drawn on the host, so a seed gives the same numbers
on every device. ``empty`` fills with zeros: PyTorch leaves the memory uninitialised, so no correct
program can tell the difference.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend, dtypes
from .dtypes import TYPE_NAMES, check_dtype, default_float
from .tensor import Tensor, _shape_argument, _wrap

_generator = np.random.default_rng()
_seed: int | None = None  # the last manual_seed, which also seeds the GPU's generator
_device_generator: Any = None  # CuPy's generator, made on first use


def manual_seed(seed: int) -> None:
    """Seed the generators used by ``randn``/``rand``, weight init, shuffling and dropout."""
    global _generator, _seed, _device_generator
    seed = _checked_seed(seed)
    _generator, _seed, _device_generator = np.random.default_rng(seed), seed, None


def seed_device(seed: int) -> None:
    """Seed only the GPU's generator (dropout masks drawn on the GPU): ``tg.cuda.manual_seed``."""
    global _seed, _device_generator
    _seed, _device_generator = _checked_seed(seed), None


def _checked_seed(seed: Any) -> int:
    """A seed as PyTorch takes it: an integer from -2**63 to 2**64 - 1, negative ones wrapped to 64 bits."""
    if not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed: the seed must be an integer, got {seed!r} ({type(seed).__name__})")
    if not -(2**63) <= seed < 2**64:
        raise ValueError(f"manual_seed: the seed must be between -2**63 and 2**64 - 1, got {seed}")
    return int(seed) % 2**64


def generator() -> np.random.Generator:
    """The library's random generator on the host. ``randn``, ``rand``, weight init and shuffling
    draw from it on every device, so a seed gives the same numbers on the CPU and the GPU."""
    return _generator


class Generator:
    """A random generator with its own state, as ``torch.Generator``: ``g = tg.Generator().manual_seed(0)``,
    then ``generator=g`` on the random functions draws from it instead of the library's generator."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = backend.device(device)
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        seed = _checked_seed(seed)
        self._seed, self.rng = seed, np.random.default_rng(seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor, for ``set_state`` (as PyTorch, a byte tensor)."""
        return _state_tensor(self.rng)

    def set_state(self, state: Tensor) -> Generator:
        _restore_state(self.rng, state)
        return self


def _state_tensor(rng: np.random.Generator) -> Tensor:
    return _wrap(np.frombuffer(json.dumps(rng.bit_generator.state).encode(), dtype=np.uint8).copy())


def _restore_state(rng: np.random.Generator, state: Tensor) -> None:
    if not isinstance(state, Tensor) or state.array.dtype != np.uint8:
        raise TypeError("set_state: expected the uint8 tensor that get_state() returned")
    rng.bit_generator.state = json.loads(backend.as_numpy(state.array).tobytes())


def get_rng_state() -> Tensor:
    """The state of the library's generator as a uint8 tensor (``tg.set_rng_state`` restores it)."""
    return _state_tensor(_generator)


def set_rng_state(state: Tensor) -> None:
    _restore_state(_generator, state)


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


def _make(array: Any, dtype: Any, requires_grad: bool, device: Any) -> Tensor:
    """Wrap a freshly made host array (no copy), then cast and move it."""
    if dtype is not None:
        array = array.astype(check_dtype(dtype), copy=False)
    tensor = _wrap(backend.to_device(array, backend.normalize_device(device)))
    tensor.requires_grad = requires_grad
    return tensor


def _float_dtype(name: str, dtype: Any) -> np.dtype:
    """``dtype`` for a function that only makes floats (the default float dtype when None)."""
    chosen = default_float() if dtype is None else check_dtype(dtype)
    if chosen.kind != "f":
        raise TypeError(
            f"{name}: samples are floating point, so dtype must be a float dtype, got {dtypes.as_dtype(chosen)}"
        )
    return chosen


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``, as ``torch.tensor``: Python floats give float32 (the
    default float dtype), ints int64, bools bool; NumPy arrays keep their dtype."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype, as ``torch.from_numpy``: writes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}; use tg.tensor(data) instead")
    if array.dtype not in dtypes._BY_NUMPY:
        names = ", ".join(dtypes.NAMES)
        raise TypeError(f"from_numpy: NumPy dtype {array.dtype} is not supported; convert it first to one of {names}")
    return _wrap(array)


def zeros(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return full(_shape_argument(shape, "zeros"), 0.0, dtype=dtype, requires_grad=requires_grad, device=device)


def ones(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return full(_shape_argument(shape, "ones"), 1.0, dtype=dtype, requires_grad=requires_grad, device=device)


def empty(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ``shape`` to be filled in later; here it holds zeros (see the module docstring)."""
    return zeros(*shape, dtype=dtype, requires_grad=requires_grad, device=device)


def full(
    shape: int | Sequence[int],
    fill_value: float,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (float32 for floats, int64 for ints, as PyTorch)."""
    shape = _shape_argument((shape,), "full")
    if dtype is None:
        dtype = np.array(fill_value).dtype
        dtype = default_float() if dtype.kind == "f" else dtype
    xp = backend.array_module(backend.normalize_device(device))
    tensor = _wrap(xp.full(shape, fill_value, dtype=check_dtype(dtype)))
    tensor.requires_grad = requires_grad
    return tensor


def full_like(
    tensor: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor shaped like ``tensor`` filled with ``fill_value``, with its dtype and device unless given."""
    dtype = tensor.array.dtype if dtype is None else dtype
    device = tensor.device if device is None else device
    return full(tensor.shape, fill_value, dtype=dtype, requires_grad=requires_grad, device=device)


def zeros_like(tensor: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return full_like(tensor, 0, dtype=dtype, requires_grad=requires_grad, device=device)


def ones_like(tensor: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return full_like(tensor, 1, dtype=dtype, requires_grad=requires_grad, device=device)


empty_like = zeros_like  # see the module docstring: "empty" memory holds zeros here


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Evenly spaced values in [start, stop): int64 for integer arguments, float32 otherwise."""
    if stop is None:
        start, stop = 0, start
    _check_range(start, stop, step)
    array = np.arange(start, stop, step)
    if dtype is None and array.dtype.kind == "f":
        dtype = default_float()
    return _make(array, dtype, requires_grad, device)


def _check_range(start: Any, stop: Any, step: Any) -> None:
    """arange's bounds must be finite numbers and the step must lead from start towards stop (as torch)."""
    for name, value in (("start", start), ("end", stop), ("step", step)):
        if not isinstance(value, numbers.Real) and not (isinstance(value, Tensor) and value.numel() == 1):
            raise TypeError(f"arange: {name} must be a number, got {value!r} ({type(value).__name__})")
        if not math.isfinite(float(value)):
            raise ValueError(f"arange: {name} must be finite, got {value}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (stop - start) * step < 0:
        raise ValueError(f"arange: step {step} goes away from end {stop} (start {start}); use a step of the other sign")


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float32 unless ``dtype``)."""
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    return _make(np.linspace(start, end, steps), default_float() if dtype is None else dtype, requires_grad, device)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """The identity matrix (``n`` rows, ``m`` columns)."""
    return _make(np.eye(n, m, dtype=default_float()), dtype, requires_grad, device)


def randn(
    *shape: int | Sequence[int],
    generator: Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Samples from the standard normal distribution N(0, 1)."""
    dtype = _float_dtype("randn", dtype)
    draw = np.float32 if dtype == np.float32 else np.float64  # NumPy draws float32 or float64 only
    array = numpy_generator(generator).standard_normal(_shape_argument(shape, "randn"), dtype=draw)
    return _make(array, dtype, requires_grad, device)


def rand(
    *shape: int | Sequence[int],
    generator: Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Samples from the uniform distribution on [0, 1)."""
    dtype = _float_dtype("rand", dtype)
    draw = np.float32 if dtype == np.float32 else np.float64
    array = numpy_generator(generator).random(_shape_argument(shape, "rand"), dtype=draw)
    return _make(array, dtype, requires_grad, device)


def randn_like(tensor: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """``randn`` with ``tensor``'s shape, dtype and device (unless given)."""
    dtype = tensor.array.dtype if dtype is None else dtype
    return randn(tensor.shape, dtype=dtype, requires_grad=requires_grad, device=device or tensor.device)


def rand_like(tensor: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """``rand`` with ``tensor``'s shape, dtype and device (unless given)."""
    dtype = tensor.array.dtype if dtype is None else dtype
    return rand(tensor.shape, dtype=dtype, requires_grad=requires_grad, device=device or tensor.device)


def randint(
    *args: Any,
    low: int | None = None,
    high: int | None = None,
    size: Sequence[int] | None = None,
    generator: Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high), as ``torch.randint(high, size)`` or
    ``torch.randint(low, high, size)`` (``size`` a tuple; keywords work too). int64 unless ``dtype``."""
    bounds = list(args)
    if size is None and bounds and isinstance(bounds[-1], tuple | list):
        size = bounds.pop()
    bounds = [*([] if low is None else [low]), *bounds, *([] if high is None else [high])]
    if size is None or len(bounds) not in (1, 2):
        raise TypeError(
            "randint: call it as randint(high, size) or randint(low, high, size), with size a tuple such as (3,)"
        )
    low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
    if not isinstance(size, tuple | list):
        raise TypeError(f"randint: size must be a tuple of ints such as (3,) or (2, 3), got {size!r}")
    if not low < high:
        raise ValueError(f"randint: low must be less than high, got low={low}, high={high}")
    array = numpy_generator(generator).integers(
        low, high, size=_shape_argument((tuple(size),), "randint"), dtype=np.int64
    )
    return _make(array, dtype, requires_grad, device)


def randperm(
    n: int, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A random permutation of 0, ..., n - 1 (int64 unless ``dtype``)."""
    return _make(numpy_generator(generator).permutation(n).astype(np.int64), dtype, requires_grad, device)


def normal(
    mean: float | Tensor,
    std: float | Tensor = 1.0,
    size: Sequence[int] | None = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Samples of N(mean, std**2): numbers with a ``size``, or tensors of means and stds (broadcast),
    as ``torch.normal``. Tensor arguments give their dtype and device; no gradient flows to them."""
    like = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    means, stds = (backend.as_numpy(v.array) if isinstance(v, Tensor) else np.asarray(v) for v in (mean, std))
    if (stds < 0).any():
        raise ValueError("normal: std must be non-negative")
    if like is None and size is None:
        raise TypeError("normal: with numbers for mean and std, give the size too, e.g. normal(0.0, 1.0, (2, 3))")
    shape = np.broadcast_shapes(means.shape, stds.shape) if size is None else _shape_argument((tuple(size),), "normal")
    dtype = _float_dtype("normal", like.array.dtype if dtype is None and like is not None else dtype)
    array = numpy_generator(generator).normal(means, stds, size=shape).astype(dtype)
    return _make(array, None, requires_grad, device or (like.device if like is not None else None))


def multinomial(
    input: Tensor,  # noqa: A002 - PyTorch's name
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """For each row of non-negative weights (not necessarily summing to 1), ``num_samples`` category
    indices drawn with probability proportional to the weights, as ``torch.multinomial``; without
    ``replacement`` each index appears at most once per row. int64, on ``input``'s device."""
    if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.array.dtype.kind != "f":
        raise TypeError("multinomial: input must be a 1-D or 2-D float tensor of weights (rows of probabilities)")
    weights = backend.as_numpy(input.array).astype(np.float64).reshape(-1, input.shape[-1])
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("multinomial: weights must be finite and non-negative")
    if (weights.sum(axis=1) == 0).any():
        raise ValueError("multinomial: every row of weights needs a positive sum")
    if not replacement and num_samples > (weights > 0).sum(axis=1).min():
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row with fewer non-zero "
            "weights; pass replacement=True or ask for fewer samples"
        )
    rng = numpy_generator(generator)
    if replacement:  # invert each row's cumulative distribution at uniform points
        cumulative = np.cumsum(weights, axis=1)
        points = rng.random((len(weights), num_samples)) * cumulative[:, -1:]
        samples = np.stack([np.searchsorted(c, p, side="right") for c, p in zip(cumulative, points, strict=True)])
        samples = np.minimum(samples, weights.shape[1] - 1)
    else:  # the smallest exponential(1) / weight keys are a draw without replacement, in order
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(weights.shape) / weights
        samples = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64).reshape(*input.shape[:-1], num_samples)
    return _wrap(backend.to_device(samples, backend.device_of(input.array)))


# ---------------------------------------------------------------------------- legacy tensor types
class _LegacyType(type):
    """``tg.FloatTensor`` and friends: ``FloatTensor(2, 3)`` is a 2x3 tensor (of zeros),
    ``FloatTensor([1, 2])`` holds that data; ``isinstance(t, tg.FloatTensor)`` checks the dtype."""

    dtype: np.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        if len(args) == 1 and not isinstance(args[0], int):
            return Tensor(args[0], dtype=cls.dtype, device=device)
        return zeros(_shape_argument(args) if args else (0,), dtype=cls.dtype, device=device)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.array.dtype == cls.dtype and instance.device == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'tinygrad_edu.{cls.__name__}'>"


def _legacy_type(name: str) -> type:
    doc = f"``tg.{TYPE_NAMES[name]}``: PyTorch's legacy constructor of {name} tensors (see ``_LegacyType``)."
    return _LegacyType(TYPE_NAMES[name], (), {"dtype": np.dtype(name), "__module__": "tinygrad_edu", "__doc__": doc})


FloatTensor, DoubleTensor, HalfTensor = (_legacy_type(name) for name in ("float32", "float64", "float16"))
LongTensor, IntTensor, ShortTensor = (_legacy_type(name) for name in ("int64", "int32", "int16"))
ByteTensor, CharTensor, BoolTensor = (_legacy_type(name) for name in ("uint8", "int8", "bool"))
