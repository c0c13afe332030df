"""Ready-made pieces for training MLPs: datasets as normalised arrays, MLP builders, optimizers,
and the drawing of one training step.

The command line (``tinygrad-edu train``, ``tinygrad-edu graph``) and the examples use these, so a
model described by a few hyperparameters (hidden sizes, activation, optimizer, learning rate) is
built the same way everywhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import nn, optim, viz
from .checks import check_size
from .data import datasets, toy, train_val_split
from .tensor import Tensor

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}
OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop}
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")  # Adam and AdamW keep their own averages (betas)
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
    if not std > 0 or not math.isfinite(std) or not math.isfinite(mean):  # torchvision's Normalize refuses std 0
        raise ValueError(f"normalize_images: std must be a finite number above 0 and mean finite, got {mean=}, {std=}")
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
    if isinstance(hidden, str) or not isinstance(hidden, Sequence):
        raise TypeError(f"build_mlp: hidden must be a list of layer sizes, such as [128, 64], got {hidden!r}")
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
    check_momentum(name, momentum)
    if name in MOMENTUM_OPTIMIZERS:
        return OPTIMIZERS[name](params, lr=lr, momentum=momentum)
    return OPTIMIZERS[name](params, lr=lr)


def check_momentum(name: str, momentum: float) -> None:
    """Refuse an unknown optimizer, or a ``momentum`` that the optimizer would not use."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose from {sorted(OPTIMIZERS)}")
    if momentum and name not in MOMENTUM_OPTIMIZERS:
        raise ValueError(f"momentum={momentum} applies to sgd and rmsprop; {name} keeps its own averages (betas)")


def draw_training_step(
    path: str | os.PathLike = "mlp_graph.svg",
    hidden: Sequence[int] = CLASSIC_HIDDEN,
    *,
    in_features: int = 784,
    classes: int = 10,
    batch_size: int = 64,
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
    collapse_modules: bool = False,
    **options: Any,
) -> Path:
    """Draw the graph of one training step's cross-entropy loss for an MLP into ``path``.

    The MLP is ``build_mlp(in_features, hidden, classes, activation, dropout, batch_norm)`` (by
    default the classic 784-1024-128-64-10), built fresh so that no trained model's state
    (BatchNorm statistics) is touched; its initial weights come from tg's random generator, so
    call this after training a seeded run. The batch is ``batch_size`` zero inputs with label 0:
    values do not change the graph. Parameters are named (``"1.weight"``), ops boxed per module;
    ``options`` go to ``tg.viz.render``. Also reachable as ``tg.viz.draw_training_step``.
    """
    for name, count in (("in_features", in_features), ("classes", classes), ("batch_size", batch_size)):
        check_size("draw_training_step", name, count, minimum=1)
    model = build_mlp(in_features, hidden, classes, activation, dropout, batch_norm)
    x = Tensor(np.zeros((batch_size, in_features), np.float32))
    labels = Tensor(np.zeros(batch_size, np.int64))
    with viz.record_modules(model):
        loss = nn.CrossEntropyLoss()(model(x), labels)
    names = {"x": x, "labels": labels, "loss": loss}
    return viz.render(loss, path, model=model, names=names, collapse_modules=collapse_modules, **options)
