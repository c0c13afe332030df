"""``tg.cuda``: questions about the GPU, with ``torch.cuda``'s names. Nothing here needs a GPU."""

from __future__ import annotations

from . import backend, creation

__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all"]


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
