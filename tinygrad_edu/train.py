"""The training loop: epochs of mini-batches, each a forward pass, a loss, backpropagation and a step.

``fit`` is the loop every tutorial writes by hand, with the bookkeeping done once: running loss
and accuracy, a progress bar, classic batch log lines, validation after each epoch, callbacks such
as ``EarlyStopping``, and a ``History`` of every epoch that ``plot_history`` draws.

Metrics are summed as arrays on the device and read once per epoch (and when a log line or the
progress bar asks), so training on a GPU does not stop to wait for the device after every batch.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .autograd import no_grad
from .backend import as_numpy
from .checks import check_flag, check_size
from .io import atomic_path, write_bytes_atomically
from .nn.module import Module
from .tensor import Tensor

__all__ = ["Callback", "EarlyStopping", "History", "accuracy", "evaluate", "fit", "plot_history", "train_epoch"]

Batch = Sequence[Tensor]


# ----------------------------------------------------------------------------- metrics
def accuracy(output: Tensor, target: Tensor, threshold: float = 0.5) -> Any:
    """Number of correct predictions in a batch (a device scalar; divide by the batch size for a rate).

    Class scores (N, C) are compared by argmax with integer targets; a single score per sample
    (N,) or (N, 1) counts as class 1 when it is above ``threshold`` (0.5 for probabilities, 0 for
    logits; ``fit`` picks 0 by itself when the loss is ``BCEWithLogitsLoss``).

    A metric is a function like this one: it returns a per-batch COUNT (a sum, not a mean), which
    the training loop adds up over the epoch and divides by the number of samples.
    """
    if not (isinstance(output, Tensor) and isinstance(target, Tensor)):
        got = type(output if not isinstance(output, Tensor) else target).__name__
        raise TypeError(f"accuracy: output and target must be Tensors, got a {got}")
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"accuracy: threshold must be a number, got {threshold!r}")
    scores, labels = output.array, target.array
    samples = scores.shape[0] if scores.ndim >= 2 and scores.shape[-1] > 1 else scores.size
    if samples != labels.size:
        raise ValueError(
            f"accuracy: {samples} predictions (output of shape {tuple(output.shape)}) for {labels.size} "
            f"targets (shape {tuple(target.shape)}); give one target per sample"
        )
    if scores.ndim >= 2 and scores.shape[-1] > 1:
        predicted = scores.argmax(axis=-1)
    else:
        predicted = scores.reshape(labels.shape) > threshold
    return (predicted == labels.reshape(predicted.shape)).sum()


METRICS: dict[str, Callable[[Tensor, Tensor], Any]] = {"accuracy": accuracy}
Metrics = Iterable[str | Callable] | Mapping[str, Callable] | None


def _resolve_metrics(metrics: Metrics | str, loss_fn: Any = None) -> dict[str, Callable]:
    """Metric functions by name: built-in names, functions (named by ``__name__``) or a name -> function dict.

    ``"auto"`` (the default of ``fit`` and ``evaluate``) means accuracy for a classification loss
    and nothing for a regression loss, where "accuracy" has no meaning.
    """
    if isinstance(metrics, Mapping):
        return _callable_metrics(dict(metrics))
    from .nn import functional as F
    from .nn import losses

    logits = isinstance(loss_fn, losses.BCEWithLogitsLoss) or loss_fn is F.binary_cross_entropy_with_logits
    if metrics == "auto":
        classifying = (losses.CrossEntropyLoss, losses.NLLLoss, losses.BCELoss, losses.BCEWithLogitsLoss)
        functions = (F.cross_entropy, F.nll_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits)
        metrics = ("accuracy",) if isinstance(loss_fn, classifying) or loss_fn in functions else ()
    if isinstance(metrics, str):  # one name, as metrics="accuracy"
        metrics = (metrics,)
    if metrics is not None and not isinstance(metrics, Iterable):
        raise TypeError(f"metrics must be a list of names or functions (or a dict of them), got {metrics!r}")
    resolved: dict[str, Callable] = {}
    for metric in metrics or ():
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(f"unknown metric {metric!r}; known metrics: {sorted(METRICS)}, or pass a function")
            name, function = metric, METRICS[metric]
            if function is accuracy and logits:  # single-score outputs are logits: class 1 above 0
                function = functools.partial(accuracy, threshold=0.0)
        else:
            name, function = getattr(metric, "__name__", "metric"), metric
        if name in resolved:
            raise ValueError(f"two metrics are named {name!r}; pass a dict {{name: function}} to name them")
        resolved[name] = function
    return _callable_metrics(resolved)


def _callable_metrics(metrics: dict[str, Any]) -> dict[str, Callable]:
    for name, function in metrics.items():
        if not callable(function):
            raise TypeError(f"metric {name!r} must be a function (output, target) -> count, got {function!r}")
    return metrics


class _Totals:
    """Sums of the loss and metric counts over the batches of one pass, kept on the device."""

    def __init__(self, metrics: dict[str, Callable], loss_fn: Any) -> None:
        self.metrics = metrics
        self.reduction = getattr(loss_fn, "reduction", "mean")  # how the loss folds a batch into a number
        self.loss_sum: Any = 0.0
        self.counts: dict[str, Any] = dict.fromkeys(metrics, 0)
        self.samples = 0

    def add(self, loss: Tensor, output: Tensor, target: Tensor) -> None:
        batch = len(target) if target.ndim else 1
        # The loss summed over the batch's samples, as an array: no host synchronisation.
        batch_sum = loss.array * batch if self.reduction == "mean" else loss.array.sum()
        self.loss_sum = self.loss_sum + batch_sum
        for name, metric in self.metrics.items():
            self.counts[name] = self.counts[name] + metric(output, target)
        self.samples += batch

    def mean_loss(self) -> float:
        return float(as_numpy(self.loss_sum)) / max(self.samples, 1)

    def results(self, loader: Any, what: str) -> dict[str, float]:
        """The mean loss and metrics of the pass over ``loader``; an error naming ``what`` if it had no batches."""
        if self.samples == 0:
            size = len(loader.dataset) if hasattr(loader, "dataset") else "?"
            raise ValueError(
                f"{what}: the loader produced no batches ({size} samples, batch_size "
                f"{getattr(loader, 'batch_size', '?')}, drop_last={getattr(loader, 'drop_last', '?')}); "
                "use a smaller batch_size, drop_last=False, or more data"
            )
        logs = {"loss": self.mean_loss()}
        for name, count in self.counts.items():
            logs[name] = float(as_numpy(count)) / self.samples
        return logs


# ----------------------------------------------------------------------------- history
@dataclass
class History:
    """Per-epoch results of ``fit``: ``history.history["val_loss"][-1]``, as Keras."""

    epochs: list[int] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)
    epoch_times: list[float] = field(default_factory=list)
    stopped_epoch: int | None = None  # set when a callback stopped training early
    best_epoch: int | None = None  # set by EarlyStopping(restore_best_weights=True)

    def record(self, epoch: int, logs: dict[str, float], seconds: float) -> None:
        self.epochs.append(epoch)
        self.epoch_times.append(seconds)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save_json(self, path: str | os.PathLike) -> None:
        """Write the history as JSON, atomically (temp file + rename)."""
        write_bytes_atomically(path, json.dumps(_finite_or_none(self.to_dict()), indent=2).encode())


def _finite_or_none(value: Any) -> Any:
    """NaN and infinities (a diverged run) become null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(item) for item in value]
    return value


# ----------------------------------------------------------------------------- callbacks
class Callback:
    """Hooks into ``fit``; set ``self.stop_training = True`` in ``on_epoch_end`` to stop early."""

    stop_training = False

    def monitored(self) -> tuple[str, ...]:
        """The names of the results this callback reads from ``logs``; ``fit`` checks that it
        logs each one before training starts."""
        return ()

    def on_train_begin(self, model: Module) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Module) -> None: ...

    def on_train_end(self, model: Module, history: History) -> None: ...


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``mode`` "min" suits losses, "max" accuracies ("auto" picks by the name). With
    ``restore_best_weights=True`` the model gets back the weights of its best epoch at the end.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor must be the name of a result such as 'val_loss', got {monitor!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}")
        check_size("EarlyStopping", "patience", patience)
        if not isinstance(min_delta, numbers.Real) or not math.isfinite(min_delta):
            raise TypeError(f"EarlyStopping: min_delta must be a finite number, got {min_delta!r}")
        check_flag("EarlyStopping", "restore_best_weights", restore_best_weights)
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, abs(min_delta), mode
        self.restore_best_weights = restore_best_weights

    def monitored(self) -> tuple[str, ...]:
        return (self.monitor,)

    def on_train_begin(self, model: Module) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.waited = 0
        self.stop_training = False

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Module) -> None:
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping: metric {self.monitor!r} is not in this epoch's results {sorted(logs)}; "
                "monitor a val_ metric only when fit() gets a val_loader"
            )
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.waited = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = {k: np.array(as_numpy(v.array), copy=True) for k, v in model.state_dict().items()}
            return
        self.waited += 1
        if self.waited >= self.patience:
            self.stop_training = True

    def on_train_end(self, model: Module, history: History) -> None:
        if self.stop_training:  # also when the callbacks are driven by a loop other than fit
            history.stopped_epoch = history.epochs[-1]
        history.best_epoch = self.best_epoch
        if self.restore_best_weights and self.best_state is not None:
            model.load_state_dict(self.best_state)


# ----------------------------------------------------------------------------- progress
class _Progress:
    """A tqdm bar per epoch when tqdm is installed and stderr is a terminal; otherwise nothing."""

    def __init__(self, enabled: bool, total: int, epoch: int, epochs: int) -> None:
        self.bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # tqdm is optional (pip install "tinygrad_edu[train]")
                return
            self.bar = tqdm(total=total, desc=f"Epoch {epoch}/{epochs}", unit="batch", leave=False, file=sys.stderr)

    def update(self, totals: _Totals, refresh: bool) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        if refresh:  # reading the running loss synchronises with the device: only now and then
            self.bar.set_postfix(loss=f"{totals.mean_loss():.4f}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress_wanted(progress: bool | str) -> bool:
    return sys.stderr.isatty() if progress == "auto" else bool(progress)


# ----------------------------------------------------------------------------- the loop
def train_epoch(
    model: Module,
    loader: Iterable[Batch],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Any,
    metrics: dict[str, Callable],
    epoch: int = 1,
    epochs: int = 1,
    log_interval: int | None = None,
    progress: bool | str = "auto",
) -> dict[str, float]:
    """One pass over ``loader``: forward, loss, backward, step for every mini-batch."""
    _check_parts("train_epoch", model, loss_fn, {"loader": loader})
    _check_optimizer("train_epoch", optimizer)
    _check_progress("train_epoch", progress)
    metrics = _resolve_metrics(metrics, loss_fn)
    model.train()
    totals = _Totals(metrics, loss_fn)
    batches = len(loader) if hasattr(loader, "__len__") else 0
    samples_total = len(getattr(loader, "dataset", ())) if hasattr(loader, "dataset") else 0
    bar = _Progress(_progress_wanted(progress), batches, epoch, epochs)
    try:
        for index, batch in enumerate(loader):
            x, y = _inputs_and_targets(batch, index, "fit")
            optimizer.zero_grad()
            output = model(x)  # forward pass
            loss = _loss(loss_fn, output, y, "fit")
            loss.backward()  # backpropagation
            optimizer.step()  # gradient descent step
            totals.add(loss.detach(), output.detach(), y)
            bar.update(totals, refresh=(index + 1) % 20 == 0 or index + 1 == batches)
            if log_interval and index % log_interval == 0:  # the classic PyTorch example's line
                seen = index * len(y)
                share = f" ({100.0 * index / batches:.0f}%)" if batches else ""
                print(f"Train Epoch: {epoch} [{seen}/{samples_total or '?'}{share}]\tLoss: {loss.item():.6f}")
    finally:
        bar.close()
    return totals.results(loader, "fit")


def evaluate(
    model: Module,
    loader: Iterable[Batch],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    metrics: Metrics | str = "auto",
) -> dict[str, float]:
    """Mean loss and metrics over ``loader`` in eval mode, without recording a graph."""
    _check_parts("evaluate", model, loss_fn, {"loader": loader})
    metrics = _resolve_metrics(metrics, loss_fn)
    was_training = model.training
    model.eval()
    totals = _Totals(metrics, loss_fn)
    try:
        with no_grad():
            for index, batch in enumerate(loader):
                x, y = _inputs_and_targets(batch, index, "evaluate")
                output = model(x)
                totals.add(_loss(loss_fn, output, y, "evaluate"), output, y)
    finally:
        model.train(was_training)
    return totals.results(loader, "evaluate")


def fit(
    model: Module,
    train_loader: Iterable[Batch],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Any,
    epochs: int,
    val_loader: Iterable[Batch] | None = None,
    callbacks: Sequence[Callback] | None = (),
    metrics: Metrics | str = "auto",
    log_interval: int | None = None,
    verbose: bool = True,
    progress: bool | str = "auto",
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the History of losses and metrics.

    After each epoch the model is evaluated on ``val_loader`` (if given); its results are logged
    with a ``val_`` prefix. ``log_interval`` prints a line every that many batches, as the classic
    PyTorch examples do. ``progress`` shows a tqdm bar ("auto": only on a terminal).
    """
    check_size("fit", "epochs", epochs, minimum=1)
    if log_interval is not None:
        check_size("fit", "log_interval", log_interval, minimum=1)
    _check_parts("fit", model, loss_fn, {"train_loader": train_loader, "val_loader": val_loader})
    _check_optimizer("fit", optimizer)
    _check_progress("fit", progress)
    callbacks = () if callbacks is None else callbacks
    if not isinstance(callbacks, Sequence):
        raise TypeError(
            f"fit: callbacks must be a list of Callback objects, such as [EarlyStopping()], got {callbacks!r}"
        )
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(f"fit: callbacks must be Callback objects such as EarlyStopping(), got {callback!r}")
    metric_functions = _resolve_metrics(metrics, loss_fn)
    _check_monitored(callbacks, ["loss", *metric_functions], val_loader is not None)
    history = History()
    for callback in callbacks:
        callback.on_train_begin(model)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        logs = train_epoch(
            model, train_loader, loss_fn, optimizer, metric_functions, epoch, epochs, log_interval, progress
        )
        if val_loader is not None:
            val_logs = evaluate(model, val_loader, loss_fn, metric_functions)
            logs.update({f"val_{key}": value for key, value in val_logs.items()})
        seconds = time.perf_counter() - start
        history.record(epoch, logs, seconds)
        if verbose:
            results = " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())
            print(f"Epoch {epoch}/{epochs} - {seconds:.1f}s - {results}")
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs, model)
        if any(callback.stop_training for callback in callbacks):
            history.stopped_epoch = epoch
            if verbose:
                print(f"Stopping early after epoch {epoch}")
            break
    for callback in callbacks:
        callback.on_train_end(model, history)
    return history


# ----------------------------------------------------------------------------- checks of fit's arguments
def _check_parts(where: str, model: Any, loss_fn: Any, loaders: dict[str, Any]) -> None:
    """Each piece the loop is given must be the kind of thing it will use, before the first batch."""
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be an nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"{where}: loss_fn must be callable, such as nn.CrossEntropyLoss(), got {loss_fn!r}")
    for name, loader in loaders.items():
        if name != "val_loader" or loader is not None:
            if not isinstance(loader, Iterable):
                raise TypeError(f"{where}: {name} must be an iterable of (inputs, targets) batches, got {loader!r}")


def _check_optimizer(where: str, optimizer: Any) -> None:
    if not (callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(
            f"{where}: optimizer must have step() and zero_grad(), such as optim.SGD(model.parameters(), lr=0.01), "
            f"got {optimizer!r}"
        )


def _check_monitored(callbacks: Sequence[Callback], names: list[str], validating: bool) -> None:
    """Refuse a callback that reads a result ``fit`` will not log, before training rather than after an epoch."""
    logged = names + [f"val_{name}" for name in names] if validating else names
    for callback in callbacks:
        for name in callback.monitored():
            if name not in logged:
                hint = " (val_ results need a val_loader)" if name.startswith("val_") and not validating else ""
                raise ValueError(f"{type(callback).__name__}: fit will not log {name!r}{hint}; it logs {logged}")


def _check_progress(where: str, progress: Any) -> None:
    if not isinstance(progress, bool) and progress != "auto":
        raise ValueError(
            f"{where}: progress must be True, False or 'auto' (a bar on a terminal only), got {progress!r}"
        )


def _loss(loss_fn: Callable, output: Tensor, target: Any, where: str) -> Tensor:
    """The batch's loss, which must be a Tensor for backpropagation (and for the running totals)."""
    loss = loss_fn(output, target)
    if not isinstance(loss, Tensor):
        raise TypeError(
            f"{where}: loss_fn returned a {type(loss).__name__}, not a Tensor; it must compute the loss "
            "from its arguments with tensor operations, as nn.CrossEntropyLoss() does"
        )
    return loss


def _inputs_and_targets(batch: Any, index: int, where: str) -> tuple[Any, Any]:
    """A batch is a pair ``(inputs, targets)``, as a DataLoader over a TensorDataset of two gives."""
    if not isinstance(batch, Sequence) or len(batch) != 2:
        got = f"a {type(batch).__name__} of {len(batch)}" if isinstance(batch, Sequence) else type(batch).__name__
        raise TypeError(
            f"{where}: batch {index} is {got}, but each batch must be (inputs, targets): "
            "a DataLoader over TensorDataset(x, y) gives such pairs"
        )
    return batch[0], batch[1]


# ----------------------------------------------------------------------------- plots
def plot_history(
    history: History, path: str | os.PathLike, title: str | None = None, val_label: str = "validation"
) -> None:
    """Save the loss and accuracy curves (train vs ``val_label``, per epoch) as an image (needs
    matplotlib) in the format the suffix names: .png, .svg or .pdf.

    ``val_label`` names the ``val_`` curves, e.g. "test" when the test set was evaluated each epoch.
    """
    image_format = _image_format(path)
    if not isinstance(history, History):
        raise TypeError(f"plot_history: expected the History that fit() returns, got {type(history).__name__}")
    panels = [name for name in ("loss", "accuracy") if name in history.history]
    if not history.epochs or not panels:
        raise ValueError(
            f"plot_history: nothing to draw: the history has no epochs of loss or accuracy "
            f"(results logged: {sorted(history.history)}); plot after fit() has run an epoch"
        )
    try:  # a Figure with its own Agg canvas: no pyplot, so the user's backend (e.g. Jupyter's) is untouched
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as error:
        raise ImportError('plot_history needs matplotlib: pip install "tinygrad_edu[train]"') from error
    figure = Figure(figsize=(5.5 * len(panels), 4))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(panels), squeeze=False)
    for axis, name in zip(axes[0], panels, strict=True):
        for key, label in ((name, "train"), (f"val_{name}", val_label)):
            if key in history.history:
                axis.plot(history.epochs, history.history[key], marker="o", markersize=3, label=label)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        axis.set_ylabel(name)
        axis.set_title(name)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format=image_format, dpi=100)


IMAGE_FORMATS = ("png", "svg", "pdf")


def _image_format(path: str | os.PathLike) -> str:
    """The image format a file name asks for, by its suffix."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"plot_history: path must be a file name, got {path!r}")
    suffix = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if suffix not in IMAGE_FORMATS:
        raise ValueError(
            f"plot_history: cannot tell the image format of {os.fspath(path)!r}; end the name with "
            f"{', '.join('.' + name for name in IMAGE_FORMATS)}"
        )
    return suffix
