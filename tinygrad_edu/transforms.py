"""Image transforms with torchvision's names and numbers: ``Compose``, ``ToTensor``, ``Normalize``, ``Lambda``.

A dataset such as ``tg.datasets.FashionMNIST(root, transform=...)`` calls its transform on every
image. The usual chain turns a uint8 image into a float tensor in [0, 1] and then centres it::

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])

torchvision's transforms take PIL images; these take the NumPy arrays our datasets return (PIL is
not a dependency), with the same results: ``ToTensor`` of a uint8 array equals torchvision's
``ToTensor`` of the PIL image made from it.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .dtypes import DEFAULT_FLOAT
from .tensor import Tensor, _wrap

__all__ = ["Compose", "Lambda", "Normalize", "ToTensor"]


class Compose:
    """Apply ``transforms`` one after another: ``Compose([ToTensor(), Normalize((0.5,), (0.5,))])``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        if not isinstance(transforms, Sequence):
            raise TypeError(f"Compose: expected a list of transforms, got {type(transforms).__name__}")
        transforms = list(transforms)
        for i, transform in enumerate(transforms):
            if not callable(transform):
                raise TypeError(f"Compose: transform {i} is a {type(transform).__name__}, which cannot be called")
        self.transforms = transforms

    def __call__(self, image: Any) -> Any:
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self) -> str:
        return "Compose(" + "".join(f"\n    {transform}" for transform in self.transforms) + "\n)"


class ToTensor:
    """A NumPy image ``H x W`` or ``H x W x C`` -> a Tensor ``1 x H x W`` or ``C x H x W``, as torchvision.

    uint8 images are scaled to float32 in [0, 1] (``x / 255``); images of other dtypes (a float
    array, say) only have their channel axis moved to the front and keep their dtype and values,
    exactly as torchvision does for arrays.
    """

    def __call__(self, image: np.ndarray) -> Tensor:
        if not isinstance(image, np.ndarray):
            hint = " (it is already a Tensor: leave ToTensor out)" if isinstance(image, Tensor) else ""
            raise TypeError(f"ToTensor: expected a NumPy array H x W or H x W x C, got {type(image).__name__}{hint}")
        if image.ndim not in (2, 3):
            raise ValueError(
                f"ToTensor: expected an image of 2 dimensions (H x W) or 3 (H x W x C), got shape {tuple(image.shape)}"
            )
        if image.dtype.kind not in "biuf":
            raise TypeError(f"ToTensor: cannot make a tensor from an image of dtype {image.dtype}; use numbers")
        channels_first = (image[None] if image.ndim == 2 else image.transpose(2, 0, 1)).astype(
            image.dtype.newbyteorder("="), copy=False
        )
        if image.dtype == np.uint8:
            return _wrap(channels_first.astype(DEFAULT_FLOAT) / DEFAULT_FLOAT.type(255))  # float32 division
        return _wrap(np.ascontiguousarray(channels_first))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel c of a float tensor ``(..., C, H, W)``, as torchvision.

    ``mean`` and ``std`` have one value per channel, or one for all channels. The arithmetic is
    done in the tensor's dtype (the constants are converted to it first), so float32 results are
    those of torchvision bit for bit. The result is a new tensor (``inplace=True`` writes into
    ``tensor`` instead).
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False) -> None:
        for name, value in [("mean", mean), ("std", std)]:
            values = [value] if isinstance(value, numbers.Real) else value
            if not isinstance(values, Sequence | np.ndarray) or len(values) == 0:
                raise TypeError(
                    f"Normalize: {name} must be a number or a list of numbers (one per channel), got {value!r}"
                )
            if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
                raise TypeError(f"Normalize: {name} must hold numbers, got {value!r}")
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected a Tensor (use ToTensor() first), got {type(tensor).__name__}")
        if tensor.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float tensor, got dtype {tensor.dtype}; convert it with .float()")
        if tensor.ndim < 3:
            raise ValueError(f"Normalize: expected an image tensor (..., C, H, W), got shape {tuple(tensor.shape)}")
        channels = tensor.shape[-3]
        mean, std = (
            self._per_channel(name, value, channels, tensor) for name, value in [("mean", self.mean), ("std", self.std)]
        )
        if (std.array == 0).any():
            raise ValueError(
                f"Normalize: std {self.std} is zero in {tensor.dtype} for some channel: cannot divide by it"
            )
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    @staticmethod
    def _per_channel(name: str, value: Any, channels: int, tensor: Tensor) -> Tensor:
        """``value`` as a (C, 1, 1) tensor of ``tensor``'s dtype and device, to broadcast over H and W."""
        values = [value] if isinstance(value, numbers.Real) else list(value)
        if len(values) not in (1, channels):
            raise ValueError(
                f"Normalize: {name} has {len(values)} values but the image has {channels} channel(s) "
                f"(shape {tuple(tensor.shape)}); give one value per channel, or one for all"
            )
        return Tensor(np.array(values, dtype=tensor.dtype).reshape(-1, 1, 1), device=tensor.device)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Use any function as a transform: ``Lambda(lambda x: x.reshape(-1))``."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: expected a function, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, image: Any) -> Any:
        return self.lambd(image)

    def __repr__(self) -> str:
        return "Lambda()"
