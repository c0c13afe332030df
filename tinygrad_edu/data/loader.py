"""Datasets and mini-batches: ``Dataset``, ``TensorDataset``, ``Subset`` and ``DataLoader``, as in PyTorch.

A dataset answers two questions: how many samples (``len``) and what is sample ``i`` (``[i]``).
A ``DataLoader`` walks the sample indices in order (or in a fresh random order each epoch), cuts
them into batches and turns each batch into Tensors. For a ``TensorDataset`` a whole batch is
gathered with one fancy-indexing operation per array, so an epoch over 60,000 images costs a few
array copies, not 60,000 Python calls.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .. import backend, creation
from ..dtypes import default_float
from ..tensor import Tensor, _wrap

Batch = Tensor | tuple[Tensor, ...] | list[Tensor]


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

    Examples:
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
        if isinstance(index, slice):
            return tuple(_wrap(_own(array[index], array)) for array in self.arrays)
        if _is_index_list(index):  # a list or array of indices: a whole batch at once
            return self.get_batch(_checked_indices(index, len(self), "TensorDataset"))
        index = _checked_index(index, len(self), "TensorDataset")
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
        self.indices = _checked_indices(indices, _length(dataset, "Subset"), "Subset: indices")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        if _is_index_list(index):
            return self.get_batch(_checked_indices(index, len(self), "Subset"))
        return self.dataset[int(self.indices[_checked_index(index, len(self), "Subset")])]

    def get_batch(self, indices: np.ndarray) -> Batch:
        """Gather a batch through the parent's fast path when it has one, else sample by sample."""
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(self.indices[indices])
        return collate([self.dataset[int(i)] for i in self.indices[indices]])


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors, as ``torch.utils.data.DataLoader``.

    - ``len(loader)`` is the number of batches per epoch: ``ceil(N / batch_size)``, or
      ``floor(N / batch_size)`` with ``drop_last=True`` (which drops the last, smaller batch).
    - ``shuffle=True`` draws a new permutation each epoch from ``generator`` (a ``tg.Generator``)
      or the library's generator, so ``tg.manual_seed`` makes the whole sequence of epochs
      reproducible. ``sampler`` (any iterable of indices with a length) sets the order instead;
      ``batch_sampler`` (an iterable of lists of indices) sets the batches themselves.
    - Each batch is made by ``collate_fn`` from the list of samples, ``collate`` by default (as
      ``default_collate``): a list of Tensors when the samples are tuples (``x, y = batch``), one
      Tensor when each sample is a single array. ``device="cuda"`` copies each batch to the GPU;
      faster, when the data fits: a ``TensorDataset`` of GPU tensors, gathered on the GPU (only
      each epoch's order is copied over).
    - Loading is serial, in this process: ``num_workers``, ``pin_memory``, ``timeout``,
      ``multiprocessing_context``, ``prefetch_factor`` and ``persistent_workers`` are accepted (and
      checked as PyTorch checks them) so that PyTorch code runs unchanged, but start no workers.
      With ``num_workers > 0``, ``worker_init_fn(0)`` is called at the start of each epoch (once,
      with ``persistent_workers``), where PyTorch's single worker would call it.

    Examples:
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
        >>> for xb, yb in loader: ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: creation.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        device: str | None = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader needs a dataset with __len__ and __getitem__ (such as TensorDataset), "
                f"got {type(dataset).__name__}"
            )
        if not isinstance(drop_last, bool | np.bool_):
            raise ValueError(f"DataLoader: drop_last must be True or False, got {drop_last!r}")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler and "
                    "drop_last; leave those at their defaults (the batch sampler decides the batches)"
                )
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None (one sample at a time, unbatched) cannot drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer (or None for unbatched samples), got {batch_size!r}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler is mutually exclusive with shuffle; shuffle inside the sampler")
        for name, value in [("sampler", sampler), ("batch_sampler", batch_sampler)]:
            if value is not None and not (hasattr(value, "__iter__") and hasattr(value, "__len__")):
                raise TypeError(
                    f"DataLoader: {name} must be an iterable with a length (such as a list of indices), "
                    f"got {type(value).__name__}"
                )
        for name, value in [("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)]:
            if value is not None and not callable(value):
                raise TypeError(f"DataLoader: {name} must be a function, got {type(value).__name__}")
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context)
        creation.numpy_generator(generator)  # a clear error now for a generator that is not a tg.Generator
        self.dataset = dataset
        self.batch_size = None if batch_size is None or batch_sampler is not None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.num_workers, self.pin_memory, self.timeout = int(num_workers), bool(pin_memory), timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, bool(persistent_workers)
        self.device = None if device is None else backend.normalize_device(device)
        self._workers_started = False

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.batch_size is None:  # unbatched: one sample per step
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers > 0 and self.worker_init_fn is not None:
            if not (self.persistent_workers and self._workers_started):
                self.worker_init_fn(0)
            self._workers_started = True
        if self.batch_sampler is None and self.batch_size is None:
            batches = (self._fetch_one(int(index)) for index in self._order())
        else:
            batches = (self._fetch(indices) for indices in self._batches())
        for batch in batches:
            yield batch if self.device is None else _to_device(batch, self.device)

    def _batches(self) -> Iterator[Any]:
        """The index batches of one epoch: slices of one index array when no sampler decides them."""
        if self.batch_sampler is not None:
            n = len(self.dataset)
            yield from (
                _checked_indices(list(indices), n, "DataLoader: batch_sampler") for indices in self.batch_sampler
            )
            return
        order = self._order()
        if isinstance(self.dataset, TensorDataset) and self.dataset.device not in (None, "cpu"):
            order = backend.to_device(order, self.dataset.device)  # once per epoch, not once per batch
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield order[start : start + self.batch_size]

    def _order(self) -> np.ndarray:
        """The sample indices of one epoch, in order."""
        if self.sampler is not None:
            order = _checked_indices(list(self.sampler), len(self.dataset), "DataLoader: sampler")
        elif self.shuffle:
            order = creation.numpy_generator(self.generator).permutation(len(self.dataset))
        else:
            order = np.arange(len(self.dataset))
        return order

    def _fetch_one(self, index: int) -> Any:
        """One sample, unbatched (``batch_size=None``): ``collate_fn`` of it, else its arrays as Tensors."""
        sample = self.dataset[index]
        return self.collate_fn(sample) if self.collate_fn is not None else convert(sample)

    def _fetch(self, indices: Any) -> Any:
        if self.collate_fn is not None:  # a custom collate_fn sees the samples, as in PyTorch
            return self.collate_fn([self.dataset[int(i)] for i in indices])
        if hasattr(self.dataset, "get_batch"):  # TensorDataset and Subset: gather the batch in one go
            batch = self.dataset.get_batch(indices)
            return list(batch) if isinstance(batch, tuple) else batch  # default_collate gives a list
        return collate([self.dataset[int(i)] for i in indices])

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)})"
        )


def _check_worker_options(
    num_workers: Any, timeout: Any, prefetch_factor: Any, persistent_workers: bool, context: Any
) -> None:
    """The checks PyTorch makes on the worker options, with the same outcomes (workers are never started)."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be a non-negative integer, got {num_workers!r}")
    if not isinstance(timeout, numbers.Real) or timeout < 0:
        raise ValueError(f"DataLoader: timeout must be a non-negative number, got {timeout!r}")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor needs num_workers > 0 (as in PyTorch); leave it None")
    if prefetch_factor is not None and (not isinstance(prefetch_factor, numbers.Integral) or prefetch_factor < 0):
        raise ValueError(f"DataLoader: prefetch_factor must be a non-negative integer, got {prefetch_factor!r}")
    if num_workers == 0 and persistent_workers:
        raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0 (as in PyTorch)")
    if num_workers == 0 and context is not None:
        raise ValueError("DataLoader: multiprocessing_context needs num_workers > 0 (as in PyTorch)")


def collate(batch: Sequence[Any]) -> Any:
    """Turn a list of samples into a batch, as PyTorch's ``default_collate``.

    - Tensors and NumPy arrays are stacked (arrays keep their dtype: uint8 images stay uint8).
    - Numbers become one Tensor whose dtype PyTorch's ``torch.tensor(batch)`` would infer: Python
      ints int64, bools bool, Python floats the default float (float32), NumPy scalars their own
      dtype, and a mix the highest of them (bool < integers < floats, then the wider one): so
      ``[0, 0.5, 1.5]`` gives float32 ``[0, 0.5, 1.5]``, never a truncated ``[0, 0, 1]``. As in
      PyTorch, a field whose first sample is a Python float is float64.
    - Strings stay a list of strings.
    - Tuples and lists are collated field by field into a list (a named tuple stays one), dicts
      key by key into a dict.
    """
    if len(batch) == 0:
        raise ValueError("collate: the batch is empty; a batch needs at least one sample")
    first = batch[0]
    if isinstance(first, Tensor):
        for i, value in enumerate(batch):
            if not isinstance(value, Tensor) or value.device != first.device:
                got = f"on {value.device}" if isinstance(value, Tensor) else f"a {type(value).__name__}"
                raise TypeError(f"collate: sample 0 is a Tensor on {first.device} but sample {i} is {got}")
        _check_same_shapes(batch, "tensors")
        dtype = functools.reduce(_promote, (value.array.dtype for value in batch))
        xp = backend.get_array_module(first.array)
        return _wrap(xp.stack([value.array.astype(dtype, copy=False) for value in batch]))
    if isinstance(first, np.ndarray):
        _check_same_shapes(batch, "arrays")
        return _wrap(_stacked(batch, first))
    if _is_number(first):
        return _wrap(_numbers(batch, first))
    if isinstance(first, str | bytes):
        return list(batch)
    if isinstance(first, Mapping):
        for i, sample in enumerate(batch):
            if not isinstance(sample, Mapping) or sample.keys() != first.keys():
                got = sorted(map(str, sample.keys())) if isinstance(sample, Mapping) else type(sample).__name__
                raise ValueError(
                    f"collate: sample 0 is a dict with keys {sorted(map(str, first.keys()))} but sample {i} has {got}; "
                    "every sample must have the same keys (or pass collate_fn=)"
                )
        return _same_type(first, {key: collate([sample[key] for sample in batch]) for key in first})
    if isinstance(first, Sequence):
        for i, sample in enumerate(batch):
            if not isinstance(sample, Sequence) or len(sample) != len(first):
                got = f"{len(sample)} fields" if isinstance(sample, Sequence) else f"a {type(sample).__name__}"
                raise ValueError(
                    f"collate: every sample must have the same number of fields, but sample 0 has {len(first)} and "
                    f"sample {i} has {got}"
                )
        fields = [collate(list(field)) for field in zip(*batch, strict=True)]
        return type(first)(*fields) if hasattr(first, "_fields") else fields  # a named tuple keeps its type
    raise TypeError(
        f"collate: cannot batch samples of type {type(first).__name__}; a sample should be a Tensor, a NumPy "
        "array, a number, a string, or a tuple, list or dict of those (or pass collate_fn=)"
    )


def convert(sample: Any) -> Any:
    """One sample with its NumPy arrays and scalars as Tensors, as PyTorch's ``default_convert`` (what
    ``DataLoader(batch_size=None)`` gives): tuples become lists, numbers and strings stay as they are."""
    if isinstance(sample, np.ndarray | np.generic) and np.dtype(sample.dtype).kind in "biuf":
        return _wrap(np.array(sample))  # a copy: the Tensor must not alias the dataset
    if isinstance(sample, Mapping):
        return _same_type(sample, {key: convert(value) for key, value in sample.items()})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(convert(value) for value in sample))
    if isinstance(sample, list | tuple):
        return [convert(value) for value in sample]
    return sample


def _is_number(value: Any) -> bool:
    """A Python or NumPy bool, integer or float (not complex, which tensors cannot hold)."""
    return isinstance(value, bool | np.bool_ | numbers.Integral | numbers.Real)


def _number_dtype(value: Any) -> np.dtype:
    """The dtype ``torch.tensor`` infers for one number."""
    if isinstance(value, np.generic):
        return value.dtype
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    return np.dtype(np.int64) if isinstance(value, numbers.Integral) else default_float()


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """``torch.promote_types``: the higher kind wins (bool < integer < float), else the wider dtype."""
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    if rank[a.kind] != rank[b.kind]:
        return a if rank[a.kind] > rank[b.kind] else b
    return np.result_type(a, b)


def _numbers(batch: Sequence[Any], first: Any) -> np.ndarray:
    """The batch's numbers as one array of the dtype PyTorch gives them (see ``collate``)."""
    for i, value in enumerate(batch):
        if not _is_number(value):
            raise TypeError(
                f"collate: cannot batch these values into one tensor: sample 0 holds a {type(first).__name__} here "
                f"but sample {i} holds {value!r} of type {type(value).__name__}; every sample must hold a number "
                "there (or pass collate_fn=)"
            )
    if isinstance(first, float) and not isinstance(first, np.generic):
        dtype = np.dtype(np.float64)  # default_collate's rule for a Python float first
    else:
        dtype = functools.reduce(_promote, map(_number_dtype, batch))
    try:
        return np.array([np.asarray(value) for value in batch], dtype=dtype)
    except OverflowError:
        raise ValueError(f"collate: the numbers {list(batch)} do not fit in one {dtype} tensor") from None


def _stacked(batch: Sequence[Any], first: np.ndarray) -> np.ndarray:
    """The batch's arrays stacked, in the dtype PyTorch's promotion gives them."""
    dtypes = [np.asarray(value).dtype for value in batch]
    for i, dtype in enumerate(dtypes):
        if dtype.kind not in "biuf":
            raise TypeError(
                f"collate: sample {i} is an array of dtype {dtype}, which a tensor cannot hold; "
                "use arrays of numbers (or pass collate_fn=)"
            )
    return np.stack([np.asarray(value) for value in batch], dtype=functools.reduce(_promote, dtypes), casting="unsafe")


def _check_same_shapes(batch: Sequence[Any], what: str) -> None:
    shapes = [tuple(np.shape(value)) if not isinstance(value, Tensor) else tuple(value.shape) for value in batch]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ValueError(
                f"collate: cannot stack {what} of different shapes: sample 0 has shape {shapes[0]} but sample {i} "
                f"has {shape}; make every sample the same shape (e.g. with a transform) or pass collate_fn="
            )


def _same_type(first: Mapping, fields: dict[Any, Any]) -> Mapping:
    """The collated dict as the samples' own mapping type when it can be built from a dict (as PyTorch)."""
    try:
        return type(first)(fields)
    except TypeError:
        return fields


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: creation.Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are sample counts that add up to ``len(dataset)``, or fractions that add up to 1
    (``[0.8, 0.2]``); fractions are floored and the leftover samples handed out one each, in
    order, as PyTorch does. The permutation comes from ``generator`` (a ``tg.Generator``), else
    from the library's generator.
    """
    n = _length(dataset, "random_split")
    counts = _split_counts(n, lengths)
    order = creation.numpy_generator(generator).permutation(n)
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[start:stop]) for start, stop in itertools.pairwise(bounds)]


def _split_counts(n: int, lengths: Sequence[int | float]) -> list[int]:
    if not isinstance(lengths, Sequence | np.ndarray) or not all(_is_number(length) for length in lengths):
        raise TypeError(f"random_split: lengths must be a list of sample counts or fractions, got {lengths!r}")
    if not all(math.isfinite(length) for length in lengths):
        raise ValueError(f"random_split: lengths must be finite, got {list(lengths)}")
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
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"train_val_split: x and y need a first dimension (the samples), got shapes {x.shape}, {y.shape}"
        )
    if len(x) != len(y):
        raise ValueError(f"train_val_split: x has {len(x)} samples but y has {len(y)}")
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, numbers.Real):
        raise TypeError(f"train_val_split: val_fraction must be a number between 0 and 1, got {val_fraction!r}")
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


def _length(dataset: Any, who: str) -> int:
    """``len(dataset)``, or a clear error for an object that has no length."""
    if not hasattr(dataset, "__len__"):
        raise TypeError(
            f"{who}: expected a dataset with a length (such as TensorDataset), got {type(dataset).__name__}"
        )
    return len(dataset)


def _is_index_list(index: Any) -> bool:
    """Whether ``index`` asks for many samples at once: a list, tuple or array of indices (or a Tensor of them)."""
    return isinstance(index, list | tuple | np.ndarray | Tensor)


def _checked_index(index: Any, n: int, who: str) -> int:
    """One sample's index as an int in ``[0, n)``; negative ones count from the end, as in Python."""
    if isinstance(index, Tensor) and index.ndim == 0:
        index = index.item()
    if isinstance(index, bool | np.bool_) or not isinstance(index, numbers.Integral):
        raise TypeError(f"{who}: a sample index must be an integer, got {index!r} of type {type(index).__name__}")
    if not -n <= index < n:
        raise IndexError(f"{who}: index {index} is out of range for {n} samples (valid: 0 to {n - 1}, or -{n} to -1)")
    return int(index) % n


def _checked_indices(indices: Any, n: int, who: str) -> np.ndarray:
    """Many indices as an int64 array in ``[0, n)``: floats are refused, never truncated."""
    array = indices.numpy() if isinstance(indices, Tensor) else np.asarray(indices)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got {array.dtype} values such as {array.flat[0]!r}")
    bad = (array < -n) | (array >= n)
    if bad.any():
        raise IndexError(f"{who}: index {array[bad].flat[0]} is out of range for {n} samples")
    return array.astype(np.int64) % max(n, 1)


def _index_on(array: Any, indices: np.ndarray) -> Any:
    """The index array on the same device as ``array`` (CuPy gathers with a CuPy index)."""
    return indices if isinstance(array, np.ndarray) else backend.to_device(indices, backend.device_of(array))


def _own(item: Any, source: Any) -> Any:
    """``item`` if it is a fresh array, else a copy: a view would let a Tensor alias the dataset."""
    return item.copy() if backend.owner(item) is backend.owner(source) else item


def _to_device(batch: Any, device: str) -> Any:
    """Every Tensor in ``batch`` (a Tensor, or lists, tuples and dicts of them) moved to ``device``."""
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return _same_type(batch, {key: _to_device(value, device) for key, value in batch.items()})
    if isinstance(batch, list | tuple):
        moved = [_to_device(value, device) for value in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else type(batch)(moved)
    return batch  # strings and other values stay where they are
