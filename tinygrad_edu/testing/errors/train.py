"""Bad input for the training loop, its callbacks and plots, graph drawing and the ready-made recipes
(``train``, ``viz``, ``recipes``).

Each row makes one bad call; the loop's rows check their arguments before the first batch, so
their loaders are ``NeverIterated``: a row whose check came after training started would fail.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

from ... import nn, recipes, train, viz
from . import ErrorInput

CPU = ("cpu",)
_NOT_SUBJECTS = {
    "train.Callback": "a base class with no arguments: its subclasses are the subjects",
    "recipes.ClassificationData": "a record of arrays that load_classification fills",
}


class NeverIterated:
    """A loader that fails the row if the loop starts iterating it before checking its arguments."""

    def __iter__(self) -> Any:
        raise AssertionError("the loop started training before checking its arguments")


def _model() -> nn.Module:
    return nn.Linear(2, 1)


def _fit(**changes: Any) -> Callable[[str, Path], Any]:
    """``fit`` of a small model with one argument changed."""

    def call(device: str, folder: Path) -> Any:
        model = _model()
        arguments = {
            "model": model,
            "train_loader": NeverIterated(),
            "loss_fn": nn.MSELoss(),
            "optimizer": tg.optim.SGD(model.parameters(), lr=0.1),
            "epochs": 1,
            "verbose": False,
        }
        return train.fit(**{**arguments, **changes})

    return call


def _batches_of(*batch: Any) -> list:
    return [tuple(batch)]


def _chain(ops: int) -> tg.Tensor:
    y = x = tg.tensor(1.0, requires_grad=True)
    for _ in range(ops):
        y = y * 1.0
    return y + x


def _history(epochs: int) -> train.History:
    history = train.History()
    for epoch in range(1, epochs + 1):
        history.record(epoch, {"loss": 1.0 / epoch}, 0.1)
    return history


def _row(subject: str, what: str, call: Callable[[str, Path], Any], error: Any, match: str) -> ErrorInput:
    return ErrorInput(subject, what, call, error, match, devices=CPU)


def _call(function: Callable, *args: Any, **kwargs: Any) -> Callable[[str, Path], Any]:
    return lambda device, folder: function(*args, **kwargs)


_x, _y = tg.ones(4, 2), tg.ones(4, 1)

ROWS: tuple[ErrorInput, ...] = (
    # fit
    _row("train.fit", "epochs that is a float", _fit(epochs=2.5), TypeError,
         r"fit: epochs must be an integer, got a float \(2.5\)"),
    _row("train.fit", "no epochs", _fit(epochs=0), ValueError, r"epochs must be at least 1, got 0"),
    _row("train.fit", "epochs that is a bool", _fit(epochs=True), TypeError,
         r"fit: epochs must be an integer, got a bool"),
    _row("train.fit", "no optimizer", _fit(optimizer=None), TypeError, r"optimizer must have step\(\).*got None"),
    _row("train.fit", "a model that is a function", _fit(model=lambda x: x), TypeError, r"model must be an nn.Module"),
    _row("train.fit", "a loss that cannot be called", _fit(loss_fn="mse"), TypeError, r"loss_fn must be callable"),
    _row("train.fit", "a loader that is a number", _fit(train_loader=5), TypeError, r"train_loader must be an"),
    _row("train.fit", "a loader of 1-tuples", _fit(train_loader=_batches_of(_x)), TypeError,
         r"batch 0 is a tuple of 1, but each batch must be \(inputs, targets\)"),
    _row("train.fit", "a callback that is not one", _fit(callbacks=[print]), TypeError, r"callbacks must be Callback"),
    _row("train.fit", "metrics that is a number", _fit(metrics=5), TypeError, r"metrics must be a list of names"),
    _row("train.fit", "a metric that is not a function", _fit(metrics={"top": 3}), TypeError,
         r"metric 'top' must be a function \(output, target\) -> count, got 3"),
    _row("train.fit", "one callback, not a list", _fit(callbacks=train.EarlyStopping("loss")), TypeError,
         r"callbacks must be a list of Callback objects, such as \[EarlyStopping\(\)\]"),
    _row("train.fit", "an unknown progress", _fit(progress="yes"), ValueError,
         r"progress must be True, False or 'auto'.*got 'yes'"),
    _row("train.fit", "a loss_fn that returns a float",
         _fit(train_loader=_batches_of(_x, _y), loss_fn=lambda o, t: 1.0), TypeError,
         r"fit: loss_fn returned a float, not a Tensor"),
    _row("train.fit", "a log interval of 0", _fit(log_interval=0), ValueError, r"log_interval must be at least 1"),
    _row("train.fit", "a monitored result it will not log", _fit(callbacks=[train.EarlyStopping("val_loss")]),
         ValueError, r"EarlyStopping: fit will not log 'val_loss' \(val_ results need a val_loader\)"),
    _row("train.fit", "a misspelt monitored result",
         _fit(callbacks=[train.EarlyStopping("val_acc")], val_loader=NeverIterated()), ValueError,
         r"fit will not log 'val_acc'; it logs \['loss', 'val_loss'\]"),
    # evaluate and train_epoch
    _row("train.evaluate", "no loader", _call(train.evaluate, _model(), None, nn.MSELoss()), TypeError,
         r"evaluate: loader must be an iterable"),
    _row("train.evaluate", "a loader of 3-tuples", _call(train.evaluate, _model(), _batches_of(_x, _y, _y),
         nn.MSELoss()), TypeError, r"evaluate: batch 0 is a tuple of 3"),
    _row("train.train_epoch", "no optimizer", _call(train.train_epoch, _model(), [(_x, _y)], nn.MSELoss(), None, {}),
         TypeError, r"train_epoch: optimizer must have step\(\)"),
    _row("train.accuracy", "a NumPy array for output", _call(train.accuracy, np.ones((4, 3)), tg.ones(4)), TypeError,
         r"accuracy: output and target must be Tensors, got a ndarray"),
    _row("train.accuracy", "a threshold that is a string", _call(train.accuracy, tg.ones(4), tg.ones(4), "0.5"),
         TypeError, r"accuracy: threshold must be a number, got '0.5'"),
    _row("train.accuracy", "one target too many", _call(train.accuracy, tg.ones(4, 3), tg.ones(5)), ValueError,
         r"4 predictions \(output of shape \(4, 3\)\) for 5 targets"),
    # callbacks and history
    _row("train.EarlyStopping", "an unknown mode", _call(train.EarlyStopping, mode="lowest"), ValueError,
         r"mode must be 'min', 'max' or 'auto', got 'lowest'"),
    _row("train.EarlyStopping", "a negative patience", _call(train.EarlyStopping, patience=-1), ValueError,
         r"patience must be at least 0, got -1"),
    _row("train.EarlyStopping", "a fractional patience", _call(train.EarlyStopping, patience=2.5), TypeError,
         r"patience must be an integer, got a float \(2.5\)"),
    _row("train.EarlyStopping", "a monitor that is not a name", _call(train.EarlyStopping, monitor=3), TypeError,
         r"monitor must be the name of a result"),
    _row("train.EarlyStopping", "restore_best_weights that is a string",
         _call(train.EarlyStopping, restore_best_weights="yes"), TypeError,
         r"restore_best_weights must be True or False"),
    _row("train.EarlyStopping", "a min_delta that is a string", _call(train.EarlyStopping, min_delta="0.1"),
         TypeError, r"min_delta must be a finite number"),
    _row("train.History.save_json", "a path that is a number", _call(_history(1).save_json, 5), TypeError,
         r"cannot write to 5: give a file name"),
    _row("train.History.save_json", "a folder that is a file",
         lambda device, folder: _history(1).save_json(_file_in(folder) / "history.json"), NotADirectoryError,
         r"is a file, not a directory"),
    _row("train.History.save_json", "a folder as the file", lambda device, folder: _history(1).save_json(folder),
         IsADirectoryError, r"cannot write .*: it is a directory; give a file name inside it"),
    _row("train.plot_history", "an empty history", lambda device, folder: train.plot_history(
        train.History(), folder / "curves.png"), ValueError, r"nothing to draw.*plot after fit\(\)"),
    _row("train.plot_history", "an unknown image suffix", lambda device, folder: train.plot_history(
        _history(2), folder / "curves.jpg"), ValueError, r"cannot tell the image format.*\.png, \.svg, \.pdf"),
    _row("train.plot_history", "a dict instead of a History", lambda device, folder: train.plot_history(
        {"loss": [1.0]}, folder / "curves.png"), TypeError, r"expected the History that fit\(\) returns, got dict"),
    # drawing the graph
    _row("viz.to_dot", "a graph far larger than max_nodes", _call(lambda: viz.to_dot(_chain(3000), max_nodes=100)),
         ValueError, r"more than 2,000 nodes \(counting stopped there\)"),
    _row("viz.to_dot", "a graph larger than max_nodes", _call(lambda: viz.to_dot(_chain(60), max_nodes=100)),
         ValueError, r"would have \d+ nodes, more than max_nodes=100 \(the graph has \d+ tensors and 61 ops\)"),
    _row("viz.to_dot", "an unknown rankdir", _call(lambda: viz.to_dot(_chain(1), rankdir="up")), ValueError,
         r"rankdir must be one of"),
    _row("viz.to_dot", "max_nodes of 0", _call(lambda: viz.to_dot(_chain(1), max_nodes=0)), ValueError,
         r"to_dot: max_nodes must be at least 1, got 0"),
    _row("viz.to_dot", "a model that is not a Module", _call(lambda: viz.to_dot(_chain(1), model=3)), TypeError,
         r"model must be the nn.Module"),
    _row("viz.to_dot", "a string to draw", _call(viz.to_dot, "loss"), TypeError, r"item 0 is a str"),
    _row("viz.to_dot", "names that are not a dict", _call(lambda: viz.to_dot(_chain(1), names=5)), TypeError,
         r"to_dot: names must be a dict of name -> Tensor"),
    _row("viz.draw_graph", "nothing to draw", _call(viz.draw_graph, None), TypeError,
         r"expected a Tensor or a list of Tensors to draw, got NoneType"),
    _row("viz.render", "an unknown suffix", lambda device, folder: viz.render(_chain(1), folder / "graph.bmp"),
         ValueError, r"cannot tell the format of .*graph.bmp"),
    _row("viz.render", "an unknown format",
         lambda device, folder: viz.render(_chain(1), folder / "g.svg", format="bmp"), ValueError,
         r"render: unknown format 'bmp': use one of svg, png, pdf, dot, gv"),
    _row("viz.render", "a path that is a number", _call(lambda: viz.render(_chain(1), 5)), TypeError,
         r"path must be a file name"),
    _row("viz.record_modules", "a model that is not a Module", _call(lambda: viz.record_modules(3).__enter__()),
         TypeError, r"record_modules: model must be an nn.Module"),
    _row("viz.module_path", "a number instead of a node", _call(viz.module_path, 3), TypeError,
         r"module_path: expected a graph node"),
    # recipes
    _row("recipes.normalize_images", "a std of 0",
         _call(recipes.normalize_images, np.zeros((2, 2), np.uint8), 0.5, 0.0), ValueError,
         r"normalize_images: std must be a finite number above 0"),
    _row("recipes.load_classification", "an unknown data set", _call(recipes.load_classification, "cifar10"),
         ValueError, r"unknown dataset 'cifar10': choose from fashion-mnist, mnist"),
    _row("recipes.build_mlp", "one hidden size, not a list", _call(recipes.build_mlp, 784, 16, 10), TypeError,
         r"build_mlp: hidden must be a list of layer sizes, such as \[128, 64\], got 16"),
    _row("recipes.build_mlp", "an unknown activation", _call(recipes.build_mlp, 784, [16], 10, "swish"), ValueError,
         r"unknown activation 'swish': choose from"),
    _row("recipes.make_optimizer", "an unknown optimizer", _call(lambda: recipes.make_optimizer(
        "lbfgs", _model().parameters(), 0.1)), ValueError, r"unknown optimizer 'lbfgs': choose from"),
    _row("recipes.check_momentum", "momentum for Adam", _call(recipes.check_momentum, "adam", 0.9), ValueError,
         r"momentum=0.9 applies to sgd and rmsprop; adam keeps its own averages"),
    _row("recipes.make_optimizer", "momentum for Adam", _call(lambda: recipes.make_optimizer(
        "adam", _model().parameters(), 0.1, 0.9)), ValueError, r"momentum=0.9 applies to sgd and rmsprop"),
    _row("recipes.draw_training_step", "a batch of 0", lambda device, folder: recipes.draw_training_step(
        folder / "g.dot", [4], batch_size=0), ValueError, r"draw_training_step: batch_size must be at least 1, got 0"),
)  # fmt: skip


def _file_in(folder: Path) -> Path:
    """A regular file in ``folder``, to be used where a folder is expected."""
    path = folder / "a_file"
    path.write_text("not a folder")
    return path


def subjects() -> set[str]:
    """Every public function and class of ``train``, ``viz`` and ``recipes`` (the ones defined there),
    and ``History.save_json`` (``History.record`` is the loop's own bookkeeping)."""
    found = {"train.History.save_json"}
    for module, prefix in ((train, "train"), (viz, "viz"), (recipes, "recipes")):
        for name in dir(module):
            value = getattr(module, name)
            if not name.startswith("_") and callable(value) and getattr(value, "__module__", "") == module.__name__:
                found.add(f"{prefix}.{name}")
    return found - {"train.History"} - set(_NOT_SUBJECTS)
