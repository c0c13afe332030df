"""Datasets and mini-batches: ``Dataset``, ``TensorDataset``, ``Subset`` and ``DataLoader``, as in PyTorch.

A dataset answers two questions: how many samples (``len``) and what is sample ``i`` (``[i]``).
A ``DataLoader`` walks the sample indices in order (or in a fresh random order each epoch), cuts
them into batches and turns each batch into Tensors. For a ``TensorDataset`` a whole batch is
gathered with one fancy-indexing operation per array, so an epoch over 60,000 images costs a few
array copies, not 60,000 Python calls.
"""

from __future__ import annotations

import itertools
import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .. import backend, creation
from ..dtypes import default_float
from ..tensor import Tensor, _wrap

Batch = Tensor | tuple[Tensor, ...]


class Dataset(ABC):
    """A collection of samples: ``len(dataset)`` and ``dataset[i]`` for ``0 <= i < len(dataset)``.

    Subclass it and define both methods. A sample is usually a tuple such as ``(image, label)``
    whose parts are NumPy arrays, numbers or Tensors; ``DataLoader`` stacks them into batches.
    """

    @abstractmethod
    def __getitem__(self, index: int) -> Any: ...

    @abstractmethod
    def __len__(self) -> int: ...


class TensorDataset(Dataset):
    """Samples are rows of arrays that share their first dimension: ``dataset[i] == (x[i], y[i])``.

    >>> ds = TensorDataset(np.zeros((100, 3), np.float32), np.arange(100))
    >>> x, y = ds[5]
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor or array, e.g. TensorDataset(x, y)")
        # Keep the backend arrays themselves: a batch is then a fancy index of each, with no graph.
        self.arrays = tuple(t.array if isinstance(t, Tensor) else np.asarray(t) for t in tensors)
        if any(array.ndim == 0 for array in self.arrays):
            raise ValueError("TensorDataset: every tensor needs a first dimension (the samples); got a 0-d one")
        lengths = [array.shape[0] for array in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(
                f"TensorDataset: all tensors must have the same number of samples (first dimension), "
                f"but their lengths are {', '.join(map(str, lengths))}"
            )

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        if isinstance(index, Sequence | np.ndarray):  # a list or array of indices: a whole batch at once
            return self.get_batch(np.asarray(index, dtype=np.int64))
        return tuple(_wrap(_own(array[index], array)) for array in self.arrays)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """The samples at ``indices`` stacked: one fancy-indexing op (a fresh array) per tensor."""
        return tuple(_wrap(array[_index_on(array, indices)]) for array in self.arrays)

    @property
    def device(self) -> str | None:
        """Where the arrays live, when they all live on one device (else None)."""
        devices = {backend.device_of(array) for array in self.arrays}
        return devices.pop() if len(devices) == 1 else None


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (what ``random_split`` returns)."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, Sequence | np.ndarray):
            return self.get_batch(np.asarray(index, dtype=np.int64))
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices: np.ndarray) -> Batch:
        """Gather a batch through the parent's fast path when it has one, else sample by sample."""
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(self.indices[indices])
        return collate([self.dataset[int(i)] for i in self.indices[indices]])


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors, as ``torch.utils.array.DataLoader``.

    - ``len(loader)`` is the number of batches per epoch: ``ceil(N / batch_size)``, or
      ``floor(N / batch_size)`` with ``drop_last=True`` (which drops the last, smaller batch).
    - ``shuffle=True`` draws a new permutation each epoch from the library's generator, so
      ``tg.manual_seed`` makes the whole sequence of epochs reproducible.
    - Each batch is a tuple of Tensors when the samples are tuples (``x, y = batch``), or one
      Tensor when each sample is a single array. ``device="cuda"`` copies each batch to the GPU;
      faster, when the data fits: a ``TensorDataset`` of GPU tensors, gathered on the GPU (only
      each epoch's order is copied over).

    >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    >>> for xb, yb in loader: ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        device: str | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader needs a dataset with __len__ and __getitem__ (such as TensorDataset), "
                f"got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.device = None if device is None else backend.normalize_device(device)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        n = len(self.dataset)
        order = creation.generator().permutation(n) if self.shuffle else np.arange(n)
        if isinstance(self.dataset, TensorDataset) and self.dataset.device not in (None, "cpu"):
            order = backend.to_device(order, self.dataset.device)  # once per epoch, not once per batch
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = self._fetch(order[start : start + self.batch_size])
            yield batch if self.device is None else _to_device(batch, self.device)

    def _fetch(self, indices: np.ndarray) -> Batch:
        if hasattr(self.dataset, "get_batch"):  # TensorDataset and Subset: gather the batch in one go
            return self.dataset.get_batch(indices)
        return collate([self.dataset[int(i)] for i in indices])

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)})"
        )


def collate(samples: Sequence[Any]) -> Batch:
    """Stack a list of samples into a batch: tuples field by field, arrays and numbers into Tensors.

    NumPy arrays keep their dtype (uint8 images stay uint8, float64 stays float64); Python ints
    become int64, Python floats float32 (the library's default float) and bools bool.
    """
    first = samples[0]
    if isinstance(first, tuple | list):
        if any(len(sample) != len(first) for sample in samples):
            raise ValueError("collate: all samples must have the same number of fields")
        return tuple(_stack(list(field)) for field in zip(*samples, strict=True))
    return _stack(list(samples))


def _stack(values: list[Any]) -> Tensor:
    """One field of a batch as a Tensor (a fresh array, wrapped without a second copy)."""
    first = values[0]
    if isinstance(first, Tensor):
        xp = backend.get_array_module(first.array)
        return _wrap(xp.stack([value.array for value in values]))
    if isinstance(first, np.ndarray | np.generic):  # before the Python numbers: np.float64 is a float
        array = np.stack([np.asarray(value) for value in values])
    elif isinstance(first, bool):
        array = np.array(values, dtype=np.bool_)
    elif isinstance(first, numbers.Integral):
        array = np.array(values, dtype=np.int64)
    elif isinstance(first, numbers.Real):
        array = np.array(values, dtype=default_float())
    else:
        raise TypeError(
            f"collate: cannot batch samples of type {type(first).__name__}; "
            "a sample should be a NumPy array, a number, a Tensor, or a tuple of those"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"collate: cannot batch values of dtype {array.dtype}; use numbers")
    return _wrap(array)


def random_split(dataset: Any, lengths: Sequence[int | float]) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are sample counts that add up to ``len(dataset)``, or fractions that add up to 1
    (``[0.8, 0.2]``); fractions are floored and the leftover samples handed out one each, in
    order, as PyTorch does. The permutation comes from the library's generator.
    """
    n = len(dataset)
    counts = _split_counts(n, lengths)
    order = creation.generator().permutation(n)
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[start:stop]) for start, stop in itertools.pairwise(bounds)]


def _split_counts(n: int, lengths: Sequence[int | float]) -> list[int]:
    if any(length < 0 for length in lengths):
        raise ValueError(f"random_split: lengths must not be negative, got {list(lengths)}")
    if all(isinstance(length, numbers.Integral) for length in lengths):
        if sum(lengths) != n:
            raise ValueError(f"random_split: the lengths {list(lengths)} add up to {sum(lengths)}, not to {n} samples")
        return [int(length) for length in lengths]
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6) or any(length > 1 for length in lengths):
        raise ValueError(f"random_split: fractions must add up to 1, got {list(lengths)} (sum {sum(lengths)})")
    counts = [math.floor(n * fraction) for fraction in lengths]
    for i in range(n - sum(counts)):  # the samples that flooring left over, one per split
        counts[i % len(counts)] += 1
    return counts


def train_val_split(
    x: Any, y: Any, val_fraction: float = 0.1, shuffle: bool = True
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Hold out a validation set: ``(x_train, y_train), (x_val, y_val)`` as NumPy arrays.

    With ``shuffle`` the samples are drawn with the library's generator (reproducible under
    ``tg.manual_seed``); without it the last ``val_fraction`` of the samples is held out, as
    Keras' ``validation_split`` does.
    """
    x, y = _as_numpy(x), _as_numpy(y)
    if len(x) != len(y):
        raise ValueError(f"train_val_split: x has {len(x)} samples but y has {len(y)}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"train_val_split: val_fraction must be between 0 and 1, got {val_fraction}")
    n_val = round(len(x) * val_fraction)
    if not 0 < n_val < len(x):
        raise ValueError(
            f"train_val_split: val_fraction={val_fraction} of {len(x)} samples leaves an empty train or "
            "validation set; use more samples or another fraction"
        )
    order = creation.generator().permutation(len(x)) if shuffle else np.arange(len(x))
    train, val = order[: len(x) - n_val], order[len(x) - n_val :]
    return (x[train], y[train]), (x[val], y[val])


def _as_numpy(data: Any) -> np.ndarray:
    return data.numpy() if isinstance(data, Tensor) else np.asarray(data)


def _index_on(array: Any, indices: np.ndarray) -> Any:
    """The index array on the same device as ``array`` (CuPy gathers with a CuPy index)."""
    return indices if isinstance(array, np.ndarray) else backend.to_device(indices, backend.device_of(array))


def _own(item: Any, source: Any) -> Any:
    """``item`` if it is a fresh array, else a copy: a view would let a Tensor alias the dataset."""
    return item.copy() if backend.owner(item) is backend.owner(source) else item


def _to_device(batch: Batch, device: str) -> Batch:
    if isinstance(batch, Tensor):
        return batch.to(device)
    return tuple(tensor.to(device) for tensor in batch)
