"""Bad input for the library's data surface, and the error each must get (see ``errors``).

The subjects are every public class and function that takes arguments in ``tinygrad_edu.data``
(``data.DataLoader``...), ``tinygrad_edu.datasets`` (``datasets.FashionMNIST``...; its reader
``read_idx`` is in the io table) and ``tinygrad_edu.transforms`` (``transforms.Normalize``...).
Rows that build Tensors run on every device; the rest on the CPU.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ... import data, datasets, transforms
from ...creation import tensor
from ...data import DataLoader, Dataset, Subset, TensorDataset, collate, random_split, train_val_split
from . import DEVICES, ErrorInput

CPU = ("cpu",)


def _row(
    subject: str, what: str, call: Callable[[str, Path], Any], error: Any, match: str, devices: tuple = CPU
) -> ErrorInput:
    return ErrorInput(subject, what, call, error, match, devices=devices)


def _cpu(call: Callable[[], Any]) -> Callable[[str, Path], Any]:
    return lambda device, folder: call()


class _Shapes(Dataset):
    """Samples whose images change shape at sample 2, as a dataset without a resizing transform."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return np.zeros((2, 2) if index < 2 else (3, 3), np.float32), index


def _loader(**options: Any) -> Callable[[str, Path], Any]:
    return _cpu(lambda: list(DataLoader(_Shapes(), **options)))


def _file(folder: Path) -> Path:
    (folder / "data.txt").write_text("a file where a folder belongs")
    return folder / "data.txt"


def _tensors(device: str, *values: Any) -> list:
    return [tensor(value, device=device) for value in values]


def _image(device: str, channels: int = 1, dtype: Any = np.float32) -> Any:
    return tensor(np.ones((channels, 2, 2), dtype), device=device)


_X = np.zeros((4, 2), np.float32)

ROWS: tuple[ErrorInput, ...] = (
    # ---- DataLoader
    _row("data.DataLoader", "an int as dataset", _cpu(lambda: DataLoader(42)), TypeError, "__len__ and __getitem__"),
    _row("data.DataLoader", "batch_size 0", _loader(batch_size=0), ValueError, "batch_size must be a positive integer"),
    _row("data.DataLoader", "batch_size 2.0", _loader(batch_size=2.0), ValueError, "positive integer .* got 2.0"),
    _row("data.DataLoader", "batch_size True", _loader(batch_size=True), ValueError, "positive integer .* got True"),
    _row("data.DataLoader", "drop_last 'yes'", _loader(drop_last="yes"), ValueError, "drop_last must be True or False"),
    _row("data.DataLoader", "unbatched drop_last", _loader(batch_size=None, drop_last=True), ValueError, "drop_last"),
    _row(
        "data.DataLoader", "sampler and shuffle", _loader(sampler=[0], shuffle=True), ValueError, "mutually exclusive"
    ),
    _row(
        "data.DataLoader",
        "batch_sampler and batch_size",
        _loader(batch_sampler=[[0]], batch_size=2),
        ValueError,
        "exclusive",
    ),
    _row("data.DataLoader", "sampler an int", _loader(sampler=5), TypeError, "sampler must be an iterable"),
    _row("data.DataLoader", "collate_fn an int", _loader(collate_fn=3), TypeError, "collate_fn must be a function"),
    _row("data.DataLoader", "num_workers -1", _loader(num_workers=-1), ValueError, "num_workers must be"),
    _row(
        "data.DataLoader", "prefetch without workers", _loader(prefetch_factor=2), ValueError, "needs num_workers > 0"
    ),
    _row("data.DataLoader", "generator an int", _loader(generator=3), TypeError, "generator must be a tg.Generator"),
    _row("data.DataLoader", "device 'tpu'", _loader(device="tpu"), ValueError, "unknown device 'tpu'"),
    _row(
        "data.DataLoader", "sampler index past the end", _loader(sampler=[0, 4]), IndexError, "index 4 is out of range"
    ),
    _row("data.DataLoader", "sampler float indices", _loader(sampler=[0.5]), TypeError, "indices must be integers"),
    _row("data.DataLoader", "samples of two shapes", _loader(batch_size=4), ValueError, r"sample 2 has \(3, 3\)"),
    # ---- TensorDataset and Subset
    _row("data.TensorDataset", "no tensors", _cpu(lambda: TensorDataset()), ValueError, "at least one"),
    _row("data.TensorDataset", "lengths 4 and 3", _cpu(lambda: TensorDataset(_X, _X[:3])), ValueError, "4, 3"),
    _row("data.TensorDataset", "a 0-d tensor", _cpu(lambda: TensorDataset(np.float32(1))), ValueError, "first dim"),
    _row(
        "data.TensorDataset",
        "index past the end",
        lambda device, folder: TensorDataset(tensor(_X, device=device))[4],
        IndexError,
        "index 4 is out of range for 4 samples",
        DEVICES,
    ),
    _row("data.TensorDataset", "float index", _cpu(lambda: TensorDataset(_X)[1.0]), TypeError, "must be an integer"),
    _row("data.TensorDataset", "float indices", _cpu(lambda: TensorDataset(_X)[[0.5]]), TypeError, "must be integers"),
    _row("data.Subset", "index past the parent", _cpu(lambda: Subset(_Shapes(), [0, 4])), IndexError, "out of range"),
    _row("data.Subset", "float indices", _cpu(lambda: Subset(_Shapes(), [0.5])), TypeError, "must be integers"),
    _row("data.Subset", "a dataset without len", _cpu(lambda: Subset(iter([]), [0])), TypeError, "with a length"),
    _row("data.Subset", "index past the subset", _cpu(lambda: Subset(_Shapes(), [0])[1]), IndexError, "out of range"),
    # ---- collate
    _row("data.collate", "an empty batch", _cpu(lambda: collate([])), ValueError, "the batch is empty"),
    _row("data.collate", "a number then a string", _cpu(lambda: collate([1, "a"])), TypeError, "sample 1 holds 'a'"),
    _row("data.collate", "different keys", _cpu(lambda: collate([{"a": 1}, {"b": 1}])), ValueError, "same keys"),
    _row("data.collate", "different field counts", _cpu(lambda: collate([(1, 2), (1,)])), ValueError, "sample 1 has 1"),
    _row("data.collate", "an int past int64", _cpu(lambda: collate([0, 2**70])), ValueError, "do not fit in one int64"),
    _row(
        "data.collate",
        "complex numbers",
        _cpu(lambda: collate([1j])),
        TypeError,
        "cannot batch samples of type complex",
    ),
    _row(
        "data.collate",
        "tensors of two shapes",
        lambda device, folder: collate(_tensors(device, [1.0], [1.0, 2.0])),
        ValueError,
        r"sample 0 has shape \(1,\) but sample 1 has \(2,\)",
        DEVICES,
    ),
    # ---- splitting
    _row(
        "data.random_split", "lengths 3 + 3 of 4", _cpu(lambda: random_split(_Shapes(), [3, 3])), ValueError, "add up"
    ),
    _row(
        "data.random_split", "negative length", _cpu(lambda: random_split(_Shapes(), [-1, 5])), ValueError, "negative"
    ),
    _row(
        "data.random_split",
        "fractions 0.5 + 0.6",
        _cpu(lambda: random_split(_Shapes(), [0.5, 0.6])),
        ValueError,
        "add up to 1",
    ),
    _row(
        "data.random_split", "a NaN fraction", _cpu(lambda: random_split(_Shapes(), [np.nan, 1])), ValueError, "finite"
    ),
    _row(
        "data.random_split",
        "lengths a string",
        _cpu(lambda: random_split(_Shapes(), "ab")),
        TypeError,
        "lengths must be",
    ),
    _row("data.random_split", "an int as dataset", _cpu(lambda: random_split(5, [5])), TypeError, "with a length"),
    _row("data.train_val_split", "fraction 0", _cpu(lambda: train_val_split(_X, _X, 0)), ValueError, "between 0 and 1"),
    _row(
        "data.train_val_split",
        "fraction 'a'",
        _cpu(lambda: train_val_split(_X, _X, "a")),
        TypeError,
        "must be a number",
    ),
    _row("data.train_val_split", "x 4, y 3 samples", _cpu(lambda: train_val_split(_X, _X[:3])), ValueError, "y has 3"),
    _row(
        "data.train_val_split", "0-d arrays", _cpu(lambda: train_val_split(np.float32(1), 1)), ValueError, "first dim"
    ),
    _row("data.train_val_split", "too few samples", _cpu(lambda: train_val_split(_X, _X, 0.01)), ValueError, "empty"),
    # ---- toy datasets
    _row("data.two_moons", "1 sample", _cpu(lambda: data.two_moons(1)), ValueError, "at least 2, got 1"),
    _row("data.two_moons", "noise 'a'", _cpu(lambda: data.two_moons(10, noise="a")), TypeError, "finite number"),
    _row("data.spirals", "2.5 classes", _cpu(lambda: data.spirals(10, n_classes=2.5)), ValueError, "positive integer"),
    _row("data.spirals", "10.0 samples", _cpu(lambda: data.spirals(10.0)), ValueError, "an integer of at least 3"),
    _row("data.regression_1d", "noise -1", _cpu(lambda: data.regression_1d(10, noise=-1)), ValueError, "negative"),
    _row("data.regression_1d", "noise NaN", _cpu(lambda: data.regression_1d(10, noise=np.nan)), TypeError, "finite"),
    # ---- Fashion-MNIST and MNIST
    _row("datasets.fashion_mnist", "root an int", _cpu(lambda: datasets.fashion_mnist(3)), TypeError, "root must be"),
    _row(
        "datasets.fashion_mnist",
        "root a file",
        lambda d, f: datasets.fashion_mnist(_file(f)),
        NotADirectoryError,
        "a file",
    ),
    _row(
        "datasets.fashion_mnist", "mirrors an int", lambda d, f: datasets.fashion_mnist(f, mirrors=3), TypeError, "URLs"
    ),
    _row("datasets.mnist", "root a file", lambda d, f: datasets.mnist(_file(f)), NotADirectoryError, "is a file"),
    _row("datasets.mnist", "mirrors a list of ints", lambda d, f: datasets.mnist(f, mirrors=[1]), TypeError, "URLs"),
    _row("datasets.search_dirs", "unknown dataset", _cpu(lambda: datasets.search_dirs("cifar")), ValueError, "unknown"),
    _row("datasets.search_dirs", "root an int", _cpu(lambda: datasets.search_dirs("mnist", 3)), TypeError, "root must"),
    _row("datasets.MNIST", "root an int", _cpu(lambda: datasets.MNIST(3)), TypeError, "MNIST: root must be a folder"),
    _row(
        "datasets.FashionMNIST", "root a file", lambda d, f: datasets.FashionMNIST(_file(f)), NotADirectoryError, "file"
    ),
    _row(
        "datasets.FashionMNIST",
        "a list as transform",
        lambda d, f: datasets.FashionMNIST(f, transform=[transforms.ToTensor()]),
        TypeError,
        "transform must be a function",
    ),
    # ---- transforms
    _row(
        "transforms.Compose", "not a list", _cpu(lambda: transforms.Compose(transforms.ToTensor())), TypeError, "a list"
    ),
    _row("transforms.Compose", "a string in the list", _cpu(lambda: transforms.Compose(["flip"])), TypeError, "a str"),
    _row("transforms.Lambda", "not a function", _cpu(lambda: transforms.Lambda(3)), TypeError, "expected a function"),
    _row(
        "transforms.ToTensor", "a list", _cpu(lambda: transforms.ToTensor()([[1]])), TypeError, "expected a NumPy array"
    ),
    _row(
        "transforms.ToTensor",
        "4-d array",
        _cpu(lambda: transforms.ToTensor()(np.ones((1, 1, 1, 1)))),
        ValueError,
        "shape",
    ),
    _row(
        "transforms.ToTensor",
        "complex image",
        _cpu(lambda: transforms.ToTensor()(np.ones((1, 1), complex))),
        TypeError,
        "dtype",
    ),
    _row(
        "transforms.Normalize", "std 'a'", _cpu(lambda: transforms.Normalize(0.5, "a")), TypeError, "must hold numbers"
    ),
    _row(
        "transforms.Normalize",
        "no means",
        _cpu(lambda: transforms.Normalize((), (1,))),
        TypeError,
        "mean must be a number",
    ),
    _row(
        "transforms.Normalize",
        "zero std",
        lambda device, folder: transforms.Normalize(0.5, 0)(_image(device)),
        ValueError,
        "is zero",
        DEVICES,
    ),
    _row(
        "transforms.Normalize",
        "2 means for 3 channels",
        lambda device, folder: transforms.Normalize((0.5, 0.5), 1)(_image(device, channels=3)),
        ValueError,
        "mean has 2 values but the image has 3 channel",
        DEVICES,
    ),
    _row(
        "transforms.Normalize",
        "an integer image",
        lambda device, folder: transforms.Normalize(0.5, 1)(_image(device, dtype=np.int64)),
        TypeError,
        "expected a float tensor",
        DEVICES,
    ),
    _row(
        "transforms.Normalize",
        "a NumPy image",
        _cpu(lambda: transforms.Normalize(0, 1)(np.ones((1, 2, 2)))),
        TypeError,
        "ToTensor",
    ),
)


def _takes_arguments(value: Any) -> bool:
    """Whether a bad argument can be passed to ``value``: a function or class taking parameters
    (a class's own ``__call__`` counts: ``ToTensor()(image)``). ``xor()`` and abstract classes take none."""
    if inspect.isabstract(value) or (isinstance(value, type) and issubclass(value, BaseException)):
        return False
    calls = [value, value.__call__] if isinstance(value, type) and "__call__" in vars(value) else [value]
    return any(inspect.signature(call).parameters.keys() - {"self"} for call in calls)


def _public(module: ModuleType, prefix: str, leave_out: frozenset[str] = frozenset()) -> set[str]:
    names = (name for name in module.__all__ if name not in leave_out)
    return {
        f"{prefix}.{name}"
        for name in names
        if callable(getattr(module, name)) and _takes_arguments(getattr(module, name))
    }


def subjects() -> set[str]:
    """Every subject this table must have at least one row for (see the module docstring)."""
    return (
        _public(data, "data")
        | _public(datasets, "datasets", leave_out=frozenset({"read_idx"}))  # read_idx: the io table's
        | _public(transforms, "transforms")
    )
