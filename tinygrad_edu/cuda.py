"""``tg.cuda``: questions about the GPU, with ``torch.cuda``'s names. Nothing here needs a GPU."""

from __future__ import annotations

from . import backend, creation

__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all", "synchronize"]


def is_available() -> bool:
    """True when CuPy is installed and finds a usable NVIDIA GPU (``device="cuda"`` then works)."""
    return device_count() > 0


def device_count() -> int:
    """The number of GPUs CuPy sees (0 without CuPy or a driver). tinygrad_edu uses CuPy's current one."""
    try:
        return backend._import_cupy().cuda.runtime.getDeviceCount()
    except RuntimeError:  # no CuPy, or no GPU: _import_cupy says which
        return 0


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator (dropout masks drawn on the GPU), as ``torch.cuda.manual_seed``.
    Without a GPU it does nothing. ``tg.randn`` and weight init draw on the host: ``tg.manual_seed``
    seeds those, and the GPU's generator too."""
    creation.seed_device(seed)


manual_seed_all = manual_seed  # one GPU is used, so seeding "all" is seeding it


def synchronize(device: backend.device | str | int | None = None) -> None:
    """Wait until every kernel queued on the GPU has finished, as ``torch.cuda.synchronize``.

    An op on a GPU tensor returns as soon as its kernel is queued; the GPU computes while Python
    goes on. So a clock read right after ``a @ b`` measures the queueing, not the product: call
    ``synchronize()`` before each reading. ``device`` is None, 0, ``"cuda"``, ``"cuda:0"`` or
    ``tg.device("cuda")``: tinygrad_edu uses one GPU, CuPy's current one. Without a usable GPU
    this raises RuntimeError (there is nothing to wait for), as PyTorch raises without CUDA.
    """
    where = backend.device("cuda", device) if device is None or isinstance(device, int) else backend.device(device)
    if where.type != "cuda":
        raise ValueError(f"synchronize: expected a cuda device, but got {device!r}")
    try:
        cupy = backend._import_cupy()
    except RuntimeError as error:
        raise RuntimeError(f"synchronize: CUDA is not available, so there is no GPU to wait for. {error}") from None
    cupy.cuda.Device().synchronize()  # waits for every stream on the current device
