"""The training loop: fit, train_epoch, evaluate, accuracy, History, callbacks and plot_history.

Most tests train tiny models on tiny data sets (a few hundred points in the plane), so that each
one runs in a fraction of a second and checks numbers that can be worked out by hand.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.train as train_module
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, train_val_split, two_moons
from tinygrad_edu.nn import functional as F
from tinygrad_edu.testing.errors.train import NeverIterated
from tinygrad_edu.train import Callback, EarlyStopping, History, accuracy, evaluate, fit, plot_history, train_epoch

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- helpers
def line_data(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points in the plane, labelled 1 above the line x0 + x1 = 0 and 0 below: linearly separable."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


def batches(x: np.ndarray, y: np.ndarray, batch_size: int = 16, shuffle: bool = False) -> DataLoader:
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle)


def small_mlp(hidden: int = 8) -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 2))


def quiet_fit(model: nn.Module, loader: DataLoader, epochs: int = 1, lr: float = 0.1, **kwargs) -> History:
    """``fit`` with cross-entropy and SGD, printing nothing unless asked to."""
    kwargs = {"verbose": False, "progress": False, **kwargs}
    optimizer = optim.SGD(model.parameters(), lr=lr)
    return fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs, **kwargs)


def weights_of(model: nn.Module) -> dict[str, np.ndarray]:
    """A copy of every array in the model's state_dict."""
    return {name: tensor.numpy() for name, tensor in model.state_dict().items()}


# ----------------------------------------------------------------------------- fit learns
def test_fit_learns_two_moons():
    tg.manual_seed(0)
    x, y = two_moons(600, noise=0.1)
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_fraction=0.25)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.02)

    history = fit(
        model,
        batches(x_train, y_train, 32, shuffle=True),
        nn.CrossEntropyLoss(),
        optimizer,
        epochs=15,
        val_loader=batches(x_val, y_val, 64),
        verbose=False,
        progress=False,
    )

    losses = history.history["loss"]
    assert losses[-1] < 0.25 * losses[0]  # the mean training loss fell by more than 4x
    assert history.history["accuracy"][-1] > 0.95
    assert history.history["val_accuracy"][-1] > 0.95
    # Check the model itself, not only what fit reports about it.
    with tg.no_grad():
        predicted = model(tg.Tensor(x_val)).numpy().argmax(axis=1)
    assert np.mean(predicted == y_val) > 0.95


def test_fit_trains_a_linear_classifier_to_near_perfect_accuracy():
    tg.manual_seed(0)
    x, y = line_data(200)
    model = nn.Linear(2, 2)  # softmax regression: one line separates the classes

    history = quiet_fit(model, batches(x, y, 20, shuffle=True), epochs=10, lr=0.5)

    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.97


@pytest.mark.parametrize("epochs", [0, -1])
def test_fit_needs_at_least_one_epoch(epochs):
    x, y = line_data(20)
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        quiet_fit(small_mlp(), batches(x, y), epochs=epochs)


def test_fit_on_a_loader_without_batches_is_a_clear_error():
    x, y = line_data(50)
    empty = DataLoader(TensorDataset(x, y), batch_size=64, drop_last=True)  # 50 < 64: not one batch
    with pytest.raises(ValueError, match="batch"):
        quiet_fit(small_mlp(), empty)


def test_evaluate_on_a_loader_without_batches_is_a_clear_error():
    x, y = line_data(50)
    empty = DataLoader(TensorDataset(x, y), batch_size=64, drop_last=True)
    with pytest.raises(ValueError, match=r"evaluate: the loader produced no batches \(50 samples, batch_size 64"):
        evaluate(small_mlp(), empty, nn.CrossEntropyLoss())


# ----------------------------------------------------------------------------- History
def test_history_holds_one_entry_per_epoch_for_every_result():
    tg.manual_seed(0)
    x, y = line_data(100)
    x_val, y_val = line_data(40, seed=1)

    history = quiet_fit(small_mlp(), batches(x, y), epochs=3, val_loader=batches(x_val, y_val))

    assert history.epochs == [1, 2, 3]
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]  # Keras' order
    for values in history.history.values():
        assert len(values) == 3
        assert all(type(value) is float for value in values)  # plain Python floats: JSON-ready
    assert all(0.0 <= value <= 1.0 for value in history.history["accuracy"] + history.history["val_accuracy"])
    assert len(history.epoch_times) == 3
    assert all(seconds > 0 for seconds in history.epoch_times)
    assert history.stopped_epoch is None  # no callback stopped this run
    assert history.best_epoch is None


def test_history_without_validation_or_metrics_holds_only_the_loss():
    x, y = line_data(40)
    history = quiet_fit(small_mlp(), batches(x, y), epochs=2, metrics=None)
    assert list(history.history) == ["loss"]


def scripted_history() -> History:
    """A History filled by hand, as fit fills it: two epochs with known numbers."""
    history = History()
    history.record(1, {"loss": 0.9, "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.45}, seconds=0.25)
    history.record(2, {"loss": 0.4, "accuracy": 0.8, "val_loss": 0.6, "val_accuracy": 0.75}, seconds=0.5)
    return history


def test_history_to_dict():
    history = scripted_history()
    assert history.to_dict() == {
        "epochs": [1, 2],
        "history": {"loss": [0.9, 0.4], "accuracy": [0.5, 0.8], "val_loss": [1.0, 0.6], "val_accuracy": [0.45, 0.75]},
        "epoch_times": [0.25, 0.5],
        "stopped_epoch": None,
        "best_epoch": None,
    }
    history.to_dict()["history"]["loss"].append(0.1)  # the dict is a copy ...
    assert history.history["loss"] == [0.9, 0.4]  # ... so changing it leaves the history alone


def test_history_save_json_round_trip(tmp_path):
    history = scripted_history()
    path = tmp_path / "history.json"

    history.save_json(path)

    assert json.loads(path.read_text()) == history.to_dict()
    assert os.listdir(tmp_path) == ["history.json"]  # no temporary file left behind


def test_history_save_json_is_atomic(tmp_path, monkeypatch):
    """If the final rename fails (a crash, a full disk), the old file is intact and no temp file is left."""
    path = tmp_path / "history.json"
    scripted_history().save_json(path)
    old_text = path.read_text()

    def failing_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr("tinygrad_edu.io.os.replace", failing_replace)
    longer = scripted_history()
    longer.record(3, {"loss": 0.2, "accuracy": 0.9, "val_loss": 0.5, "val_accuracy": 0.8}, seconds=0.5)
    with pytest.raises(OSError, match="disk full"):
        longer.save_json(path)

    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ["history.json"]


# ----------------------------------------------------------------------------- accuracy
def test_accuracy_counts_argmax_hits_for_class_scores():
    scores = tg.Tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [4.0, 0.0, 0.0]])
    labels = tg.Tensor([0, 1, 1, 2])  # argmax is 0, 1, 2, 0: the first two are right
    assert int(accuracy(scores, labels)) == 2


@pytest.mark.parametrize("shape", [(4,), (4, 1)])
def test_accuracy_thresholds_a_single_probability_at_one_half(shape):
    probabilities = tg.Tensor(np.array([0.9, 0.2, 0.6, 0.5], dtype=np.float32).reshape(shape))
    labels = tg.Tensor([1, 0, 0, 1])  # predicted 1, 0, 1, 0 (0.5 is not above one half): two right
    assert int(accuracy(probabilities, labels)) == 2


def test_accuracy_accepts_float_targets_as_binary_cross_entropy_uses_them():
    probabilities = tg.Tensor([[0.9], [0.1], [0.7]])
    targets = tg.Tensor([[1.0], [0.0], [0.0]])
    assert int(accuracy(probabilities, targets)) == 2


def test_unknown_metric_name_is_an_error_before_any_training():
    x, y = line_data(20)
    model = small_mlp()
    before = weights_of(model)

    with pytest.raises(ValueError, match=r"unknown metric 'f1'.*accuracy"):
        quiet_fit(model, batches(x, y), metrics=["accuracy", "f1"])

    for name, array in weights_of(model).items():
        np.testing.assert_array_equal(array, before[name])


def test_a_custom_metric_is_a_function_that_counts_per_batch():
    def positives(output: tg.Tensor, target: tg.Tensor):
        """How many samples of the batch are in class 1 (a count, as accuracy returns)."""
        return (target.array == 1).sum()

    x, y = line_data(100)
    x_val, y_val = line_data(30, seed=1)

    history = quiet_fit(small_mlp(), batches(x, y), epochs=2, val_loader=batches(x_val, y_val), metrics=[positives])

    # The counts are summed over the epoch and divided by the number of samples: the share of class 1.
    assert history.history["positives"] == pytest.approx([np.mean(y == 1)] * 2)
    assert history.history["val_positives"] == pytest.approx([np.mean(y_val == 1)] * 2)


@pytest.mark.parametrize("metrics", ["accuracy", ["accuracy"], ("accuracy",), {"accuracy": accuracy}])
def test_metrics_can_be_one_name_a_list_or_a_dict(metrics):
    x, y = line_data(40)
    tg.manual_seed(0)
    named = quiet_fit(small_mlp(), batches(x, y), metrics=metrics)
    tg.manual_seed(0)
    auto = quiet_fit(small_mlp(), batches(x, y))  # cross-entropy: accuracy by default

    assert named.history == auto.history  # "accuracy" is one metric, not the metrics "a", "c", ...


def test_callbacks_none_is_no_callbacks_as_in_keras():
    x, y = line_data(20)
    assert quiet_fit(small_mlp(), batches(x, y), epochs=2, callbacks=None).epochs == [1, 2]


def test_train_epoch_takes_metric_names_as_fit_does():
    x, y = line_data(40)
    model = small_mlp()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    logs = train_epoch(model, batches(x, y), nn.CrossEntropyLoss(), optimizer, metrics=["accuracy"], progress=False)
    assert set(logs) == {"loss", "accuracy"}


# ----------------------------------------------------------------------------- train_epoch
def test_train_epoch_reports_the_sample_weighted_mean_loss_in_training_mode():
    x, y = line_data(100)  # 100 samples in batches of 8: twelve batches of 8 and one of 4
    losses = []

    def recording_loss(output, target):
        loss = F.cross_entropy(output, target)
        losses.append((loss.item(), len(target)))
        return loss

    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2))
    model.eval()
    optimizer = optim.SGD(model.parameters(), lr=0.1)

    logs = train_epoch(model, batches(x, y, 8), recording_loss, optimizer, metrics={}, progress=False)

    assert model.training  # train_epoch switched dropout on
    assert [size for _, size in losses] == [8] * 12 + [4]
    expected = sum(loss * size for loss, size in losses) / 100  # not the mean of the 13 batch means
    assert logs == {"loss": pytest.approx(expected, rel=1e-6)}


# ----------------------------------------------------------------------------- evaluate
def model_with_dropout() -> nn.Sequential:
    """Dropout makes any forward pass in training mode random, so evaluating in training mode shows."""
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))


def test_evaluate_equals_the_loss_and_accuracy_of_the_whole_set_at_once():
    x, y = line_data(50)  # batches of 16, 16, 16 and 2: a plain mean of batch means would be off
    model = model_with_dropout()
    loss_fn = nn.CrossEntropyLoss()

    results = evaluate(model, batches(x, y, 16), loss_fn)

    model.eval()
    with tg.no_grad():
        scores = model(tg.Tensor(x))
        expected_loss = loss_fn(scores, tg.Tensor(y)).item()
    expected_accuracy = np.mean(scores.numpy().argmax(axis=1) == y)
    assert results == {"loss": pytest.approx(expected_loss, rel=1e-5), "accuracy": expected_accuracy}


def test_evaluate_with_no_metrics_reports_only_the_loss():
    x, y = line_data(20)
    assert list(evaluate(small_mlp(), batches(x, y), nn.CrossEntropyLoss(), metrics=None)) == ["loss"]


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_runs_in_eval_mode_without_a_graph_and_restores_the_mode(training):
    x, y = line_data(40)
    model = model_with_dropout().train(training)
    seen = []  # what each forward pass saw: (training flag, grad recording on, the output's graph node)
    model.register_forward_hook(
        lambda module, inputs, output: seen.append((module.training, tg.is_grad_enabled(), output.grad_fn))
    )

    evaluate(model, batches(x, y, 16), nn.CrossEntropyLoss())

    assert seen == [(False, False, None)] * 3
    assert all(module.training is training for module in model.modules())
    assert tg.is_grad_enabled()
    assert all(p.grad is None for p in model.parameters())


def test_evaluate_restores_training_mode_after_an_error():
    def broken_loader():
        x, y = line_data(8)
        yield tg.Tensor(x), tg.Tensor(y)
        raise RuntimeError("the disk went away")

    model = model_with_dropout()
    with pytest.raises(RuntimeError, match="disk went away"):
        evaluate(model, broken_loader(), nn.CrossEntropyLoss())
    assert model.training


# ----------------------------------------------------------------------------- printing
LOG_LINE = re.compile(r"Train Epoch: (\d+) \[(\d+)/(\d+) \((\d+)%\)\]\tLoss: (\d+\.\d{6})")


def test_log_interval_prints_the_classic_pytorch_lines(capsys):
    tg.manual_seed(0)
    x, y = line_data(100)  # 13 batches of 8 (the last one of 4): lines at batches 0, 5 and 10
    losses = []

    def recording_loss(output, target):
        losses.append(F.cross_entropy(output, target))
        return losses[-1]

    model = small_mlp()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    fit(model, batches(x, y, 8), recording_loss, optimizer, 2, log_interval=5, verbose=False, progress=False)

    lines = capsys.readouterr().out.splitlines()
    assert all(LOG_LINE.fullmatch(line) for line in lines)
    # As the PyTorch MNIST example: batch index * batch size samples before this batch, the share of
    # batches done, and the loss of this batch.
    expected = []
    for epoch in (1, 2):
        for index in (0, 5, 10):
            loss = losses[13 * (epoch - 1) + index].item()
            expected.append(f"Train Epoch: {epoch} [{index * 8}/100 ({100 * index / 13:.0f}%)]\tLoss: {loss:.6f}")
    assert lines == expected


def test_verbose_prints_one_line_per_epoch_with_every_result(capsys):
    x, y = line_data(60)
    x_val, y_val = line_data(20, seed=1)

    history = quiet_fit(small_mlp(), batches(x, y), epochs=2, val_loader=batches(x_val, y_val), verbose=True)

    lines = capsys.readouterr().out.splitlines()
    without_times = [re.sub(r" - \d+\.\ds - ", " - <time> - ", line) for line in lines]
    h = history.history
    assert without_times == [
        f"Epoch {epoch}/2 - <time> - loss: {h['loss'][i]:.4f} - accuracy: {h['accuracy'][i]:.4f} - "
        f"val_loss: {h['val_loss'][i]:.4f} - val_accuracy: {h['val_accuracy'][i]:.4f}"
        for i, epoch in enumerate(history.epochs)
    ]


@pytest.mark.parametrize("progress", [False, "auto"])  # "auto": a bar only on a terminal; pytest's is not
def test_no_progress_bar_and_quiet_prints_nothing(capsys, progress):
    x, y = line_data(60)
    quiet_fit(small_mlp(), batches(x, y), epochs=2, progress=progress)
    assert capsys.readouterr() == ("", "")


def test_progress_bar_is_drawn_on_stderr(capsys):
    pytest.importorskip("tqdm")
    x, y = line_data(100)  # 13 batches of 8
    quiet_fit(small_mlp(), batches(x, y, 8), epochs=2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    for epoch in (1, 2):
        assert re.search(rf"Epoch {epoch}/2: 100%.*13/13", captured.err)


# ----------------------------------------------------------------------------- no device syncs
def count_host_reads(monkeypatch) -> dict[str, int]:
    """Count the calls that copy a value from the device to the host (the GPU would have to wait).

    ``Tensor.item`` and friends are what a training loop would call; ``as_numpy`` is what train.py
    uses to read its on-device sums.
    """
    counts = {"tensor": 0, "as_numpy": 0}

    def counting(method, key):
        def wrapper(*args, **kwargs):
            counts[key] += 1
            return method(*args, **kwargs)

        return wrapper

    for name in ("item", "numpy", "tolist", "__array__"):
        monkeypatch.setattr(tg.Tensor, name, counting(getattr(tg.Tensor, name), "tensor"))
    monkeypatch.setattr(train_module, "as_numpy", counting(train_module.as_numpy, "as_numpy"))
    return counts


def host_reads_during_fit(monkeypatch, batch_size: int, **kwargs) -> dict[str, int]:
    x, y = line_data(200)
    model = small_mlp()
    with monkeypatch.context() as patch:
        counts = count_host_reads(patch)
        quiet_fit(model, batches(x, y, batch_size), epochs=2, **kwargs)
    return counts


def test_fit_reads_results_once_per_epoch_not_once_per_batch(monkeypatch):
    few = host_reads_during_fit(monkeypatch, batch_size=100)  # 2 batches per epoch
    many = host_reads_during_fit(monkeypatch, batch_size=5)  # 40 batches per epoch

    assert few["tensor"] == many["tensor"] == 0  # no .item() (or .numpy()) per batch
    assert many["as_numpy"] == few["as_numpy"]  # the sums are read per epoch, however many batches
    # The counter works: every log line reads its batch's loss with .item().
    logged = host_reads_during_fit(monkeypatch, batch_size=5, log_interval=10)
    assert logged["tensor"] == 2 * 4  # 40 batches: a line after batches 10, 20, 30 and 40, in 2 epochs


# ----------------------------------------------------------------------------- callbacks
class StopAfter(Callback):
    """Asks fit to stop at the end of epoch ``last``."""

    def __init__(self, last: int) -> None:
        self.last = last
        self.calls: list[str] = []

    def on_train_begin(self, model):
        self.calls.append("begin")

    def on_epoch_end(self, epoch, logs, model):
        self.calls.append(f"epoch {epoch}")
        self.stop_training = epoch >= self.last

    def on_train_end(self, model, history):
        self.calls.append("end")


def test_a_callback_can_stop_training(capsys):
    x, y = line_data(40)
    stopper = StopAfter(2)

    history = quiet_fit(small_mlp(), batches(x, y), epochs=5, callbacks=[stopper], verbose=True)

    assert history.epochs == [1, 2]
    assert stopper.calls == ["begin", "epoch 1", "epoch 2", "end"]
    assert capsys.readouterr().out.splitlines()[-1] == "Stopping early after epoch 2"


def test_history_records_the_epoch_a_callback_stopped_at():
    """History.stopped_epoch is "set when a callback stopped training early", by any callback."""
    x, y = line_data(40)
    history = quiet_fit(small_mlp(), batches(x, y), epochs=5, callbacks=[StopAfter(2)])
    assert history.stopped_epoch == 2


def epoch_of_stop(callback: Callback, values: list[float], monitor: str = "val_loss") -> int | None:
    """Feed ``callback`` one result per epoch, as fit does; the epoch at which it stops (None: never)."""
    model = nn.Linear(1, 1)
    callback.on_train_begin(model)
    for epoch, value in enumerate(values, start=1):
        callback.on_epoch_end(epoch, {monitor: value}, model)
        if callback.stop_training:
            return epoch
    return None


@pytest.mark.parametrize(("patience", "stop"), [(0, 3), (1, 3), (2, 4), (3, 5)])
def test_early_stopping_stops_after_patience_epochs_without_improvement(patience, stop):
    # The best loss is at epoch 2; every epoch after it is worse. As in Keras, patience=3 means
    # "stop once 3 epochs in a row have not improved" (epochs 3, 4, 5); patience 0 acts like 1.
    val_losses = [1.0, 0.8, 0.9, 0.85, 0.9, 0.95, 1.0, 1.0]
    assert epoch_of_stop(EarlyStopping(patience=patience), val_losses) == stop


def test_early_stopping_waits_again_after_each_improvement():
    # Never two bad epochs in a row, so patience=2 never runs out.
    val_losses = [1.0, 1.1, 0.9, 0.95, 0.8, 0.85, 0.7, 0.75, 0.6]
    assert epoch_of_stop(EarlyStopping(patience=2), val_losses) is None


@pytest.mark.parametrize(
    ("monitor", "mode", "stop"),
    [
        ("val_loss", "auto", 2),  # a loss should fall: rising values stop at once
        ("loss", "auto", 2),
        ("val_accuracy", "auto", None),  # an accuracy should rise
        ("accuracy", "auto", None),
        ("val_loss", "max", None),  # an explicit mode wins over the name
        ("val_accuracy", "min", 2),
    ],
)
def test_early_stopping_mode(monitor, mode, stop):
    rising = [0.5, 0.6, 0.7, 0.8]
    assert epoch_of_stop(EarlyStopping(monitor, patience=0, mode=mode), rising, monitor) == stop


@pytest.mark.parametrize(
    ("mode", "values", "min_delta", "stop"),
    [
        ("min", [1.0, 0.95, 0.9], 0.1, 2),  # 0.95 is better, but not by 0.1
        ("min", [1.0, 0.95, 0.9], 0.01, None),
        ("max", [0.5, 0.55, 0.6], 0.1, 2),
        ("max", [0.5, 0.55, 0.6], 0.01, None),
    ],
)
def test_early_stopping_min_delta(mode, values, min_delta, stop):
    stopper = EarlyStopping("score", patience=0, min_delta=min_delta, mode=mode)
    assert epoch_of_stop(stopper, values, "score") == stop


def test_early_stopping_rejects_bad_settings():
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


@pytest.mark.parametrize(
    ("monitor", "val_loader", "pattern"),
    [
        ("val_loss", None, r"fit will not log 'val_loss' \(val_ results need a val_loader\).*\['loss'\]"),
        ("val_acc", NeverIterated(), r"fit will not log 'val_acc'; it logs \['loss', 'val_loss'\]"),
    ],
)
def test_early_stopping_names_a_missing_monitor_before_training(monitor, val_loader, pattern):
    model = small_mlp()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=pattern):
        train_module.fit(
            model, NeverIterated(), nn.MSELoss(), optimizer, 2, val_loader, [EarlyStopping(monitor)], verbose=False
        )


@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_restore_best_weights(restore):
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(patience=0, restore_best_weights=restore)
    history = History()
    stopper.on_train_begin(model)
    for epoch, val_loss in [(1, 0.5), (2, 0.3), (3, 0.4)]:  # best at epoch 2, stop after epoch 3
        for parameter in model.parameters():
            parameter.array[...] = epoch  # "training": every weight becomes the epoch number, in place
        history.record(epoch, {"val_loss": val_loss}, seconds=0.1)
        stopper.on_epoch_end(epoch, {"val_loss": val_loss}, model)
    assert stopper.stop_training

    stopper.on_train_end(model, history)

    expected = 2.0 if restore else 3.0
    for array in weights_of(model).values():
        np.testing.assert_array_equal(array, expected)
    assert history.stopped_epoch == 3
    if restore:
        assert history.best_epoch == 2


class WeightSnapshots(Callback):
    """Keeps a copy of the model's weights after every epoch."""

    def on_train_begin(self, model):
        self.after_epoch: dict[int, dict[str, np.ndarray]] = {}

    def on_epoch_end(self, epoch, logs, model):
        self.after_epoch[epoch] = weights_of(model)


def test_fit_with_restore_best_weights_ends_with_the_best_epochs_weights():
    tg.manual_seed(0)
    x, y = two_moons(200, noise=0.3)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    snapshots = WeightSnapshots()
    stopper = EarlyStopping(patience=100, restore_best_weights=True)

    # 30 training samples and a high learning rate: the model overfits and the val loss rises again.
    history = fit(
        model,
        batches(x[:30], y[:30], 10),
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=0.1),
        epochs=10,
        val_loader=batches(x[100:], y[100:], 50),
        callbacks=[snapshots, stopper],
        verbose=False,
        progress=False,
    )

    best = int(np.argmin(history.history["val_loss"])) + 1
    assert best < history.epochs[-1], "the best epoch must not be the last one, or nothing is restored"
    assert history.best_epoch == best
    final = weights_of(model)
    for name, array in snapshots.after_epoch[best].items():
        np.testing.assert_array_equal(final[name], array)


# ----------------------------------------------------------------------------- plot_history
@pytest.fixture
def figures(monkeypatch):
    """The matplotlib figures that plot_history saves (spied on at Figure.savefig)."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    saved = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        saved.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return saved


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, which follows the 8-byte signature and 8 bytes of chunk header."""
    header = path.read_bytes()[16:24]
    return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


def test_plot_history_writes_a_png_drawn_by_matplotlib(tmp_path, figures):
    path = tmp_path / "curves.png"

    plot_history(scripted_history(), path, title="two moons")

    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert b"Matplotlib" in data  # matplotlib signs its PNGs in a "Software" text chunk
    assert len(figures) == 1
    assert os.listdir(tmp_path) == ["curves.png"]  # no temporary file left behind


def test_plot_history_draws_a_loss_and_an_accuracy_panel(tmp_path, figures):
    history = scripted_history()

    plot_history(history, tmp_path / "curves.png")

    (figure,) = figures
    assert [axis.get_title() for axis in figure.axes] == ["loss", "accuracy"]
    for axis, name in zip(figure.axes, ["loss", "accuracy"], strict=True):
        curves = {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in axis.get_lines()}
        assert curves == {
            "train": ([1, 2], history.history[name]),
            "validation": ([1, 2], history.history[f"val_{name}"]),
        }


def test_plot_history_with_only_a_training_loss_draws_one_panel(tmp_path, figures):
    history = History()
    for epoch, loss in enumerate([0.9, 0.5, 0.4], start=1):
        history.record(epoch, {"loss": loss}, seconds=0.1)

    plot_history(history, tmp_path / "one.png")
    plot_history(scripted_history(), tmp_path / "two.png")

    assert [axis.get_title() for axis in figures[0].axes] == ["loss"]
    assert [line.get_label() for line in figures[0].axes[0].get_lines()] == ["train"]
    (one_width, one_height), (two_width, two_height) = png_size(tmp_path / "one.png"), png_size(tmp_path / "two.png")
    assert one_height == two_height and two_width > 1.5 * one_width  # panels side by side


def test_plot_history_is_atomic_and_closes_its_figure(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    path = tmp_path / "curves.png"
    path.write_bytes(b"the previous curves")
    open_figures = plt.get_fignums()

    def crashing_savefig(self, fname, *args, **kwargs):
        Path(fname).write_bytes(PNG_SIGNATURE + b"half a picture")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", crashing_savefig)
    with pytest.raises(OSError, match="disk full"):
        plot_history(scripted_history(), path)

    assert path.read_bytes() == b"the previous curves"
    assert os.listdir(tmp_path) == ["curves.png"]
    assert plt.get_fignums() == open_figures


def test_plot_history_leaves_the_matplotlib_backend_alone(tmp_path):
    """In Jupyter, switching the user's backend to Agg would stop later plt.show() calls from drawing."""
    matplotlib = pytest.importorskip("matplotlib")
    before = matplotlib.get_backend()
    matplotlib.use("svg")  # stands in for the user's backend (inline, in a notebook)
    try:
        plot_history(scripted_history(), tmp_path / "curves.png")
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG_SIGNATURE)


# ----------------------------------------------------------------------------- loss reductions and default metrics
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_evaluate_reports_the_mean_loss_per_sample_whatever_the_reduction(reduction):
    """A loss with reduction="sum" (or "none") is still reported as the mean over samples."""
    x, y = line_data(40)
    model = small_mlp()
    expected = evaluate(model, batches(x, y, 16), nn.CrossEntropyLoss())["loss"]
    result = evaluate(model, batches(x, y, 16), nn.CrossEntropyLoss(reduction=reduction))
    assert result["loss"] == pytest.approx(expected, rel=1e-6)


def test_default_metrics_give_accuracy_for_classification_and_nothing_for_regression():
    x, y = line_data(32)
    classifier = evaluate(small_mlp(), batches(x, y), nn.CrossEntropyLoss())
    regression = evaluate(nn.Linear(2, 1), batches(x, y.astype(np.float32).reshape(-1, 1)), nn.MSELoss())
    assert set(classifier) == {"loss", "accuracy"}
    assert set(regression) == {"loss"}  # "accuracy" of a regression would be a meaningless 0.0


@pytest.mark.parametrize(("suffix", "start"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_plot_history_writes_the_format_its_suffix_names(tmp_path: Path, suffix: str, start: bytes) -> None:
    history = train_module.History()
    for epoch in (1, 2):
        history.record(epoch, {"loss": 1.0 / epoch, "accuracy": 0.5 * epoch}, 0.1)
    path = tmp_path / f"curves{suffix}"
    train_module.plot_history(history, path)
    assert path.read_bytes().startswith(start)
