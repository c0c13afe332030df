"""Small built-in datasets for demos and tests, generated on the fly (no files, no network).

Each returns NumPy arrays ``(x, y)``: float32 features and int64 class labels (or float32
regression targets). The randomness comes from the library's generator, so ``tg.manual_seed``
makes them reproducible. Labels take turns (0, 1, 2, 0, 1, 2, ...), so the classes are balanced
in every slice: a validation set cut off the end keeps every class.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import creation


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of XOR: the smallest problem a linear model cannot solve, but an MLP can."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return x, y


def two_moons(n_samples: int = 200, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in 2-D (class 0 on top, class 1 below), with Gaussian noise."""
    _check(n_samples, noise, n_classes=2)
    rng = creation.generator()
    y = _balanced_labels(n_samples, 2)
    angle = rng.uniform(0.0, np.pi, n_samples)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)  # centred at (0, 0)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)  # flipped, shifted into the gap
    x = np.where(y[:, None] == 0, upper, lower) + noise * rng.standard_normal((n_samples, 2))
    return x.astype(np.float32), y


def spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` spiral arms wound around the origin, one class per arm (radius 0 to 1).

    ``noise`` jitters each point's angle (in radians), which blurs the arms into each other.
    """
    _check(n_samples, noise, n_classes)
    rng = creation.generator()
    y = _balanced_labels(n_samples, n_classes)
    radius = rng.uniform(0.0, 1.0, n_samples)
    # Each arm turns 1.5 times around as it grows; arm k starts rotated by 2*pi*k/n_classes.
    angle = 3 * np.pi * radius + 2 * np.pi * y / n_classes + noise * rng.standard_normal(n_samples)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return x.astype(np.float32), y


def regression_1d(n_samples: int = 100, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of y = sin(x) for x in [-3, 3]: ``x`` and ``y`` both of shape (n_samples, 1)."""
    _check(n_samples, noise, n_classes=1)
    rng = creation.generator()
    x = rng.uniform(-3.0, 3.0, (n_samples, 1))
    y = np.sin(x) + noise * rng.standard_normal((n_samples, 1))
    return x.astype(np.float32), y.astype(np.float32)


def _check(n_samples: int, noise: float, n_classes: int) -> None:
    if not _is_int(n_classes) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    if not _is_int(n_samples) or n_samples < n_classes:
        raise ValueError(f"n_samples must be an integer of at least {n_classes}, got {n_samples!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise):
        raise TypeError(f"noise must be a finite number (a standard deviation), got {noise!r}")
    if noise < 0:
        raise ValueError(f"noise is a standard deviation and cannot be negative, got {noise}")


def _is_int(value: object) -> bool:
    """An integer, not a bool and not a float that happens to be whole (2.0)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _balanced_labels(n_samples: int, n_classes: int) -> np.ndarray:
    """0, 1, ..., n_classes-1, 0, 1, ...: in any slice the class sizes differ by at most one."""
    return np.arange(n_samples, dtype=np.int64) % n_classes
