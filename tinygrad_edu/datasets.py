"""Datasets as in ``torchvision.datasets``, and the array loaders of ``tinygrad_edu.data.datasets``.

Two ways to get Fashion-MNIST (and MNIST), from the same verified files:

- ``FashionMNIST(root, train=True, transform=None, target_transform=None, download=False)`` is a
  ``tg.data.Dataset`` of ``(image, label)`` pairs, as torchvision's, for a ``DataLoader``::

      from tinygrad_edu import transforms
      from tinygrad_edu.datasets import FashionMNIST
      test_set = FashionMNIST("data", train=False, transform=transforms.ToTensor())

- ``fashion_mnist()`` / ``mnist()`` return the whole dataset as NumPy arrays, as Keras'
  ``load_data()`` (see ``tinygrad_edu.data.datasets``, which also describes where files are found).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from .data import datasets as _files
from .data.datasets import (
    FILES,
    ChecksumError,
    DownloadError,
    cache_dir,
    fashion_mnist,
    mnist,
    read_idx,
    search_dirs,
)
from .data.loader import Dataset, _checked_index
from .tensor import _wrap

__all__ = [
    "FILES",
    "MNIST",
    "ChecksumError",
    "DownloadError",
    "FashionMNIST",
    "cache_dir",
    "fashion_mnist",
    "mnist",
    "read_idx",
    "search_dirs",
]


def __getattr__(name: str) -> Any:
    """The rest of ``tinygrad_edu.data.datasets`` (``CHECKSUMS``, ``MIRRORS`` ...), read from there."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(_files, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


class MNIST(Dataset):
    """LeCun's handwritten digits as torchvision's ``MNIST``: ``dataset[i]`` is ``(image, label)``.

    - ``train=True`` gives the 60,000 training images, ``train=False`` the 10,000 test images.
    - ``image`` is ``transform(image)``; without a transform it is the 28 x 28 ``uint8`` NumPy
      array (torchvision gives a PIL image; PIL is not a dependency here, and
      ``transforms.ToTensor()`` turns either into the same tensor). ``label`` is a Python int
      (``target_transform(label)`` when given).
    - ``.data`` is the ``uint8`` Tensor ``N x 28 x 28`` of all images, ``.targets`` the ``int64``
      Tensor of labels, ``.classes`` the class names and ``.class_to_idx`` their indices.

    The IDX files (``train-images-idx3-ubyte.gz`` ..., or decompressed, without ``.gz``) are looked
    for in torchvision's folder ``root/<class name>/raw``, then in ``root`` itself, then where
    ``tinygrad_edu.data.datasets`` looks (``$TINYGRAD_EDU_DATA``, the user cache, system folders),
    and checked against their SHA-256. ``download=True`` downloads the missing ones into
    ``root/<class name>/raw``.
    """

    classes: ClassVar[list[str]] = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]
    _name = "mnist"  # the dataset's name in tinygrad_edu.data.datasets (checksums, mirrors, folders)

    def __init__(
        self,
        root: str | os.PathLike | None,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
    ) -> None:
        _files.check_root(root, type(self).__name__)
        for name, function in [("transform", transform), ("target_transform", target_transform)]:
            if function is not None and not callable(function):
                raise TypeError(
                    f"{type(self).__name__}: {name} must be a function (or None), got {type(function).__name__}"
                )
        self.root = os.path.expanduser(root) if isinstance(root, str) else root
        self.train, self.transform, self.target_transform = train, transform, target_transform
        split = "train" if train else "t10k"
        files = [f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz"]
        dirs = search_dirs(self._name, root)
        target = _files.cache_dir() / self._name
        if root is not None:
            target = Path(self.root) / type(self).__name__ / "raw"
            dirs.insert(0, target)
        how = f"pass download=True ({type(self).__name__}(root, download=True)) to download them into {target}"
        arrays, paths = _files.load_files(self._name, files, dirs, target, download, how)
        images, labels = _files._images_and_labels(arrays, split, paths)
        self.data, self.targets = _wrap(images), _wrap(labels)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data.array)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        index = _checked_index(index, len(self), type(self).__name__)
        image, label = self.data.array[index].copy(), int(self.targets.array[index])  # a copy: the caller owns it
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __repr__(self) -> str:
        """torchvision's layout, transforms included."""
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body.append(f"Split: {'Train' if self.train else 'Test'}")
        if self.transform is not None or self.target_transform is not None:
            body.append(
                "\n".join(
                    [
                        "StandardTransform",
                        *_transform_lines("Transform: ", self.transform),
                        *_transform_lines("Target transform: ", self.target_transform),
                    ]
                )
            )
        return "\n".join([f"Dataset {type(self).__name__}"] + [" " * 4 + line for line in body])


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST as torchvision's ``FashionMNIST``: grey 28 x 28 images of clothes.

    Everything works as in ``MNIST`` (see there); the files are looked for in
    ``root/FashionMNIST/raw`` first, and Debian's ``dataset-fashion-mnist`` package provides them.
    """

    classes: ClassVar[list[str]] = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    _name = "fashion-mnist"


def _transform_lines(head: str, transform: Any) -> list[str]:
    """``transform``'s repr after ``head``, its further lines indented under the first."""
    if transform is None:
        return []
    lines = repr(transform).splitlines()
    return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]
