"""A strict stand-in for CuPy, backed by NumPy, to run the ``"cuda"`` code paths without a GPU.

Real CuPy needs an NVIDIA GPU, which CI does not have. This module lets the whole test suite run
its cuda cases anyway (``TINYGRAD_EDU_FAKE_CUPY=1``, see ``tests/conftest.py``), and it is strict
where CuPy is strict, so the bugs a GPU would reveal show up here first:

- its ``ndarray`` is not a NumPy array: ``np.asarray(device_array)`` raises TypeError, as CuPy
  does, so an op that calls NumPy on device data without ``.get()`` fails;
- mixing a NumPy array into a device computation raises TypeError, as CuPy does: a host array
  that reaches an op is a silent host-to-device copy (this fake is stricter than CuPy for index
  arrays, which CuPy would copy to the device quietly);
- reductions return 0-d device arrays, not NumPy scalars, as CuPy's do.

It also counts what a GPU would pay for (``STATS``): kernel launches (every call that computes or
allocates device data; a ``fuse``-d function is one launch), device-to-host copies, and host
synchronisations (``.get()``, ``.item()``, ``float()``, printing). ``allow_synchronize(False)``
makes a synchronisation raise, like ``cupyx.allow_synchronize``.

What it cannot check: real kernels and their rounding, compilation of ``cupy.fuse`` kernels,
speed, memory. Those need a GPU.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import sys
import types
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

STATS: Counter[str] = Counter()  # launches, syncs, to_host, to_device
_SYNC_ALLOWED = [True]
_ROOT_WRAPPERS: weakref.WeakValueDictionary[int, ndarray] = weakref.WeakValueDictionary()

# Calls that only describe existing memory differently: no kernel runs on a GPU.
_NO_LAUNCH = {"reshape", "transpose", "swapaxes", "squeeze", "expand_dims", "broadcast_to", "view", "moveaxis"}
# How NumPy reads another object's memory without a copy; forwarding them would let np.asarray succeed.
_HOST_MEMORY_PROTOCOLS = {"__array_interface__", "__array_struct__"}


class DeviceSynchronized(RuntimeError):  # noqa: N818 - CuPy's name
    """Raised on a host synchronisation inside ``allow_synchronize(False)``."""


@contextlib.contextmanager
def allow_synchronize(allow: bool) -> Iterator[None]:
    _SYNC_ALLOWED.append(allow)
    try:
        yield
    finally:
        _SYNC_ALLOWED.pop()


def _synchronize(what: str) -> None:
    STATS["syncs"] += 1
    if not _SYNC_ALLOWED[-1]:
        raise DeviceSynchronized(f"device synchronisation by {what} while it is disallowed")


# ----------------------------------------------------------------------------- moving values in and out
def _unwrap(value: Any) -> Any:
    """The NumPy value behind ``value``; host arrays are refused, as CuPy refuses them."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, np.ndarray):
        raise TypeError(f"Unsupported type {type(value)}: a NumPy array met a (fake) CuPy array")
    if isinstance(value, tuple | list):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ndarray._of(value)
    if isinstance(value, np.generic):  # CuPy reductions give 0-d arrays, never host scalars
        return ndarray._of(np.asarray(value))
    if isinstance(value, tuple | list):
        return type(value)(_wrap(v) for v in value)
    return value


def _call(function: Callable, args: tuple, kwargs: dict, name: str = "") -> Any:
    if name not in _NO_LAUNCH:
        STATS["launches"] += 1
    return _wrap(function(*_unwrap(args), **_unwrap(kwargs)))


def _method(name: str) -> Callable:
    def method(self: ndarray, *args: Any, **kwargs: Any) -> Any:
        return _call(getattr(self._array, name), args, kwargs, name)

    method.__name__ = name
    return method


class _Flags:
    def __init__(self, flags: Any) -> None:  # CuPy's flags: no 'writeable'
        self.c_contiguous, self.f_contiguous, self.owndata = flags.c_contiguous, flags.f_contiguous, flags.owndata


class ndarray:  # noqa: N801 - CuPy's name
    """A device array: a NumPy array that refuses to be used as one."""

    __slots__ = ("__weakref__", "_array", "_root")
    __module__ = "cupy"  # type(cupy.zeros(1)) is <class 'cupy.ndarray'>; code may test the module name
    __array_priority__ = 1000  # NumPy's binary operators defer to ours

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("create fake device arrays with the module's functions (asarray, zeros, ...)")

    @classmethod
    def _of(cls, array: np.ndarray) -> ndarray:
        wrapper = object.__new__(cls)
        wrapper._array = array
        wrapper._root = None
        root = array
        while isinstance(root.base, np.ndarray):
            root = root.base
        if root is array:
            _ROOT_WRAPPERS[id(array)] = wrapper
        else:  # a view keeps the array that owns its memory (its .base) alive, as in CuPy
            owner = _ROOT_WRAPPERS.get(id(root))
            if owner is None or owner._array is not root:
                owner = cls._of(root)
            wrapper._root = owner
        return wrapper

    # implicit conversion to NumPy is refused, exactly as CuPy refuses it
    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy array "
            "explicitly."
        )

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        function = ufunc if method == "__call__" else getattr(ufunc, method)
        return _call(function, inputs, kwargs)

    def __array_function__(self, func: Callable, types: Any, args: tuple, kwargs: dict) -> Any:
        return _call(func, args, kwargs, func.__name__)

    # metadata: no device work
    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    itemsize = property(lambda self: self._array.itemsize)
    nbytes = property(lambda self: self._array.nbytes)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: _Flags(self._array.flags))
    base = property(lambda self: self._root)
    T = property(lambda self: ndarray._of(self._array.T))
    device = property(lambda self: Device(0))
    # the protocol CuPy arrays carry (and libraries test for); this fake has no device pointer
    __cuda_array_interface__ = property(
        lambda self: {"shape": self.shape, "typestr": self.dtype.str, "data": (0, False), "version": 3}
    )

    def __len__(self) -> int:
        return len(self._array)

    def __iter__(self) -> Iterator[ndarray]:
        return (self[i] for i in range(len(self)))

    # reading values on the host synchronises
    def get(self, stream: Any = None) -> np.ndarray:
        _synchronize("ndarray.get()")
        STATS["to_host"] += 1
        return self._array.copy()

    def __getitem__(self, index: Any) -> Any:
        result = self._array[_unwrap(index)]
        if not (isinstance(result, np.ndarray) and result.base is not None):
            STATS["launches"] += 1  # a gather (advanced indexing); basic indexing is a view
        return _wrap(result)

    def __setitem__(self, index: Any, value: Any) -> None:
        _call(self._array.__setitem__, (index, value), {}, "__setitem__")

    def __hash__(self) -> int:
        raise TypeError("unhashable type: 'cupy.ndarray'")

    def __getattr__(self, name: str) -> Any:
        if name in _HOST_MEMORY_PROTOCOLS:  # CuPy has neither: np.asarray must not find host memory
            raise AttributeError(name)
        attribute = getattr(self._array, name)
        if callable(attribute):
            return lambda *args, **kwargs: _call(attribute, args, kwargs, name)
        return _wrap(attribute)


def _operator(name: str) -> Callable:
    def operator(self: ndarray, *args: Any) -> Any:
        return _call(getattr(np.ndarray, name), (self, *args), {}, name)

    operator.__name__ = name
    return operator


def _host_read(name: str, what: str) -> Callable:
    """A method that reads values on the host (``item``, ``float()``, printing): it synchronises."""

    def read(self: ndarray) -> Any:
        _synchronize(what)
        return getattr(self._array, name)()

    read.__name__ = name
    return read


for _name, _what in {
    "item": "ndarray.item()",
    "tolist": "ndarray.tolist()",
    "__float__": "float()",
    "__int__": "int()",
    "__index__": "operator.index()",
    "__bool__": "bool()",
    "__repr__": "repr()",
}.items():
    setattr(ndarray, _name, _host_read(_name, _what))
ndarray.__str__ = ndarray.__repr__

for _name in (
    "add sub mul truediv floordiv mod pow matmul and or xor lshift rshift "
    "radd rsub rmul rtruediv rfloordiv rmod rpow rmatmul rand ror rxor "
    "iadd isub imul itruediv ifloordiv imod ipow iand ior ixor "
    "lt le gt ge eq ne neg pos abs invert"
).split():
    setattr(ndarray, f"__{_name}__", _operator(f"__{_name}__"))


# ----------------------------------------------------------------------------- the module's functions
class _Ufunc:
    """A NumPy ufunc that computes on device arrays (``cupy.add``, ``cupy.add.at``, ...)."""

    def __init__(self, ufunc: np.ufunc) -> None:
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _call(self._ufunc, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._ufunc, name)
        return (lambda *args, **kwargs: _call(method, args, kwargs)) if callable(method) else method


def asarray(value: Any, dtype: Any = None, order: Any = None) -> ndarray:
    """To the device; a host value is copied there (an explicit transfer)."""
    if isinstance(value, ndarray):
        return value if dtype is None or value.dtype == np.dtype(dtype) else value.astype(dtype)
    STATS["to_device"] += 1
    STATS["launches"] += 1
    return ndarray._of(np.array(value, dtype=dtype, order=order or "K", copy=True))


def array(value: Any, dtype: Any = None, copy: bool = True, order: Any = None) -> ndarray:
    if isinstance(value, ndarray):
        return value.astype(dtype or value.dtype, copy=True) if copy else asarray(value, dtype)
    return asarray(value, dtype, order)


def asnumpy(value: Any, stream: Any = None) -> np.ndarray:
    return value.get() if isinstance(value, ndarray) else np.asarray(value)


def get_array_module(*arrays: Any) -> types.ModuleType:
    return sys.modules["cupy"] if any(isinstance(a, ndarray) for a in arrays) else np


def fuse(*args: Any, **kwargs: Any) -> Any:
    """``cupy.fuse``: the function runs as it is, counted as one kernel launch."""

    def decorate(function: Callable) -> Callable:
        def fused(*arrays: Any) -> Any:
            before = STATS["launches"]
            result = function(*arrays)
            STATS["launches"] = before + 1
            return result

        fused.__name__ = getattr(function, "__name__", "fused")
        fused.__wrapped__ = function
        return fused

    if len(args) == 1 and callable(args[0]) and not kwargs:
        return decorate(args[0])
    return decorate


def _unsupported(name: str) -> Callable:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"the fake CuPy cannot compile CUDA code ({name}); this needs a real GPU")

    return refuse


ElementwiseKernel = _unsupported("ElementwiseKernel")
ReductionKernel = _unsupported("ReductionKernel")
RawKernel = _unsupported("RawKernel")


# ----------------------------------------------------------------------------- cuda and random
class Device:
    """``cupy.cuda.Device(device=None)``: None is the current device (0 here)."""

    def __init__(self, device: int | None = None) -> None:
        self.id = 0 if device is None else device

    def synchronize(self) -> None:  # waits for all of the device's work: a host synchronisation
        _synchronize("Device.synchronize()")

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


class _Runtime:
    CUDARuntimeError = RuntimeError
    device_count = 1  # set to 0, or to an exception, to act out a machine without a GPU

    def getDeviceCount(self) -> int:
        if isinstance(self.device_count, Exception):
            raise self.device_count
        return self.device_count

    def getDeviceProperties(self, device: int) -> dict:
        return {"name": b"fake GPU (NumPy on the CPU)", "totalGlobalMem": 0}

    def runtimeGetVersion(self) -> int:
        return 0

    def driverGetVersion(self) -> int:
        return 0


class _MemoryPool:
    def used_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        return None


class _Generator:
    """``cupy.random.Generator``: NumPy's generator, drawing into device arrays."""

    def __init__(self, seed: Any = None) -> None:
        self._generator = np.random.default_rng(seed)

    def __getattr__(self, name: str) -> Callable:
        method = getattr(self._generator, name)
        return lambda *args, **kwargs: _call(method, args, kwargs)


_random = types.ModuleType("cupy.random")
_random.default_rng = _Generator
_random.Generator = _Generator
_cuda = types.ModuleType("cupy.cuda")
_cuda.runtime = _Runtime()
_cuda.Device = Device
_cuda.get_device_id = lambda: 0
_cuda.is_available = lambda: True
_pool = _MemoryPool()


class _FakeCupy(types.ModuleType):
    """Everything not defined here is NumPy's function or ufunc, computing on device arrays."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        attribute = getattr(np, name)
        if isinstance(attribute, np.ufunc):
            return _Ufunc(attribute)
        if isinstance(attribute, type) or not callable(attribute):
            return attribute  # dtypes (cupy.float32) and constants (cupy.inf)
        return lambda *args, **kwargs: _call(attribute, args, kwargs, name)


def _module() -> _FakeCupy:
    module = _FakeCupy("cupy", __doc__)
    module.__spec__ = importlib.machinery.ModuleSpec("cupy", None)
    module.__version__ = f"fake (NumPy {np.__version__})"
    for name in ("ndarray", "asarray", "array", "asnumpy", "get_array_module", "fuse"):
        setattr(module, name, globals()[name])
    for name in ("ElementwiseKernel", "ReductionKernel", "RawKernel"):
        setattr(module, name, globals()[name])
    module.random, module.cuda = _random, _cuda
    module.get_default_memory_pool = lambda: _pool
    return module


def install() -> types.ModuleType:
    """Put the fake into ``sys.modules["cupy"]`` (and ``cupyx.allow_synchronize``); returns it."""
    module = sys.modules.get("cupy")
    if not isinstance(module, _FakeCupy):
        module = sys.modules["cupy"] = _module()
        cupyx = types.ModuleType("cupyx")
        cupyx.__spec__ = importlib.machinery.ModuleSpec("cupyx", None)
        cupyx.allow_synchronize, cupyx.DeviceSynchronized = allow_synchronize, DeviceSynchronized
        sys.modules["cupyx"] = cupyx
    return module


def is_installed() -> bool:
    return isinstance(sys.modules.get("cupy"), _FakeCupy)
