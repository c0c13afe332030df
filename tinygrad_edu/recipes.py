"""Ready-made pieces for training MLPs: datasets as normalised arrays, MLP builders, optimizers.

The command line (``tinygrad-edu train``) and the examples use these, so a model described by a
few hyperparameters (hidden sizes, activation, optimizer, learning rate) is built the same way
everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import nn, optim
from .data import datasets, toy, train_val_split

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}
OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop}
CLASSIC_HIDDEN = (1024, 128, 64)  # the classic Fashion-MNIST DNN: 784-1024-128-64-10
TOY_DATASETS = {"two-moons": lambda: toy.two_moons(2000, noise=0.15), "spirals": lambda: toy.spirals(1500, 3, 0.2)}
DATASETS = ("fashion-mnist", "mnist", *TOY_DATASETS)


@dataclass
class ClassificationData:
    """Train and test splits as float32 features and int64 labels, plus what a model needs to know."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: int
    name: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def features(self) -> int:
        return int(np.prod(self.input_shape))


def normalize_images(images: np.ndarray, mean: float = 0.5, std: float = 0.5) -> np.ndarray:
    """uint8 pixels to float32: scale to [0, 1], then (x - mean) / std (0.5/0.5 maps to [-1, 1])."""
    return ((images.astype(np.float32) / 255.0 - mean) / std).astype(np.float32)


def load_classification(name: str, root: str | None = None, download: bool = True) -> ClassificationData:
    """``fashion-mnist`` or ``mnist`` (images normalised to mean 0.5 / std 0.5), or a toy set."""
    if name in ("fashion-mnist", "mnist"):
        loader = datasets.fashion_mnist if name == "fashion-mnist" else datasets.mnist
        (x_train, y_train), (x_test, y_test) = loader(root=root, download=download)
        return ClassificationData(normalize_images(x_train), y_train, normalize_images(x_test), y_test, 10, name)
    if name not in TOY_DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose from {', '.join(DATASETS)}")
    x, y = TOY_DATASETS[name]()
    (x_train, y_train), (x_test, y_test) = train_val_split(x, y, val_fraction=0.2)
    return ClassificationData(x_train, y_train, x_test, y_test, int(y.max()) + 1, name)


def build_mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
) -> nn.Sequential:
    """Flatten, then (Linear [-> BatchNorm1d] -> activation [-> Dropout]) per hidden size, then Linear."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: choose from {sorted(ACTIVATIONS)}")
    layers: list[nn.Module] = [nn.Flatten()]
    width = in_features
    for size in hidden:
        layers.append(nn.Linear(width, size))
        if batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(ACTIVATIONS[activation]())
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


def make_optimizer(name: str, params: object, lr: float, momentum: float = 0.0) -> optim.Optimizer:
    """An optimizer by name; ``momentum`` applies to SGD and RMSprop (Adam has its own, ``betas``)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose from {sorted(OPTIMIZERS)}")
    if name in ("sgd", "rmsprop"):
        return OPTIMIZERS[name](params, lr=lr, momentum=momentum)
    if momentum:
        raise ValueError(f"momentum={momentum} applies to sgd and rmsprop; {name} keeps its own averages (betas)")
    return OPTIMIZERS[name](params, lr=lr)
