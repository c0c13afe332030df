"""Which array library runs a tensor: NumPy on the CPU, CuPy on an NVIDIA GPU.

Every op asks this module for the array module (``xp``) of its inputs, so each op is written
once and runs on both devices. CuPy is imported lazily: importing tinygrad_edu never needs it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

DEVICES = ("cpu", "cuda")


class device:  # noqa: N801 - named as in PyTorch
    """Where a tensor lives, as ``torch.device``: ``tg.device("cuda")``, ``tg.device("cuda:0")``,
    ``tg.device("cuda", 0)``; ``.type`` and ``.index``. It equals a device object with the same type
    and index (``device("cuda") != device("cuda:0")``, as PyTorch), and a name such as ``"cuda"``
    or ``"cuda:0"`` (only the index the name gives is compared), so ``t.device == "cpu"`` holds."""

    __slots__ = ("index", "type")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index  # noqa: A001
        name, _, number = str(type).lower().partition(":")
        if name not in DEVICES:
            raise ValueError(f"unknown device {type!r}: use 'cpu' (NumPy) or 'cuda' (CuPy on an NVIDIA GPU)")
        if number:
            if index is not None or not number.isdigit():
                raise ValueError(f"device {type!r}: write the index once, e.g. 'cuda:0' or tg.device('cuda', 0)")
            index = int(number)
        if name == "cuda" and index not in (None, 0):
            raise ValueError(
                f"device {type!r} index {index}: tinygrad_edu runs on one GPU, CuPy's current device; "
                "use 'cuda' or 'cuda:0' (choose the GPU with CUDA_VISIBLE_DEVICES)"
            )
        self.type, self.index = name, None if index is None else int(index)

    def __repr__(self) -> str:
        return (
            f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, device):
            return self.type == other.type and self.index == other.index
        if isinstance(other, str):
            name, _, number = other.lower().partition(":")
            return name == self.type and (not number or number == str(self.index))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.type)  # as the name "cpu" / "cuda": {t.device for t in ts} == {"cpu"} holds

    def __reduce__(self) -> tuple:
        return device, (self.type, self.index)


CPU, CUDA = device("cpu"), device("cuda", 0)  # what Tensor.device returns
_default_device = CPU


def set_default_device(where: Any) -> None:
    """Make ``where`` the device new tensors are created on when no ``device=`` is given, as
    ``torch.set_default_device`` (``None`` means the CPU). Tensors made from a Tensor keep its device."""
    global _default_device
    _default_device = CPU if where is None else device(where)


def get_default_device() -> device:
    return _default_device


def names_device(value: Any) -> bool:
    """True for a ``device`` or a device name (``"cuda:0"``): how ``to(...)`` tells devices from dtypes."""
    return isinstance(value, device) or (isinstance(value, str) and value.partition(":")[0].lower() in DEVICES)


def normalize_device(where: Any) -> str:
    """Return ``"cpu"`` or ``"cuda"`` for a device or a device name (``None``: the default device)."""
    if where is None:
        return _default_device.type
    if type(where) is str and where == "cpu":  # the common case, decided without building a device
        return where
    return device(where).type


def device_object(array: Any) -> device:
    """The ``device`` an array lives on (``Tensor.device``)."""
    return CUDA if is_device_array(array) else CPU


_cupy: ModuleType | None = None  # CuPy, once it imported and found a GPU


def _import_cupy() -> ModuleType:
    """CuPy, checked once: installed, and with at least one GPU it can use."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        import cupy
    except ImportError as error:
        raise RuntimeError(
            "device 'cuda' needs CuPy, which is not installed: "
            'pip install "tinygrad_edu[gpu]" (or the cupy-cudaXXx wheel matching your CUDA version)'
        ) from error
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises its own CUDARuntimeError when no driver is present
        raise RuntimeError(
            f"device 'cuda': CuPy is installed but no usable NVIDIA GPU was found ({error}); "
            "check the NVIDIA driver with nvidia-smi, or use device='cpu'"
        ) from error
    if count == 0:
        raise RuntimeError(
            "device 'cuda': CuPy is installed but reports 0 GPUs; check the NVIDIA driver with nvidia-smi, "
            "or use device='cpu'"
        )
    _cupy = cupy
    return cupy


def array_module(device: str) -> ModuleType:
    """The module that creates and computes arrays on ``device``: numpy or cupy."""
    return np if normalize_device(device) == "cpu" else _import_cupy()


def is_device_array(value: Any) -> bool:
    """True for CuPy arrays. Asked on every op, so decided by type: reading CuPy's
    ``__cuda_array_interface__`` would build a dictionary each time."""
    if type(value) is np.ndarray:
        return False
    if _cupy is not None:
        return isinstance(value, _cupy.ndarray)
    return type(value).__module__.split(".")[0] == "cupy"  # made by CuPy before tinygrad_edu asked for it


def device_of(array: Any) -> str:
    """The device an array lives on: ``"cuda"`` for CuPy arrays, ``"cpu"`` for NumPy's (and numbers)."""
    return "cuda" if is_device_array(array) else "cpu"


def get_array_module(array: Any) -> ModuleType:
    """The module to compute with for an existing array (cupy for CuPy arrays, else numpy)."""
    return _import_cupy() if is_device_array(array) else np


def scalar_array(xp: ModuleType, value: Any, dtype: Any) -> Any:
    """A 0-d array holding ``value``. On the GPU it is filled by a kernel: ``cupy.asarray(2.0)``
    would copy the number from the host, and such a copy waits for the device."""
    return np.asarray(value, dtype=dtype) if xp is np else xp.full((), value, dtype=dtype)


def to_device(array: Any, device: str) -> Any:
    """Copy ``array`` to ``device`` (no copy when it is already there)."""
    device = normalize_device(device)
    if device_of(array) == device:
        return array
    if device == "cpu":
        return array.get()  # CuPy -> NumPy, an explicit device-to-host copy
    return _import_cupy().asarray(array)


def as_numpy(array: Any) -> np.ndarray:
    """A NumPy array with the values of ``array``, copied from the GPU when needed."""
    return array if isinstance(array, np.ndarray) else np.asarray(to_device(array, "cpu"))


def is_writeable(array: Any) -> bool:
    """False for read-only NumPy views such as ``broadcast_to`` results (CuPy has no such flag)."""
    if type(array) is np.ndarray:
        return array.flags.writeable
    return bool(getattr(array.flags, "writeable", True))


def owner(array: Any) -> Any:
    """The array that owns the memory behind ``array`` (itself when it is not a view)."""
    while getattr(array, "base", None) is not None:
        array = array.base
    return array
